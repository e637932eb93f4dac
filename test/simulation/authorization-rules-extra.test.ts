/**
 * The permissions AWS checks of the caller on its behalf (simulation/account/authorization-rules.ts):
 * a notebook's network, key and private repository, tag-on-create, customer managed keys of tables,
 * topics and queues, and S3's 404-or-403 for a missing object.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateNotebookInstanceCommand, StartNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { rejectionOf } from '../unit/caught-errors.js';
import {
  ACCOUNT_ID,
  allow,
  command,
  decisionsSince,
  givenAccount,
  givenRole,
  lastRequestId,
  roleArnOf,
  type Statement,
  sessionArnOf,
} from './authorization-fixtures.js';

const NOTEBOOK_ROLE = roleArnOf('notebook-execution');
const NOTEBOOK_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/research`;
const START = allow('sagemaker:StartNotebookInstance', NOTEBOOK_ARN);
const PASS_ROLE = allow('iam:PassRole', NOTEBOOK_ROLE);

/** Starts the stopped notebook `Research` as a role with these statements: `started` or the refusal. */
async function startAs(account: SimulatedAccount, statements: readonly Statement[]): Promise<string> {
  const caller = givenRole(account, 'remediation', statements);
  return account
    .sdkClients(caller)
    .sagemaker.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'Research' }))
    .then(
      () => 'started',
      (error: AwsServiceError) => `${error.name}: ${error.message}`,
    );
}

const refusal = (action: string, resource: string, code = 'AccessDeniedException') =>
  `${code}: User: ${sessionArnOf('remediation')} is not authorized to perform: ${action} on resource: ` +
  `${resource} because no identity-based policy allows the ${action} action`;

describe('StartNotebookInstance also needs what SageMaker does for the caller', () => {
  function givenNotebookInVpc(account: SimulatedAccount) {
    const vpcId = account.ec2.seedVpc();
    const subnetId = account.ec2.seedSubnet({ vpcId });
    const groupId = account.ec2.seedSecurityGroup({ vpcId });
    account.sagemaker.seedNotebook({
      name: 'Research',
      status: 'Stopped',
      roleArn: NOTEBOOK_ROLE,
      subnetId,
      securityGroupIds: [groupId],
    });
    return { subnetId, groupId };
  }
  const network = allow(
    ['ec2:CreateNetworkInterface', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
    '*',
  );

  it('Given a notebook in a VPC and a role without ec2:DescribeNetworkInterfaces, When it starts the notebook, Then SageMaker refuses it; with it, every permission is checked in order and the notebook starts', async () => {
    // Given
    const refused = givenAccount();
    givenNotebookInVpc(refused);
    const account = givenAccount();
    const { subnetId, groupId } = givenNotebookInVpc(account);

    // When
    const withoutDescribe = await startAs(refused, [START, PASS_ROLE, network]);
    const withDescribe = await startAs(account, [
      START,
      PASS_ROLE,
      network,
      allow('ec2:DescribeNetworkInterfaces', '*'),
    ]);

    // Then
    expect(withoutDescribe).toBe(refusal('ec2:DescribeNetworkInterfaces', '*'));
    expect(withDescribe).toBe('started');
    const ec2 = `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}`;
    expect(decisionsSince(account)).toEqual(
      [
        `sagemaker:StartNotebookInstance ${NOTEBOOK_ARN}`,
        `iam:PassRole ${NOTEBOOK_ROLE}`,
        `ec2:CreateNetworkInterface ${ec2}:network-interface/*`,
        `ec2:CreateNetworkInterface ${ec2}:subnet/${subnetId}`,
        `ec2:CreateNetworkInterface ${ec2}:security-group/${groupId}`,
        'ec2:DescribeNetworkInterfaces *',
        'ec2:DescribeSecurityGroups *',
        'ec2:DescribeSubnets *',
        'ec2:DescribeVpcs *',
      ].map((entry) => `StartNotebookInstance: ${entry} Allowed`),
    );
  });

  it('Given a notebook with a KmsKeyId, When a role allowed kms:DescribeKey but not kms:CreateGrant starts it, Then it is refused; a CreateGrant allowed only for AWS resources via SageMaker lets it start', async () => {
    // Given
    const refused = givenAccount();
    const account = givenAccount();
    const keys = [refused, account].map((target) => {
      const key = target.kms.seedKey();
      target.sagemaker.seedNotebook({
        name: 'Research',
        status: 'Stopped',
        roleArn: NOTEBOOK_ROLE,
        kmsKeyId: key.keyId,
      });
      return key.arn;
    });
    const keyArn = keys[1] ?? '';
    const describe = allow('kms:DescribeKey', '*');

    // When
    const withoutGrant = await startAs(refused, [START, PASS_ROLE, describe]);
    const withGrant = await startAs(account, [
      START,
      PASS_ROLE,
      describe,
      allow('kms:CreateGrant', keyArn, {
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
        StringEquals: { 'kms:ViaService': 'sagemaker.eu-west-1.amazonaws.com' },
      }),
    ]);

    // Then
    expect(withoutGrant).toBe(refusal('kms:CreateGrant', keys[0] ?? ''));
    expect(withGrant).toBe('started');
    expect(decisionsSince(account).slice(2)).toEqual([
      `StartNotebookInstance: kms:DescribeKey ${keyArn} Allowed`,
      `StartNotebookInstance: kms:CreateGrant ${keyArn} Allowed`,
    ]);
  });

  it('Given a notebook cloning a code repository whose Git credentials are a secret, When a role without secretsmanager:GetSecretValue starts it, Then it is refused on the secret; with it, the notebook starts', async () => {
    // Given
    const secrets = [givenAccount(), givenAccount()].map((target) => {
      const secretArn = target.secretsManager.seedSecret({ name: 'sagemaker-git-token', value: 'token' });
      target.sagemaker.seedCodeRepository({
        name: 'private-repo',
        repositoryUrl: 'https://git.example.com/team/notebooks.git',
        secretArn,
      });
      target.sagemaker.seedNotebook({
        name: 'Research',
        status: 'Stopped',
        roleArn: NOTEBOOK_ROLE,
        defaultCodeRepository: 'private-repo',
      });
      return { target, secretArn };
    });
    const [refused, allowed] = secrets as [(typeof secrets)[0], (typeof secrets)[0]];

    // When
    const withoutSecret = await startAs(refused.target, [START, PASS_ROLE]);
    const withSecret = await startAs(allowed.target, [
      START,
      PASS_ROLE,
      allow('secretsmanager:GetSecretValue', allowed.secretArn),
    ]);

    // Then
    expect(refused.secretArn).toMatch(
      new RegExp(
        `^arn:aws:secretsmanager:eu-west-1:${ACCOUNT_ID}:secret:sagemaker-git-token-[A-Za-z0-9]{6}$`,
      ),
    );
    expect(withoutSecret).toBe(refusal('secretsmanager:GetSecretValue', refused.secretArn));
    expect(withSecret).toBe('started');
    expect(decisionsSince(allowed.target).at(-1)).toBe(
      `StartNotebookInstance: secretsmanager:GetSecretValue ${allowed.secretArn} Allowed`,
    );
  });
});

describe('CreateNotebookInstance with Tags needs sagemaker:AddTags', () => {
  const newNotebookArn = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/analysis`;
  const create = (tags?: Array<{ Key: string; Value: string }>) =>
    new CreateNotebookInstanceCommand({
      NotebookInstanceName: 'Analysis',
      InstanceType: 'ml.t3.medium',
      RoleArn: NOTEBOOK_ROLE,
      ...(tags ? { Tags: tags } : {}),
    });

  it.each([
    { request: 'with tags', addTags: false, tags: [{ Key: 'team', Value: 'ml' }], outcome: 'refused' },
    { request: 'with tags', addTags: true, tags: [{ Key: 'team', Value: 'ml' }], outcome: 'created' },
    { request: 'without tags', addTags: false, tags: undefined, outcome: 'created' },
  ])(
    'Given a role allowed sagemaker:AddTags on create: $addTags, When it creates a notebook $request, Then it is $outcome',
    async ({ addTags, tags, outcome }) => {
      // Given
      const account = givenAccount();
      account.iam.createRole({ roleName: 'notebook-execution' });
      const caller = givenRole(account, 'remediation', [
        allow('sagemaker:CreateNotebookInstance', '*'),
        PASS_ROLE,
        ...(addTags
          ? [
              allow('sagemaker:AddTags', '*', {
                StringEquals: { 'sagemaker:TaggingAction': 'CreateNotebookInstance' },
              }),
            ]
          : []),
      ]);

      // When
      const result = await account
        .sdkClients(caller)
        .sagemaker.send(create(tags))
        .then(
          () => 'created',
          (error: AwsServiceError) => `${error.name}: ${error.message}`,
        );

      // Then
      expect(result).toBe(outcome === 'created' ? 'created' : refusal('sagemaker:AddTags', newNotebookArn));
      expect(decisionsSince(account)).toEqual([
        `CreateNotebookInstance: sagemaker:CreateNotebookInstance ${newNotebookArn} Allowed`,
        `CreateNotebookInstance: iam:PassRole ${NOTEBOOK_ROLE} Allowed`,
        ...(tags
          ? [
              `CreateNotebookInstance: sagemaker:AddTags ${newNotebookArn} ${addTags ? 'Allowed' : 'ImplicitlyDenied'}`,
            ]
          : []),
      ]);
    },
  );
});

describe('customer managed keys of tables, topics and queues', () => {
  it('Given a table encrypted with a customer managed key, When a role allowed only the item calls puts an item, Then kms:Decrypt through DynamoDB is refused; allowed with the table encryption context, PutItem and GetItem succeed', async () => {
    // Given
    const account = givenAccount();
    const key = account.kms.seedKey();
    const tableArn = `arn:aws:dynamodb:eu-west-1:${ACCOUNT_ID}:table/approvals`;
    account.dynamodb.createTable({ TableName: 'approvals', partitionKey: 'id', kmsKeyArn: key.arn });
    const caller = givenRole(account, 'remediation', [
      allow(['dynamodb:PutItem', 'dynamodb:GetItem'], tableArn),
    ]);
    const put = new PutItemCommand({ TableName: 'approvals', Item: { id: { S: 'research' } } });

    // When
    const refused = await rejectionOf(account.sdkClients(caller).dynamodb.send(put), AwsServiceError);
    const task = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:dynamodb:putItem',
        { TableName: 'approvals', Item: { id: { S: 'research' } } },
        caller,
      ),
    );
    account.iam.putRolePolicy('remediation', {
      name: 'TableKey',
      document: {
        Version: '2012-10-17',
        Statement: [
          allow('kms:Decrypt', key.arn, {
            StringEquals: {
              'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com',
              'kms:EncryptionContext:aws:dynamodb:tableName': 'approvals',
              'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT_ID,
            },
          }),
        ],
      },
    });
    await account.sdkClients(caller).dynamodb.send(put);
    const read = await account
      .sdkClients(caller)
      .dynamodb.send(new GetItemCommand({ TableName: 'approvals', Key: { id: { S: 'research' } } }));

    // Then
    const message =
      `User: ${sessionArnOf('remediation')} is not authorized to perform: kms:Decrypt on resource: ` +
      `${key.arn} because no identity-based policy allows the kms:Decrypt action`;
    expect([refused.name, refused.$metadata.httpStatusCode, refused.message]).toEqual([
      'AccessDeniedException',
      400,
      message,
    ]);
    expect([task.name, task.message]).toEqual([
      'DynamoDb.DynamoDbException',
      `${message} (Service: DynamoDb, Status Code: 400, Error Code: AccessDeniedException, Request ID: ` +
        `${account.calls[1]?.requestId})`,
    ]);
    expect(read.Item).toEqual({ id: { S: 'research' } });
    expect(decisionsSince(account).slice(4)).toEqual([
      `PutItem: dynamodb:PutItem ${tableArn} Allowed`,
      `PutItem: kms:Decrypt ${key.arn} Allowed`,
      `GetItem: dynamodb:GetItem ${tableArn} Allowed`,
      `GetItem: kms:Decrypt ${key.arn} Allowed`,
    ]);
  });

  it('Given an encrypted topic and an encrypted queue, When a role allowed sns:Publish, sqs:SendMessage and kms:GenerateDataKey (not kms:Decrypt) sends, Then SNS answers KMSAccessDeniedException and SQS KmsAccessDenied, both on kms:Decrypt', async () => {
    // Given
    const account = givenAccount();
    const key = account.kms.seedKey();
    const topicArn = account.sns.createTopic('alerts', { kmsKeyArn: key.arn });
    const { queueUrl, queueArn } = account.sqs.createQueue('failures', { kmsMasterKeyId: key.keyId });
    const caller = givenRole(account, 'remediation', [
      allow('sns:Publish', topicArn),
      allow('sqs:SendMessage', queueArn),
      allow('kms:GenerateDataKey', key.arn),
    ]);
    const clients = account.sdkClients(caller);

    // When
    const sns = await rejectionOf(
      clients.sns.send(command('Publish', { TopicArn: topicArn, Message: 'approval needed' })),
      AwsServiceError,
    );
    const sqs = await rejectionOf(
      clients.sqs.send(command('SendMessage', { QueueUrl: queueUrl, MessageBody: 'failed' })),
      AwsServiceError,
    );

    // Then
    expect(`${sns.name}: ${sns.message}`).toBe(refusal('kms:Decrypt', key.arn, 'KMSAccessDeniedException'));
    expect(`${sqs.name}: ${sqs.message}`).toBe(refusal('kms:Decrypt', key.arn, 'KmsAccessDenied'));
    expect(sqs.$metadata.httpStatusCode).toBe(400);
    expect(account.sns.messages(topicArn)).toEqual([]);
    expect(account.sqs.messages(queueUrl)).toEqual([]);
    expect(decisionsSince(account)).toEqual([
      `Publish: sns:Publish ${topicArn} Allowed`,
      `Publish: kms:GenerateDataKey ${key.arn} Allowed`,
      `Publish: kms:Decrypt ${key.arn} ImplicitlyDenied`,
      `SendMessage: sqs:SendMessage ${queueArn} Allowed`,
      `SendMessage: kms:GenerateDataKey ${key.arn} Allowed`,
      `SendMessage: kms:Decrypt ${key.arn} ImplicitlyDenied`,
    ]);
  });
});

describe('S3 GetObject of a key that does not exist: 404 only for callers that may list the bucket', () => {
  const bucketArn = 'arn:aws:s3:::reports-bucket';
  const listDenial =
    `User: ${sessionArnOf('reader')} is not authorized to perform: s3:ListBucket on resource: ${bucketArn} ` +
    'because no identity-based policy allows the s3:ListBucket action';
  const notFound = { name: 'NoSuchKey', status: 404, message: 'The specified key does not exist.' };
  const denied = { name: 'AccessDenied', status: 403, message: listDenial };
  it.each([
    { listing: 's3:ListBucket on the bucket', list: allow('s3:ListBucket', bucketArn), sdk: notFound },
    { listing: 'no s3:ListBucket', list: undefined, sdk: denied },
    {
      listing: 's3:ListBucket only for s3:prefix daily/* (the stricter reading: no s3:prefix is set)',
      list: allow('s3:ListBucket', bucketArn, { StringLike: { 's3:prefix': 'daily/*' } }),
      sdk: denied,
    },
  ])(
    'Given a role with s3:GetObject and $listing, When it reads daily/missing.csv, Then S3 answers $sdk.name $sdk.status',
    async ({ list, sdk }) => {
      // Given
      const account = givenAccount();
      account.s3.seedBucket('reports-bucket');
      const caller = givenRole(account, 'reader', [
        allow('s3:GetObject', `${bucketArn}/*`),
        ...(list ? [list] : []),
      ]);
      const address = { Bucket: 'reports-bucket', Key: 'daily/missing.csv' };

      // When
      const viaSdk = await rejectionOf(
        account.sdkClients(caller).s3.send(command('GetObject', address)),
        AwsServiceError,
      );
      const viaTask = await rejectionOf(
        account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:s3:getObject', address, caller),
      );

      // Then
      expect({ name: viaSdk.name, status: viaSdk.$metadata.httpStatusCode, message: viaSdk.message }).toEqual(
        sdk,
      );
      const requestId = lastRequestId(account);
      expect([viaTask.name, viaTask.message]).toEqual(
        sdk === notFound
          ? [
              'S3.NoSuchKeyException',
              `${notFound.message} (Service: S3, Status Code: 404, Request ID: ${requestId})`,
            ]
          : [
              'S3.S3Exception',
              `${listDenial} (Service: S3, Status Code: 403, Error Code: AccessDenied, Request ID: ${requestId})`,
            ],
      );
      const listing = sdk === notFound ? 'Allowed' : 'ImplicitlyDenied';
      expect(decisionsSince(account)).toEqual([
        `GetObject: s3:GetObject ${bucketArn}/daily/missing.csv Allowed`,
        `GetObject: s3:ListBucket ${bucketArn} ${listing}`,
        `GetObject: s3:GetObject ${bucketArn}/daily/missing.csv Allowed`,
        `GetObject: s3:ListBucket ${bucketArn} ${listing}`,
      ]);
    },
  );
});
