/**
 * The state machine's role: the Task permissions derived from the definition (RemediationTasks,
 * state-machine-permissions.ts), what its SageMaker calls need besides their own actions
 * (RecreationDependencies: the SageMaker API permissions reference; see docs/configuration.md), and
 * the cdk-nag acknowledgements of its wildcards, each with the reason it cannot be narrower.
 *
 * Made in the scope of RemediationWorkflow (id StateMachineRole), so that its logical ids stay those
 * of deployed stacks.
 */

import { Stack, Token } from 'aws-cdk-lib';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { StateMachineDefinition } from '../statemachines/amazon-states-language.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import {
  accountRolesArn,
  ec2Arn,
  existingNotebookKeysArn,
  notebookLaunchStatements,
  notebookRepositorySecretsArns,
} from './notebook-launch-permissions.js';
import { type KeyTarget, volumeKeyArns } from './recreation-resources.js';
import { deriveStateMachineStatements, type StateMachineScopes } from './state-machine-permissions.js';

export interface StateMachineRoleProps {
  readonly definition: StateMachineDefinition;
  /** What each service's Tasks may act on (state-machine-permissions.ts). */
  readonly scopes: StateMachineScopes;
  /** Every notebook instance of this account and region. */
  readonly notebookInstanceArn: string;
  /** Every object under the notebook roles' prefixes of the snapshot bucket. */
  readonly snapshotObjectsArn: string;
  /** Where recreated notebooks go: the volume keys these name may be granted to SageMaker. */
  readonly recreateTargets: readonly KeyTarget[];
}

/** The role, assumable by Step Functions for this account only. */
export function createStateMachineRole(scope: Construct, props: StateMachineRoleProps): Role {
  const stack = Stack.of(scope);
  const role = new Role(scope, 'StateMachineRole', {
    description:
      'Remediation state machine: the Task permissions derived from its definition, and what those calls need besides.',
    assumedBy: new ServicePrincipal('states.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': stack.account },
    }),
    inlinePolicies: {
      RemediationTasks: new PolicyDocument({
        statements: deriveStateMachineStatements(props.definition, props.scopes).map((statement) =>
          PolicyStatement.fromJson(statement),
        ),
      }),
      RecreationDependencies: new PolicyDocument({
        statements: recreationDependencies(stack, {
          notebookInstanceArn: props.notebookInstanceArn,
          recreateTargets: props.recreateTargets,
        }),
      }),
    },
  });
  acknowledgeRoleFindings(role, props);
  return role;
}

function acknowledgeRoleFindings(
  role: Role,
  arns: { readonly notebookInstanceArn: string; readonly snapshotObjectsArn: string },
): void {
  const stack = Stack.of(role);
  acknowledge(
    role,
    wildcardResourceFinding(role, arns.notebookInstanceArn),
    'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and region, Update and Create to RootAccess and DirectInternetAccess Disabled by condition, and AddTags to tagging on create.',
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, arns.snapshotObjectsArn),
    "The failure markers of the backup and restore (the workflow reads their first KiB) are under the notebook role's prefix, only known at run time; read-only GetObject, limited to the roles/ prefix of the snapshot bucket.",
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, accountRolesArn(stack)),
    "CreateNotebookInstance passes the recreated notebook's own role, which may be any role of the account; PassRole is limited by iam:PassedToService to SageMaker.",
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, existingNotebookKeysArn(stack)),
    'A notebook recreated without a configured key keeps its own customer managed key, which no configuration names, and the pre-flight check describes whichever key the recreated notebook will use before anything is deleted: the wildcard is limited to keys of this account and region, DescribeKey reads metadata only, and CreateGrant is limited to requests SageMaker makes (kms:ViaService) for AWS resources.',
  );
  for (const secrets of notebookRepositorySecretsArns(stack)) {
    acknowledge(
      role,
      wildcardResourceFinding(role, secrets),
      'The SageMaker API permissions reference requires the caller of CreateNotebookInstance and StartNotebookInstance to be allowed secretsmanager:GetSecretValue on the secret of a private Git repository the notebook uses; which repository, and so which secret, is only known at run time. SageMaker requires such secrets to have "sagemaker" in their name (the console names them AmazonSageMaker-...), so the wildcard is limited to secrets so named in this account and region, and the action to GetSecretValue.',
    );
  }
  for (const [resource, what] of [
    [
      'network-interface',
      'the network interface SageMaker creates for the notebook (its id does not exist yet) and deletes with the old one',
    ],
    ['subnet', "the notebook's subnet (the configured one, or the one it keeps)"],
    ['security-group', "the notebook's security groups (the configured ones, or the ones it keeps)"],
  ] as const) {
    acknowledge(
      role,
      wildcardResourceFinding(role, ec2Arn(stack, resource)),
      `The SageMaker API permissions reference requires the caller of CreateNotebookInstance with a VPC to be allowed ec2:CreateNetworkInterface (and DeleteNotebookInstance ec2:DeleteNetworkInterface); the wildcard covers ${what}, in this account and region.`,
    );
  }
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'Added by CDK for X-Ray tracing (xray:PutTraceSegments and related) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and related); and ec2:DescribeNetworkInterfaces, DescribeSecurityGroups, DescribeSubnets and DescribeVpcs, which the SageMaker API permissions reference requires of the caller of CreateNotebookInstance and StartNotebookInstance for a notebook in a VPC, and the pre-flight check calls on the target subnet and security groups; and sagemaker:ListMonitoringSchedules, with which the recreation of a job definition watches the schedules it moved. None of these has a resource type in the Service Authorization Reference, so only "*" can allow them.',
  );
}

/**
 * What the state machine's SageMaker calls need besides their own actions, which the derivation
 * from the definition cannot know (see docs/configuration.md for the sources).
 */
function recreationDependencies(
  stack: Stack,
  scope: {
    readonly notebookInstanceArn: string;
    readonly recreateTargets: readonly KeyTarget[];
  },
): PolicyStatement[] {
  const statements = [
    // What SageMaker checks of whoever creates or starts a notebook, as the restore tool's operators too.
    ...notebookLaunchStatements(stack, scope.notebookInstanceArn),
    new PolicyStatement({
      sid: 'DenyInternetAccessOnCreate',
      effect: Effect.DENY,
      actions: ['sagemaker:CreateNotebookInstance'],
      resources: ['*'],
      conditions: { StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' } },
    }),
    new PolicyStatement({
      sid: 'DenyRootAccessOnCreate',
      effect: Effect.DENY,
      actions: ['sagemaker:CreateNotebookInstance'],
      resources: ['*'],
      conditions: { StringNotEquals: { 'sagemaker:RootAccess': 'Disabled' } },
    }),
    new PolicyStatement({
      sid: 'DeleteNotebookNetworkInterfaces',
      actions: ['ec2:DeleteNetworkInterface'],
      resources: [ec2Arn(stack, 'network-interface')],
    }),
  ];
  const keyArns = volumeKeyArns(scope.recreateTargets, {
    partition: stack.partition,
    ...(Token.isUnresolved(stack.account) ? {} : { account: stack.account }),
    ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }),
  });
  if (keyArns.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'GrantNotebookVolumeKeys',
        actions: ['kms:CreateGrant'],
        resources: keyArns,
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
      new PolicyStatement({
        sid: 'DescribeNotebookVolumeKeys',
        actions: ['kms:DescribeKey'],
        resources: keyArns,
      }),
    );
  }
  return statements;
}
