import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotebookBackupBucket, type NotebookBackupBucketProps } from '../../stacks/notebook-backup-bucket.js';
import {
  type ConstructStack,
  nagAcknowledgementsIn,
  nagFindings,
  onlyResource,
  synthesiseConstruct,
} from './construct-harness.js';
import {
  attachedPolicyStatements,
  logicalId,
  type readable,
  readableStatements,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

type Json = Parameters<typeof readable>[0];

let built: ConstructStack;
const ids: Record<string, string> = {};

beforeAll(() => {
  // Given the construct with its defaults, a key of the app, and a resource engine's role that writes snapshots
  built = synthesiseConstruct((stack) => {
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const backups = new NotebookBackupBucket(stack, 'NotebookBackups', { encryptionKey: key });
    const workflowRole = new Role(stack, 'WorkflowRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    backups.grantResourceSnapshots(workflowRole, { write: true });
    Object.assign(ids, {
      key: logicalId(stack, key),
      bucket: logicalId(stack, backups.bucket),
      logs: logicalId(stack, backups.accessLogBucket),
      role: logicalId(stack, workflowRole),
    });
  });
});

const bucketProperties = (logical: string): Record<string, unknown> =>
  built.template.toJSON().Resources[logical].Properties as Record<string, unknown>;

function bucketPolicyOf(bucketLogicalId: string) {
  const policies = Object.values(built.template.findResources('AWS::S3::BucketPolicy')).filter(
    (policy) => (policy.Properties.Bucket as { Ref: string }).Ref === bucketLogicalId,
  );
  expect(policies).toHaveLength(1);
  return readableStatements(policies[0]?.Properties.PolicyDocument as Json);
}

describe('NotebookBackupBucket: the snapshot bucket', () => {
  it('is versioned, SSE-KMS with the given key and a bucket key, private, ACLs off, logged, retained', () => {
    const properties = bucketProperties(ids.bucket as string);

    expect(properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [ids.key, 'Arn'] },
          },
        },
      ],
    });
    expect(properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: ids.logs },
      LogFilePrefix: 'notebook-snapshots/',
    });
    built.template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expires snapshots after 90 days, old versions after 30, incomplete uploads after 7', () => {
    expect(bucketProperties(ids.bucket as string).LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'SnapshotRetention',
          Status: 'Enabled',
          ExpirationInDays: 90,
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
  });

  it('has a name derived from the construct path, account and region (the key policy names it)', () => {
    // The name is fixed before deployment: the key policy condition cannot reference the bucket
    const name = bucketProperties(ids.bucket as string).BucketName;
    expect(name).toMatch(new RegExp(`^[a-z0-9]+-${TEST_ACCOUNT}-${TEST_REGION}$`));
    expect(String(name).length).toBeLessThanOrEqual(63);
  });
});

describe('NotebookBackupBucket: bucket policy', () => {
  it('is exactly: TLS only, TLS 1.2+, nothing for a notebook session, only this key', () => {
    const bucketArn = `${ids.bucket}.Arn`;
    expect(bucketPolicyOf(ids.bucket as string)).toEqual([
      {
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 as unknown as string } },
      },
      {
        // A notebook session (aws:userid <role id>:SageMaker) may not use this bucket at all, even when
        // its role may use every bucket named *sagemaker* (AmazonSageMakerFullAccess): a notebook's data
        // goes to its own account's data bucket
        Sid: 'NoNotebookSessions',
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { StringLike: { 'aws:userid': '*:SageMaker' } },
      },
      {
        Sid: 'DenyEncryptionOtherThanBucketKey',
        Effect: 'Deny',
        Action: ['s3:PutObject'],
        Resource: [`${bucketArn}/*`],
        Condition: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': `${ids.key}.Arn` },
        },
      },
      {
        Sid: 'DenyCustomerProvidedKeys',
        Effect: 'Deny',
        Action: ['s3:PutObject'],
        Resource: [`${bucketArn}/*`],
        Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
      },
    ]);
  });
});

describe('NotebookBackupBucket: key policy', () => {
  it('is left as it is: no notebook role uses the key (a notebook snapshot is never here)', () => {
    const key = onlyResource(built.template, 'AWS::KMS::Key');
    const statements = readableStatements((key.resource.Properties as { KeyPolicy: Json }).KeyPolicy);
    expect(statements.map((statement) => statement.Action)).toEqual([['kms:*']]);
    expect(built.validationFindings).toEqual([]);
  });
});

describe('NotebookBackupBucket: resource snapshot access', () => {
  it('grants an engine role resources/* objects, listing the bucket (so a missing key reads NoSuchKey), and the key through S3 only', () => {
    const name = bucketProperties(ids.bucket as string).BucketName as string;
    expect(attachedPolicyStatements(built.template, ids.role as string)).toEqual([
      {
        Sid: 'ResourceSnapshotObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`${ids.bucket}.Arn/resources/*`],
      },
      {
        // Not conditioned on s3:prefix: a read of a key not written yet must say NoSuchKey
        Sid: 'ResourceSnapshotListing',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`${ids.bucket}.Arn`],
      },
      {
        Sid: 'ResourceSnapshotKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: {
          StringEquals: {
            'kms:ViaService': `s3.${TEST_REGION}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${name}`,
          },
        },
      },
    ]);
  });
});

describe('NotebookBackupBucket: access log bucket', () => {
  it('is SSE-S3, TLS only, private, ACLs off, expires logs after 365 days, retained', () => {
    const properties = bucketProperties(ids.logs as string);
    expect(properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(properties.AccessControl).toBeUndefined();
    expect(properties.LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'AccessLogRetention',
          Status: 'Enabled',
          ExpirationInDays: 365,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    });
    expect(built.template.toJSON().Resources[ids.logs as string].DeletionPolicy).toBe('Retain');
  });

  it('accepts log delivery by bucket policy, from the snapshot bucket of this account only', () => {
    const bucketArn = `${ids.bucket}.Arn`;
    const logsArn = `${ids.logs}.Arn`;
    expect(bucketPolicyOf(ids.logs as string)).toEqual([
      {
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [logsArn, `${logsArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [logsArn, `${logsArn}/*`],
        Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 as unknown as string } },
      },
      {
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [`${logsArn}/notebook-snapshots/*`],
        Condition: {
          ArnLike: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
        },
      },
    ]);
  });
});

describe('NotebookBackupBucket: cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding', () => {
    expect(nagFindings(built.app)).toEqual([]);
  });

  it('acknowledges only S1 on the log bucket and the resources/* wildcard on the engine role', () => {
    const acknowledgements = nagAcknowledgementsIn(built.stack);
    expect(acknowledgements.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [
        'ConstructUnderTest/NotebookBackups/AccessLogs AwsSolutions-S1',
        `ConstructUnderTest/WorkflowRole AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/resources/*]`,
      ].sort(),
    );
    for (const { id, reason } of acknowledgements) {
      expect(reason.length, `reason for ${id}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('is also clean in an environment-agnostic stack', () => {
    const agnostic = synthesiseConstruct(
      (stack) => {
        const backupsHere = new NotebookBackupBucket(stack, 'NotebookBackups', {
          encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
        });
        backupsHere.grantResourceSnapshots(
          new Role(stack, 'WorkflowRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
          { write: false },
        );
      },
      { agnostic: true },
    );
    expect(nagFindings(agnostic.app)).toEqual([]);
    expect(agnostic.validationFindings).toEqual([]);
  });
});

describe('NotebookBackupBucket: props', () => {
  const build = (props: Partial<NotebookBackupBucketProps>) => () =>
    synthesiseConstruct((stack: Stack) => {
      const encryptionKey = new Key(stack, 'Key', { enableKeyRotation: true });
      new NotebookBackupBucket(stack, 'NotebookBackups', { encryptionKey, ...props });
    });

  it('uses the given retention periods and bucket name', () => {
    const custom = synthesiseConstruct((stack) => {
      new NotebookBackupBucket(stack, 'NotebookBackups', {
        encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
        retentionDays: 30,
        noncurrentRetentionDays: 7,
        accessLogRetentionDays: 90,
        bucketName: 'team-notebook-snapshots',
      });
    });
    custom.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'team-notebook-snapshots',
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 7 } }),
        ],
      },
    });
    custom.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Id: 'AccessLogRetention', ExpirationInDays: 90 })],
      },
    });
  });

  it('delivers access logs by bucket policy even where the app turns the CDK feature flag off', () => {
    // Given an app whose context disables the flag (CDK would then fall back to ACLs)
    const app = new App({ context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': false } });
    const stack = new Stack(app, 'FlagOff', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
    const construct = new NotebookBackupBucket(stack, 'NotebookBackups', {
      encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
    });
    const template = Template.fromStack(stack);

    // Then the log bucket still has ACLs disabled and a logging.s3.amazonaws.com statement
    const logs = template.toJSON().Resources[logicalId(stack, construct.accessLogBucket)].Properties;
    expect(logs.AccessControl).toBeUndefined();
    expect(logs.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  it('rejects every invalid prop at once, listing each', () => {
    const attempt = build({
      retentionDays: 0,
      noncurrentRetentionDays: 2.5,
      accessLogRetentionDays: -1,
      bucketName: 'Bad_Name',
    });
    expect(attempt).toThrow(
      [
        "Invalid NotebookBackupBucket 'NotebookBackups':",
        'retentionDays must be a whole number of days >= 1 (got 0)',
        'noncurrentRetentionDays must be a whole number of days >= 1 (got 2.5)',
        'accessLogRetentionDays must be a whole number of days >= 1 (got -1)',
        "bucketName 'Bad_Name' must be 3-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
      ].join('\n'),
    );
  });
});
