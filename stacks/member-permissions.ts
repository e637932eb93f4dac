/**
 * What the member role may do in its account and Region: everything the deployment does to member
 * resources, derived from what it calls and nothing else.
 *
 * - MemberTasks: the state machine's Tasks that run as the member role (member-credentials.ts), derived
 *   from the definition as the state machine's own permissions are (state-machine-permissions.ts): the
 *   notebook's SageMaker calls, the pre-flight's EC2 and KMS reads, and the status listing and failure
 *   read of the lifecycle scripts in this account's notebook data bucket.
 * - What those SageMaker calls need besides their own actions (SageMaker API permissions reference):
 *   passing the notebook's role, its network interface, its volume key (notebook-launch-permissions.ts).
 * - The Lambdas' reads and changes: planning's Describe and ListTags, the snapshot's and the
 *   verifications' reads (and the snapshot's writes in the data bucket), the resource engines' calls
 *   (control-permissions.ts).
 *
 * Built for the stack it is given: in the member stack, every ARN is that account's and Region's.
 */

import { type Stack, Token } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { type ControlModes, resolveModes } from '../handlers/shared/controls-catalogue.js';
import { notebookDataBucketName } from '../handlers/shared/notebook-data-placement.js';
import { NOTEBOOK_SETTING_CONTROLS } from '../handlers/shared/notebook-settings.js';
import { tasksRunBy } from '../statemachines/member-credentials.js';
import { buildRemediationDefinition } from '../statemachines/remediation-definition.js';
import {
  definitionOptionsFor,
  type RemediationConfiguration,
  resourceEnginesInUse,
} from './configuration.js';
import {
  type ArnContext,
  engineLambdaGrants,
  type Grant,
  planningGrants,
  stateMachineResourceGrants,
  verificationGrants,
} from './control-permissions.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import {
  accountRolesArn,
  ec2Arn,
  existingNotebookKeysArn,
  notebookLaunchStatements,
  notebookRepositorySecretsArns,
} from './notebook-launch-permissions.js';
import { ALL_NOTEBOOK_ROLES_PREFIX } from './notebook-role-prefixes.js';
import { volumeKeyArns } from './recreation-resources.js';
import {
  deriveStateMachineStatements,
  type ResourceScope,
  type ServiceScope,
} from './state-machine-permissions.js';

/** The stack's account's and Region's notebook data bucket (member-stack.ts), by its name. */
export function notebookDataBucketArn(stack: Stack, dataBucketPrefix: string): string {
  const name = notebookDataBucketName(dataBucketPrefix, { accountId: stack.account, region: stack.region });
  return `arn:${stack.partition}:s3:::${name}`;
}

/** Every notebook's prefix of the data bucket: the snapshots and requests, under the role ids. */
function notebookDataObjectsArn(stack: Stack, dataBucketPrefix: string): string {
  return `${notebookDataBucketArn(stack, dataBucketPrefix)}/${ALL_NOTEBOOK_ROLES_PREFIX}`;
}

/** The SageMaker, EC2, KMS and S3 scopes of the member Tasks, in the given stack's account and Region. */
export function memberTaskScopes(
  stack: Stack,
  options: {
    readonly modes: ControlModes;
    readonly engines: readonly string[];
    readonly requiredTagKeys: readonly string[];
    readonly dataBucketPrefix: string;
  },
): Readonly<Record<string, ServiceScope>> {
  return {
    sagemaker: {
      resources: [notebookInstancesArn(stack)],
      // The workflow only ever writes the settings the notebook controls require (root access and
      // direct internet access disabled): it can never be used to undo them (CreateNotebookInstance
      // is also denied below when it omits them).
      conditions: { StringEqualsIfExists: notebookSettingConditions() },
      actions: resourceEngineScopes(stack, options.modes, options.engines, options.requiredTagKeys),
    },
    // The pre-flight: the subnet and security groups of the recreated notebook (no resource types).
    ec2: { resources: ['*'] },
    // The pre-flight: the key of the recreated notebook, a configured one or the one it keeps.
    kms: { resources: [existingNotebookKeysArn(stack)] },
    // The lifecycle scripts' failure marker (its first KiB). Its key is the account's AWS managed key
    // for S3, whose key policy lets the account's principals use it through S3: no KMS grant here.
    s3: {
      resources: [notebookDataObjectsArn(stack, options.dataBucketPrefix)],
      actions: {
        // The status markers the scripts write last, listed under the notebooks' prefixes.
        ListObjectsV2: {
          sidSuffix: 'StatusListing',
          resources: [notebookDataBucketArn(stack, options.dataBucketPrefix)],
          conditions: { StringLike: { 's3:prefix': [ALL_NOTEBOOK_ROLES_PREFIX] } },
        },
      },
    },
  };
}

/** The notebook controls' settings SageMaker has condition keys for: the only values the roles may write. */
function notebookSettingConditions(): Record<string, string> {
  return Object.fromEntries(
    NOTEBOOK_SETTING_CONTROLS.flatMap(({ setting }) =>
      setting.conditionKey ? [[setting.conditionKey, setting.value]] : [],
    ),
  );
}

/** Every notebook instance of the stack's account and Region. */
export function notebookInstancesArn(stack: Stack): string {
  return stack.formatArn({ service: 'sagemaker', resource: 'notebook-instance', resourceName: '*' });
}

/**
 * The calls of the resource engines, each on the kinds of the controls in scope that use it (derived
 * from the control modules). AddTags may add the configured tag keys only.
 */
function resourceEngineScopes(
  stack: Stack,
  modes: ControlModes,
  engines: readonly string[],
  requiredTagKeys: readonly string[],
): Record<string, ResourceScope> {
  const scopes: Record<string, ResourceScope> = {};
  for (const grant of stateMachineResourceGrants(modes, engines, arnContextOf(stack))) {
    for (const action of grant.actions) {
      const name = action.replace(/^sagemaker:/, '');
      scopes[name] = {
        sidSuffix: name,
        resources: grant.resources,
        ...(name === 'AddTags'
          ? { conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...requiredTagKeys] } } }
          : {}),
      };
    }
  }
  return scopes;
}

function arnContextOf(stack: Stack): ArnContext {
  return { partition: stack.partition, region: stack.region, account: stack.account };
}

/** Every statement of the member role, in a stable order. */
export function memberRoleStatements(
  stack: Stack,
  configuration: RemediationConfiguration,
): PolicyStatement[] {
  const modes = resolveModes(configuration.modes);
  const engines = resourceEnginesInUse(configuration);
  const definition = buildRemediationDefinition(definitionOptionsFor(configuration));
  const derived = deriveStateMachineStatements(tasksRunBy(definition, 'member'), {
    services: memberTaskScopes(stack, {
      modes,
      engines,
      requiredTagKeys: Object.keys(configuration.requiredTags),
      dataBucketPrefix: configuration.members.dataBucketPrefix,
    }),
    lambdaFunctions: {},
    kmsViaService: { region: stack.region, urlSuffix: stack.urlSuffix },
  });
  // What an unconditioned Task statement already allows, a Lambda's grant need not allow again: the
  // state machine and the Lambdas act as this one role.
  const allowed = new Set(
    derived
      .filter((statement) => statement.Condition === undefined)
      .flatMap((statement) =>
        statement.Action.flatMap((action) => statement.Resource.map((arn) => `${action} ${arn}`)),
      ),
  );
  return [
    ...derived.map((statement) => PolicyStatement.fromJson(statement)),
    ...notebookChangeDependencies(stack, configuration),
    ...lambdaStatements(stack, modes, engines, allowed),
    ...notebookDataStatements(stack, configuration.members.dataBucketPrefix, allowed),
  ];
}

/**
 * What the snapshot and the verification of a recreation do in the data bucket, less what the Tasks'
 * statements allow already: configuration.json and the backup and restore requests written (and read
 * back, as the summaries and manifests are read), and ListBucket on the whole bucket, without which S3
 * answers a read of a missing key with 403 rather than 404 (GetObject API reference).
 */
function notebookDataStatements(
  stack: Stack,
  dataBucketPrefix: string,
  allowedByTasks: ReadonlySet<string>,
): PolicyStatement[] {
  const grants = mergedGrants(
    [
      {
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [notebookDataObjectsArn(stack, dataBucketPrefix)],
      },
      { actions: ['s3:ListBucket'], resources: [notebookDataBucketArn(stack, dataBucketPrefix)] },
    ],
    allowedByTasks,
  );
  return grantStatements('NotebookData', grants);
}

/**
 * What the Tasks' SageMaker calls need besides their own actions, which the derivation from the
 * definition cannot know (see docs/configuration.md for the sources).
 */
function notebookChangeDependencies(
  stack: Stack,
  configuration: RemediationConfiguration,
): PolicyStatement[] {
  const statements = [
    // What SageMaker checks of whoever creates or starts a notebook, as the restore tool's operators too.
    ...notebookLaunchStatements(stack, notebookInstancesArn(stack)),
    // A create that leaves a required setting out gets SageMaker's default (enabled): denied.
    ...Object.entries(notebookSettingConditions()).map(
      ([key, value]) =>
        new PolicyStatement({
          sid: `Deny${key.replace(/^sagemaker:/, '')}OnCreate`,
          effect: Effect.DENY,
          actions: ['sagemaker:CreateNotebookInstance'],
          resources: ['*'],
          conditions: { StringNotEquals: { [key]: value } },
        }),
    ),
    new PolicyStatement({
      sid: 'DeleteNotebookNetworkInterfaces',
      actions: ['ec2:DeleteNetworkInterface'],
      resources: [ec2Arn(stack, 'network-interface')],
    }),
  ];
  const keyArns = volumeKeyArns(configuration.recreate.targets, {
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

/** The Lambdas' calls on member resources (each function's role may only assume the member role). */
function lambdaStatements(
  stack: Stack,
  modes: ControlModes,
  engines: readonly string[],
  allowedByTasks: ReadonlySet<string>,
): PolicyStatement[] {
  const context = arnContextOf(stack);
  const changes = engineLambdaGrants('change-resource', modes, engines, context);
  return [
    new PolicyStatement({
      sid: 'ObserveNotebooks',
      // Planning, the snapshot, the clean-up after an ended execution and the verification.
      actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:ListTags'],
      resources: [notebookInstancesArn(stack)],
    }),
    new PolicyStatement({
      sid: 'ReadLifecycleConfigs',
      actions: ['sagemaker:DescribeNotebookInstanceLifecycleConfig'],
      resources: [
        stack.formatArn({
          service: 'sagemaker',
          resource: 'notebook-instance-lifecycle-config',
          resourceName: '*',
        }),
      ],
    }),
    new PolicyStatement({
      sid: 'ReadCodeRepositories',
      actions: ['sagemaker:DescribeCodeRepository'],
      resources: [stack.formatArn({ service: 'sagemaker', resource: 'code-repository', resourceName: '*' })],
    }),
    new PolicyStatement({
      sid: 'ReadNotebookRoleIds',
      // The snapshot names a notebook's prefix after its role's unique id.
      actions: ['iam:GetRole'],
      resources: [accountRolesArn(stack)],
    }),
    // Planning, verification, snapshots and changes all run as this one role: one statement per action.
    ...grantStatements(
      'Resources',
      mergedGrants(
        [
          ...planningGrants(modes, context),
          ...verificationGrants(modes, engines, context),
          ...engineLambdaGrants('snapshot-resource', modes, engines, context),
          ...changes,
        ],
        allowedByTasks,
      ),
    ),
    ...(changes.length > 0
      ? [
          new PolicyStatement({
            sid: 'PassResourceRoles',
            // An update or a recreation passes the resource's own execution role again.
            actions: ['iam:PassRole'],
            resources: [accountRolesArn(stack)],
            conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
          }),
        ]
      : []),
  ];
}

/**
 * One grant per action, on every resource any of the grants names for it and no statement allows
 * already (`<action> <resource>`), sorted.
 */
function mergedGrants(grants: readonly Grant[], allowedAlready: ReadonlySet<string>): Grant[] {
  const byAction = new Map<string, Set<string>>();
  for (const grant of grants) {
    for (const action of grant.actions) {
      const resources = byAction.get(action) ?? new Set<string>();
      for (const resource of grant.resources) {
        if (!allowedAlready.has(`${action} ${resource}`)) resources.add(resource);
      }
      byAction.set(action, resources);
    }
  }
  return [...byAction.entries()]
    .filter(([, resources]) => resources.size > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, resources]) => ({ actions: [action], resources: [...resources].sort() }));
}

function grantStatements(sid: string, grants: readonly Grant[]): PolicyStatement[] {
  // Named after the action (one per grant), so a statement keeps its Sid whichever controls are in scope.
  return grants.map(
    (grant) =>
      new PolicyStatement({
        sid: `${sid}${grant.actions.map((action) => action.replace(/^[a-z0-9]+:/, '')).join('')}`,
        actions: [...grant.actions],
        resources: [...grant.resources],
      }),
  );
}

/** The cdk-nag acknowledgements of the member role's wildcards, each with why it cannot be narrower. */
export function acknowledgeMemberRole(
  role: IConstruct,
  stack: Stack,
  configuration: RemediationConfiguration,
): void {
  const modes = resolveModes(configuration.modes);
  const engines = resourceEnginesInUse(configuration);
  const context = arnContextOf(stack);
  const kindWildcards = new Set(
    [
      ...planningGrants(modes, context),
      ...verificationGrants(modes, engines, context),
      ...engineLambdaGrants('snapshot-resource', modes, engines, context),
      ...engineLambdaGrants('change-resource', modes, engines, context),
      ...stateMachineResourceGrants(modes, engines, context),
    ].flatMap((grant) => grant.resources.filter((arn) => arn !== '*')),
  );
  for (const arn of kindWildcards) {
    acknowledge(
      role,
      wildcardResourceFinding(role, arn),
      'The resource a finding names is only known at run time; the wildcard is limited to resources of that kind in this account and Region, and to the calls the remediations make there (derived from the control modules).',
    );
  }
  acknowledge(
    role,
    wildcardResourceFinding(role, notebookInstancesArn(stack)),
    'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and Region, Update and Create to RootAccess and DirectInternetAccess Disabled by condition, and AddTags to tagging on create.',
  );
  for (const [resource, what] of [
    [
      'notebook-instance-lifecycle-config',
      "read-only DescribeNotebookInstanceLifecycleConfig of the notebook's lifecycle configuration",
    ],
    ['code-repository', "read-only DescribeCodeRepository of the notebook's repositories"],
  ] as const) {
    acknowledge(
      role,
      wildcardResourceFinding(role, stack.formatArn({ service: 'sagemaker', resource, resourceName: '*' })),
      `Which one the snapshot reads is only known at run time: ${what}, in this account and Region.`,
    );
  }
  acknowledge(
    role,
    wildcardResourceFinding(role, notebookDataObjectsArn(stack, configuration.members.dataBucketPrefix)),
    "The recreation snapshots whichever notebook a finding names, under its role id's prefix, known only at run time: the wildcard is limited to the roles/ prefix of this account's and Region's notebook data bucket, and to GetObject, PutObject and the listing of the scripts' status markers (no delete).",
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, accountRolesArn(stack)),
    "Any role of the account may be a notebook's or a resource's execution role: read-only GetRole gives the id that names a notebook's snapshot prefix, and PassRole is limited to SageMaker (iam:PassedToService) when a recreation or an update passes the resource's own role again.",
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, existingNotebookKeysArn(stack)),
    'A notebook recreated without a configured key keeps its own customer managed key, which no configuration names, and the pre-flight check describes whichever key the recreated notebook will use before anything is deleted: the wildcard is limited to keys of this account and Region, DescribeKey reads metadata only, and CreateGrant is limited to requests SageMaker makes (kms:ViaService) for AWS resources.',
  );
  for (const secrets of notebookRepositorySecretsArns(stack)) {
    acknowledge(
      role,
      wildcardResourceFinding(role, secrets),
      'The SageMaker API permissions reference requires the caller of CreateNotebookInstance and StartNotebookInstance to be allowed secretsmanager:GetSecretValue on the secret of a private Git repository the notebook uses; which one is only known at run time. SageMaker requires such secrets to have "sagemaker" in their name, so the wildcard is limited to secrets so named in this account and Region, and the action to GetSecretValue.',
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
      `The SageMaker API permissions reference requires the caller of CreateNotebookInstance with a VPC to be allowed ec2:CreateNetworkInterface (and DeleteNotebookInstance ec2:DeleteNetworkInterface); the wildcard covers ${what}, in this account and Region.`,
    );
  }
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'ec2:DescribeNetworkInterfaces, DescribeSecurityGroups, DescribeSubnets and DescribeVpcs, which the SageMaker API permissions reference requires of the caller of CreateNotebookInstance and StartNotebookInstance for a notebook in a VPC, and the pre-flight check calls on the target subnet and security groups; and sagemaker:ListMonitoringSchedules, with which the recreation of a job definition watches the schedules it moved. None of these has a resource type in the Service Authorization Reference, so only "*" can allow them.',
  );
}
