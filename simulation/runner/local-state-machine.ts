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
 *
 * Step Functions' limits hold as in AWS (step-functions-limits.ts, running-execution.ts): a payload
 * over 256 KiB fails the execution with States.DataLimitExceeded and a history past 25,000 events
 * with States.Runtime (no Retry or Catch sees either), a Task past its TimeoutSeconds fails with
 * States.Timeout, a function past its own timeout with Sandbox.Timedout, and an execution past its
 * TimeoutSeconds (a year at most) ends TIMED_OUT. The library has no hooks for them: the runner reads
 * state inputs and outputs from its event log and, before a Task or Wait acts, lets that log catch
 * up, so that nothing reaches the simulated account once a limit has ended the execution.
 */
import { createHash } from 'node:crypto';
import { deepFreeze } from '../frozen-json.js';
import { mulberry32 } from '../seeded-random.js';
import './node20-compatibility.js';
import { type StateMachineDefinition as LibraryDefinition, StateMachine } from 'aws-local-stepfunctions';
import {
  type JsonObject,
  type JsonValue,
  LAMBDA_INVOKE,
  parseSdkIntegration,
  type State,
  type StateMachineDefinition,
  sdkIntegration,
  substitutePlaceholders,
  type TaskState,
  type WaitState,
} from '../../statemachines/amazon-states-language.js';
import type { Caller } from '../account/authorizer.js';
import type { HistoryEntry } from './running-execution.js';
import {
  type ExecutionRecord,
  namedError,
  RunningExecution,
  terminalError,
  timeoutError,
} from './running-execution.js';
import {
  definitionLimitProblems,
  executionInputRejection,
  lambdaRequestId,
  lambdaTimeoutFailure,
  MAX_EXECUTION_SECONDS,
  payloadBytes,
} from './step-functions-limits.js';

export type { ExecutionRecord, ExecutionStatus, TransitionRecord } from './running-execution.js';

/** Who the state machine's tasks call AWS as: its role (see simulation/account/authorizer.ts). */
export type TaskCaller = Caller;

/** What the runner needs of the simulated account. */
export interface LocalBackend {
  readonly accountId: string;
  readonly region: string;
  readonly clock: { now(): Date; sleep(ms: number, signal?: AbortSignal): Promise<void> };
  callStepFunctionsIntegration(resource: string, parameters: unknown, caller?: TaskCaller): Promise<unknown>;
  /**
   * Checks that the state machine's role may invoke a function (lambda:InvokeFunction), throwing the
   * access-denied error Lambda would. Optional: a backend without IAM lets every invocation through.
   */
  authorizeInvoke?(caller: TaskCaller, functionArn: string): Promise<void>;
  /**
   * What Step Functions does for a Task with `Credentials`: assumes the role as the state machine's
   * role, rejecting as STS would. Optional: a backend without it cannot run such Tasks.
   */
  assumeTaskRole?(caller: TaskCaller, roleArn: string, sessionName: string): Promise<TaskCaller>;
}

/**
 * How the runnable definition carries a Task with `Credentials`: its request (Parameters, or the
 * whole input) and its role, both resolved against the state's input, in Parameters of their own;
 * callTask takes them apart before the call.
 */
const CREDENTIALS_ROLE = 'SimulationTaskCredentialsRoleArn';
const CREDENTIALS_REQUEST = 'SimulationTaskRequest';

/** A Lambda handler run in-process: the real handler code, wired to the simulated account. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

/** A handler with its function's timeout (the function's Timeout setting, 1-900 seconds). */
export interface TimedLocalFunction {
  readonly handler: LocalFunction;
  readonly timeoutSeconds: number;
  /** The deployed function's ARN (default: one made up from the placeholder name). */
  readonly arn?: string;
}

export interface LocalStateMachineOptions {
  readonly name: string;
  /** The definition with its `${Placeholder}`s, as deployed. */
  readonly definition: StateMachineDefinition;
  readonly backend: LocalBackend;
  /** Lambda handlers, by the placeholder that names their ARN in the definition; a timeout is enforced. */
  readonly functions: Readonly<Record<string, LocalFunction | TimedLocalFunction>>;
  /** Values of the other placeholders (topic ARN, table name...). */
  readonly resources: Readonly<Record<string, string>>;
  /** Simulated duration of one Lambda invocation (the call, not the handler's own API calls). */
  readonly lambdaLatencyMs?: number;
  /** Seed of the retry jitter, so runs repeat exactly. */
  readonly seed?: number;
  /** The state machine's ARN as deployed (default: made up from `name`). */
  readonly stateMachineArn?: string;
  /** The state machine's role session: every Task's call is authorized for it. */
  readonly caller?: TaskCaller;
  /** Called when an execution ends, as Step Functions sends its status change to EventBridge. */
  readonly onExecutionEnd?: (record: ExecutionRecord) => void;
}

const LOCAL_WAIT = 'arn:aws:states:::local:wait';

/**
 * The library races every Task against a real-time timer of its TimeoutSeconds. Timeouts are
 * simulated here, so the library gets the longest timer Node allows (about 24.8 days; a longer one
 * would overflow and fire at once).
 */
const LIBRARY_TIMER_SECONDS = 2_147_483;

/** As Step Functions reports a function error: Error is the errorType, Cause the JSON error. */
function functionError(error: unknown): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  return namedError(failure.name, JSON.stringify({ errorType: failure.name, errorMessage: failure.message }));
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

function withCredentialsInParameters(name: string, state: TaskState): TaskState {
  const { Credentials: credentials, InputPath: inputPath, ...task } = state;
  if (credentials === undefined) return state;
  if (inputPath !== undefined) {
    // Whether a Credentials path is read before or after InputPath is not documented: a definition
    // must not depend on it (member-api-routing.ts routes such Tasks through a function).
    throw new Error(
      `${name}: a Task with Credentials and InputPath reads its role from an input the AWS documentation does not pin down; route it through member-api-call`,
    );
  }
  const request: JsonObject =
    task.Parameters !== undefined
      ? { [CREDENTIALS_REQUEST]: task.Parameters }
      : { [`${CREDENTIALS_REQUEST}.$`]: '$' };
  const role: JsonObject =
    'RoleArn' in credentials
      ? { [CREDENTIALS_ROLE]: credentials.RoleArn }
      : { [`${CREDENTIALS_ROLE}.$`]: credentials['RoleArn.$'] };
  return { ...task, Parameters: { ...request, ...role } };
}

/** The Task's request and the Credentials role the runnable definition carried in its Parameters. */
function takeCredentials(state: TaskState, input: JsonValue): { input: JsonValue; roleArn?: string } {
  if (state.Credentials === undefined) return { input };
  const { [CREDENTIALS_ROLE]: roleArn, [CREDENTIALS_REQUEST]: request } = input as JsonObject;
  if (typeof roleArn !== 'string' || roleArn.length === 0) {
    // As Step Functions fails a Task whose RoleArn path resolves to no string.
    throw terminalError('States.Runtime', `The Credentials RoleArn of the Task did not resolve to a string`);
  }
  return { input: request ?? {}, roleArn };
}

/** A role session name from an execution name ([\w+=,.@-], 2 to 64 characters). */
function sessionNameOf(executionName: string): string {
  const cleaned = executionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`.slice(0, 2);
}

/**
 * Definitions the library's validator accepted, by a digest of their text, with their text after validation (the
 * validator gives each state its default QueryLanguage). The validator compiles its JSON schemas on each
 * call, about a quarter of a second per deployment; the same text always gets the same verdict, so an
 * accepted one is not validated again. A rejected one is not kept: it throws each time.
 */
const acceptedDefinitions = new Map<string, string>();

function validatedDefinition(definition: StateMachineDefinition): StateMachineDefinition {
  const digest = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  const accepted = acceptedDefinitions.get(digest);
  if (accepted !== undefined) return JSON.parse(accepted) as StateMachineDefinition;
  new StateMachine(definition as unknown as LibraryDefinition);
  acceptedDefinitions.set(digest, JSON.stringify(definition));
  return definition;
}

/**
 * Definitions substituted and validated, by the frozen definition given and its values: a deployment
 * gets the same frozen object for the same text (deploy-template.ts), so each configuration's is
 * prepared once rather than stringified, substituted, parsed and digested again each time (about a
 * third of a deployment's time). A definition that is not frozen could change after it was prepared,
 * so it is prepared each time.
 */
const preparedDefinitions = new WeakMap<StateMachineDefinition, Map<string, StateMachineDefinition>>();
/** Different values for one definition (other accounts, other functions) kept at once. */
const PREPARED_PER_DEFINITION = 16;

function preparedDefinition(
  definition: StateMachineDefinition,
  values: Readonly<Record<string, string>>,
): StateMachineDefinition {
  if (!Object.isFrozen(definition)) return validatedDefinition(substitutePlaceholders(definition, values));
  const key = JSON.stringify(values);
  let byValues = preparedDefinitions.get(definition);
  const known = byValues?.get(key);
  if (known) return known;
  const prepared = deepFreeze(validatedDefinition(substitutePlaceholders(definition, values)));
  if (!byValues || byValues.size >= PREPARED_PER_DEFINITION) {
    byValues = new Map();
    preparedDefinitions.set(definition, byValues);
  }
  byValues.set(key, prepared);
  return prepared;
}

export class LocalStateMachine {
  readonly stateMachineArn: string;
  readonly executions: ExecutionRecord[] = [];
  private readonly definition: StateMachineDefinition;
  private readonly runnable: StateMachine;
  private readonly functionsByArn = new Map<string, { handler: LocalFunction; timeoutSeconds?: number }>();
  private readonly random: () => number;
  private readonly running = new Set<Promise<ExecutionRecord>>();
  /** Each execution's end and its input as started (JSON), by ARN: what a repeated StartExecution compares. */
  private readonly started = new Map<string, { done: Promise<ExecutionRecord>; input: string }>();
  /** The executions running right now, by ARN. */
  private readonly runs = new Map<string, RunningExecution>();
  private executionCounter = 0;
  /** Tasks waiting for SendTaskSuccess/SendTaskFailure, by token. */
  private readonly waitingTasks = new Map<string, WaitingTask>();

  constructor(private readonly options: LocalStateMachineOptions) {
    const { backend } = options;
    this.stateMachineArn =
      options.stateMachineArn ??
      `arn:aws:states:${backend.region}:${backend.accountId}:stateMachine:${options.name}`;
    const values: Record<string, string> = { ...options.resources };
    const functionTimeouts = new Map<string, number>();
    for (const [placeholderName, local] of Object.entries(options.functions)) {
      const arn =
        (typeof local === 'function' ? undefined : local.arn) ??
        `arn:aws:lambda:${backend.region}:${backend.accountId}:function:${placeholderName}`;
      values[placeholderName] = arn;
      this.functionsByArn.set(arn, typeof local === 'function' ? { handler: local } : local);
      if (typeof local !== 'function') functionTimeouts.set(arn, local.timeoutSeconds);
    }
    // Validate the real definition (paths, ARNs, structure) before running the rewritten one.
    this.definition = preparedDefinition(options.definition, values);
    const problems = definitionLimitProblems(this.definition, functionTimeouts);
    if (problems.length > 0) {
      throw new Error(
        `State machine ${options.name} breaks Step Functions limits:\n- ${problems.join('\n- ')}`,
      );
    }
    this.runnable = new StateMachine(this.runnableDefinition() as unknown as LibraryDefinition, {
      validationOptions: { noValidate: true },
    });
    this.random = mulberry32(options.seed ?? 20261123);
  }

  /** The definition as it runs, after substitution: what the tests assert against. */
  get substitutedDefinition(): StateMachineDefinition {
    return this.definition;
  }

  /**
   * Starts an execution; returns its record (updated as it runs) and a promise of its end. Given the
   * name and input of an open execution, returns that one instead, as StartExecution does.
   */
  start(input: unknown, name?: string): { record: ExecutionRecord; done: Promise<ExecutionRecord> } {
    // As StartExecution: an input over 256 KiB is refused before anything else, and nothing starts.
    const inputBytes = payloadBytes(input);
    const rejection = executionInputRejection(inputBytes);
    if (rejection) throw namedError(rejection.error, rejection.cause);
    this.executionCounter += 1;
    const executionName = name ?? `execution-${String(this.executionCounter).padStart(4, '0')}`;
    const existing = this.executions.find((execution) => execution.name === executionName);
    if (existing) {
      // As StartExecution: names are unique per state machine (for 90 days), but the same name and
      // input while that execution is open is idempotent: the open execution is returned, nothing new
      // starts. Inputs compare as JSON, the caller's whitespace aside.
      const first = this.started.get(existing.executionArn);
      if (existing.status === 'RUNNING' && first && first.input === JSON.stringify(input)) {
        return { record: existing, done: first.done };
      }
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
      historyEvents: 0,
      maxPayloadBytes: inputBytes,
      history: [],
    };
    this.executions.push(record);
    const run = new RunningExecution(record, this.options.backend.clock, () =>
      this.forgetTokens(record.executionArn),
    );
    this.runs.set(record.executionArn, run);
    const done = this.run(run);
    this.started.set(record.executionArn, { done, input: JSON.stringify(input) });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { record, done };
  }

  /**
   * What StopExecution does: a running execution ends ABORTED with the error and cause given, and
   * its task tokens stop being valid; a closed one stays as it is.
   */
  stop(executionArn: string, error?: string, cause?: string): { stopDate: Date } {
    const record = this.executions.find((execution) => execution.executionArn === executionArn);
    if (!record) throw namedError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    this.runs.get(executionArn)?.halt({ status: 'ABORTED', error, cause });
    return { stopDate: record.stoppedAt ?? this.options.backend.clock.now() };
  }

  /**
   * What Step Functions does when a running execution reaches its TimeoutSeconds: it ends TIMED_OUT
   * (States.Timeout). Called by a test or a fault plan that cannot spend the simulated time to get there.
   */
  timeOut(executionArn: string): void {
    const cause = 'The execution reached its TimeoutSeconds.';
    this.runs.get(executionArn)?.halt({ status: 'TIMED_OUT', error: 'States.Timeout', cause });
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

  private forgetTokens(executionArn: string): void {
    for (const [token, waiting] of this.waitingTasks) {
      if (waiting.executionArn === executionArn) this.waitingTasks.delete(token);
    }
  }

  private async run(run: RunningExecution): Promise<ExecutionRecord> {
    const { record } = run;
    const execution = this.runnable.run(record.input as JsonValue as never, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(run),
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
        Task: run.taskContext,
      },
    });
    run.abortLibrary = execution.abort;
    const logging = run.follow(execution.eventLogs, (stateName) => this.definition.States[stateName]?.Type);
    run.startTimer(this.definition.TimeoutSeconds ?? MAX_EXECUTION_SECONDS);
    let outcome: { output: unknown } | { failure: unknown };
    try {
      outcome = { output: await execution.result };
    } catch (failure) {
      outcome = { failure };
    }
    // The log may still hold the last state's output, whose size decides how the execution ends.
    await logging;
    run.finish(outcome);
    this.runs.delete(record.executionArn);
    this.forgetTokens(record.executionArn);
    this.options.onExecutionEnd?.(record);
    return record;
  }

  /**
   * What GetExecutionHistory returns for the top-level states: pages of at most `maxResults` (1-1000,
   * default 100) events, oldest or newest first, with a token for the next page.
   */
  getExecutionHistory(input: {
    readonly executionArn: string;
    readonly reverseOrder?: boolean;
    readonly maxResults?: number;
    readonly nextToken?: string;
    readonly includeExecutionData?: boolean;
  }): { events: HistoryEntry[]; nextToken?: string } {
    const record = this.executions.find((execution) => execution.executionArn === input.executionArn);
    if (!record)
      throw namedError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    const size = input.maxResults ?? 100;
    if (!Number.isInteger(size) || size < 1 || size > 1000) {
      throw namedError(
        'ValidationException',
        `1 validation error detected: Value '${size}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      );
    }
    const ordered = input.reverseOrder ? [...record.history].reverse() : record.history;
    const start = input.nextToken ? Number(input.nextToken) : 0;
    if (!Number.isInteger(start) || start < 0 || start > ordered.length)
      throw namedError('InvalidToken', 'Invalid Token');
    const page = ordered
      .slice(start, start + size)
      .map((event) =>
        input.includeExecutionData === false
          ? { id: event.id, timestamp: event.timestamp, type: event.type }
          : event,
      );
    return { events: page, ...(start + size < ordered.length ? { nextToken: String(start + size) } : {}) };
  }

  private taskHandlers(run: RunningExecution): Record<string, (input: JsonValue) => Promise<JsonValue>> {
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type === 'Wait') {
        handlers[stateName] = run.guard(async (input) => {
          await run.sleep(this.waitSeconds(state, input) * 1000);
          return input;
        });
      } else if (state.Type === 'Task') {
        handlers[stateName] = run.guard(
          run.withRetryBackoff(state.Retry ?? [], this.random, (input) =>
            this.callTask(run, stateName, state, input),
          ),
        );
      }
    }
    return handlers;
  }

  private waitSeconds(state: WaitState, input: unknown): number {
    if (state.Seconds !== undefined) return state.Seconds;
    const seconds = state.SecondsPath ? readPath(state.SecondsPath, input) : undefined;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      // Step Functions fails the execution the same way on a bad SecondsPath: no Retry or Catch sees it.
      throw terminalError('States.Runtime', `SecondsPath ${state.SecondsPath} is not a non-negative integer`);
    }
    return seconds;
  }

  /**
   * One attempt of a Task, within TimeoutSeconds of simulated time: its history events recorded, its
   * effective input and raw result (before ResultSelector) measured.
   */
  private async callTask(
    run: RunningExecution,
    stateName: string,
    state: TaskState,
    input: JsonValue,
  ): Promise<JsonValue> {
    run.measure('task input', stateName, input);
    run.count({ kind: 'TaskStarted' });
    run.throwIfOver();
    const integration = parseSdkIntegration(state.Resource);
    const token = integration?.waitForTaskToken ? run.taskContext.Token : undefined;
    const { input: callInput, roleArn } = takeCredentials(state, input);
    const caller =
      roleArn === undefined ? this.options.caller : await this.assumeTaskRole(run, stateName, roleArn);
    const call = integration?.waitForTaskToken
      ? this.callAndWaitForToken(
          run,
          sdkIntegration(integration.service, integration.action),
          callInput,
          caller,
        )
      : this.callResource(run, state.Resource, callInput, caller);
    let result: JsonValue;
    try {
      result = await run.withTimeout(state.TimeoutSeconds, call, () =>
        // A token answered at the last moment is no timeout.
        token === undefined || this.waitingTasks.delete(token)
          ? timeoutError(`No task response within ${state.TimeoutSeconds} seconds`)
          : undefined,
      );
    } catch (error) {
      run.noteTaskEnd(stateName, { error: error instanceof Error ? error.name : String(error) });
      run.count({ kind: 'TaskEnded' });
      run.throwIfOver();
      throw error;
    }
    run.noteTaskEnd(stateName, { result });
    run.count({ kind: 'TaskEnded' });
    run.measure('task result', stateName, result);
    run.throwIfOver();
    return result;
  }

  private async callResource(
    run: RunningExecution,
    resource: string,
    input: JsonValue,
    caller: TaskCaller | undefined,
  ): Promise<JsonValue> {
    if (resource === LAMBDA_INVOKE) return this.invokeFunction(run, input, caller);
    // A function ARN as the Resource: the state input is the event, the function's result the output.
    if (this.functionsByArn.has(resource)) {
      const response = await this.invokeFunction(run, { FunctionName: resource, Payload: input }, caller);
      return (response as { Payload: JsonValue }).Payload;
    }
    if (parseSdkIntegration(resource)) {
      return (await this.options.backend.callStepFunctionsIntegration(resource, input, caller)) as JsonValue;
    }
    throw new Error(`Resource ${resource} is not simulated`);
  }

  /**
   * The Task's role session. A role Step Functions cannot assume fails the Task with States.TaskFailed
   * and STS's message as the cause (retried and caught like any task failure).
   */
  private async assumeTaskRole(
    run: RunningExecution,
    stateName: string,
    roleArn: string,
  ): Promise<TaskCaller> {
    const { caller } = this.options;
    const assume = this.options.backend.assumeTaskRole;
    if (!caller || !assume) {
      throw new Error(`${stateName} has Credentials, but the backend cannot assume roles`);
    }
    try {
      // Step Functions names the session itself; the execution's name makes it traceable here.
      return await assume.call(this.options.backend, caller, roleArn, sessionNameOf(run.record.name));
    } catch (error) {
      throw namedError('States.TaskFailed', (error as Error).message);
    }
  }

  /**
   * `.waitForTaskToken`: the call is made (its Parameters carry `$$.Task.Token`), then the task waits
   * for SendTaskSuccess/SendTaskFailure with that token.
   */
  private async callAndWaitForToken(
    run: RunningExecution,
    call: string,
    input: JsonValue,
    caller: TaskCaller | undefined,
  ): Promise<JsonValue> {
    const token = run.taskContext.Token;
    const outcome = new Promise<JsonValue>((resolve, reject) => {
      this.waitingTasks.set(token, { executionArn: run.record.executionArn, resolve, reject });
    });
    try {
      await this.callResource(run, call, input, caller);
    } catch (error) {
      this.waitingTasks.delete(token);
      throw error;
    } finally {
      run.renewToken();
    }
    // TaskSubmitted, unless the task timed out (its token gone) while the call was made.
    if (this.waitingTasks.has(token)) run.count({ kind: 'TaskSubmitted' });
    run.throwIfOver();
    return outcome;
  }

  /** A function past its own timeout fails the Task as Lambda reports it; the handler is not stopped. */
  private async invokeFunction(
    run: RunningExecution,
    input: JsonValue,
    caller: TaskCaller | undefined,
  ): Promise<JsonValue> {
    const request = input as { FunctionName?: string; Payload?: unknown };
    const local = request.FunctionName ? this.functionsByArn.get(request.FunctionName) : undefined;
    if (!local) {
      throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${request.FunctionName}`);
    }
    if (caller && this.options.backend.authorizeInvoke) {
      await this.options.backend.authorizeInvoke(caller, request.FunctionName as string);
    }
    run.record.lambdaInvocations += 1;
    const requestId = lambdaRequestId(run.record.executionArn, run.record.lambdaInvocations);
    await run.sleep(this.options.lambdaLatencyMs ?? 0);
    const invocation = (async () => local.handler(structuredClone(request.Payload)))().then(
      (payload): JsonValue => ({
        StatusCode: 200,
        ExecutedVersion: '$LATEST',
        Payload: JSON.parse(JSON.stringify(payload ?? null)) as JsonValue,
      }),
      (error: unknown) => {
        throw functionError(error);
      },
    );
    return run.withTimeout(local.timeoutSeconds, invocation, () => {
      const { error, cause } = lambdaTimeoutFailure(requestId, local.timeoutSeconds ?? 0);
      return namedError(error, cause);
    });
  }

  /** What the library runs: Waits as Tasks, and no real-time timeouts (they are simulated here). */
  private runnableDefinition(): StateMachineDefinition {
    const states: Record<string, State> = {};
    for (const [name, state] of Object.entries(this.definition.States)) {
      if (state.Type === 'Wait') {
        const { Seconds: _seconds, SecondsPath: _secondsPath, Type: _type, ...rest } = state;
        states[name] = { ...rest, Type: 'Task', Resource: LOCAL_WAIT, TimeoutSeconds: LIBRARY_TIMER_SECONDS };
      } else if (state.Type === 'Task') {
        states[name] = { ...withCredentialsInParameters(name, state), TimeoutSeconds: LIBRARY_TIMER_SECONDS };
      } else {
        states[name] = state;
      }
    }
    const { TimeoutSeconds: _timeoutSeconds, ...definition } = this.definition;
    return { ...definition, States: states };
  }
}
