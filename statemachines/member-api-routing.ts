/**
 * Which member Tasks the member-api-call function makes instead of Step Functions (see
 * handlers/shared/member-api-calls.ts for why such a function exists):
 *
 * - A member Task whose request is a whole state field (InputPath): its `Credentials` RoleArn path
 *   would be read from the narrowed input or from the whole one depending on an evaluation order the
 *   AWS documentation does not state; the function takes the target and the request separately.
 * - Every other member Task, when the deployment acts in linked Regions: a Choice sends a resource of
 *   the home Region to the Task as it is, and one of a linked Region to the function, which calls the
 *   resource's Region (an AWS SDK integration calls only its state machine's Region).
 *
 * Both kinds keep the Task's Retry (with Lambda's own transient errors first), Catch, result handling
 * and transitions, so the rest of the definition cannot tell the two apart.
 */

import { isMemberApiCall, MEMBER_API_CALLS } from '../handlers/shared/member-api-calls.js';
import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import {
  parseSdkIntegration,
  type State,
  type StateMachineDefinition,
  type TaskState,
} from './amazon-states-language.js';
import { MEMBER_API_FUNCTION_PLACEHOLDER, MEMBER_SESSION_PAYLOAD } from './member-credentials.js';
import { placeholder, retryHandlerTransient, retryTransient } from './state-builders.js';

/** The state machine's own Region: a target elsewhere is in a linked Region. */
export const HOME_REGION_PLACEHOLDER = 'HomeRegion';

/** Where the plan says the resource's Region is. */
const TARGET_REGION_PATH = '$.plan.target.region';

export interface MemberRoutingOptions {
  /**
   * The deployment acts on resources of linked Regions: every member Task gets a Choice and a
   * member-api-call variant. Off, the home Region's Tasks are left as they are (no extra transition).
   */
  readonly linkedRegions: boolean;
}

/** The name of a member Task's variant for the home or a linked Region (behind a Choice of its name). */
export function routedName(task: string, where: 'home' | 'linked'): string {
  return `${task}${where === 'home' ? 'InHomeRegion' : 'InLinkedRegion'}`;
}

/** A member Task (one with Credentials) as a call of the member-api-call function. */
function asMemberApiCall(name: string, task: TaskState): TaskState {
  const integration = parseSdkIntegration(task.Resource);
  const call = integration ? `${integration.service}:${integration.action}` : task.Resource;
  if (!integration || !isMemberApiCall(call)) {
    throw new Error(
      `${name}: member-api-call does not make ${call}; add it to MEMBER_API_CALLS (${MEMBER_API_CALLS.length} calls today) and to the handler`,
    );
  }
  if (task.InputPath !== undefined && task.Parameters !== undefined) {
    throw new Error(`${name}: a member Task with both InputPath and Parameters cannot be routed`);
  }
  const { Credentials: _credentials, InputPath: inputPath, Parameters: parameters, ...rest } = task;
  return {
    ...rest,
    Resource: placeholder(MEMBER_API_FUNCTION_PLACEHOLDER),
    Parameters: {
      service: integration.service,
      action: integration.action,
      ...MEMBER_SESSION_PAYLOAD,
      ...(inputPath !== undefined ? { 'request.$': inputPath } : { request: parameters ?? {} }),
    },
    TimeoutSeconds: Math.max(task.TimeoutSeconds ?? 0, lambdaTaskTimeoutSeconds('member-api-call')),
    // Lambda's errors, the integration's (the function names them alike), and the function's own
    // AssumeRole of the member role briefly failing (STS throttling).
    Retry: [...retryTransient('lambda'), ...(task.Retry ?? []), ...retryHandlerTransient()],
  };
}

/** The definition with its member Tasks routed as the module comment says. */
export function withMemberRouting(
  definition: StateMachineDefinition,
  options: MemberRoutingOptions,
): StateMachineDefinition {
  const states: Record<string, State> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task' || state.Credentials === undefined) {
      states[name] = state;
    } else if (state.InputPath !== undefined) {
      states[name] = asMemberApiCall(name, state);
    } else if (options.linkedRegions) {
      const home = routedName(name, 'home');
      const linked = routedName(name, 'linked');
      states[name] = {
        Type: 'Choice',
        Comment: `A resource of a linked Region is called through the member-api-call function: Step Functions calls ${parseSdkIntegration(state.Resource)?.service ?? 'the service'} in its own Region only.`,
        Choices: [
          {
            And: [
              { Variable: TARGET_REGION_PATH, IsPresent: true },
              { Not: { Variable: TARGET_REGION_PATH, StringEquals: placeholder(HOME_REGION_PLACEHOLDER) } },
            ],
            Next: linked,
          },
        ],
        Default: home,
      };
      states[home] = state;
      states[linked] = asMemberApiCall(name, state);
    } else {
      states[name] = state;
    }
  }
  return { ...definition, States: states };
}
