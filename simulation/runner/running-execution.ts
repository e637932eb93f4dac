/**
 * One execution as the local runner drives it: its record, and what ends it from outside the
 * library as Step Functions would (a payload or history limit, its TimeoutSeconds, StopExecution).
 * Once it is over nothing of it acts any more: every Task and Wait goes through `guard`.
 */
import { setMaxListeners } from 'node:events';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { JsonValue, Retrier, State } from '../../statemachines/amazon-states-language.js';
import {
  type HistoryStep,
  type PayloadKind,
  payloadBytes,
  payloadFailure,
  recordHistory,
} from './step-functions-limits.js';

export interface TransitionRecord {
  readonly state: string;
  /** The state's type in the real definition (Wait states run as local Tasks; a Map's inner states keep theirs). */
  readonly type: State['Type'];
  readonly at: Date;
  /** How a Task's last attempt ended: its result as returned (before ResultSelector), or its error's name. */
  ended?: { readonly result: unknown } | { readonly error: string };
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: unknown;
  status: ExecutionStatus;
  readonly startedAt: Date;
  stoppedAt?: Date;
  output?: unknown;
  error?: string;
  cause?: string;
  readonly transitions: TransitionRecord[];
  /** Retries count as state transitions in Step Functions billing. */
  retries: number;
  lambdaInvocations: number;
  /** Events of the execution's history, counted as Step Functions records them (25,000 at most). */
  historyEvents: number;
  /** The largest execution input, state input or output, task input or result, in UTF-8 bytes of JSON. */
  maxPayloadBytes: number;
  /**
   * What GetExecutionHistory gives for the top-level states, oldest first: each state entered with its
   * input and exited with its output, as Step Functions records them (`<Type>StateEntered`...).
   */
  readonly history: HistoryEntry[];
}

/** One event of an execution's history, in GetExecutionHistory's shape (top-level states only). */
export interface HistoryEntry {
  readonly id: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly stateEnteredEventDetails?: { readonly name: string; readonly input: string };
  readonly stateExitedEventDetails?: { readonly name: string; readonly output: string };
  /** On the closing event of an execution that did not succeed (ExecutionFailed, -Aborted, -TimedOut). */
  readonly executionFailedEventDetails?: { readonly error?: string; readonly cause?: string };
  readonly executionAbortedEventDetails?: { readonly error?: string; readonly cause?: string };
  readonly executionTimedOutEventDetails?: { readonly error?: string; readonly cause?: string };
}

export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

interface Ending {
  readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

type EventLog = ReturnType<StateMachine['run']>['eventLogs'];

/** An error as Step Functions names it (Catch and Retry match on the name). */
export function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** An error no Retry or Catch of the library matches, as Step Functions' terminal errors. */
export function terminalError(name: string, message: string): Error {
  return Object.assign(namedError(name, message), { isRetryable: false, isCatchable: false });
}

/**
 * The library matches States.TaskFailed against any error but an instance of its own States.Timeout
 * class, as AWS's States.TaskFailed matches anything but States.Timeout. The class is not exported:
 * a one-state machine that times out after 1 ms of real time hands an instance over, once.
 */
async function libraryTimeoutPrototype(): Promise<object> {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:::function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const never = new Promise<never>(() => undefined);
  const execution = probe.run({}, { overrides: { taskResourceLocalHandlers: { Probe: () => never } } });
  const failure = await execution.result.then(
    () => undefined,
    (error: unknown) => error,
  );
  const timeout = failure instanceof ExecutionError ? failure.cause : undefined;
  if (!(timeout instanceof Error) || timeout.name !== 'States.Timeout') {
    throw new Error('aws-local-stepfunctions no longer reports a Task timeout as the runner expects');
  }
  return Object.getPrototypeOf(timeout) as object;
}

const TIMEOUT_PROTOTYPE = await libraryTimeoutPrototype();

/** States.Timeout, which a Retry or Catch on States.TaskFailed does not match. */
export function timeoutError(message: string): Error {
  return Object.setPrototypeOf(namedError('States.Timeout', message), TIMEOUT_PROTOTYPE) as Error;
}

/** The retrier the library picks (States.TaskFailed: any error but States.Timeout), so its backoff is simulated. */
function matchingRetrier(retriers: readonly Retrier[], error: unknown): number {
  const name = error instanceof Error ? error.name : '';
  return retriers.findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (candidate) =>
        candidate === name ||
        candidate === 'States.ALL' ||
        (candidate === 'States.TaskFailed' && name !== 'States.Timeout'),
    ),
  );
}

export class RunningExecution {
  /** Aborted once the execution is over, however it ends: its timers leave the clock. */
  readonly over = new AbortController();
  /** `$$.Task.Token`: the same object throughout the run, renewed after every wait. */
  readonly taskContext = { Token: '', issued: 0 };
  /** Set when the runner ends the execution itself. */
  ending: Ending | undefined;
  abortLibrary: (() => void) | undefined;
  /** Rejects once the execution is over: every Task and Wait races it, so none outlives it. */
  private readonly overPromise: Promise<never>;

  constructor(
    readonly record: ExecutionRecord,
    private readonly clock: Clock,
    private readonly onHalt: () => void,
  ) {
    // Every sleep of the run listens to it: they are many, and all go when the run ends.
    setMaxListeners(0, this.over.signal);
    this.overPromise = new Promise<never>((_, reject) => {
      this.over.signal.addEventListener('abort', () => reject(this.endedError()), { once: true });
    });
    this.overPromise.catch(() => undefined);
    this.renewToken();
    // Counted here rather than from the log: a StopExecution right after the start still has it.
    this.count({ kind: 'ExecutionStarted' });
  }

  renewToken(): void {
    this.taskContext.issued += 1;
    this.taskContext.Token = Buffer.from(`${this.record.executionArn}#${this.taskContext.issued}`).toString(
      'base64',
    );
  }

  /**
   * Ends the execution as Step Functions does on a limit, its timeout or StopExecution: recorded at
   * once, its timers and pending task dropped, the library's run aborted.
   */
  halt(ending: Ending): void {
    if (this.over.signal.aborted) return;
    const { record } = this;
    this.ending = ending;
    record.status = ending.status;
    record.error = ending.error;
    record.cause = ending.cause;
    record.stoppedAt = this.clock.now();
    this.closeHistory();
    this.over.abort();
    this.abortLibrary?.();
    this.onHalt();
  }

  /** The closing event, as GetExecutionHistory lists it last, with the error and cause of an end that failed. */
  private closeHistory(): void {
    const { record } = this;
    const last = record.history.at(-1);
    if (last?.type.startsWith('Execution')) return;
    const details = {
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
    };
    const base = { id: record.history.length + 1, timestamp: this.clock.now() };
    record.history.push(
      record.status === 'FAILED'
        ? { ...base, type: 'ExecutionFailed', executionFailedEventDetails: details }
        : record.status === 'ABORTED'
          ? { ...base, type: 'ExecutionAborted', executionAbortedEventDetails: details }
          : record.status === 'TIMED_OUT'
            ? { ...base, type: 'ExecutionTimedOut', executionTimedOutEventDetails: details }
            : { ...base, type: 'ExecutionSucceeded' },
    );
  }

  /** How the library's run ended, unless the runner ended it first; then the closing event. */
  finish(outcome: { readonly output: unknown } | { readonly failure: unknown }): void {
    const { record } = this;
    if (!this.ending) {
      if ('output' in outcome) {
        record.output = outcome.output;
        record.status = 'SUCCEEDED';
      } else {
        record.status = 'FAILED';
        const cause = outcome.failure instanceof ExecutionError ? outcome.failure.cause : outcome.failure;
        record.error = cause instanceof Error ? cause.name : 'Unknown';
        record.cause = cause instanceof Error ? cause.message : String(cause);
      }
      record.stoppedAt = this.clock.now();
      this.closeHistory();
    }
    this.count({ kind: 'ExecutionEnded' });
    this.over.abort();
  }

  /** Its TimeoutSeconds of simulated time: then it ends TIMED_OUT. */
  startTimer(seconds: number): void {
    // Registered once start() has returned, as every other timer of a run: a clock drain scheduled
    // inside start() would let time jump before its caller has looked at the new execution.
    queueMicrotask(() => {
      void this.clock.sleep(seconds * 1000, this.over.signal).then(() => {
        const cause = `The execution ran longer than ${seconds} seconds.`;
        if (!this.over.signal.aborted) this.halt({ status: 'TIMED_OUT', error: 'States.Timeout', cause });
      });
    });
  }

  /** Notes how a Task's attempt ended on its latest transition (what a timeline shows). */
  noteTaskEnd(stateName: string, ended: NonNullable<TransitionRecord['ended']>): void {
    const transition = this.record.transitions.findLast((each) => each.state === stateName);
    if (transition) transition.ended = ended;
  }

  throwIfOver(): void {
    if (this.over.signal.aborted) throw this.endedError();
  }

  /** Records the history events a step stands for; past the limit, the execution fails. */
  count(step: HistoryStep): void {
    // Once the runner has ended an execution, nothing but its closing event is recorded.
    if (this.ending && step.kind !== 'ExecutionEnded') return;
    const { total, failure } = recordHistory(this.record.historyEvents, step);
    this.record.historyEvents = total;
    if (failure) this.halt({ status: 'FAILED', ...failure });
  }

  /** Measures a payload; over the limit, the execution fails. */
  measure(kind: PayloadKind, stateName: string, value: unknown): void {
    if (this.ending) return;
    this.measureBytes(kind, stateName, payloadBytes(value));
  }

  private measureBytes(kind: PayloadKind, stateName: string, bytes: number): void {
    this.record.maxPayloadBytes = Math.max(this.record.maxPayloadBytes, bytes);
    const failure = payloadFailure(kind, stateName, bytes);
    if (failure) this.halt({ status: 'FAILED', ...failure });
  }

  /** A Task or Wait acts only once the event log has caught up, and only while the execution runs. */
  guard(work: (input: JsonValue) => Promise<JsonValue>): (input: JsonValue) => Promise<JsonValue> {
    return async (input) => {
      // process.nextTick runs after every pending microtask (the event log's included) and before
      // any timer; setImmediate would let the simulated clock move first.
      await new Promise<void>((resolve) => process.nextTick(resolve));
      this.throwIfOver();
      return Promise.race([work(input), this.overPromise]);
    };
  }

  async sleep(ms: number): Promise<void> {
    await this.clock.sleep(ms, this.over.signal);
    this.throwIfOver();
  }

  /**
   * A Task's calls, each retry first sleeping its retrier's backoff (interval, rate, cap, full jitter
   * from `random`) on the simulated clock, instead of the library's real-time sleep.
   */
  withRetryBackoff(
    retriers: readonly Retrier[],
    random: () => number,
    call: (input: JsonValue) => Promise<JsonValue>,
  ): (input: JsonValue) => Promise<JsonValue> {
    const attempts = retriers.map(() => 0);
    let pendingDelayMs = 0;
    return async (input) => {
      if (pendingDelayMs > 0) await this.sleep(pendingDelayMs);
      pendingDelayMs = 0;
      try {
        const result = await call(input);
        attempts.fill(0);
        return result;
      } catch (error) {
        const index = matchingRetrier(retriers, error);
        const retrier = retriers[index];
        if (retrier && (attempts[index] ?? 0) < (retrier.MaxAttempts ?? 3)) {
          const attempt = attempts[index] ?? 0;
          attempts[index] = attempt + 1;
          const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
          const capped = Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
          const jittered = retrier.JitterStrategy === 'FULL' ? capped * random() : capped;
          pendingDelayMs = Math.round(jittered * 1000);
        } else {
          attempts.fill(0);
        }
        throw error;
      }
    };
  }

  /** `work`, unless `seconds` of simulated time pass first and `onTimeout` names the error. */
  async withTimeout<T>(
    seconds: number | undefined,
    work: Promise<T>,
    onTimeout: () => Error | undefined,
  ): Promise<T> {
    if (seconds === undefined) return work;
    const settled = new AbortController();
    const signal = AbortSignal.any([settled.signal, this.over.signal]);
    const timer = this.clock.sleep(seconds * 1000, signal).then(() => {
      const error = signal.aborted ? undefined : onTimeout();
      if (error) throw error;
      return work;
    });
    try {
      return await Promise.race([work, timer]);
    } finally {
      // Settled (or timed out): the timer must not stay on the clock and move time later.
      settled.abort();
    }
  }

  /**
   * Follows the library's event log: transitions, retries, history events, state inputs and
   * outputs. `typeOf` gives a state's type in the real definition (Wait states run as Tasks).
   */
  async follow(events: EventLog, typeOf: (stateName: string) => State['Type'] | undefined): Promise<void> {
    const { record } = this;
    const failedMaps = new Set<string>();
    for await (const event of events) {
      if (event.type === 'MapIterationStarted') {
        this.count({ kind: 'MapIterationStarted' });
      } else if (event.type === 'MapIterationSucceeded' || event.type === 'MapIterationFailed') {
        this.count({ kind: 'MapIterationEnded' });
      } else if (event.type === 'StateRetried') {
        record.retries += 1;
      } else if (
        event.type === 'StateEntered' ||
        event.type === 'StateExited' ||
        event.type === 'StateFailed'
      ) {
        const { name } = event.state;
        // A Map's inner states (index set) are not rewritten: the library's type is theirs.
        const type =
          (event.index === undefined ? typeOf(name) : undefined) ?? (event.state.type as State['Type']);
        const key = `${name}#${event.index ?? ''}`;
        if (event.type === 'StateEntered') {
          this.count({ kind: 'StateEntered', type });
          // A state entered past the history limit was never entered.
          if (!this.ending) {
            record.transitions.push({ state: name, type, at: this.clock.now() });
            // Serialized once, for the history and the size limit (a large state is most of a step's cost).
            const input = JSON.stringify(event.state.input ?? null);
            if (event.index === undefined)
              this.addHistory(`${type}StateEntered`, name, {
                input: event.state.input === undefined ? '{}' : input,
              });
            this.measureBytes('state input', name, Buffer.byteLength(input, 'utf8'));
          }
        } else if (event.type === 'StateExited') {
          this.count({ kind: 'StateExited', type, afterFailure: failedMaps.delete(key) });
          if (!this.ending) {
            const output = JSON.stringify(event.state.output ?? null);
            if (event.index === undefined) this.addHistory(`${type}StateExited`, name, { output });
            this.measureBytes('state output', name, Buffer.byteLength(output, 'utf8'));
          }
        } else if (type === 'Map') {
          failedMaps.add(key);
          this.count({ kind: 'MapStateFailed' });
        }
      }
    }
  }

  /** One event of the history GetExecutionHistory serves (input and output as JSON text). */
  private addHistory(
    type: string,
    name: string,
    details: { readonly input: string } | { readonly output: string },
  ): void {
    const { history } = this.record;
    const base = { id: history.length + 1, timestamp: this.clock.now(), type };
    history.push(
      'input' in details
        ? { ...base, stateEnteredEventDetails: { name, input: details.input } }
        : { ...base, stateExitedEventDetails: { name, output: details.output } },
    );
  }

  private endedError(): Error {
    return terminalError(
      this.ending?.error ?? 'ExecutionEnded',
      this.ending?.cause ?? 'The execution is over',
    );
  }
}
