/**
 * What the deployment cannot do for a finding of another account or Region yet, decided before
 * anything is read there, so the finding gets a note that says so instead of a half-done remediation.
 * Pure.
 *
 * - Another Region: the state machine's AWS SDK Tasks call services in its own Region only (with or
 *   without Task Credentials), so a resource in a linked Region cannot be changed by them.
 * - Recreating a notebook in another account: the backup and restore run on the notebook itself, in
 *   lifecycle configurations and a bucket the member stack does not deploy yet (docs/organization.md).
 */

import type { ValidatedFinding } from './finding-event.js';
import { annotation, type ExecutionIdentity } from './plan-decisions.js';
import type { Annotation } from './remediation-plan.js';
import type { RuntimeSettings } from './runtime-settings.js';

/** Why this deployment cannot remediate the finding where its resource is, or undefined when it can. */
export function unreachableReason(
  finding: Pick<ValidatedFinding, 'accountId' | 'region' | 'control'>,
  settings: Pick<RuntimeSettings, 'accountId' | 'region' | 'modes'>,
): string | undefined {
  if (finding.region !== settings.region) {
    return `its resource is in ${finding.region}, and this deployment acts in ${settings.region} only (its state machine's AWS SDK calls do not cross Regions). Add ${finding.region} to scope.regions.deny to skip such findings quietly.`;
  }
  const mode = settings.modes[finding.control.id as keyof RuntimeSettings['modes']];
  const recreates =
    finding.control.remediation?.name === 'recreate-notebook' && (mode === 'approval' || mode === 'auto');
  if (recreates && finding.accountId !== settings.accountId) {
    return `recreating a notebook instance in account ${finding.accountId} needs backup and restore resources there that the member stack does not deploy yet; fix this one by hand (docs/restore.md), or set ${finding.control.id} to notify.`;
  }
  return undefined;
}

/** The note of a finding the deployment cannot reach: nothing was read or changed. */
export function unreachableAnnotation(
  finding: ValidatedFinding,
  reason: string,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'NEEDS_CONFIGURATION',
    headline: 'cannot be remediated from this deployment',
    note: `Not remediated: nothing was changed, because ${reason}`,
  });
}
