/**
 * What the two restore tools call in one account and Region, as IAM statements, each wildcard with why
 * it cannot be narrower. Built once, for two holders: the administrator stack's operator policies
 * (restore-operator-policy.ts: its own account and Region) and the member stack's restore role
 * (member-restore-role.ts: the account and Region a StackSet deploys it to, pseudo parameters there).
 *
 * bin/restore-notebook.ts (bin/restore-notebook/):
 * - S3 on the notebook data bucket of the account and Region (the member stack's: a notebook's snapshot
 *   stays in its own account): GetObject of configuration.json, backup-status/complete, the manifests
 *   and restores/<attempt>/status/*; ListObjectsV2 of a restore's status prefix; PutObject of the
 *   notebook's restore-request.json. Its key is the AWS managed aws/s3, whose key policy lets every
 *   principal of the account use it through S3: no KMS statement.
 * - SageMaker: DescribeNotebookInstance, CreateNotebookInstance (with tags), Stop, Start, Update;
 *   DescribeNotebookInstanceLifecycleConfig and DescribeCodeRepository for its checks.
 * - IAM: GetRole (the role id the restore script's prefix depends on).
 * And what SageMaker checks of the caller on Create, Start and Update (SageMaker API permissions
 * reference): iam:PassRole; ec2:CreateNetworkInterface and the Describe calls for a notebook in a VPC;
 * kms:DescribeKey and kms:CreateGrant for a volume key; secretsmanager:GetSecretValue for a repository
 * backed by a secret (notebook-launch-permissions.ts).
 *
 * bin/restore-resource.ts: the SageMaker calls of the change engines' restore steps, derived from the
 * calls the control modules declare for the change-resource Lambda, which makes the same steps in the
 * workflow (control-permissions.ts), for every engine and every control: a snapshot outlives a change
 * of the deployment's modes. Plus iam:PassRole to SageMaker, as an update passes the resource's
 * execution role again. Its snapshot is read in the administrator account: that S3 and KMS are the
 * operator policy's only.
 */
import type { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { CONTROL_IDS, type ControlModes } from '../handlers/shared/controls-catalogue.js';
import { CHANGE_ENGINES } from '../handlers/shared/resource-changes.js';
import { engineLambdaGrants, type Grant } from './control-permissions.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import {
  accountRolesArn,
  ec2Arn,
  existingNotebookKeysArn,
  notebookLaunchStatements,
  notebookRepositorySecretsArns,
} from './notebook-launch-permissions.js';

/** Statements, and each wildcard resource among them with why it cannot be narrower (cdk-nag IAM5). */
export interface RestoreStatements {
  readonly statements: readonly PolicyStatement[];
  readonly wildcards: ReadonlyArray<readonly [arn: string, reason: string]>;
}

/** Acknowledges each wildcard on the policy that holds it, with its reason. */
export function acknowledgeRestoreWildcards(
  policy: IConstruct,
  wildcards: RestoreStatements['wildcards'],
): void {
  for (const [arn, reason] of wildcards) acknowledge(policy, wildcardResourceFinding(policy, arn), reason);
}

/**
 * bin/restore-notebook.ts's calls in the stack's account and Region, on the notebook data bucket named
 * `dataBucketName` (that account's and Region's).
 */
export function notebookRestoreStatements(stack: Stack, dataBucketName: string): RestoreStatements {
  const dataBucketArn = `arn:${stack.partition}:s3:::${dataBucketName}`;
  const arns = {
    snapshotReads: [
      'roles/*/configuration.json',
      'roles/*/backup-status/complete',
      'roles/*/data/manifest.jsonl',
      'roles/*/restores/*',
    ].map((pattern) => `${dataBucketArn}/${pattern}`),
    restoreRequests: `${dataBucketArn}/roles/*/restore-request.json`,
    notebooks: sageMakerArn(stack, 'notebook-instance'),
    lifecycleConfigs: sageMakerArn(stack, 'notebook-instance-lifecycle-config'),
    codeRepositories: sageMakerArn(stack, 'code-repository'),
    roles: accountRolesArn(stack),
  };
  const statements = [
    new PolicyStatement({
      sid: 'ReadSnapshots',
      actions: ['s3:GetObject'],
      resources: arns.snapshotReads,
    }),
    new PolicyStatement({
      sid: 'WriteRestoreRequests',
      actions: ['s3:PutObject'],
      resources: [arns.restoreRequests],
    }),
    new PolicyStatement({
      sid: 'ListSnapshots',
      // Restore statuses are listed; and S3 answers a missing key with 404 only to a caller allowed
      // s3:ListBucket on the bucket, whatever its s3:prefix (GetObject API reference).
      actions: ['s3:ListBucket'],
      resources: [dataBucketArn],
    }),
    new PolicyStatement({
      sid: 'RestoreNotebooks',
      actions: [
        'sagemaker:DescribeNotebookInstance',
        'sagemaker:CreateNotebookInstance',
        'sagemaker:StopNotebookInstance',
        'sagemaker:StartNotebookInstance',
        'sagemaker:UpdateNotebookInstance',
      ],
      resources: [arns.notebooks],
    }),
    new PolicyStatement({
      sid: 'DescribeLifecycleConfigs',
      actions: ['sagemaker:DescribeNotebookInstanceLifecycleConfig'],
      resources: [arns.lifecycleConfigs],
    }),
    new PolicyStatement({
      sid: 'DescribeCodeRepositories',
      actions: ['sagemaker:DescribeCodeRepository'],
      resources: [arns.codeRepositories],
    }),
    new PolicyStatement({
      sid: 'ReadNotebookRoles',
      actions: ['iam:GetRole'],
      resources: [arns.roles],
    }),
    ...notebookLaunchStatements(stack, arns.notebooks),
  ];
  const vpcCaller = (what: string) =>
    `The SageMaker API permissions reference requires the caller of CreateNotebookInstance with a VPC to be allowed ec2:CreateNetworkInterface; the wildcard covers ${what}, in this account and region.`;
  const wildcards: Array<readonly [string, string]> = [
    ...arns.snapshotReads.map(
      (arn) =>
        [
          arn,
          'A snapshot lies under the prefix of its notebook role id, known only when the operator names the snapshot; read-only, limited to the snapshot files the tool reads.',
        ] as const,
    ),
    [
      arns.restoreRequests,
      "The restore request goes under the notebook role id's prefix, known only at run time; PutObject of restore-request.json only.",
    ],
    [
      arns.notebooks,
      'The notebook to restore is named by the snapshot, known only at run time; limited to notebook instances of this account and region, and AddTags to tagging on create.',
    ],
    [
      arns.lifecycleConfigs,
      "The tool checks the restore lifecycle configuration and the notebook's own one, named by the snapshot; read-only.",
    ],
    [
      arns.codeRepositories,
      "The tool checks the notebook's code repositories, named by the snapshot; read-only.",
    ],
    [
      arns.roles,
      'The restored notebook keeps its own role, which may be any role of the account: GetRole reads its id, and PassRole is limited by iam:PassedToService to SageMaker.',
    ],
    [
      ec2Arn(stack, 'network-interface'),
      vpcCaller('the network interface SageMaker creates (its id does not exist yet)'),
    ],
    [ec2Arn(stack, 'subnet'), vpcCaller("the notebook's subnet, named by the snapshot")],
    [ec2Arn(stack, 'security-group'), vpcCaller("the notebook's security groups, named by the snapshot")],
    [
      '*',
      'ec2:DescribeNetworkInterfaces, DescribeSecurityGroups, DescribeSubnets and DescribeVpcs, which CreateNotebookInstance and StartNotebookInstance in a VPC need of the caller, support no resource-level permissions.',
    ],
    [
      existingNotebookKeysArn(stack),
      "The notebook's volume key is named by the snapshot; CreateGrant and DescribeKey are limited to requests SageMaker makes (kms:ViaService), and grants to AWS resources.",
    ],
    ...notebookRepositorySecretsArns(stack).map(
      (arn) =>
        [
          arn,
          "The SageMaker API permissions reference requires the caller of CreateNotebookInstance and StartNotebookInstance to be allowed secretsmanager:GetSecretValue on the secret of the notebook's private Git repository, named by the snapshot; SageMaker requires such secrets to have 'sagemaker' in their name, so the wildcard is limited to those, in this account and region.",
        ] as const,
    ),
  ];
  return { statements, wildcards };
}

/** Every control in scope: whatever the deployment's modes are now, its bucket may hold a snapshot of each. */
const EVERY_CONTROL = Object.fromEntries(CONTROL_IDS.map((id) => [id, 'approval'])) as ControlModes;

/**
 * The SageMaker calls of the change engines' restore steps: what the control modules declare for the
 * change-resource Lambda, which makes those steps in the workflow, by resource (one statement per kind
 * keeps each action on its own kinds and the document short). Other actions (iam:PassRole) are
 * granted with their conditions.
 */
export function resourceRestoreGrants(stack: Stack): Grant[] {
  const context = { partition: stack.partition, region: stack.region, account: stack.account };
  const byResource = new Map<string, Set<string>>();
  for (const grant of engineLambdaGrants(
    'change-resource',
    EVERY_CONTROL,
    Object.keys(CHANGE_ENGINES),
    context,
  )) {
    for (const action of grant.actions.filter((name) => name.startsWith('sagemaker:'))) {
      for (const resource of grant.resources)
        byResource.set(resource, (byResource.get(resource) ?? new Set()).add(action));
    }
  }
  return [...byResource.entries()].map(([resource, actions]) => ({
    actions: [...actions].sort(),
    resources: [resource],
  }));
}

/** bin/restore-resource.ts's calls in the stack's account and Region (its snapshot's S3 aside). */
export function resourceRestoreStatements(stack: Stack): RestoreStatements {
  const roles = accountRolesArn(stack);
  const grants = resourceRestoreGrants(stack);
  return {
    statements: [
      new PolicyStatement({
        sid: 'ResourceRestorePassRoles',
        actions: ['iam:PassRole'],
        resources: [roles],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
      ...grants.map(
        (grant) =>
          new PolicyStatement({
            sid: kindSid(grant.resources[0] ?? '*'),
            actions: [...grant.actions],
            resources: [...grant.resources],
          }),
      ),
    ],
    wildcards: [
      [
        roles,
        "An update or a recreation passes the resource's own execution role again, which may be any role of the account; limited by iam:PassedToService to SageMaker.",
      ],
      ...grants.map((grant) => {
        const arn = grant.resources[0] ?? '*';
        const what =
          arn === '*'
            ? `${grant.actions.join(', ')}, which support no resource-level permissions`
            : 'resources of their kinds in this account and region';
        return [
          arn,
          `The resource to put back is named by its snapshot, known only at run time; only the calls of the change engines' restore steps, on ${what}.`,
        ] as const;
      }),
    ],
  };
}

/** `ResourceRestore<Kind>` from a kind's ARN (`.../monitoring-schedule/*`), or `ResourceRestoreAnyResource` for `*`. */
function kindSid(arn: string): string {
  const type = /([a-z-]+)\/\*$/.exec(arn)?.[1];
  if (!type) return 'ResourceRestoreAnyResource';
  return `ResourceRestore${type.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase())}`;
}

function sageMakerArn(stack: Stack, resource: string): string {
  return stack.formatArn({ service: 'sagemaker', resource, resourceName: '*' });
}
