/**
 * The state machine acts on a finding's resource as the member role of the resource's account and
 * Region: every Task that calls a service owning member resources (SageMaker, and the EC2 and KMS reads
 * of a recreation's pre-flight, S3 on the notebook data bucket) names that role in `Credentials`, from
 * the plan. The rest (Security Hub, SNS, DynamoDB, Lambda) stays the state machine's own.
 *
 * Step Functions assumes the role in its own Region: an AWS SDK integration does not cross Regions.
 */

import {
  parseSdkIntegration,
  type State,
  type StateMachineDefinition,
  sdkIntegration,
  type TaskState,
} from './amazon-states-language.js';

/** The AWS SDK integration services whose resources live in the member accounts. */
// S3: the notebook data bucket the member stack keeps in each account and Region (the scripts' statuses).
export const MEMBER_SERVICES: readonly string[] = ['sagemaker', 'ec2', 'kms', 's3'];

/** Where every Task's state input has the member role (the plan's `target`). */
export const MEMBER_ROLE_PATH = '$.plan.target.roleArn';

/**
 * What a Lambda Task whose function acts on the resource adds to its Payload (its state has no plan):
 * the target it assumes the member role in, and the execution its role session is named after.
 */
export const MEMBER_SESSION_PAYLOAD = {
  'target.$': '$.plan.target',
  'executionName.$': '$$.Execution.Name',
} as const;

/**
 * The function that makes the member calls Step Functions cannot (member-api-routing.ts), as the
 * definition names its ARN.
 */
export const MEMBER_API_FUNCTION_PLACEHOLDER = 'MemberApiCallFunctionArn';

/** Whether a Task calls a member service (and so runs as the member role). */
export function isMemberTask(task: TaskState): boolean {
  const integration = parseSdkIntegration(task.Resource);
  return integration !== undefined && MEMBER_SERVICES.includes(integration.service);
}

/** The definition with `Credentials` on every member Task. */
export function withMemberCredentials(definition: StateMachineDefinition): StateMachineDefinition {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => [
      name,
      state.Type === 'Task' && isMemberTask(state)
        ? { ...state, Credentials: { 'RoleArn.$': MEMBER_ROLE_PATH } }
        : state,
    ]),
  );
  return { ...definition, States: states };
}

/** Whether a Task is a member call the member-api-call function makes for the state machine. */
export function isMemberApiCallTask(task: TaskState): boolean {
  return task.Resource === `\${${MEMBER_API_FUNCTION_PLACEHOLDER}}`;
}

/**
 * A member-api-call Task as the AWS SDK integration it stands for, with Credentials: the function
 * only passes the call on, as the member role, so that role needs what the integration would.
 */
function asIntegrationTask(name: string, task: TaskState): TaskState {
  const { service, action, request } = (task.Parameters ?? {}) as Record<string, unknown>;
  if (typeof service !== 'string' || typeof action !== 'string') {
    throw new Error(`${name}: a member-api-call Task must name its service and action`);
  }
  return {
    Type: 'Task',
    Resource: sdkIntegration(service, action),
    ...(typeof request === 'object' && request !== null && !Array.isArray(request)
      ? { Parameters: request as TaskState['Parameters'] }
      : {}),
    Credentials: { 'RoleArn.$': MEMBER_ROLE_PATH },
    End: true,
  };
}

/**
 * The definition's Task states that run as `who` (the member role, or the state machine's own), and
 * every other state: what the permissions of that principal are derived from. A member-api-call Task
 * counts twice: the state machine invokes the function, the member role makes the call.
 */
export function tasksRunBy(
  definition: StateMachineDefinition,
  who: 'member' | 'state-machine',
): StateMachineDefinition {
  const states: Record<string, State> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') states[name] = state;
    else if (isMemberApiCallTask(state)) {
      states[name] = who === 'member' ? asIntegrationTask(name, state) : state;
    } else if ((state.Credentials !== undefined) === (who === 'member')) states[name] = state;
  }
  return { ...definition, States: states };
}
