import { App, Names, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { notebookPrefix } from '../../handlers/shared/notebook-backup-layout.js';
import {
  NOTEBOOK_ROLE_OWN_PREFIX,
  NotebookBackupBucket,
  type NotebookBackupBucketProps,
} from '../../stacks/notebook-backup-bucket.js';
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

// biome-ignore lint/suspicious/noTemplateCurlyInString: the IAM policy variable, literally
const AWS_USERID = '${aws:userid}';

let built: ConstructStack;
let backups: NotebookBackupBucket;
const ids: Record<string, string> = {};

beforeAll(() => {
  // Given the construct with its defaults, a key of the app, and a workflow role granted access
  built = synthesiseConstruct((stack) => {
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    backups = new NotebookBackupBucket(stack, 'NotebookBackups', { encryptionKey: key });
    const workflowRole = new Role(stack, 'WorkflowRole', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
    });
    backups.grantWorkflowAccess(workflowRole);
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
  it('is exactly: TLS only, TLS 1.2+, own prefix for each role of the account and nothing else for a notebook, only this key', () => {
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
        Sid: 'NotebookRolesOwnPrefixOnly',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        // The IAM policy variable is in the template literally, for IAM to resolve per request
        Resource: [`${bucketArn}/roles/${AWS_USERID}/*`],
        Condition: {
          StringEquals: { 'aws:PrincipalAccount': TEST_ACCOUNT },
          ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${TEST_ACCOUNT}:role/*` },
        },
      },
      {
        // Listing its own prefix only: the scripts see which status markers exist
        Sid: 'NotebookRolesListOwnPrefix',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: {
          StringEquals: { 'aws:PrincipalAccount': TEST_ACCOUNT },
          ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${TEST_ACCOUNT}:role/*` },
          StringLike: { 's3:prefix': `roles/${AWS_USERID}/*` },
        },
      },
      {
        // A notebook session (aws:userid <role id>:SageMaker) is denied all but its own prefix, even
        // when its role may use every bucket named *sagemaker* (AmazonSageMakerFullAccess)
        Sid: 'NotebooksOnlyTheirOwnPrefix',
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [],
        NotResource: [`${bucketArn}/roles/${AWS_USERID}/*`, bucketArn],
        Condition: { StringLike: { 'aws:userid': '*:SageMaker' } },
      },
      {
        // On the bucket itself a notebook session may only list
        Sid: 'NotebooksNoOtherBucketActions',
        Effect: 'Deny',
        Action: [],
        NotAction: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: { StringLike: { 'aws:userid': '*:SageMaker' } },
      },
      {
        // ... and only its own prefix (a listing with no prefix is denied too)
        Sid: 'NotebooksListNothingElse',
        Effect: 'Deny',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: {
          StringLike: { 'aws:userid': '*:SageMaker' },
          StringNotLike: { 's3:prefix': `roles/${AWS_USERID}/*` },
        },
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

  it('gives every notebook role the prefix the backup layout uses, with the principal on a plain Principal *', () => {
    // Given the raw (unresolved) statement: Principal "*" and the literal ${aws:userid}
    const policy = onlyResourceWithBucket(ids.bucket as string);
    const statement = (policy.Statement as Array<Record<string, unknown>>).find(
      (entry) => entry.Sid === 'NotebookRolesOwnPrefixOnly',
    );
    expect(statement?.Principal).toEqual({ AWS: '*' });
    expect(JSON.stringify(statement?.Resource)).toContain(`/roles/${AWS_USERID}/*`);
    expect(JSON.stringify(statement?.Resource)).not.toContain('Fn::Sub');

    // And for a notebook session (aws:userid = <role id>:SageMaker) the allowed prefix is the
    // layout's notebook prefix, so the lifecycle scripts can write where the workflow reads
    const roleId = 'AROAEXAMPLEROLEID';
    const allowed = NOTEBOOK_ROLE_OWN_PREFIX.replace(AWS_USERID, `${roleId}:SageMaker`).replace(/\*$/, '');
    expect(`${notebookPrefix(roleId, 'research')}/`.startsWith(allowed)).toBe(true);
    expect(allowed).toBe(`roles/${roleId}:SageMaker/`);
  });
});

describe('NotebookBackupBucket: key policy', () => {
  it('lets the account roles use the key only through S3 on this bucket', () => {
    const key = onlyResource(built.template, 'AWS::KMS::Key');
    const statements = readableStatements((key.resource.Properties as { KeyPolicy: Json }).KeyPolicy);
    const name = bucketProperties(ids.bucket as string).BucketName as string;
    const sid = `NotebookRolesViaS3${Names.uniqueId(backups)}`;

    // Then besides CDK's account-root statement there is exactly this one
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual({
      Sid: sid,
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: ['*'],
      Condition: {
        StringEquals: {
          'kms:ViaService': `s3.${TEST_REGION}.amazonaws.com`,
          // With an S3 Bucket Key, S3 passes the bucket ARN (not the object ARN) as the context
          'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${name}`,
          'aws:PrincipalAccount': TEST_ACCOUNT,
        },
        ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${TEST_ACCOUNT}:role/*` },
      },
    });
    const raw = (key.resource.Properties as { KeyPolicy: { Statement: Array<Record<string, unknown>> } })
      .KeyPolicy.Statement[1];
    expect(raw?.Principal).toEqual({ AWS: '*' });
  });

  it('names the bucket without referencing it, so key and bucket do not depend on each other', () => {
    // Then the CloudFormation validation (circular dependencies included) finds nothing
    expect(built.validationFindings).toEqual([]);
    const keyPolicy = JSON.stringify(onlyResource(built.template, 'AWS::KMS::Key').resource.Properties);
    expect(keyPolicy).not.toContain(ids.bucket);
  });
});

describe('NotebookBackupBucket: workflow access', () => {
  it('grants the workflow role roles/* objects, listing the bucket (so a missing key reads NoSuchKey), and the key through S3 only', () => {
    const name = bucketProperties(ids.bucket as string).BucketName as string;
    expect(attachedPolicyStatements(built.template, ids.role as string)).toEqual([
      {
        Sid: 'NotebookSnapshotObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`${ids.bucket}.Arn/roles/*`],
      },
      {
        // Not conditioned on s3:prefix: a read of a key not written yet must say NoSuchKey
        Sid: 'NotebookSnapshotListing',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`${ids.bucket}.Arn`],
      },
      {
        Sid: 'NotebookSnapshotKey',
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

  it('acknowledges only S1 on the log bucket and the roles/* wildcard on the workflow role', () => {
    const acknowledgements = nagAcknowledgementsIn(built.stack);
    expect(acknowledgements.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [
        'ConstructUnderTest/NotebookBackups/AccessLogs AwsSolutions-S1',
        `ConstructUnderTest/WorkflowRole AwsSolutions-IAM5[Resource::<${ids.bucket}.Arn>/roles/*]`,
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
        backupsHere.grantWorkflowAccess(
          new Role(stack, 'WorkflowRole', { assumedBy: new ServicePrincipal('states.amazonaws.com') }),
        );
      },
      { agnostic: true },
    );
    expect(nagFindings(agnostic.app)).toEqual([]);
    expect(agnostic.validationFindings).toEqual([]);
  });
});

describe('NotebookBackupBucket: props', () => {
  const build =
    (props: Partial<NotebookBackupBucketProps>, imported = false) =>
    () =>
      synthesiseConstruct((stack: Stack) => {
        const encryptionKey = imported
          ? Key.fromKeyArn(
              stack,
              'Imported',
              `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
            )
          : new Key(stack, 'Key', { enableKeyRotation: true });
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
    const attempt = build(
      { retentionDays: 0, noncurrentRetentionDays: 2.5, accessLogRetentionDays: -1, bucketName: 'Bad_Name' },
      true,
    );
    expect(attempt).toThrow(
      [
        "Invalid NotebookBackupBucket 'NotebookBackups':",
        'retentionDays must be a whole number of days >= 1 (got 0)',
        'noncurrentRetentionDays must be a whole number of days >= 1 (got 2.5)',
        'accessLogRetentionDays must be a whole number of days >= 1 (got -1)',
        "bucketName 'Bad_Name' must be 3-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
        'encryptionKey is an imported key: its key policy cannot be given the notebook roles statement; pass a key defined in this app',
      ].join('\n'),
    );
  });
});

function onlyResourceWithBucket(bucketLogicalId: string): Record<string, unknown> {
  const policy = Object.values(built.template.findResources('AWS::S3::BucketPolicy')).find(
    (candidate) => (candidate.Properties.Bucket as { Ref: string }).Ref === bucketLogicalId,
  );
  return policy?.Properties.PolicyDocument as Record<string, unknown>;
}
