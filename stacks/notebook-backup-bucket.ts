/**
 * The bucket notebook snapshots go to before a notebook is deleted and recreated: its configuration
 * (written by the workflow) and the files of its ML volume (copied by a lifecycle script running on
 * the notebook under the notebook's own role). Layout: handlers/shared/notebook-backup-layout.ts.
 *
 * The notebook roles are not known in advance (any role of the account may be a notebook's), so the
 * bucket policy grants every role of this account its own prefix only, `roles/${aws:userid}/`,
 * which IAM fills in per request with `<role id>:<session name>` (`AROA...:SageMaker` on a notebook).
 */
import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { NOTEBOOK_ROLE_SESSION_NAME } from '../handlers/shared/notebook-backup-layout.js';
import { RESOURCE_SNAPSHOTS_PREFIX } from '../handlers/shared/resource-snapshot.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';

/**
 * The per-role prefix, with the IAM policy variable left for IAM to resolve at request time. It is
 * a plain string, not a CDK token: CDK and CloudFormation (Fn::Join, not Fn::Sub) pass it through.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, meant literally
export const NOTEBOOK_ROLE_OWN_PREFIX = 'roles/${aws:userid}/*';
/** Every notebook's prefix: what the workflow reads and writes. */
export const ALL_NOTEBOOK_ROLES_PREFIX = 'roles/*';

export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 90;
export const DEFAULT_NONCURRENT_RETENTION_DAYS = 30;
export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 365;
/** Incomplete multipart uploads (an interrupted copy of a large file) are removed after this. */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

export interface NotebookBackupBucketProps {
  /**
   * Customer managed key for SSE-KMS (with an S3 Bucket Key). Its key policy gets a statement letting
   * the account's roles use it through S3 on this bucket only, so it must be a key defined in the
   * app (`new Key(...)`): an imported key's policy cannot be changed and is rejected.
   */
  readonly encryptionKey: IKey;
  /**
   * Days a snapshot (current object version) is kept. Long enough to notice that a recreated
   * notebook is missing something and restore it.
   *
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * Days an overwritten or deleted object version is kept (versioning protects a snapshot a
   * notebook role overwrites, since that role may write its own prefix).
   *
   * @default 30
   */
  readonly noncurrentRetentionDays?: number;
  /**
   * Days the server access logs are kept.
   *
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Name of the snapshot bucket. It must be known before the bucket exists: the key policy names the
   * bucket (kms:EncryptionContext) and the bucket names the key, which a generated name would turn
   * into a circular dependency. 3-63 characters: lowercase letters, digits, hyphens.
   *
   * @default - `<unique construct name>-<account>-<region>`, unique per stack copy, account and region
   */
  readonly bucketName?: string;
}

/** Versioned, SSE-KMS, TLS-only, private snapshot bucket with access logging and retention. */
export class NotebookBackupBucket extends Construct {
  public readonly bucket: Bucket;
  /** Receives the snapshot bucket's server access logs (SSE-S3: the only encryption S3 logging supports). */
  public readonly accessLogBucket: Bucket;
  public readonly encryptionKey: IKey;
  /**
   * The bucket ARN built from its name, referencing no resource: what the key policy names (the
   * bucket's own ARN attribute would make the key depend on the bucket that depends on the key).
   */
  private readonly bucketArnFromName: string;

  constructor(scope: Construct, id: string, props: NotebookBackupBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS;
    const noncurrentRetentionDays = props.noncurrentRetentionDays ?? DEFAULT_NONCURRENT_RETENTION_DAYS;
    const accessLogRetentionDays = props.accessLogRetentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS;
    const problems = [
      ...wholeDaysProblems('retentionDays', retentionDays),
      ...wholeDaysProblems('noncurrentRetentionDays', noncurrentRetentionDays),
      ...wholeDaysProblems('accessLogRetentionDays', accessLogRetentionDays),
      ...(props.bucketName === undefined ? [] : bucketNameProblems(props.bucketName)),
      ...(isImported(props.encryptionKey)
        ? [
            'encryptionKey is an imported key: its key policy cannot be given the notebook roles statement; pass a key defined in this app',
          ]
        : []),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid NotebookBackupBucket '${id}':\n${problems.join('\n')}`);
    }
    this.encryptionKey = props.encryptionKey;

    // Log delivery by bucket policy (what AWS recommends, and what works with ACLs disabled) whatever
    // the app's feature flags say: without this flag CDK would switch the log bucket to ACLs.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'AccessLogRetention',
          expiration: Duration.days(accessLogRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
        },
      ],
      // The access logs are the record of who read or wrote a snapshot: they outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.accessLogBucket,
      'AwsSolutions-S1',
      'This bucket is itself the server access log destination of the notebook snapshot bucket; logging its own access would need a further log bucket, without end.',
    );

    const stack = Stack.of(this);
    const bucketName =
      props.bucketName ??
      `${Names.uniqueResourceName(this, { maxLength: 30 }).toLowerCase()}-${stack.account}-${stack.region}`;

    this.bucketArnFromName = stack.formatArn({
      service: 's3',
      region: '',
      account: '',
      resource: bucketName,
    });

    this.bucket = new Bucket(this, 'Bucket', {
      bucketName,
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      // One KMS request per bucket key instead of per object: a notebook volume is many files, and
      // per-object calls would cost money and could hit the account's shared KMS request quota.
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'notebook-snapshots/',
      lifecycleRules: [
        {
          id: 'SnapshotRetention',
          expiration: Duration.days(retentionDays),
          noncurrentVersionExpiration: Duration.days(noncurrentRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
        },
      ],
      // Snapshots are the only copy of a deleted notebook's data and configuration.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowNotebookRolesOwnPrefix();
    this.denyNotebooksOtherPrefixes();
    this.denyOtherEncryption();
    this.grantNotebookRolesKeyUse();
  }

  /**
   * Lets the workflow's role write configuration.json and the backup/restore requests and read them
   * back for every notebook (all of `roles/*`), list the bucket (without which a missing key reads as
   * AccessDenied, not NoSuchKey), and use the key through S3 on this bucket. Acknowledges the
   * resulting AwsSolutions-IAM5 finding on the role.
   */
  grantWorkflowAccess(role: IRole): void {
    const objects = this.bucket.arnForObjects(ALL_NOTEBOOK_ROLES_PREFIX);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'NotebookSnapshotObjects',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [objects],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'NotebookSnapshotListing',
        // S3 answers a read of a missing key with 404 only to a caller allowed s3:ListBucket on the
        // bucket; a condition on s3:prefix does not apply to that check (GetObject API reference).
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'NotebookSnapshotKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: this.keyThroughThisBucket() },
      }),
    );
    acknowledge(
      role,
      wildcardResourceFinding(this, objects),
      'The workflow snapshots whichever notebook a finding names, under that notebook role id prefix, known only at run time; the wildcard is limited to the roles/ prefix of the snapshot bucket and to GetObject and PutObject (no delete).',
    );
  }

  /**
   * Lets a resource engine's role read (and, with `write`, write) the snapshots of resources other than
   * notebooks, under `resources/`, list the bucket (a missing key then reads as NoSuchKey), and use the
   * key through S3 on this bucket. Notebook sessions are denied that prefix by the bucket policy (b).
   */
  grantResourceSnapshots(role: IRole, access: { readonly write: boolean }): void {
    const objects = this.bucket.arnForObjects(`${RESOURCE_SNAPSHOTS_PREFIX}*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ResourceSnapshotObjects',
        actions: access.write ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
        resources: [objects],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ResourceSnapshotListing',
        // A read of a missing key is 404 only with s3:ListBucket on the bucket (GetObject API reference).
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ResourceSnapshotKey',
        actions: access.write ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: this.keyThroughThisBucket() },
      }),
    );
    acknowledge(
      role,
      wildcardResourceFinding(this, objects),
      `The resource to snapshot is only known at run time; the wildcard is limited to the ${RESOURCE_SNAPSHOTS_PREFIX} prefix of the snapshot bucket and to ${access.write ? 'GetObject and PutObject' : 'GetObject'} (no delete).`,
    );
  }

  /**
   * (b) A notebook's role often may read and write every bucket whose name contains "sagemaker" (the
   * AWS managed policy AmazonSageMakerFullAccess), and this bucket's name may: without this, any
   * notebook could read every other notebook's snapshot. So a notebook session (session name
   * `SageMaker`, its `aws:userid` `<role id>:SageMaker`) is denied everything here but its own prefix.
   */
  private denyNotebooksOtherPrefixes(): void {
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NotebooksOnlyTheirOwnPrefix',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:*'],
        notResources: [this.bucket.arnForObjects(NOTEBOOK_ROLE_OWN_PREFIX), this.bucket.bucketArn],
        conditions: { StringLike: { 'aws:userid': `*:${NOTEBOOK_ROLE_SESSION_NAME}` } },
      }),
    );
    // On the bucket itself, a notebook may only list, and only its own prefix (no s3:prefix is denied too).
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NotebooksNoOtherBucketActions',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        notActions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 'aws:userid': `*:${NOTEBOOK_ROLE_SESSION_NAME}` } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NotebooksListNothingElse',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: {
          StringLike: { 'aws:userid': `*:${NOTEBOOK_ROLE_SESSION_NAME}` },
          StringNotLike: { 's3:prefix': NOTEBOOK_ROLE_OWN_PREFIX },
        },
      }),
    );
  }

  /** (a) Every role of this account may read and write its own prefix, and nothing else. */
  private allowNotebookRolesOwnPrefix(): void {
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NotebookRolesOwnPrefixOnly',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects(NOTEBOOK_ROLE_OWN_PREFIX)],
        conditions: {
          StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account },
          ArnLike: { 'aws:PrincipalArn': this.accountRoles() },
        },
      }),
    );
    // Listing its own prefix lets a script see which statuses exist without reading missing keys
    // (refused with 403 without s3:ListBucket on the whole bucket, which would show every notebook's).
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NotebookRolesListOwnPrefix',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: {
          StringEquals: { 'aws:PrincipalAccount': Stack.of(this).account },
          ArnLike: { 'aws:PrincipalArn': this.accountRoles() },
          StringLike: { 's3:prefix': NOTEBOOK_ROLE_OWN_PREFIX },
        },
      }),
    );
  }

  /**
   * (c) Default encryption applies SSE-KMS with this key only when a request names no encryption;
   * a request that names SSE-S3, another KMS key (or, naming aws:kms without a key, the AWS managed
   * aws/s3 key) or SSE-C would override it. So: a request may omit the encryption headers or name
   * exactly this key, and nothing else. Not the common "deny unless the header says aws:kms"
   * pattern, which would also reject clients that rely on the default (the AWS CLI sends no header).
   */
  private denyOtherEncryption(): void {
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyEncryptionOtherThanBucketKey',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.encryptionKey.keyArn },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyCustomerProvidedKeys',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
      }),
    );
  }

  /**
   * The notebook roles need GenerateDataKey (write) and Decrypt (read) for SSE-KMS. Granted in the
   * key policy (the roles are not known in advance, so no identity policy can be attached), only
   * through S3 and only for this bucket. With an S3 Bucket Key, S3 uses the bucket ARN as the
   * encryption context, not the object ARN, so the condition cannot name the `roles/` prefix: the
   * bucket policy above is what confines each role to its own prefix.
   */
  private grantNotebookRolesKeyUse(): void {
    const { statementAdded } = this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: `NotebookRolesViaS3${Names.uniqueId(this)}`,
        principals: [new AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            ...this.keyThroughThisBucket(),
            'aws:PrincipalAccount': Stack.of(this).account,
          },
          ArnLike: { 'aws:PrincipalArn': this.accountRoles() },
        },
      }),
    );
    if (!statementAdded) {
      // Checked in the constructor already; kept so a future IKey implementation cannot slip through.
      throw new Error(
        `NotebookBackupBucket '${this.node.id}': the key policy of encryptionKey cannot be changed`,
      );
    }
  }

  private keyThroughThisBucket(): Record<string, string> {
    const stack = Stack.of(this);
    return {
      'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
      'kms:EncryptionContext:aws:s3:arn': this.bucketArnFromName,
    };
  }

  private accountRoles(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:iam::${stack.account}:role/*`;
  }
}

function wholeDaysProblems(name: string, days: number): string[] {
  if (Token.isUnresolved(days)) return [];
  return Number.isInteger(days) && days >= 1
    ? []
    : [`${name} must be a whole number of days >= 1 (got ${days})`];
}

function bucketNameProblems(name: string): string[] {
  if (Token.isUnresolved(name)) return [];
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)
    ? []
    : [
        `bucketName '${name}' must be 3-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit`,
      ];
}

/** A key defined in the app is a Key construct with a CfnKey child; an imported one has none. */
function isImported(key: IKey): boolean {
  return key.node.defaultChild === undefined;
}
