/**
 * The alert sent when planning failed (nothing was changed; the finding stays NEW), with the finding it
 * was about. A finding may be 240 KB (Security Hub's limit per finding), so the alert carries it cut to
 * FINDING_EXCERPT_BYTES with a line saying so: whole, it would not fit an SNS message (256 KiB) once the
 * error is added, nor the Step Functions state that publishes it (256 KiB of JSON, where every quote of
 * the finding's text counts twice). Pure, so that it cannot fail for the reason planning did.
 */
/** The subject the definition's AlertPlanningFailed state has always used (SNS allows 100 characters). */
export const PLANNING_FAILED_SUBJECT = 'SageMaker remediation could not start';

/** The part of the finding's JSON an alert carries: enough to identify it and see its resources. */
export const FINDING_EXCERPT_BYTES = 16 * 1024;
/** The part of the error's cause an alert carries (Step Functions allows causes of 32,768 characters). */
export const CAUSE_EXCERPT_BYTES = 4 * 1024;
/** Each identifying field (finding id, product, resources) is cut to this much. */
const FIELD_BYTES = 512;
/** Resource ids listed in full before the rest are counted (a finding may name 32). */
const LISTED_RESOURCES = 3;

/** The largest alert this module writes, in UTF-8 bytes: far below SNS's 262,144. */
export const MAX_PLANNING_ALERT_BYTES = 32 * 1024;

export interface PlanningFailure {
  readonly Error: string;
  readonly Cause?: string | undefined;
}

export interface PlanningFailureAlert {
  readonly subject: string;
  readonly message: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The text cut to at most `limit` UTF-8 bytes (never inside a character), and whether it was cut. */
export function cutToBytes(text: string, limit: number): { text: string; cut: boolean; bytes: number } {
  const bytes = encoder.encode(text);
  if (bytes.length <= limit) return { text, cut: false, bytes: bytes.length };
  let end = limit;
  // Back off continuation bytes (10xxxxxx) so that the cut falls between characters.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return { text: decoder.decode(bytes.subarray(0, end)), cut: true, bytes: bytes.length };
}

function field(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '(missing)' : JSON.stringify(value);
  const { text: kept, cut } = cutToBytes(text, FIELD_BYTES);
  return cut ? `${kept}… (cut)` : kept;
}

interface FindingShape {
  readonly Id?: unknown;
  readonly ProductArn?: unknown;
  readonly AwsAccountId?: unknown;
  readonly Region?: unknown;
  readonly Compliance?: { readonly SecurityControlId?: unknown };
  readonly Resources?: unknown;
}

/** The finding of an Imported event or a Remediate-now request, if the input has one. */
function findingOf(input: unknown): FindingShape | undefined {
  const findings = (input as { detail?: { findings?: unknown } } | null)?.detail?.findings;
  const first = Array.isArray(findings) ? findings[0] : undefined;
  return first !== null && typeof first === 'object' ? (first as FindingShape) : undefined;
}

function resourceIds(finding: FindingShape): string {
  const resources = Array.isArray(finding.Resources) ? finding.Resources : [];
  const ids = resources
    .slice(0, LISTED_RESOURCES)
    .map((resource) => field((resource as { Id?: unknown } | null)?.Id));
  const more = resources.length - ids.length;
  return ids.length === 0 ? '(none)' : `${ids.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The finding (or the whole input, when it holds none) as JSON, cut to FINDING_EXCERPT_BYTES. */
function excerpt(subject: unknown, what: string): string {
  const json = JSON.stringify(subject) ?? 'undefined';
  const { text, cut, bytes } = cutToBytes(json, FINDING_EXCERPT_BYTES);
  return cut
    ? `${text}\n[cut: the ${what} is ${bytes} bytes of JSON; the first ${encoder.encode(text).length} are shown]`
    : text;
}

/**
 * The alert for a planning failure: the error, the execution and the finding (identifying fields in
 * full, its JSON cut), at most MAX_PLANNING_ALERT_BYTES whatever the input.
 */
export function buildPlanningFailureAlert(
  input: unknown,
  failure: PlanningFailure,
  executionId: string,
): PlanningFailureAlert {
  const cause = cutToBytes(failure.Cause ?? '', CAUSE_EXCERPT_BYTES);
  const finding = findingOf(input);
  const about = finding
    ? [
        `Finding: ${field(finding.Id)}`,
        `Product: ${field(finding.ProductArn)}`,
        `Control: ${field(finding.Compliance?.SecurityControlId)}`,
        `Account and region: ${field(finding.AwsAccountId)} ${field(finding.Region)}`,
        `Resources: ${resourceIds(finding)}`,
        '',
        'The finding as received:',
        excerpt(finding, 'finding'),
      ]
    : ['The input holds no finding. The input as received:', excerpt(input, 'input')];
  const message = [
    'The remediation workflow could not plan a response to a Security Hub finding, so nothing was changed. ' +
      'The finding stays NEW, so the next import of it tries again (one that could not join a recreation plan is NOTIFIED, its note saying so).',
    '',
    `Error: ${field(failure.Error)}`,
    `Cause: ${cause.text}${cause.cut ? `… (cut: ${cause.bytes} bytes)` : ''}`,
    `Execution: ${field(executionId)}`,
    '',
    ...about,
  ].join('\n');
  return { subject: PLANNING_FAILED_SUBJECT, message };
}

/** What the state machine sends the ReportFailure function when planning failed. */
export const PLANNING_FAILED_KIND = 'planning-failed';

export interface PlanningFailedReport {
  readonly alert: PlanningFailureAlert;
  /** The error for the execution's Fail state, its cause cut as in the alert. */
  readonly failure: { readonly Error: string; readonly Cause: string };
}

interface PlanningFailedRequest {
  readonly kind: typeof PLANNING_FAILED_KIND;
  /** The state when planning failed: the event, with the error at `failure`. */
  readonly input: { readonly failure: PlanningFailure };
  readonly execution: { readonly id: string };
}

export function isPlanningFailedRequest(request: unknown): boolean {
  return (request as { kind?: unknown } | null)?.kind === PLANNING_FAILED_KIND;
}

/** ReportFailure's answer to a planning-failed request; throws on any other shape. */
export function reportPlanningFailure(request: unknown): PlanningFailedReport {
  const { input, execution } = (request ?? {}) as Partial<PlanningFailedRequest>;
  const failure = input?.failure;
  if (typeof failure?.Error !== 'string' || typeof execution?.id !== 'string') {
    throw new Error('a planning-failed request needs input.failure.Error and execution.id');
  }
  const cause = typeof failure.Cause === 'string' ? failure.Cause : '';
  return {
    alert: buildPlanningFailureAlert(input, { Error: failure.Error, Cause: cause }, execution.id),
    failure: { Error: failure.Error, Cause: cutToBytes(cause, CAUSE_EXCERPT_BYTES).text },
  };
}
