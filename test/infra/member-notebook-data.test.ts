/**
 * What the member stack keeps for the recreation of a notebook in its account and Region: the data
 * bucket (named from the configuration, so the administrator side can compute it), the backup and
 * restore lifecycle configurations whose scripts copy to and from it, and the member role's access to it.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { notebookPrefix } from '../../handlers/shared/notebook-backup-layout.js';
import { notebookDataPlacement } from '../../handlers/shared/notebook-data-placement.js';
import { backupOnStartScript, restoreOnCreateScript } from '../../lifecycle/lifecycle-scripts.js';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MemberStack } from '../../stacks/member-stack.js';
import { NOTEBOOK_ROLE_OWN_PREFIX } from '../../stacks/notebook-role-prefixes.js';
import {
  attachedPolicyStatements,
  logicalId,
  readable,
  readableStatements,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

function memberStackIn(raw: unknown = {}) {
  const stack = new MemberStack(new App(), 'SageMakerRemediationMember', {
    configuration: loadConfiguration(raw),
    env: { account: TEST_ACCOUNT, region: TEST_REGION },
  });
  return { stack, template: Template.fromStack(stack) };
}

type Json = Parameters<typeof readable>[0];
const DEFAULT_BUCKET = `remediation-notebook-data-${TEST_ACCOUNT}-${TEST_REGION}`;

describe('MemberStack: the notebook data bucket', () => {
  it('Given the default configuration, When synthesized, Then the bucket is <prefix>-<account>-<region>: versioned, SSE-KMS with aws/s3 and a bucket key, private, ACLs off, logged, expiring, retained', () => {
    const { stack, template } = memberStackIn();
    const bucketId = logicalId(stack, stack.notebookData.bucket);
    const resources = template.toJSON().Resources as Record<string, Record<string, Json>>;
    const bucket = readable(resources[bucketId] as Json) as Record<string, Record<string, Json>>;

    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toEqual({
      BucketName: DEFAULT_BUCKET,
      VersioningConfiguration: { Status: 'Enabled' },
      // No KMSMasterKeyID: the account's AWS managed key for S3
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: `ref:${logicalId(stack, stack.notebookData.accessLogBucket)}`,
        LogFilePrefix: 'notebook-data/',
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'SnapshotRetention',
            Status: 'Enabled',
            ExpirationInDays: 90,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
    expect(bucket.Properties?.BucketName).toBe(
      notebookDataPlacement(loadConfiguration({}).members, { accountId: TEST_ACCOUNT, region: TEST_REGION })
        .bucket,
    );
    // The access logs outlive the stack too
    expect(resources[logicalId(stack, stack.notebookData.accessLogBucket)]?.DeletionPolicy).toBe('Retain');
  });

  it('Given the default configuration, When synthesized, Then the bucket policy gives every role of the account its own prefix, denies a notebook session anything else, and refuses TLS-less requests and other keys', () => {
    const { stack, template } = memberStackIn();
    const bucketId = logicalId(stack, stack.notebookData.bucket);
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (resource) => (resource.Properties.Bucket as { Ref?: string }).Ref === bucketId,
    );
    const statements = readableStatements(policy?.Properties.PolicyDocument as Json);
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid ?? '', statement]));
    const objects = `${bucketId}.Arn`;

    expect(Object.keys(bySid).sort()).toEqual(
      [
        '',
        'DenyCustomerProvidedKeys',
        'DenyOtherKmsKeys',
        'NotebookRolesListOwnPrefix',
        'NotebookRolesOwnPrefixOnly',
        'NotebooksListNothingElse',
        'NotebooksNoOtherBucketActions',
        'NotebooksOnlyTheirOwnPrefix',
      ].sort(),
    );
    expect(bySid.NotebookRolesOwnPrefixOnly).toMatchObject({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [`${objects}/roles/\${aws:userid}/*`],
      Condition: {
        StringEquals: { 'aws:PrincipalAccount': TEST_ACCOUNT },
        ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${TEST_ACCOUNT}:role/*` },
      },
    });
    expect(bySid.NotebooksOnlyTheirOwnPrefix).toMatchObject({
      Effect: 'Deny',
      NotResource: [`${objects}/roles/\${aws:userid}/*`, objects],
      Condition: { StringLike: { 'aws:userid': '*:SageMaker' } },
    });
    expect(bySid.DenyOtherKmsKeys).toMatchObject({
      Effect: 'Deny',
      Action: ['s3:PutObject'],
      Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' } },
    });
    // The statements CDK adds for enforceSSL and minimumTLSVersion
    expect(statements.filter((statement) => !statement.Sid).map((statement) => statement.Condition)).toEqual([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]);
  });

  it("Given a notebook session of a role, When IAM fills in its own prefix, Then it is the backup layout's notebook prefix, so the scripts write where the workflow reads", () => {
    const roleId = 'AROAEXAMPLEROLEID';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the IAM policy variable, literally
    const allowed = NOTEBOOK_ROLE_OWN_PREFIX.replace('${aws:userid}', `${roleId}:SageMaker`).replace(
      /\*$/,
      '',
    );

    expect(allowed).toBe(`roles/${roleId}:SageMaker/`);
    expect(`${notebookPrefix(roleId, 'research')}/`.startsWith(allowed)).toBe(true);
  });

  it('Given a data bucket prefix and a role name, When synthesized, Then the bucket and the lifecycle configurations are named from them, as the administrator side computes them', () => {
    const raw = { members: { dataBucketPrefix: 'acme-nb-data', roleName: 'AcmeMember' } };
    const { stack, template } = memberStackIn(raw);
    const expected = notebookDataPlacement(loadConfiguration(raw).members, {
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
    });

    expect(expected).toEqual({
      bucket: `acme-nb-data-${TEST_ACCOUNT}-${TEST_REGION}`,
      backupLifecycleConfigName: 'AcmeMember-backup-on-start',
      restoreLifecycleConfigName: 'AcmeMember-restore-on-create',
    });
    expect(readable(stack.resolve(stack.notebookData.bucket.bucketName) as Json)).toBe(
      `ref:${logicalId(stack, stack.notebookData.bucket)}`,
    );
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: expected.bucket });
    template.hasResourceProperties('AWS::SageMaker::NotebookInstanceLifecycleConfig', {
      NotebookInstanceLifecycleConfigName: expected.backupLifecycleConfigName,
    });
    template.hasResourceProperties('AWS::SageMaker::NotebookInstanceLifecycleConfig', {
      NotebookInstanceLifecycleConfigName: expected.restoreLifecycleConfigName,
    });
  });

  it('Given an environment-agnostic member stack (a StackSet template), When synthesized, Then the bucket name and the scripts carry the account and Region as deploy-time values', () => {
    const stack = new MemberStack(new App(), 'SageMakerRemediationMember', {
      configuration: loadConfiguration({}),
    });
    const template = Template.fromStack(stack);
    const bucketId = logicalId(stack, stack.notebookData.bucket);

    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: {
        'Fn::Join': [
          '',
          ['remediation-notebook-data-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
        ],
      },
    });
    const resources = template.toJSON().Resources as Record<string, { Properties: Record<string, Json> }>;
    const cases = [
      { id: logicalId(stack, stack.backupLifecycleConfig), hook: 'OnStart', script: backupOnStartScript },
      { id: logicalId(stack, stack.restoreLifecycleConfig), hook: 'OnCreate', script: restoreOnCreateScript },
    ];
    for (const { id, hook, script } of cases) {
      const hooks = resources[id]?.Properties[hook] as Array<{ Content: Json }>;
      const content = hooks[0]?.Content as { 'Fn::Base64': { 'Fn::Join': [string, Json[]] } };
      // CloudFormation base64-encodes the script with the bucket's name joined in where it goes: once
      // deployed, it is the script for that bucket
      const parts = content['Fn::Base64']['Fn::Join'][1];
      expect(parts).toContainEqual({ Ref: bucketId });
      const deployedName = `remediation-notebook-data-${TEST_ACCOUNT}-${TEST_REGION}`;
      const resolved = parts.map((part) => (typeof part === 'string' ? part : deployedName)).join('');
      expect(resolved).toBe(script(deployedName));
    }
  });
});

describe('MemberStack: the member role on the notebook data bucket', () => {
  it('Given the default configuration, When synthesized, Then the role may list the status markers under roles/, read and write objects under roles/, and list the bucket, on that bucket only, with no KMS grant', () => {
    const { stack, template } = memberStackIn();
    const bucketArn = `arn:aws:s3:::${DEFAULT_BUCKET}`;
    const s3 = attachedPolicyStatements(template, logicalId(stack, stack.memberRole)).filter((statement) =>
      statement.Action.some((action) => action.startsWith('s3:')),
    );

    expect(s3.map(({ Sid, Action, Resource, Condition }) => ({ Sid, Action, Resource, Condition }))).toEqual(
      expect.arrayContaining([
        // The state machine's Tasks, as the member role: the status listing and the failure marker
        {
          Sid: 'S3TasksStatusListing',
          Action: ['s3:ListBucket'],
          Resource: [bucketArn],
          Condition: { StringLike: { 's3:prefix': ['roles/*'] } },
        },
        {
          Sid: 'S3Tasks',
          Action: ['s3:GetObject'],
          Resource: [`${bucketArn}/roles/*`],
          Condition: undefined,
        },
        // The snapshot's writes and reads, and the listing that makes a missing key NoSuchKey
        {
          Sid: 'NotebookDataPutObject',
          Action: ['s3:PutObject'],
          Resource: [`${bucketArn}/roles/*`],
          Condition: undefined,
        },
        {
          Sid: 'NotebookDataListBucket',
          Action: ['s3:ListBucket'],
          Resource: [bucketArn],
          Condition: undefined,
        },
      ]),
    );
    expect(s3).toHaveLength(4);
    // aws/s3's key policy lets the account's principals use it through S3: nothing to grant
    const kms = attachedPolicyStatements(template, logicalId(stack, stack.memberRole)).flatMap((statement) =>
      statement.Action.filter((action) => action === 'kms:GenerateDataKey' || action === 'kms:Decrypt'),
    );
    expect(kms).toEqual([]);
  });
});

describe('members.dataBucketPrefix', () => {
  it('Given no prefix, When the configuration is loaded, Then the default makes names within 63 characters for the longest Region', () => {
    const { members } = loadConfiguration({});
    const name = notebookDataPlacement(members, { accountId: TEST_ACCOUNT, region: 'ap-southeast-5' }).bucket;

    expect(members.dataBucketPrefix).toBe('remediation-notebook-data');
    expect(name.length).toBeLessThanOrEqual(63);
  });

  it('Given a prefix too long, upper-case and with a dot, When the configuration is loaded, Then every problem is listed at once', () => {
    const load = () =>
      loadConfiguration({
        members: { dataBucketPrefix: 'Team.Notebook-Snapshots-Of-The-Whole-Organization' },
      });

    expect(load).toThrow(/members\.dataBucketPrefix: must be at most 35 characters/);
    expect(load).toThrow(/members\.dataBucketPrefix: must use only lowercase letters, digits and hyphens/);
  });

  it('Given a reserved prefix, When the configuration is loaded, Then it is refused naming the rule', () => {
    expect(() => loadConfiguration({ members: { dataBucketPrefix: 'xn--data' } })).toThrow(
      /members\.dataBucketPrefix: must not begin with the reserved prefix xn--/,
    );
  });
});
