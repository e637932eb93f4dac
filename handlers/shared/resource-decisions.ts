/**
 * Planning for the resources beside notebook instances, as pure functions: from the finding, the
 * resource as Describe (and ListTags) reported it and the settings, what the workflow does and what the
 * finding says. The resource is always read first, so a resource that is gone, exempt or compliant by
 * now is annotated as such, and the guidance names it.
 */
import type { ObservedResource } from './controls/control-module.js';
import { resourceKind } from './controls/resource-kinds.js';
import type { ValidatedFinding } from './finding-event.js';
import {
  annotation,
  type Decision,
  type ExecutionIdentity,
  isExempt,
  resourceName,
  truncate,
} from './plan-decisions.js';
import type { ResourceChange } from './remediation-plan.js';
import type { RuntimeSettings } from './runtime-settings.js';

type Tag = { readonly Key: string; readonly Value: string };

/** The longest change summary: the resolved note adds the execution, resource and controls to it. */
export const SUMMARY_LIMIT = 200;

/** The resource's real name: Describe's (the ARN lowercases it), else the ARN's. */
function nameOf(finding: ValidatedFinding, observed: ObservedResource | undefined): string {
  const member = resourceKind(finding.control.kind).describe.nameMember;
  const described = observed?.description[member];
  return typeof described === 'string' ? described : resourceName(finding);
}

/** The required tags the resource lacks (or carries with another value), as AddTags takes them. */
export function missingRequiredTags(
  tags: readonly Tag[],
  requiredTags: Readonly<Record<string, string>>,
): Tag[] {
  return Object.entries(requiredTags)
    .filter(([key, value]) => !tags.some((tag) => tag.Key === key && tag.Value === value))
    .map(([key, value]) => ({ Key: key, Value: value }));
}

/** The verdict for a finding on a resource other than a notebook instance. */
export function decideForResource(
  finding: ValidatedFinding,
  observed: ObservedResource | undefined,
  settings: RuntimeSettings,
  execution: ExecutionIdentity,
): Decision {
  const control = finding.control;
  const kind = resourceKind(control.kind);
  const name = nameOf(finding, observed);
  const context = { requiredTagKeys: Object.keys(settings.requiredTags) };
  const say = (
    workflowStatus: 'NOTIFIED' | 'RESOLVED',
    outcome: Parameters<typeof annotation>[2]['outcome'],
    headline: string,
    note: string,
  ): Decision => ({
    kind: 'annotate',
    annotation: annotation(finding, execution, { workflowStatus, outcome, headline, note }),
  });

  if (!observed) {
    return say(
      'NOTIFIED',
      'RESOURCE_GONE',
      'resource gone',
      `The ${kind.label} ${name} no longer exists, so there is nothing to remediate. Nothing was changed; Security Hub archives the finding once it notices.`,
    );
  }
  if (isExempt(observed.tags ?? [], settings.exemptionTag)) {
    const { key, value } = settings.exemptionTag;
    return say(
      'NOTIFIED',
      'SKIPPED_EXEMPT',
      'skipped (exempt)',
      `Skipped: ${kind.label} ${name} has the exemption tag ${key}=${value}, so ${control.id} was not remediated and nothing was changed. To remediate, remove the tag and set this finding back to NEW.`,
    );
  }
  if (!control.module.fails(observed, context)) {
    return say(
      'RESOLVED',
      'ALREADY_COMPLIANT',
      'already compliant',
      `The ${kind.label} ${name} passes ${control.id} by now (${control.checks}). Nothing was changed; Security Hub confirms on its next check.`,
    );
  }
  const mode = settings.modes[control.id];
  const remediation = control.remediation;
  if (mode === 'notify' || !remediation) {
    const why = remediation
      ? `Not remediated automatically: ${control.id} is in notify mode.`
      : control.fix === 'guidance'
        ? `${control.id} has no safe automatic fix.`
        : `This version does not carry out ${control.id}'s fix yet.`;
    return say(
      'NOTIFIED',
      'NOTIFIED',
      'needs attention',
      `${control.title} (${name}). ${why} What to do: ${control.guidance(name)}`,
    );
  }
  if (remediation.name === 'add-required-tags') {
    const tags = missingRequiredTags(observed.tags ?? [], settings.requiredTags);
    if (tags.length === 0) {
      return say(
        'NOTIFIED',
        'NEEDS_CONFIGURATION',
        'needs configuration',
        `The ${kind.label} ${name} has no tags, and this deployment names no required tags to add (requiredTags in its configuration), so nothing was changed. Set requiredTags, or tag ${name} yourself.`,
      );
    }
    const listed = tags.map((tag) => `${tag.Key}=${tag.Value}`).join(', ');
    if (settings.dryRun) {
      return say(
        'NOTIFIED',
        'DRY_RUN',
        'dry run',
        `Dry run: would add the tags ${listed} to ${kind.label} ${name} (existing tags kept), verify, then resolve this finding. Nothing was changed. Turn dry-run off to remediate.`,
      );
    }
    const change: ResourceChange = {
      kind: control.kind,
      name,
      arn: finding.resourceArn,
      fixes: [control.id],
      tags,
      // Short enough for the resolved note (512 characters with the names around it).
      summary: truncate(`added the tags ${listed}`, SUMMARY_LIMIT),
    };
    return {
      kind: 'remediate',
      notebook: { status: 'Unknown', rootAccess: 'Unknown' },
      wasRunning: false,
      resource: change,
    };
  }
  throw new Error(`${control.id}: no planning for the ${remediation.name} engine`);
}
