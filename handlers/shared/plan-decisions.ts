/**
 * The planning decisions, as pure functions: given what the handler has observed, what should the
 * workflow do and what should the finding and the alert say. No I/O here, so every branch is
 * unit-tested directly.
 */

import { APPROVAL_GATED_ENGINES } from './controls-catalogue.js';
import type { ValidatedFinding } from './finding-event.js';
import { type MemberRoleSettings, memberRoleArn } from './member-access.js';
import type { LockHolder } from './notebook-locks.js';
import { unknownSettings } from './notebook-settings.js';
import { OCSF_STATUS_IDS } from './ocsf-finding.js';
import type {
  Annotation,
  MemberTargetPlan,
  ObservedNotebook,
  Outcome,
  PlanResult,
  RecreatePlanDetails,
  ResourceChange,
  WorkflowTiming,
} from './remediation-plan.js';
import type { RuntimeSettings } from './runtime-settings.js';

/** Security Hub limits Note.Text to 512 characters. */
export const NOTE_LIMIT = 512;
/** SNS limits Subject to 100 characters. */
export const SUBJECT_LIMIT = 100;
/**
 * The note's text in the alert: SNS takes messages up to 256 KB, so the alert carries what the note
 * had to cut (guidance steps, a long plan); bounded all the same, as a note's parts come from names.
 */
export const ALERT_TEXT_LIMIT = 8_000;

export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** SNS subjects must be printable ASCII without line breaks. */
export function toSubject(text: string): string {
  return truncate(text.replace(/[^\x20-\x7e]/g, '?'), SUBJECT_LIMIT);
}

export interface ExecutionIdentity {
  readonly id: string;
  readonly name: string;
}

/** What the workflow will do with a finding: PlanRemediation's verdict. */
export type Decision =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'annotate'; readonly annotation: Annotation }
  | {
      readonly kind: 'remediate';
      readonly notebook: ObservedNotebook;
      readonly wasRunning: boolean;
      /** Set for an approval-gated recreation; otherwise the control's in-place remediation. */
      readonly recreate?: RecreatePlanDetails;
      /** Set for a fix of a resource other than a notebook instance: what changes, on what. */
      readonly resource?: ResourceChange;
    };

/** What the mode alone decides, before anything is looked up: a verdict, or look further. */
export type ModeDecision = Exclude<Decision, { kind: 'remediate' }> | { readonly kind: 'continue' };

/** The notebook's name, or the last part of another resource's ARN. */
export function resourceName(finding: ValidatedFinding): string {
  return finding.notebookName ?? finding.resourceArn.split('/').pop() ?? finding.resourceArn;
}

/** A finding's note and alert, within Security Hub's and SNS's limits. */
export function annotation(
  finding: ValidatedFinding,
  execution: ExecutionIdentity,
  fields: { workflowStatus: Annotation['workflowStatus']; outcome: Outcome; note: string; headline: string },
): Annotation {
  const note = truncate(fields.note, NOTE_LIMIT);
  // The alert has room for the whole text, not the note's first 512 characters.
  const text = truncate(fields.note, ALERT_TEXT_LIMIT);
  return {
    workflowStatus: fields.workflowStatus,
    outcome: fields.outcome,
    note,
    subject: toSubject(`${finding.control.id} ${fields.headline}: ${resourceName(finding)}`),
    message: [
      `${finding.control.id}: ${finding.control.title}`,
      '',
      `Outcome: ${fields.outcome}`,
      `Resource: ${finding.resourceArn}`,
      `Finding: ${finding.id}`,
      `Workflow status set to: ${fields.workflowStatus}`,
      '',
      text,
      '',
      `Execution: ${execution.id}`,
    ].join('\n'),
  };
}

export function decideByMode(
  finding: ValidatedFinding,
  settings: RuntimeSettings,
  execution: ExecutionIdentity,
): ModeDecision {
  const mode = settings.modes[finding.control.id as keyof RuntimeSettings['modes']];
  if (mode === 'off') return { kind: 'ignore', reason: `${finding.control.id} is switched off` };
  const remediation = finding.control.remediation;
  if (mode === 'notify' || !remediation) {
    const why = remediation
      ? `Not remediated automatically: ${finding.control.id} is in notify mode.`
      : `${finding.control.id} has no automatic remediation.`;
    return {
      kind: 'annotate',
      annotation: annotation(finding, execution, {
        workflowStatus: 'NOTIFIED',
        outcome: 'NOTIFIED',
        headline: 'needs attention',
        note: `${finding.control.title} (${resourceName(finding)}). ${why} What to do: ${finding.control.guidance(resourceName(finding))}`,
      }),
    };
  }
  return { kind: 'continue' };
}

export interface Tag {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

export function isExempt(tags: readonly Tag[], exemption: RuntimeSettings['exemptionTag']): boolean {
  return tags.some((tag) => tag.Key === exemption.key && tag.Value === exemption.value);
}

export function exemptAnnotation(
  finding: ValidatedFinding,
  settings: RuntimeSettings,
  execution: ExecutionIdentity,
): Annotation {
  const { key, value } = settings.exemptionTag;
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'SKIPPED_EXEMPT',
    headline: 'skipped (exempt)',
    note: `Skipped: notebook instance ${resourceName(finding)} has the exemption tag ${key}=${value}, so ${finding.control.id} was not remediated and nothing was changed. To remediate, remove the tag and set this finding back to NEW.`,
  });
}

/** Another execution holds the lock: never a second stop/start cycle. */
export function decideWhenLocked(
  finding: ValidatedFinding,
  holder: LockHolder,
  execution: ExecutionIdentity,
): Decision {
  if (holder.findingId === finding.id) {
    return { kind: 'ignore', reason: `finding is already being remediated by ${holder.executionArn}` };
  }
  return {
    kind: 'annotate',
    annotation: annotation(finding, execution, {
      workflowStatus: 'NOTIFIED',
      outcome: 'ALREADY_IN_PROGRESS',
      headline: 'already in progress',
      note: `Notebook instance ${resourceName(finding)} is already being remediated by execution ${holder.executionArn} (finding ${holder.findingId}). This finding was not acted on separately; it passes once that remediation completes.`,
    }),
  };
}

/** The lock key: one remediation at a time per resource, whichever control or finding started it. */
export function lockKeyFor(finding: ValidatedFinding): string {
  return finding.resourceArn.toLowerCase();
}

const UNKNOWN_NOTEBOOK: ObservedNotebook = { status: 'Unknown', settings: unknownSettings() };

const NO_RECREATION: RecreatePlanDetails = {
  approvalKey: '',
  approvalExpiresAt: 0,
  summary: '',
  approvalNote: '',
  approvalSubject: '',
  approvalMessage: '',
  fixes: [],
  what: '',
  noun: '',
};

/** An OCSF finding's annotation also says its status as the status_id BatchUpdateFindingsV2 takes. */
function withStatusId(finding: ValidatedFinding, annotation: Annotation): Annotation {
  return finding.format === 'ocsf'
    ? { ...annotation, statusId: OCSF_STATUS_IDS[annotation.workflowStatus] }
    : annotation;
}

/** The account and Region of the finding's resource, and the member role the workflow acts there as. */
export function memberTargetOf(
  finding: Pick<ValidatedFinding, 'accountId' | 'region'>,
  members: Pick<MemberRoleSettings, 'roleName'>,
): MemberTargetPlan {
  const target = { accountId: finding.accountId, region: finding.region };
  return { ...target, roleArn: memberRoleArn(members, target) };
}

/** Assembles PlanRemediation's result; every field is present so every JSONPath resolves. */
export function buildPlanResult(
  finding: ValidatedFinding,
  timing: WorkflowTiming,
  decision: Decision,
  members: Pick<MemberRoleSettings, 'roleName'>,
): PlanResult {
  const name = resourceName(finding);
  const remediation =
    decision.kind !== 'remediate'
      ? 'none'
      : decision.recreate && !decision.resource
        ? 'recreate-notebook'
        : (finding.control.remediation?.name ?? 'none');
  return {
    plan: {
      action: decision.kind,
      controlId: finding.control.id,
      remediation,
      finding: {
        id: finding.id,
        productArn: finding.productArn,
        ...(finding.format === 'ocsf' ? { format: 'ocsf' as const, accountId: finding.accountId } : {}),
      },
      // Each in the list of its API (ocsf-plan-notes.ts): an ASFF finding in the first, an OCSF one in the second.
      findingIdentifiers:
        finding.format === 'ocsf' ? [] : [{ Id: finding.id, ProductArn: finding.productArn }],
      ocsfFindingIdentifiers:
        finding.format === 'ocsf'
          ? [
              {
                CloudAccountUid: finding.accountId,
                FindingInfoUid: finding.id,
                MetadataProductUid: finding.productArn,
              },
            ]
          : [],
      notebook: { name, arn: finding.resourceArn },
      target: memberTargetOf(finding, members),
      lock: { key: lockKeyFor(finding) },
      timing,
      annotation: withStatusId(
        finding,
        decision.kind === 'annotate'
          ? decision.annotation
          : { workflowStatus: 'NOTIFIED', outcome: 'NOTIFIED', note: '', subject: '', message: '' },
      ),
      resolvedSubject: toSubject(
        `${decision.kind === 'remediate' && decision.recreate && !decision.resource ? 'SageMaker notebook recreated' : `${finding.control.id} remediated`}: ${name}`,
      ),
      recreate: decision.kind === 'remediate' && decision.recreate ? decision.recreate : NO_RECREATION,
      resource:
        decision.kind === 'remediate' && decision.resource
          ? decision.resource
          : {
              kind: finding.control.kind,
              name,
              arn: finding.resourceArn,
              fixes: [finding.control.id],
              tags: [],
              summary: '',
            },
      // Set by the planner when it took the notebook's lock over from an execution that had ended.
      lockTakeover: '',
    },
    notebook: decision.kind === 'remediate' ? decision.notebook : UNKNOWN_NOTEBOOK,
    runState: { wasRunning: decision.kind === 'remediate' && decision.wasRunning },
  };
}

/**
 * Settings for a run someone asked for with "Remediate now": the finding's control, if it has a
 * remediation and is in notify mode, runs as that remediation normally would (root access: at once;
 * recreation: still after an approval). A control switched off stays off.
 */
export function settingsForRemediateNow(
  settings: RuntimeSettings,
  finding: ValidatedFinding,
): RuntimeSettings {
  const controlId = finding.control.id as keyof RuntimeSettings['modes'];
  const remediation = finding.control.remediation;
  if (!remediation || settings.modes[controlId] !== 'notify') return settings;
  // Still behind an approval where the fix is approval-gated; at once where it is not.
  const requested = (APPROVAL_GATED_ENGINES as readonly string[]).includes(remediation.name)
    ? 'approval'
    : 'auto';
  return { ...settings, modes: { ...settings.modes, [controlId]: requested } };
}
