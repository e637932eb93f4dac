import { describe, expect, it } from 'vitest';
import {
  definitionLimitProblems,
  executionInputRejection,
  HISTORY_LIMIT_FAILURE,
  historyEventsOfState,
  lambdaRequestId,
  lambdaTimeoutFailure,
  MAX_EXECUTION_SECONDS,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
  payloadBytes,
  payloadFailure,
  recordHistory,
} from '../../simulation/runner/step-functions-limits.js';
import {
  LAMBDA_INVOKE,
  type StateMachineDefinition,
  sdkIntegration,
  type TaskState,
} from '../../statemachines/amazon-states-language.js';

const sdkTask: TaskState = { Type: 'Task', Resource: sdkIntegration('sns', 'publish'), End: true };

describe('Step Functions limits: the numbers', () => {
  it('Given the AWS quotas, Then payloads are 256 KiB, histories 25,000 events, executions one year', () => {
    expect([MAX_PAYLOAD_BYTES, MAX_HISTORY_EVENTS, MAX_EXECUTION_SECONDS]).toEqual([
      262_144, 25_000, 31_536_000,
    ]);
  });
});

describe('Step Functions limits: payload size', () => {
  it('Given JSON with non-ASCII text, When it is measured, Then its size is the UTF-8 bytes of its JSON text', () => {
    expect(payloadBytes({ note: 'é' })).toBe('{"note":"é"}'.length + 1);
    expect(payloadBytes(undefined)).toBe(4);
  });

  it('Given a result of exactly 256 KiB, Then it passes; one byte more, Then States.DataLimitExceeded with AWS’s wording and the size', () => {
    expect(payloadFailure('task result', 'Fetch', MAX_PAYLOAD_BYTES)).toBeUndefined();
    expect(payloadFailure('task result', 'Fetch', MAX_PAYLOAD_BYTES + 1)).toEqual({
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'Fetch' returned a result with a size exceeding the maximum number of bytes service limit. Size: 262145 bytes, limit: 262144.",
    });
  });

  it('Given an oversized input rather than a result, Then the cause says the state received it', () => {
    expect(payloadFailure('task input', 'Alert', 300_000)?.cause).toBe(
      "The state/task 'Alert' received an input with a size exceeding the maximum number of bytes service limit. Size: 300000 bytes, limit: 262144.",
    );
  });

  it('Given an execution input over 256 KiB, Then StartExecution’s ValidationException, as the API words it', () => {
    expect(executionInputRejection(MAX_PAYLOAD_BYTES)).toBeUndefined();
    expect(executionInputRejection(MAX_PAYLOAD_BYTES + 1)).toEqual({
      error: 'ValidationException',
      cause:
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding",
    });
  });
});

describe('Step Functions limits: history events per state', () => {
  it('Given a Pass, Choice, Wait or Succeed state, Then entering and leaving it records 2 events', () => {
    expect(historyEventsOfState({ Type: 'Pass', End: true })).toBe(2);
    expect(historyEventsOfState({ Type: 'Choice', Choices: [], Default: 'Next' })).toBe(2);
    expect(historyEventsOfState({ Type: 'Wait', Seconds: 5, End: true })).toBe(2);
    expect(historyEventsOfState({ Type: 'Succeed' })).toBe(2);
  });

  it('Given a Fail state, Then only FailStateEntered is its own: the ExecutionFailed after it is the execution’s', () => {
    expect(historyEventsOfState({ Type: 'Fail', Error: 'Boom' })).toBe(1);
  });

  it('Given an SDK Task, Then 5 events (entered, scheduled, started, succeeded, exited), and 3 more per retry', () => {
    expect(historyEventsOfState(sdkTask)).toBe(5);
    expect(historyEventsOfState(sdkTask, { attempts: 3 })).toBe(11);
  });

  it('Given a lambda:invoke Task, Then 5 events, as its function events are three', () => {
    expect(historyEventsOfState({ ...sdkTask, Resource: LAMBDA_INVOKE })).toBe(5);
  });

  it('Given a .waitForTaskToken Task, Then 6 events: TaskSubmitted comes in addition', () => {
    const waitForToken = sdkIntegration('dynamodb', 'putItem', { waitForTaskToken: true });
    expect(historyEventsOfState({ ...sdkTask, Resource: waitForToken })).toBe(6);
  });

  it('Given a Map of 3 items over a Pass, Then entered, started, succeeded, exited, and per item 2 iteration events and the Pass’s 2', () => {
    const map = {
      Type: 'Map',
      ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
      End: true,
    } as const;
    expect(historyEventsOfState(map, { items: 3 })).toBe(4 + 3 * 4);
  });
});

describe('Step Functions limits: the 25,000th event', () => {
  it('Given 24,998 events, When a state is entered, Then it is event 24,999 and the execution goes on', () => {
    expect(recordHistory(24_998, { kind: 'StateEntered', type: 'Pass' })).toEqual({ total: 24_999 });
  });

  it('Given 24,999 events, When any event but the closing one comes, Then it is not recorded and the execution fails with States.Runtime', () => {
    expect(recordHistory(24_999, { kind: 'StateExited', type: 'Pass' })).toEqual({
      total: 24_999,
      failure: {
        error: 'States.Runtime',
        cause: 'The execution reached the maximum number of history events (25000).',
      },
    });
    expect(recordHistory(24_999, { kind: 'ExecutionEnded' })).toEqual({ total: 25_000 });
  });

  it('Given 24,998 events, When a Task is scheduled and started, Then TaskScheduled is event 24,999 and TaskStarted fails the execution', () => {
    expect(recordHistory(24_998, { kind: 'TaskStarted' })).toEqual({
      total: 24_999,
      failure: HISTORY_LIMIT_FAILURE,
    });
  });
});

describe('Step Functions limits: function timeouts', () => {
  it('Given a timed-out invocation, Then Sandbox.Timedout with Lambda’s JSON error, its request id shaped as a UUID and stable', () => {
    const requestId = lambdaRequestId('arn:aws:states:eu-west-1:111122223333:execution:m:e', 1);
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lambdaRequestId('arn:aws:states:eu-west-1:111122223333:execution:m:e', 1)).toBe(requestId);
    expect(lambdaTimeoutFailure(requestId, 60)).toEqual({
      error: 'Sandbox.Timedout',
      cause: `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ${requestId} Error: Task timed out after 60.00 seconds"}`,
    });
  });
});

describe('Step Functions limits: what a definition must not do', () => {
  const fn = 'arn:aws:lambda:eu-west-1:111122223333:function:Plan';
  const invoke = (timeoutSeconds?: number): TaskState => ({
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: fn },
    ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
    End: true,
  });

  it('Given every problem at once, Then every one is listed', () => {
    const definition: StateMachineDefinition = {
      TimeoutSeconds: MAX_EXECUTION_SECONDS + 1,
      StartAt: 'Short',
      States: {
        Short: invoke(60),
        Guarded: { ...sdkTask, Retry: [{ ErrorEquals: ['States.DataLimitExceeded'] }] },
      },
    };
    expect(
      definitionLimitProblems(
        definition,
        new Map([
          [fn, 60],
          ['arn:other', 901],
        ]),
      ),
    ).toEqual([
      'TimeoutSeconds 31536001 exceeds the 31536000 seconds (one year) a Standard execution may run',
      "function arn:other: timeout 901 s is outside Lambda's 1-900 seconds",
      `Task 'Short': TimeoutSeconds 60 is not larger than the 60 s timeout of ${fn}`,
      "state 'Guarded': a Retry or Catch on States.DataLimitExceeded is not simulated (the runner ends the execution on it); do not rely on it",
    ]);
  });

  it('Given Tasks with a longer TimeoutSeconds than their function, or none (AWS waits up to a year), Then nothing is wrong', () => {
    const definition: StateMachineDefinition = {
      TimeoutSeconds: MAX_EXECUTION_SECONDS,
      StartAt: 'Longer',
      States: { Longer: invoke(61), Unbounded: invoke() },
    };
    expect(definitionLimitProblems(definition, new Map([[fn, 60]]))).toEqual([]);
  });
});
