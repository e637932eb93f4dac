/**
 * After an execution of the workflow ends without its own failure handling (stopped by someone:
 * ABORTED; past its timeout: TIMED_OUT; an error no Catch can take, such as States.DataLimitExceeded:
 * FAILED), Step Functions runs no more of it. Its status change starts a clean-up execution, which reads
 * the last step the dead execution recorded (its history: every state's input and output, kept by
 * Step Functions), and continues from there with the shared failure handling: the notebook back in its
 * prior state, its own lifecycle configuration back, every finding of the plan told what happened (with
 * the restore command after a delete), the lock released and the plan closed.
 *
 * This module decides, from the status change and the history, whether there is anything to clean up
 * and from which state. Pure: the handler (plan-cleanup.ts) does the reading and the takeovers.
 */

import * as z from 'zod/mini';
import { APPROVAL_GATED_ENGINES, CONTROLS } from './controls-catalogue.js';
import { describeIssues } from './validation.js';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
/** The statuses that leave an execution without its failure handling having run (maybe). */
export const CLEANED_UP_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** The Fail states an execution reaches through its own handling: nothing is left to clean up. */
export const SELF_HANDLED_ENDS = [
  'RemediationFailed',
  'PlanningFailed',
  'RejectEvent',
  'AnnotationFailed',
  'AlertNotPublished',
  'ResourceRemediationFailed',
  'ResourceAlertNotPublished',
] as const;

/**
 * The states of a resource engine (statemachines/resource-states.ts) from which its outcome is on its
 * findings: a clean-up has nothing to add (those engines hold no lock and no plan).
 */
export const RESOURCE_OUTCOME_WRITTEN_STATES = [
  'CheckResourceFindingsResolved',
  'PublishResourceResolved',
  'ResourceRemediated',
  'PublishResourceFailureAlert',
] as const;

/**
 * The in-place remediations of resources other than notebooks: no lock, no plan, no notebook to bring
 * back. (Approval-gated ones hold a lock and a plan: they are recovered as a recreation is, their
 * recovery being the roll-back from the snapshot.)
 */
const RESOURCE_REMEDIATIONS: ReadonlySet<string> = new Set(
  CONTROLS.flatMap((control) =>
    control.kind !== 'notebook-instance' &&
    control.remediation &&
    !(APPROVAL_GATED_ENGINES as readonly string[]).includes(control.remediation.name)
      ? [control.remediation.name]
      : [],
  ),
);

const statusChange = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  detail: z.object({
    executionArn: z
      .string()
      .check(z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/)),
    stateMachineArn: z.string(),
    name: z.string(),
    status: z.enum(CLEANED_UP_STATUSES),
    error: z.optional(z.nullable(z.string())),
    cause: z.optional(z.nullable(z.string())),
  }),
});

export type ExecutionStatusChange = z.infer<typeof statusChange>;

/**
 * States an execution reaches only after the outcome is on its findings (resolved, or the failure
 * noted) and the notebook is as it will stay: ended there, only its lock and plan are left to release.
 * Recovering again would overwrite a true note (RESOLVED) with a false one.
 */
export const OUTCOME_WRITTEN_STATES = [
  'CheckFindingResolved',
  'PublishResolvedAlert',
  'ReleaseNotebookLock',
  'ReleaseLockAfterAlertFailure',
  'CheckPlanFindingsClosed',
  'PublishClosingAlert',
  'CountPlanFindings',
  'ClosePlan',
  'PublishFailureAlert',
  'DecidePlanAfterFailure',
  'ClosePlanAfterFailure',
  'ReleaseLockAfterFailure',
  'DecideFailureEnd',
] as const;

/** The status change of an execution of `stateMachineArn`, or the problems that make it not ours. */
export function parseStatusChange(
  event: unknown,
  stateMachineArn: string,
): { change: ExecutionStatusChange } | { problems: string[] } {
  const parsed = statusChange.safeParse(event);
  if (!parsed.success) return { problems: describeIssues(parsed.error) };
  if (parsed.data.detail.stateMachineArn !== stateMachineArn) {
    return {
      problems: [`the execution is of ${parsed.data.detail.stateMachineArn}, not of ${stateMachineArn}`],
    };
  }
  return { change: parsed.data };
}

/** One event of GetExecutionHistory, as far as this reads it. */
export interface HistoryEvent {
  readonly type: string;
  readonly stateEnteredEventDetails?: { readonly name?: string; readonly input?: string } | undefined;
  readonly stateExitedEventDetails?: { readonly name?: string; readonly output?: string } | undefined;
  readonly executionFailedEventDetails?: EndDetails | undefined;
  readonly executionAbortedEventDetails?: EndDetails | undefined;
  readonly executionTimedOutEventDetails?: EndDetails | undefined;
}

interface EndDetails {
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

/**
 * The error and cause of the execution's end, from its closing event (the newest): the status change
 * the clean-up is started with carries only which execution ended and how (its input would not fit).
 */
export function endOf(newestFirst: readonly HistoryEvent[]): EndDetails {
  const closing = newestFirst[0];
  return (
    closing?.executionFailedEventDetails ??
    closing?.executionAbortedEventDetails ??
    closing?.executionTimedOutEventDetails ??
    {}
  );
}

/** What the dead execution knew at its last recorded step. */
export interface LastStep {
  /** The last state it entered (where it was when it ended). */
  readonly enteredState: string;
  /** The state data it had there: plan, notebook, run state, recreation, snapshot... */
  readonly data: StateData;
}

/** The top-level state data of a remediation, as far as the clean-up needs it. */
export interface StateData {
  readonly plan: {
    readonly action: string;
    readonly remediation: string;
    readonly controlId: string;
    readonly notebook: { readonly name: string; readonly arn: string };
    readonly finding: { readonly id: string; readonly productArn: string };
    readonly lock: { readonly key: string };
    readonly recreate?: { readonly approvalKey?: string } | undefined;
  } & Record<string, unknown>;
  readonly runState?: { readonly wasRunning: boolean } | undefined;
  readonly snapshot?: { readonly Payload?: Record<string, unknown> } | undefined;
  readonly planFindingIdentifiers?: readonly unknown[] | undefined;
  readonly planOcsfFindingIdentifiers?: readonly unknown[] | undefined;
  readonly [key: string]: unknown;
}

/**
 * The findings the notes are written on, for each API (ocsf-plan-notes.ts); an execution from before
 * these lists were in its state has its own finding there.
 */
export function findingListsOf(data: StateData): {
  planFindingIdentifiers: readonly unknown[];
  planOcsfFindingIdentifiers: readonly unknown[];
} {
  const { id, productArn, format, accountId } = data.plan.finding as StateData['plan']['finding'] & {
    readonly format?: unknown;
    readonly accountId?: unknown;
  };
  const ocsf = format === 'ocsf' && typeof accountId === 'string';
  return {
    planFindingIdentifiers: data.planFindingIdentifiers ?? (ocsf ? [] : [{ Id: id, ProductArn: productArn }]),
    planOcsfFindingIdentifiers:
      data.planOcsfFindingIdentifiers ??
      (ocsf ? [{ CloudAccountUid: accountId, FindingInfoUid: id, MetadataProductUid: productArn }] : []),
  };
}

const stateData = z.looseObject({
  plan: z.looseObject({
    action: z.string(),
    remediation: z.string(),
    controlId: z.string(),
    notebook: z.object({ name: z.string(), arn: z.string() }),
    finding: z.looseObject({ id: z.string(), productArn: z.string() }),
    lock: z.looseObject({ key: z.string() }),
    recreate: z.optional(z.looseObject({ approvalKey: z.optional(z.string()) })),
  }),
  runState: z.optional(z.object({ wasRunning: z.boolean() })),
});

function parseStateData(text: string | undefined): StateData | undefined {
  if (!text) return undefined;
  try {
    const parsed = stateData.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as StateData) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * From the history, newest first: the last state entered at the top level, and the newest state data
 * that carries a plan (a state's input as it entered, or its output as it left; a Map's iterations
 * carry items, not plans, and are passed over).
 */
export function lastStep(newestFirst: readonly HistoryEvent[]): LastStep | undefined {
  let enteredState: string | undefined;
  for (const event of newestFirst) {
    const entered = event.type.endsWith('StateEntered') ? event.stateEnteredEventDetails : undefined;
    const exited = event.type.endsWith('StateExited') ? event.stateExitedEventDetails : undefined;
    const data = parseStateData(entered?.input ?? exited?.output);
    if (entered?.name && enteredState === undefined && data) enteredState = entered.name;
    if (data) return { enteredState: enteredState ?? exited?.name ?? entered?.name ?? '', data };
  }
  return undefined;
}

const findingEvent = z.object({
  detail: z.object({
    findings: z
      .array(
        z.looseObject({
          Id: z.string(),
          ProductArn: z.string(),
          Resources: z.optional(z.array(z.looseObject({ Type: z.optional(z.string()), Id: z.string() }))),
        }),
      )
      .check(z.minLength(1)),
  }),
});

/** The finding an execution was planning for, when it ended before a plan was recorded. */
export interface UnplannedFinding {
  readonly id: string;
  readonly productArn: string;
  /** The lock its planning may have taken (the notebook's ARN, as plan-decisions.ts keys it). */
  readonly lockKey?: string | undefined;
}

/**
 * From the history, newest first: the finding of the event PlanRemediation was given, if the execution
 * ended there (an event that is not a finding event yields none: its identifiers are not trusted).
 */
export function unplannedFinding(newestFirst: readonly HistoryEvent[]): UnplannedFinding | undefined {
  // Only an execution that ended in PlanRemediation: one that went on handled its own failure.
  const newestEntered = newestFirst.find((event) => event.type.endsWith('StateEntered'));
  const planning =
    newestEntered?.stateEnteredEventDetails?.name === 'PlanRemediation' ? newestEntered : undefined;
  try {
    const parsed = findingEvent.safeParse(JSON.parse(planning?.stateEnteredEventDetails?.input ?? 'null'));
    const first = parsed.success ? parsed.data.detail.findings[0] : undefined;
    const notebook = first?.Resources?.find((resource) => resource.Type === 'AwsSageMakerNotebookInstance');
    return first
      ? {
          id: first.Id,
          productArn: first.ProductArn,
          ...(notebook ? { lockKey: notebook.Id.toLowerCase() } : {}),
        }
      : undefined;
  } catch {
    return undefined;
  }
}

/** How the execution ended, as a verb phrase: "was stopped", "ran out of time", "failed ...". */
function endedHow({ detail }: ExecutionStatusChange, failed: string): string {
  return detail.status === 'ABORTED'
    ? 'was stopped'
    : detail.status === 'TIMED_OUT'
      ? 'ran out of time'
      : failed;
}

/** The note on a finding whose execution ended while it planned: nothing was changed. */
export function unplannedNote(change: ExecutionStatusChange): string {
  const { detail } = change;
  const how = endedHow(change, 'failed');
  return `Execution ${detail.name} ${how} while it was planning, before any change to the notebook: nothing was changed. To remediate it, use Remediate now, or set this finding back to NEW.`;
}

/** What a clean-up does. */
export type CleanUpDecision =
  | { readonly kind: 'nothing'; readonly reason: string }
  | { readonly kind: 'tell'; readonly finding: UnplannedFinding }
  | { readonly kind: 'release'; readonly step: LastStep }
  | { readonly kind: 'recover'; readonly step: LastStep }
  /** A resource engine ended mid-fix: its findings are told what may have changed and what to do. */
  | { readonly kind: 'report-resource'; readonly step: LastStep };

export function decideCleanUp(
  change: ExecutionStatusChange,
  step: LastStep | undefined,
  unplanned?: UnplannedFinding,
): CleanUpDecision {
  const { detail } = change;
  if (!step) {
    // Nothing was changed or held; its finding is told, unless planning never started (a clean-up's own).
    return unplanned
      ? { kind: 'tell', finding: unplanned }
      : { kind: 'nothing', reason: 'it ended before planning recorded anything' };
  }
  if (step.data.cleanup !== undefined) {
    // Its state carries the clean-up it was doing (PlanCleanup's output). A clean-up that did not
    // finish is not cleaned up again (no loop): the ExecutionsFailed/TimedOut/Aborted alarms say so,
    // and the sweeper frees what it held.
    return { kind: 'nothing', reason: `${detail.name} was itself a clean-up` };
  }
  if ((SELF_HANDLED_ENDS as readonly string[]).includes(step.enteredState)) {
    return { kind: 'nothing', reason: `its own failure handling ran to ${step.enteredState}` };
  }
  const { plan } = step.data;
  if (plan.action !== 'remediate') {
    // Annotate or ignore: nothing was changed or locked; a finding left NEW is planned again on its next import.
    return { kind: 'nothing', reason: `it only had to ${plan.action}` };
  }
  if (RESOURCE_REMEDIATIONS.has(plan.remediation)) {
    return (RESOURCE_OUTCOME_WRITTEN_STATES as readonly string[]).includes(step.enteredState)
      ? { kind: 'nothing', reason: `its outcome was written (${step.enteredState}) and it held nothing` }
      : { kind: 'report-resource', step };
  }
  if ((OUTCOME_WRITTEN_STATES as readonly string[]).includes(step.enteredState)) {
    return { kind: 'release', step };
  }
  return { kind: 'recover', step };
}

/** The error the clean-up reports, in the words of the note and alert. */
export function abortedError(
  change: ExecutionStatusChange,
  step: LastStep,
): { Error: string; Cause: string } {
  const { detail } = change;
  const how = endedHow(
    change,
    `failed with ${detail.error ?? 'an error'} that its failure handling could not catch`,
  );
  return {
    Error: { ABORTED: 'ExecutionAborted', TIMED_OUT: 'ExecutionTimedOut', FAILED: 'ExecutionFailed' }[
      detail.status
    ],
    Cause: `Execution ${detail.name} ${how} at ${step.enteredState}; a clean-up took over.`,
  };
}
