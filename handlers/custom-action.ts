/**
 * CustomAction: the target of the EventBridge rule for this deployment's three Security Hub custom
 * actions (approve, reject, remediate now).
 *
 * The decisions are pure functions in shared/custom-action-event.ts; this file does the I/O in order:
 *
 * - approve / reject: per notebook (sibling findings are one plan), read the approval record, decide,
 *   move the record from PENDING to APPROVED or REJECTED with a conditional update (so a double click
 *   or a race with the timeout never decides twice), then complete the waiting task with the token
 *   kept in the table. The state machine writes the notes of a decision that goes through; this
 *   handler only writes notes for clicks that change nothing.
 * - remediate now: per finding, start the workflow under a name derived from the finding and the
 *   event, so a redelivered event cannot start it twice.
 *
 * A rejected event (foreign, forged, malformed) is logged and answered, never thrown: EventBridge
 * would retry an event that can never become valid. Its identifiers are not trusted, so nothing is
 * written anywhere. The task token is never logged or written to a finding.
 */

import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AwsSecurityFindingIdentifier,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import * as z from 'zod/mini';
import {
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_EXPIRY_ATTRIBUTE,
  APPROVAL_FINDING_IDS_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
  APPROVAL_TOKEN_ATTRIBUTE,
  approvalKeyFor,
} from '../stacks/approval-table-schema.js';
import { NOTE_AUTHOR } from '../statemachines/state-builders.js';
import { errorName } from './shared/aws-errors.js';
import type { ControlId } from './shared/controls-catalogue.js';
import {
  type CustomAction,
  decideApproval,
  decideRemediateNow,
  type ParsedCustomAction,
  type PendingApproval,
  parseCustomActionEvent,
  REJECTION_ERROR,
} from './shared/custom-action-event.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  type CustomActionSettings,
  parseCustomActionSettings,
} from './shared/custom-action-settings.js';
import {
  InvalidFindingEvent,
  REMEDIATE_NOW_DETAIL_TYPE,
  REMEDIATE_NOW_SOURCE,
  type ValidatedFinding,
} from './shared/finding-event.js';
import { jsonLogger, type Logger } from './shared/logger.js';
import { NOTE_LIMIT, truncate } from './shared/plan-decisions.js';
import { describeIssues } from './shared/validation.js';

export interface CustomActionDependencies {
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly securityhub: Pick<SecurityHubClient, 'send'>;
  readonly settings: CustomActionSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

export type CustomActionOutcome =
  | 'approved'
  | 'rejected'
  | 'annotated'
  | 'started'
  | 'already-started'
  | 'execution-gone';

export interface CustomActionDecision {
  /** The notebook's name (or, for another resource, the last part of its ARN). */
  readonly notebook: string;
  readonly findingIds: readonly string[];
  readonly outcome: CustomActionOutcome;
  /** The note written on the findings, when one was. */
  readonly note?: string;
  /** The execution that was approved, rejected, found gone or started. */
  readonly executionArn?: string;
}

export interface UnprocessedFinding {
  readonly id: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface CustomActionResult {
  /** `invalid` when the event was rejected before its action could be trusted. */
  readonly action: CustomAction | 'invalid';
  /** Why the event was rejected; nothing was done. */
  readonly rejected?: readonly string[];
  readonly decisions: readonly CustomActionDecision[];
  /** Findings Security Hub did not annotate (also logged as errors). */
  readonly unprocessedFindings?: readonly UnprocessedFinding[];
}

/** Security Hub takes at most 100 finding identifiers per BatchUpdateFindings call. */
const MAX_FINDINGS_PER_UPDATE = 100;

/** The waiting task no longer exists: the execution timed out, was stopped, or finished. */
const TASK_GONE_ERRORS: ReadonlySet<string> = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

const stringAttribute = z.object({ S: z.string() });
const approvalItem = z.looseObject({
  [APPROVAL_TOKEN_ATTRIBUTE]: z.object({ S: z.string().check(z.minLength(1), z.maxLength(2048)) }),
  [APPROVAL_STATUS_ATTRIBUTE]: z.object({ S: z.enum(['PENDING', 'APPROVED', 'REJECTED']) }),
  [APPROVAL_EXECUTION_ARN_ATTRIBUTE]: z.object({ S: z.string().check(z.minLength(1)) }),
  [APPROVAL_EXPIRY_ATTRIBUTE]: z.object({ N: z.string().check(z.regex(/^\d+$/, 'must be epoch seconds')) }),
  [APPROVAL_FINDING_IDS_ATTRIBUTE]: z.optional(
    z.union([z.object({ SS: z.array(z.string()) }), z.object({ L: z.array(stringAttribute) })]),
  ),
  decidedAt: z.optional(stringAttribute),
  decidedBy: z.optional(stringAttribute),
});

/** An approval record as read from the table. The token stays in here and is never logged. */
interface ApprovalRecord {
  readonly approval: PendingApproval;
  readonly taskToken: string;
  /** Id of the custom action event that decided it, if decided. */
  readonly decidedBy?: string;
}

type RecordRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'found'; readonly record: ApprovalRecord }
  | { readonly kind: 'unreadable'; readonly problems: readonly string[] };

/** Findings of one resource selected in one click: one plan, one record, one decision. */
interface ResourceGroup {
  readonly key: string;
  readonly name: string;
  readonly isNotebook: boolean;
  readonly findings: readonly ValidatedFinding[];
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * The Remediate now execution name: one per finding and event (1-80 of [0-9A-Za-z-_]), so EventBridge
 * redelivering the same event finds the execution already there instead of starting a second one.
 */
export function remediateNowExecutionName(findingId: string, eventId: string): string {
  return `remediate-now-${shortHash(findingId)}-${shortHash(eventId)}`;
}

function resourceName(finding: ValidatedFinding): string {
  return finding.notebookName ?? finding.resourceArn.split('/').pop() ?? finding.resourceArn;
}

function groupByResource(findings: readonly ValidatedFinding[]): ResourceGroup[] {
  const groups = new Map<string, { name: string; isNotebook: boolean; findings: ValidatedFinding[] }>();
  for (const finding of findings) {
    const key = approvalKeyFor(finding.resourceArn);
    const group = groups.get(key);
    if (group) {
      group.findings.push(finding);
    } else {
      groups.set(key, {
        name: resourceName(finding),
        isNotebook: finding.resourceType === 'AwsSageMakerNotebookInstance' && !!finding.notebookName,
        findings: [finding],
      });
    }
  }
  return [...groups].map(([key, group]) => ({ key, ...group }));
}

function toRecord(item: Record<string, AttributeValue> | undefined): RecordRead {
  if (!item) return { kind: 'absent' };
  const parsed = approvalItem.safeParse(item);
  if (!parsed.success) return { kind: 'unreadable', problems: describeIssues(parsed.error, 'item.') };
  const data = parsed.data;
  const ids = data[APPROVAL_FINDING_IDS_ATTRIBUTE];
  const findingIds = !ids ? [] : 'SS' in ids ? ids.SS : ids.L.map((each) => each.S);
  return {
    kind: 'found',
    record: {
      approval: {
        executionArn: data[APPROVAL_EXECUTION_ARN_ATTRIBUTE].S,
        findingIds,
        status: data[APPROVAL_STATUS_ATTRIBUTE].S,
        expiresAt: Number(data[APPROVAL_EXPIRY_ATTRIBUTE].N),
        ...(data.decidedAt ? { decidedAt: data.decidedAt.S } : {}),
      },
      taskToken: data[APPROVAL_TOKEN_ATTRIBUTE].S,
      ...(data.decidedBy ? { decidedBy: data.decidedBy.S } : {}),
    },
  };
}

/** The findings exactly as the event carried them (parseCustomActionEvent keeps their order). */
function receivedFindings(event: unknown): readonly unknown[] {
  const detail = (event as { detail?: { findings?: unknown } }).detail;
  return Array.isArray(detail?.findings) ? detail.findings : [];
}

export function createCustomActionHandler(
  dependencies: CustomActionDependencies,
): (event: unknown) => Promise<CustomActionResult> {
  const { dynamodb, sfn, securityhub, settings, now, logger } = dependencies;

  async function readRecord(key: string): Promise<RecordRead> {
    const response = await dynamodb.send(
      new GetItemCommand({
        TableName: settings.approvalTableName,
        Key: { [APPROVAL_TABLE_KEY]: { S: key } },
        ConsistentRead: true,
      }),
    );
    return toRecord(response.Item);
  }

  /** PENDING -> APPROVED/REJECTED, only for this very plan while its window is open. False: lost a race. */
  async function recordDecision(
    key: string,
    verdict: 'approve' | 'reject',
    approval: PendingApproval,
    eventId: string,
    at: Date,
  ): Promise<boolean> {
    const decision = verdict === 'approve' ? ':approved' : ':rejected';
    try {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: settings.approvalTableName,
          Key: { [APPROVAL_TABLE_KEY]: { S: key } },
          UpdateExpression: `SET #status = ${decision}, decidedAt = :now, decidedBy = :eventId`,
          ConditionExpression:
            '#status = :pending AND #expiresAt > :nowSeconds AND #executionArn = :executionArn',
          ExpressionAttributeNames: {
            '#status': APPROVAL_STATUS_ATTRIBUTE,
            '#expiresAt': APPROVAL_EXPIRY_ATTRIBUTE,
            '#executionArn': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            [decision]: { S: verdict === 'approve' ? 'APPROVED' : 'REJECTED' },
            ':pending': { S: 'PENDING' },
            ':now': { S: at.toISOString() },
            ':eventId': { S: eventId },
            ':nowSeconds': { N: String(Math.floor(at.getTime() / 1000)) },
            ':executionArn': { S: approval.executionArn },
          },
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * Completes the waiting task. Returns the SFN error name when the task is gone (timed out, stopped,
   * ended); on a redelivered event that most likely means the first delivery already completed it.
   */
  async function completeTask(
    verdict: 'approve' | 'reject',
    record: ApprovalRecord,
    eventId: string,
    decidedAt: string,
  ): Promise<string | undefined> {
    try {
      if (verdict === 'approve') {
        await sfn.send(
          new SendTaskSuccessCommand({
            taskToken: record.taskToken,
            output: JSON.stringify({ approvedAt: decidedAt, eventId, action: 'approve' }),
          }),
        );
      } else {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: record.taskToken,
            error: REJECTION_ERROR,
            cause: `Rejected through the Security Hub custom action at ${decidedAt} (event ${eventId})`,
          }),
        );
      }
      return undefined;
    } catch (error) {
      if (TASK_GONE_ERRORS.has(errorName(error))) return errorName(error);
      throw error;
    }
  }

  async function decideForResource(
    parsed: ParsedCustomAction,
    group: ResourceGroup,
    at: Date,
  ): Promise<CustomActionDecision> {
    const action = parsed.action as 'approve' | 'reject';
    const past = action === 'approve' ? 'approved' : 'rejected';
    const findingIds = group.findings.map((finding) => finding.id);
    const context = { eventId: parsed.eventId, action, notebook: group.name, findingIds };
    const annotated = (note: string, why: string): CustomActionDecision => {
      logger.info(why, context);
      return { notebook: group.name, findingIds, outcome: 'annotated', note: truncate(note, NOTE_LIMIT) };
    };

    if (!group.isNotebook) {
      return annotated(
        `Nothing to ${action}: only notebook instance recreations wait for approval, and ${group.findings[0]?.resourceArn} is not a notebook instance. Nothing was changed.`,
        'not a notebook',
      );
    }
    const read = await readRecord(group.key);
    if (read.kind === 'unreadable') {
      logger.error('approval record unreadable', { ...context, problems: read.problems });
      return annotated(
        `Nothing was ${past}: the approval record of notebook instance ${group.name} is malformed, so nothing was changed. The remediation keeps waiting until its approval window closes; ask the operators to check the approval table (the handler logged what is wrong).`,
        'approval record unreadable',
      );
    }
    const record = read.kind === 'found' ? read.record : undefined;
    const decided = (outcome: 'approved' | 'rejected', executionArn: string): CustomActionDecision => {
      logger.info(`remediation ${outcome}`, { ...context, executionArn });
      return { notebook: group.name, findingIds, outcome, executionArn };
    };

    // The same event again (EventBridge redelivers after a failed invocation): the record already
    // holds this click's decision, so finish delivering it rather than calling it a second click.
    if (record && record.decidedBy === parsed.eventId && record.approval.status === past.toUpperCase()) {
      const gone = await completeTask(
        action,
        record,
        parsed.eventId,
        record.approval.decidedAt ?? at.toISOString(),
      );
      if (gone) logger.info('task already completed or gone on redelivery', { ...context, error: gone });
      return decided(past as 'approved' | 'rejected', record.approval.executionArn);
    }

    const verdict = decideApproval(action, group.name, record?.approval, at);
    if (verdict.kind === 'annotate') return annotated(verdict.note, 'nothing to decide');
    if (!record) throw new Error('decideApproval approved without a record');

    if (!(await recordDecision(group.key, verdict.kind, verdict.approval, parsed.eventId, at))) {
      // Lost a race (a double click, the timeout, a new plan): say what the record holds now.
      const fresh = await readRecord(group.key);
      const freshRecord = fresh.kind === 'found' ? fresh.record : undefined;
      const again = decideApproval(action, group.name, freshRecord?.approval, at);
      const note =
        again.kind === 'annotate'
          ? again.note
          : `Nothing was ${past}: the remediation plan of notebook instance ${group.name} changed while this click was processed (it is now execution ${again.approval.executionArn}). Review the new plan and choose the action again.`;
      return annotated(note, 'approval record changed before the decision was recorded');
    }

    const decidedAt = at.toISOString();
    const gone = await completeTask(action, record, parsed.eventId, decidedAt);
    if (!gone) return decided(past as 'approved' | 'rejected', record.approval.executionArn);
    const executionArn = record.approval.executionArn;
    logger.warn('execution no longer waiting', { ...context, executionArn, error: gone });
    return {
      notebook: group.name,
      findingIds,
      outcome: 'execution-gone',
      executionArn,
      note: truncate(
        `${past === 'approved' ? 'Approved' : 'Rejected'} at ${decidedAt}, but the remediation of notebook instance ${group.name} (execution ${executionArn}) was no longer waiting (${gone}): it timed out, was stopped or already ended. Nothing was changed; its approval record stays ${past.toUpperCase()}. Use the Remediate now action to plan it again.`,
        NOTE_LIMIT,
      ),
    };
  }

  async function remediateNow(
    parsed: ParsedCustomAction,
    finding: ValidatedFinding,
    received: unknown,
  ): Promise<CustomActionDecision> {
    const base = { notebook: resourceName(finding), findingIds: [finding.id] };
    const context = { eventId: parsed.eventId, findingId: finding.id, control: finding.control.id };
    const verdict = decideRemediateNow(finding, settings.modes[finding.control.id as ControlId] ?? 'off');
    if (verdict.kind === 'annotate') {
      logger.info('remediate now not started', context);
      return { ...base, outcome: 'annotated', note: truncate(verdict.note, NOTE_LIMIT) };
    }
    const name = remediateNowExecutionName(finding.id, parsed.eventId);
    // Deterministic (no clock): a running execution started with the same name and input is returned
    // as is, and a redelivered event cannot start a second one.
    const input = {
      source: REMEDIATE_NOW_SOURCE,
      'detail-type': REMEDIATE_NOW_DETAIL_TYPE,
      account: settings.accountId,
      region: settings.region,
      time: parsed.time,
      detail: {
        findings: [received],
        requestedBy: { eventId: parsed.eventId, actionArn: parsed.actionArn },
      },
    };
    try {
      const started = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: settings.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      logger.info('remediation started', { ...context, executionArn: started.executionArn });
      return {
        ...base,
        outcome: 'started',
        ...(started.executionArn ? { executionArn: started.executionArn } : {}),
      };
    } catch (error) {
      if (errorName(error) !== 'ExecutionAlreadyExists') throw error;
      logger.info('remediation already started for this click', { ...context, executionName: name });
      return { ...base, outcome: 'already-started' };
    }
  }

  /** Writes each note on its findings (Workflow status untouched); returns what Security Hub refused. */
  async function annotate(
    decisions: readonly CustomActionDecision[],
    findings: readonly ValidatedFinding[],
  ): Promise<UnprocessedFinding[]> {
    const productArns = new Map(findings.map((finding) => [finding.id, finding.productArn]));
    const byNote = new Map<string, AwsSecurityFindingIdentifier[]>();
    for (const decision of decisions) {
      if (!decision.note) continue;
      const identifiers = byNote.get(decision.note) ?? [];
      for (const id of decision.findingIds) identifiers.push({ Id: id, ProductArn: productArns.get(id) });
      byNote.set(decision.note, identifiers);
    }
    const unprocessed: UnprocessedFinding[] = [];
    for (const [text, identifiers] of byNote) {
      for (let start = 0; start < identifiers.length; start += MAX_FINDINGS_PER_UPDATE) {
        const response = await securityhub.send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: identifiers.slice(start, start + MAX_FINDINGS_PER_UPDATE),
            Note: { Text: text, UpdatedBy: NOTE_AUTHOR },
          }),
        );
        for (const failed of response.UnprocessedFindings ?? []) {
          unprocessed.push({
            id: failed.FindingIdentifier?.Id ?? 'unknown',
            errorCode: failed.ErrorCode ?? 'unknown',
            errorMessage: failed.ErrorMessage ?? '',
          });
        }
      }
    }
    if (unprocessed.length > 0) logger.error('findings not annotated', { unprocessed });
    return unprocessed;
  }

  return async function customAction(event: unknown): Promise<CustomActionResult> {
    let parsed: ParsedCustomAction;
    try {
      parsed = parseCustomActionEvent(event, settings.actionArns, {
        accountId: settings.accountId,
        region: settings.region,
      });
    } catch (error) {
      if (!(error instanceof InvalidFindingEvent)) throw error;
      // Not thrown: EventBridge would retry an event that can never become valid.
      logger.warn('custom action event rejected', { problems: error.problems });
      return { action: 'invalid', rejected: error.problems, decisions: [] };
    }
    const at = now();
    logger.info('custom action', {
      eventId: parsed.eventId,
      action: parsed.action,
      findingIds: parsed.findings.map((finding) => finding.id),
    });

    // One failure does not stop the other resources; it is rethrown at the end so that the event is
    // retried, which is safe: every step is idempotent for the same event id.
    const decisions: CustomActionDecision[] = [];
    const failures: Array<{ resource: string; error: unknown }> = [];
    if (parsed.action === 'remediate-now') {
      const received = receivedFindings(event);
      for (const [index, finding] of parsed.findings.entries()) {
        try {
          decisions.push(await remediateNow(parsed, finding, received[index]));
        } catch (error) {
          failures.push({ resource: finding.id, error });
        }
      }
    } else {
      for (const group of groupByResource(parsed.findings)) {
        try {
          decisions.push(await decideForResource(parsed, group, at));
        } catch (error) {
          failures.push({ resource: group.key, error });
        }
      }
    }

    const unprocessedFindings = await annotate(decisions, parsed.findings);
    if (failures.length > 0) {
      const summary = failures.map(({ resource, error }) => `${resource}: ${errorName(error)}`).join('; ');
      logger.error('custom action failed', {
        eventId: parsed.eventId,
        failures: failures.map(({ resource, error }) => ({
          resource,
          error: errorName(error),
          message: error instanceof Error ? error.message : String(error),
        })),
      });
      throw new Error(`Custom action ${parsed.action} (event ${parsed.eventId}) failed for ${summary}`, {
        cause: failures[0]?.error,
      });
    }
    return {
      action: parsed.action,
      decisions,
      ...(unprocessedFindings.length > 0 ? { unprocessedFindings } : {}),
    };
  };
}

// Created once per container and reused across invocations.
const dynamodbClient = new DynamoDBClient({ maxAttempts: 5 });
const sfnClient = new SFNClient({ maxAttempts: 5 });
const securityhubClient = new SecurityHubClient({ maxAttempts: 5 });
let deployedHandler: ((event: unknown) => Promise<CustomActionResult>) | undefined;

export async function handler(event: unknown): Promise<CustomActionResult> {
  deployedHandler ??= createCustomActionHandler({
    dynamodb: dynamodbClient,
    sfn: sfnClient,
    securityhub: securityhubClient,
    settings: parseCustomActionSettings(process.env[CUSTOM_ACTION_SETTINGS_VARIABLE]),
    now: () => new Date(),
    logger: jsonLogger('custom-action'),
  });
  return deployedHandler(event);
}
