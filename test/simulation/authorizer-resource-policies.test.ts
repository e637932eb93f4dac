/**
 * The IAM evaluation of the simulated account (simulation/account/authorizer.ts) with resource-based
 * policies (bucket, key, Lambda function, queue) and the aws:SecureTransport key every SDK call sets.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { rejectionOf } from '../unit/caught-errors.js';
import {
  ACCOUNT_ID,
  allow,
  command,
  decisionsSince,
  deny,
  givenAccount,
  givenRole,
  lastRequestId,
  policy,
  roleArnOf,
  sessionArnOf,
} from './authorization-fixtures.js';

const BUCKET = 'reports-bucket';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

describe('resource-based policies', () => {
  it('Given a role with no identity policy that a bucket policy of its own account allows to read, When it reads an object, Then S3 allows it (a same-account resource policy suffices)', async () => {
    // Given
    const account = givenAccount();
    account.s3.seedBucket(BUCKET);
    await account
      .sdkClients()
      .s3.send(command('PutObject', { Bucket: BUCKET, Key: 'daily/1.csv', Body: 'a' }));
    account.iam.setResourcePolicy(
      BUCKET_ARN,
      policy({ ...allow('s3:GetObject', `${BUCKET_ARN}/*`), Principal: { AWS: roleArnOf('reader') } }),
    );
    const caller = givenRole(account, 'reader');
    const recorded = account.authorizations.length;

    // When
    const response = (await account
      .sdkClients(caller)
      .s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'daily/1.csv' }))) as {
      Body: { transformToString(): Promise<string> };
    };

    // Then
    expect(await response.Body.transformToString()).toBe('a');
    expect(
      account.authorizations.slice(recorded).map(({ decision, allowedBy }) => [decision, allowedBy]),
    ).toEqual([['Allowed', []]]);
  });

  it('Given a key whose policy grants nothing to the account root nor to the role, When a role whose identity policy allows kms:DescribeKey describes it, Then KMS refuses: no resource-based policy allows the action', async () => {
    // Given
    const account = givenAccount();
    givenRole(account, 'key-admin');
    const key = account.kms.seedKey({
      policy: policy({ ...allow('kms:*', '*'), Principal: { AWS: roleArnOf('key-admin') } }),
    });
    const caller = givenRole(account, 'operator', [allow('kms:DescribeKey', '*')]);

    // When
    const sdk = await rejectionOf(
      account.sdkClients(caller).kms.send(command('DescribeKey', { KeyId: key.keyId })),
      AwsServiceError,
    );
    const task = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:kms:describeKey',
        { KeyId: key.arn },
        caller,
      ),
    );

    // Then
    const message =
      `User: ${sessionArnOf('operator')} is not authorized to perform: kms:DescribeKey on resource: ` +
      `${key.arn} because no resource-based policy allows the kms:DescribeKey action`;
    expect([sdk.name, sdk.$metadata.httpStatusCode, sdk.message]).toEqual([
      'AccessDeniedException',
      400,
      message,
    ]);
    expect([task.name, task.message]).toEqual([
      'Kms.KmsException',
      `${message} (Service: Kms, Status Code: 400, Error Code: AccessDeniedException, Request ID: ${lastRequestId(account)})`,
    ]);
    expect(account.authorizations.map(({ decision, allowedBy }) => [decision, allowedBy])).toEqual([
      ['ImplicitlyDenied', ['Permissions#1']],
      ['ImplicitlyDenied', ['Permissions#1']],
    ]);
  });

  it('Given a key policy that names the role, When the role without any identity policy describes the key, Then KMS allows it', async () => {
    // Given
    const account = givenAccount();
    const caller = givenRole(account, 'operator');
    const key = account.kms.seedKey({
      policy: policy({ ...allow('kms:DescribeKey', '*'), Principal: { AWS: roleArnOf('operator') } }),
    });

    // When
    const response = await account.sdkClients(caller).kms.send(command('DescribeKey', { KeyId: key.keyId }));

    // Then
    expect(response).toMatchObject({ KeyMetadata: { Arn: key.arn, KeyState: 'Enabled' } });
    expect(decisionsSince(account)).toEqual([`DescribeKey: kms:DescribeKey ${key.arn} Allowed`]);
  });

  it('Given a function policy that lets events.amazonaws.com invoke only for one rule (aws:SourceArn), When EventBridge invokes for that rule and for another, Then only that rule is allowed, and both decisions are recorded', async () => {
    // Given
    const account = givenAccount();
    const functionArn = `arn:aws:lambda:eu-west-1:${ACCOUNT_ID}:function:remediate`;
    const ruleArn = `arn:aws:events:eu-west-1:${ACCOUNT_ID}:rule/sagemaker-findings`;
    const otherRuleArn = `arn:aws:events:eu-west-1:${ACCOUNT_ID}:rule/anything`;
    account.iam.setResourcePolicy(
      functionArn,
      policy({
        ...allow('lambda:InvokeFunction', functionArn, { ArnLike: { 'AWS:SourceArn': ruleArn } }),
        Principal: { Service: 'events.amazonaws.com' },
      }),
    );
    const invoke = { action: 'lambda:InvokeFunction', resource: functionArn, resourcePolicyArn: functionArn };
    const events = (sourceArn: string) => ({
      service: 'events.amazonaws.com',
      sourceArn,
      sourceAccount: ACCOUNT_ID,
    });

    // When
    await account.authorizeServicePrincipal(events(ruleArn), 'Lambda', 'Invoke', invoke);
    const error = await rejectionOf(
      account.authorizeServicePrincipal(events(otherRuleArn), 'Lambda', 'Invoke', invoke),
    );

    // Then
    expect([error.name, error.message]).toEqual([
      'AccessDeniedException',
      `The service events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: ` +
        `${functionArn} because no resource-based policy allows the lambda:InvokeFunction action`,
    ]);
    expect(account.authorizations.map(({ caller, decision }) => [caller, decision])).toEqual([
      [{ roleArn: 'events.amazonaws.com', sessionName: ruleArn, roleId: 'events.amazonaws.com' }, 'Allowed'],
      [
        { roleArn: 'events.amazonaws.com', sessionName: otherRuleArn, roleId: 'events.amazonaws.com' },
        'ImplicitlyDenied',
      ],
    ]);
  });

  it('Given a function policy that also denies one rule explicitly, When EventBridge invokes for it, Then the refusal says "with an explicit deny in a resource-based policy"', async () => {
    // Given
    const account = givenAccount();
    const functionArn = `arn:aws:lambda:eu-west-1:${ACCOUNT_ID}:function:remediate`;
    const ruleArn = `arn:aws:events:eu-west-1:${ACCOUNT_ID}:rule/retired`;
    const principal = { Principal: { Service: 'events.amazonaws.com' } };
    account.iam.setResourcePolicy(
      functionArn,
      policy(
        { ...allow('lambda:InvokeFunction', functionArn), ...principal },
        {
          ...deny('lambda:InvokeFunction', functionArn, { ArnEquals: { 'aws:SourceArn': ruleArn } }),
          ...principal,
        },
      ),
    );

    // When
    const error = await rejectionOf(
      account.authorizeServicePrincipal(
        { service: 'events.amazonaws.com', sourceArn: ruleArn, sourceAccount: ACCOUNT_ID },
        'Lambda',
        'Invoke',
        { action: 'lambda:InvokeFunction', resource: functionArn, resourcePolicyArn: functionArn },
      ),
    );

    // Then
    expect(error.message).toBe(
      `The service events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: ` +
        `${functionArn} with an explicit deny in a resource-based policy`,
    );
    expect(account.authorizations.map((entry) => entry.decision)).toEqual(['ExplicitlyDenied']);
  });

  it('Given a queue policy that allows one role to send, When that role (no identity policy) and another role send, Then the first message is sent and the second refused with AccessDeniedException', async () => {
    // Given
    const account = givenAccount();
    const producer = givenRole(account, 'producer');
    const stranger = givenRole(account, 'stranger');
    const queueArn = `arn:aws:sqs:eu-west-1:${ACCOUNT_ID}:alerts`;
    const { queueUrl } = account.sqs.createQueue('alerts', {
      policy: policy({ ...allow('sqs:SendMessage', queueArn), Principal: { AWS: roleArnOf('producer') } }),
    });

    // When
    await account
      .sdkClients(producer)
      .sqs.send(command('SendMessage', { QueueUrl: queueUrl, MessageBody: 'one' }));
    const error = await rejectionOf(
      account
        .sdkClients(stranger)
        .sqs.send(command('SendMessage', { QueueUrl: queueUrl, MessageBody: 'two' })),
      AwsServiceError,
    );

    // Then
    expect(account.sqs.messages(queueUrl).map((message) => message.Body)).toEqual(['one']);
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual([
      'AccessDeniedException',
      400,
      `User: ${sessionArnOf('stranger')} is not authorized to perform: sqs:SendMessage on resource: ` +
        `${queueArn} because no identity-based policy allows the sqs:SendMessage action`,
    ]);
    expect(decisionsSince(account)).toEqual([
      `SendMessage: sqs:SendMessage ${queueArn} Allowed`,
      `SendMessage: sqs:SendMessage ${queueArn} ImplicitlyDenied`,
    ]);
  });
});

describe('aws:SecureTransport', () => {
  it('Given a bucket policy that denies every request not sent over TLS, When a role writes and reads through the SDK, Then nothing is refused: SDK calls use HTTPS', async () => {
    // Given
    const account = givenAccount();
    account.s3.seedBucket(BUCKET);
    account.iam.setResourcePolicy(
      BUCKET_ARN,
      policy({
        ...deny(
          's3:*',
          [BUCKET_ARN, `${BUCKET_ARN}/*`],
          { Bool: { 'aws:SecureTransport': 'false' } },
          'TlsOnly',
        ),
        Principal: '*',
      }),
    );
    const caller = givenRole(account, 'writer', [allow(['s3:PutObject', 's3:GetObject'], `${BUCKET_ARN}/*`)]);

    // When
    const s3 = account.sdkClients(caller).s3;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'x' }));
    await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));

    // Then
    expect(decisionsSince(account)).toEqual([
      `PutObject: s3:PutObject ${BUCKET_ARN}/a.txt Allowed`,
      `GetObject: s3:GetObject ${BUCKET_ARN}/a.txt Allowed`,
    ]);
  });

  it('Given a bucket policy that denies requests sent over TLS, When the role writes, Then it is refused: the key is present and true, not missing', async () => {
    // Given
    const account = givenAccount();
    account.s3.seedBucket(BUCKET);
    account.iam.setResourcePolicy(
      BUCKET_ARN,
      policy({
        ...deny('s3:PutObject', `${BUCKET_ARN}/*`, { Bool: { 'aws:SecureTransport': 'true' } }),
        Principal: '*',
      }),
    );
    const caller = givenRole(account, 'writer', [allow('s3:PutObject', `${BUCKET_ARN}/*`)]);

    // When
    const error = await rejectionOf(
      account.sdkClients(caller).s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'x' })),
      AwsServiceError,
    );

    // Then
    expect(error.message).toBe(
      `User: ${sessionArnOf('writer')} is not authorized to perform: s3:PutObject on resource: ` +
        `${BUCKET_ARN}/a.txt with an explicit deny in a resource-based policy`,
    );
  });
});
