import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { LocalStateMachine } from '../../simulation/runner/local-state-machine.js';
import { lambdaRequestId, MAX_EXECUTION_SECONDS } from '../../simulation/runner/step-functions-limits.js';
import {
  LAMBDA_INVOKE,
  type StateMachineDefinition,
  type TaskState,
} from '../../statemachines/amazon-states-language.js';
import { placeholder } from '../../statemachines/state-builders.js';
import {
  alert,
  catchAll,
  givenBackend,
  machineOf,
  PUT_ITEM,
  secondsAfterStart,
  WAIT_FOR_TOKEN,
} from './local-runner-fixtures.js';

/** Stores its task token in DynamoDB and waits, as the approval gate does. */
const approvalDefinition: StateMachineDefinition = {
  StartAt: 'WaitForApproval',
  States: {
    WaitForApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
      Parameters: {
        TableName: 'approvals',
        Item: { approvalKey: { S: 'notebook' }, taskToken: { 'S.$': '$$.Task.Token' } },
      },
      TimeoutSeconds: 3600,
      ResultPath: '$.approval',
      Catch: [
        { ErrorEquals: ['RemediationRejected'], Next: 'Rejected', ResultPath: '$.rejection' },
        { ErrorEquals: ['States.Timeout'], Next: 'Expired', ResultPath: '$.expiry' },
      ],
      Next: 'WaitALittle',
    },
    WaitALittle: { Type: 'Wait', Seconds: 30, Next: 'Approved' },
    Approved: { Type: 'Succeed' },
    Rejected: { Type: 'Succeed' },
    Expired: { Type: 'Succeed' },
  },
};

function givenMachine() {
  const account = new SimulatedAccount({ latencyMs: 0 });
  account.dynamodb.createTable({ TableName: 'approvals', partitionKey: 'approvalKey' });
  const machine = new LocalStateMachine({
    name: 'approval',
    definition: approvalDefinition,
    backend: account,
    functions: {},
    resources: {},
  });
  const storedToken = () => account.dynamodb.scanTable('approvals')[0]?.taskToken?.S ?? '';
  return { account, machine, storedToken };
}

/**
 * Lets the execution reach its waiting task and its call land: the token is registered as the task
 * starts, and the (authorized, asynchronous) PutItem that stores it completes some turns later. The
 * clock only moves when everything is idle, so the one-hour timeout cannot fire meanwhile.
 */
const untilWaiting = async (machine: LocalStateMachine, storedToken: () => string) => {
  // Turn by turn (a timer would let the clock run), for as long as the authorization's first read of the
  // IAM data may take on a loaded machine.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (machine.waitingTaskTokens.length > 0 && storedToken() !== '') return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the execution never stored its task token');
};

describe('local runner: .waitForTaskToken', () => {
  it('the token written by the task is the one SendTaskSuccess takes; the result lands in ResultPath', async () => {
    const { account, machine, storedToken } = givenMachine();
    const { done } = machine.start({ notebook: 'nb' });
    await untilWaiting(machine, storedToken);
    expect(machine.waitingTaskTokens).toEqual([storedToken()]);

    machine.sendTaskSuccess(storedToken(), { approvedAt: '2026-11-23T09:10:00Z' });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ notebook: 'nb', approval: { approvedAt: '2026-11-23T09:10:00Z' } });
    expect(execution.transitions.map((transition) => transition.state)).toEqual([
      'WaitForApproval',
      'WaitALittle',
      'Approved',
    ]);
    // The one-hour timeout was cancelled: it can never move the clock afterwards.
    expect(account.clock.pendingTimers).toBe(0);
    expect(account.clock.now().toISOString()).toBe('2026-11-23T09:00:30.000Z');
  });

  it('SendTaskFailure: the task fails with that error name, which a Catch routes', async () => {
    const { machine, storedToken } = givenMachine();
    const { done } = machine.start({});
    await untilWaiting(machine, storedToken);
    machine.sendTaskFailure(storedToken(), 'RemediationRejected', 'rejected by security ops');
    const execution = await done;
    expect(execution.transitions.at(-1)?.state).toBe('Rejected');
    expect(execution.output).toEqual({
      rejection: { Error: 'RemediationRejected', Cause: 'rejected by security ops' },
    });
  });

  it('no answer: States.Timeout after TimeoutSeconds of simulated time; a late answer is TaskDoesNotExist', async () => {
    const { account, machine, storedToken } = givenMachine();
    const { done } = machine.start({});
    const execution = await done;
    expect(execution.transitions.at(-1)?.state).toBe('Expired');
    expect(account.clock.now().toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(() => machine.sendTaskSuccess(storedToken(), {})).toThrow(/Task does not exist/);
  });

  it('a token is used once: answering twice is TaskDoesNotExist', async () => {
    const { machine, storedToken } = givenMachine();
    const { done } = machine.start({});
    await untilWaiting(machine, storedToken);
    const token = storedToken();
    machine.sendTaskSuccess(token, {});
    expect(() => machine.sendTaskSuccess(token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
    await done;
  });
});

describe('local runner: Task and function timeouts, in simulated time', () => {
  it('Given an SDK Task with TimeoutSeconds 5 whose call takes 10 s, When it runs, Then it fails with States.Timeout at 5 s, which its Catch routes', async () => {
    const { backend } = givenBackend({}, 10_000);
    const machine = machineOf(
      {
        StartAt: 'Alert',
        States: {
          Alert: alert({
            TimeoutSeconds: 5,
            Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late', ResultPath: '$.failure' }],
            End: undefined,
            Next: 'Late',
          }),
          Late: { Type: 'Succeed' },
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    expect(execution.output).toEqual({
      failure: { Error: 'States.Timeout', Cause: 'No task response within 5 seconds' },
    });
    expect(secondsAfterStart(execution.stoppedAt)).toBe(5);
  });

  it('Given a Retry and a Catch on States.TaskFailed, When the Task times out, Then neither matches States.Timeout and the execution fails', async () => {
    const { backend } = givenBackend({}, 10_000);
    const machine = machineOf(
      {
        StartAt: 'Alert',
        States: {
          Alert: alert({
            TimeoutSeconds: 5,
            Retry: [{ ErrorEquals: ['States.TaskFailed'] }],
            Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Recover' }],
            End: undefined,
            Next: 'Recover',
          }),
          Recover: { Type: 'Succeed' },
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout', retries: 0 });
  });

  it('Given a function with a 3 s timeout whose handler takes 10 s, When the Task invokes it, Then it fails with Sandbox.Timedout and Lambda’s JSON error, which States.TaskFailed matches', async () => {
    const { backend, clock } = givenBackend();
    const machine = machineOf(
      {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: LAMBDA_INVOKE,
            Parameters: { FunctionName: placeholder('Slow') },
            TimeoutSeconds: 60,
            Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1, IntervalSeconds: 1 }],
            Catch: catchAll,
            Next: 'Recover',
          },
          Recover: { Type: 'Succeed' },
        },
      },
      backend,
      { Slow: { handler: () => clock.sleep(10_000), timeoutSeconds: 3 } },
    );

    const { record, done } = machine.start({});
    const execution = await done;

    const errorMessage = `RequestId: ${lambdaRequestId(record.executionArn, 2)} Error: Task timed out after 3.00 seconds`;
    expect(execution.output).toEqual({
      failure: {
        Error: 'Sandbox.Timedout',
        Cause: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage }),
      },
    });
    expect(execution).toMatchObject({ lambdaInvocations: 2, retries: 1 });
    expect(secondsAfterStart(execution.stoppedAt)).toBe(3 + 1 + 3);
  });

  it('Given Tasks whose TimeoutSeconds is not larger than their function’s timeout, When the machine is built, Then it is refused, naming every one', () => {
    const { backend } = givenBackend();
    const invoke = (seconds: number, next?: string): TaskState => ({
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: placeholder('Slow') },
      TimeoutSeconds: seconds,
      ...(next ? { Next: next } : { End: true }),
    });
    const definition: StateMachineDefinition = {
      StartAt: 'Equal',
      States: { Equal: invoke(60, 'Shorter'), Shorter: invoke(30, 'Longer'), Longer: invoke(61) },
    };
    const slow = { handler: async () => ({}), timeoutSeconds: 60 };
    const arn = 'arn:aws:lambda:eu-west-1:111122223333:function:Slow';

    expect(() => machineOf(definition, backend, { Slow: slow })).toThrow(
      `State machine limits breaks Step Functions limits:\n- Task 'Equal': TimeoutSeconds 60 is not larger than the 60 s timeout of ${arn}\n- Task 'Shorter': TimeoutSeconds 30 is not larger than the 60 s timeout of ${arn}`,
    );
  });
});

describe('local runner: execution time and StopExecution', () => {
  it('Given a TimeoutSeconds over one year, When the machine is built, Then it is refused', () => {
    const { backend } = givenBackend();
    const definition = {
      TimeoutSeconds: 31_536_001,
      StartAt: 'Done',
      States: { Done: { Type: 'Succeed' } },
    } as const;
    expect(() => machineOf(definition, backend)).toThrow(
      'State machine limits breaks Step Functions limits:\n- TimeoutSeconds 31536001 exceeds the 31536000 seconds (one year) a Standard execution may run',
    );
  });

  it('Given TimeoutSeconds 60 and a Wait of 120 s before a Task, When the minute is up, Then the execution ends TIMED_OUT and the Task is never called', async () => {
    const { backend, clock, calls } = givenBackend();
    const machine = machineOf(
      {
        TimeoutSeconds: 60,
        StartAt: 'Pause',
        States: { Pause: { Type: 'Wait', Seconds: 120, Next: 'Alert' }, Alert: alert() },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    expect(execution).toMatchObject({
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      cause: 'The execution ran longer than 60 seconds.',
    });
    expect(secondsAfterStart(execution.stoppedAt)).toBe(60);
    expect(calls).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('Given no TimeoutSeconds and a token nobody answers, When a year has passed, Then the execution ends TIMED_OUT and the token is gone', async () => {
    let token = '';
    const { backend } = givenBackend({
      [PUT_ITEM]: (parameters) => {
        token = (parameters.Item as { token: { S: string } }).token.S;
        return {};
      },
    });
    const machine = machineOf(
      {
        StartAt: 'Approve',
        States: {
          Approve: {
            Type: 'Task',
            Resource: WAIT_FOR_TOKEN,
            Parameters: { TableName: 't', Item: { token: { 'S.$': '$$.Task.Token' } } },
            End: true,
          },
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    expect(execution.status).toBe('TIMED_OUT');
    expect(secondsAfterStart(execution.stoppedAt)).toBe(MAX_EXECUTION_SECONDS);
    expect(() => machine.sendTaskSuccess(token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });

  it('Given an execution waiting for approval, When it is stopped with an error and a cause, Then it ends ABORTED with them, its token is gone and nothing after it runs', async () => {
    const { account, machine, storedToken } = givenMachine();
    const { record, done } = machine.start({});
    await untilWaiting(machine, storedToken);

    const { stopDate } = machine.stop(record.executionArn, 'Superseded', 'a newer plan replaced this one');
    expect(record.status).toBe('ABORTED');
    const execution = await done;

    expect(execution).toMatchObject({
      status: 'ABORTED',
      error: 'Superseded',
      cause: 'a newer plan replaced this one',
      stoppedAt: stopDate,
      // ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted, ExecutionAborted.
      historyEvents: 6,
    });
    expect(execution.transitions.map((transition) => transition.state)).toEqual(['WaitForApproval']);
    expect(() => machine.sendTaskSuccess(storedToken(), {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
    expect(account.clock.pendingTimers).toBe(0);
    expect(() => machine.stop(`${record.executionArn}-other`)).toThrow(
      expect.objectContaining({ name: 'ExecutionDoesNotExist' }),
    );
  });
});
