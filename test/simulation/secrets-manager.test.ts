import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { SimulatedSecretsManager } from '../../simulation/account/secrets-manager.js';
import { errorOf, rejectionOf } from '../unit/caught-errors.js';

function setup() {
  const clock = new SimulatedClock();
  const secrets = new SimulatedSecretsManager(clock);
  const arn = secrets.seedSecret({ name: 'git/shared-utils', value: '{"username":"bot","password":"p"}' });
  return { clock, secrets, arn };
}

describe('SimulatedSecretsManager', () => {
  it('a seeded secret has an ARN of its name, a dash and six derived characters', () => {
    // Given / When
    const { arn } = setup();
    const again = setup().arn;

    // Then
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:111122223333:secret:git\/shared-utils-[A-Za-z0-9]{6}$/,
    );
    expect(again).toBe(arn);
  });

  it.each([
    ['its name', 'git/shared-utils'],
    ['its ARN', 'ARN'],
    [
      'its partial ARN (without the suffix)',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:git/shared-utils',
    ],
  ])('GetSecretValue by %s returns the current version', (_, id) => {
    // Given
    const { secrets, arn } = setup();

    // When
    const value = secrets.getSecretValue({ SecretId: id === 'ARN' ? arn : id });

    // Then
    expect(value).toMatchObject({
      ARN: arn,
      Name: 'git/shared-utils',
      SecretString: '{"username":"bot","password":"p"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(value.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(value.CreatedDate).toBeInstanceOf(Date);
  });

  it.each([
    ['an unknown name', 'git/other'],
    [
      'the ARN of another account',
      'arn:aws:secretsmanager:eu-west-1:444455556666:secret:git/shared-utils-AbCdEf',
    ],
  ])('GetSecretValue of %s: ResourceNotFoundException', (_, id) => {
    // Given
    const { secrets } = setup();

    // When
    const error = errorOf(() => secrets.getSecretValue({ SecretId: id }));

    // Then
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('a staging label other than AWSCURRENT: ResourceNotFoundException', () => {
    // Given
    const { secrets, arn } = setup();

    // When
    const error = errorOf(() => secrets.getSecretValue({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));

    // Then
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('DescribeSecret gives the metadata, never the value, and the day of the last access', () => {
    // Given
    const { clock, secrets, arn } = setup();
    clock.advance(3_600_000);
    secrets.getSecretValue({ SecretId: arn });

    // When
    const described = secrets.describeSecret({ SecretId: 'git/shared-utils' });

    // Then
    expect(described).toMatchObject({
      ARN: arn,
      Name: 'git/shared-utils',
      LastAccessedDate: new Date('2026-11-23T00:00:00.000Z'),
    });
    expect(JSON.stringify(described)).not.toContain('password');
  });

  it('a missing SecretId: ValidationException', () => {
    // Given
    const { secrets } = setup();

    // When
    const error = errorOf(() => secrets.describeSecret({}));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    );
  });

  it('Step Functions: ResourceNotFoundException is declared, so SecretsManager.ResourceNotFoundException', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:secretsmanager:getSecretValue', {
        SecretId: 'missing',
      }),
    );

    // Then
    expect(error.name).toBe('SecretsManager.ResourceNotFoundException');
  });
});
