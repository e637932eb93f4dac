/**
 * The administrator deployment's snapshot bucket: the snapshots taken before an approved change of a
 * resource other than a notebook (`resources/<account>/<region>/...`, resource-snapshot.ts), written and
 * read by the resource engines' Lambdas. A notebook's data never comes here: it stays in its own
 * account and Region, in the member stack's bucket (notebook-data-bucket.ts), because the lifecycle
 * scripts copy it as the notebook's own role. A notebook session is denied this bucket altogether.
 */
import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { RESOURCE_SNAPSHOTS_PREFIX } from '../handlers/shared/resource-snapshot.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { noNotebookSessionsStatement } from './notebook-role-prefixes.js';

export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 90;
export const DEFAULT_NONCURRENT_RETENTION_DAYS = 30;
export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 365;
/** Incomplete multipart uploads (an interrupted copy of a large file) are removed after this. */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

export interface NotebookBackupBucketProps {
  /** Customer managed key for SSE-KMS (with an S3 Bucket Key). */
  readonly encryptionKey: IKey;
  /**
   * Days a snapshot (current object version) is kept. Long enough to notice that a recreated
   * notebook is missing something and restore it.
   *
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * Days an overwritten or deleted object version is kept (versioning protects a snapshot that is
   * overwritten by mistake).
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
   * Name of the snapshot bucket. It must be known before the bucket exists: the roles' key statements
   * name the bucket (kms:EncryptionContext), which a generated name would make depend on the bucket.
   * 3-63 characters: lowercase letters, digits, hyphens.
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
  /** The bucket ARN built from its name, referencing no resource: what the key statements name. */
  private readonly bucketArnFromName: string;

  constructor(scope: Construct, id: string, props: NotebookBackupBucketProps) {
    super(scope, id);
    const {
      retentionDays,
      noncurrentRetentionDays,
      accessLogRetentionDays,
      problems: retentionProblems,
    } = snapshotRetention(props);
    const problems = [
      ...retentionProblems,
      ...(props.bucketName === undefined ? [] : bucketNameProblems(props.bucketName)),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid NotebookBackupBucket '${id}':\n${problems.join('\n')}`);
    }
    this.encryptionKey = props.encryptionKey;

    this.accessLogBucket = createAccessLogBucket(
      this,
      accessLogRetentionDays,
      'the notebook snapshot bucket',
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
      ...retainedSnapshotBucketProps({
        accessLogBucket: this.accessLogBucket,
        accessLogPrefix: 'notebook-snapshots/',
        retentionDays,
        noncurrentRetentionDays,
      }),
      bucketName,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
    });
    this.bucket.addToResourcePolicy(noNotebookSessionsStatement(this.bucket));
    this.denyOtherEncryption();
  }

  /**
   * Lets a resource engine's role read (and, with `write`, write) the snapshots of resources other than
   * notebooks, under `resources/`, list the bucket (a missing key then reads as NoSuchKey), and use the
   * key through S3 on this bucket. Notebook sessions are denied the whole bucket by its policy.
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
   * Default encryption applies SSE-KMS with this key only when a request names no encryption;
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
    this.bucket.addToResourcePolicy(denyCustomerProvidedKeys(this.bucket));
  }

  private keyThroughThisBucket(): Record<string, string> {
    const stack = Stack.of(this);
    return {
      'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
      'kms:EncryptionContext:aws:s3:arn': this.bucketArnFromName,
    };
  }
}

export function wholeDaysProblems(name: string, days: number): string[] {
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

/**
 * The bucket that receives a snapshot bucket's server access logs: SSE-S3 (the only encryption S3
 * logging supports), TLS only, private, its logs expired after `retentionDays`, retained with the stack
 * (they are the record of who read or wrote a snapshot).
 */
/**
 * Refuses a PutObject with a key of the caller's own (SSE-C): a snapshot the workflow could not read
 * back. Both snapshot buckets carry it.
 */
export function denyCustomerProvidedKeys(bucket: Bucket): PolicyStatement {
  return new PolicyStatement({
    sid: 'DenyCustomerProvidedKeys',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('*')],
    conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
  });
}

/** The retention props of a snapshot bucket, defaulted, and why they cannot be used (every one). */
export function snapshotRetention(props: {
  readonly retentionDays?: number;
  readonly noncurrentRetentionDays?: number;
  readonly accessLogRetentionDays?: number;
}) {
  const retentionDays = props.retentionDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS;
  const noncurrentRetentionDays = props.noncurrentRetentionDays ?? DEFAULT_NONCURRENT_RETENTION_DAYS;
  const accessLogRetentionDays = props.accessLogRetentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS;
  return {
    retentionDays,
    noncurrentRetentionDays,
    accessLogRetentionDays,
    problems: [
      ...wholeDaysProblems('retentionDays', retentionDays),
      ...wholeDaysProblems('noncurrentRetentionDays', noncurrentRetentionDays),
      ...wholeDaysProblems('accessLogRetentionDays', accessLogRetentionDays),
    ],
  };
}

/**
 * What every snapshot bucket of the app is (the administrator stack's and the member stacks' notebook
 * data buckets): versioned, TLS only, private, owner-enforced, logged, its snapshots expiring after
 * the retention, retained when the stack goes (a snapshot is what a change is put back from). The
 * caller adds the name and the encryption.
 */
export function retainedSnapshotBucketProps(options: {
  readonly accessLogBucket: Bucket;
  readonly accessLogPrefix: string;
  readonly retentionDays: number;
  readonly noncurrentRetentionDays: number;
}): BucketProps {
  return {
    versioned: true,
    // One KMS request per bucket key instead of per object: per-object calls would cost money and
    // could hit the account's shared KMS request quota.
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: options.accessLogBucket,
    serverAccessLogsPrefix: options.accessLogPrefix,
    lifecycleRules: [
      {
        id: 'SnapshotRetention',
        expiration: Duration.days(options.retentionDays),
        noncurrentVersionExpiration: Duration.days(options.noncurrentRetentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

export function createAccessLogBucket(scope: Construct, retentionDays: number, loggedBucket: string): Bucket {
  // Log delivery by bucket policy (what AWS recommends, and what works with ACLs disabled) whatever
  // the app's feature flags say: without this flag CDK would switch the log bucket to ACLs.
  scope.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
  const bucket = new Bucket(scope, 'AccessLogs', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      {
        id: 'AccessLogRetention',
        expiration: Duration.days(retentionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(
    bucket,
    'AwsSolutions-S1',
    `This bucket is itself the server access log destination of ${loggedBucket}; logging its own access would need a further log bucket, without end.`,
  );
  return bucket;
}
