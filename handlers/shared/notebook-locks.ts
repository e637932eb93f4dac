/**
 * The two records that keep remediations of one notebook apart, with the document client:
 *
 * - the lock (lock table): held only while an execution changes the notebook. An in-place fix takes it
 *   when it plans; an approved recreation takes it after the approval (never during the wait), and
 *   waits for an in-place fix that holds it. A lock whose holder died expires.
 * - the plan (approval table): a recreation's plan from its planning to its closing, listing every
 *   finding of the notebook that it fixes (sibling findings join it), with the task token while it
 *   waits for a human.
 *
 * Keys: the notebook ARN, lowercased (lockKeyFor, approvalKeyFor).
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  APPROVAL_DEADLINE_ATTRIBUTE,
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_EXPIRY_ATTRIBUTE,
  APPROVAL_FINDINGS_ATTRIBUTE,
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

export type DocumentClient = Pick<DynamoDBDocumentClient, 'send'>;

/** A finding as BatchUpdateFindings identifies it. */
export interface FindingIdentifier {
  readonly Id: string;
  readonly ProductArn: string;
}

/** Who holds a notebook's lock, as the lock item records it. */
export interface LockHolder {
  readonly executionArn: string;
  readonly findingId: string;
  /** The remediation the holder runs ('' for a lock written before this was recorded). */
  readonly remediation: string;
}

export interface LockRequest {
  readonly table: string;
  readonly key: string;
  readonly owner: string;
  readonly remediation: string;
  readonly findingId: string;
  readonly controlId: string;
  readonly now: Date;
  /** How long the lock lives: as long as the remediation can run, after which its holder is gone. */
  readonly seconds: number;
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Takes the lock, or says who holds it. Re-entrant for the same execution (a retried invoke). */
export async function acquireLock(
  dynamodb: DocumentClient,
  request: LockRequest,
): Promise<{ acquired: true } | { acquired: false; holder: LockHolder }> {
  const nowSeconds = epochSeconds(request.now);
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: request.table,
        Item: {
          [LOCK_TABLE_KEY]: request.key,
          [LOCK_OWNER_ATTRIBUTE]: request.owner,
          [LOCK_REMEDIATION_ATTRIBUTE]: request.remediation,
          findingId: request.findingId,
          controlId: request.controlId,
          acquiredAt: request.now.toISOString(),
          [LOCK_EXPIRY_ATTRIBUTE]: nowSeconds + request.seconds,
        },
        // Expired locks still exist until DynamoDB's TTL sweep removes them, so expiry is checked here.
        ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now OR #owner = :me',
        ExpressionAttributeNames: {
          '#key': LOCK_TABLE_KEY,
          '#expiresAt': LOCK_EXPIRY_ATTRIBUTE,
          '#owner': LOCK_OWNER_ATTRIBUTE,
        },
        ExpressionAttributeValues: { ':now': nowSeconds, ':me': request.owner },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { acquired: true };
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    // The SDK leaves the old item of a failed condition in DynamoDB's own JSON.
    const item = (error as { Item?: Record<string, { S?: string }> }).Item ?? {};
    return {
      acquired: false,
      holder: {
        executionArn: item[LOCK_OWNER_ATTRIBUTE]?.S ?? 'another execution',
        findingId: item.findingId?.S ?? 'unknown',
        remediation: item[LOCK_REMEDIATION_ATTRIBUTE]?.S ?? '',
      },
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

export interface PlanRequest {
  readonly table: string;
  readonly key: string;
  readonly owner: string;
  readonly finding: FindingIdentifier;
  readonly summary: string;
  readonly now: Date;
  /** When the approval window closes. */
  readonly approvalDeadline: Date;
  /** When the plan lapses: the end of the approval window and of the work after it. */
  readonly expiresAt: Date;
}

/** Records a new plan (PLANNED, with its finding), unless a live one exists: then says whose it is. */
export async function createPlan(
  dynamodb: DocumentClient,
  request: PlanRequest,
): Promise<{ created: true } | { created: false; holder: PlanHolder }> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: request.table,
        Item: {
          [APPROVAL_TABLE_KEY]: request.key,
          [APPROVAL_STATUS_ATTRIBUTE]: 'PLANNED',
          [APPROVAL_EXECUTION_ARN_ATTRIBUTE]: request.owner,
          [APPROVAL_FINDINGS_ATTRIBUTE]: [{ ...request.finding }],
          [APPROVAL_PLAN_SUMMARY_ATTRIBUTE]: request.summary,
          plannedAt: request.now.toISOString(),
          [APPROVAL_DEADLINE_ATTRIBUTE]: epochSeconds(request.approvalDeadline),
          [APPROVAL_EXPIRY_ATTRIBUTE]: epochSeconds(request.expiresAt),
        },
        ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now OR #owner = :me',
        ExpressionAttributeNames: {
          '#key': APPROVAL_TABLE_KEY,
          '#expiresAt': APPROVAL_EXPIRY_ATTRIBUTE,
          '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
        },
        ExpressionAttributeValues: { ':now': epochSeconds(request.now), ':me': request.owner },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { created: true };
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
    const item =
      (error as { Item?: Record<string, { S?: string; L?: Array<{ M?: { Id?: { S?: string } } }> }> }).Item ??
      {};
    return {
      created: false,
      holder: {
        executionArn: text(item[APPROVAL_EXECUTION_ARN_ATTRIBUTE]?.S) || 'another execution',
        status: text(item[APPROVAL_STATUS_ATTRIBUTE]?.S),
        findingIds: (item[APPROVAL_FINDINGS_ATTRIBUTE]?.L ?? []).map((entry) => text(entry.M?.Id?.S)),
      },
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
    readonly finding: FindingIdentifier;
    /** The statuses the plan may be in (an approved plan being carried out still takes findings it fixes). */
    readonly statuses: readonly string[];
  },
): Promise<boolean> {
  const statusValues = Object.fromEntries(request.statuses.map((status, index) => [`:s${index}`, status]));
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: request.table,
        Key: { [APPROVAL_TABLE_KEY]: request.key },
        UpdateExpression: 'SET #findings = list_append(#findings, :finding)',
        ConditionExpression: `#owner = :holder AND size(#findings) < :max AND #status IN (${Object.keys(statusValues).join(', ')})`,
        ExpressionAttributeNames: {
          '#findings': APPROVAL_FINDINGS_ATTRIBUTE,
          '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
          '#status': APPROVAL_STATUS_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':finding': [{ ...request.finding }],
          ':holder': request.holder,
          ':max': MAX_PLAN_FINDINGS,
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
