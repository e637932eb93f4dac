/**
 * The planning decisions of the approval-gated recreation, as pure functions: which remediation a
 * finding gets, what a recreation plan would be for the notebook as observed, and what the finding
 * and the alert say about it. PlanRemediation (handlers/plan-remediation.ts) does the I/O around them.
 *
 * One plan per notebook: a finding of an immutable control (SageMaker.1, .2, .8, .21) in approval mode
 * plans the recreation, or says what to configure when it cannot happen. Root access (SageMaker.3) is
 * fixed in place at once, even while a recreation of the same notebook waits for approval: the
 * recreation, when approved, keeps the fix.
 */
import { approvalKeyFor } from '../../stacks/approval-table-schema.js';
import type { RemediationName } from './controls-catalogue.js';
import type { ValidatedFinding } from './finding-event.js';
import { notebookDataPlacement } from './notebook-data-placement.js';
import {
  cannotRemediateAnnotation,
  type NotebookObservation,
  notebookUnavailable,
} from './notebook-decisions.js';
import {
  describePlan,
  failingNotebookControls,
  IMMUTABLE_NOTEBOOK_CONTROLS,
  type NotebookControl,
  planRecreation,
} from './notebook-recreation.js';
import { observedSettings } from './notebook-settings.js';
import {
  annotation,
  type Decision,
  type ExecutionIdentity,
  NOTE_LIMIT,
  resourceName,
  toSubject,
  truncate,
} from './plan-decisions.js';
import {
  type Annotation,
  AWAITING_APPROVAL_NOTE_PREFIX,
  isRunningStatus,
  JOINED_PLAN_NOTE_PREFIX,
  type RecreatePlanDetails,
} from './remediation-plan.js';
import { controlsToFix, type RuntimeSettings, recreateTarget } from './runtime-settings.js';

const modeOf = (settings: RuntimeSettings, controlId: string) =>
  settings.modes[controlId as keyof RuntimeSettings['modes']];

/** The finding's own control is one a recreation fixes, in approval mode, in a deployment that recreates. */
function ownRecreation(finding: ValidatedFinding, settings: RuntimeSettings): boolean {
  return (
    settings.recreate !== undefined &&
    finding.control.remediation?.name === 'recreate-notebook' &&
    modeOf(settings, finding.control.id) === 'approval'
  );
}

/**
 * What the workflow may do for the finding: plan the notebook's recreation, fix root access in place
 * (automatic mode), or nothing (undefined: the finding says what to do).
 */
export function remediationFor(
  finding: ValidatedFinding,
  settings: RuntimeSettings,
): RemediationName | undefined {
  if (ownRecreation(finding, settings)) return 'recreate-notebook';
  const own = finding.control.remediation;
  return own?.name === 'update-notebook' && modeOf(settings, finding.control.id) === 'auto'
    ? own.name
    : undefined;
}

/** Immutable controls the notebook fails whose mode is approval, if recreation is deployed. */
function recreatableFailures(observed: NotebookObservation, settings: RuntimeSettings): NotebookControl[] {
  if (!observed.exists || !observed.settings || !settings.recreate) return [];
  return failingNotebookControls(observed.settings).filter(
    (control) => IMMUTABLE_NOTEBOOK_CONTROLS.includes(control) && modeOf(settings, control) === 'approval',
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

/**
 * What a recreation plan would be for the notebook as observed, before anyone is asked: a plan whose
 * approval window closes at `approvalDeadline`, or a note saying why there is none.
 */
export function decideRecreation(
  finding: ValidatedFinding,
  observed: NotebookObservation,
  settings: RuntimeSettings,
  approvalDeadline: Date,
  execution: ExecutionIdentity,
): Decision {
  // Gone, Deleting or Failed: the same answer as for an in-place fix (a Failed notebook cannot be backed up).
  const unavailable = notebookUnavailable(finding, observed, execution);
  if (unavailable || !observed.exists) {
    return {
      kind: 'annotate',
      annotation: unavailable ?? cannotRemediateAnnotation(finding, true, execution),
    };
  }
  if (!observed.settings || recreatableFailures(observed, settings).length === 0) {
    // Fixed meanwhile (by someone else): nothing is left to recreate for.
    const stillFailing = observed.settings
      ? failingNotebookControls(observed.settings).includes(finding.control.id as NotebookControl)
      : true;
    return { kind: 'annotate', annotation: cannotRemediateAnnotation(finding, stillFailing, execution) };
  }
  const recreation = planRecreation(
    observed.settings,
    controlsToFix(failingNotebookControls(observed.settings), settings),
    // The notebook's own account's and Region's target: its subnet, security groups and key are there.
    recreateTarget(settings, finding),
  );
  const summary = describePlan(finding.notebookName ?? '', recreation);
  if (recreation.kind === 'needs-configuration') {
    return { kind: 'annotate', annotation: needsConfigurationAnnotation(finding, summary, execution) };
  }
  const unfixed = unfixedOwnControl(finding, recreation);
  if (unfixed)
    return { kind: 'annotate', annotation: needsConfigurationAnnotation(finding, unfixed, execution) };
  return {
    kind: 'remediate',
    notebook: { status: observed.status, settings: observedSettings(observed.description) },
    wasRunning: isRunningStatus(observed.status),
    recreate: {
      ...recreateDetails(finding, recreation, summary, approvalDeadline, execution),
      // Its data is copied to its own account's and Region's bucket, by that member stack's scripts.
      notebookData: notebookDataPlacement(settings.members, finding),
    },
  };
}

export function dryRunRecreateAnnotation(
  finding: ValidatedFinding,
  summary: string,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'DRY_RUN',
    headline: 'dry run',
    note: `Dry run: would ask for approval to ${summary.charAt(0).toLowerCase()}${summary.slice(1)} Nothing was changed. Turn dry-run off to remediate.`,
  });
}

/**
 * What the notebook's users must know, in one sentence: the backup script makes the volume read-only until
 * the stop, so that no save after the copy began can be lost unseen, and the restore does the same on the
 * new notebook (lifecycle/README.md, "The freeze").
 */
const READ_ONLY_WINDOW =
  'The notebook is read-only from the start of its backup until it is stopped (the new one until its data is back).';

/** The recreation plan as an approval request: on the finding, in the alert, with the deadline. */
export function recreateDetails(
  finding: ValidatedFinding,
  plan: { readonly fixes: readonly string[] },
  summary: string,
  expiresAt: Date,
  execution: ExecutionIdentity,
): RecreatePlanDetails {
  const name = resourceName(finding);
  const deadline = expiresAt.toISOString();
  const howTo =
    "select this finding in Security Hub, then Actions > 'Approve remediation' (or 'Reject remediation')";
  const note = truncate(
    `${AWAITING_APPROVAL_NOTE_PREFIX}${deadline}: ${howTo}. Nothing changes before. ${READ_ONLY_WINDOW} Plan: ${summary}`,
    NOTE_LIMIT,
  );
  return {
    approvalKey: approvalKeyFor(finding.resourceArn),
    approvalExpiresAt: Math.floor(expiresAt.getTime() / 1000),
    summary,
    approvalNote: note,
    approvalSubject: toSubject(`SageMaker approval needed: recreate ${name}`),
    approvalMessage: [
      `Approval needed: notebook instance ${finding.resourceArn} can only be fixed by recreating it.`,
      '',
      summary,
      '',
      'Before deleting anything the workflow snapshots the configuration and the data on',
      '/home/ec2-user/SageMaker to S3 and verifies the snapshot; the new notebook gets the data back.',
      READ_ONLY_WINDOW,
      '',
      `To approve or reject: ${howTo}, on any finding of this notebook, before ${deadline}.`,
      'Nothing changes until then; after that the plan expires and nothing changes at all.',
      '',
      `Finding: ${finding.id}`,
      `Execution: ${execution.id}`,
    ].join('\n'),
    fixes: [...plan.fixes],
    what: `recreation of notebook instance ${name}`,
    noun: 'recreation',
  };
}

/** A finding of a notebook whose recreation is already planned joins that plan. */
export function joinedPlanAnnotation(
  finding: ValidatedFinding,
  planOwner: string,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'JOINED_PLAN',
    headline: 'joined the recreation plan',
    note: `${JOINED_PLAN_NOTE_PREFIX}notebook instance ${resourceName(finding)} (execution ${planOwner}): that plan fixes ${finding.control.id} too, and this finding gets its outcome. Approve or reject it from this finding or any other of the notebook.`,
  });
}

export function needsConfigurationAnnotation(
  finding: ValidatedFinding,
  summary: string,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'NEEDS_CONFIGURATION',
    headline: 'needs configuration',
    note: `${summary} Configure it in the remediation.recreate settings of the deployment (docs/configuration.md), then set this finding back to NEW.`,
  });
}
