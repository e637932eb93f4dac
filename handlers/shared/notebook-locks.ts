/**
 * The two records that keep remediations of one notebook apart, with the document client:
 *
 * - the lock (lock table): held only while an execution changes the notebook. An in-place fix takes it
 *   when it plans; an approved recreation takes it after the approval (never during the wait), and
 *   waits for an in-place fix that holds it. A lock whose holder has ended (DescribeExecution: neither
 *   RUNNING nor PENDING_REDRIVE; execution-status.ts) is taken over at once, with a conditional write on
 *   that holder, and the taker says so on its finding; a lock nobody can vouch for expires.
 * - the plan (approval table): a recreation's plan from its planning to its closing, listing every
 *   finding of the notebook that it fixes (sibling findings join it), with the task token while it
 *   waits for a human. A plan whose execution has ended is taken over the same way, with its findings.
 *
 * Never two holders: every takeover is a conditional write naming the holder it replaces, so of two
 * executions taking over the same record, one wins and the other sees the winner as the holder.
 *
 * Keys: the notebook ARN, lowercased (lockKeyFor, approvalKeyFor).
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  APPROVAL_DEADLINE_ATTRIBUTE,
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_EXPIRY_ATTRIBUTE,
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
  APPROVAL_PLAN_SUMMARY_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
  MAX_PLAN_FINDINGS,
} from '../../stacks/approval-table-schema.js';
import {
  LOCK_EXPIRY_ATTRIBUTE,
  LOCK_OWNER_ATTRIBUTE,
  LOCK_REMEDIATION_ATTRIBUTE,
  LOCK_TABLE_KEY,
} from '../../statemachines/lock-table.js';
import { errorName } from './aws-errors.js';
import { type HolderEnd, type HolderStatusReader, holderEnd } from './execution-status.js';

export type DocumentClient = Pick<DynamoDBDocumentClient, 'send'>;

/** A finding as BatchUpdateFindings identifies it. */
export interface FindingIdentifier {
  readonly Id: string;
  readonly ProductArn: string;
}

/** An OCSF finding of the new Security Hub, as BatchUpdateFindingsV2 identifies it. */
export interface OcsfFindingIdentifier {
  readonly CloudAccountUid: string;
  readonly FindingInfoUid: string;
  readonly MetadataProductUid: string;
}

/** A finding of a plan, identified for the API of its format. */
export type PlanFinding = FindingIdentifier | OcsfFindingIdentifier;

export function isOcsfIdentifier(finding: PlanFinding): finding is OcsfFindingIdentifier {
  return 'FindingInfoUid' in finding;
}

/** The finding's id (ASFF Id, or OCSF finding_info.uid). */
export function planFindingId(finding: PlanFinding): string {
  return isOcsfIdentifier(finding) ? finding.FindingInfoUid : finding.Id;
}

/** Who holds a notebook's lock, as the lock item records it. */
export interface LockHolder {
  readonly executionArn: string;
  readonly findingId: string;
  /** The remediation the holder runs ('' for a lock written before this was recorded). */
  readonly remediation: string;
}

/** A record taken over from a holder that had ended: whose it was, and how that execution ended. */
export interface Takeover {
  readonly executionArn: string;
  readonly end: HolderEnd;
}

/** A lock taken over: its holder, and what the holder was doing. */
export interface LockTakeover extends Takeover {
  readonly findingId: string;
  readonly remediation: string;
}

/** Attributes of a lock item besides the key, owner, remediation and expiry (lock-table.ts). */
export const LOCK_ITEM_ATTRIBUTES = {
  findingId: 'findingId',
  controlId: 'controlId',
  acquiredAt: 'acquiredAt',
  /** Set when the lock was taken over: the execution that had held it, and how it had ended. */
  tookOverFrom: 'tookOverFrom',
  tookOverEnd: 'tookOverEnd',
  /** An OCSF finding's BatchUpdateFindingsV2 identifier (a map): the sweeper notes it through V2. */
  ocsfFinding: 'ocsfFinding',
} as const;

export interface LockRequest {
  readonly table: string;
  readonly key: string;
  readonly owner: string;
  readonly remediation: string;
  readonly findingId: string;
  /** Set when the finding is an OCSF one: findingId alone does not say how to note it. */
  readonly ocsfFinding?: OcsfFindingIdentifier | undefined;
  readonly controlId: string;
  readonly now: Date;
  /** How long the lock lives: as long as the remediation can run, after which its holder is gone. */
  readonly seconds: number;
}

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

type ConditionFailure = { Item?: Record<string, { S?: string; N?: string }> };

/** The old item a failed condition returned, in DynamoDB's own JSON (the SDK leaves it unmarshalled). */
function failedItem(error: unknown): Record<string, { S?: string; N?: string }> {
  return (error as ConditionFailure).Item ?? {};
}

/** How the clean-up after an ended execution marks the lock it took over (handlers/plan-cleanup.ts). */
export const CLEANUP_REMEDIATION_PREFIX = 'clean-up:';

/**
 * Since when the lock's owner has held it, as far as the item tells: a clean-up takes a lock over
 * without rewriting acquiredAt, so its item shows the dead execution's time, not the clean-up's. Then
 * undefined, so that a clean-up Step Functions does not list yet is never taken for one long gone.
 */
export function lockHeldSince(
  remediation: string | undefined,
  acquiredAt: string | undefined,
): Date | undefined {
  return remediation?.startsWith(CLEANUP_REMEDIATION_PREFIX) ? undefined : dateOf(acquiredAt);
}

/** The date an item's ISO 8601 attribute holds, or undefined when it is missing or not a date. */
export function dateOf(text: string | undefined): Date | undefined {
  const date = text === undefined ? undefined : new Date(text);
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Takes the lock, or says who holds it. Re-entrant for the same execution (a retried invoke). With
 * `holderStatus`, a lock whose holder has ended is taken over (with a conditional write on that
 * holder) and `tookOver` says whose it was; without it, only an expired lock is.
 */
export async function acquireLock(
  dynamodb: DocumentClient,
  request: LockRequest,
  holderStatus?: HolderStatusReader,
): Promise<{ acquired: true; tookOver?: LockTakeover } | { acquired: false; holder: LockHolder }> {
  const first = await putLock(dynamodb, request);
  if (first.acquired || !holderStatus) return first;
  const end = holderEnd(await holderStatus(first.holder.executionArn), first.heldSince, request.now);
  if (end === undefined) return { acquired: false, holder: first.holder };
  const takeover: LockTakeover = {
    executionArn: first.holder.executionArn,
    end,
    findingId: first.holder.findingId,
    remediation: first.holder.remediation,
  };
  const second = await putLock(dynamodb, request, takeover);
  return second.acquired
    ? { acquired: true, tookOver: takeover }
    : { acquired: false, holder: second.holder };
}

/** One conditional PutItem of the lock: free, expired, already ours, or (a takeover) still the old holder's. */
async function putLock(
  dynamodb: DocumentClient,
  request: LockRequest,
  takeover?: Takeover,
): Promise<
  | { acquired: true; tookOver?: LockTakeover }
  | { acquired: false; holder: LockHolder; heldSince: Date | undefined }
> {
  const nowSeconds = epochSeconds(request.now);
  try {
    const written = await dynamodb.send(
      new PutCommand({
        TableName: request.table,
        Item: {
          [LOCK_TABLE_KEY]: request.key,
          [LOCK_OWNER_ATTRIBUTE]: request.owner,
          [LOCK_REMEDIATION_ATTRIBUTE]: request.remediation,
          [LOCK_ITEM_ATTRIBUTES.findingId]: request.findingId,
          ...(request.ocsfFinding ? { [LOCK_ITEM_ATTRIBUTES.ocsfFinding]: { ...request.ocsfFinding } } : {}),
          [LOCK_ITEM_ATTRIBUTES.controlId]: request.controlId,
          [LOCK_ITEM_ATTRIBUTES.acquiredAt]: request.now.toISOString(),
          [LOCK_EXPIRY_ATTRIBUTE]: nowSeconds + request.seconds,
          ...(takeover
            ? {
                [LOCK_ITEM_ATTRIBUTES.tookOverFrom]: takeover.executionArn,
                [LOCK_ITEM_ATTRIBUTES.tookOverEnd]: takeover.end,
              }
            : {}),
        },
        // Expired locks still exist until DynamoDB's TTL sweep removes them, so expiry is checked here.
        ConditionExpression: `attribute_not_exists(#key) OR #expiresAt < :now OR #owner = :me${takeover ? ' OR #owner = :old' : ''}`,
        ExpressionAttributeNames: {
          '#key': LOCK_TABLE_KEY,
          '#expiresAt': LOCK_EXPIRY_ATTRIBUTE,
          '#owner': LOCK_OWNER_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':now': nowSeconds,
          ':me': request.owner,
          ...(takeover ? { ':old': takeover.executionArn } : {}),
        },
        // A retried invoke that had taken the lock over still says so (from the item it replaces).
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const old = written.Attributes ?? {};
    const earlier = text(old[LOCK_ITEM_ATTRIBUTES.tookOverFrom]);
    if (!takeover && old[LOCK_OWNER_ATTRIBUTE] === request.owner && earlier) {
      return {
        acquired: true,
        tookOver: {
          executionArn: earlier,
          end: text(old[LOCK_ITEM_ATTRIBUTES.tookOverEnd]) as HolderEnd,
          findingId: 'unknown',
          remediation: '',
        },
      };
    }
    return { acquired: true };
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    const item = failedItem(error);
    return {
      acquired: false,
      holder: {
        executionArn: item[LOCK_OWNER_ATTRIBUTE]?.S ?? 'another execution',
        findingId: item[LOCK_ITEM_ATTRIBUTES.findingId]?.S ?? 'unknown',
        remediation: item[LOCK_REMEDIATION_ATTRIBUTE]?.S ?? '',
      },
      heldSince: lockHeldSince(item[LOCK_REMEDIATION_ATTRIBUTE]?.S, item[LOCK_ITEM_ATTRIBUTES.acquiredAt]?.S),
    };
  }
}

/** Releases the lock if `owner` still holds it; true if it did. */
export async function releaseLock(
  dynamodb: DocumentClient,
  request: { readonly table: string; readonly key: string; readonly owner: string },
): Promise<boolean> {
  try {
    await dynamodb.send(
      new DeleteCommand({
        TableName: request.table,
        Key: { [LOCK_TABLE_KEY]: request.key },
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': LOCK_OWNER_ATTRIBUTE },
        ExpressionAttributeValues: { ':me': request.owner },
      }),
    );
    return true;
  } catch (error) {
    if (errorName(error) === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** The plan another execution made for the notebook, as its item records it. */
export interface PlanHolder {
  readonly executionArn: string;
  readonly status: string;
  readonly findingIds: readonly string[];
}

/** A plan taken over: its execution, how it ended, its status then, and the findings carried over. */
export interface PlanTakeover extends Takeover {
  readonly status: string;
  /** The old plan's other findings, now on the new plan (its outcome is theirs). */
  readonly findings: readonly PlanFinding[];
}

/** Attributes of a plan item besides those approval-table-schema.ts names. */
export const PLAN_ITEM_ATTRIBUTES = {
  plannedAt: 'plannedAt',
  tookOverFrom: 'tookOverFrom',
  tookOverEnd: 'tookOverEnd',
} as const;

export interface PlanRequest {
  readonly table: string;
  readonly key: string;
  readonly owner: string;
  readonly finding: PlanFinding;
  readonly summary: string;
  readonly now: Date;
  /** When the approval window closes. */
  readonly approvalDeadline: Date;
  /** When the plan lapses: the end of the approval window and of the work after it. */
  readonly expiresAt: Date;
}

type PlanItem = Record<string, { S?: string; L?: Array<{ M?: Record<string, { S?: string }> }> }>;

/** The findings a plan item lists (ASFF, then OCSF), in DynamoDB's own JSON. */
function planFindings(item: PlanItem): PlanFinding[] {
  const asff = (item[APPROVAL_FINDINGS_ATTRIBUTE]?.L ?? []).map((entry) => ({
    Id: text(entry.M?.Id?.S),
    ProductArn: text(entry.M?.ProductArn?.S),
  }));
  const ocsf = (item[APPROVAL_OCSF_FINDINGS_ATTRIBUTE]?.L ?? []).map((entry) => ({
    CloudAccountUid: text(entry.M?.CloudAccountUid?.S),
    FindingInfoUid: text(entry.M?.FindingInfoUid?.S),
    MetadataProductUid: text(entry.M?.MetadataProductUid?.S),
  }));
  return [...asff, ...ocsf];
}

/** A plan's findings as its item lists them: each format in its own list, at most MAX_PLAN_FINDINGS each. */
function findingLists(findings: readonly PlanFinding[]): Record<string, PlanFinding[]> {
  const ocsf = findings.filter(isOcsfIdentifier).slice(0, MAX_PLAN_FINDINGS);
  return {
    [APPROVAL_FINDINGS_ATTRIBUTE]: findings
      .filter((finding) => !isOcsfIdentifier(finding))
      .slice(0, MAX_PLAN_FINDINGS)
      .map((finding) => ({ ...finding })),
    // Absent while there is none: an ASFF-only plan's item is as it was before OCSF findings.
    ...(ocsf.length > 0
      ? { [APPROVAL_OCSF_FINDINGS_ATTRIBUTE]: ocsf.map((finding) => ({ ...finding })) }
      : {}),
  };
}

/**
 * Records a new plan (PLANNED, with its finding), unless a live one exists: then says whose it is.
 * Re-entrant for the same execution (its plan is left as it is: findings may have joined it). With
 * `holderStatus`, a plan whose execution has ended is taken over, its other findings carried over.
 */
export async function createPlan(
  dynamodb: DocumentClient,
  request: PlanRequest,
  holderStatus?: HolderStatusReader,
): Promise<{ created: true; tookOver?: PlanTakeover } | { created: false; holder: PlanHolder }> {
  const first = await putPlan(dynamodb, request, []);
  if (first.created || !holderStatus) return first;
  const { holder, item } = first;
  const end = holderEnd(
    await holderStatus(holder.executionArn),
    dateOf(item[PLAN_ITEM_ATTRIBUTES.plannedAt]?.S),
    request.now,
  );
  if (end === undefined) return { created: false, holder };
  // Every finding of the old plan gets the new plan's outcome; the new one's own comes first.
  const ownId = planFindingId(request.finding);
  const carried = planFindings(item).filter(
    (finding) => planFindingId(finding) !== '' && planFindingId(finding) !== ownId,
  );
  const takeover: PlanTakeover = {
    executionArn: holder.executionArn,
    end,
    status: holder.status,
    findings: carried,
  };
  const second = await putPlan(dynamodb, request, carried, takeover);
  if (!second.created) return { created: false, holder: second.holder };
  return { created: true, tookOver: second.tookOver ?? takeover };
}

async function putPlan(
  dynamodb: DocumentClient,
  request: PlanRequest,
  carried: readonly PlanFinding[],
  takeover?: Takeover,
): Promise<
  { created: true; tookOver?: PlanTakeover } | { created: false; holder: PlanHolder; item: PlanItem }
> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: request.table,
        Item: {
          [APPROVAL_TABLE_KEY]: request.key,
          [APPROVAL_STATUS_ATTRIBUTE]: 'PLANNED',
          [APPROVAL_EXECUTION_ARN_ATTRIBUTE]: request.owner,
          // The plan's own finding first: the lists' limits keep it.
          ...findingLists([request.finding, ...carried]),
          [APPROVAL_PLAN_SUMMARY_ATTRIBUTE]: request.summary,
          [PLAN_ITEM_ATTRIBUTES.plannedAt]: request.now.toISOString(),
          [APPROVAL_DEADLINE_ATTRIBUTE]: epochSeconds(request.approvalDeadline),
          [APPROVAL_EXPIRY_ATTRIBUTE]: epochSeconds(request.expiresAt),
          ...(takeover
            ? {
                [PLAN_ITEM_ATTRIBUTES.tookOverFrom]: takeover.executionArn,
                [PLAN_ITEM_ATTRIBUTES.tookOverEnd]: takeover.end,
              }
            : {}),
        },
        ConditionExpression: `attribute_not_exists(#key) OR #expiresAt < :now${takeover ? ' OR #owner = :old' : ''}`,
        ExpressionAttributeNames: {
          '#key': APPROVAL_TABLE_KEY,
          '#expiresAt': APPROVAL_EXPIRY_ATTRIBUTE,
          ...(takeover ? { '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE } : {}),
        },
        ExpressionAttributeValues: {
          ':now': epochSeconds(request.now),
          ...(takeover ? { ':old': takeover.executionArn } : {}),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { created: true };
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    const item = failedItem(error) as PlanItem;
    const executionArn = text(item[APPROVAL_EXECUTION_ARN_ATTRIBUTE]?.S) || 'another execution';
    if (executionArn === request.owner) {
      // A retried invoke: the plan is this execution's already (and says whether it was taken over).
      const earlier = text(item[PLAN_ITEM_ATTRIBUTES.tookOverFrom]?.S);
      return earlier
        ? {
            created: true,
            tookOver: {
              executionArn: earlier,
              end: text(item[PLAN_ITEM_ATTRIBUTES.tookOverEnd]?.S) as HolderEnd,
              status: '',
              findings: planFindings(item).filter(
                (finding) => planFindingId(finding) !== planFindingId(request.finding),
              ),
            },
          }
        : { created: true };
    }
    return {
      created: false,
      holder: {
        executionArn,
        status: text(item[APPROVAL_STATUS_ATTRIBUTE]?.S),
        findingIds: planFindings(item).map(planFindingId),
      },
      item,
    };
  }
}

/**
 * Adds a finding to the plan `holder` owns, while it is not closed and has room; false when it was
 * closed or taken over meanwhile (or is full).
 */
export async function joinPlan(
  dynamodb: DocumentClient,
  request: {
    readonly table: string;
    readonly key: string;
    readonly holder: string;
    readonly finding: PlanFinding;
    /** The statuses the plan may be in (an approved plan being carried out still takes findings it fixes). */
    readonly statuses: readonly string[];
  },
): Promise<boolean> {
  const statusValues = Object.fromEntries(request.statuses.map((status, index) => [`:s${index}`, status]));
  const ocsf = isOcsfIdentifier(request.finding);
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: request.table,
        Key: { [APPROVAL_TABLE_KEY]: request.key },
        // An OCSF finding goes to the OCSF list, which the first one creates.
        UpdateExpression: ocsf
          ? 'SET #findings = list_append(if_not_exists(#findings, :none), :finding)'
          : 'SET #findings = list_append(#findings, :finding)',
        ConditionExpression: `#owner = :holder AND ${ocsf ? '(attribute_not_exists(#findings) OR size(#findings) < :max)' : 'size(#findings) < :max'} AND #status IN (${Object.keys(statusValues).join(', ')})`,
        ExpressionAttributeNames: {
          '#findings': ocsf ? APPROVAL_OCSF_FINDINGS_ATTRIBUTE : APPROVAL_FINDINGS_ATTRIBUTE,
          '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
          '#status': APPROVAL_STATUS_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':finding': [{ ...request.finding }],
          ':holder': request.holder,
          ':max': MAX_PLAN_FINDINGS,
          ...(ocsf ? { ':none': [] } : {}),
          ...statusValues,
        },
      }),
    );
    return true;
  } catch (error) {
    if (errorName(error) === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
