/**
 * PlanRemediation: the state machine's first step and, on the happy path, its only Lambda.
 *
 * Validates the Security Hub event, applies the catalogue mode, the exemption tag and dry-run, takes
 * the per-notebook lock (one remediation at a time per resource) and observes the notebook. All the
 * decisions are pure functions in shared/plan-decisions.ts; this file only does the I/O in order.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeNotebookInstanceCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import {
  LOCK_EXPIRY_ATTRIBUTE,
  LOCK_FINDINGS_ATTRIBUTE,
  LOCK_OWNER_ATTRIBUTE,
  LOCK_REMEDIATION_ATTRIBUTE,
  LOCK_TABLE_KEY,
} from '../statemachines/lock-table.js';
import { errorName, isSageMakerNotFound } from './shared/aws-errors.js';
import type { RemediationName } from './shared/controls-catalogue.js';
import {
  InvalidFindingEvent,
  isActionable,
  parseWorkflowInput,
  type Trigger,
  type ValidatedFinding,
} from './shared/finding-event.js';
import { jsonLogger, type Logger } from './shared/logger.js';
import {
  describePlan,
  failingNotebookControls,
  IMMUTABLE_NOTEBOOK_CONTROLS,
  type NotebookControl,
  planRecreation,
  settingsFromDescribe,
} from './shared/notebook-recreation.js';
import {
  buildPlanResult,
  cannotRemediateAnnotation,
  type Decision,
  decideByMode,
  decideFromNotebook,
  decideWhenLocked,
  dryRunAnnotation,
  dryRunRecreateAnnotation,
  type ExecutionIdentity,
  exemptAnnotation,
  isExempt,
  joinedPlanAnnotation,
  type LockHolder,
  lockKeyFor,
  type NotebookObservation,
  needsConfigurationAnnotation,
  notebookUnavailable,
  recreateDetails,
  settingsForRemediateNow,
  type Tag,
} from './shared/plan-decisions.js';
import { isRunningStatus, type PlanResult } from './shared/remediation-plan.js';
import {
  controlsToFix,
  parseRuntimeSettings,
  type RuntimeSettings,
  recreateTarget,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { listAllTags } from './shared/sagemaker-tags.js';
import { describeIssues } from './shared/validation.js';

export interface PlanDependencies {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly settings: RuntimeSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

const planRequest = z.object({
  event: z.unknown(),
  execution: z.object({ id: z.string().check(z.minLength(1)), name: z.string().check(z.minLength(1)) }),
});

/** The attribute shapes of the lock item this handler reads back. */
interface LockAttribute {
  readonly S?: string;
  readonly L?: ReadonlyArray<{ readonly M?: { readonly Id?: { readonly S?: string } } }>;
}

/** A finding identifier in DynamoDB's JSON, as the state machine reads it back to resolve every finding. */
function findingIdentifierItem(finding: ValidatedFinding): AttributeValue {
  return { M: { Id: { S: finding.id }, ProductArn: { S: finding.productArn } } };
}

export function createPlanHandler(
  dependencies: PlanDependencies,
  /** Set when planning a "Remediate now" request with its requested settings already applied. */
  requested = false,
): (request: unknown) => Promise<PlanResult> {
  const { sagemaker, dynamodb, settings, now, logger } = dependencies;

  /** The resource's tags, or undefined when the resource no longer exists. */
  async function tagsIfExists(resourceArn: string): Promise<Tag[] | undefined> {
    try {
      return await listAllTags(sagemaker, resourceArn);
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
  }

  async function observeNotebook(name: string): Promise<NotebookObservation> {
    try {
      const notebook = await sagemaker.send(
        new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }),
      );
      return {
        exists: true,
        status: notebook.NotebookInstanceStatus ?? 'Unknown',
        rootAccess: notebook.RootAccess ?? 'Enabled',
        failureReason: notebook.FailureReason,
        settings: settingsFromDescribe(notebook, name),
      };
    } catch (error) {
      if (isSageMakerNotFound(error)) return { exists: false };
      throw error;
    }
  }

  /** Takes the lock, or reports who holds it. Re-entrant for the same execution (a retried invoke). */
  async function acquireLock(
    finding: ValidatedFinding,
    execution: ExecutionIdentity,
    remediation: RemediationName,
  ): Promise<{ acquired: true } | { acquired: false; holder: LockHolder }> {
    const nowSeconds = Math.floor(now().getTime() / 1000);
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: settings.lockTableName,
          Item: {
            [LOCK_TABLE_KEY]: { S: lockKeyFor(finding) },
            [LOCK_OWNER_ATTRIBUTE]: { S: execution.id },
            findingId: { S: finding.id },
            controlId: { S: finding.control.id },
            [LOCK_REMEDIATION_ATTRIBUTE]: { S: remediation },
            // Every finding the holder resolves at the end; sibling findings are appended as they join.
            [LOCK_FINDINGS_ATTRIBUTE]: { L: [findingIdentifierItem(finding)] },
            acquiredAt: { S: now().toISOString() },
            [LOCK_EXPIRY_ATTRIBUTE]: { N: String(nowSeconds + settings.lockSeconds) },
          },
          // Expired locks still exist until DynamoDB's TTL sweep removes them, so expiry is checked here.
          ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now OR #owner = :me',
          ExpressionAttributeNames: {
            '#key': LOCK_TABLE_KEY,
            '#expiresAt': LOCK_EXPIRY_ATTRIBUTE,
            '#owner': LOCK_OWNER_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':me': { S: execution.id } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (errorName(error) !== 'ConditionalCheckFailedException') throw error;
      const item = (error as { Item?: Record<string, LockAttribute> }).Item ?? {};
      return {
        acquired: false,
        holder: {
          executionArn: item[LOCK_OWNER_ATTRIBUTE]?.S ?? 'another execution',
          findingId: item.findingId?.S ?? 'unknown',
          remediation: item[LOCK_REMEDIATION_ATTRIBUTE]?.S ?? '',
          findingIds: (item[LOCK_FINDINGS_ATTRIBUTE]?.L ?? []).map((entry) => entry.M?.Id?.S ?? ''),
        },
      };
    }
  }

  /** Adds a sibling finding to the holder's plan; false when the holder released the lock meanwhile. */
  async function joinPlan(finding: ValidatedFinding, holder: LockHolder): Promise<boolean> {
    try {
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: settings.lockTableName,
          Key: { [LOCK_TABLE_KEY]: { S: lockKeyFor(finding) } },
          UpdateExpression: 'SET #findings = list_append(#findings, :finding)',
          ConditionExpression: '#owner = :holder',
          ExpressionAttributeNames: { '#findings': LOCK_FINDINGS_ATTRIBUTE, '#owner': LOCK_OWNER_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':finding': { L: [findingIdentifierItem(finding)] },
            ':holder': { S: holder.executionArn },
          },
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async function releaseLock(finding: ValidatedFinding, execution: ExecutionIdentity): Promise<void> {
    try {
      await dynamodb.send(
        new DeleteItemCommand({
          TableName: settings.lockTableName,
          Key: { [LOCK_TABLE_KEY]: { S: lockKeyFor(finding) } },
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': LOCK_OWNER_ATTRIBUTE },
          ExpressionAttributeValues: { ':me': { S: execution.id } },
        }),
      );
    } catch (error) {
      // Not ours any more: nothing to release. Anything else: the lock expires on its own.
      logger.warn('lock not released', { error: errorName(error), lockKey: lockKeyFor(finding) });
    }
  }

  /** Whether a recreation can happen here at all: deployed, a target for this account and region, a control in approval. */
  function recreationPossible(): boolean {
    return (
      settings.recreate !== undefined &&
      recreateTarget(settings) !== undefined &&
      IMMUTABLE_NOTEBOOK_CONTROLS.some(
        (control) => settings.modes[control as keyof RuntimeSettings['modes']] === 'approval',
      )
    );
  }

  /** The finding's own control is one a recreation fixes, in approval mode, in a deployment that recreates. */
  function ownRecreation(finding: ValidatedFinding): boolean {
    const mode = settings.modes[finding.control.id as keyof RuntimeSettings['modes']];
    return (
      settings.recreate !== undefined &&
      finding.control.remediation?.name === 'recreate-notebook' &&
      mode === 'approval'
    );
  }

  /** Immutable controls the notebook fails whose mode is approval, if recreation is deployed. */
  function recreatableFailures(observed: NotebookObservation): NotebookControl[] {
    if (!observed.exists || !observed.settings || !settings.recreate) return [];
    return failingNotebookControls(observed.settings).filter(
      (control) =>
        IMMUTABLE_NOTEBOOK_CONTROLS.includes(control) &&
        settings.modes[control as keyof RuntimeSettings['modes']] === 'approval',
    );
  }

  /**
   * One plan per notebook: a finding of an immutable control plans the recreation (which says what
   * to configure when it cannot happen); a root-access finding joins a recreation that can happen,
   * and is otherwise fixed in place at once.
   */
  function remediationFor(
    finding: ValidatedFinding,
    observed: NotebookObservation,
  ): RemediationName | undefined {
    if (ownRecreation(finding)) return 'recreate-notebook';
    // Root access joins a recreation only if one can really happen for this notebook.
    if (
      recreationPossible() &&
      recreatableFailures(observed).length > 0 &&
      recreationPlan(observed)?.kind === 'recreate'
    ) {
      return 'recreate-notebook';
    }
    const own = finding.control.remediation;
    const mode = settings.modes[finding.control.id as keyof RuntimeSettings['modes']];
    return own?.name === 'disable-root-access' && mode === 'auto' ? own.name : undefined;
  }

  function recreationPlan(observed: NotebookObservation) {
    if (!observed.exists || !observed.settings) return undefined;
    return planRecreation(
      observed.settings,
      controlsToFix(failingNotebookControls(observed.settings), settings),
      recreateTarget(settings),
    );
  }

  /** When the recreation cannot fix this finding's own control: what it lacks, in words. */
  function unfixedOwnControl(
    finding: ValidatedFinding,
    recreation: ReturnType<typeof planRecreation>,
  ): string | undefined {
    if (recreation.kind !== 'recreate') return undefined;
    const entry = recreation.unfixed.find((candidate) => candidate.control === finding.control.id);
    return entry
      ? `Notebook instance ${finding.notebookName} can only pass ${entry.control} if it is recreated with ${entry.missing}, which this deployment lacks. Nothing was changed for ${entry.control}.`
      : undefined;
  }

  function recreationSummary(finding: ValidatedFinding, observed: NotebookObservation): string {
    const recreation = recreationPlan(observed);
    return recreation ? describePlan(finding.notebookName ?? '', recreation) : 'the notebook is gone';
  }

  function decideWithLock(
    finding: ValidatedFinding,
    observed: NotebookObservation,
    remediation: RemediationName,
    execution: ExecutionIdentity,
  ): Decision {
    if (remediation === 'disable-root-access') return decideFromNotebook(finding, observed, execution);
    // Gone, Deleting or Failed: the same answer as for an in-place fix (a Failed notebook cannot be backed up).
    const unavailable = notebookUnavailable(finding, observed, execution);
    if (unavailable || !observed.exists) {
      return {
        kind: 'annotate',
        annotation: unavailable ?? cannotRemediateAnnotation(finding, true, execution),
      };
    }
    const recreation = recreationPlan(observed);
    if (!recreation || (recreatableFailures(observed).length === 0 && !ownRecreation(finding))) {
      // Fixed meanwhile (by someone else): what is left, if anything, is this finding's own fix.
      return decideFromNotebook(finding, observed, execution);
    }
    const summary = describePlan(finding.notebookName ?? '', recreation);
    if (recreation.kind === 'needs-configuration') {
      return { kind: 'annotate', annotation: needsConfigurationAnnotation(finding, summary, execution) };
    }
    const unfixed = unfixedOwnControl(finding, recreation);
    if (unfixed)
      return { kind: 'annotate', annotation: needsConfigurationAnnotation(finding, unfixed, execution) };
    const approvalSeconds = settings.recreate?.approvalTimeoutSeconds ?? 0;
    const expiresAt = new Date(now().getTime() + approvalSeconds * 1000);
    return {
      kind: 'remediate',
      notebook: { status: observed.status, rootAccess: observed.rootAccess },
      wasRunning: isRunningStatus(observed.status),
      recreate: recreateDetails(finding, recreation, summary, expiresAt, execution),
    };
  }

  return async function planRemediation(request: unknown): Promise<PlanResult> {
    const parsedRequest = planRequest.safeParse(request);
    if (!parsedRequest.success) {
      throw new InvalidFindingEvent(describeIssues(parsedRequest.error, 'request.'));
    }
    const { event, execution } = parsedRequest.data;
    let finding: ValidatedFinding;
    let trigger: Trigger;
    try {
      ({ finding, trigger } = parseWorkflowInput(event, {
        accountId: settings.accountId,
        region: settings.region,
      }));
    } catch (error) {
      if (error instanceof InvalidFindingEvent) {
        logger.warn('event rejected', { execution: execution.id, problems: error.problems });
      }
      throw error;
    }
    const context = { execution: execution.id, findingId: finding.id, control: finding.control.id };
    const plan = (decision: Decision, why: string): PlanResult => {
      logger.info(why, { ...context, decision: decision.kind });
      return buildPlanResult(finding, settings.timing, decision);
    };

    if (trigger === 'remediate-now' && !requested) {
      // Same planner, with the mode the person asked for: see settingsForRemediateNow.
      logger.info('remediate now requested', { execution: execution.id, findingId: finding.id });
      return createPlanHandler(
        { ...dependencies, settings: settingsForRemediateNow(settings, finding) },
        true,
      )(request);
    }
    if (!isActionable(finding, trigger)) {
      return plan({ kind: 'ignore', reason: `workflow status ${finding.workflowStatus}` }, 'not actionable');
    }
    const byMode = decideByMode(finding, settings, execution);
    if (byMode.kind !== 'continue') return plan(byMode, 'decided by mode');

    const notebookName = finding.notebookName;
    if (!notebookName) throw new Error(`${finding.control.id} remediation needs a notebook instance`);

    const tags = await tagsIfExists(finding.resourceArn);
    if (!tags) return plan(decideFromNotebook(finding, { exists: false }, execution), 'resource gone');
    if (isExempt(tags, settings.exemptionTag)) {
      return plan({ kind: 'annotate', annotation: exemptAnnotation(finding, settings, execution) }, 'exempt');
    }

    // One plan per notebook, from its current settings: a recreation when an immutable control in
    // approval mode fails (it fixes every failing control at once), else the finding's own fix.
    // Only look before locking when a recreation is possible at all: the lock is taken first otherwise.
    const before: NotebookObservation =
      recreationPossible() || ownRecreation(finding)
        ? await observeNotebook(notebookName)
        : { exists: true, status: 'Unknown', rootAccess: 'Unknown' };
    const remediation = remediationFor(finding, before);
    if (!remediation) {
      const unavailable = notebookUnavailable(finding, before, execution);
      const stillFailing =
        before.exists && before.settings
          ? failingNotebookControls(before.settings).includes(finding.control.id as NotebookControl)
          : true;
      const annotation = unavailable ?? cannotRemediateAnnotation(finding, stillFailing, execution);
      return plan({ kind: 'annotate', annotation }, 'nothing this deployment may do');
    }
    // A recreation that cannot happen is answered without the lock: holding it only to say so would
    // turn away a root-access finding of the same notebook arriving at the same moment.
    if (remediation === 'recreate-notebook') {
      const unavailable = notebookUnavailable(finding, before, execution);
      if (unavailable) return plan({ kind: 'annotate', annotation: unavailable }, 'unavailable');
      const preview = recreationPlan(before);
      const lacking =
        preview?.kind === 'needs-configuration'
          ? describePlan(notebookName, preview)
          : preview && unfixedOwnControl(finding, preview);
      if (lacking) {
        return plan(
          { kind: 'annotate', annotation: needsConfigurationAnnotation(finding, lacking, execution) },
          'needs configuration',
        );
      }
    }
    if (settings.dryRun) {
      const observed =
        before.exists && before.status === 'Unknown' ? await observeNotebook(notebookName) : before;
      const annotation =
        remediation === 'recreate-notebook'
          ? dryRunRecreateAnnotation(finding, recreationSummary(finding, observed), execution)
          : dryRunAnnotation(finding, observed, execution);
      return plan({ kind: 'annotate', annotation }, 'dry run');
    }

    const lock = await acquireLock(finding, execution, remediation);
    if (!lock.acquired) {
      const { holder } = lock;
      if (holder.remediation === 'recreate-notebook' && !holder.findingIds.includes(finding.id)) {
        const recreation = recreationPlan(before);
        const unfixed = recreation ? unfixedOwnControl(finding, recreation) : undefined;
        if (unfixed) {
          return plan(
            { kind: 'annotate', annotation: needsConfigurationAnnotation(finding, unfixed, execution) },
            'not in the plan',
          );
        }
        if (await joinPlan(finding, holder)) {
          return plan(
            { kind: 'annotate', annotation: joinedPlanAnnotation(finding, holder, execution) },
            'joined',
          );
        }
      }
      return plan(decideWhenLocked(finding, holder, execution), `locked by ${holder.executionArn}`);
    }
    try {
      const decision = decideWithLock(finding, await observeNotebook(notebookName), remediation, execution);
      // Nothing to change: the lock is not needed any more.
      if (decision.kind !== 'remediate') await releaseLock(finding, execution);
      return plan(decision, 'notebook observed');
    } catch (error) {
      await releaseLock(finding, execution);
      throw error;
    }
  };
}

// Created once per container and reused across invocations.
const sagemakerClient = new SageMakerClient({ maxAttempts: 5 });
const dynamodbClient = new DynamoDBClient({ maxAttempts: 5 });
let deployedHandler: ((request: unknown) => Promise<PlanResult>) | undefined;

export async function handler(request: unknown): Promise<PlanResult> {
  deployedHandler ??= createPlanHandler({
    sagemaker: sagemakerClient,
    dynamodb: dynamodbClient,
    settings: parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]),
    now: () => new Date(),
    logger: jsonLogger('plan-remediation'),
  });
  return deployedHandler(request);
}
