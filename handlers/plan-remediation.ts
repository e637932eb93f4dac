/**
 * PlanRemediation: the state machine's first step and, on the happy path, its only Lambda.
 *
 * Validates the Security Hub event, applies the catalogue mode, the exemption tag and dry-run, then
 * either records the notebook's recreation plan in the approval table (or joins the sibling finding to
 * the plan already there: one plan per notebook, no lock while it waits), or takes the per-notebook
 * lock for the in-place fix of root access and observes the notebook. The decisions are pure functions
 * in shared/plan-decisions.ts and shared/recreation-decisions.ts; this file only does the I/O in order.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { approvalKeyFor } from '../stacks/approval-table-schema.js';
import { withApprovalCommands } from './shared/approval-command.js';
import { isSageMakerNotFound } from './shared/aws-errors.js';
import {
  describeHolder,
  executionPrefix,
  type HolderStatusReader,
  type StepFunctionsClient,
  takeoverSentence,
} from './shared/execution-status.js';
import {
  InvalidFindingEvent,
  isActionable,
  parseWorkflowInput,
  type Trigger,
  type ValidatedFinding,
} from './shared/finding-event.js';
import { outOfScopeAnnotation, scopeNotEvaluatedAnnotation } from './shared/finding-scope.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import { MemberRoleUnavailable, type MemberSessions } from './shared/member-access.js';
import { deployedMemberSessions, type MemberSageMaker, sageMakerOnly } from './shared/member-clients.js';
import { unreachableAnnotation, unreachableReason } from './shared/member-reach.js';
import {
  cannotRemediateAnnotation,
  decideFromNotebook,
  dryRunAnnotation,
  type NotebookObservation,
  notebookUnavailable,
} from './shared/notebook-decisions.js';
import {
  acquireLock,
  createPlan,
  type DocumentClient,
  type LockHolder,
  type PlanHolder,
  releaseLock,
} from './shared/notebook-locks.js';
import {
  failingNotebookControls,
  type NotebookControl,
  settingsFromDescribe,
} from './shared/notebook-recreation.js';
import { createPlacementReader, decideScope, type PlacementReader } from './shared/organization-placement.js';
import { memberRoleUnavailableAnnotation, sayingTakenOver } from './shared/plan-annotations.js';
import {
  buildPlanResult,
  type Decision,
  decideByMode,
  decideWhenLocked,
  type ExecutionIdentity,
  exemptAnnotation,
  isExempt,
  lockKeyFor,
  resourceName,
  settingsForRemediateNow,
  type Tag,
} from './shared/plan-decisions.js';
import { joinWithNote, ocsfIdentifierOf, planFindingOf } from './shared/plan-join.js';
import { decideRecreation, dryRunRecreateAnnotation, remediationFor } from './shared/recreation-decisions.js';
import type { PlanResult } from './shared/remediation-plan.js';
import { CHANGE_ENGINES } from './shared/resource-changes.js';
import { decideForResource } from './shared/resource-decisions.js';
import { observeResource } from './shared/resource-observation.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { listAllTags } from './shared/sagemaker-tags.js';
import { describeIssues } from './shared/validation.js';
import { WORK_BUDGET_SECONDS } from './shared/work-budget.js';

type SageMaker = MemberSageMaker['sagemaker'];

export interface PlanDependencies {
  /** SageMaker as the member role of the finding's account and Region (shared/member-access.ts). */
  readonly members: MemberSessions<MemberSageMaker>;
  /** A document client (@aws-sdk/lib-dynamodb): locks and plans are plain objects. */
  readonly dynamodb: DocumentClient;
  /**
   * Step Functions (DescribeExecution): a lock or plan whose execution has ended is taken over. Without
   * it, only an expired one is.
   */
  readonly sfn?: StepFunctionsClient;
  /**
   * Security Hub (BatchUpdateFindings): a finding that joins a plan gets its "joined" note before it
   * joins (shared/plan-join.ts). Without it, the state machine writes that note after the join.
   */
  readonly securityhub?: Pick<SecurityHubClient, 'send'>;
  /**
   * Where accounts sit in AWS Organizations (cached), for the organizational unit lists of
   * `settings.scope`. Without it, a finding those lists must decide is not remediated.
   */
  readonly placements?: PlacementReader;
  readonly settings: RuntimeSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

const planRequest = z.object({
  event: z.unknown(),
  execution: z.object({ id: z.string().check(z.minLength(1)), name: z.string().check(z.minLength(1)) }),
});

/** Plans a finding may join: not closed yet (an approved plan being carried out still fixes it). */
const JOINABLE_PLAN_STATUSES = ['PLANNED', 'PENDING', 'APPROVED'] as const;

export function createPlanHandler(
  dependencies: PlanDependencies,
  /** Set when planning a "Remediate now" request with its requested settings already applied. */
  requested = false,
): (request: unknown) => Promise<PlanResult> {
  const { members, dynamodb, sfn, securityhub, settings, now, logger } = dependencies;

  /** Asks Step Functions whether a holder of this state machine still runs (undefined: never takes over). */
  function holderStatusFor(execution: ExecutionIdentity): HolderStatusReader | undefined {
    return sfn
      ? describeHolder(sfn, executionPrefix(execution.id), now, logger.warn.bind(logger))
      : undefined;
  }

  /** The resource's tags, or undefined when the resource no longer exists. */
  async function tagsIfExists(sagemaker: SageMaker, resourceArn: string): Promise<Tag[] | undefined> {
    try {
      return await listAllTags(sagemaker, resourceArn);
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
  }

  async function observeNotebook(sagemaker: SageMaker, name: string): Promise<NotebookObservation> {
    try {
      const notebook = await sagemaker.send(
        new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }),
      );
      return {
        exists: true,
        status: notebook.NotebookInstanceStatus ?? 'Unknown',
        description: notebook,
        failureReason: notebook.FailureReason,
        settings: settingsFromDescribe(notebook, name),
      };
    } catch (error) {
      if (isSageMakerNotFound(error)) return { exists: false };
      throw error;
    }
  }

  async function release(finding: ValidatedFinding, execution: ExecutionIdentity): Promise<void> {
    try {
      await releaseLock(dynamodb, {
        table: settings.lockTableName,
        key: lockKeyFor(finding),
        owner: execution.id,
      });
    } catch (error) {
      // The lock expires on its own; the finding's outcome is what matters here.
      logger.warn('lock not released', { error: (error as Error).name, lockKey: lockKeyFor(finding) });
    }
  }

  /**
   * The annotation of a finding outside the scope, or whose scope could not be decided (never
   * remediated on an error); undefined when the finding is in scope. Decided before anything is read.
   */
  async function scopeDecision(
    finding: ValidatedFinding,
    execution: ExecutionIdentity,
  ): Promise<Decision | undefined> {
    // A control switched off is ignored without a note, whatever the scope.
    if (!settings.scope || settings.modes[finding.control.id] === 'off') return undefined;
    const scope = await decideScope(settings.scope, finding, dependencies.placements);
    if (scope.kind === 'in-scope') return undefined;
    if (scope.kind === 'out-of-scope') {
      return { kind: 'annotate', annotation: outOfScopeAnnotation(finding, scope.reason, execution) };
    }
    logger.warn('scope not evaluated', {
      execution: execution.id,
      findingId: finding.id,
      cause: scope.cause,
    });
    return { kind: 'annotate', annotation: scopeNotEvaluatedAnnotation(finding, scope.cause, execution) };
  }

  /** When the approval window of a plan made now closes. */
  function approvalDeadline(): Date {
    return new Date(now().getTime() + (settings.recreate?.approvalTimeoutSeconds ?? 0) * 1000);
  }

  /**
   * Records the recreation plan, or joins the notebook's live one (a sibling finding: one plan per
   * notebook). A plan closed between the two is made anew, once.
   */
  async function recordPlan(
    finding: ValidatedFinding,
    planned: Extract<Decision, { kind: 'remediate' }>,
    execution: ExecutionIdentity,
  ): Promise<Decision> {
    if (!planned.recreate || !settings.recreate) return planned;
    const table = settings.recreate.approvalTableName;
    // The approval request also gives the approvals command, for this deployment's table and region.
    const recreate = withApprovalCommands(planned.recreate, finding.id, { table, region: settings.region });
    const decision = { ...planned, recreate };
    const key = approvalKeyFor(finding.resourceArn);
    const identifier = planFindingOf(finding);
    // The deadline the approval request states is the one the plan's item enforces.
    const deadline = new Date(recreate.approvalExpiresAt * 1000);
    let holder: PlanHolder | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const plan = await createPlan(
        dynamodb,
        {
          table,
          key,
          owner: execution.id,
          finding: identifier,
          summary: recreate.summary,
          now: now(),
          approvalDeadline: deadline,
          // The plan lives through the approval window and the work after it, no longer.
          expiresAt: new Date(deadline.getTime() + WORK_BUDGET_SECONDS * 1000),
        },
        // A plan whose execution has ended is taken over, with its findings (before one is joined).
        holderStatusFor(execution),
      );
      if (plan.created) {
        if (!plan.tookOver) return decision;
        logger.warn('plan taken over', {
          execution: execution.id,
          from: plan.tookOver.executionArn,
          end: plan.tookOver.end,
          carriedFindings: plan.tookOver.findings.length,
        });
        return sayingTakenOver(decision, takeoverSentence('plan', plan.tookOver));
      }
      holder = plan.holder;
      if (plan.holder.findingIds.includes(finding.id)) {
        return { kind: 'ignore', reason: `finding is already in the plan of ${plan.holder.executionArn}` };
      }
      const joined = await joinWithNote(
        { dynamodb, securityhub, logger },
        finding,
        { table, key, holder: plan.holder.executionArn, statuses: JOINABLE_PLAN_STATUSES },
        execution,
      );
      if (joined) return joined;
    }
    // Full, or being closed (rejected, expired, done): that plan's execution handles the notebook now.
    return decideWhenLocked(
      finding,
      {
        executionArn: holder?.executionArn ?? 'another execution',
        findingId: holder?.findingIds[0] ?? 'unknown',
        remediation: 'recreate-notebook',
      },
      execution,
    );
  }

  /**
   * The in-place fix: under the notebook's lock (taken over from an execution that has ended), from
   * the notebook as it is now. `lockTakeover` says whose lock it was ('' when it was free).
   */
  async function fixInPlace(
    sagemaker: SageMaker,
    finding: ValidatedFinding,
    execution: ExecutionIdentity,
  ): Promise<{ decision: Decision; lockTakeover: string }> {
    const lock = await acquireLock(
      dynamodb,
      {
        table: settings.lockTableName,
        key: lockKeyFor(finding),
        owner: execution.id,
        remediation: 'update-notebook',
        findingId: finding.id,
        // An OCSF finding's identifier, so that the sweeper can note it if this lock is left behind.
        ocsfFinding: ocsfIdentifierOf(finding),
        controlId: finding.control.id,
        now: now(),
        seconds: settings.lockSeconds,
      },
      holderStatusFor(execution),
    );
    if (!lock.acquired) {
      return { decision: await whenLocked(finding, lock.holder, execution), lockTakeover: '' };
    }
    const sentence = lock.tookOver ? takeoverSentence('lock', lock.tookOver) : '';
    if (lock.tookOver) {
      logger.warn('lock taken over', {
        execution: execution.id,
        from: lock.tookOver.executionArn,
        end: lock.tookOver.end,
      });
    }
    try {
      const decision = decideFromNotebook(
        finding,
        await observeNotebook(sagemaker, finding.notebookName ?? ''),
        execution,
        settings.modes,
      );
      // Nothing to change: the lock is not needed any more.
      if (decision.kind !== 'remediate') await release(finding, execution);
      return {
        decision: sentence ? sayingTakenOver(decision, sentence) : decision,
        lockTakeover: sentence ? ` ${sentence}` : '',
      };
    } catch (error) {
      await release(finding, execution);
      throw error;
    }
  }

  /** Another execution, still running (or nobody can tell), holds the lock. */
  async function whenLocked(
    finding: ValidatedFinding,
    holder: LockHolder,
    execution: ExecutionIdentity,
  ): Promise<Decision> {
    // An approved recreation is changing the notebook: it disables root access too, so this finding
    // gets its outcome.
    if (holder.remediation === 'recreate-notebook' && settings.recreate) {
      const joined = await joinWithNote(
        { dynamodb, securityhub, logger },
        finding,
        {
          table: settings.recreate.approvalTableName,
          key: approvalKeyFor(finding.resourceArn),
          holder: holder.executionArn,
          statuses: ['APPROVED'],
        },
        execution,
      );
      if (joined) return joined;
    }
    return decideWhenLocked(finding, holder, execution);
  }

  /**
   * The plan of an actionable finding in scope, from its resource as the member role of the finding's
   * account and Region reads it (MemberRoleUnavailable when that role cannot be assumed).
   */
  async function planInMember(
    finding: ValidatedFinding,
    execution: ExecutionIdentity,
    plan: (decision: Decision, why: string, lockTakeover?: string) => PlanResult,
  ): Promise<PlanResult> {
    if (finding.control.kind !== 'notebook-instance') {
      if (settings.modes[finding.control.id] === 'off') {
        return plan({ kind: 'ignore', reason: `${finding.control.id} is switched off` }, 'decided by mode');
      }
      const { sagemaker } = await members.clientsFor(finding, execution.name);
      // Read first: the note names the resource as it is (gone, exempt, compliant by now, or failing).
      const observed = await observeResource(
        sagemaker,
        { kind: finding.control.kind, name: resourceName(finding), arn: finding.resourceArn },
        true,
      );
      // An approval-gated change names what else it touches (the schedules a recreation moves...).
      const engine = CHANGE_ENGINES[finding.control.remediation?.name ?? 'none'];
      // Read only when a plan may follow: not for a finding that will only be annotated (notify, passing).
      const mayPlan =
        observed !== undefined &&
        settings.modes[finding.control.id] === 'approval' &&
        finding.control.module.fails(observed, { requiredTagKeys: Object.keys(settings.requiredTags) });
      const related =
        mayPlan && engine?.related ? await engine.related(sagemaker, observed.description, settings) : {};
      const decision = decideForResource(finding, observed, settings, execution, approvalDeadline(), related);
      // An approval-gated change records its plan (or joins the resource's live one), as a recreation does.
      return decision.kind === 'remediate' && decision.recreate
        ? plan(await recordPlan(finding, decision, execution), 'change planned')
        : plan(decision, 'resource planned');
    }
    const byMode = decideByMode(finding, settings, execution);
    if (byMode.kind !== 'continue') return plan(byMode, 'decided by mode');

    const notebookName = finding.notebookName;
    if (!notebookName) throw new Error(`${finding.control.id} remediation needs a notebook instance`);

    const { sagemaker } = await members.clientsFor(finding, execution.name);
    const tags = await tagsIfExists(sagemaker, finding.resourceArn);
    if (!tags) return plan(decideFromNotebook(finding, { exists: false }, execution), 'resource gone');
    if (isExempt(tags, settings.exemptionTag)) {
      return plan({ kind: 'annotate', annotation: exemptAnnotation(finding, settings, execution) }, 'exempt');
    }

    const remediation = remediationFor(finding, settings);
    if (!remediation) {
      const before = await observeNotebook(sagemaker, notebookName);
      const unavailable = notebookUnavailable(finding, before, execution);
      const stillFailing =
        before.exists && before.settings
          ? failingNotebookControls(before.settings).includes(finding.control.id as NotebookControl)
          : true;
      const annotation = unavailable ?? cannotRemediateAnnotation(finding, stillFailing, execution);
      return plan({ kind: 'annotate', annotation }, 'nothing this deployment may do');
    }
    if (remediation === 'recreate-notebook') {
      // A plan, not a change: the notebook is only locked once the plan is approved.
      const observed = await observeNotebook(sagemaker, notebookName);
      const decision = decideRecreation(finding, observed, settings, approvalDeadline(), execution);
      if (decision.kind !== 'remediate') return plan(decision, 'no recreation');
      if (settings.dryRun) {
        return plan(
          {
            kind: 'annotate',
            annotation: dryRunRecreateAnnotation(finding, decision.recreate?.summary ?? '', execution),
          },
          'dry run',
        );
      }
      return plan(await recordPlan(finding, decision, execution), 'recreation planned');
    }
    if (settings.dryRun) {
      const annotation = dryRunAnnotation(finding, await observeNotebook(sagemaker, notebookName), execution);
      return plan({ kind: 'annotate', annotation }, 'dry run');
    }
    const fix = await fixInPlace(sagemaker, finding, execution);
    return plan(fix.decision, 'in-place fix', fix.lockTakeover);
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
    const plan = (decision: Decision, why: string, lockTakeover = ''): PlanResult => {
      logger.info(why, { ...context, decision: decision.kind });
      const result = buildPlanResult(finding, settings.timing, decision, settings.members);
      return lockTakeover ? { ...result, plan: { ...result.plan, lockTakeover } } : result;
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
    const outsideScope = await scopeDecision(finding, execution);
    if (outsideScope) return plan(outsideScope, 'scope');
    const unreachable = unreachableReason(finding, settings);
    if (unreachable) {
      return plan(
        { kind: 'annotate', annotation: unreachableAnnotation(finding, unreachable, execution) },
        'unreachable from this deployment',
      );
    }
    try {
      return await planInMember(finding, execution, plan);
    } catch (error) {
      // Nothing was read or changed: the note names the StackSet to deploy there, no failed execution.
      if (!(error instanceof MemberRoleUnavailable)) throw error;
      logger.warn('member role unavailable', { ...context, roleArn: error.roleArn, reason: error.reason });
      const annotation = memberRoleUnavailableAnnotation(finding, error, execution);
      return plan({ kind: 'annotate', annotation }, 'member role unavailable');
    }
  };
}

// Created once per container and reused across invocations.
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
const sfnClient = new SFNClient({ maxAttempts: 5 });
const securityHubClient = new SecurityHubClient({ maxAttempts: 5 });
// Only called when the scope lists organizational units; its answers are cached in this container.
const placements = createPlacementReader(new OrganizationsClient({ maxAttempts: 5 }), () => new Date());
let deployedHandler: ((request: unknown) => Promise<PlanResult>) | undefined;

const logger = lambdaLogger('plan-remediation');

export async function handler(request: unknown, context?: LambdaContext): Promise<PlanResult> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createPlanHandler({
      members: deployedMemberSessions(settings.members, sageMakerOnly),
      dynamodb: dynamodbClient,
      sfn: sfnClient,
      securityhub: securityHubClient,
      placements,
      settings,
      now: () => new Date(),
      logger,
    });
  }
  return deployedHandler(request);
}
