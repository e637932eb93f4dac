/** Given helpers of the local runner's tests: a scripted backend on a simulated clock, small states. */
import { SimulatedClock } from '../../simulation/account/clock.js';
import {
  type LocalBackend,
  LocalStateMachine,
  type LocalStateMachineOptions,
} from '../../simulation/runner/local-state-machine.js';
import {
  type StateMachineDefinition,
  sdkIntegration,
  type TaskState,
} from '../../statemachines/amazon-states-language.js';

export const PUBLISH = sdkIntegration('sns', 'publish');
export const GET_OBJECT = sdkIntegration('s3', 'getObject');
export const PUT_ITEM = sdkIntegration('dynamodb', 'putItem');
export const WAIT_FOR_TOKEN = sdkIntegration('dynamodb', 'putItem', { waitForTaskToken: true });
export const START = Date.parse('2026-11-23T09:00:00.000Z');
export const BIG = 'x'.repeat(300_000);

export type Answer = (parameters: Record<string, unknown>) => unknown;

/**
 * A backend whose SDK calls answer as `answers` say (`{}` by default), each taking `callMs` of
 * simulated time; `calls` lists the actions that reached it.
 */
export function givenBackend(answers: Readonly<Record<string, Answer>> = {}, callMs = 0) {
  const clock = new SimulatedClock();
  const calls: string[] = [];
  const backend: LocalBackend = {
    accountId: '111122223333',
    region: 'eu-west-1',
    clock,
    async callStepFunctionsIntegration(resource, parameters) {
      await clock.sleep(callMs);
      calls.push(resource.split(':').at(-1) ?? resource);
      return (answers[resource] ?? (() => ({})))(parameters as Record<string, unknown>);
    },
  };
  return { backend, clock, calls };
}

export function machineOf(
  definition: StateMachineDefinition,
  backend: LocalBackend,
  functions: LocalStateMachineOptions['functions'] = {},
): LocalStateMachine {
  return new LocalStateMachine({ name: 'limits', definition, backend, functions, resources: {} });
}

/** A Task that alerts: what must not happen once a limit has ended the execution. */
export const alert = (fields: Partial<TaskState> = {}): TaskState => ({
  Type: 'Task',
  Resource: PUBLISH,
  Parameters: { TopicArn: 'alerts', Message: 'recovered' },
  ResultPath: null,
  End: true,
  ...fields,
});

export const catchAll = [{ ErrorEquals: ['States.ALL'], Next: 'Recover', ResultPath: '$.failure' }];
export const secondsAfterStart = (date: Date | undefined) => ((date?.getTime() ?? 0) - START) / 1000;
