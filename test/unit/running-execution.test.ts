/** The Step Functions payload and history limits, as the local runner enforces them on executions. */
import { describe, expect, it } from 'vitest';
import type { LocalStateMachine } from '../../simulation/runner/local-state-machine.js';
import {
  historyEventsOfState,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
} from '../../simulation/runner/step-functions-limits.js';
import { LAMBDA_INVOKE, type StateMachineDefinition } from '../../statemachines/amazon-states-language.js';
import { placeholder } from '../../statemachines/state-builders.js';
import {
  alert,
  BIG,
  catchAll,
  GET_OBJECT,
  givenBackend,
  machineOf,
  PUBLISH,
  PUT_ITEM,
  WAIT_FOR_TOKEN,
} from './local-runner-fixtures.js';

describe('local runner: payloads are limited to 256 KiB', () => {
  it('Given a raw task result over 256 KiB, a Retry and a Catch on States.ALL, When the task returns it, Then the execution fails with States.DataLimitExceeded, not retried, not caught', async () => {
    const object = { Body: BIG, ContentLength: BIG.length };
    const { backend, calls } = givenBackend({ [GET_OBJECT]: () => object });
    const machine = machineOf(
      {
        StartAt: 'Fetch',
        States: {
          Fetch: {
            Type: 'Task',
            Resource: GET_OBJECT,
            Parameters: { Bucket: 'b', Key: 'k' },
            ResultSelector: { 'length.$': '$.ContentLength' },
            Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
            Catch: catchAll,
            Next: 'Recover',
          },
          Recover: alert(),
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    const size = payloadBytes(object);
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause: `The state/task 'Fetch' returned a result with a size exceeding the maximum number of bytes service limit. Size: ${size} bytes, limit: 262144.`,
      retries: 0,
      maxPayloadBytes: size,
    });
    expect(calls).toEqual(['getObject']);
  });

  it('Given a Pass state whose output is over 256 KiB, When a Choice leads on to a Task, Then the execution fails and the Task never reaches the account', async () => {
    const { backend, calls } = givenBackend();
    const machine = machineOf(
      {
        StartAt: 'Inflate',
        States: {
          Inflate: { Type: 'Pass', Result: BIG, ResultPath: '$.big', Next: 'Route' },
          Route: {
            Type: 'Choice',
            Choices: [{ Variable: '$.big', IsPresent: true, Next: 'Alert' }],
            Default: 'Alert',
          },
          Alert: alert({ Catch: catchAll, End: undefined, Next: 'Recover' }),
          Recover: alert(),
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    const size = payloadBytes({ big: BIG });
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(execution.cause).toBe(
      `The state/task 'Inflate' returned a result with a size exceeding the maximum number of bytes service limit. Size: ${size} bytes, limit: 262144.`,
    );
    expect(calls).toEqual([]);
  });

  it('Given a function whose Payload is over 256 KiB, When a ResultSelector would keep only its status code, Then the raw result still fails the Task with States.DataLimitExceeded', async () => {
    const { backend, calls } = givenBackend();
    const machine = machineOf(
      {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: LAMBDA_INVOKE,
            Parameters: { FunctionName: placeholder('Fn'), Payload: {} },
            ResultSelector: { 'status.$': '$.StatusCode' },
            Catch: catchAll,
            Next: 'Recover',
          },
          Recover: alert(),
        },
      },
      backend,
      { Fn: async () => BIG },
    );

    const execution = await machine.start({}).done;

    const size = payloadBytes({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: BIG });
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      lambdaInvocations: 1,
    });
    expect(execution.cause).toBe(
      `The state/task 'Invoke' returned a result with a size exceeding the maximum number of bytes service limit. Size: ${size} bytes, limit: 262144.`,
    );
    expect(calls).toEqual([]);
  });

  it('Given Parameters that make a task input over 256 KiB from a smaller state input, When the Task is reached, Then it fails before calling anything', async () => {
    const { backend, calls } = givenBackend();
    const half = 'x'.repeat(150_000);
    const machine = machineOf(
      {
        StartAt: 'Alert',
        States: {
          Alert: alert({
            Parameters: { 'Subject.$': '$.half', 'Message.$': '$.half' },
            Catch: catchAll,
            End: undefined,
            Next: 'Recover',
          }),
          Recover: alert(),
        },
      },
      backend,
    );

    const execution = await machine.start({ half }).done;

    const size = payloadBytes({ Subject: half, Message: half });
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(execution.cause).toBe(
      `The state/task 'Alert' received an input with a size exceeding the maximum number of bytes service limit. Size: ${size} bytes, limit: 262144.`,
    );
    expect(calls).toEqual([]);
  });

  it('Given an execution input over 256 KiB, When it is started, Then StartExecution refuses it with ValidationException and nothing starts; 256 KiB exactly starts', async () => {
    const { backend } = givenBackend();
    const machine = machineOf({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, backend);
    const exactly = { data: 'x'.repeat(MAX_PAYLOAD_BYTES - payloadBytes({ data: '' })) };

    expect(() => machine.start({ data: `${exactly.data}x` })).toThrow(
      expect.objectContaining({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding",
      }),
    );
    expect(machine.executions).toEqual([]);
    const execution = await machine.start(exactly).done;
    expect(execution).toMatchObject({ status: 'SUCCEEDED', maxPayloadBytes: MAX_PAYLOAD_BYTES });
  });

  it('Given a Catch naming States.DataLimitExceeded, When the machine is built, Then it is refused: the definition must not rely on catching it', () => {
    const { backend } = givenBackend();
    const definition: StateMachineDefinition = {
      StartAt: 'Alert',
      States: {
        Alert: alert({
          Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], Next: 'Recover' }],
          End: undefined,
          Next: 'Recover',
        }),
        Recover: alert(),
      },
    };
    expect(() => machineOf(definition, backend)).toThrow(
      "State machine limits breaks Step Functions limits:\n- state 'Alert': a Retry or Catch on States.DataLimitExceeded is not simulated (the runner ends the execution on it); do not rely on it",
    );
  });
});

describe('local runner: an execution history holds 25,000 events', () => {
  it('Given a loop of a Task and a Choice that never ends, When it runs, Then it fails with States.Runtime as event 25,000 and the Task after the limit is never called', async () => {
    const { backend, calls } = givenBackend();
    const machine = machineOf(
      {
        StartAt: 'Alert',
        States: {
          Alert: alert({ End: undefined, Next: 'Again' }),
          Again: {
            Type: 'Choice',
            Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
            Default: 'Alert',
          },
          Done: { Type: 'Succeed' },
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
      historyEvents: 25_000,
    });
    // ExecutionStarted, then 7 events a lap: 3,571 laps end at event 24,998; the next Task is
    // entered (24,999) but its TaskScheduled would be event 25,000.
    expect(calls).toHaveLength(3_571);
  });

  it('Given a loop of Pass and Choice states only, When it runs, Then the event log alone ends it at event 25,000', async () => {
    const { backend } = givenBackend();
    const machine = machineOf(
      {
        StartAt: 'Step',
        States: {
          Step: { Type: 'Pass', Next: 'Again' },
          Again: {
            Type: 'Choice',
            Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
            Default: 'Step',
          },
          Done: { Type: 'Succeed' },
        },
      },
      backend,
    );

    const execution = await machine.start({}).done;

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', historyEvents: 25_000 });
    // 6,249 laps of 4 events end at event 24,997; Step is entered and left (24,999), Again is not entered.
    expect(execution.transitions).toHaveLength(6_249 * 2 + 1);
    expect(execution.transitions.at(-1)?.state).toBe('Step');
  });

  it('Given one pass through every state type the workflow uses, When it succeeds, Then its history counts what each state records, plus the execution start and end', async () => {
    let machine: LocalStateMachine | undefined;
    let failures = 1;
    const { backend, clock } = givenBackend({
      [PUT_ITEM]: (parameters) => {
        const token = (parameters.Item as { token: { S: string } }).token.S;
        void clock.sleep(1000).then(() => machine?.sendTaskSuccess(token, { approved: true }));
        return {};
      },
      [PUBLISH]: () => {
        if (failures-- > 0) throw Object.assign(new Error('throttled'), { name: 'Sns.ThrottledException' });
        return {};
      },
    });
    const definition: StateMachineDefinition = {
      StartAt: 'Prepare',
      States: {
        Prepare: { Type: 'Pass', Result: [1, 2], ResultPath: '$.items', Next: 'Pause' },
        Pause: { Type: 'Wait', Seconds: 1, Next: 'Alert' },
        Alert: alert({
          Retry: [{ ErrorEquals: ['Sns.ThrottledException'], IntervalSeconds: 1 }],
          End: undefined,
          Next: 'Plan',
        }),
        Plan: {
          Type: 'Task',
          Resource: LAMBDA_INVOKE,
          Parameters: { FunctionName: placeholder('Fn') },
          ResultPath: null,
          Next: 'Approve',
        },
        Approve: {
          Type: 'Task',
          Resource: WAIT_FOR_TOKEN,
          Parameters: { TableName: 't', Item: { token: { 'S.$': '$$.Task.Token' } } },
          ResultPath: '$.approval',
          Next: 'EachItem',
        },
        EachItem: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
          ResultPath: '$.each',
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };
    machine = machineOf(definition, backend, { Fn: { handler: async () => ({}), timeoutSeconds: 10 } });

    const execution = await machine.start({}).done;

    const { States } = definition;
    const expected =
      2 +
      Object.entries(States).reduce(
        (sum, [name, state]) =>
          sum + historyEventsOfState(state, { attempts: name === 'Alert' ? 2 : 1, items: 2 }),
        0,
      );
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.historyEvents).toBe(expected);
    expect(expected).toBe(39);
  });
});
