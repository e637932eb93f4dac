/**
 * The CloudWatch dashboard operators watch (docs/operations.md): what the workflow reported, by outcome
 * and by control; how long remediations take; how many approvals wait and for how long; how the
 * executions ended; and the dead letters that need a human.
 *
 * The custom metrics are the ones the handlers write as EMF lines; their names, dimensions and every
 * dimension value plotted come from handlers/shared/operations-metrics.ts, so what is plotted is what is
 * emitted.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { findControl } from '../handlers/shared/controls-catalogue.js';
import {
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  NO_CONTROL_DIMENSION_VALUE,
  OPERATIONS_METRICS,
  OTHER_DIMENSION_VALUE,
  REPORTED_OUTCOMES,
} from '../handlers/shared/operations-metrics.js';
import { SWEEP_INTERVAL_MINUTES } from './stale-record-sweeper.js';

/** A queue whose messages are work that failed for good and waits for a human. */
export interface DeadLetterQueue {
  /** How the dashboard names it, e.g. 'Findings not delivered'. */
  readonly label: string;
  readonly queue: IQueue;
}

export interface OperationsDashboardProps {
  /** The remediation state machine: its executions started and how they ended (AWS/States). */
  readonly stateMachine: IStateMachine;
  /** The controls plotted one by one in "outcomes by control" (the ones in scope). */
  readonly controls: readonly string[];
  /** Every queue of dead letters: each is plotted, and should stay at 0. */
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /**
   * The dashboard's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
  /**
   * The period of the counts and durations.
   *
   * @default Duration.hours(1)
   */
  readonly period?: Duration;
}

const WIDTH = 24;

export class OperationsDashboard extends Construct {
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const problems = dashboardProblems(props);
    if (problems.length > 0) {
      throw new Error(`Invalid OperationsDashboard '${id}':\n${problems.join('\n')}`);
    }
    const period = props.period ?? Duration.hours(1);
    // The sweeper writes the approval metrics once per run: a shorter period would show gaps.
    const sweepPeriod = Duration.minutes(SWEEP_INTERVAL_MINUTES);
    const custom = (
      metric: (typeof OPERATIONS_METRICS)[keyof typeof OPERATIONS_METRICS],
      dimensions: Record<string, string>,
      options: { statistic: string; label: string; period?: Duration },
    ) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: metric.name,
        dimensionsMap: dimensions,
        statistic: options.statistic,
        label: options.label,
        period: options.period ?? period,
      });
    const outcomeCount = (dimension: string, value: string) =>
      custom(OPERATIONS_METRICS.outcomes, { [dimension]: value }, { statistic: Stats.SUM, label: value });

    const byOutcome = [...REPORTED_OUTCOMES, OTHER_DIMENSION_VALUE].map((outcome) =>
      outcomeCount(METRIC_DIMENSIONS.outcome, outcome),
    );
    const byControl = [...props.controls, NO_CONTROL_DIMENSION_VALUE, OTHER_DIMENSION_VALUE].map((control) =>
      outcomeCount(METRIC_DIMENSIONS.control, control),
    );
    const timeToRemediate = [Stats.p(50), Stats.p(90), Stats.MAXIMUM].map((statistic) =>
      custom(
        OPERATIONS_METRICS.timeToRemediate,
        {},
        { statistic, label: `Time to remediate (${statistic})` },
      ),
    );
    const approvalsWaiting = custom(
      OPERATIONS_METRICS.approvalsWaiting,
      {},
      { statistic: Stats.MAXIMUM, label: 'Approvals waiting', period: sweepPeriod },
    );
    const oldestWait = custom(
      OPERATIONS_METRICS.oldestApprovalWait,
      {},
      { statistic: Stats.MAXIMUM, label: 'Oldest approval wait (seconds)', period: sweepPeriod },
    );
    const machine = props.stateMachine;
    const executions: IMetric[] = [
      machine.metricStarted({ period, statistic: Stats.SUM, label: 'Started' }),
      machine.metricSucceeded({ period, statistic: Stats.SUM, label: 'Succeeded' }),
      machine.metricFailed({ period, statistic: Stats.SUM, label: 'Failed' }),
      machine.metricTimedOut({ period, statistic: Stats.SUM, label: 'Timed out' }),
      machine.metricAborted({ period, statistic: Stats.SUM, label: 'Aborted' }),
    ];
    const deadLetters = props.deadLetterQueues.map(({ label, queue }) =>
      queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: Stats.MAXIMUM,
        label,
      }),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      widgets: [
        [
          new TextWidget({
            markdown: [
              '# SageMaker remediation',
              'Outcomes are counted as the workflow reports them on the alert topic. Dead letters should stay at 0: see docs/operations.md for what to do. Findings waiting for a decision: the Security Hub insight "awaiting approval".',
            ].join('\n\n'),
            width: WIDTH,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: 'Outcomes by outcome',
            left: byOutcome,
            stacked: true,
            width: WIDTH / 2,
          }),
          new GraphWidget({
            title: 'Outcomes by control',
            left: byControl,
            stacked: true,
            width: WIDTH / 2,
          }),
        ],
        [
          new GraphWidget({ title: 'Time to remediate (seconds)', left: timeToRemediate, width: WIDTH / 2 }),
          new GraphWidget({ title: 'Executions', left: executions, width: WIDTH / 2 }),
        ],
        [
          new SingleValueWidget({
            title: 'Approvals waiting (last sweep)',
            metrics: [approvalsWaiting, oldestWait],
            width: WIDTH / 2,
          }),
          new GraphWidget({
            title: 'Approvals waiting',
            left: [approvalsWaiting],
            right: [oldestWait],
            width: WIDTH / 2,
          }),
        ],
        [
          new GraphWidget({ title: 'Dead letters (messages waiting)', left: deadLetters, width: WIDTH / 2 }),
          new SingleValueWidget({ title: 'Dead letters now', metrics: deadLetters, width: WIDTH / 2 }),
        ],
      ],
    });
  }
}

/** Every problem with the props, at once. */
function dashboardProblems(props: OperationsDashboardProps): string[] {
  const problems: string[] = [];
  for (const control of props.controls) {
    if (!findControl(control)) problems.push(`controls: ${control} is not a control of the catalogue`);
  }
  if (new Set(props.controls).size !== props.controls.length) {
    problems.push('controls: a control is listed twice');
  }
  if (props.deadLetterQueues.length === 0) problems.push('deadLetterQueues: name at least one queue');
  const labels = props.deadLetterQueues.map((entry) => entry.label);
  if (labels.some((label) => label.trim() === '')) problems.push('deadLetterQueues: a label is empty');
  if (new Set(labels).size !== labels.length) problems.push('deadLetterQueues: a label is used twice');
  return problems;
}
