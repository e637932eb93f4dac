/**
 * What the deployment cannot do for a finding of another account or Region yet, decided before
 * anything is read there, so the finding gets a note that says so instead of a half-done remediation.
 * Pure.
 *
 * - A Region that is neither the deployment's nor one of its linked Regions (`members.linkedRegions`):
 *   the state machine routes calls to the linked Regions it was built for only, and the member stack
 *   is expected there.
 */

import type { ValidatedFinding } from './finding-event.js';
import { annotation, type ExecutionIdentity } from './plan-decisions.js';
import type { Annotation } from './remediation-plan.js';
import type { RuntimeSettings } from './runtime-settings.js';

/** Why this deployment cannot remediate the finding where its resource is, or undefined when it can. */
export function unreachableReason(
  finding: Pick<ValidatedFinding, 'accountId' | 'region' | 'control'>,
  settings: Pick<RuntimeSettings, 'accountId' | 'region' | 'modes'> & {
    readonly members: Pick<RuntimeSettings['members'], 'linkedRegions'>;
  },
): string | undefined {
  const linked = settings.members.linkedRegions;
  if (finding.region !== settings.region && !linked.includes(finding.region)) {
    const actsIn = [settings.region, ...linked].join(', ');
    return `its resource is in ${finding.region}, and this deployment acts in ${actsIn} only. Add ${finding.region} to members.linkedRegions (and deploy the member stack there) to remediate it, or to scope.regions.deny to skip such findings quietly.`;
  }
  // A notebook of another account is recreated there too: its member stack keeps the data bucket
  // and the lifecycle configurations (notebook-data-placement.ts).
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
