/**
 * The AWS Step Functions limits the local runner enforces, as pure functions: payload sizes, history
 * event counting, and the checks a definition must pass before it runs. The constants are the ones
 * the stack validates its configuration against.
 *
 * Sources:
 * - https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html: "Maximum input or
 *   output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string";
 *   "Maximum execution history size: 25,000 events in a single state machine execution history. If
 *   the execution history reaches this quota, the execution will fail"; "Maximum execution time:
 *   1 year. If an execution runs for more than the 1-year maximum, it will fail with a
 *   States.Timeout error".
 * - https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html: States.ALL
 *   "cannot catch States.DataLimitExceeded terminal error or Runtime error types".
 */
import { createHash } from 'node:crypto';
import {
  LAMBDA_INVOKE,
  parseSdkIntegration,
  type State,
  type StateMachineDefinition,
} from '../../statemachines/amazon-states-language.js';

export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_HISTORY_EVENTS = 25_000;
/** One year: the longest a Standard execution runs. */
export const MAX_EXECUTION_SECONDS = 31_536_000;
/** Lambda's own range for a function's timeout. */
export const MAX_LAMBDA_TIMEOUT_SECONDS = 900;

export interface LimitFailure {
  readonly error: string;
  readonly cause: string;
}

/** Size as Step Functions measures it: the UTF-8 bytes of the JSON text. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/**
 * StartExecution refuses an oversized input itself, and no execution starts: its `input` has a
 * "Maximum length of 262144", "expressed as bytes in UTF-8 encoding"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html); the
 * message is the ValidationException the API returns for it.
 */
export function executionInputRejection(bytes: number): LimitFailure | undefined {
  if (bytes <= MAX_PAYLOAD_BYTES) return undefined;
  return {
    error: 'ValidationException',
    cause: `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to ${MAX_PAYLOAD_BYTES} bytes in UTF-8 encoding`,
  };
}

export type PayloadKind = 'state input' | 'task input' | 'task result' | 'state output';

/**
 * States.DataLimitExceeded for a payload over the limit. Results and outputs get AWS's wording
 * (observed on task results and on a Map's output); AWS's wording for an oversized input is not
 * documented, so inputs get a sentence of ours. Both add the size, which AWS's cause does not give.
 */
export function payloadFailure(
  kind: PayloadKind,
  stateName: string,
  bytes: number,
): LimitFailure | undefined {
  if (bytes <= MAX_PAYLOAD_BYTES) return undefined;
  const what = kind === 'task result' || kind === 'state output' ? 'returned a result' : 'received an input';
  return {
    error: 'States.DataLimitExceeded',
    cause: `The state/task '${stateName}' ${what} with a size exceeding the maximum number of bytes service limit. Size: ${bytes} bytes, limit: ${MAX_PAYLOAD_BYTES}.`,
  };
}

/** A request id shaped as Lambda's (a UUID), the same on every run. */
export function lambdaRequestId(executionArn: string, invocation: number): string {
  const hex = createHash('sha256').update(`${executionArn}#${invocation}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A function past its own timeout, as the Task sees it: Lambda's errorType as the error, its JSON
 * error as the cause. Lambda names the error Sandbox.Timedout
 * (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts)
 * and executions record that name, with `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId:
 * ... Error: Task timed out after N.NN seconds"}` as the cause (public execution histories). The
 * Step Functions guide still says function timeouts are reported as Lambda.Unknown
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html): either
 * matches States.TaskFailed and States.ALL, only a Retry or Catch naming one tells them apart.
 */
export function lambdaTimeoutFailure(requestId: string, timeoutSeconds: number): LimitFailure {
  const errorMessage = `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
  return {
    error: 'Sandbox.Timedout',
    cause: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage }),
  };
}

/**
 * What the runner sees happen, each standing for the events Step Functions records for it:
 * - ExecutionStarted, ExecutionEnded (Succeeded, Failed, TimedOut or Aborted): 1 each;
 * - StateEntered, StateExited: <Type>StateEntered / <Type>StateExited; a Map also records
 *   MapStateStarted on entry and MapStateSucceeded on a successful exit;
 * - TaskStarted: TaskScheduled + TaskStarted (LambdaFunctionScheduled + LambdaFunctionStarted for a
 *   function), again on every retry; TaskSubmitted (`.waitForTaskToken`); TaskEnded: TaskSucceeded,
 *   TaskFailed or TaskTimedOut (LambdaFunction* likewise);
 * - MapIterationStarted, MapIterationEnded (Succeeded or Failed), MapStateFailed: 1 each.
 */
export type HistoryStep =
  | {
      readonly kind:
        | 'ExecutionStarted'
        | 'ExecutionEnded'
        | 'TaskStarted'
        | 'TaskSubmitted'
        | 'TaskEnded'
        | 'MapIterationStarted'
        | 'MapIterationEnded'
        | 'MapStateFailed';
    }
  | { readonly kind: 'StateEntered'; readonly type: State['Type'] }
  | { readonly kind: 'StateExited'; readonly type: State['Type']; readonly afterFailure?: boolean };

export function historyEventsOf(step: HistoryStep): number {
  switch (step.kind) {
    case 'TaskStarted':
      return 2;
    case 'StateEntered':
      return step.type === 'Map' ? 2 : 1;
    case 'StateExited':
      return step.type === 'Map' && !step.afterFailure ? 2 : 1;
    default:
      return 1;
  }
}

/**
 * AWS wording of the failure, as executions that hit the quota report it (e.g.
 * https://github.com/loads/ardere/issues/86): error States.Runtime, which no Retry or Catch matches.
 */
export const HISTORY_LIMIT_FAILURE: LimitFailure = {
  error: 'States.Runtime',
  cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
};

/**
 * Adds a step's events to a history of `current` events. The closing event always fits: an event
 * that would be number 25,000 is not recorded, the execution fails and ExecutionFailed is number
 * 25,000 (as in AWS histories that hit the quota).
 */
export function recordHistory(
  current: number,
  step: HistoryStep,
): { readonly total: number; readonly failure?: LimitFailure } {
  const total = current + historyEventsOf(step);
  if (step.kind === 'ExecutionEnded' || total < MAX_HISTORY_EVENTS) return { total };
  return { total: MAX_HISTORY_EVENTS - 1, failure: HISTORY_LIMIT_FAILURE };
}

export interface StateRun {
  /** Calls of a Task (1 + retries). */
  readonly attempts?: number;
  /** Items a Map iterates over; each inner state is taken to run once per item. */
  readonly items?: number;
}

/** The events one pass through a state records, from its entry to its exit. */
export function historyEventsOfState(state: State, run: StateRun = {}): number {
  // A Fail state is entered and ends the execution: the ExecutionFailed that follows is the execution's.
  if (state.Type === 'Fail') return historyEventsOf({ kind: 'StateEntered', type: 'Fail' });
  let events =
    historyEventsOf({ kind: 'StateEntered', type: state.Type }) +
    historyEventsOf({ kind: 'StateExited', type: state.Type });
  if (state.Type === 'Task') {
    const submitted = parseSdkIntegration(state.Resource)?.waitForTaskToken ? 1 : 0;
    const perAttempt =
      historyEventsOf({ kind: 'TaskStarted' }) + submitted + historyEventsOf({ kind: 'TaskEnded' });
    events += (run.attempts ?? 1) * perAttempt;
  } else if (state.Type === 'Map') {
    const inner = Object.values(state.ItemProcessor.States).reduce(
      (sum, innerState) => sum + historyEventsOfState(innerState),
      0,
    );
    events += (run.items ?? 0) * (inner + 2);
  }
  return events;
}

function allStates(states: Readonly<Record<string, State>>): Array<[string, State]> {
  return Object.entries(states).flatMap(
    ([name, state]): Array<[string, State]> => [
      [name, state],
      ...(state.Type === 'Map' ? allStates(state.ItemProcessor.States) : []),
    ],
  );
}

/**
 * What a definition must not do to run here as in AWS, every problem listed:
 * - a TimeoutSeconds beyond a Standard execution's year;
 * - a function timeout outside Lambda's 1-900 seconds;
 * - a Task whose TimeoutSeconds is not larger than the timeout of the function it invokes: Step
 *   Functions would time the state out and move on while the function keeps running and writing;
 * - a Retry or Catch naming States.DataLimitExceeded: whether AWS lets an explicit name catch it is
 *   not documented, so the runner treats it as terminal and a definition must not rely on it.
 */
export function definitionLimitProblems(
  definition: StateMachineDefinition,
  functionTimeouts: ReadonlyMap<string, number>,
): string[] {
  const problems: string[] = [];
  if (definition.TimeoutSeconds !== undefined && definition.TimeoutSeconds > MAX_EXECUTION_SECONDS) {
    problems.push(
      `TimeoutSeconds ${definition.TimeoutSeconds} exceeds the ${MAX_EXECUTION_SECONDS} seconds (one year) a Standard execution may run`,
    );
  }
  for (const [functionArn, seconds] of functionTimeouts) {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_LAMBDA_TIMEOUT_SECONDS) {
      problems.push(
        `function ${functionArn}: timeout ${seconds} s is outside Lambda's 1-${MAX_LAMBDA_TIMEOUT_SECONDS} seconds`,
      );
    }
  }
  for (const [name, state] of allStates(definition.States)) {
    if (state.Type !== 'Task' && state.Type !== 'Map') continue;
    const handlers = [...(state.Type === 'Task' ? (state.Retry ?? []) : []), ...(state.Catch ?? [])];
    if (handlers.some((handler) => handler.ErrorEquals.includes('States.DataLimitExceeded'))) {
      problems.push(
        `state '${name}': a Retry or Catch on States.DataLimitExceeded is not simulated (the runner ends the execution on it); do not rely on it`,
      );
    }
    if (state.Type !== 'Task' || state.Resource !== LAMBDA_INVOKE) continue;
    const functionName = state.Parameters?.FunctionName;
    const functionSeconds = typeof functionName === 'string' ? functionTimeouts.get(functionName) : undefined;
    if (functionSeconds !== undefined && state.TimeoutSeconds !== undefined) {
      if (state.TimeoutSeconds <= functionSeconds) {
        problems.push(
          `Task '${name}': TimeoutSeconds ${state.TimeoutSeconds} is not larger than the ${functionSeconds} s timeout of ${functionName}`,
        );
      }
    }
  }
  return problems;
}
