/**
 * What the approvals command works out from the approval table before it changes anything: which plan
 * a finding belongs to, which plans wait for approval, and what the waiting execution is told. Pure:
 * the records are read and decided with the custom actions' own functions (approval-record.ts,
 * custom-action-event.ts); only this command's own wording is here.
 */
import * as z from 'zod/mini';
import { type ApprovalsLocation, approvalCommand } from '../../handlers/shared/approval-command.js';
import { type ApprovalRecord, parseApprovalItem } from '../../handlers/shared/approval-record.js';
import { PLAN_ITEM_ATTRIBUTES } from '../../handlers/shared/notebook-locks.js';
import { truncate } from '../../handlers/shared/plan-decisions.js';
import {
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
  APPROVAL_PLAN_SUMMARY_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
} from '../../stacks/approval-table-schema.js';
import { ARGUMENT_MAX_LENGTHS } from '../../statemachines/message-limits.js';

/** The rejection's cause goes into the rejection note and alert, which bound it (message-limits.ts). */
export const REJECTION_CAUSE_LIMIT = ARGUMENT_MAX_LENGTHS['$.rejection.Cause'] ?? 200;

/** The identifier attributes of a plan's finding entry that never name a finding. */
const NOT_FINDING_IDS: ReadonlySet<string> = new Set(['ProductArn', 'CloudAccountUid', 'MetadataProductUid']);

const planExtras = z.looseObject({
  [APPROVAL_TABLE_KEY]: z.string().check(z.minLength(1)),
  [APPROVAL_PLAN_SUMMARY_ATTRIBUTE]: z.optional(z.string()),
  [PLAN_ITEM_ATTRIBUTES.plannedAt]: z.optional(z.string()),
  [APPROVAL_FINDINGS_ATTRIBUTE]: z.optional(z.array(z.record(z.string(), z.unknown()))),
  [APPROVAL_OCSF_FINDINGS_ATTRIBUTE]: z.optional(z.array(z.record(z.string(), z.unknown()))),
});

/** One plan item as scanned: its record, as the custom actions read it, and what the listing shows. */
export interface ScannedPlan {
  readonly key: string;
  readonly record: ApprovalRecord;
  readonly summary: string;
  readonly plannedAt?: string;
  /** Every identifier of every finding of the plan (ASFF Id, OCSF uid): what --finding is matched on. */
  readonly findingIdentifiers: ReadonlySet<string>;
}

/** The scanned items as plans, and the items that cannot be trusted (named by key, with why). */
export function readScannedPlans(items: readonly Record<string, unknown>[]): {
  readonly plans: ScannedPlan[];
  readonly unreadable: string[];
} {
  const plans: ScannedPlan[] = [];
  const unreadable: string[] = [];
  for (const item of items) {
    const key = typeof item[APPROVAL_TABLE_KEY] === 'string' ? item[APPROVAL_TABLE_KEY] : '(no key)';
    const read = parseApprovalItem(item);
    const extras = planExtras.safeParse(item);
    if (read.kind !== 'found' || !extras.success) {
      const problems = read.kind === 'unreadable' ? read.problems : ['not a plan item'];
      unreadable.push(`${key}: ${problems.join('; ')}`);
      continue;
    }
    const data = extras.data;
    const identifiers = new Set<string>();
    const entries = [
      ...(data[APPROVAL_FINDINGS_ATTRIBUTE] ?? []),
      ...(data[APPROVAL_OCSF_FINDINGS_ATTRIBUTE] ?? []),
    ];
    for (const entry of entries) {
      for (const [name, value] of Object.entries(entry)) {
        if (typeof value === 'string' && value !== '' && !NOT_FINDING_IDS.has(name)) identifiers.add(value);
      }
    }
    plans.push({
      key: data[APPROVAL_TABLE_KEY],
      record: read.record,
      summary: data[APPROVAL_PLAN_SUMMARY_ATTRIBUTE] ?? '',
      ...(data[PLAN_ITEM_ATTRIBUTES.plannedAt] ? { plannedAt: data[PLAN_ITEM_ATTRIBUTES.plannedAt] } : {}),
      findingIdentifiers: identifiers,
    });
  }
  return { plans, unreadable };
}

/** The plans that list this finding (one, unless the table is not as the workflow writes it). */
export function plansListing(plans: readonly ScannedPlan[], findingId: string): ScannedPlan[] {
  return plans.filter((plan) => plan.findingIdentifiers.has(findingId));
}

/** The control of a Security Hub control finding, from its id (`.../SageMaker.1/finding/<uuid>`). */
export function controlOfFinding(findingId: string): string | undefined {
  return /\/(SageMaker\.\d+)\/finding\//.exec(findingId)?.[1];
}

/** The resource's name: the last part of its ARN, as the custom actions' notes name it. */
export function resourceNameOf(resourceArn: string): string {
  return resourceArn.split('/').pop() || resourceArn;
}

/** A plan waiting for approval, as list-pending shows it. */
export interface PendingPlan {
  /** The execution that waits. */
  readonly plan: string;
  /** The resource's ARN, as the table keys it (lowercase). */
  readonly resource: string;
  readonly controls: readonly string[];
  readonly findings: readonly string[];
  readonly summary: string;
  readonly plannedAt?: string;
  /** Seconds since it was planned, when the item says when. */
  readonly ageSeconds?: number;
  /** When the approval window closes. */
  readonly expires: string;
  /** The commands that decide it, exactly. */
  readonly approve: string;
  readonly reject: string;
}

/**
 * The plans a human can decide now: PENDING and within their window (decideApproval would refuse any
 * other), the oldest first.
 */
export function pendingPlans(
  plans: readonly ScannedPlan[],
  now: Date,
  location: ApprovalsLocation,
): PendingPlan[] {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return plans
    .filter(
      ({ record }) => record.approval.status === 'PENDING' && record.approval.approvalDeadline > nowSeconds,
    )
    .map((scanned) => {
      const { approval } = scanned.record;
      const findingId = approval.findingIds[0];
      // Any finding of the plan selects it; without one, the resource does.
      const selector = findingId ? { findingId } : { resourceArn: scanned.key };
      const planned = scanned.plannedAt ? Date.parse(scanned.plannedAt) : Number.NaN;
      const controls = approval.findingIds.map(controlOfFinding).filter((id) => id !== undefined);
      return {
        plan: approval.executionArn,
        resource: scanned.key,
        controls: [...new Set(controls)].sort(),
        findings: [...approval.findingIds],
        summary: scanned.summary,
        ...(scanned.plannedAt ? { plannedAt: scanned.plannedAt } : {}),
        ...(Number.isNaN(planned)
          ? {}
          : { ageSeconds: Math.max(0, Math.floor((now.getTime() - planned) / 1000)) }),
        expires: new Date(approval.approvalDeadline * 1000).toISOString(),
        approve: approvalCommand('approve', selector, location),
        reject: approvalCommand('reject', selector, location),
      };
    })
    .sort(
      (a, b) => (a.plannedAt ?? '').localeCompare(b.plannedAt ?? '') || a.resource.localeCompare(b.resource),
    );
}

/** SendTaskSuccess's output: what the waiting execution gets, with who approved. */
export function approvalOutput(approvedBy: string, decidedAt: string): string {
  return JSON.stringify({ approvedAt: decidedAt, approvedBy, action: 'approve' });
}

/**
 * SendTaskFailure's cause, which the rejection note and alert quote: who rejected, and why. Within the
 * bound the note templates are measured with; the approval record keeps the whole ARN.
 */
export function rejectionCause(rejectedBy: string, reason: string | undefined): string {
  return truncate(`Rejected by ${rejectedBy}${reason ? `: ${reason}` : ''}`, REJECTION_CAUSE_LIMIT);
}

/** `3d 4h`, `2h 5m`, `7m`: an age at a glance. */
export function formatAge(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m`;
}
