/**
 * Security Hub custom actions (approve, reject, remediate now): validating the event and deciding,
 * per finding, what the click means. Pure, so every case is unit-tested; the handler does the I/O.
 *
 * Only events whose action ARN is one of this deployment's own, from its own account and region,
 * are accepted: anyone who can put events on the bus could otherwise approve a deletion.
 */
import * as z from 'zod/mini';
import type { ApprovalStatus } from '../../stacks/approval-table-schema.js';
import type { RemediationMode } from './controls-catalogue.js';
import {
  type Expectations,
  foreignEventProblems,
  InvalidFindingEvent,
  type ValidatedFinding,
  validateFinding,
} from './finding-event.js';
import { describeIssues } from './validation.js';

export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

export type CustomAction = 'approve' | 'reject' | 'remediate-now';

/** The `error` of SendTaskFailure on a rejection; the state machine's approval wait catches it by name. */
export const REJECTION_ERROR = 'RemediationRejected';

/** Security Hub sends at most 100 selected findings in one custom action event. */
export const MAX_FINDINGS_PER_ACTION = 100;

const customActionEvent = z.looseObject({
  id: z.string(),
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal(CUSTOM_ACTION_DETAIL_TYPE),
  account: z.string(),
  region: z.string(),
  time: z.string(),
  resources: z.array(z.string()).check(z.length(1, 'must name exactly one action')),
  detail: z.looseObject({
    actionName: z.optional(z.string()),
    findings: z
      .array(z.unknown())
      .check(z.minLength(1), z.maxLength(MAX_FINDINGS_PER_ACTION, 'at most 100 findings')),
  }),
});

export interface ParsedCustomAction {
  readonly action: CustomAction;
  readonly actionArn: string;
  readonly eventId: string;
  readonly time: string;
  readonly findings: readonly ValidatedFinding[];
}

/**
 * Validates a custom action event against this deployment's three action ARNs, or throws
 * InvalidFindingEvent listing every problem. One bad finding rejects the whole event: a forged or
 * corrupted selection must not half-approve anything.
 */
export function parseCustomActionEvent(
  event: unknown,
  actions: Readonly<Record<CustomAction, string>>,
  expected: Expectations,
): ParsedCustomAction {
  const parsed = customActionEvent.safeParse(event);
  if (!parsed.success) throw new InvalidFindingEvent(describeIssues(parsed.error));
  const data = parsed.data;
  const problems = foreignEventProblems(data, expected);
  const actionArn = data.resources[0] ?? '';
  const action = (Object.keys(actions) as CustomAction[]).find((name) => actions[name] === actionArn);
  if (!action) problems.push(`action ${actionArn} is not one of this deployment's custom actions`);
  const findings: ValidatedFinding[] = [];
  data.detail.findings.forEach((raw, index) => {
    const checked = validateFinding(raw, data.region, expected);
    problems.push(...checked.problems.map((problem) => `detail.findings.${index}: ${problem}`));
    if (checked.finding) findings.push(checked.finding);
  });
  if (problems.length > 0 || !action) throw new InvalidFindingEvent(problems);
  return { action, actionArn, eventId: data.id, time: data.time, findings };
}

/** A recreation plan, as the approval table records it. */
export interface PendingApproval {
  readonly executionArn: string;
  readonly findingIds: readonly string[];
  /** PLANNED: not waiting yet; PENDING: waiting for a human; APPROVED / REJECTED: decided. */
  readonly status: ApprovalStatus;
  /** Epoch seconds at which the approval window closes. */
  readonly approvalDeadline: number;
  readonly decidedAt?: string;
}

export type ApprovalVerdict =
  | { readonly kind: 'approve'; readonly approval: PendingApproval }
  | { readonly kind: 'reject'; readonly approval: PendingApproval }
  | { readonly kind: 'annotate'; readonly note: string };

/**
 * What an approve or reject click on a finding does, given the notebook's plan: only a PENDING plan
 * within its window is decided. A decided plan says when it was decided, even after its window.
 */
export function decideApproval(
  action: 'approve' | 'reject',
  notebookName: string,
  approval: PendingApproval | undefined,
  now: Date,
): ApprovalVerdict {
  if (!approval) {
    return {
      kind: 'annotate',
      note: `Nothing to ${action}: no remediation of notebook instance ${notebookName} is waiting for approval, so nothing was changed. Use the Remediate now action to plan one.`,
    };
  }
  if (approval.status === 'APPROVED' || approval.status === 'REJECTED') {
    return {
      kind: 'annotate',
      note: `Nothing to ${action}: the remediation of notebook instance ${notebookName} (execution ${approval.executionArn}) was already ${approval.status.toLowerCase()}${approval.decidedAt ? ` at ${approval.decidedAt}` : ''}. Nothing was changed.`,
    };
  }
  if (approval.approvalDeadline <= Math.floor(now.getTime() / 1000)) {
    const closed = new Date(approval.approvalDeadline * 1000).toISOString();
    return {
      kind: 'annotate',
      note: `Too late to ${action}: the approval window for notebook instance ${notebookName} closed at ${closed}, and nothing was changed. Use the Remediate now action to plan it again.`,
    };
  }
  if (approval.status === 'PLANNED') {
    return {
      kind: 'annotate',
      note: `Nothing to ${action} yet: the recreation plan of notebook instance ${notebookName} (execution ${approval.executionArn}) is still being submitted for approval. Nothing was changed; choose the action again in a minute.`,
    };
  }
  return action === 'approve' ? { kind: 'approve', approval } : { kind: 'reject', approval };
}

export type RemediateNowVerdict =
  | { readonly kind: 'start' }
  | { readonly kind: 'annotate'; readonly note: string };

/** Remediate now starts the workflow for controls a human has to trigger: approval or notify mode. */
export function decideRemediateNow(finding: ValidatedFinding, mode: RemediationMode): RemediateNowVerdict {
  if (mode === 'approval' || mode === 'notify') return { kind: 'start' };
  const why =
    mode === 'off'
      ? `${finding.control.id} is switched off in this deployment`
      : `${finding.control.id} is remediated automatically when Security Hub reports it; set the finding back to NEW to run it again`;
  return { kind: 'annotate', note: `Remediate now was not started: ${why}. Nothing was changed.` };
}
