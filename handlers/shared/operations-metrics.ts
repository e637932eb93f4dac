/**
 * The custom metrics operators watch (stacks/operations-dashboard.ts), written as CloudWatch embedded
 * metric format (EMF) log lines: a Lambda prints one JSON line and CloudWatch Logs extracts the metric,
 * so no PutMetricData permission or call is needed. The dashboard plots these very names, so the
 * two cannot drift apart.
 *
 * Every dimension value comes from a closed list (the outcomes below, the catalogue's control ids, or
 * OTHER / NONE): a custom metric is created per distinct combination, so an unexpected value must not
 * add one.
 */
import { CONTROL_IDS } from './controls-catalogue.js';
import type { Outcome } from './remediation-plan.js';

/** The CloudWatch namespace of every metric below. */
export const METRICS_NAMESPACE = 'SageMakerRemediation';

/** Dimension names. */
export const METRIC_DIMENSIONS = { control: 'Control', outcome: 'Outcome' } as const;

/** Metric names and their CloudWatch units. */
export const OPERATIONS_METRICS = {
  /** One per outcome reported on the alert topic (the `outcome` and `control` message attributes). */
  outcomes: { name: 'Outcomes', unit: 'Count' },
  /** A RESOLVED outcome: seconds from the start of its execution (the finding's arrival) to the alert. */
  timeToRemediate: { name: 'TimeToRemediate', unit: 'Seconds' },
  /** Recreation and change plans waiting for a human (PENDING), as of the last sweep. */
  approvalsWaiting: { name: 'ApprovalsWaiting', unit: 'Count' },
  /** How long the oldest of those has waited (0 when none waits), as of the last sweep. */
  oldestApprovalWait: { name: 'OldestApprovalWait', unit: 'Seconds' },
} as const;

/** An outcome the alerts carry: the workflow's, and the sweeper's own. */
export type ReportedOutcome = Outcome | 'STALE_RECORDS_CLEARED';

/** Every value the Outcome dimension takes besides OTHER; the dashboard plots each. */
export const REPORTED_OUTCOMES = [
  'RESOLVED',
  'AWAITING_APPROVAL',
  'JOINED_PLAN',
  'NEEDS_CONFIGURATION',
  'REJECTED',
  'APPROVAL_EXPIRED',
  'NOTHING_CHANGED',
  'FAILED',
  'NOTIFIED',
  'SKIPPED_EXEMPT',
  'SKIPPED_OUT_OF_SCOPE',
  'SCOPE_NOT_EVALUATED',
  'DRY_RUN',
  'ALREADY_COMPLIANT',
  'RESOURCE_GONE',
  'ALREADY_IN_PROGRESS',
  'NEEDS_ATTENTION',
  'STALE_RECORDS_CLEARED',
] as const satisfies readonly ReportedOutcome[];

// A new Outcome must be added above, or this fails to compile (and the dashboard would miss it).
type Unlisted = Exclude<ReportedOutcome, (typeof REPORTED_OUTCOMES)[number]>;
const everyOutcomeListed: [Unlisted] extends [never] ? true : never = true;
void everyOutcomeListed;

/** A value outside the closed list (a foreign publisher, a newer version's outcome). */
export const OTHER_DIMENSION_VALUE = 'OTHER';
/** An alert without a control attribute (planning failures, clean-ups, sweeps). */
export const NO_CONTROL_DIMENSION_VALUE = 'NONE';

/** Outcomes are counted by outcome, by control, and by both (for an alarm on one control's failures). */
export const OUTCOME_DIMENSION_SETS: readonly (readonly string[])[] = [
  [METRIC_DIMENSIONS.outcome],
  [METRIC_DIMENSIONS.control],
  [METRIC_DIMENSIONS.control, METRIC_DIMENSIONS.outcome],
];
/** Time to remediate, by control and over all controls. */
export const TIME_TO_REMEDIATE_DIMENSION_SETS: readonly (readonly string[])[] = [
  [METRIC_DIMENSIONS.control],
  [],
];

export function outcomeDimension(value: string | undefined): string {
  return value !== undefined && (REPORTED_OUTCOMES as readonly string[]).includes(value)
    ? value
    : OTHER_DIMENSION_VALUE;
}

export function controlDimension(value: string | undefined): string {
  if (value === undefined || value === '') return NO_CONTROL_DIMENSION_VALUE;
  return (CONTROL_IDS as readonly string[]).includes(value) ? value : OTHER_DIMENSION_VALUE;
}

type Metric = (typeof OPERATIONS_METRICS)[keyof typeof OPERATIONS_METRICS];

/** One EMF document as a single JSON line: the metrics' values and dimensions on its root. */
export function emfLine(options: {
  readonly at: Date;
  readonly dimensionSets: readonly (readonly string[])[];
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: ReadonlyArray<readonly [Metric, number]>;
}): string {
  const document = {
    _aws: {
      Timestamp: options.at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: options.dimensionSets.map((set) => [...set]),
          Metrics: options.values.map(([metric]) => ({ Name: metric.name, Unit: metric.unit })),
        },
      ],
    },
    ...options.dimensions,
    ...Object.fromEntries(options.values.map(([metric, value]) => [metric.name, value])),
  };
  return JSON.stringify(document);
}

/** The lines for one alert: its outcome counted, and for a RESOLVED one the time it took, when known. */
export function outcomeMetricLines(alert: {
  readonly outcome: string | undefined;
  readonly control: string | undefined;
  readonly at: Date;
  readonly secondsToRemediate?: number;
}): string[] {
  const dimensions = {
    [METRIC_DIMENSIONS.outcome]: outcomeDimension(alert.outcome),
    [METRIC_DIMENSIONS.control]: controlDimension(alert.control),
  };
  const lines = [
    emfLine({
      at: alert.at,
      dimensionSets: OUTCOME_DIMENSION_SETS,
      dimensions,
      values: [[OPERATIONS_METRICS.outcomes, 1]],
    }),
  ];
  const seconds = alert.secondsToRemediate;
  if (
    dimensions.Outcome === 'RESOLVED' &&
    seconds !== undefined &&
    Number.isFinite(seconds) &&
    seconds >= 0
  ) {
    lines.push(
      emfLine({
        at: alert.at,
        dimensionSets: TIME_TO_REMEDIATE_DIMENSION_SETS,
        dimensions: { [METRIC_DIMENSIONS.control]: dimensions.Control },
        values: [[OPERATIONS_METRICS.timeToRemediate, Math.round(seconds)]],
      }),
    );
  }
  return lines;
}

/** The approval status of a plan that waits for a human (approval-table-schema.ts). */
const WAITING_FOR_A_HUMAN = 'PENDING';

/** How many plans wait for a human, and for how long the oldest has (0 without a planning time). */
export function waitingApprovals(
  plans: ReadonlyArray<{ readonly status: string; readonly plannedAt: Date | undefined }>,
  now: Date,
): { readonly waiting: number; readonly oldestWaitSeconds: number } {
  const waiting = plans.filter((plan) => plan.status === WAITING_FOR_A_HUMAN);
  const ages = waiting.map((plan) =>
    plan.plannedAt ? Math.max(0, Math.round((now.getTime() - plan.plannedAt.getTime()) / 1000)) : 0,
  );
  return { waiting: waiting.length, oldestWaitSeconds: Math.max(0, ...ages) };
}

/** The sweeper's line: approvals waiting and the oldest wait, without dimensions (one per deployment). */
export function approvalMetricsLine(state: {
  readonly waiting: number;
  readonly oldestWaitSeconds: number;
  readonly at: Date;
}): string {
  return emfLine({
    at: state.at,
    dimensionSets: [[]],
    dimensions: {},
    values: [
      [OPERATIONS_METRICS.approvalsWaiting, state.waiting],
      [OPERATIONS_METRICS.oldestApprovalWait, state.oldestWaitSeconds],
    ],
  });
}

/**
 * Writes EMF lines to standard output as they are: on Lambda, a JSON line there is enough for the
 * metrics to be extracted (Powertools' logger lines are other JSON, without `_aws`).
 */
export function writeMetricLines(lines: readonly string[]): void {
  for (const line of lines) process.stdout.write(`${line}\n`);
}
