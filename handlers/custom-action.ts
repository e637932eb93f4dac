/**
 * CustomAction: the target of the EventBridge rule for this deployment's three Security Hub custom
 * actions (approve, reject, remediate now).
 *
 * The decisions and notes are pure functions in shared/custom-action-event.ts and
 * shared/custom-action-outcomes.ts, the plan item's reads and writes in shared/approval-record.ts; this
 * file does the I/O in order:
 *
 * - approve / reject: per notebook (sibling findings are one plan), read the plan's item, decide,
 *   move it from PENDING to APPROVED or REJECTED with a conditional update (so a double click or a
 *   race with the approval window never decides twice), then complete the waiting task with the
 *   token kept in the table. The state machine writes the notes of a decision that goes through; this
 *   handler only writes notes for clicks that change nothing.
 * - remediate now: per finding, start the workflow under a name derived from the finding and the
 *   event, so a redelivered event cannot start it twice.
 *
 * A rejected event (foreign, forged, malformed) is logged and answered, never thrown: EventBridge
 * would retry an event that can never become valid. Its identifiers are not trusted, so nothing is
 * written anywhere. The task token is never logged or written to a finding.
 *
 * Any other failure (an AWS call that failed after the SDK's retries, a note Security Hub refused for
 * a reason that can pass) is thrown once every resource was tried: Lambda retries the event, then
 * puts it in the function's on-failure queue, where the operator replays it.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ApprovalRecord, readApprovalRecord, recordApprovalDecision } from './shared/approval-record.js';
import { errorName } from './shared/aws-errors.js';
import type { ControlId } from './shared/controls-catalogue.js';
import {
  decideApproval,
  decideRemediateNow,
  type ParsedCustomAction,
  parseCustomActionEvent,
  REJECTION_ERROR,
} from './shared/custom-action-event.js';
import {
  approvalNotes,
  type CustomActionDecision,
  type CustomActionResult,
  groupByResource,
  noteUpdates,
  type ResourceGroup,
  receivedFindings,
  refusedNote,
  remediateNowExecutionName,
  resourceName,
  TASK_GONE_ERRORS,
  TRANSIENT_NOTE_ERRORS,
  type UnprocessedFinding,
} from './shared/custom-action-outcomes.js';
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
import { writeFindingNotes } from './shared/finding-notes.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { DocumentClient } from './shared/notebook-locks.js';
import { NOTE_LIMIT, truncate } from './shared/plan-decisions.js';

export type {
  CustomActionDecision,
  CustomActionOutcome,
  CustomActionResult,
  UnprocessedFinding,
} from './shared/custom-action-outcomes.js';
export { remediateNowExecutionName } from './shared/custom-action-outcomes.js';

export interface CustomActionDependencies {
  /** The approval table, through the document client (@aws-sdk/lib-dynamodb). */
  readonly dynamodb: DocumentClient;
  readonly sfn: Pick<SFNClient, 'send'>;
  readonly securityhub: Pick<SecurityHubClient, 'send'>;
  readonly settings: CustomActionSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

export function createCustomActionHandler(
  dependencies: CustomActionDependencies,
): (event: unknown) => Promise<CustomActionResult> {
  const { dynamodb, sfn, securityhub, settings, now, logger } = dependencies;

  const readRecord = (key: string) => readApprovalRecord(dynamodb, settings.approvalTableName, key);

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
    const past: 'approved' | 'rejected' = action === 'approve' ? 'approved' : 'rejected';
    const findingIds = group.findings.map((finding) => finding.id);
    const context = { eventId: parsed.eventId, action, notebook: group.name, findingIds };
    const annotated = (note: string, why: string): CustomActionDecision => {
      logger.info(why, context);
      return { notebook: group.name, findingIds, outcome: 'annotated', note: truncate(note, NOTE_LIMIT) };
    };

    if (!group.approvable) {
      return annotated(
        approvalNotes.notApprovable(action, group.findings[0]?.resourceArn ?? group.key),
        'nothing to approve',
      );
    }
    const read = await readRecord(group.key);
    if (read.kind === 'unreadable') {
      logger.error('approval record unreadable', { ...context, problems: read.problems });
      return annotated(approvalNotes.unreadable(action, group.name), 'approval record unreadable');
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
      return decided(past, record.approval.executionArn);
    }

    const verdict = decideApproval(action, group.name, record?.approval, at);
    if (verdict.kind === 'annotate') return annotated(verdict.note, 'nothing to decide');
    if (!record) throw new Error('decideApproval approved without a record');

    const recorded = await recordApprovalDecision(dynamodb, {
      table: settings.approvalTableName,
      key: group.key,
      verdict: verdict.kind,
      executionArn: verdict.approval.executionArn,
      eventId: parsed.eventId,
      at,
    });
    if (!recorded) {
      // Lost a race (a double click, the timeout, a new plan): say what the record holds now.
      const fresh = await readRecord(group.key);
      const freshRecord = fresh.kind === 'found' ? fresh.record : undefined;
      const again = decideApproval(action, group.name, freshRecord?.approval, at);
      const note =
        again.kind === 'annotate'
          ? again.note
          : approvalNotes.planChanged(action, group.name, again.approval.executionArn);
      return annotated(note, 'approval record changed before the decision was recorded');
    }

    const decidedAt = at.toISOString();
    const gone = await completeTask(action, record, parsed.eventId, decidedAt);
    if (!gone) return decided(past, record.approval.executionArn);
    const executionArn = record.approval.executionArn;
    logger.warn('execution no longer waiting', { ...context, executionArn, error: gone });
    return {
      notebook: group.name,
      findingIds,
      outcome: 'execution-gone',
      executionArn,
      note: approvalNotes.executionGone(action, group.name, executionArn, decidedAt, gone),
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

  /**
   * Writes each note on its findings (status untouched); returns what Security Hub refused. The
   * clicked findings are ASFF ones (custom actions are Security Hub CSPM's), so these are
   * BatchUpdateFindings calls (finding-notes.ts); a call that failed is thrown.
   */
  async function annotate(
    decisions: readonly CustomActionDecision[],
    findings: readonly ValidatedFinding[],
  ): Promise<UnprocessedFinding[]> {
    const unprocessed: UnprocessedFinding[] = [];
    for (const update of noteUpdates(decisions, findings)) {
      const identifiers = update.identifiers.map(({ Id, ProductArn }) => ({
        Id,
        ProductArn: ProductArn ?? '',
      }));
      const written = await writeFindingNotes(securityhub, identifiers, { text: update.text });
      const [failure] = written.failed;
      if (failure) throw failure.error;
      for (const refused of written.refused) {
        unprocessed.push({ id: refused.id, errorCode: refused.code, errorMessage: refused.message });
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

    // Notes are written even after a failure; a failed notes request is one more failure, so that the
    // error (and the on-failure record) names every one instead of only the last.
    let unprocessedFindings: UnprocessedFinding[] = [];
    try {
      unprocessedFindings = await annotate(decisions, parsed.findings);
    } catch (error) {
      failures.push({ resource: 'BatchUpdateFindings', error });
    }
    for (const refused of unprocessedFindings) {
      if (TRANSIENT_NOTE_ERRORS.has(refused.errorCode)) {
        failures.push({ resource: refused.id, error: refusedNote(refused) });
      }
    }
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
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
const sfnClient = new SFNClient({ maxAttempts: 5 });
const securityhubClient = new SecurityHubClient({ maxAttempts: 5 });
let deployedHandler: ((event: unknown) => Promise<CustomActionResult>) | undefined;

const logger = lambdaLogger('custom-action');

export async function handler(event: unknown, context?: LambdaContext): Promise<CustomActionResult> {
  logger.addContext(context);
  deployedHandler ??= createCustomActionHandler({
    dynamodb: dynamodbClient,
    sfn: sfnClient,
    securityhub: securityhubClient,
    settings: parseCustomActionSettings(process.env[CUSTOM_ACTION_SETTINGS_VARIABLE]),
    now: () => new Date(),
    logger,
  });
  return deployedHandler(event);
}
