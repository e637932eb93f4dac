/**
 * The state machine acts on a finding's resource as the member role of the resource's account and
 * Region: every Task that calls a service owning member resources (SageMaker, and the EC2 and KMS reads
 * of a recreation's pre-flight) names that role in `Credentials`, from the plan. The rest (Security
 * Hub, SNS, DynamoDB, S3 on the snapshot bucket, Lambda) stays the state machine's own.
 *
 * Step Functions assumes the role in its own Region: an AWS SDK integration does not cross Regions.
 */

import {
  parseSdkIntegration,
  type StateMachineDefinition,
  type TaskState,
} from './amazon-states-language.js';

/** The AWS SDK integration services whose resources live in the member accounts. */
export const MEMBER_SERVICES: readonly string[] = ['sagemaker', 'ec2', 'kms'];

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

/**
 * The definition's Task states that run as `who` (the member role, or the state machine's own), and
 * every other state: what the permissions of that principal are derived from.
 */
export function tasksRunBy(
  definition: StateMachineDefinition,
  who: 'member' | 'state-machine',
): StateMachineDefinition {
  const states = Object.fromEntries(
    Object.entries(definition.States).filter(
      ([, state]) => state.Type !== 'Task' || (state.Credentials !== undefined) === (who === 'member'),
    ),
  );
  return { ...definition, States: states };
}
