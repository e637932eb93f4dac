/**
 * The bucket a member stack keeps the notebook snapshots of its account and Region in: each notebook's
 * configuration (written by the workflow as the member role) and the files of its ML volume (copied by a
 * lifecycle script running on the notebook as the notebook's own role). Layout:
 * handlers/shared/notebook-backup-layout.ts; name: handlers/shared/notebook-data-placement.ts.
 *
 * Encrypted with the account's AWS managed key for S3 (aws/s3): its key policy, which AWS keeps, lets
 * every principal of the account use it through S3, so any notebook role can write its prefix without
 * a grant on a key, and nothing of a notebook's data is readable from another account.
 */
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  createAccessLogBucket,
  denyCustomerProvidedKeys,
  retainedSnapshotBucketProps,
  snapshotRetention,
} from './notebook-backup-bucket.js';
import { notebookRolePrefixStatements } from './notebook-role-prefixes.js';

export interface NotebookDataBucketProps {
  /**
   * The bucket's name, `<dataBucketPrefix>-<account>-<region>`: the administrator deployment computes it
   * for any target, so it cannot be generated (a token of the stack's account and Region is fine).
   */
  readonly bucketName: string;
  /**
   * Days a snapshot (current object version) is kept: long enough to notice that a recreated notebook
   * is missing something and restore it.
   *
   * @default 90
   */
  readonly retentionDays?: number;
  /**
   * Days an overwritten or deleted object version is kept (a notebook role may overwrite its own prefix).
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
}

/** Versioned, SSE-KMS (aws/s3), TLS-only, private, logged, retained; each role its own prefix. */
export class NotebookDataBucket extends Construct {
  public readonly bucket: Bucket;
  /** Receives the bucket's server access logs. */
  public readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: NotebookDataBucketProps) {
    super(scope, id);
    const { retentionDays, noncurrentRetentionDays, accessLogRetentionDays, problems } =
      snapshotRetention(props);
    if (problems.length > 0) {
      throw new Error(`Invalid NotebookDataBucket '${id}':\n${problems.join('\n')}`);
    }
    this.accessLogBucket = createAccessLogBucket(this, accessLogRetentionDays, 'the notebook data bucket');
    this.bucket = new Bucket(this, 'Bucket', {
      // Snapshots are the only copy of a deleted notebook's data: they outlive the member stack.
      ...retainedSnapshotBucketProps({
        accessLogBucket: this.accessLogBucket,
        accessLogPrefix: 'notebook-data/',
        retentionDays,
        noncurrentRetentionDays,
      }),
      bucketName: props.bucketName,
      encryption: BucketEncryption.KMS_MANAGED,
    });
    for (const statement of notebookRolePrefixStatements(this.bucket)) {
      this.bucket.addToResourcePolicy(statement);
    }
    // The bucket's default (aws/s3) applies to a request that names no key; one naming another key, or
    // a key of its own (SSE-C), could make a snapshot the workflow cannot read: refused.
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyOtherKmsKeys',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' } },
      }),
    );
    this.bucket.addToResourcePolicy(denyCustomerProvidedKeys(this.bucket));
  }
}
