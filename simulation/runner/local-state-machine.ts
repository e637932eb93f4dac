/**
 * Runs the real state machine definition locally with aws-local-stepfunctions, with every Task routed
 * to the simulated account (AWS SDK integrations) or to the real handler code (Lambda invokes), in
 * simulated time.
 *
 * Two faithful rewrites make simulated time possible, and nothing else of the definition changes:
 * - each Wait state runs as a Task that sleeps on the simulated clock for the Wait's own Seconds /
 *   SecondsPath, with the same InputPath, OutputPath and transition;
 * - a retried Task sleeps its retrier's backoff (interval, rate, cap, full jitter from a seeded
 *   generator) on the simulated clock before calling again, instead of the library's real-time sleep.
 */
import './node20-compatibility.js';
import {
  ExecutionError,
  type StateMachineDefinition as LibraryDefinition,
  StateMachine,
} from 'aws-local-stepfunctions';
import {
  type JsonValue,
  LAMBDA_INVOKE,
  parseSdkIntegration,
  type Retrier,
  type State,
  type StateMachineDefinition,
  sdkIntegration,
  substitutePlaceholders,
  type TaskState,
  type WaitState,
} from '../../statemachines/amazon-states-language.js';

/** What the runner needs of the simulated account. */
export interface LocalBackend {
  readonly accountId: string;
  readonly region: string;
  readonly clock: { now(): Date; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  callStepFunctionsIntegration(resource: string, parameters: unknown): Promise<unknown>;
}

/** A Lambda handler run in-process: the real handler code, wired to the simulated account. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalStateMachineOptions {
  readonly name: string;
  /** The definition with its `${Placeholder}`s, as deployed. */
  readonly definition: StateMachineDefinition;
  readonly backend: LocalBackend;
  /** Lambda handlers, by the placeholder that names their ARN in the definition. */
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** Values of the other placeholders (topic ARN, table name...). */
  readonly resources: Readonly<Record<string, string>>;
  /** Simulated duration of one Lambda invocation (the call, not the handler's own API calls). */
  readonly lambdaLatencyMs?: number;
  /** Seed of the retry jitter, so runs repeat exactly. */
  readonly seed?: number;
}

export interface TransitionRecord {
  readonly state: string;
  /** The state's type in the real definition (Wait states run as local Tasks). */
  readonly type: State['Type'];
  readonly at: Date;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

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
}

const LOCAL_WAIT = 'arn:aws:states:::local:wait';

/** An error as Step Functions names it (Catch and Retry match on the name). */
function namedError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

interface WaitingTask {
  readonly executionArn: string;
  readonly resolve: (output: JsonValue) => void;
  readonly reject: (error: Error) => void;
}

function readPath(path: string, input: unknown): unknown {
  if (path === '$') return input;
  let value: unknown = input;
  for (const key of path.replace(/^\$\./, '').split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** mulberry32: small, seedable, good enough for jitter. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matchingRetrier(retriers: readonly Retrier[], errorName: string): number {
  return retriers.findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (name) => name === errorName || name === 'States.ALL' || name === 'States.TaskFailed',
    ),
  );
}

export class LocalStateMachine {
  readonly stateMachineArn: string;
  readonly executions: ExecutionRecord[] = [];
  private readonly definition: StateMachineDefinition;
  private readonly runnable: StateMachine;
  private readonly functionsByArn = new Map<string, LocalFunction>();
  private readonly random: () => number;
  private readonly running = new Set<Promise<ExecutionRecord>>();
  private executionCounter = 0;
  /** Tasks waiting for SendTaskSuccess/SendTaskFailure, by token. */
  private readonly waitingTasks = new Map<string, WaitingTask>();
  /** `$$.Task.Token` of each execution: one object per execution, renewed after every wait. */
  private readonly taskContexts = new Map<string, { Token: string; issued: number }>();

  constructor(private readonly options: LocalStateMachineOptions) {
    const { backend } = options;
    this.stateMachineArn = `arn:aws:states:${backend.region}:${backend.accountId}:stateMachine:${options.name}`;
    const values: Record<string, string> = { ...options.resources };
    for (const [placeholderName, handler] of Object.entries(options.functions)) {
      const arn = `arn:aws:lambda:${backend.region}:${backend.accountId}:function:${placeholderName}`;
      values[placeholderName] = arn;
      this.functionsByArn.set(arn, handler);
    }
    this.definition = substitutePlaceholders(options.definition, values);
    // Validate the real definition (paths, ARNs, structure) before running the rewritten one.
    new StateMachine(this.definition as unknown as LibraryDefinition);
    this.runnable = new StateMachine(this.rewriteWaits(this.definition) as unknown as LibraryDefinition, {
      validationOptions: { noValidate: true },
    });
    this.random = seededRandom(options.seed ?? 20261123);
  }

  /** The definition as it runs, after substitution: what the tests assert against. */
  get substitutedDefinition(): StateMachineDefinition {
    return this.definition;
  }

  /** Starts an execution; returns its record (updated as it runs) and a promise of its end. */
  start(input: unknown, name?: string): { record: ExecutionRecord; done: Promise<ExecutionRecord> } {
    this.executionCounter += 1;
    const executionName = name ?? `execution-${String(this.executionCounter).padStart(4, '0')}`;
    if (this.executions.some((execution) => execution.name === executionName)) {
      // As StartExecution: names are unique per state machine (for 90 days).
      throw namedError('ExecutionAlreadyExists', `Execution Already Exists: '${executionName}'`);
    }
    const record: ExecutionRecord = {
      executionArn: `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`,
      name: executionName,
      input,
      status: 'RUNNING',
      startedAt: this.options.backend.clock.now(),
      transitions: [],
      retries: 0,
      lambdaInvocations: 0,
    };
    this.executions.push(record);
    const done = this.run(record);
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { record, done };
  }

  /** Resolves once no execution is running (including ones started while waiting). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** What SendTaskSuccess does: the waiting task ends with `output` as its result. */
  sendTaskSuccess(taskToken: string, output: unknown): void {
    this.takeWaitingTask(taskToken).resolve(JSON.parse(JSON.stringify(output ?? {})) as JsonValue);
  }

  /** What SendTaskFailure does: the waiting task fails with `error` (Catch and Retry see that name). */
  sendTaskFailure(taskToken: string, error: string, cause = ''): void {
    this.takeWaitingTask(taskToken).reject(namedError(error, cause));
  }

  /** Tokens of the tasks waiting right now (what a test or the demo would read from the approval table). */
  get waitingTaskTokens(): string[] {
    return [...this.waitingTasks.keys()];
  }

  private takeWaitingTask(taskToken: string): WaitingTask {
    const waiting = this.waitingTasks.get(taskToken);
    // As the API: an unknown, already used or timed-out token is TaskDoesNotExist.
    if (!waiting) throw namedError('TaskDoesNotExist', `Task does not exist anymore: ${taskToken}`);
    this.waitingTasks.delete(taskToken);
    return waiting;
  }

  private async run(record: ExecutionRecord): Promise<ExecutionRecord> {
    const { clock } = this.options.backend;
    const taskContext = { Token: '', issued: 0 };
    this.renewToken(record, taskContext);
    this.taskContexts.set(record.executionArn, taskContext);
    const execution = this.runnable.run(record.input as JsonValue as never, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(record),
        retryIntervalOverrides: Object.fromEntries(
          Object.entries(this.definition.States)
            .filter(([, state]) => state.Type === 'Task' && state.Retry)
            .map(([stateName]) => [stateName, 0]),
        ),
      },
      context: {
        Execution: { Id: record.executionArn, Name: record.name },
        StateMachine: { Id: this.stateMachineArn, Name: this.options.name },
        // The same object throughout the run, so a renewed token is what the next wait reads.
        Task: taskContext,
      },
    });
    const logging = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') {
          const state = this.definition.States[event.state.name];
          record.transitions.push({ state: event.state.name, type: state?.Type ?? 'Task', at: clock.now() });
        } else if (event.type === 'StateRetried') {
          record.retries += 1;
        }
      }
    })();
    try {
      record.output = await execution.result;
      record.status = 'SUCCEEDED';
    } catch (error) {
      record.status = 'FAILED';
      const cause = error instanceof ExecutionError ? error.cause : error;
      record.error = cause instanceof Error ? cause.name : 'Unknown';
      record.cause = cause instanceof Error ? cause.message : String(cause);
    }
    await logging;
    record.stoppedAt = clock.now();
    this.taskContexts.delete(record.executionArn);
    for (const [token, waiting] of this.waitingTasks) {
      if (waiting.executionArn === record.executionArn) this.waitingTasks.delete(token);
    }
    return record;
  }

  private renewToken(record: ExecutionRecord, taskContext: { Token: string; issued: number }): void {
    taskContext.issued += 1;
    taskContext.Token = Buffer.from(`${record.executionArn}#${taskContext.issued}`).toString('base64');
  }

  private taskHandlers(record: ExecutionRecord): Record<string, (input: JsonValue) => Promise<JsonValue>> {
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type === 'Wait') {
        handlers[stateName] = async (input) => {
          await this.options.backend.clock.sleep(this.waitSeconds(state, input) * 1000);
          return input;
        };
      } else if (state.Type === 'Task') {
        handlers[stateName] = this.withSimulatedRetryDelay(state, (input) =>
          this.callTask(record, state, input),
        );
      }
    }
    return handlers;
  }

  private waitSeconds(state: WaitState, input: unknown): number {
    if (state.Seconds !== undefined) return state.Seconds;
    const seconds = state.SecondsPath ? readPath(state.SecondsPath, input) : undefined;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      // Step Functions fails the execution the same way on a bad SecondsPath.
      throw Object.assign(new Error(`SecondsPath ${state.SecondsPath} is not a non-negative integer`), {
        name: 'States.Runtime',
      });
    }
    return seconds;
  }

  private async callTask(record: ExecutionRecord, state: TaskState, input: JsonValue): Promise<JsonValue> {
    const integration = parseSdkIntegration(state.Resource);
    if (integration?.waitForTaskToken) {
      const call = sdkIntegration(integration.service, integration.action);
      return this.callAndWaitForToken(record, state, call, input);
    }
    return this.callResource(record, state.Resource, input);
  }

  private async callResource(
    record: ExecutionRecord,
    resource: string,
    input: JsonValue,
  ): Promise<JsonValue> {
    if (resource === LAMBDA_INVOKE) return this.invokeFunction(record, input);
    if (parseSdkIntegration(resource)) {
      return (await this.options.backend.callStepFunctionsIntegration(resource, input)) as JsonValue;
    }
    throw new Error(`Resource ${resource} is not simulated`);
  }

  /**
   * `.waitForTaskToken`: the call is made (its Parameters carry `$$.Task.Token`), then the task waits
   * for SendTaskSuccess/SendTaskFailure with that token, or fails with States.Timeout once its
   * TimeoutSeconds have passed in simulated time.
   */
  private async callAndWaitForToken(
    record: ExecutionRecord,
    state: TaskState,
    call: string,
    input: JsonValue,
  ): Promise<JsonValue> {
    const taskContext = this.taskContexts.get(record.executionArn);
    if (!taskContext) throw new Error(`no task context for ${record.executionArn}`);
    const token = taskContext.Token;
    const outcome = new Promise<JsonValue>((resolve, reject) => {
      this.waitingTasks.set(token, { executionArn: record.executionArn, resolve, reject });
    });
    try {
      await this.callResource(record, call, input);
    } catch (error) {
      this.waitingTasks.delete(token);
      throw error;
    } finally {
      this.renewToken(record, taskContext);
    }
    if (state.TimeoutSeconds === undefined) return outcome;
    const answered = new AbortController();
    const timeoutSeconds = state.TimeoutSeconds;
    const timeout = this.options.backend.clock.sleep(timeoutSeconds * 1000, answered.signal).then(() => {
      if (answered.signal.aborted || !this.waitingTasks.delete(token)) return outcome;
      throw namedError('States.Timeout', `No task response within ${timeoutSeconds} seconds`);
    });
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      // Answered (or timed out): the timer must not stay on the clock and move time later.
      answered.abort();
    }
  }

  private async invokeFunction(record: ExecutionRecord, input: JsonValue): Promise<JsonValue> {
    const request = input as { FunctionName?: string; Payload?: unknown };
    const handler = request.FunctionName ? this.functionsByArn.get(request.FunctionName) : undefined;
    if (!handler) {
      throw Object.assign(new Error(`Function not found: ${request.FunctionName}`), {
        name: 'Lambda.ResourceNotFoundException',
      });
    }
    record.lambdaInvocations += 1;
    await this.options.backend.clock.sleep(this.options.lambdaLatencyMs ?? 0);
    try {
      const payload = await handler(structuredClone(request.Payload));
      return {
        StatusCode: 200,
        ExecutedVersion: '$LATEST',
        Payload: JSON.parse(JSON.stringify(payload ?? null)),
      };
    } catch (error) {
      // As Step Functions reports a function error: Error is the errorType, Cause the JSON error.
      const failure = error instanceof Error ? error : new Error(String(error));
      throw Object.assign(
        new Error(JSON.stringify({ errorType: failure.name, errorMessage: failure.message })),
        {
          name: failure.name,
        },
      );
    }
  }

  private withSimulatedRetryDelay(
    state: TaskState,
    call: (input: JsonValue) => Promise<JsonValue>,
  ): (input: JsonValue) => Promise<JsonValue> {
    const retriers = state.Retry ?? [];
    const attempts = retriers.map(() => 0);
    let pendingDelayMs = 0;
    return async (input) => {
      if (pendingDelayMs > 0) await this.options.backend.clock.sleep(pendingDelayMs);
      pendingDelayMs = 0;
      try {
        const result = await call(input);
        attempts.fill(0);
        return result;
      } catch (error) {
        const index = matchingRetrier(retriers, error instanceof Error ? error.name : '');
        const retrier = retriers[index];
        if (retrier && (attempts[index] ?? 0) < (retrier.MaxAttempts ?? 3)) {
          const attempt = attempts[index] ?? 0;
          attempts[index] = attempt + 1;
          const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
          const capped = Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
          const jittered = retrier.JitterStrategy === 'FULL' ? capped * this.random() : capped;
          pendingDelayMs = Math.round(jittered * 1000);
        } else {
          attempts.fill(0);
        }
        throw error;
      }
    };
  }

  private rewriteWaits(definition: StateMachineDefinition): StateMachineDefinition {
    const states: Record<string, State> = {};
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Wait') {
        states[name] = state;
        continue;
      }
      const { Seconds: _seconds, SecondsPath: _secondsPath, Type: _type, ...rest } = state;
      states[name] = { ...rest, Type: 'Task', Resource: LOCAL_WAIT };
    }
    return { ...definition, States: states };
  }
}
