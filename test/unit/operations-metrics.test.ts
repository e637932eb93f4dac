/**
 * The EMF lines behind the operations dashboard (handlers/shared/operations-metrics.ts), the outcome
 * recorder that writes them off the alert topic (handlers/record-outcome.ts), and the approval note the
 * Security Hub insight filters on, as the planning really writes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordOutcomeHandler, executionNamedIn } from '../../handlers/record-outcome.js';
import {
  approvalMetricsLine,
  controlDimension,
  outcomeDimension,
  outcomeMetricLines,
  waitingApprovals,
} from '../../handlers/shared/operations-metrics.js';
import {
  AWAITING_APPROVAL_NOTE_PREFIX,
  JOINED_PLAN_NOTE_PREFIX,
} from '../../handlers/shared/remediation-plan.js';
import { createSweepHandler } from '../../handlers/sweep-stale-records.js';
import { securityHubProductArn } from '../../simulation/account/sample-findings.js';
import {
  disposeAccounts,
  documentClient,
  EXPOSED,
  executionNamed,
  givenAccount,
  internetFinding,
  markPlan,
  planner,
  recreating,
  requestFor,
  vpcFinding,
} from './plan-fixtures.js';
import { recordingLogger } from './recording-logger.js';

afterEach(disposeAccounts);

const AT = new Date('2026-11-23T10:00:00.000Z');
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:remediation';
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:remediation:3f2a-run';

describe('outcomeMetricLines', () => {
  it('Given a FAILED alert for SageMaker.1, When its lines are built, Then one EMF document counts it by outcome, by control and by both', () => {
    const lines = outcomeMetricLines({ outcome: 'FAILED', control: 'SageMaker.1', at: AT });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        _aws: {
          Timestamp: AT.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'SageMakerRemediation',
              Dimensions: [['Outcome'], ['Control'], ['Control', 'Outcome']],
              Metrics: [{ Name: 'Outcomes', Unit: 'Count' }],
            },
          ],
        },
        Outcome: 'FAILED',
        Control: 'SageMaker.1',
        Outcomes: 1,
      },
    ]);
  });

  it('Given a RESOLVED alert 90.4 seconds after its execution started, When its lines are built, Then a second document records the time to remediate by control and overall', () => {
    const [, time] = outcomeMetricLines({
      outcome: 'RESOLVED',
      control: 'SageMaker.3',
      at: AT,
      secondsToRemediate: 90.4,
    });
    expect(JSON.parse(time as string)).toEqual({
      _aws: {
        Timestamp: AT.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'SageMakerRemediation',
            Dimensions: [['Control'], []],
            Metrics: [{ Name: 'TimeToRemediate', Unit: 'Seconds' }],
          },
        ],
      },
      Control: 'SageMaker.3',
      TimeToRemediate: 90,
    });
  });

  it('Given a duration on an outcome that is not RESOLVED, or a negative one, When the lines are built, Then no time is recorded', () => {
    expect(
      outcomeMetricLines({ outcome: 'FAILED', control: 'SageMaker.3', at: AT, secondsToRemediate: 5 }),
    ).toHaveLength(1);
    expect(
      outcomeMetricLines({ outcome: 'RESOLVED', control: 'SageMaker.3', at: AT, secondsToRemediate: -1 }),
    ).toHaveLength(1);
  });

  it('Given values outside the closed lists, When they become dimensions, Then they are OTHER (or NONE without a control), so no new metric is created', () => {
    expect(outcomeDimension('SOMETHING_NEW')).toBe('OTHER');
    expect(outcomeDimension(undefined)).toBe('OTHER');
    expect(outcomeDimension('STALE_RECORDS_CLEARED')).toBe('STALE_RECORDS_CLEARED');
    expect(controlDimension('SageMaker.99')).toBe('OTHER');
    expect(controlDimension('EC2.1')).toBe('OTHER');
    expect(controlDimension(undefined)).toBe('NONE');
    expect(controlDimension('SageMaker.25')).toBe('SageMaker.25');
  });
});

describe('approval metrics', () => {
  it('Given two PENDING plans planned 1 and 3 hours ago and an APPROVED one, When counted, Then two wait and the oldest for 3 hours', () => {
    const hoursAgo = (hours: number) => new Date(AT.getTime() - hours * 3_600_000);
    const state = waitingApprovals(
      [
        { status: 'PENDING', plannedAt: hoursAgo(1) },
        { status: 'PENDING', plannedAt: hoursAgo(3) },
        { status: 'APPROVED', plannedAt: hoursAgo(9) },
        { status: 'PLANNED', plannedAt: hoursAgo(9) },
      ],
      AT,
    );
    expect(state).toEqual({ waiting: 2, oldestWaitSeconds: 3 * 3600 });
    expect(JSON.parse(approvalMetricsLine({ ...state, at: AT }))).toEqual({
      _aws: {
        Timestamp: AT.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'SageMakerRemediation',
            Dimensions: [[]],
            Metrics: [
              { Name: 'ApprovalsWaiting', Unit: 'Count' },
              { Name: 'OldestApprovalWait', Unit: 'Seconds' },
            ],
          },
        ],
      },
      ApprovalsWaiting: 2,
      OldestApprovalWait: 10800,
    });
  });

  it('Given no plan, When counted, Then none waits, for 0 seconds (a point the graph can show)', () => {
    expect(waitingApprovals([], AT)).toEqual({ waiting: 0, oldestWaitSeconds: 0 });
  });
});

describe('the sweeper', () => {
  it('Given a recreation plan PENDING for 2 hours whose execution still runs, When the sweeper runs, Then it writes that one approval waits, for 7200 seconds', async () => {
    const account = givenAccount(EXPOSED);
    const planned = await planner(account, { settings: recreating })(requestFor(internetFinding));
    markPlan(account, 'PENDING');
    account.clock.advance(2 * 3_600_000);
    const written: string[] = [];
    const sweep = createSweepHandler({
      dynamodb: documentClient(account),
      sfn: { send: async () => ({ status: 'RUNNING' }) } as never,
      securityhub: account.sdkClients().securityHub,
      sns: account.sdkClients().sns as never,
      settings: {
        lockTableName: 'locks',
        approvalTableName: 'remediation-approvals',
        alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
        stateMachineArn: MACHINE,
        securityHubProductArn: securityHubProductArn('eu-west-1'),
      },
      now: () => account.clock.now(),
      logger: recordingLogger(),
      emitMetrics: (lines) => written.push(...lines),
    });

    await sweep();

    expect(planned.plan.action).toBe('remediate');
    expect(written.map((line) => JSON.parse(line))).toMatchObject([
      { ApprovalsWaiting: 1, OldestApprovalWait: 7200 },
    ]);
  });
});

/** An SNS notification as Lambda receives it, with the alert's attributes. */
function notification(attributes: Record<string, string>, message: string, timestamp = AT.toISOString()) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        Sns: {
          Type: 'Notification',
          Timestamp: timestamp,
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [name, { Type: 'String', Value: value }]),
          ),
        },
      },
    ],
  };
}

function recorder(describe: (arn: string) => Promise<{ startDate?: Date }>) {
  const written: string[] = [];
  const asked: string[] = [];
  const handler = createRecordOutcomeHandler({
    sfn: {
      send: async (command: { input: { executionArn: string } }) => {
        asked.push(command.input.executionArn);
        return describe(command.input.executionArn);
      },
    } as never,
    stateMachineArn: MACHINE,
    emitMetrics: (lines) => written.push(...lines),
    logger: recordingLogger(),
  });
  return { handler, written: () => written.map((line) => JSON.parse(line)), asked };
}

describe('the outcome recorder', () => {
  it('Given a RESOLVED alert naming an execution that started 2 minutes earlier, When it is recorded, Then the outcome is counted and 120 seconds recorded', async () => {
    const { handler, written, asked } = recorder(async () => ({
      startDate: new Date(AT.getTime() - 120_000),
    }));
    const result = await handler(
      notification(
        { outcome: 'RESOLVED', control: 'SageMaker.3' },
        `Security Hub control SageMaker.3 is remediated.\n\nFinding: f-1 (workflow status RESOLVED)\nExecution: ${EXECUTION}`,
      ),
    );
    expect(result).toEqual({ counted: 1, timed: 1 });
    expect(asked).toEqual([EXECUTION]);
    expect(written()).toMatchObject([
      { Outcome: 'RESOLVED', Control: 'SageMaker.3', Outcomes: 1 },
      { Control: 'SageMaker.3', TimeToRemediate: 120 },
    ]);
  });

  it('Given a RESOLVED alert whose execution cannot be described, When it is recorded, Then the outcome is still counted once, without a time, and nothing fails', async () => {
    const { handler, written } = recorder(async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    });
    const result = await handler(
      notification({ outcome: 'RESOLVED', control: 'SageMaker.3' }, `Execution: ${EXECUTION}`),
    );
    expect(result).toEqual({ counted: 1, timed: 0 });
    expect(written()).toMatchObject([{ Outcome: 'RESOLVED', Outcomes: 1 }]);
  });

  it('Given a planning failure alert (no control) and an event that is not SNS, When recorded, Then the first counts under NONE and the second counts nothing, without describing any execution', async () => {
    const { handler, written, asked } = recorder(async () => ({}));
    await handler(notification({ outcome: 'FAILED' }, `Execution: ${EXECUTION}`));
    expect(await handler({ detail: {} })).toEqual({ counted: 0, timed: 0 });
    expect(written()).toMatchObject([{ Outcome: 'FAILED', Control: 'NONE', Outcomes: 1 }]);
    expect(asked).toEqual([]);
  });

  it('Given an alarm notification on the topic (no outcome attribute), When it is recorded, Then nothing is counted', async () => {
    const { handler, written } = recorder(async () => ({}));
    expect(await handler(notification({}, '{"AlarmName":"ExecutionsFailedAlarm"}'))).toEqual({
      counted: 0,
      timed: 0,
    });
    expect(written()).toEqual([]);
  });

  it('Given messages naming executions, When the execution is looked for, Then only one of this state machine is taken, up to the end of its name', () => {
    expect(executionNamedIn(`Execution: ${EXECUTION}\nMore`, MACHINE)).toBe(EXECUTION);
    expect(executionNamedIn(`(execution ${EXECUTION}), then`, MACHINE)).toBe(EXECUTION);
    expect(
      executionNamedIn('Execution: arn:aws:states:eu-west-1:111122223333:execution:other:run', MACHINE),
    ).toBeUndefined();
  });

  it('Given a state machine ARN that is not one, When the recorder is made, Then it refuses to start', () => {
    expect(() =>
      createRecordOutcomeHandler({
        sfn: {} as never,
        stateMachineArn: '',
        emitMetrics: () => {},
        logger: recordingLogger(),
      }),
    ).toThrow("STATE_MACHINE_ARN must be a state machine ARN, not ''");
  });
});

describe('the notes the awaiting-approval insight filters on', () => {
  it('Given a notebook failing SageMaker.1, When its recreation is planned and a sibling finding joins it, Then the request and the join notes start with the insight prefixes', async () => {
    const account = givenAccount(EXPOSED);
    const request = await planner(account, { settings: recreating })(requestFor(internetFinding));
    markPlan(account, 'PENDING');
    const joined = await planner(account, { settings: recreating })(
      requestFor(vpcFinding, executionNamed('sibling')),
    );

    expect(request.plan.recreate.approvalNote.startsWith(AWAITING_APPROVAL_NOTE_PREFIX)).toBe(true);
    expect(joined.plan.annotation.note.startsWith(JOINED_PLAN_NOTE_PREFIX)).toBe(true);
  });
});
