/**
 * Calls on resources that do not exist (simulation/account/authorization-rules.ts): the rules ask
 * nothing of IAM for them, so they fail as the service fails them.
 */
import { CreateNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
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
} from './authorization-fixtures.js';

const NOTEBOOK_ROLE = roleArnOf('notebook-execution');
const NEW_NOTEBOOK_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/analysis`;

describe('calls on resources that do not exist fail as the service fails them, not as IAM does', () => {
  it('Given a role without any permission, When it sends to a queue that does not exist, Then SQS answers QueueDoesNotExist and no authorization is evaluated', async () => {
    // Given
    const account = givenAccount();
    const caller = givenRole(account, 'nobody');
    const queueUrl = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/missing`;

    // When
    const sdk = await rejectionOf(
      account.sdkClients(caller).sqs.send(command('SendMessage', { QueueUrl: queueUrl, MessageBody: 'x' })),
      AwsServiceError,
    );
    const task = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:sqs:sendMessage',
        { QueueUrl: queueUrl, MessageBody: 'x' },
        caller,
      ),
    );

    // Then
    expect([sdk.name, sdk.$metadata.httpStatusCode, sdk.message]).toEqual([
      'QueueDoesNotExist',
      400,
      'The specified queue does not exist.',
    ]);
    expect([task.name, task.message]).toEqual([
      'Sqs.QueueDoesNotExistException',
      `The specified queue does not exist. (Service: Sqs, Status Code: 400, Request ID: ${lastRequestId(account)})`,
    ]);
    expect(account.authorizations).toEqual([]);
  });

  it('Given a role without any permission, When it describes a key that does not exist and reads a secret that does not exist, Then KMS and Secrets Manager answer not found, with no authorization evaluated', async () => {
    // Given
    const account = givenAccount();
    account.kms.seedKey();
    account.secretsManager.seedSecret({ name: 'sagemaker-other', value: 'x' });
    const caller = givenRole(account, 'nobody');
    const missingKey = '0b0b0b0b-1111-4222-8333-444444444444';

    // When
    const key = await rejectionOf(
      account.sdkClients(caller).kms.send(command('DescribeKey', { KeyId: missingKey })),
      AwsServiceError,
    );
    const secret = await rejectionOf(
      account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:secretsmanager:getSecretValue',
        { SecretId: 'sagemaker-missing' },
        caller,
      ),
    );

    // Then
    expect([key.name, key.message]).toEqual([
      'NotFoundException',
      `Key 'arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/${missingKey}' does not exist`,
    ]);
    expect([secret.name, secret.message]).toEqual([
      'SecretsManager.ResourceNotFoundException',
      "Secrets Manager can't find the specified secret. (Service: SecretsManager, Status Code: 400, " +
        `Request ID: ${lastRequestId(account)})`,
    ]);
    expect(account.authorizations).toEqual([]);
  });

  it('Given KMS modelled and a role allowed to create notebooks, When it creates one with a KmsKeyId that does not exist, Then no KMS permission is evaluated and SageMaker refuses the key itself', async () => {
    // Given
    const account = givenAccount();
    account.kms.seedKey();
    account.iam.createRole({ roleName: 'notebook-execution' });
    const caller = givenRole(account, 'platform', [
      allow(['sagemaker:CreateNotebookInstance', 'iam:PassRole'], '*'),
    ]);
    const missingKey = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/0b0b0b0b-1111-4222-8333-444444444444`;

    // When
    const error = await rejectionOf(
      account.sdkClients(caller).sagemaker.send(
        new CreateNotebookInstanceCommand({
          NotebookInstanceName: 'Analysis',
          InstanceType: 'ml.t3.medium',
          RoleArn: NOTEBOOK_ROLE,
          KmsKeyId: missingKey,
        }),
      ),
      AwsServiceError,
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(decisionsSince(account)).toEqual([
      `CreateNotebookInstance: sagemaker:CreateNotebookInstance ${NEW_NOTEBOOK_ARN} Allowed`,
      `CreateNotebookInstance: iam:PassRole ${NOTEBOOK_ROLE} Allowed`,
    ]);
  });
});
