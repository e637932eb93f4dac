/**
 * The sweeper's decisions, as pure functions: which lock and plan items are stale, which findings
 * are told, and what the notes and the alert say. handlers/sweep-stale-records.ts does the I/O.
 *
 * - A lock is stale once it has expired (its holder's time is up: DynamoDB's TTL only deletes it days
 *   later) or its holder's execution has ended without releasing it.
 * - A PLANNED or PENDING plan is stale once its execution has ended, or it is still there a grace
 *   period after its approval deadline (the wait itself ends at the deadline). An APPROVED or REJECTED
 *   plan is carried out or closed by its execution, and the clean-up after an abort owns it: it is
 *   cleared, without a note (they wrote the outcome), only once its execution has ended and left it.
 *
 * The finding of a record whose execution SUCCEEDED already has that execution's outcome, and that of
 * an expired lock whose execution still runs will get it: neither is written on. Every other finding
 * is told what was held, by which execution, how it ended, and to set the finding back to NEW (an
 * OCSF finding of the new Security Hub as well as an ASFF one: handlers/shared/finding-notes.ts).
 */

import * as z from 'zod/mini';
import {
  APPROVAL_DEADLINE_ATTRIBUTE,
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_EXPIRY_ATTRIBUTE,
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
} from '../../stacks/approval-table-schema.js';
import {
  LOCK_EXPIRY_ATTRIBUTE,
  LOCK_OWNER_ATTRIBUTE,
  LOCK_REMEDIATION_ATTRIBUTE,
  LOCK_TABLE_KEY,
} from '../../statemachines/lock-table.js';
import { parseSageMakerArn, RESOURCE_KINDS } from './controls/resource-kinds.js';
import {
  describeEnd,
  executionName,
  type HolderEnd,
  type HolderStatus,
  holderEnd,
} from './execution-status.js';
import {
  dateOf,
  epochSeconds,
  LOCK_ITEM_ATTRIBUTES,
  lockHeldSince,
  type OcsfFindingIdentifier,
  PLAN_ITEM_ATTRIBUTES,
  type PlanFinding,
  planFindingId,
} from './notebook-locks.js';
import { NOTE_LIMIT, SUBJECT_LIMIT, truncate } from './plan-decisions.js';

/**
 * The plan statuses the sweeper judges by their execution and deadline: nothing has been changed under
 * them. A decided plan (APPROVED, REJECTED) is only cleared once its execution has ended ('left').
 */
const WAITING_PLAN_STATUSES: readonly string[] = ['PLANNED', 'PENDING'];

/** How long after its approval deadline a waiting plan is left to its own execution's closing. */
export const PLAN_DEADLINE_GRACE_SECONDS = 60 * 60;

/** Lines of the alert that name one cleared record each; the rest are counted. */
export const MAX_ALERT_RECORD_LINES = 200;

/** Lines of the alert that name one problem each; the rest are counted (all are in the log). */
const MAX_ALERT_PROBLEM_LINES = 50;

export interface LockRecord {
  readonly kind: 'lock';
  readonly key: string;
  readonly owner: string;
  readonly remediation: string;
  readonly findingId: string;
  /** The finding as BatchUpdateFindingsV2 identifies it, when it is an OCSF finding. */
  readonly ocsfFinding?: OcsfFindingIdentifier;
  /** Since when its owner holds it (undefined for a clean-up's: lockHeldSince). */
  readonly acquiredAt: Date | undefined;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface PlanRecord {
  readonly kind: 'plan';
  readonly key: string;
  readonly owner: string;
  readonly status: string;
  /** Its ASFF findings, then its OCSF findings (each list as the item holds it). */
  readonly findings: readonly PlanFinding[];
  readonly plannedAt: Date | undefined;
  /** Epoch seconds. */
  readonly approvalDeadline: number;
}

export type StaleRecord = LockRecord | PlanRecord;

/** Why a record is stale. */
export type Staleness =
  | { readonly kind: 'ended'; readonly end: HolderEnd }
  | { readonly kind: 'expired'; readonly status: HolderStatus }
  | { readonly kind: 'overdue'; readonly status: HolderStatus }
  /** An APPROVED or REJECTED plan whose execution (and its clean-up) ended without deleting it. */
  | { readonly kind: 'left'; readonly end: HolderEnd };

const ocsfIdentifier = z.object({
  CloudAccountUid: z.string(),
  FindingInfoUid: z.string(),
  MetadataProductUid: z.string(),
});

const lockItem = z.looseObject({
  [LOCK_TABLE_KEY]: z.string(),
  [LOCK_OWNER_ATTRIBUTE]: z.string(),
  [LOCK_EXPIRY_ATTRIBUTE]: z.number(),
  [LOCK_REMEDIATION_ATTRIBUTE]: z.optional(z.string()),
  [LOCK_ITEM_ATTRIBUTES.findingId]: z.optional(z.string()),
  [LOCK_ITEM_ATTRIBUTES.acquiredAt]: z.optional(z.string()),
  [LOCK_ITEM_ATTRIBUTES.ocsfFinding]: z.optional(ocsfIdentifier),
});

const planItem = z.looseObject({
  [APPROVAL_TABLE_KEY]: z.string(),
  [APPROVAL_EXECUTION_ARN_ATTRIBUTE]: z.string(),
  [APPROVAL_STATUS_ATTRIBUTE]: z.string(),
  [APPROVAL_DEADLINE_ATTRIBUTE]: z.number(),
  [APPROVAL_EXPIRY_ATTRIBUTE]: z.optional(z.number()),
  [APPROVAL_FINDINGS_ATTRIBUTE]: z.optional(z.array(z.object({ Id: z.string(), ProductArn: z.string() }))),
  [APPROVAL_OCSF_FINDINGS_ATTRIBUTE]: z.optional(z.array(ocsfIdentifier)),
  [PLAN_ITEM_ATTRIBUTES.plannedAt]: z.optional(z.string()),
});

/** A lock item as the document client reads it, or undefined when it is not one the workflow writes. */
export function lockRecordOf(item: Record<string, unknown>): LockRecord | undefined {
  const parsed = lockItem.safeParse(item);
  if (!parsed.success) return undefined;
  const lock = parsed.data;
  return {
    kind: 'lock',
    key: lock[LOCK_TABLE_KEY],
    owner: lock[LOCK_OWNER_ATTRIBUTE],
    remediation: lock[LOCK_REMEDIATION_ATTRIBUTE] ?? '',
    findingId: lock[LOCK_ITEM_ATTRIBUTES.findingId] ?? '',
    ...(lock[LOCK_ITEM_ATTRIBUTES.ocsfFinding]
      ? { ocsfFinding: lock[LOCK_ITEM_ATTRIBUTES.ocsfFinding] }
      : {}),
    acquiredAt: lockHeldSince(lock[LOCK_REMEDIATION_ATTRIBUTE], lock[LOCK_ITEM_ATTRIBUTES.acquiredAt]),
    expiresAt: lock[LOCK_EXPIRY_ATTRIBUTE],
  };
}

/** A plan item as the document client reads it, or undefined when it is not one the workflow writes. */
export function planRecordOf(item: Record<string, unknown>): PlanRecord | undefined {
  const parsed = planItem.safeParse(item);
  if (!parsed.success) return undefined;
  const plan = parsed.data;
  return {
    kind: 'plan',
    key: plan[APPROVAL_TABLE_KEY],
    owner: plan[APPROVAL_EXECUTION_ARN_ATTRIBUTE],
    status: plan[APPROVAL_STATUS_ATTRIBUTE],
    findings: [
      ...(plan[APPROVAL_FINDINGS_ATTRIBUTE] ?? []),
      ...(plan[APPROVAL_OCSF_FINDINGS_ATTRIBUTE] ?? []),
    ],
    plannedAt: dateOf(plan[PLAN_ITEM_ATTRIBUTES.plannedAt]),
    approvalDeadline: plan[APPROVAL_DEADLINE_ATTRIBUTE],
  };
}

/** Whether the record is stale, given its holder's status; undefined when it is not (yet). */
export function staleness(record: StaleRecord, status: HolderStatus, now: Date): Staleness | undefined {
  const end = holderEnd(status, record.kind === 'lock' ? record.acquiredAt : record.plannedAt, now);
  if (record.kind === 'plan' && !WAITING_PLAN_STATUSES.includes(record.status)) {
    // Decided: its execution writes the outcome and closes it; one left after that ended is cleared.
    return end !== undefined ? { kind: 'left', end } : undefined;
  }
  if (end !== undefined) return { kind: 'ended', end };
  if (record.kind === 'lock') {
    return record.expiresAt < epochSeconds(now) ? { kind: 'expired', status } : undefined;
  }
  return record.approvalDeadline + PLAN_DEADLINE_GRACE_SECONDS < epochSeconds(now)
    ? { kind: 'overdue', status }
    : undefined;
}

/**
 * Whether the findings of a cleared record are told: not when its execution SUCCEEDED (they have its
 * outcome), nor for the expired lock of one that still runs (it writes its own finding's). An overdue
 * plan's are told whatever its execution: with the plan gone, it could no longer find them.
 */
export function tellsFindings(stale: Staleness): boolean {
  if (stale.kind === 'ended') return stale.end !== 'SUCCEEDED';
  // The execution, or the clean-up after it, wrote the outcome on the plan's findings.
  if (stale.kind === 'left') return false;
  if (stale.kind === 'overdue') return true;
  return !['RUNNING', 'PENDING_REDRIVE'].includes(stale.status);
}

/** The notebook's name as the record's key (its lowercased ARN) has it. */
export function notebookOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

const isoSeconds = (epochSeconds: number): string =>
  new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');

/** Why the record was cleared, as a clause: "its execution had ended ABORTED", ... */
function why(record: StaleRecord, stale: Staleness): string {
  switch (stale.kind) {
    case 'ended':
      return `execution ${executionName(record.owner)}, ${describeEnd(stale.end)}, had not released it`;
    case 'expired':
      return `it had expired at ${isoSeconds((record as LockRecord).expiresAt)} (execution ${executionName(record.owner)}: ${stale.status})`;
    case 'left':
      return `execution ${executionName(record.owner)}, ${describeEnd(stale.end)}, had not closed it`;
    case 'overdue':
      return `it was still waiting for approval ${Math.round(PLAN_DEADLINE_GRACE_SECONDS / 60)} minutes after its approval deadline ${isoSeconds((record as PlanRecord).approvalDeadline)} (execution ${executionName(record.owner)}: ${stale.status})`;
  }
}

/** The note written on the findings of a cleared record (at most 512 characters). */
export function clearedNote(record: StaleRecord, stale: Staleness, now: Date): string {
  const notebook = notebookOf(record.key);
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const arnType = parseSageMakerArn(record.key)?.arnType;
  const label = [...RESOURCE_KINDS.values()].find((kind) => kind.arnType === arnType)?.label;
  if (label && arnType !== 'notebook-instance') {
    // A resource beside notebooks: its approved change takes a snapshot before anything changes.
    return truncate(
      record.kind === 'lock'
        ? `The lock on ${label} ${notebook} (${record.remediation || 'a remediation'} for this finding) was cleared at ${at}: ${why(record, stale)}. That change did not finish, so the ${label} may be as it was left; its snapshot from before the change is in the bucket under resources/. Set this finding back to NEW to try again.`
        : `The plan to change ${label} ${notebook} (${record.status}) was cleared at ${at}: ${why(record, stale)}. It was never approved, so nothing was changed. Set this finding back to NEW to plan again.`,
      NOTE_LIMIT,
    );
  }
  const text =
    record.kind === 'lock'
      ? `The lock on notebook instance ${notebook} (${record.remediation || 'a remediation'} for this finding) was cleared at ${at}: ${why(record, stale)}. That remediation did not finish, so the notebook may be as it was left (check its status and root access). Set this finding back to NEW to try again.`
      : `The recreation plan of notebook instance ${notebook} (${record.status}) was cleared at ${at}: ${why(record, stale)}. It was never approved, so nothing was changed. Set this finding back to NEW to plan again.`;
  return truncate(text, NOTE_LIMIT);
}

/**
 * The findings a cleared record names: the lock's own (its OCSF identifier, or its id with Security
 * Hub's product), or the plan's lists.
 */
export function findingsOf(record: StaleRecord, securityHubProductArn: string): PlanFinding[] {
  if (record.kind === 'plan') return record.findings.filter((finding) => planFindingId(finding) !== '');
  if (record.ocsfFinding) return [record.ocsfFinding];
  return record.findingId ? [{ Id: record.findingId, ProductArn: securityHubProductArn }] : [];
}

/** A record the sweeper deleted, and what it did about its findings. */
export interface ClearedRecord {
  readonly record: StaleRecord;
  readonly stale: Staleness;
  /** How many of its findings were told (0 when none needed to be, or none could be). */
  readonly findingsNoted: number;
}

/** The one alert of a sweep that cleared something: subject, and a message naming each record. */
export function sweepAlert(
  cleared: readonly ClearedRecord[],
  problems: readonly string[],
  now: Date,
): { subject: string; message: string } {
  const locks = cleared.filter((entry) => entry.record.kind === 'lock').length;
  const plans = cleared.length - locks;
  const lines = cleared.slice(0, MAX_ALERT_RECORD_LINES).map(({ record, stale, findingsNoted }) => {
    const what =
      record.kind === 'lock'
        ? `Lock on ${notebookOf(record.key)} (${record.remediation || 'a remediation'}, finding ${record.findingId || 'unknown'})`
        : `${record.status} recreation plan of ${notebookOf(record.key)} (${record.findings.length} findings)`;
    return `- ${what}: ${why(record, stale)}. Execution ${record.owner}. Findings noted: ${findingsNoted}.`;
  });
  const more = cleared.length - lines.length;
  return {
    subject: truncate(
      `SageMaker remediation: ${locks} stale locks, ${plans} stale plans cleared`,
      SUBJECT_LIMIT,
    ),
    message: [
      `The scheduled sweep at ${now.toISOString()} cleared records that no running execution held:`,
      '',
      ...lines,
      ...(more > 0 ? [`- and ${more} more (see the sweeper's log group).`] : []),
      '',
      'Each finding noted says what was held and to set it back to NEW to try again. A finding whose execution succeeded already has its outcome and was left as it is.',
      ...(problems.length > 0
        ? [
            '',
            'Not done:',
            ...problems.slice(0, MAX_ALERT_PROBLEM_LINES).map((problem) => `- ${problem}`),
            ...(problems.length > MAX_ALERT_PROBLEM_LINES
              ? [`- and ${problems.length - MAX_ALERT_PROBLEM_LINES} more (see the sweeper's log group).`]
              : []),
          ]
        : []),
    ].join('\n'),
  };
}
