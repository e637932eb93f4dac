/**
 * The customer managed policies for the people who run the restore tools (docs/restore.md): exactly the
 * calls each tool makes in this account and Region, and what AWS checks of the caller on their behalf
 * (restore-statements.ts, which the member stack's restore role is built from too). Attach both to the
 * operators' role; the stack outputs RestoreOperatorPolicyArn (bin/restore-notebook.ts, `policy`) and
 * RestoreResourceOperatorPolicyArn (bin/restore-resource.ts, `resourcePolicy`) name them. Two, as one
 * managed policy holds at most 6,144 characters (IAM quotas) and the two would not fit together.
 *
 * The resource tool's policy also reads the snapshot, in this deployment's bucket under resources/,
 * through S3 on the stack key. Both may assume the restore role the member stack deploys in every
 * account and Region (`<members.roleName>-restore-<region>`): with it, the tools act in another account
 * (`--role-arn`, as the note's command for a resource there names it).
 */
import { Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MEMBER_ROLE_PATH } from '../handlers/shared/member-access.js';
import { RESOURCE_SNAPSHOTS_PREFIX } from '../handlers/shared/resource-snapshot.js';
import { RESTORE_ROLE_INFIX } from '../handlers/shared/restore-command.js';
import type { NotebookBackupBucket } from './notebook-backup-bucket.js';
import {
  acknowledgeRestoreWildcards,
  notebookRestoreStatements,
  resourceRestoreStatements,
} from './restore-statements.js';

export interface RestoreOperatorPolicyProps {
  /** The deployment's snapshot bucket and its key: the snapshots of resources other than notebooks. */
  readonly notebookBackups: NotebookBackupBucket;
  /**
   * The notebook data bucket of the stack's account and Region (`<dataBucketPrefix>-<account>-<region>`,
   * deployed by the member stack): where the snapshots of its notebooks are.
   */
  readonly notebookDataBucketName: string;
  /** `members.roleName`: the restore roles the policies may assume are `<roleName>-restore-<region>`. */
  readonly memberRoleName: string;
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
    const restoreRoles = restoreRolesArn(stack, props.memberRoleName);
    const notebook = notebookRestoreStatements(stack, props.notebookDataBucketName);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description:
        'Runs bin/restore-notebook.ts: recreates a notebook the SageMaker remediation deleted, from its snapshot (docs/restore.md).',
      statements: [...notebook.statements, assumeRestoreRoles('AssumeRestoreRoles', restoreRoles)],
    });
    acknowledgeRestoreWildcards(this.policy, [...notebook.wildcards, [restoreRoles, RESTORE_ROLES_REASON]]);
    this.resourcePolicy = resourceRestorePolicy(this, props.notebookBackups, restoreRoles);
  }
}

/**
 * `arn:<partition>:iam::*:role/sagemaker-remediation/<roleName>-restore-*`: the member stacks' restore
 * roles only (the member roles, `<roleName>-<region>`, trust the deployment's own roles alone).
 */
function restoreRolesArn(stack: Stack, memberRoleName: string): string {
  return `arn:${stack.partition}:iam::*:role${MEMBER_ROLE_PATH}${memberRoleName}${RESTORE_ROLE_INFIX}*`;
}

const RESTORE_ROLES_REASON =
  "The restore role the member stack deploys in every account and Region of the organization, to run the restore tools on a resource there (--role-arn); accounts and Regions join at any time, so the account and the Region suffix are wildcards, and only the member stacks' restore roles match.";

function assumeRestoreRoles(sid: string, restoreRoles: string): PolicyStatement {
  return new PolicyStatement({ sid, actions: ['sts:AssumeRole'], resources: [restoreRoles] });
}

function resourceRestorePolicy(
  scope: Construct,
  notebookBackups: NotebookBackupBucket,
  restoreRoles: string,
): ManagedPolicy {
  const stack = Stack.of(scope);
  const { bucket, encryptionKey } = notebookBackups;
  const snapshots = bucket.arnForObjects(`${RESOURCE_SNAPSHOTS_PREFIX}*`);
  const calls = resourceRestoreStatements(stack);
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
      ...calls.statements,
      assumeRestoreRoles('ResourceRestoreAssumeRestoreRoles', restoreRoles),
    ],
  });
  acknowledgeRestoreWildcards(policy, [
    [
      snapshots,
      `A resource snapshot is named by the alert, known only at run time; read-only GetObject, limited to the ${RESOURCE_SNAPSHOTS_PREFIX} prefix of the snapshot bucket.`,
    ],
    ...calls.wildcards,
    [restoreRoles, RESTORE_ROLES_REASON],
  ]);
  return policy;
}
