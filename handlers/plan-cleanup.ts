/**
 * PlanCleanup: the first step of a clean-up execution, started by the state machine's own status
 * change (ABORTED, TIMED_OUT, FAILED) through an EventBridge rule. It reads the dead execution's last
 * recorded step from its history (cleanup-plan.ts), takes over what it held (its lock, its plan), looks
 * at the notebook as it is now, and hands the state machine the state it needs to carry on with the
 * shared failure handling. It changes no notebook itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeNotebookInstanceCommand,
  type DescribeNotebookInstanceCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { APPROVAL_EXECUTION_ARN_ATTRIBUTE, APPROVAL_TABLE_KEY } from '../stacks/approval-table-schema.js';
import {
  LOCK_EXPIRY_ATTRIBUTE,
  LOCK_OWNER_ATTRIBUTE,
  LOCK_REMEDIATION_ATTRIBUTE,
  LOCK_TABLE_KEY,
} from '../statemachines/lock-table.js';
import { errorName, isSageMakerNotFound } from './shared/aws-errors.js';
import {
  abortedError,
  decideCleanUp,
  type ExecutionStatusChange,
  endOf,
  findingListsOf,
  type HistoryEvent,
  type LastStep,
  lastStep,
  parseStatusChange,
  type UnplannedFinding,
  unplannedFinding,
  unplannedNote,
} from './shared/cleanup-plan.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { MemberSessions, MemberTarget } from './shared/member-access.js';
import {
  deployedMemberSessions,
  type MemberSageMaker,
  memberTargetSchema,
  sageMakerOnly,
} from './shared/member-clients.js';
import { notebookDataPlacement } from './shared/notebook-data-placement.js';
import {
  CLEANUP_REMEDIATION_PREFIX,
  type DocumentClient,
  LOCK_ITEM_ATTRIBUTES,
} from './shared/notebook-locks.js';
import { RECREATED_BY_TAG } from './shared/notebook-recreation.js';
import { observedSettings, unknownSettings } from './shared/notebook-settings.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { listAllTags } from './shared/sagemaker-tags.js';
import { describeIssues } from './shared/validation.js';
import { WORK_BUDGET_SECONDS } from './shared/work-budget.js';

/** History events read, newest first, before giving up on finding a recorded step. */
const MAX_HISTORY_EVENTS = 2_000;

export interface PlanCleanupDependencies {
  readonly sfn: Pick<SFNClient, 'send'>;
  /** SageMaker as the member role of the dead execution's target (shared/member-access.ts). */
  readonly members: MemberSessions<MemberSageMaker>;
  readonly dynamodb: DocumentClient;
  readonly settings: RuntimeSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

const request = z.object({
  event: z.unknown(),
  execution: z.object({ id: z.string(), name: z.string() }),
  stateMachine: z.string().check(z.minLength(1)),
});

/** What the state machine goes on with; `action` routes it. */
export interface PlanCleanupResult {
  readonly cleanup: {
    readonly action: 'recover' | 'close-plan' | 'release' | 'tell' | 'report-resource' | 'nothing';
    readonly executionArn: string;
    readonly reason: string;
    /** Only for `tell`: whether it took over a lock its planning had left, to release it. */
    readonly lockTaken?: boolean;
  };
  readonly [state: string]: unknown;
}

/** What the failure handling reads when no resource change was rolled back. */
const NO_ROLLBACK = { step: 'none', restored: false } as const;

/**
 * Where the dead execution's notebook is: its plan's target, or (a plan from before targets existed)
 * the account and Region of the notebook's ARN.
 */
export function cleanupTargetOf(plan: LastStep['data']['plan']): MemberTarget {
  const target = memberTargetSchema.safeParse(plan.target);
  if (target.success) return target.data;
  const [, , , region = '', accountId = ''] = plan.notebook.arn.split(':');
  return { accountId, region };
}

export function createPlanCleanupHandler(deps: PlanCleanupDependencies) {
  const { sfn, members, dynamodb, settings, now, logger } = deps;

  return async function planCleanup(input: unknown): Promise<PlanCleanupResult> {
    const parsedRequest = request.safeParse(input);
    if (!parsedRequest.success) {
      throw new Error(`Invalid clean-up request: ${describeIssues(parsedRequest.error).join('; ')}`);
    }
    const { event, execution, stateMachine } = parsedRequest.data;
    const parsed = parseStatusChange(event, stateMachine);
    if ('problems' in parsed) {
      logger.warn('status change not cleaned up', { problems: parsed.problems });
      return nothing('', `not a status change of this state machine: ${parsed.problems.join('; ')}`);
    }
    const dead = parsed.change.detail.executionArn;
    const { step: recorded, end, unplanned } = await readHistory(dead);
    const change = { ...parsed.change, detail: { ...end, ...parsed.change.detail } };
    const decision = decideCleanUp(change, recorded, unplanned);
    if (decision.kind === 'tell') {
      logger.info('ended while planning: its finding is told', { execution: dead });
      const { lockKey, ...finding } = decision.finding;
      // Planning may have taken the lock before it ended: only a lock the dead execution holds is freed.
      const lockTaken = lockKey !== undefined && (await takeOverLockOf(lockKey, dead, execution.id));
      return {
        cleanup: { action: 'tell', executionArn: dead, reason: 'PlanRemediation', lockTaken },
        plan: { finding, lock: { key: lockKey ?? '' } },
        note: unplannedNote(change),
      };
    }
    if (decision.kind === 'nothing') {
      logger.info('nothing to clean up', { execution: dead, reason: decision.reason });
      return nothing(dead, decision.reason);
    }
    const { step } = decision;
    if (decision.kind === 'report-resource') {
      // No lock or plan to take over: the findings are told where it stopped.
      logger.info('resource fix ended mid-way: its findings are told', {
        execution: dead,
        state: step.enteredState,
      });
      return {
        ...step.data,
        cleanup: { action: 'report-resource', executionArn: dead, reason: step.enteredState },
        rollback: step.data.rollback ?? NO_ROLLBACK,
        ...findingListsOf(step.data),
        failure: abortedError(change, step),
      };
    }
    const context = { execution: dead, cleanUp: execution.id, state: step.enteredState };
    const lockTaken = await takeOverLock(step, dead, execution.id);
    const planTaken = await takeOverPlan(step, dead, execution.id);
    if (!lockTaken && !planTaken) {
      logger.info('its records are held by another execution or released', context);
      return nothing(dead, 'its lock and plan are released or held by another execution');
    }
    if (decision.kind === 'release') {
      // Its findings already say how it ended: only what it still held is released (DecidePlanAfterFailure).
      logger.info('releasing what it held', { ...context, lockTaken, planTaken });
      return {
        ...step.data,
        cleanup: { action: 'release', executionArn: dead, reason: step.enteredState },
        rollback: step.data.rollback ?? NO_ROLLBACK,
      };
    }
    const current = await observe(step, change.detail.name, execution.name);
    logger.info('cleaning up', { ...context, lockTaken, planTaken, notebook: current.notebook.status });
    const { data } = step;
    return {
      ...data,
      // Only the notebook this clean-up holds may be changed; otherwise its findings are told, no more.
      cleanup: {
        action: lockTaken ? 'recover' : 'close-plan',
        executionArn: dead,
        reason: step.enteredState,
      },
      notebook: current.notebook,
      runState: data.runState ?? { wasRunning: false },
      poll: { attempt: 0, delaySeconds: 0 },
      recovery: {
        runState: { attempt: 0, delaySeconds: 0 },
        lifecycle: { attempt: 0, delaySeconds: 0 },
        restarted: false,
      },
      recoveryError: null,
      recreation: current.recreation,
      snapshot: data.snapshot ?? { Payload: { restoreCommand: '', snapshotPrefix: '', keepData: false } },
      ...findingListsOf(data),
      planClose: { attempt: 0, count: '0' },
      // An execution from before roll-backs existed has none in its state.
      rollback: data.rollback ?? NO_ROLLBACK,
      failure: abortedError(change, step),
    };
  };

  /** How it ended, and the newest recorded step with a plan, reading the history newest first. */
  async function readHistory(executionArn: string): Promise<{
    step: LastStep | undefined;
    end: ReturnType<typeof endOf>;
    unplanned: UnplannedFinding | undefined;
  }> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          includeExecutionData: true,
          maxResults: 200,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      events.push(...((page.events ?? []) as HistoryEvent[]));
      const found = lastStep(events);
      if (found) return { step: found, end: endOf(events), unplanned: undefined };
      nextToken = page.nextToken;
    } while (nextToken && events.length < MAX_HISTORY_EVENTS);
    return { step: undefined, end: endOf(events), unplanned: unplannedFinding(events) };
  }

  /** The lock, from the dead execution (or free) to this one: never from a live holder. */
  async function takeOverLock(step: LastStep, dead: string, me: string): Promise<boolean> {
    const at = now();
    return updatedIf(
      new UpdateCommand({
        TableName: settings.lockTableName,
        Key: { [LOCK_TABLE_KEY]: step.data.plan.lock.key },
        UpdateExpression:
          'SET #owner = :me, #expires = :expires, #remediation = :remediation, #acquired = :acquired',
        ConditionExpression: 'attribute_not_exists(#key) OR #owner = :dead OR #expires < :now',
        ExpressionAttributeNames: {
          '#key': LOCK_TABLE_KEY,
          '#owner': LOCK_OWNER_ATTRIBUTE,
          '#expires': LOCK_EXPIRY_ATTRIBUTE,
          '#remediation': LOCK_REMEDIATION_ATTRIBUTE,
          '#acquired': LOCK_ITEM_ATTRIBUTES.acquiredAt,
        },
        ExpressionAttributeValues: {
          ':me': me,
          ':dead': dead,
          ':now': Math.floor(at.getTime() / 1000),
          // As long as the clean-up can run: the in-place fix's lock, or a recreation's work budget.
          ':expires':
            Math.floor(at.getTime() / 1000) +
            (step.data.plan.remediation === 'recreate-notebook' ? WORK_BUDGET_SECONDS : settings.lockSeconds),
          ':acquired': at.toISOString(),
          ':remediation': `${CLEANUP_REMEDIATION_PREFIX}${step.data.plan.remediation}`,
        },
      }),
    );
  }

  /** A lock the dead execution holds, to this one (to be released); none that is free or another's. */
  function takeOverLockOf(key: string, dead: string, me: string): Promise<boolean> {
    return updatedIf(
      new UpdateCommand({
        TableName: settings.lockTableName,
        Key: { [LOCK_TABLE_KEY]: key },
        UpdateExpression: 'SET #owner = :me',
        ConditionExpression: '#owner = :dead',
        ExpressionAttributeNames: { '#owner': LOCK_OWNER_ATTRIBUTE },
        ExpressionAttributeValues: { ':me': me, ':dead': dead },
      }),
    );
  }

  /** Whether the conditional update was made (false when its condition did not hold). */
  async function updatedIf(command: UpdateCommand): Promise<boolean> {
    try {
      await dynamodb.send(command);
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** The recreation plan, from the dead execution to this one, so that it can be closed. */
  async function takeOverPlan(step: LastStep, dead: string, me: string): Promise<boolean> {
    const approvalKey = step.data.plan.recreate?.approvalKey;
    const table = settings.recreate?.approvalTableName;
    if (!approvalKey || !table) return false;
    return updatedIf(
      new UpdateCommand({
        TableName: table,
        Key: { [APPROVAL_TABLE_KEY]: approvalKey },
        UpdateExpression: 'SET #owner = :me',
        ConditionExpression: '#owner = :dead',
        ExpressionAttributeNames: { '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE },
        ExpressionAttributeValues: { ':me': me, ':dead': dead },
      }),
    );
  }

  /**
   * The notebook now, and what the recreation had done to it, from the notebook itself rather than the
   * dead execution's flags (it may have ended between a step and its record): the backup lifecycle
   * configuration attached, or the notebook deleted (gone with a snapshot) or recreated (tagged by it).
   */
  async function observe(step: LastStep, deadName: string, executionName: string) {
    const { plan } = step.data;
    const kind = (plan.resource as { kind?: unknown } | undefined)?.kind;
    if (typeof kind === 'string' && kind !== 'notebook-instance') {
      // Another resource: never looked up as a notebook (one may share its name). Its recovery is its
      // engine's roll-back from the snapshot (CheckNotebookAfterFailure routes it there).
      return {
        notebook: { status: 'Unknown', settings: unknownSettings() },
        recreation: { lifecycleSwapped: false, deleted: false },
      };
    }
    const snapshot = step.data.snapshot?.Payload;
    const hasSnapshot = typeof snapshot?.restoreCommand === 'string' && snapshot.restoreCommand !== '';
    // Read as the member role in the notebook's account and Region, in a session named after this clean-up.
    const { sagemaker } = await members.clientsFor(cleanupTargetOf(plan), executionName);
    let described: DescribeNotebookInstanceCommandOutput | undefined;
    try {
      described = await sagemaker.send(
        new DescribeNotebookInstanceCommand({ NotebookInstanceName: plan.notebook.name }),
      );
    } catch (error) {
      if (!isSageMakerNotFound(error)) throw error;
    }
    if (!described) {
      return {
        notebook: { status: 'Deleted', settings: unknownSettings() },
        recreation: {
          lifecycleSwapped: false,
          deleted: plan.remediation === 'recreate-notebook' && hasSnapshot,
        },
      };
    }
    const tags = described.NotebookInstanceArn
      ? await listAllTags(sagemaker, described.NotebookInstanceArn)
      : [];
    const recreatedByIt = tags.some((tag) => tag.Key === RECREATED_BY_TAG && tag.Value === deadName);
    const attached = described.NotebookInstanceLifecycleConfigName;
    const requests = (snapshot ?? {}) as { lifecycleRestoreRequest?: unknown; finalUpdateRequest?: unknown };
    // The backup configuration on the original, or the restore one on the notebook it recreated: each
    // with the update that puts the notebook's own back (as the recreation marks them).
    // The configurations are the member stack's of the notebook's account and Region.
    const ours = notebookDataPlacement(settings.members, cleanupTargetOf(plan));
    const observed =
      settings.recreate === undefined
        ? undefined
        : attached === ours.backupLifecycleConfigName
          ? requests.lifecycleRestoreRequest
          : recreatedByIt && attached === ours.restoreLifecycleConfigName
            ? requests.finalUpdateRequest
            : undefined;
    // An update or create it sent as it ended may not show yet (the notebook still Updating or Pending),
    // and neither may one whose end it had not seen: a put-back that is not needed changes nothing.
    const recorded = step.data.recreation as { lifecycleSwapped?: boolean; putBack?: unknown } | undefined;
    const sending =
      step.enteredState === 'AttachBackupLifecycleConfig'
        ? requests.lifecycleRestoreRequest
        : step.enteredState === 'CreateNotebook' && recreatedByIt && snapshot?.keepData === true
          ? requests.finalUpdateRequest
          : undefined;
    const putBack = observed ?? (recorded?.lifecycleSwapped ? recorded.putBack : undefined) ?? sending;
    // A delete the dead execution sent just before it ended is still under way: the data is only in the snapshot.
    const beingDeleted =
      described.NotebookInstanceStatus === 'Deleting' &&
      plan.remediation === 'recreate-notebook' &&
      hasSnapshot;
    return {
      notebook: {
        status: described.NotebookInstanceStatus ?? 'Unknown',
        settings: observedSettings(described),
      },
      recreation: {
        lifecycleSwapped: putBack !== undefined,
        deleted: recreatedByIt || beingDeleted,
        ...(putBack !== undefined ? { putBack } : {}),
      },
    };
  }
}

function nothing(executionArn: string, reason: string): PlanCleanupResult {
  return { cleanup: { action: 'nothing', executionArn, reason } };
}

const sfnClient = new SFNClient({ maxAttempts: 5 });
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
let deployedHandler: ((input: unknown) => Promise<PlanCleanupResult>) | undefined;

const logger = lambdaLogger('plan-cleanup');

export async function handler(input: unknown, context?: LambdaContext): Promise<PlanCleanupResult> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createPlanCleanupHandler({
      sfn: sfnClient,
      members: deployedMemberSessions(settings.members, sageMakerOnly),
      dynamodb: dynamodbClient,
      settings,
      now: () => new Date(),
      logger,
    });
  }
  return deployedHandler(input);
}

export type { ExecutionStatusChange };
