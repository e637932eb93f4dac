/**
 * The state machine's role: the permissions of the Tasks it runs as itself, derived from the
 * definition (RemediationTasks, state-machine-permissions.ts), and the member roles it assumes for the
 * Tasks that act on a finding's resource (AssumeMemberRoles: member-credentials.ts). What those member
 * Tasks may do is the member role's (member-stack.ts), in each account and Region.
 *
 * Made in the scope of RemediationWorkflow (id StateMachineRole), so that its logical ids stay those
 * of deployed stacks. Its path is the one member roles trust (ADMINISTRATOR_ROLE_PATH).
 */

import { Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ADMINISTRATOR_ROLE_PATH } from '../handlers/shared/member-access.js';
import type { StateMachineDefinition } from '../statemachines/amazon-states-language.js';
import { memberRolesArn } from './member-role-access.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { deriveStateMachineStatements, type StateMachineScopes } from './state-machine-permissions.js';

export interface StateMachineRoleProps {
  /** The Tasks the state machine runs as itself (the member Tasks left out: tasksRunBy). */
  readonly definition: StateMachineDefinition;
  /** What each service's Tasks may act on (state-machine-permissions.ts). */
  readonly scopes: StateMachineScopes;
  /** The member roles' name before `-<region>`. */
  readonly memberRoleName: string;
}

/** The role, assumable by Step Functions for this account only. */
export function createStateMachineRole(scope: Construct, props: StateMachineRoleProps): Role {
  const stack = Stack.of(scope);
  const membersArn = memberRolesArn(stack, props.memberRoleName);
  const role = new Role(scope, 'StateMachineRole', {
    description:
      'Remediation state machine: the Task permissions derived from its definition, and the member roles its member Tasks run as.',
    path: ADMINISTRATOR_ROLE_PATH,
    assumedBy: new ServicePrincipal('states.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
    }),
    inlinePolicies: {
      RemediationTasks: new PolicyDocument({
        statements: [
          ...deriveStateMachineStatements(props.definition, props.scopes).map((statement) =>
            PolicyStatement.fromJson(statement),
          ),
          new PolicyStatement({
            sid: 'AssumeMemberRoles',
            actions: ['sts:AssumeRole'],
            resources: [membersArn],
          }),
        ],
      }),
    },
  });
  acknowledge(
    role,
    wildcardResourceFinding(role, membersArn),
    "A finding may come from any account of the organization: the member role of its account and Region is only known at run time. The wildcard is limited to the member roles (their path and name), which trust only this account's remediation roles in the organization and may do only what the remediations do.",
  );
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'Added by CDK for X-Ray tracing (xray:PutTraceSegments and related) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and related), which have no resource type in the Service Authorization Reference, so only "*" can allow them.',
  );
  return role;
}
