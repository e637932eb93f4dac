/**
 * What operators see: the dashboard plots exactly the metrics the handlers emit (names, dimensions and
 * values from handlers/shared/operations-metrics.ts), the Security Hub insight lists the findings the
 * approval request annotates, and both reject a bad configuration with every problem at once.
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  NO_CONTROL_DIMENSION_VALUE,
  OPERATIONS_METRICS,
  OTHER_DIMENSION_VALUE,
  REPORTED_OUTCOMES,
} from '../../handlers/shared/operations-metrics.js';
import {
  AWAITING_APPROVAL_NOTE_PREFIX,
  JOINED_PLAN_NOTE_PREFIX,
} from '../../handlers/shared/remediation-plan.js';
import { APPROVAL_CONTROL_IDS, AwaitingApprovalInsight } from '../../stacks/awaiting-approval-insight.js';
import { OperationsDashboard } from '../../stacks/operations-dashboard.js';
import { NOTE_AUTHOR } from '../../statemachines/state-builders.js';
import { synthesiseConstruct } from './construct-harness.js';
import { appWithoutBundling, buildStack, logicalId } from './synthesis.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The dashboard body as JSON, each CloudFormation reference in it written as `{Ref}`/`{GetAtt}` text. */
function dashboardBody(template: Template): {
  widgets: { type: string; properties: { title?: string; metrics?: Json[][] } }[];
} {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard?.Properties.DashboardBody as Json;
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1] ?? [])
          .map((part) => (typeof part === 'string' ? part : `{${Object.keys(part as object)[0]}}`))
          .join('');
  return JSON.parse(text);
}

/** The metrics a widget plots: [namespace, name, ...dimension name/value pairs], options dropped. */
function plotted(widget: { properties: { metrics?: Json[][] } }): string[][] {
  return (widget.properties.metrics ?? []).map((metric) =>
    metric.filter((part): part is string => typeof part === 'string'),
  );
}

function widgetTitled(body: ReturnType<typeof dashboardBody>, title: string) {
  const widget = body.widgets.find((candidate) => candidate.properties.title === title);
  if (!widget) throw new Error(`no widget titled ${title}`);
  return widget;
}

const QUEUES = 'arn:aws:sqs:eu-west-1:123456789012';
const machine = (stack: Stack) =>
  StateMachine.fromStateMachineArn(
    stack,
    'Machine',
    'arn:aws:states:eu-west-1:123456789012:stateMachine:remediation',
  );

function givenDashboard(controls: readonly string[]) {
  return synthesiseConstruct((stack: Stack) => {
    new OperationsDashboard(stack, 'Operations', {
      stateMachine: machine(stack),
      controls,
      deadLetterQueues: [
        {
          label: 'Events not delivered',
          queue: Queue.fromQueueArn(stack, 'DeadLetters', `${QUEUES}:dead-letters`),
        },
        {
          label: 'Clicks that failed',
          queue: Queue.fromQueueArn(stack, 'Failures', `${QUEUES}:click-failures`),
        },
      ],
    });
  });
}

describe('OperationsDashboard', () => {
  let body: ReturnType<typeof dashboardBody>;
  beforeAll(() => {
    body = dashboardBody(givenDashboard(['SageMaker.1', 'SageMaker.3']).template);
  });

  it('Given the dashboard, When its outcome widget is read, Then it plots the Outcomes metric for every reported outcome and OTHER', () => {
    expect(plotted(widgetTitled(body, 'Outcomes by outcome'))).toEqual(
      [...REPORTED_OUTCOMES, OTHER_DIMENSION_VALUE].map((outcome) => [
        METRICS_NAMESPACE,
        OPERATIONS_METRICS.outcomes.name,
        METRIC_DIMENSIONS.outcome,
        outcome,
      ]),
    );
  });

  it('Given controls SageMaker.1 and .3, When the control widget is read, Then it plots each, alerts without a control, and OTHER', () => {
    expect(plotted(widgetTitled(body, 'Outcomes by control'))).toEqual(
      ['SageMaker.1', 'SageMaker.3', NO_CONTROL_DIMENSION_VALUE, OTHER_DIMENSION_VALUE].map((control) => [
        METRICS_NAMESPACE,
        OPERATIONS_METRICS.outcomes.name,
        METRIC_DIMENSIONS.control,
        control,
      ]),
    );
  });

  it('Given the dashboard, When the time, approval, execution and dead-letter widgets are read, Then each plots its metric', () => {
    expect(plotted(widgetTitled(body, 'Time to remediate (seconds)'))).toEqual([
      [METRICS_NAMESPACE, OPERATIONS_METRICS.timeToRemediate.name],
      [METRICS_NAMESPACE, OPERATIONS_METRICS.timeToRemediate.name],
      [METRICS_NAMESPACE, OPERATIONS_METRICS.timeToRemediate.name],
    ]);
    expect(plotted(widgetTitled(body, 'Approvals waiting'))).toEqual([
      [METRICS_NAMESPACE, OPERATIONS_METRICS.approvalsWaiting.name],
      [METRICS_NAMESPACE, OPERATIONS_METRICS.oldestApprovalWait.name],
    ]);
    expect(plotted(widgetTitled(body, 'Executions')).map((metric) => metric.slice(0, 3))).toEqual(
      [
        'ExecutionsStarted',
        'ExecutionsSucceeded',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'ExecutionsAborted',
      ].map((name) => ['AWS/States', name, 'StateMachineArn']),
    );
    expect(plotted(widgetTitled(body, 'Dead letters (messages waiting)'))).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'dead-letters'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'click-failures'],
    ]);
  });

  it('Given an unknown control, a duplicate and no dead-letter queue, When the dashboard is made, Then every problem is listed at once', () => {
    expect(() =>
      synthesiseConstruct((stack: Stack) => {
        new OperationsDashboard(stack, 'Operations', {
          stateMachine: machine(stack),
          controls: ['SageMaker.99', 'SageMaker.3', 'SageMaker.3'],
          deadLetterQueues: [],
        });
      }),
    ).toThrow(
      "Invalid OperationsDashboard 'Operations':\ncontrols: SageMaker.99 is not a control of the catalogue\ncontrols: a control is listed twice\ndeadLetterQueues: name at least one queue",
    );
  });
});

describe('AwaitingApprovalInsight', () => {
  it('Given the default insight, When it is synthesised, Then it lists active NOTIFIED findings of the approval controls whose note this workflow wrote as an approval request or a join', () => {
    const { template } = synthesiseConstruct((stack: Stack) => {
      new AwaitingApprovalInsight(stack, 'Insight');
    });
    const equals = (value: string) => ({ Comparison: 'EQUALS', Value: value });
    template.hasResourceProperties('AWS::SecurityHub::Insight', {
      Name: 'SageMaker remediations awaiting approval',
      GroupByAttribute: 'ResourceId',
      Filters: {
        ComplianceSecurityControlId: APPROVAL_CONTROL_IDS.map(equals),
        RecordState: [equals('ACTIVE')],
        WorkflowStatus: [equals('NOTIFIED')],
        NoteUpdatedBy: [equals(NOTE_AUTHOR)],
        NoteText: [
          { Comparison: 'PREFIX', Value: AWAITING_APPROVAL_NOTE_PREFIX },
          { Comparison: 'PREFIX', Value: JOINED_PLAN_NOTE_PREFIX },
        ],
      },
    });
    // The recreation controls and the resource changes that wait for approval, never SageMaker.3 (in place)
    expect(APPROVAL_CONTROL_IDS).toEqual(
      expect.arrayContaining(['SageMaker.1', 'SageMaker.2', 'SageMaker.8']),
    );
    expect(APPROVAL_CONTROL_IDS).not.toContain('SageMaker.3');
  });

  it('Given 21 controls, one unknown and one that never asks for approval, When the insight is made, Then every problem is listed at once', () => {
    const controls = [...APPROVAL_CONTROL_IDS, 'SageMaker.3', 'SageMaker.99', 'SageMaker.1', 'SageMaker.2'];
    expect(() =>
      synthesiseConstruct((stack: Stack) => {
        new AwaitingApprovalInsight(stack, 'Insight', { controls, name: ' ' });
      }),
    ).toThrow(
      [
        "Invalid AwaitingApprovalInsight 'Insight':",
        `controls: ${controls.length} given, Security Hub takes at most 20 values per filter`,
        'controls: SageMaker.3 never asks for approval, so none of its findings would be listed',
        'controls: SageMaker.99 is not a control of the catalogue',
        'controls: a control is listed twice',
        'name: must not be empty',
      ].join('\n'),
    );
  });
});

describe('the stack', () => {
  it('Given the default configuration, When it is synthesised, Then the dashboard plots both dead-letter queues and the alert topic feeds the outcome recorder', () => {
    const stack = buildStack({}, appWithoutBundling());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SecurityHub::Insight', 1);
    const body = JSON.stringify(
      template.findResources('AWS::CloudWatch::Dashboard')[
        logicalId(stack, stack.operationsDashboard.dashboard)
      ],
    );
    for (const queue of [stack.deadLetterQueue, stack.customActionFailureQueue]) {
      expect(body).toContain(logicalId(stack, queue));
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: logicalId(stack, stack.alertTopic) },
      Endpoint: { 'Fn::GetAtt': [logicalId(stack, stack.outcomeRecorder.recorder.fn), 'Arn'] },
    });
  });

  it('Given every approval control switched off, When it is synthesised, Then there is no insight (it would list nothing)', () => {
    const modes = Object.fromEntries(APPROVAL_CONTROL_IDS.map((id) => [id, 'off']));
    const stack = buildStack({ modes }, appWithoutBundling());
    expect(stack.awaitingApprovalInsight).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::SecurityHub::Insight', 0);
  });
});
