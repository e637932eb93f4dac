/**
 * What each simulated call asks of IAM (simulation/account/authorization-rules.ts): the condition keys
 * AWS sets from the request. The extra permissions a call needs on the caller's behalf are in
 * authorization-rules-extra.test.ts, calls on resources that do not exist in
 * authorization-missing-resources.test.ts.
 */
import { CreateNotebookInstanceCommand, UpdateNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { notebookControlFinding, securityHubProductArn } from '../../simulation/account/sample-findings.js';
import { rejectionOf } from '../unit/caught-errors.js';
import {
  ACCOUNT_ID,
  allow,
  command,
  decisionsSince,
  deny,
  givenAccount,
  givenRole,
  policy,
  roleArnOf,
  type Statement,
  sessionArnOf,
} from './authorization-fixtures.js';

const BUCKET = 'backups-bucket';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const NOTEBOOK_ROLE = roleArnOf('notebook-execution');
const NEW_NOTEBOOK_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/analysis`;

/** A bucket whose default encryption is SSE-KMS with a customer managed key. */
function givenEncryptedBucket(
  account: SimulatedAccount,
  options: { bucketKey: boolean; keyPolicy?: object },
) {
  const key = account.kms.seedKey(options.keyPolicy ? { policy: { ...options.keyPolicy } } : {});
  account.s3.seedBucket(BUCKET);
  account.s3.setBucketEncryption(BUCKET, { keyArn: key.arn, bucketKeyEnabled: options.bucketKey });
  return key;
}

describe('S3 under SSE-KMS: kms:ViaService and the encryption context', () => {
  const viaS3 = 's3.eu-west-1.amazonaws.com';
  it.each([
    {
      condition: 'via S3 with the bucket ARN (S3 Bucket Key)',
      service: viaS3,
      context: BUCKET_ARN,
      decision: 'Allowed',
    },
    {
      condition: 'via S3 with another bucket ARN',
      service: viaS3,
      context: 'arn:aws:s3:::another-bucket',
      decision: 'ImplicitlyDenied',
    },
    {
      condition: 'via SQS with the bucket ARN',
      service: 'sqs.eu-west-1.amazonaws.com',
      context: BUCKET_ARN,
      decision: 'ImplicitlyDenied',
    },
  ])(
    'Given an identity policy that allows the key only $condition, When the role writes and reads an object, Then kms:GenerateDataKey and kms:Decrypt are $decision',
    async ({ service, context, decision }) => {
      // Given
      const account = givenAccount();
      const key = givenEncryptedBucket(account, { bucketKey: true });
      await account
        .sdkClients()
        .s3.send(command('PutObject', { Bucket: BUCKET, Key: 'old.txt', Body: 'old' }));
      const caller = givenRole(account, 'backup', [
        allow(['s3:PutObject', 's3:GetObject'], `${BUCKET_ARN}/*`),
        allow(['kms:GenerateDataKey', 'kms:Decrypt'], key.arn, {
          StringEquals: { 'kms:ViaService': service, 'kms:EncryptionContext:aws:s3:arn': context },
        }),
      ]);
      const recorded = account.authorizations.length;
      const s3 = account.sdkClients(caller).s3;

      // When
      const put = await s3.send(command('PutObject', { Bucket: BUCKET, Key: 'new.txt', Body: 'new' })).then(
        () => 'written',
        (error: AwsServiceError) => `${error.name} ${error.$metadata.httpStatusCode}: ${error.message}`,
      );
      const get = await s3.send(command('GetObject', { Bucket: BUCKET, Key: 'old.txt' })).then(
        () => 'read',
        (error: AwsServiceError) => `${error.name} ${error.$metadata.httpStatusCode}: ${error.message}`,
      );

      // Then
      const refusal = (action: string) =>
        `AccessDenied 403: User: ${sessionArnOf('backup')} is not authorized to perform: ${action} on ` +
        `resource: ${key.arn} because no identity-based policy allows the ${action} action`;
      expect([put, get]).toEqual(
        decision === 'Allowed'
          ? ['written', 'read']
          : [refusal('kms:GenerateDataKey'), refusal('kms:Decrypt')],
      );
      expect(decisionsSince(account, recorded)).toEqual([
        `PutObject: s3:PutObject ${BUCKET_ARN}/new.txt Allowed`,
        `PutObject: kms:GenerateDataKey ${key.arn} ${decision}`,
        `GetObject: s3:GetObject ${BUCKET_ARN}/old.txt Allowed`,
        `GetObject: kms:Decrypt ${key.arn} ${decision}`,
      ]);
    },
  );

  it('Given a bucket without S3 Bucket Key and a key policy (no account root) that lets the role use the key for objects under reports/, When the role writes there and elsewhere, Then the object ARN is the encryption context: only reports/ is written', async () => {
    // Given
    const account = givenAccount();
    givenRole(account, 'backup', [allow('s3:PutObject', `${BUCKET_ARN}/*`), allow('kms:*', '*')]);
    const key = givenEncryptedBucket(account, {
      bucketKey: false,
      keyPolicy: policy({
        ...allow('kms:GenerateDataKey', '*', {
          StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': `${BUCKET_ARN}/reports/*` },
        }),
        Principal: { AWS: roleArnOf('backup') },
      }),
    });
    const caller = account.callerFor(roleArnOf('backup'), 'backup-session');
    const s3 = account.sdkClients(caller).s3;

    // When
    await s3.send(command('PutObject', { Bucket: BUCKET, Key: 'reports/1.csv', Body: 'a' }));
    const error = await rejectionOf(
      s3.send(command('PutObject', { Bucket: BUCKET, Key: 'other/1.csv', Body: 'b' })),
      AwsServiceError,
    );

    // Then
    expect(account.s3.keys(BUCKET)).toEqual(['reports/1.csv']);
    expect([error.name, error.message]).toEqual([
      'AccessDenied',
      `User: ${sessionArnOf('backup')} is not authorized to perform: kms:GenerateDataKey on resource: ` +
        `${key.arn} because no resource-based policy allows the kms:GenerateDataKey action`,
    ]);
  });
});

describe('SageMaker CreateNotebookInstance and UpdateNotebookInstance request keys', () => {
  const create = (overrides: Record<string, unknown> = {}) =>
    new CreateNotebookInstanceCommand({
      NotebookInstanceName: 'Analysis',
      InstanceType: 'ml.t3.medium',
      RoleArn: NOTEBOOK_ROLE,
      ...overrides,
    });

  function givenCreator(account: SimulatedAccount, statements: readonly Statement[]) {
    account.iam.createRole({ roleName: 'notebook-execution' });
    return givenRole(account, 'platform', [
      allow('sagemaker:CreateNotebookInstance', '*'),
      allow('ec2:*', '*'),
      ...statements,
    ]);
  }

  it.each([
    { service: 'sagemaker.amazonaws.com', status: 'Pending', outcome: 'created' },
    { service: 'ec2.amazonaws.com', status: undefined, outcome: 'refused' },
  ])(
    'Given iam:PassRole allowed only when iam:PassedToService is $service, When the role creates a notebook with the execution role, Then it is $outcome',
    async ({ service, status }) => {
      // Given
      const account = givenAccount();
      const caller = givenCreator(account, [
        allow('iam:PassRole', NOTEBOOK_ROLE, { StringEquals: { 'iam:PassedToService': service } }),
      ]);

      // When
      const outcome = await account
        .sdkClients(caller)
        .sagemaker.send(create())
        .then(
          () => 'created',
          (error: Error) => error.message,
        );

      // Then
      expect(outcome).toBe(
        status
          ? 'created'
          : `User: ${sessionArnOf('platform')} is not authorized to perform: iam:PassRole on resource: ` +
              `${NOTEBOOK_ROLE} because no identity-based policy allows the iam:PassRole action`,
      );
      expect(account.sagemaker.statusOf('Analysis')).toBe(status);
      expect(decisionsSince(account).at(-1)).toBe(
        `CreateNotebookInstance: iam:PassRole ${NOTEBOOK_ROLE} ${status ? 'Allowed' : 'ImplicitlyDenied'}`,
      );
    },
  );

  it.each([
    { access: 'omitted (the default, Enabled)', settings: {}, outcome: 'refused' },
    { access: 'Enabled', settings: { DirectInternetAccess: 'Enabled' }, outcome: 'refused' },
    { access: 'Disabled', settings: { DirectInternetAccess: 'Disabled' }, outcome: 'created' },
  ])(
    'Given a Deny on CreateNotebookInstance unless sagemaker:DirectInternetAccess is Disabled, When the role creates a notebook in a subnet with direct internet access $access, Then it is $outcome',
    async ({ settings, outcome }) => {
      // Given
      const account = givenAccount();
      const vpcId = account.ec2.seedVpc();
      const subnetId = account.ec2.seedSubnet({ vpcId });
      const groupId = account.ec2.seedSecurityGroup({ vpcId });
      const caller = givenCreator(account, [
        allow('iam:PassRole', NOTEBOOK_ROLE),
        deny(
          'sagemaker:CreateNotebookInstance',
          '*',
          { StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' } },
          'NoInternetNotebooks',
        ),
      ]);

      // When
      const result = await account
        .sdkClients(caller)
        .sagemaker.send(create({ SubnetId: subnetId, SecurityGroupIds: [groupId], ...settings }))
        .then(
          () => 'created',
          (error: Error) => `refused: ${error.message}`,
        );

      // Then
      expect(result).toBe(
        outcome === 'created'
          ? 'created'
          : `refused: User: ${sessionArnOf('platform')} is not authorized to perform: ` +
              `sagemaker:CreateNotebookInstance on resource: ${NEW_NOTEBOOK_ARN} with an explicit deny in an ` +
              'identity-based policy',
      );
      expect(account.sagemaker.hasNotebook('Analysis')).toBe(outcome === 'created');
    },
  );

  const imds = (version: string) => ({
    InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: version },
  });
  it.each([
    {
      request: 'RootAccess omitted (the default, Enabled) and IMDSv2 only',
      settings: { ...imds('2') },
      created: false,
    },
    {
      request: 'RootAccess Disabled and IMDSv2 only',
      settings: { RootAccess: 'Disabled', ...imds('2') },
      created: true,
    },
    {
      request: 'RootAccess Disabled and IMDSv1 allowed',
      settings: { RootAccess: 'Disabled', ...imds('1') },
      created: false,
    },
  ])(
    'Given Denies on notebooks with root access or with IMDSv1, When the role creates one with $request, Then it is created: $created',
    async ({ settings, created }) => {
      // Given
      const account = givenAccount();
      const caller = givenCreator(account, [
        allow('iam:PassRole', NOTEBOOK_ROLE),
        deny('sagemaker:CreateNotebookInstance', '*', {
          StringEquals: { 'sagemaker:RootAccess': 'Enabled' },
        }),
        deny('sagemaker:CreateNotebookInstance', '*', {
          StringEquals: { 'sagemaker:MinimumInstanceMetadataServiceVersion': '1' },
        }),
      ]);

      // When
      const result = await account
        .sdkClients(caller)
        .sagemaker.send(create(settings))
        .then(
          () => true,
          () => false,
        );

      // Then
      expect(result).toBe(created);
      expect(decisionsSince(account)[0]).toBe(
        `CreateNotebookInstance: sagemaker:CreateNotebookInstance ${NEW_NOTEBOOK_ARN} ${created ? 'Allowed' : 'ExplicitlyDenied'}`,
      );
    },
  );

  it('Given UpdateNotebookInstance allowed only with sagemaker:RootAccess Disabled, When the role disables and then enables root access, Then only disabling is allowed', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.seedNotebook({ name: 'Research', status: 'Stopped', roleArn: NOTEBOOK_ROLE });
    const caller = givenRole(account, 'remediation', [
      allow('sagemaker:UpdateNotebookInstance', '*', {
        StringEquals: { 'sagemaker:RootAccess': 'Disabled' },
      }),
      allow('iam:PassRole', NOTEBOOK_ROLE),
    ]);
    const sagemaker = account.sdkClients(caller).sagemaker;

    // When
    await sagemaker.send(
      new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'Research', RootAccess: 'Disabled' }),
    );
    const error = await rejectionOf(
      sagemaker.send(
        new UpdateNotebookInstanceCommand({ NotebookInstanceName: 'Research', RootAccess: 'Enabled' }),
      ),
    );

    // Then
    const notebookArn = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/research`;
    expect(error.message).toBe(
      `User: ${sessionArnOf('remediation')} is not authorized to perform: sagemaker:UpdateNotebookInstance on ` +
        `resource: ${notebookArn} because no identity-based policy allows the sagemaker:UpdateNotebookInstance action`,
    );
    expect(decisionsSince(account)).toEqual([
      `UpdateNotebookInstance: sagemaker:UpdateNotebookInstance ${notebookArn} Allowed`,
      `UpdateNotebookInstance: iam:PassRole ${NOTEBOOK_ROLE} Allowed`,
      `UpdateNotebookInstance: sagemaker:UpdateNotebookInstance ${notebookArn} ImplicitlyDenied`,
    ]);
  });
});

describe('condition keys of Security Hub and S3 listing', () => {
  it('Given BatchUpdateFindings allowed only for securityhub:ASFFSyntaxPath/Workflow.Status NOTIFIED or RESOLVED, When the role resolves and then suppresses a finding, Then suppressing is refused with AccessDeniedException 403 on the hub', async () => {
    // Given
    const account = givenAccount();
    const { Id: findingId = '' } = account.securityHub.importFinding(
      notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Research' }),
    );
    const hubArn = `arn:aws:securityhub:eu-west-1:${ACCOUNT_ID}:hub/default`;
    const caller = givenRole(account, 'remediation', [
      allow('securityhub:BatchUpdateFindings', hubArn, {
        StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED', 'RESOLVED'] },
      }),
    ]);
    const update = (status: 'RESOLVED' | 'SUPPRESSED') =>
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: findingId, ProductArn: securityHubProductArn('eu-west-1') }],
        Workflow: { Status: status },
      });

    // When
    await account.sdkClients(caller).securityHub.send(update('RESOLVED'));
    const error = await rejectionOf(
      account.sdkClients(caller).securityHub.send(update('SUPPRESSED')),
      AwsServiceError,
    );

    // Then
    expect(account.securityHub.getFinding(findingId)?.Workflow?.Status).toBe('RESOLVED');
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual([
      'AccessDeniedException',
      403,
      `User: ${sessionArnOf('remediation')} is not authorized to perform: securityhub:BatchUpdateFindings on ` +
        `resource: ${hubArn} because no identity-based policy allows the securityhub:BatchUpdateFindings action`,
    ]);
  });

  it('Given s3:ListBucket allowed only for s3:prefix daily/*, When the role lists daily/, monthly/ and the whole bucket, Then only daily/ is listed', async () => {
    // Given
    const account = givenAccount();
    account.s3.seedBucket(BUCKET);
    await account
      .sdkClients()
      .s3.send(command('PutObject', { Bucket: BUCKET, Key: 'daily/1.csv', Body: 'a' }));
    const caller = givenRole(account, 'reader', [
      allow('s3:ListBucket', BUCKET_ARN, { StringLike: { 's3:prefix': 'daily/*' } }),
    ]);
    const list = (prefix?: string) =>
      account
        .sdkClients(caller)
        .s3.send(command('ListObjectsV2', { Bucket: BUCKET, ...(prefix ? { Prefix: prefix } : {}) }))
        .then(
          (response) => (response as { KeyCount: number }).KeyCount,
          (error: AwsServiceError) => `${error.name} ${error.$metadata.httpStatusCode}`,
        );

    // When
    const outcomes = [await list('daily/'), await list('monthly/'), await list()];

    // Then
    expect(outcomes).toEqual([1, 'AccessDenied 403', 'AccessDenied 403']);
    expect(decisionsSince(account, 1)).toEqual([
      `ListObjectsV2: s3:ListBucket ${BUCKET_ARN} Allowed`,
      `ListObjectsV2: s3:ListBucket ${BUCKET_ARN} ImplicitlyDenied`,
      `ListObjectsV2: s3:ListBucket ${BUCKET_ARN} ImplicitlyDenied`,
    ]);
  });
});
