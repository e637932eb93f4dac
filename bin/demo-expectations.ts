/**
 * What outcome a demo finding should end with under the configuration actually deployed (modes, dry
 * run, the exemption tag), and the words for the outcome it did end with, read from the finding (its
 * workflow status) and the alerts of its executions (why it is NOTIFIED). Pure: the demo compares
 * the two, and the tests check the expectations configuration by configuration.
 */
import { findControl, type RemediationMode, resolveModes } from '../handlers/shared/controls-catalogue.js';
import {
  AWAITING_APPROVAL_NOTE_PREFIX,
  JOINED_PLAN_NOTE_PREFIX,
} from '../handlers/shared/remediation-plan.js';

/** What the expectation depends on besides the configuration. */
export interface FindingFacts {
  readonly controlId: string;
  /** The resource carries the configured exemption tag. */
  readonly exempt: boolean;
  /**
   * Another finding of the same control and resource was imported first and is fixed by its own
   * execution (a legacy per-standard finding beside the consolidated one).
   */
  readonly duplicate?: boolean;
  /** A security engineer approves the resource's plan. */
  readonly approved: boolean;
}

/** The part of the configuration the outcome depends on. */
export interface ExpectationSettings {
  readonly modes: Readonly<Record<string, RemediationMode | undefined>>;
  readonly dryRun: boolean;
}

export interface ExpectedOutcome {
  /** The workflow status the finding should end with: NEW when the workflow never receives it. */
  readonly status: 'RESOLVED' | 'NOTIFIED' | 'NEW';
  /** Why, for NOTIFIED: any of these (empty: any reason). */
  readonly reasons: readonly string[];
}

export interface ActualOutcome {
  readonly status: string;
  readonly reason?: string;
}

export const REASONS = {
  exempt: 'exempt',
  notify: 'notify mode',
  dryRun: 'dry run',
  awaiting: 'awaiting approval',
  joined: 'joined plan',
  duplicate: 'already in progress',
} as const;

/** The control's mode: the configured one, else the catalogue's default. */
export function modeOf(controlId: string, settings: ExpectationSettings): RemediationMode {
  if (!findControl(controlId)) return 'off';
  const modes = resolveModes(settings.modes as Parameters<typeof resolveModes>[0]);
  return modes[controlId as keyof typeof modes];
}

/** The controls whose configured mode is not the catalogue's default, as "SageMaker.3 notify". */
export function modesChanged(settings: ExpectationSettings): string[] {
  const defaults = resolveModes({});
  const configured = resolveModes(settings.modes as Parameters<typeof resolveModes>[0]);
  return Object.entries(configured).flatMap(([controlId, mode]) =>
    defaults[controlId as keyof typeof defaults] === mode ? [] : [`${controlId} ${mode}`],
  );
}

/** Whether the finding would wait for an approval: the demo approves only such plans. */
export function awaitsApproval(
  facts: Omit<FindingFacts, 'approved'>,
  settings: ExpectationSettings,
): boolean {
  return modeOf(facts.controlId, settings) === 'approval' && !facts.exempt && !settings.dryRun;
}

export function expectedOutcome(facts: FindingFacts, settings: ExpectationSettings): ExpectedOutcome {
  const mode = modeOf(facts.controlId, settings);
  // Off: the EventBridge rule does not even match its findings.
  if (mode === 'off') return { status: 'NEW', reasons: [] };
  // A notebook's mode is read before its tags, another resource's after: either reason may be given.
  const skipped = [...(facts.exempt ? [REASONS.exempt] : []), ...(mode === 'notify' ? [REASONS.notify] : [])];
  if (skipped.length > 0) return { status: 'NOTIFIED', reasons: skipped };
  if (settings.dryRun) return { status: 'NOTIFIED', reasons: [REASONS.dryRun] };
  if (mode === 'approval') {
    return facts.approved
      ? { status: 'RESOLVED', reasons: [] }
      : { status: 'NOTIFIED', reasons: [REASONS.awaiting, REASONS.joined] };
  }
  return facts.duplicate
    ? { status: 'NOTIFIED', reasons: [REASONS.duplicate] }
    : { status: 'RESOLVED', reasons: [] };
}

export function matchesExpectation(expected: ExpectedOutcome, actual: ActualOutcome): boolean {
  if (actual.status !== expected.status) return false;
  return (
    expected.reasons.length === 0 || (actual.reason !== undefined && expected.reasons.includes(actual.reason))
  );
}

export function expectedWords(expected: ExpectedOutcome): string {
  return expected.reasons.length === 0
    ? expected.status
    : `${expected.status}: ${expected.reasons.join(' or ')}`;
}

export function outcomeWords(actual: ActualOutcome): string {
  return actual.reason === undefined ? actual.status : `${actual.status}: ${actual.reason}`;
}

/** An alert's `outcome` attribute in words (RESOLVED says nothing the status does not). */
export function reasonOfAlert(outcome: string): string | undefined {
  switch (outcome) {
    case 'RESOLVED':
      return undefined;
    case 'SKIPPED_EXEMPT':
      return REASONS.exempt;
    case 'NOTIFIED':
      return REASONS.notify;
    case 'SKIPPED_OUT_OF_SCOPE':
      return 'out of scope';
    default:
      return outcome.toLowerCase().replaceAll('_', ' ');
  }
}

/** Why a finding is NOTIFIED, from its note, when no alert of its own says it (a finding that joined a plan). */
export function reasonOfNote(note: string): string | undefined {
  if (note.startsWith(AWAITING_APPROVAL_NOTE_PREFIX)) return REASONS.awaiting;
  if (note.startsWith(JOINED_PLAN_NOTE_PREFIX)) return REASONS.joined;
  if (note.startsWith('Skipped:') && note.includes('exemption tag')) return REASONS.exempt;
  if (note.startsWith('Dry run')) return REASONS.dryRun;
  if (note.includes('notify mode')) return REASONS.notify;
  return undefined;
}

/**
 * The outcome a finding ended with: its workflow status, and for one that is not RESOLVED (or was
 * already compliant) why, from the last alert of its executions or else its note.
 */
export function actualOutcome(finding: {
  readonly status: string | undefined;
  readonly note: string | undefined;
  readonly alertOutcomes: readonly string[];
}): ActualOutcome {
  const status = finding.status ?? 'UNKNOWN';
  const last = finding.alertOutcomes.at(-1);
  if (status === 'RESOLVED') {
    return last === 'ALREADY_COMPLIANT' ? { status, reason: 'already compliant' } : { status };
  }
  if (status === 'NEW') return { status };
  const reason = (last === undefined ? undefined : reasonOfAlert(last)) ?? reasonOfNote(finding.note ?? '');
  return reason === undefined ? { status } : { status, reason };
}
