/**
 * SweepStaleRecords: run on a schedule (EventBridge, every 15 minutes), clears the locks and plans
 * that no running execution holds, so a notebook is never kept from being remediated by an execution
 * that was stopped, timed out or failed to release what it held.
 *
 * Scans both tables (small: one item per notebook being changed or waiting for approval), asks Step
 * Functions about each holder (DescribeExecution), deletes each stale item only if it is still exactly
 * as judged (same owner, same expiry or status), tells the findings of what it deleted (workflow status
 * NOTIFIED, a note saying what was held, by which execution, and how it ended; an OCSF finding with
 * BatchUpdateFindingsV2, status_id 2), and publishes one alert.
 * The decisions and the wording are in shared/stale-records.ts.
 *
 * A step that fails before the delete (throttling, say) leaves its record for the next sweep; a finding
 * Security Hub refuses twice, or that a failed call could not note, is named in the alert (its record is
 * gone already). Either way the function fails, after the rest, so that its errors alarm tells someone.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
} from '../stacks/approval-table-schema.js';
import { LOCK_EXPIRY_ATTRIBUTE, LOCK_OWNER_ATTRIBUTE, LOCK_TABLE_KEY } from '../statemachines/lock-table.js';
import { errorName } from './shared/aws-errors.js';
import {
  describeHolder,
  executionPrefixOfStateMachine,
  type HolderStatus,
  type StepFunctionsClient,
} from './shared/execution-status.js';
import { GONE_REFUSALS, TRANSIENT_REFUSALS, writeFindingNotes } from './shared/finding-notes.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import { type DocumentClient, type PlanFinding, planFindingId } from './shared/notebook-locks.js';
import { approvalMetricsLine, waitingApprovals, writeMetricLines } from './shared/operations-metrics.js';
import {
  type ClearedRecord,
  clearedNote,
  findingsOf,
  lockRecordOf,
  type PlanRecord,
  planRecordOf,
  type StaleRecord,
  staleness,
  sweepAlert,
  tellsFindings,
} from './shared/stale-records.js';
import { parseSweepSettings, SWEEP_SETTINGS_VARIABLE, type SweepSettings } from './shared/sweep-settings.js';

export interface SweepDependencies {
  readonly dynamodb: DocumentClient;
  readonly sfn: StepFunctionsClient;
  readonly securityhub: Pick<SecurityHubClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly settings: SweepSettings;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Where the approvals-waiting metrics go (EMF lines, operations-metrics.ts); none by default. */
  readonly emitMetrics?: (lines: readonly string[]) => void;
}

/** What one sweep did. */
export interface SweepResult {
  readonly locksCleared: number;
  readonly plansCleared: number;
  readonly findingsNoted: number;
  /** What could not be done this time (the next sweep tries again). */
  readonly problems: readonly string[];
}

/** At least one step failed: what it was, and whether the next sweep tries again, is in the message. */
export class SweepIncomplete extends Error {
  override readonly name = 'SweepIncomplete';
}

export function createSweepHandler(
  dependencies: SweepDependencies,
): (event?: unknown) => Promise<SweepResult> {
  const { dynamodb, sfn, securityhub, sns, settings, now, logger } = dependencies;

  /** Every item of a table, page by page. */
  async function scanAll(table: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamodb.send(
        new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Deletes the item only if it is still exactly as judged; false when it changed meanwhile. */
  async function deleteIfUnchanged(record: StaleRecord): Promise<boolean> {
    const lock = record.kind === 'lock';
    try {
      await dynamodb.send(
        new DeleteCommand(
          lock
            ? {
                TableName: settings.lockTableName,
                Key: { [LOCK_TABLE_KEY]: record.key },
                ConditionExpression: '#owner = :owner AND #expiresAt = :expiresAt',
                ExpressionAttributeNames: {
                  '#owner': LOCK_OWNER_ATTRIBUTE,
                  '#expiresAt': LOCK_EXPIRY_ATTRIBUTE,
                },
                ExpressionAttributeValues: { ':owner': record.owner, ':expiresAt': record.expiresAt },
              }
            : {
                TableName: settings.approvalTableName,
                Key: { [APPROVAL_TABLE_KEY]: record.key },
                // A plan approved or taken over meanwhile is no longer this one.
                ConditionExpression: '#owner = :owner AND #status = :status',
                ExpressionAttributeNames: {
                  '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
                  '#status': APPROVAL_STATUS_ATTRIBUTE,
                },
                ExpressionAttributeValues: { ':owner': record.owner, ':status': record.status },
              },
        ),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * Writes the note on the record's findings, each through the API of its format (an OCSF finding
   * with BatchUpdateFindingsV2); returns how many Security Hub took. A finding refused for a passing
   * reason is tried once more; one that no longer exists has nobody to tell. The record is deleted
   * already, so a finding left unnoted (a refusal, or a call that failed after the SDK's retries) is
   * named in `problems` for a human: no later sweep will come back to it.
   */
  async function tellFindings(record: StaleRecord, note: string, problems: string[]): Promise<number> {
    const notNoted = (id: string, reason: string) =>
      problems.push(
        `finding ${id} not noted (${reason}): its ${record.kind} was cleared, so set it back to NEW by hand`,
      );
    let noted = 0;
    let pending: readonly PlanFinding[] = findingsOf(record, settings.securityHubProductArn);
    for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt++) {
      const written = await writeFindingNotes(securityhub, pending, { text: note, status: 'NOTIFIED' });
      noted += written.noted;
      for (const failure of written.failed) {
        for (const finding of failure.findings) notNoted(planFindingId(finding), errorName(failure.error));
      }
      const retry: PlanFinding[] = [];
      for (const refusal of written.refused) {
        if (GONE_REFUSALS.has(refusal.code)) {
          logger.info('finding gone, not noted', { id: refusal.id });
        } else if (attempt === 1 && TRANSIENT_REFUSALS.has(refusal.code) && refusal.finding) {
          retry.push(refusal.finding);
        } else {
          notNoted(refusal.id, refusal.code);
        }
      }
      pending = retry;
    }
    return noted;
  }

  return async function sweepStaleRecords(): Promise<SweepResult> {
    const at = now();
    const problems: string[] = [];
    const cleared: ClearedRecord[] = [];
    const describe = describeHolder(
      sfn,
      executionPrefixOfStateMachine(settings.stateMachineArn),
      now,
      logger.warn.bind(logger),
    );
    // One DescribeExecution per holder, however many records it holds.
    const statuses = new Map<string, Promise<HolderStatus>>();
    const statusOf = (executionArn: string) => {
      let status = statuses.get(executionArn);
      if (!status) {
        status = describe(executionArn);
        statuses.set(executionArn, status);
      }
      return status;
    };

    const records: StaleRecord[] = [];
    for (const [table, parse] of [
      [settings.lockTableName, lockRecordOf],
      [settings.approvalTableName, planRecordOf],
    ] as const) {
      for (const item of await scanAll(table)) {
        const record = parse(item);
        if (record) records.push(record);
        else logger.warn('item not understood, left as it is', { table, keys: Object.keys(item) });
      }
    }

    for (const record of records) {
      const context = { kind: record.kind, key: record.key, owner: record.owner };
      try {
        const stale = staleness(record, await statusOf(record.owner), at);
        if (!stale) continue;
        if (!(await deleteIfUnchanged(record))) {
          logger.info('record changed meanwhile, left as it is', context);
          continue;
        }
        const findingsNoted = tellsFindings(stale)
          ? await tellFindings(record, clearedNote(record, stale, at), problems)
          : 0;
        logger.warn('stale record cleared', { ...context, stale, findingsNoted });
        cleared.push({ record, stale, findingsNoted });
      } catch (error) {
        logger.error('record not swept', { ...context, error: errorName(error) });
        problems.push(
          `${record.kind} ${record.key} (execution ${record.owner}): ${errorName(error)}; left for the next sweep`,
        );
      }
    }

    if (cleared.length > 0) {
      const alert = sweepAlert(cleared, problems, at);
      try {
        await sns.send(
          new PublishCommand({
            TopicArn: settings.alertTopicArn,
            Subject: alert.subject,
            Message: alert.message,
            MessageAttributes: { outcome: { DataType: 'String', StringValue: 'STALE_RECORDS_CLEARED' } },
          }),
        );
      } catch (error) {
        problems.push(`alert not published: ${errorName(error)}`);
      }
    }
    // The plans still waiting for a human after this sweep, for the dashboard.
    const clearedRecords = new Set<StaleRecord>(cleared.map((entry) => entry.record));
    const plans = records.filter(
      (record): record is PlanRecord => record.kind === 'plan' && !clearedRecords.has(record),
    );
    dependencies.emitMetrics?.([approvalMetricsLine({ ...waitingApprovals(plans, at), at })]);
    const result: SweepResult = {
      locksCleared: cleared.filter((entry) => entry.record.kind === 'lock').length,
      plansCleared: cleared.filter((entry) => entry.record.kind === 'plan').length,
      findingsNoted: cleared.reduce((total, entry) => total + entry.findingsNoted, 0),
      problems,
    };
    logger.info('sweep done', { ...result });
    if (problems.length > 0) throw new SweepIncomplete(problems.join('; '));
    return result;
  };
}

// Created once per container and reused across invocations.
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
const sfnClient = new SFNClient({ maxAttempts: 5 });
const securityHubClient = new SecurityHubClient({ maxAttempts: 5 });
const snsClient = new SNSClient({ maxAttempts: 5 });
let deployedHandler: ((event?: unknown) => Promise<SweepResult>) | undefined;

const logger = lambdaLogger('sweep-stale-records');

export async function handler(event: unknown, context?: LambdaContext): Promise<SweepResult> {
  logger.addContext(context);
  deployedHandler ??= createSweepHandler({
    dynamodb: dynamodbClient,
    sfn: sfnClient,
    securityhub: securityHubClient,
    sns: snsClient,
    settings: parseSweepSettings(process.env[SWEEP_SETTINGS_VARIABLE]),
    now: () => new Date(),
    logger,
    emitMetrics: writeMetricLines,
  });
  return deployedHandler(event);
}
