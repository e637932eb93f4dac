import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { SimulatedKms } from '../../simulation/account/kms.js';
import { errorOf, rejectionOf } from '../unit/caught-errors.js';

const ROLE = 'arn:aws:iam::111122223333:role/notebook-role';

function setup() {
  const kms = new SimulatedKms(new SimulatedClock());
  const key = kms.seedKey({ description: 'notebook volumes' });
  const aliasArn = kms.seedAlias('alias/notebooks', key.keyId);
  return { kms, key, aliasArn };
}

describe('SimulatedKms DescribeKey', () => {
  it('seeded keys have a UUID id, an ARN, and the metadata of a symmetric customer key', () => {
    // Given
    const { kms, key } = setup();

    // When
    const { KeyMetadata } = kms.describeKey({ KeyId: key.keyId });

    // Then
    expect(key.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(key.arn).toBe(`arn:aws:kms:eu-west-1:111122223333:key/${key.keyId}`);
    expect(KeyMetadata).toMatchObject({
      AWSAccountId: '111122223333',
      KeyId: key.keyId,
      Arn: key.arn,
      Enabled: true,
      KeyState: 'Enabled',
      Description: 'notebook volumes',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyManager: 'CUSTOMER',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
    expect(KeyMetadata.CreationDate).toBeInstanceOf(Date);
  });

  it('the key is found by id, key ARN, alias name and alias ARN', () => {
    // Given
    const { kms, key, aliasArn } = setup();

    // When
    const ids = [key.keyId, key.arn, 'alias/notebooks', aliasArn].map(
      (KeyId) => kms.describeKey({ KeyId }).KeyMetadata.KeyId,
    );

    // Then
    expect(aliasArn).toBe('arn:aws:kms:eu-west-1:111122223333:alias/notebooks');
    expect(ids).toEqual([key.keyId, key.keyId, key.keyId, key.keyId]);
  });

  it.each([
    [
      'an unknown key id',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      "Key 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist",
    ],
    [
      'the key ARN of another account',
      'arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      "Key 'arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist",
    ],
    [
      'an unknown alias',
      'alias/missing',
      'Alias arn:aws:kms:eu-west-1:111122223333:alias/missing is not found.',
    ],
    ['something that is no key id', 'notebooks', 'Invalid keyId notebooks'],
  ])('%s: NotFoundException', (_, KeyId, message) => {
    // Given
    const { kms } = setup();

    // When
    const error = errorOf(() => kms.describeKey({ KeyId }));

    // Then
    expect(error.name).toBe('NotFoundException');
    expect(error.message).toBe(message);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('a key pending deletion is still described, with its deletion date', () => {
    // Given
    const { kms, key } = setup();
    kms.setKeyState(key.keyId, 'PendingDeletion');

    // When
    const { KeyMetadata } = kms.describeKey({ KeyId: key.arn });

    // Then
    expect(KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    expect(KeyMetadata.DeletionDate).toBeInstanceOf(Date);
  });

  it('a missing KeyId: ValidationException as the front end words it', () => {
    // Given
    const { kms } = setup();

    // When
    const error = errorOf(() => kms.describeKey({}));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });

  it('the key policy is kept as given', () => {
    // Given
    const kms = new SimulatedKms(new SimulatedClock());
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const key = kms.seedKey({ policy });

    const fromDocument = kms.seedKey({ policy: { Version: '2012-10-17', Statement: [] } });

    // When / Then
    expect(kms.keyPolicy(key.arn)).toBe(policy);
    expect(kms.keyPolicy(fromDocument.keyId)).toBe(policy);
    expect(kms.keyArn('alias/none')).toBeUndefined();
  });
});

describe('SimulatedKms CreateGrant and ListGrants', () => {
  it('a grant on an enabled key is listed with its operations', () => {
    // Given
    const { kms, key } = setup();

    // When
    const created = kms.createGrant({
      KeyId: 'alias/notebooks',
      GranteePrincipal: ROLE,
      Operations: ['Decrypt', 'GenerateDataKey'],
      Name: 'notebook-volume',
    });
    const listed = kms.listGrants({ KeyId: key.keyId });

    // Then
    expect(created.GrantId).toMatch(/^[0-9a-f]{64}$/);
    expect(created.GrantToken.length).toBeGreaterThan(40);
    expect(listed).toEqual({
      Grants: [
        expect.objectContaining({
          KeyId: key.arn,
          GrantId: created.GrantId,
          Name: 'notebook-volume',
          GranteePrincipal: ROLE,
          IssuingAccount: 'arn:aws:iam::111122223333:root',
          Operations: ['Decrypt', 'GenerateDataKey'],
        }),
      ],
      Truncated: false,
    });
  });

  it('the same named grant twice is one grant', () => {
    // Given
    const { kms, key } = setup();
    const request = { KeyId: key.keyId, GranteePrincipal: ROLE, Operations: ['Decrypt'], Name: 'same' };

    // When
    const first = kms.createGrant(request);
    const second = kms.createGrant(request);

    // Then
    expect(second.GrantId).toBe(first.GrantId);
    expect(kms.grants(key.keyId)).toHaveLength(1);
  });

  it.each([
    ['Disabled', 'DisabledException', 'is disabled.'],
    ['PendingDeletion', 'KMSInvalidStateException', 'is pending deletion.'],
  ] as const)('a %s key is refused with %s, as the key state table says', (state, code, suffix) => {
    // Given
    const kms = new SimulatedKms(new SimulatedClock());
    const key = kms.seedKey({ keyState: state });

    // When
    const error = errorOf(() =>
      kms.createGrant({ KeyId: key.keyId, GranteePrincipal: ROLE, Operations: ['Decrypt'] }),
    );

    // Then
    expect(error.name).toBe(code);
    expect(error.message).toBe(`${key.arn} ${suffix}`);
    expect(kms.grants(key.keyId)).toEqual([]);
  });

  it('an operation outside the enum: ValidationException', () => {
    // Given
    const { kms, key } = setup();

    // When
    const error = errorOf(() =>
      kms.createGrant({ KeyId: key.keyId, GranteePrincipal: ROLE, Operations: ['Explode'] }),
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(
      /^1 validation error detected: Value 'Explode' at 'operations' failed to satisfy constraint: Member must satisfy enum value set: \[Decrypt, Encrypt, /,
    );
  });

  it('signing operations on a symmetric encryption key are refused', () => {
    // Given
    const { kms, key } = setup();

    // When
    const error = errorOf(() =>
      kms.createGrant({ KeyId: key.keyId, GranteePrincipal: ROLE, Operations: ['Sign'] }),
    );

    // Then
    expect(error.name).toBe('ValidationException');
  });

  it('ListGrants pages with Limit and NextMarker', () => {
    // Given
    const { kms, key } = setup();
    const ids = ['a', 'b', 'c'].map(
      (name) =>
        kms.createGrant({ KeyId: key.keyId, GranteePrincipal: ROLE, Operations: ['Decrypt'], Name: name })
          .GrantId,
    );

    // When
    const first = kms.listGrants({ KeyId: key.keyId, Limit: 2 });
    const second = kms.listGrants({ KeyId: key.keyId, Limit: 2, Marker: first.NextMarker });

    // Then
    expect(first.Truncated).toBe(true);
    expect(first.Grants.map((grant) => grant.GrantId)).toEqual(ids.slice(0, 2));
    expect(second).toEqual({ Grants: [expect.objectContaining({ GrantId: ids[2] })], Truncated: false });
  });
});

describe('SimulatedKms useKey (for services encrypting on the caller behalf)', () => {
  it('an enabled key is used; a disabled, deleted or missing one fails as KMS says', () => {
    // Given
    const { kms, key } = setup();

    // When
    const used = kms.useKey('alias/notebooks', 'GenerateDataKey');
    kms.setKeyState(key.keyId, 'Disabled');
    const disabled = errorOf(() => kms.useKey(key.arn, 'GenerateDataKey'));
    kms.setKeyState(key.keyId, 'PendingDeletion');
    const deleted = errorOf(() => kms.useKey(key.arn, 'Decrypt'));
    const missing = errorOf(() => kms.useKey('alias/missing', 'Decrypt'));

    // Then
    expect(used.KeyId).toBe(key.keyId);
    expect([disabled.name, disabled.message]).toEqual(['DisabledException', `${key.arn} is disabled.`]);
    expect([deleted.name, deleted.message]).toEqual([
      'KMSInvalidStateException',
      `${key.arn} is pending deletion.`,
    ]);
    expect(missing.name).toBe('NotFoundException');
  });

  it('a predefined AWS alias gets its AWS managed key on first use', () => {
    // Given
    const kms = new SimulatedKms(new SimulatedClock());

    // When
    const metadata = kms.useKey('alias/aws/sqs', 'GenerateDataKey');

    // Then
    expect(metadata.KeyManager).toBe('AWS');
    expect(kms.keyArn('alias/aws/sqs')).toBe(metadata.Arn);
  });

  it('a signing key cannot encrypt: InvalidKeyUsageException', () => {
    // Given
    const kms = new SimulatedKms(new SimulatedClock());
    const key = kms.seedKey({ keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' });

    // When
    const error = errorOf(() => kms.useKey(key.keyId, 'GenerateDataKey'));

    // Then
    expect(error.name).toBe('InvalidKeyUsageException');
  });
});

describe('KMS through the account', () => {
  it('Step Functions: declared errors get their own names (Kms.KmsInvalidStateException)', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    const key = account.kms.seedKey({ keyState: 'PendingDeletion' });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:kms:createGrant', {
        KeyId: key.keyId,
        GranteePrincipal: ROLE,
        Operations: ['Decrypt'],
      }),
    );

    // Then
    expect(error.name).toBe('Kms.KmsInvalidStateException');
    expect(error.message).toMatch(/is pending deletion\. \(Service: Kms, Status Code: 400, Request ID: /);
  });

  it('Step Functions: DescribeKey of a missing key is Kms.NotFoundException', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:kms:describeKey', {
        KeyId: 'alias/missing',
      }),
    );

    // Then
    expect(error.name).toBe('Kms.NotFoundException');
  });
});
