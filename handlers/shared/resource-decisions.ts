/**
 * Planning for the resources beside notebook instances, as pure functions: from the finding, the
 * resource as Describe (and ListTags) reported it and the settings, what the workflow does and what the
 * finding says. The resource is always read first, so a resource that is gone, exempt or compliant by
 * now is annotated as such, and the guidance names it.
 */
import { approvalKeyFor } from '../../stacks/approval-table-schema.js';
import { memberAt, type ObservedResource } from './controls/control-module.js';
import { resourceKind } from './controls/resource-kinds.js';
import { CONTROLS } from './controls-catalogue.js';
import type { ValidatedFinding } from './finding-event.js';
import { unknownSettings } from './notebook-settings.js';
import {
  annotation,
  type Decision,
  type ExecutionIdentity,
  isExempt,
  NOTE_LIMIT,
  resourceName,
  toSubject,
  truncate,
} from './plan-decisions.js';
import {
  AWAITING_APPROVAL_NOTE_PREFIX,
  PLAN_WHAT_LIMIT,
  type RecreatePlanDetails,
  type ResourceChange,
} from './remediation-plan.js';
import { CHANGE_ENGINES } from './resource-changes.js';
import type { RuntimeSettings } from './runtime-settings.js';

type Tag = { readonly Key: string; readonly Value: string };

/** The longest change summary: the resolved note adds the execution, resource and controls to it. */
export const SUMMARY_LIMIT = 150;

/**
 * Room for the names of what a change moves, in the approval note: after the deadline and how to
 * answer (about 180 characters), so that the note names them within its 512.
 */
export const AFFECTED_NAMES_LIMIT = 200;

/** `names` joined while they fit in `limit` characters (the first always), then how many more. */
export function namesWithin(names: readonly string[], limit = AFFECTED_NAMES_LIMIT): string {
  const shown: string[] = [];
  let length = 0;
  for (const name of names) {
    const next = length + (shown.length > 0 ? 2 : 0) + name.length;
    if (shown.length > 0 && next > limit) break;
    shown.push(name);
    length = next;
  }
  const more = names.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

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
  /** When the approval window of a plan made now closes. */
  approvalDeadline: Date,
  /** What an approval-gated change also touches, read by its engine (empty for the others). */
  related: Readonly<Record<string, unknown>> = {},
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
      `${control.title} (${name}). ${why} What to do: ${control.guidance(name, observed.description)}`,
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
      notebook: { status: 'Unknown', settings: unknownSettings() },
      wasRunning: false,
      resource: change,
    };
  }
  return planApprovedChange(finding, observed, settings, execution, approvalDeadline, name, related);
}

/** The engines that change a resource only after an approval, and the words of their plans. */
const APPROVAL_PLANS: Readonly<Record<string, { readonly noun: string; readonly verb: string }>> = {
  'update-monitoring-schedule': { noun: 'update', verb: 'UpdateMonitoringSchedule' },
  'recreate-job-definition': { noun: 'recreation', verb: 'Recreation' },
  'replace-endpoint-config': { noun: 'replacement', verb: 'CreateEndpointConfig and UpdateEndpoint' },
  'replace-model': { noun: 'replacement', verb: 'CreateModel, CreateEndpointConfig and UpdateEndpoint' },
  'update-inference-experiment': { noun: 'update', verb: 'UpdateInferenceExperiment' },
};

/**
 * An approval-gated change: one plan per resource, fixing every control of this resource and engine
 * that it fails (isolation together with encryption), asked for on the finding and in the alert.
 */
function planApprovedChange(
  finding: ValidatedFinding,
  observed: ObservedResource,
  settings: RuntimeSettings,
  execution: ExecutionIdentity,
  approvalDeadline: Date,
  name: string,
  related: Readonly<Record<string, unknown>>,
): Decision {
  const control = finding.control;
  const engine = control.remediation?.name ?? 'none';
  const words = APPROVAL_PLANS[engine];
  if (!words) throw new Error(`${control.id}: no planning for the ${engine} engine`);
  const kind = resourceKind(control.kind);
  const say = (
    outcome: 'NOTIFIED' | 'DRY_RUN' | 'NEEDS_CONFIGURATION',
    headline: string,
    note: string,
  ): Decision => ({
    kind: 'annotate',
    annotation: annotation(finding, execution, { workflowStatus: 'NOTIFIED', outcome, headline, note }),
  });
  const referenced = memberAt(observed.description, 'MonitoringScheduleConfig.MonitoringJobDefinitionName');
  if (control.kind === 'monitoring-schedule' && typeof referenced === 'string') {
    return say(
      'NOTIFIED',
      'needs attention',
      `${control.title} (${name}). The schedule runs the job definition ${referenced} rather than one of its own, so the fix belongs to that definition: its own control (SageMaker.9 to .25) recreates it with isolation and encryption, and this schedule follows. Nothing was changed.`,
    );
  }
  const refusal = CHANGE_ENGINES[engine]?.refusal?.(observed.description, related, settings);
  if (refusal) {
    const configure = refusal.outcome === 'NEEDS_CONFIGURATION';
    return say(
      refusal.outcome,
      configure ? 'needs configuration' : 'needs attention',
      `${control.title} (${name}). ${refusal.reason} Nothing was changed.`,
    );
  }
  const context = { requiredTagKeys: Object.keys(settings.requiredTags) };
  // Siblings of this resource fixed by the same engine, in a mode that allows the change.
  const fixes = CONTROLS.filter(
    (sibling) =>
      sibling.kind === control.kind &&
      sibling.remediation?.name === engine &&
      (sibling.id === control.id || settings.modes[sibling.id] === 'approval') &&
      sibling.module.fails(observed, context),
  );
  const changes = fixes.map((fixed) =>
    'change' in fixed.module.fix ? fixed.module.fix.change : fixed.title,
  );
  const alsoTouched = CHANGE_ENGINES[engine]?.describeRelated?.(related);
  const affected = CHANGE_ENGINES[engine]?.affected?.(related, (names) => namesWithin(names)) ?? '';
  const summary = `${words.verb} on ${kind.label} ${name}, fixing ${fixes.map((fixed) => fixed.id).join(' and ')}: ${changes.join(' ')}${alsoTouched ? ` ${alsoTouched}` : ''}`;
  if (settings.dryRun) {
    return say(
      'DRY_RUN',
      'dry run',
      `Dry run: would ask for approval, then snapshot ${kind.label} ${name} and call ${summary} Nothing was changed. Turn dry-run off to remediate.`,
    );
  }
  return {
    kind: 'remediate',
    notebook: { status: 'Unknown', settings: unknownSettings() },
    wasRunning: false,
    resource: {
      kind: control.kind,
      name,
      arn: finding.resourceArn,
      fixes: fixes.map((fixed) => fixed.id),
      tags: [],
      summary: truncate(
        `${words.verb} fixing ${fixes.map((fixed) => fixed.id).join(' and ')}`,
        SUMMARY_LIMIT,
      ),
    },
    recreate: approvalDetails(finding, {
      name,
      label: kind.label,
      fixes: fixes.map((fixed) => fixed.id),
      summary,
      affected,
      what: truncate(`${words.noun} of ${kind.label} ${name}`, PLAN_WHAT_LIMIT),
      noun: words.noun,
      expiresAt: approvalDeadline,
      execution,
    }),
  };
}

/** The approval request of a change to a resource: on the finding, in the alert, with the deadline. */
function approvalDetails(
  finding: ValidatedFinding,
  plan: {
    readonly name: string;
    readonly label: string;
    readonly fixes: readonly string[];
    readonly summary: string;
    /** What the change moves, named (the schedules, the endpoints), or empty. */
    readonly affected: string;
    readonly what: string;
    readonly noun: string;
    readonly expiresAt: Date;
    readonly execution: ExecutionIdentity;
  },
): RecreatePlanDetails {
  const deadline = plan.expiresAt.toISOString();
  const howTo =
    "select this finding in Security Hub, then Actions > 'Approve remediation' (or 'Reject remediation')";
  return {
    approvalKey: approvalKeyFor(finding.resourceArn),
    approvalExpiresAt: Math.floor(plan.expiresAt.getTime() / 1000),
    summary: plan.summary,
    approvalNote: truncate(
      `${AWAITING_APPROVAL_NOTE_PREFIX}${deadline}: ${howTo}. Nothing changes before.${plan.affected ? ` ${plan.affected}` : ''} It changes how the ${plan.label} behaves: ${plan.summary}`,
      NOTE_LIMIT,
    ),
    approvalSubject: toSubject(`SageMaker approval needed: ${plan.noun} ${plan.name}`),
    approvalMessage: [
      `Approval needed: ${plan.label} ${finding.resourceArn}.`,
      '',
      plan.summary,
      '',
      `This changes how the ${plan.label} behaves at run time: read the change above before approving.`,
      'Before changing anything the workflow snapshots its full definition and tags to S3 and verifies the',
      'snapshot; if the change fails, the definition is put back from the snapshot.',
      '',
      `To approve or reject: ${howTo}, on any finding of this ${plan.label}, before ${deadline}.`,
      'Nothing changes until then; after that the plan expires and nothing changes at all.',
      '',
      `Finding: ${finding.id}`,
      `Execution: ${plan.execution.id}`,
    ].join('\n'),
    fixes: [...plan.fixes],
    what: plan.what,
    noun: plan.noun,
  };
}
