/**
 * The planning decisions about a notebook instance, as pure functions: whether it can be changed at
 * all, what the in-place engine fixes on it (the finding's control and every other in-place one in
 * automatic mode it fails), and the notes when it cannot or need not be changed.
 */
import type { ValidatedFinding } from './finding-event.js';
import type { NotebookSettings } from './notebook-recreation.js';
import {
  inPlaceControl,
  inPlaceFixes,
  observedSettings,
  settingsText,
  updateFor,
} from './notebook-settings.js';
import { annotation, type Decision, type ExecutionIdentity, resourceName } from './plan-decisions.js';
import type { Annotation } from './remediation-plan.js';
import { isRunningStatus } from './remediation-plan.js';

/** The notebook as DescribeNotebookInstance reported it, or gone. */
export type NotebookObservation =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly status: string;
      /** DescribeNotebookInstance's output, as the control modules' predicates and settings read it. */
      readonly description: object;
      readonly failureReason?: string | undefined;
      /** Everything DescribeNotebookInstance reported (for planning a recreation). */
      readonly settings?: NotebookSettings;
    };

export type NotebookDecision = Exclude<Decision, { kind: 'ignore' }>;

/** Gone, being deleted or Failed: no remediation can run, whatever it is. */
export function notebookUnavailable(
  finding: ValidatedFinding,
  observed: NotebookObservation,
  execution: ExecutionIdentity,
): Annotation | undefined {
  const name = resourceName(finding);
  if (!observed.exists || observed.status === 'Deleting') {
    return annotation(finding, execution, {
      workflowStatus: 'NOTIFIED',
      outcome: 'RESOURCE_GONE',
      headline: 'resource gone',
      note: `Notebook instance ${name} no longer exists (or is being deleted), so there is nothing to remediate. Nothing was changed.`,
    });
  }
  if (observed.status === 'Failed') {
    return annotation(finding, execution, {
      workflowStatus: 'NOTIFIED',
      outcome: 'NEEDS_ATTENTION',
      headline: 'needs attention',
      note: `Notebook instance ${name} is Failed (${observed.failureReason ?? 'no reason given'}). It can only be changed while it is Stopped, and starting a failed notebook to fix it is not safe to do unattended. Nothing was changed: repair or delete the notebook, then set this finding back to NEW.`,
    });
  }
  return undefined;
}

/**
 * With the lock held and the notebook observed: is there anything to do? The in-place engine fixes the
 * finding's control and every other in-place one in automatic mode the notebook fails.
 */
export function decideFromNotebook(
  finding: ValidatedFinding,
  observed: NotebookObservation,
  execution: ExecutionIdentity,
  modes: Readonly<Record<string, string>> = {},
): NotebookDecision {
  const name = resourceName(finding);
  const unavailable = notebookUnavailable(finding, observed, execution);
  if (unavailable) return { kind: 'annotate', annotation: unavailable };
  if (!observed.exists) throw new Error('a missing notebook is always unavailable');
  const own = inPlaceControl(finding.control.id);
  if (!own) throw new Error(`${finding.control.id} has no in-place notebook setting`);
  const settings = observedSettings(observed.description);
  const settled = observed.status === 'InService' || observed.status === 'Stopped';
  if (settings[own.setting.field] === own.setting.value && settled) {
    return {
      kind: 'annotate',
      annotation: annotation(finding, execution, {
        workflowStatus: 'RESOLVED',
        outcome: 'ALREADY_COMPLIANT',
        headline: 'already compliant',
        note: `Notebook instance ${name} already has ${settingsText(updateFor([own]))} (status ${observed.status}). Nothing was changed; Security Hub confirms on its next check.`,
      }),
    };
  }
  const fixes = inPlaceFixes(own.id, settings, modes);
  const update = updateFor(fixes);
  return {
    kind: 'remediate',
    notebook: { status: observed.status, settings },
    wasRunning: isRunningStatus(observed.status),
    resource: {
      kind: 'notebook-instance',
      name,
      arn: finding.resourceArn,
      fixes: fixes.map(({ id }) => id),
      tags: [],
      settings: update,
      settingsText: settingsText(update),
      summary: `${settingsText(update)} set on notebook instance ${name}`,
    },
  };
}

/**
 * A notebook control this deployment cannot fix on this notebook: the finding says so, with the
 * control's guidance; or, when the notebook passes the control by now, that there is nothing to do.
 */
export function cannotRemediateAnnotation(
  finding: ValidatedFinding,
  stillFailing: boolean,
  execution: ExecutionIdentity,
): Annotation {
  const name = resourceName(finding);
  if (!stillFailing) {
    return annotation(finding, execution, {
      workflowStatus: 'RESOLVED',
      outcome: 'ALREADY_COMPLIANT',
      headline: 'already compliant',
      note: `Notebook instance ${name} passes ${finding.control.id} by now. Nothing was changed; Security Hub confirms on its next check.`,
    });
  }
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'NOTIFIED',
    headline: 'needs attention',
    note: `${finding.control.title} (${name}). This deployment does not recreate notebooks (no recreate settings), so nothing was changed. What to do: ${finding.control.guidance(name)}`,
  });
}

export function dryRunAnnotation(
  finding: ValidatedFinding,
  observed: NotebookObservation,
  execution: ExecutionIdentity,
): Annotation {
  const name = resourceName(finding);
  const status = observed.exists ? observed.status : 'missing';
  const running = observed.exists && isRunningStatus(observed.status);
  const own = inPlaceControl(finding.control.id);
  const update = own ? settingsText(updateFor([own])) : finding.control.id;
  const steps = running
    ? `stop it, set ${update}, wait for the update, start it again, verify`
    : `set ${update} (once it is Stopped), verify, leave it stopped`;
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'DRY_RUN',
    headline: 'dry run',
    note: `Dry run: would remediate ${finding.control.id} on notebook instance ${name} (status ${status}): ${steps}, then resolve this finding. Nothing was changed. Turn dry-run off to remediate.`,
  });
}
