/**
 * The subset of the Amazon States Language (JSONPath flavour) this project writes, typed so that a
 * misspelt field fails the build rather than the deployment.
 *
 * JSONPath rather than JSONata on purpose: aws-local-stepfunctions, which runs the real definitions in
 * the tests and the demo, executes JSONPath and silently ignores JSONata.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

interface Transition {
  readonly Next?: string;
  readonly End?: true;
}

interface CommonFields {
  readonly Comment?: string;
  readonly InputPath?: string;
  readonly OutputPath?: string;
}

export interface TaskState extends CommonFields, Transition {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: JsonObject;
  /** The role Step Functions assumes for this Task (a member account's role), fixed or from the input. */
  readonly Credentials?: { readonly RoleArn: string } | { readonly 'RoleArn.$': string };
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

export interface PassState extends CommonFields, Transition {
  readonly Type: 'Pass';
  readonly Parameters?: JsonObject;
  readonly Result?: JsonValue;
  readonly ResultPath?: string | null;
}

export interface WaitState extends CommonFields, Transition {
  readonly Type: 'Wait';
  readonly Seconds?: number;
  readonly SecondsPath?: string;
}

export type ChoiceCondition =
  | { readonly Variable: string; readonly StringEquals: string }
  | { readonly Variable: string; readonly StringEqualsPath: string }
  | { readonly Variable: string; readonly StringMatches: string }
  | { readonly Variable: string; readonly BooleanEquals: boolean }
  | { readonly Variable: string; readonly NumericEquals: number }
  | { readonly Variable: string; readonly NumericEqualsPath: string }
  | { readonly Variable: string; readonly NumericGreaterThanEquals: number }
  | { readonly Variable: string; readonly NumericGreaterThanEqualsPath: string }
  | { readonly Variable: string; readonly IsPresent: boolean }
  | { readonly And: readonly ChoiceCondition[] }
  | { readonly Or: readonly ChoiceCondition[] }
  | { readonly Not: ChoiceCondition };

export type ChoiceRule = ChoiceCondition & { readonly Next: string };

export interface ChoiceState extends CommonFields {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

export interface SucceedState extends CommonFields {
  readonly Type: 'Succeed';
}

export interface FailState {
  readonly Type: 'Fail';
  readonly Comment?: string;
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

export interface MapState extends CommonFields, Transition {
  readonly Type: 'Map';
  readonly ItemsPath?: string;
  readonly ItemSelector?: JsonObject;
  readonly ItemProcessor: { readonly StartAt: string; readonly States: Readonly<Record<string, State>> };
  readonly ResultPath?: string | null;
  readonly Catch?: readonly Catcher[];
}

export type State = TaskState | PassState | WaitState | ChoiceState | SucceedState | FailState | MapState;

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Readonly<Record<string, State>>;
}

/**
 * A Task state's AWS SDK integration, parsed from `arn:aws:states:::aws-sdk:<service>:<action>`,
 * optionally with the callback suffix `.waitForTaskToken` (same call, same IAM action; the task then
 * waits for SendTaskSuccess or SendTaskFailure).
 */
export interface SdkIntegration {
  readonly service: string;
  readonly action: string;
  readonly waitForTaskToken: boolean;
}

const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';
const SDK_INTEGRATION = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)(\.waitForTaskToken)?$/;

export function parseSdkIntegration(resource: string): SdkIntegration | undefined {
  const match = SDK_INTEGRATION.exec(resource);
  if (!match?.[1] || !match[2]) return undefined;
  return { service: match[1], action: match[2], waitForTaskToken: match[3] !== undefined };
}

export function sdkIntegration(
  service: string,
  action: string,
  options: { readonly waitForTaskToken?: boolean } = {},
): string {
  return `arn:aws:states:::aws-sdk:${service}:${action}${options.waitForTaskToken ? WAIT_FOR_TASK_TOKEN : ''}`;
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** Every Task state of a definition, with its name. */
export function taskStates(definition: StateMachineDefinition): Array<[string, TaskState]> {
  return Object.entries(definition.States).filter((entry): entry is [string, TaskState] => {
    return entry[1].Type === 'Task';
  });
}

/** The `${Name}` placeholders a definition uses (filled by definitionSubstitutions at deploy time). */
export function placeholdersIn(definition: StateMachineDefinition): string[] {
  const found = new Set<string>();
  for (const match of JSON.stringify(definition).matchAll(/\$\{([A-Za-z0-9]+)\}/g)) {
    if (match[1]) found.add(match[1]);
  }
  return [...found].sort();
}

/** Replaces `${Name}` placeholders, as CloudFormation does with definitionSubstitutions. */
export function substitutePlaceholders(
  definition: StateMachineDefinition,
  values: Readonly<Record<string, string>>,
): StateMachineDefinition {
  const missing = placeholdersIn(definition).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`No value for placeholder(s): ${missing.join(', ')}`);
  const text = JSON.stringify(definition).replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => {
    // JSON-escape the value: it lands inside a JSON string.
    return JSON.stringify(values[name]).slice(1, -1);
  });
  return JSON.parse(text) as StateMachineDefinition;
}

/** Names of the states a state can go to next (Next, Choices, Default, Catch). */
export function successorsOf(state: State): string[] {
  const next: string[] = [];
  if ('Next' in state && state.Next) next.push(state.Next);
  if (state.Type === 'Choice') {
    for (const rule of state.Choices) next.push(rule.Next);
    if (state.Default) next.push(state.Default);
  }
  if (state.Type === 'Task' || state.Type === 'Map')
    for (const catcher of state.Catch ?? []) next.push(catcher.Next);
  return next;
}
