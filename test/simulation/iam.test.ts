import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { roleIdFor } from '../../simulation/account/iam.js';
import { rejectionOf } from '../unit/caught-errors.js';

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
const ROLE_NAME = 'AmazonSageMaker-ExecutionRole-20261101T000000';

describe('SimulatedIam', () => {
  it('roleIdFor derives a stable AROA id from the role ARN', () => {
    // When
    const id = roleIdFor(ROLE);

    // Then
    expect(id).toMatch(/^AROA[0-9A-F]{16}$/);
    expect(roleIdFor(ROLE)).toBe(id);
    expect(roleIdFor('arn:aws:iam::111122223333:role/other')).not.toBe(id);
  });

  it('GetRole knows the role of every notebook, with the id lifecycle scripts see as FAKE_ROLE_ID', () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    account.sagemaker.seedNotebook({ name: 'research', roleArn: ROLE });

    // When
    const { Role } = account.iam.getRole({ RoleName: ROLE_NAME });

    // Then
    expect(Role).toMatchObject({
      RoleName: ROLE_NAME,
      Path: '/service-role/',
      Arn: ROLE,
      RoleId: roleIdFor(ROLE),
      CreateDate: new Date('2026-11-23T09:00:00.000Z'),
    });
  });

  it('GetRole of an unknown role: NoSuchEntity 404', () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });

    // When
    let error: unknown;
    try {
      account.iam.getRole({ RoleName: 'nobody' });
    } catch (caught) {
      error = caught;
    }

    // Then
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: 'NoSuchEntity',
      message: 'The role with name nobody cannot be found.',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('through Step Functions (aws-sdk:iam:getRole) and the SDK-shaped client', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    const roleArn = account.iam.seedRole({ roleName: 'research' });
    class GetRoleCommand {
      constructor(readonly input: { RoleName: string }) {}
    }

    // When
    const task = await account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:iam:getRole', {
      RoleName: 'research',
    });
    const sdk = await account.sdkClients().iam.send(new GetRoleCommand({ RoleName: 'research' }));
    const missing = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:iam:getRole', { RoleName: 'nobody' }),
    );

    // Then
    expect(roleArn).toBe('arn:aws:iam::111122223333:role/research');
    expect(task).toMatchObject({
      Role: { RoleId: roleIdFor(roleArn), CreateDate: '2026-11-23T09:00:00.000Z' },
    });
    expect(sdk).toMatchObject({ Role: { RoleId: roleIdFor(roleArn) }, $metadata: { httpStatusCode: 200 } });
    expect(missing.name).toBe('Iam.NoSuchEntityException');
  });

  it('Given a managed policy of a name, When another of the same name is created in the account, even on another path, Then IAM refuses it as EntityAlreadyExists', () => {
    const account = new SimulatedAccount({ latencyMs: 0 });
    const document = { Version: '2012-10-17' as const, Statement: [] };
    account.iam.createPolicy('Remediations', document, '/a/');

    const refusal = (() => {
      try {
        account.iam.createPolicy('Remediations', document, '/b/');
      } catch (error) {
        return error;
      }
      return undefined;
    })();

    expect(refusal).toBeInstanceOf(AwsServiceError);
    expect((refusal as AwsServiceError).name).toBe('EntityAlreadyExists');
  });
});
