/**
 * What a custom action click decided, per notebook or finding, and the notes that say so: pure, so the
 * handler (custom-action.ts) only does the I/O in order.
 */

import { createHash } from 'node:crypto';
import { approvalKeyFor } from '../../stacks/approval-table-schema.js';
import { APPROVAL_GATED_ENGINES } from './controls-catalogue.js';
import type { CustomAction } from './custom-action-event.js';
import type { ValidatedFinding } from './finding-event.js';
import { MAX_FINDINGS_PER_CALL, TRANSIENT_REFUSALS } from './finding-notes.js';
import { NOTE_LIMIT, truncate } from './plan-decisions.js';

export type CustomActionOutcome =
  | 'approved'
  | 'rejected'
  | 'annotated'
  | 'started'
  | 'already-started'
  | 'execution-gone';

export interface CustomActionDecision {
  /** The notebook's name (or, for another resource, the last part of its ARN). */
  readonly notebook: string;
  readonly findingIds: readonly string[];
  readonly outcome: CustomActionOutcome;
  /** The note written on the findings, when one was. */
  readonly note?: string;
  /** The execution that was approved, rejected, found gone or started. */
  readonly executionArn?: string;
}

export interface UnprocessedFinding {
  readonly id: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface CustomActionResult {
  /** `invalid` when the event was rejected before its action could be trusted. */
  readonly action: CustomAction | 'invalid';
  /** Why the event was rejected; nothing was done. */
  readonly rejected?: readonly string[];
  readonly decisions: readonly CustomActionDecision[];
  /** Findings Security Hub did not annotate (also logged as errors). */
  readonly unprocessedFindings?: readonly UnprocessedFinding[];
}

/** Security Hub takes at most 100 finding identifiers per BatchUpdateFindings call. */
export const MAX_FINDINGS_PER_UPDATE = MAX_FINDINGS_PER_CALL;

/**
 * Refusals of a note that a later attempt can clear (finding-notes.ts): a concurrent update of the
 * finding, an internal failure. Others (FindingNotFound, InvalidInput, ...) would fail the same way
 * again, so they are only logged and returned.
 */
export const TRANSIENT_NOTE_ERRORS: ReadonlySet<string> = TRANSIENT_REFUSALS;

/**
 * SendTaskSuccess / SendTaskFailure errors that mean the waiting task no longer exists: the execution
 * timed out, was stopped, or finished (the custom action and bin/approvals.ts both read them so).
 */
export const TASK_GONE_ERRORS: ReadonlySet<string> = new Set([
  'TaskDoesNotExist',
  'TaskTimedOut',
  'InvalidToken',
]);

/** Findings of one resource selected in one click: one plan, one record, one decision. */
export interface ResourceGroup {
  /** The approval table key of the resource. */
  readonly key: string;
  readonly name: string;
  /** Its control's fix waits for an approval (a notebook's recreation, another resource's approved change). */
  readonly approvable: boolean;
  readonly findings: readonly ValidatedFinding[];
}

export function resourceName(finding: ValidatedFinding): string {
  return finding.notebookName ?? finding.resourceArn.split('/').pop() ?? finding.resourceArn;
}

/** The selected findings by resource, in the order each resource first appears. */
export function groupByResource(findings: readonly ValidatedFinding[]): ResourceGroup[] {
  const groups = new Map<string, { name: string; approvable: boolean; findings: ValidatedFinding[] }>();
  for (const finding of findings) {
    const key = approvalKeyFor(finding.resourceArn);
    const group = groups.get(key);
    if (group) {
      group.findings.push(finding);
    } else {
      groups.set(key, {
        name: resourceName(finding),
        approvable: (APPROVAL_GATED_ENGINES as readonly string[]).includes(
          finding.control.remediation?.name ?? 'none',
        ),
        findings: [finding],
      });
    }
  }
  return [...groups].map(([key, group]) => ({ key, ...group }));
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * The Remediate now execution name: one per finding and event (1-80 of [0-9A-Za-z-_]), so EventBridge
 * redelivering the same event finds the execution already there instead of starting a second one.
 */
export function remediateNowExecutionName(findingId: string, eventId: string): string {
  return `remediate-now-${shortHash(findingId)}-${shortHash(eventId)}`;
}

/** The findings exactly as the event carried them (parseCustomActionEvent keeps their order). */
export function receivedFindings(event: unknown): readonly unknown[] {
  const detail = (event as { detail?: { findings?: unknown } }).detail;
  return Array.isArray(detail?.findings) ? detail.findings : [];
}

type Verdict = 'approve' | 'reject';
const pastOf = (verdict: Verdict) => (verdict === 'approve' ? 'approved' : 'rejected');

/** The notes of the clicks that change nothing, each within Security Hub's 512 characters. */
export const approvalNotes = {
  notApprovable: (verdict: Verdict, resourceArn: string): string =>
    truncate(
      `Nothing to ${verdict}: only changes that wait for an approval (a notebook instance's recreation, or an approval-gated change of another resource) can be approved or rejected, and this finding's control has none for ${resourceArn}. Nothing was changed.`,
      NOTE_LIMIT,
    ),
  unreadable: (verdict: Verdict, notebook: string): string =>
    truncate(
      `Nothing was ${pastOf(verdict)}: the approval record of notebook instance ${notebook} is malformed, so nothing was changed. The remediation keeps waiting until its approval window closes; ask the operators to check the approval table (the handler logged what is wrong).`,
      NOTE_LIMIT,
    ),
  planChanged: (verdict: Verdict, notebook: string, executionArn: string): string =>
    truncate(
      `Nothing was ${pastOf(verdict)}: the remediation plan of notebook instance ${notebook} changed while this click was processed (it is now execution ${executionArn}). Review the new plan and choose the action again.`,
      NOTE_LIMIT,
    ),
  /** Decided, but the execution was no longer waiting: the record keeps the decision. */
  executionGone: (
    verdict: Verdict,
    notebook: string,
    executionArn: string,
    decidedAt: string,
    error: string,
  ): string => {
    const past = pastOf(verdict);
    return truncate(
      `${past === 'approved' ? 'Approved' : 'Rejected'} at ${decidedAt}, but the remediation of notebook instance ${notebook} (execution ${executionArn}) was no longer waiting (${error}): it timed out, was stopped or already ended. Nothing was changed; its approval record stays ${past.toUpperCase()}. Use the Remediate now action to plan it again.`,
      NOTE_LIMIT,
    );
  },
};

export interface NoteUpdate {
  readonly text: string;
  readonly identifiers: ReadonlyArray<{ readonly Id: string; readonly ProductArn: string | undefined }>;
}

/**
 * The BatchUpdateFindings calls that write the decisions' notes: one per distinct note, its findings
 * in the order decided, split at Security Hub's 100 findings per call.
 */
export function noteUpdates(
  decisions: readonly CustomActionDecision[],
  findings: readonly ValidatedFinding[],
): NoteUpdate[] {
  const productArns = new Map(findings.map((finding) => [finding.id, finding.productArn]));
  const byNote = new Map<string, Array<{ Id: string; ProductArn: string | undefined }>>();
  for (const decision of decisions) {
    if (!decision.note) continue;
    const identifiers = byNote.get(decision.note) ?? [];
    for (const id of decision.findingIds) identifiers.push({ Id: id, ProductArn: productArns.get(id) });
    byNote.set(decision.note, identifiers);
  }
  const updates: NoteUpdate[] = [];
  for (const [text, identifiers] of byNote) {
    for (let start = 0; start < identifiers.length; start += MAX_FINDINGS_PER_UPDATE) {
      updates.push({ text, identifiers: identifiers.slice(start, start + MAX_FINDINGS_PER_UPDATE) });
    }
  }
  return updates;
}

/** A note Security Hub refused, as an error named after its code. */
export function refusedNote(refused: UnprocessedFinding): Error {
  const error = new Error(refused.errorMessage);
  error.name = refused.errorCode;
  return error;
}
