/**
 * The customer managed policy for the people who run bin/restore-notebook.ts (docs/restore.md): exactly
 * the calls the tool makes, and what AWS checks of the caller on their behalf. Attach it to the
 * operators' role; the stack output RestoreOperatorPolicyArn names it.
 *
 * What the tool calls (bin/restore-notebook/):
 * - S3 on the notebook data bucket of this account and Region (the member stack's: a notebook's snapshot
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
 * backed by a secret.
 *
 * bin/restore-resource.ts has a policy of its own in the same construct, `resourcePolicy` (stack output
 * RestoreResourceOperatorPolicyArn), as one managed policy holds at most 6,144 characters (IAM quotas)
 * and the two would not fit together: GetObject of a snapshot under resources/, through S3 on the stack
 * key, and the SageMaker calls of the change engines' restore steps. Those are derived from the calls
 * the control modules declare for the change-resource Lambda, which makes the same steps in the
 * workflow (control-permissions.ts), for every engine and every control: a snapshot outlives a change
 * of the deployment's modes. Plus iam:PassRole to SageMaker, as an update passes the resource's
 * execution role again.
 */
import { Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CONTROL_IDS, type ControlModes } from '../handlers/shared/controls-catalogue.js';
import { CHANGE_ENGINES } from '../handlers/shared/resource-changes.js';
import { RESOURCE_SNAPSHOTS_PREFIX } from '../handlers/shared/resource-snapshot.js';
import { engineLambdaGrants, type Grant } from './control-permissions.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import type { NotebookBackupBucket } from './notebook-backup-bucket.js';
import {
  accountRolesArn,
  ec2Arn,
  existingNotebookKeysArn,
  notebookLaunchStatements,
  notebookRepositorySecretsArns,
} from './notebook-launch-permissions.js';

export interface RestoreOperatorPolicyProps {
  /** The deployment's snapshot bucket and its key: the snapshots of resources other than notebooks. */
  readonly notebookBackups: NotebookBackupBucket;
  /**
   * The notebook data bucket of the stack's account and Region (`<dataBucketPrefix>-<account>-<region>`,
   * deployed by the member stack): where the snapshots of its notebooks are.
   */
  readonly notebookDataBucketName: string;
}

/** The customer managed policies with what the restore tools need. */
export class RestoreOperatorPolicy extends Construct {
  /** bin/restore-notebook.ts. */
  public readonly policy: ManagedPolicy;
  /** bin/restore-resource.ts. */
  public readonly resourcePolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: RestoreOperatorPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const dataBucketArn = `arn:${stack.partition}:s3:::${props.notebookDataBucketName}`;
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
      networkInterfaces: ec2Arn(stack, 'network-interface'),
      subnets: ec2Arn(stack, 'subnet'),
      securityGroups: ec2Arn(stack, 'security-group'),
      keys: existingNotebookKeysArn(stack),
      secrets: notebookRepositorySecretsArns(stack),
    };

    this.policy = new ManagedPolicy(this, 'Policy', {
      description:
        'Runs bin/restore-notebook.ts: recreates a notebook the SageMaker remediation deleted, from its snapshot (docs/restore.md).',
      statements: [
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
      ],
    });
    this.acknowledgeWildcards(arns);
    this.resourcePolicy = resourceRestorePolicy(this, props.notebookBackups);
  }

  private acknowledgeWildcards(arns: {
    readonly snapshotReads: readonly string[];
    readonly restoreRequests: string;
    readonly notebooks: string;
    readonly lifecycleConfigs: string;
    readonly codeRepositories: string;
    readonly roles: string;
    readonly networkInterfaces: string;
    readonly subnets: string;
    readonly securityGroups: string;
    readonly keys: string;
    readonly secrets: readonly string[];
  }): void {
    const reasons: ReadonlyArray<readonly [string, string]> = [
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
      ...[
        [arns.networkInterfaces, 'the network interface SageMaker creates (its id does not exist yet)'],
        [arns.subnets, "the notebook's subnet, named by the snapshot"],
        [arns.securityGroups, "the notebook's security groups, named by the snapshot"],
      ].map(
        ([arn, what]) =>
          [
            arn as string,
            `The SageMaker API permissions reference requires the caller of CreateNotebookInstance with a VPC to be allowed ec2:CreateNetworkInterface; the wildcard covers ${what}, in this account and region.`,
          ] as const,
      ),
      [
        '*',
        'ec2:DescribeNetworkInterfaces, DescribeSecurityGroups, DescribeSubnets and DescribeVpcs, which CreateNotebookInstance and StartNotebookInstance in a VPC need of the caller, support no resource-level permissions.',
      ],
      [
        arns.keys,
        "The notebook's volume key is named by the snapshot; CreateGrant and DescribeKey are limited to requests SageMaker makes (kms:ViaService), and grants to AWS resources.",
      ],
      ...arns.secrets.map(
        (arn) =>
          [
            arn,
            "The SageMaker API permissions reference requires the caller of CreateNotebookInstance and StartNotebookInstance to be allowed secretsmanager:GetSecretValue on the secret of the notebook's private Git repository, named by the snapshot; SageMaker requires such secrets to have 'sagemaker' in their name, so the wildcard is limited to those, in this account and region.",
          ] as const,
      ),
    ];
    for (const [arn, reason] of reasons) acknowledge(this.policy, wildcardResourceFinding(this, arn), reason);
  }
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

/** `ResourceRestore<Kind>` from a kind's ARN (`.../monitoring-schedule/*`), or `ResourceRestoreAnyResource` for `*`. */
function kindSid(arn: string): string {
  const type = /([a-z-]+)\/\*$/.exec(arn)?.[1];
  if (!type) return 'ResourceRestoreAnyResource';
  return `ResourceRestore${type.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase())}`;
}

function resourceRestorePolicy(scope: Construct, notebookBackups: NotebookBackupBucket): ManagedPolicy {
  const stack = Stack.of(scope);
  const { bucket, encryptionKey } = notebookBackups;
  const snapshots = bucket.arnForObjects(`${RESOURCE_SNAPSHOTS_PREFIX}*`);
  const roles = accountRolesArn(stack);
  const grants = resourceRestoreGrants(stack);
  const policy = new ManagedPolicy(scope, 'ResourcePolicy', {
    description:
      'Runs bin/restore-resource.ts: puts a resource other than a notebook back from the snapshot taken before the SageMaker remediation changed it (docs/restore.md).',
    statements: [
      new PolicyStatement({
        sid: 'ResourceRestoreSnapshotReads',
        actions: ['s3:GetObject'],
        resources: [snapshots],
      }),
      new PolicyStatement({
        sid: 'ResourceRestoreSnapshotListing',
        // A missing key then reads as NoSuchKey, not AccessDenied (GetObject API reference).
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
      }),
      new PolicyStatement({
        sid: 'ResourceRestoreSnapshotKey',
        actions: ['kms:Decrypt'],
        resources: [encryptionKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
            'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
          },
        },
      }),
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
  });
  const reasons: Array<readonly [string, string]> = [
    [
      snapshots,
      `A resource snapshot is named by the alert, known only at run time; read-only GetObject, limited to the ${RESOURCE_SNAPSHOTS_PREFIX} prefix of the snapshot bucket.`,
    ],
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
  ];
  for (const [arn, reason] of reasons) acknowledge(policy, wildcardResourceFinding(scope, arn), reason);
  return policy;
}

function sageMakerArn(stack: Stack, resource: string): string {
  return stack.formatArn({ service: 'sagemaker', resource, resourceName: '*' });
}
