/**
 * The IAM evaluation of the simulated account (simulation/account/authorizer.ts), through the two ways
 * the project calls AWS: the SDK clients (`account.sdkClients(caller)`) and Step Functions Task
 * integrations (`account.callStepFunctionsIntegration(resource, parameters, caller)`): how a denial
 * reads and what is recorded. Resource-based policies and aws:SecureTransport are in
 * authorizer-resource-policies.test.ts.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeNotebookInstanceCommand,
  ListTagsCommand,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
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

const NOTEBOOK_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/research`;
const BUCKET = 'reports-bucket';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

describe('a denied call fails as AWS fails it', () => {
  it('Given a role whose identity policy does not allow StartNotebookInstance, When it starts a notebook through the SDK client, Then AccessDeniedException 400 says no identity-based policy allows the action, and the notebook is left as it was', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.seedNotebook({ name: 'Research', status: 'Stopped' });
    const caller = givenRole(account, 'remediation', [
      allow('sagemaker:DescribeNotebookInstance', NOTEBOOK_ARN),
    ]);

    // When
    const error = await rejectionOf(
      account
        .sdkClients(caller)
        .sagemaker.send(new StartNotebookInstanceCommand({ NotebookInstanceName: 'Research' })),
      AwsServiceError,
    );

    // Then
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: ${sessionArnOf('remediation')} is not authorized to perform: sagemaker:StartNotebookInstance ` +
        `on resource: ${NOTEBOOK_ARN} because no identity-based policy allows the ` +
        'sagemaker:StartNotebookInstance action',
    );
    expect(account.authorizations).toEqual([
      {
        at: new Date('2026-11-23T09:00:00.000Z'),
        caller,
        service: 'SageMaker',
        operation: 'StartNotebookInstance',
        action: 'sagemaker:StartNotebookInstance',
        resource: NOTEBOOK_ARN,
        decision: 'ImplicitlyDenied',
        allowedBy: [],
      },
    ]);
    expect(account.calls.map((call) => call.outcome)).toEqual(['AccessDeniedException']);
    expect(account.sagemaker.statusOf('Research')).toBe('Stopped');
  });

  it('Given the same role, When a Step Functions SDK task starts the notebook, Then the Task fails with SageMaker.SageMakerException (AccessDeniedException is not in the API model) and the code only in the Cause', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.seedNotebook({ name: 'Research', status: 'Stopped' });
    const caller = givenRole(account, 'remediation', [
      allow('sagemaker:DescribeNotebookInstance', NOTEBOOK_ARN),
    ]);

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:sagemaker:startNotebookInstance',
        { NotebookInstanceName: 'Research' },
        caller,
      ),
    );

    // Then
    expect(error.name).toBe('SageMaker.SageMakerException');
    expect(error.message).toBe(
      `User: ${sessionArnOf('remediation')} is not authorized to perform: sagemaker:StartNotebookInstance ` +
        `on resource: ${NOTEBOOK_ARN} because no identity-based policy allows the ` +
        'sagemaker:StartNotebookInstance action (Service: SageMaker, Status Code: 400, ' +
        `Error Code: AccessDeniedException, Request ID: ${lastRequestId(account)})`,
    );
    expect(decisionsSince(account)).toEqual([
      `StartNotebookInstance: sagemaker:StartNotebookInstance ${NOTEBOOK_ARN} ImplicitlyDenied`,
    ]);
  });

  it('Given an identity policy that allows StopNotebookInstance and also denies it, When the role stops the notebook, Then the deny wins: "with an explicit deny in an identity-based policy", and the record names the statement that allowed it', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.seedNotebook({ name: 'Research', status: 'InService' });
    const caller = givenRole(account, 'remediation', [
      allow('sagemaker:StopNotebookInstance', '*', undefined, 'AllowStop'),
      deny('sagemaker:StopNotebookInstance', NOTEBOOK_ARN, undefined, 'NeverStopResearch'),
    ]);

    // When
    const sdk = await rejectionOf(
      account
        .sdkClients(caller)
        .sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: 'Research' })),
      AwsServiceError,
    );
    const task = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:sagemaker:stopNotebookInstance',
        { NotebookInstanceName: 'Research' },
        caller,
      ),
    );

    // Then
    const message =
      `User: ${sessionArnOf('remediation')} is not authorized to perform: sagemaker:StopNotebookInstance ` +
      `on resource: ${NOTEBOOK_ARN} with an explicit deny in an identity-based policy`;
    expect([sdk.name, sdk.$metadata.httpStatusCode, sdk.message]).toEqual([
      'AccessDeniedException',
      400,
      message,
    ]);
    expect([task.name, task.message]).toEqual([
      'SageMaker.SageMakerException',
      `${message} (Service: SageMaker, Status Code: 400, Error Code: AccessDeniedException, ` +
        `Request ID: ${lastRequestId(account)})`,
    ]);
    expect(account.authorizations.map(({ decision, allowedBy }) => ({ decision, allowedBy }))).toEqual([
      { decision: 'ExplicitlyDenied', allowedBy: ['Permissions#AllowStop'] },
      { decision: 'ExplicitlyDenied', allowedBy: ['Permissions#AllowStop'] },
    ]);
    expect(account.sagemaker.statusOf('Research')).toBe('InService');
  });

  it('Given a bucket policy that denies GetObject to everyone, When a role allowed by its identity policy reads an object, Then S3 answers AccessDenied 403 "with an explicit deny in a resource-based policy", and an SDK task fails with S3.S3Exception', async () => {
    // Given
    const account = givenAccount();
    account.s3.seedBucket(BUCKET);
    await account
      .sdkClients()
      .s3.send(command('PutObject', { Bucket: BUCKET, Key: 'daily/1.csv', Body: 'a' }));
    account.iam.setResourcePolicy(
      BUCKET_ARN,
      policy({ ...deny('s3:GetObject', `${BUCKET_ARN}/*`), Principal: '*' }),
    );
    const caller = givenRole(account, 'reader', [allow('s3:GetObject', `${BUCKET_ARN}/*`)]);
    const recorded = account.authorizations.length;

    // When
    const sdk = await rejectionOf(
      account.sdkClients(caller).s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'daily/1.csv' })),
      AwsServiceError,
    );
    const task = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:s3:getObject',
        { Bucket: BUCKET, Key: 'daily/1.csv' },
        caller,
      ),
    );

    // Then
    const message =
      `User: ${sessionArnOf('reader')} is not authorized to perform: s3:GetObject on resource: ` +
      `${BUCKET_ARN}/daily/1.csv with an explicit deny in a resource-based policy`;
    expect([sdk.name, sdk.$metadata.httpStatusCode, sdk.message]).toEqual(['AccessDenied', 403, message]);
    expect([task.name, task.message]).toEqual([
      'S3.S3Exception',
      `${message} (Service: S3, Status Code: 403, Error Code: AccessDenied, Request ID: ${lastRequestId(account)})`,
    ]);
    expect(decisionsSince(account, recorded)).toEqual([
      `GetObject: s3:GetObject ${BUCKET_ARN}/daily/1.csv ExplicitlyDenied`,
      `GetObject: s3:GetObject ${BUCKET_ARN}/daily/1.csv ExplicitlyDenied`,
    ]);
  });

  it('Given a role allowed everything it needs, When its calls succeed, Then every authorization is recorded in order with the caller and the statements that allowed it', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.seedNotebook({ name: 'Research', status: 'InService' });
    const caller = givenRole(account, 'auditor', [
      allow('sagemaker:DescribeNotebookInstance', NOTEBOOK_ARN, undefined, 'Describe'),
      allow('sagemaker:*', '*'),
    ]);

    // When
    await account
      .sdkClients(caller)
      .sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'Research' }));
    await account.callStepFunctionsIntegration(
      'arn:aws:states:::aws-sdk:sagemaker:describeNotebookInstance',
      { NotebookInstanceName: 'Research' },
      caller,
    );

    // Then
    const record = {
      at: new Date('2026-11-23T09:00:00.000Z'),
      caller: {
        roleArn: roleArnOf('auditor'),
        sessionName: 'auditor-session',
        roleId: caller.roleId,
      },
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      action: 'sagemaker:DescribeNotebookInstance',
      resource: NOTEBOOK_ARN,
      decision: 'Allowed',
      // Statements without a Sid are named by their position, counted from 1.
      allowedBy: ['Permissions#Describe', 'Permissions#2'],
    };
    expect(account.authorizations).toEqual([record, record]);
    expect(caller.roleId).toMatch(/^AROA[0-9A-F]{16}$/);
  });
});

describe('an action whose reference lists no resource type for the ARN', () => {
  const EXPERIMENT_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:inference-experiment/shadow-test`;

  it('Given ListTags allowed on inference experiments by ARN pattern, When a role lists an experiment’s tags, Then the pattern is matched against the ARN and it is allowed', async () => {
    const account = givenAccount();
    account.sagemaker.inference.seedInferenceExperiment({ name: 'shadow-test', endpointName: 'churn' });
    const caller = givenRole(account, 'reader', [
      allow('sagemaker:ListTags', `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:inference-experiment/*`),
    ]);

    const listed = await account
      .sdkClients(caller)
      .sagemaker.send(new ListTagsCommand({ ResourceArn: EXPERIMENT_ARN }));

    expect(listed.Tags).toEqual([]);
  });

  it('Given ListTags allowed on models only, When a role lists an experiment’s tags, Then AccessDeniedException names the action', async () => {
    const account = givenAccount();
    account.sagemaker.inference.seedInferenceExperiment({ name: 'shadow-test', endpointName: 'churn' });
    const caller = givenRole(account, 'reader', [
      allow('sagemaker:ListTags', `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:model/*`),
    ]);

    const error = await rejectionOf(
      account.sdkClients(caller).sagemaker.send(new ListTagsCommand({ ResourceArn: EXPERIMENT_ARN })),
      AwsServiceError,
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('because no identity-based policy allows the sagemaker:ListTags action');
  });
});
