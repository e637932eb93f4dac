/**
 * KMS keys, aliases and grants: DescribeKey, CreateGrant and ListGrants, and `useKey`, which other
 * simulated services call when they encrypt or decrypt with a key on the caller's behalf. Key
 * policies are stored (for the IAM evaluation), not evaluated here.
 *
 * API references:
 * - https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
 * - https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html
 * - https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html
 * - https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html (which operation fails in
 *   which key state, and with which error: `DisabledException: <key ARN> is disabled.`,
 *   `KMSInvalidStateException: <key ARN> is pending deletion.`)
 *
 * Messages seen from AWS (public reports): `Key '<key ARN>' does not exist`, `Alias <alias ARN> is not
 * found.`, `Invalid keyId <value>` (all NotFoundException). Others are marked where they are built.
 */

import type { SimulatedClock } from './clock.js';
import { deterministicHex, deterministicUuid } from './deterministic-ids.js';
import { AwsServiceError, serializationError, validationError } from './errors.js';
import { InputReader } from './input-reader.js';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

export interface SeedKeyOptions {
  readonly description?: string;
  readonly keyState?: KeyState;
  /** `SYMMETRIC_DEFAULT` (default), `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`... */
  readonly keySpec?: string;
  readonly keyUsage?: KeyUsage;
  /** The key policy, JSON text or a document (default: the account root may do everything, as AWS's). */
  readonly policy?: string | Readonly<Record<string, unknown>>;
  /** A key id (UUID) of your choosing; default: a deterministic one. */
  readonly keyId?: string;
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KeyUsage;
  KeyState: KeyState;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  Origin: 'AWS_KMS';
  KeyManager: 'CUSTOMER' | 'AWS';
  CustomerMasterKeySpec: string;
  KeySpec: string;
  EncryptionAlgorithms?: string[];
  SigningAlgorithms?: string[];
  MultiRegion: boolean;
}

export interface Grant {
  KeyId: string;
  GrantId: string;
  Name?: string;
  CreationDate: Date;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: string[];
}

interface KeyRecord {
  readonly keyId: string;
  readonly arn: string;
  readonly description: string;
  state: KeyState;
  readonly spec: string;
  readonly usage: KeyUsage;
  readonly manager: 'CUSTOMER' | 'AWS';
  readonly policy: string;
  readonly creationMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GRANT_OPERATIONS = (
  'Decrypt Encrypt GenerateDataKey GenerateDataKeyWithoutPlaintext ReEncryptFrom ReEncryptTo Sign Verify ' +
  'GetPublicKey CreateGrant RetireGrant DescribeKey GenerateDataKeyPair GenerateDataKeyPairWithoutPlaintext ' +
  'GenerateMac VerifyMac DeriveSharedSecret'
).split(' ');
/** Grant operations every key allows; the others depend on its usage. */
const ANY_KEY_OPERATIONS = ['CreateGrant', 'RetireGrant', 'DescribeKey'];
const USAGE_OPERATIONS: Readonly<Record<string, readonly string[]>> = {
  SYMMETRIC_ENCRYPT_DECRYPT: (
    'Decrypt Encrypt GenerateDataKey GenerateDataKeyWithoutPlaintext ReEncryptFrom ReEncryptTo ' +
    'GenerateDataKeyPair GenerateDataKeyPairWithoutPlaintext'
  ).split(' '),
  ENCRYPT_DECRYPT: ['Decrypt', 'Encrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'],
  SIGN_VERIFY: ['Sign', 'Verify', 'GetPublicKey'],
  GENERATE_VERIFY_MAC: ['GenerateMac', 'VerifyMac'],
  KEY_AGREEMENT: ['DeriveSharedSecret', 'GetPublicKey'],
};
/** What SageMaker's grant on a notebook's key allows. */
const SERVICE_GRANT_OPERATIONS =
  'Decrypt Encrypt GenerateDataKeyWithoutPlaintext ReEncryptFrom ReEncryptTo CreateGrant RetireGrant DescribeKey'.split(
    ' ',
  );
const PRINCIPAL = { minLength: 1, maxLength: 256, pattern: '^[\\w+=,.@:/-]+$' };

export class SimulatedKms {
  private readonly keys = new Map<string, KeyRecord>();
  /** Alias name (`alias/...`) to key id. */
  private readonly aliases = new Map<string, string>();
  private readonly grantsByKey = new Map<string, Grant[]>();
  private counter = 0;
  private seeded = false;

  /** @param beforeAccess settles notebook transitions before grants are read (deletion retires them). */
  constructor(
    private readonly clock: SimulatedClock,
    readonly accountId = '111122223333',
    readonly region = 'eu-west-1',
    private readonly beforeAccess: () => void = () => undefined,
  ) {}

  /**
   * Whether the test models KMS (it seeded a key or an alias, or asked for strict checks). Until then
   * services take any key they are given as an existing, enabled key and create it here.
   */
  get modelled(): boolean {
    return this.seeded;
  }

  checkReferencesStrictly(): void {
    this.seeded = true;
  }

  seedKey(options: SeedKeyOptions = {}): { keyId: string; arn: string } {
    this.seeded = true;
    const record = this.addKey(options.keyId, options);
    return { keyId: record.keyId, arn: record.arn };
  }

  /** Points an alias (`alias/...`) at a key (id or ARN). Returns the alias ARN. */
  seedAlias(alias: string, keyId: string): string {
    this.seeded = true;
    if (!/^alias\/[a-zA-Z0-9:/_-]+$/.test(alias) || alias.startsWith('alias/aws/')) {
      throw new Error(`seedAlias: ${alias} is not a customer alias name`);
    }
    const key = this.find(keyId);
    if (key === undefined) throw new Error(`seedAlias: no key ${keyId}`);
    this.aliases.set(alias, key.keyId);
    return this.arnOf(alias);
  }

  /** Changes a key's state, as EnableKey, DisableKey or ScheduleKeyDeletion would. */
  setKeyState(keyIdOrArn: string, state: KeyState): void {
    const key = this.find(keyIdOrArn);
    if (key === undefined) throw new Error(`setKeyState: no key ${keyIdOrArn}`);
    this.seeded = true;
    key.state = state;
  }

  /** The key ARN a key id, key ARN, alias name or alias ARN stands for (undefined if none). */
  keyArn(keyIdOrAlias: string): string | undefined {
    return this.find(keyIdOrAlias)?.arn;
  }

  keyPolicy(keyIdOrArn: string): string | undefined {
    return this.find(keyIdOrArn)?.policy;
  }

  /** Grants of a key, for assertions. */
  grants(keyIdOrArn: string): Grant[] {
    this.beforeAccess();
    const key = this.find(keyIdOrArn);
    return key === undefined ? [] : structuredClone(this.grantsByKey.get(key.keyId) ?? []);
  }

  /** Creates the key a reference names (key id, this account's key ARN, or alias) if it is missing. */
  materialiseKey(reference: string): void {
    if (this.find(reference) !== undefined) return;
    const alias = this.aliasName(reference);
    const keyArn = new RegExp(`^arn:aws:kms:${this.region}:${this.accountId}:key/(.+)$`).exec(reference);
    if (alias?.startsWith('alias/aws/') === true) {
      this.require(alias, 'DescribeKey'); // Creates the AWS managed key, as its first use would.
    } else if (alias !== undefined) {
      this.aliases.set(alias, this.addKey(undefined, {}).keyId);
    } else if (UUID.test(reference) || keyArn !== null) {
      this.addKey(keyArn?.[1] ?? reference, {});
    }
  }

  /**
   * What a service does with a key on the caller's behalf (`GenerateDataKey`, `Decrypt`...): the
   * key, or KMS's error for a missing key, a key that is not Enabled, or a key of the wrong usage.
   * The calling service turns it into its own error (SQS: KmsNotFound, KmsDisabled...).
   */
  useKey(keyIdOrArn: string, operation: string): KeyMetadata {
    const key = this.require(keyIdOrArn, operation);
    this.requireEnabled(key, operation);
    const allowed = [...ANY_KEY_OPERATIONS, ...(USAGE_OPERATIONS[this.usageGroup(key)] ?? [])];
    if (!allowed.includes(operation)) {
      // Wording not confirmed.
      throw this.error(
        operation,
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.usage} which is not valid for ${operation}.`,
      );
    }
    return this.metadata(key);
  }

  /** The grant a service (SageMaker) creates for a resource it encrypts: no API validation. */
  grantForService(keyIdOrArn: string, granteePrincipal: string, name: string): string {
    const key = this.require(keyIdOrArn, 'CreateGrant');
    this.requireEnabled(key, 'CreateGrant');
    const fields = { GranteePrincipal: granteePrincipal, Name: name, Operations: SERVICE_GRANT_OPERATIONS };
    return this.addGrant(key, fields).GrantId;
  }

  retireGrant(keyIdOrArn: string, grantId: string): void {
    const key = this.find(keyIdOrArn);
    if (key === undefined) return;
    this.grantsByKey.set(
      key.keyId,
      (this.grantsByKey.get(key.keyId) ?? []).filter((g) => g.GrantId !== grantId),
    );
  }

  describeKey(input: unknown): { KeyMetadata: KeyMetadata } {
    const operation = 'DescribeKey';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['KeyId', 'GrantTokens']);
    const keyId = reader.requiredString('KeyId', { minLength: 1, maxLength: 2048 });
    reader.optionalStringList('GrantTokens', { maxItems: 10 });
    // DescribeKey works in every key state.
    return { KeyMetadata: this.metadata(this.require(keyId, operation)) };
  }

  createGrant(input: unknown): { GrantToken: string; GrantId: string } {
    const operation = 'CreateGrant';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'KeyId',
      'GranteePrincipal',
      'RetiringPrincipal',
      'Operations',
      'Constraints',
      'GrantTokens',
      'Name',
      'DryRun',
    ]);
    const keyId = reader.requiredString('KeyId', { minLength: 1, maxLength: 2048 });
    const granteePrincipal = reader.requiredString('GranteePrincipal', PRINCIPAL);
    const retiringPrincipal = reader.optionalString('RetiringPrincipal', PRINCIPAL);
    const operations = reader.optionalStringList('Operations', { item: { allowed: GRANT_OPERATIONS } });
    if (operations === undefined) {
      throw validationError(
        { service: 'KMS', operation },
        "1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null",
      );
    }
    if (reader.has('Constraints')) throw new Error('The simulated KMS does not simulate grant Constraints');
    reader.optionalStringList('GrantTokens', { maxItems: 10 });
    const name = reader.optionalString('Name', {
      minLength: 1,
      maxLength: 256,
      pattern: '^[a-zA-Z0-9:/_-]+$',
    });
    const key = this.require(keyId, operation);
    this.requireEnabled(key, operation);
    const allowed = [...ANY_KEY_OPERATIONS, ...(USAGE_OPERATIONS[this.usageGroup(key)] ?? [])];
    const invalid = operations.filter((op) => !allowed.includes(op));
    if (invalid.length > 0) {
      // Wording not confirmed; AWS refuses grant operations the key cannot perform.
      throw validationError(
        { service: 'KMS', operation },
        `Grant operations ${invalid.join(', ')} are not valid for a ${key.spec} key with key usage ${key.usage}.`,
      );
    }
    if (reader.optionalBoolean('DryRun') === true) {
      throw this.error(
        operation,
        'DryRunOperationException',
        'The request would have succeeded, but the DryRun option is set.',
      );
    }
    const grant = this.addGrant(key, {
      GranteePrincipal: granteePrincipal,
      Operations: operations,
      ...(name === undefined ? {} : { Name: name }),
      ...(retiringPrincipal === undefined ? {} : { RetiringPrincipal: retiringPrincipal }),
    });
    return { GrantToken: this.grantToken(grant.GrantId), GrantId: grant.GrantId };
  }

  listGrants(input: unknown): { Grants: Grant[]; Truncated: boolean; NextMarker?: string } {
    const operation = 'ListGrants';
    this.beforeAccess();
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['KeyId', 'Limit', 'Marker', 'GrantId', 'GranteePrincipal']);
    const keyId = reader.requiredString('KeyId', { minLength: 1, maxLength: 2048 });
    const limit = reader.optionalInteger('Limit', { min: 1, max: 1000 }) ?? 50;
    const marker = reader.optionalString('Marker', { minLength: 1, maxLength: 1024 });
    const grantId = reader.optionalString('GrantId', { minLength: 1, maxLength: 128 });
    const grantee = reader.optionalString('GranteePrincipal', PRINCIPAL);
    const key = this.require(keyId, operation);
    const all = (this.grantsByKey.get(key.keyId) ?? []).filter(
      (g) =>
        (grantId === undefined || g.GrantId === grantId) &&
        (grantee === undefined || g.GranteePrincipal === grantee),
    );
    const start = marker === undefined ? 0 : this.markerOffset(marker, all);
    // The API caps a page at 100 whatever the Limit.
    const end = Math.min(all.length, start + Math.min(limit, 100));
    const Grants = structuredClone(all.slice(start, end));
    return end < all.length
      ? { Grants, Truncated: true, NextMarker: all[end - 1]?.GrantId ?? '' }
      : { Grants, Truncated: false };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      DescribeKey: (input) => this.describeKey(input),
      CreateGrant: (input) => this.createGrant(input),
      ListGrants: (input) => this.listGrants(input),
    };
  }

  private addKey(
    id: string | undefined,
    options: Omit<SeedKeyOptions, 'keyId'>,
    manager: 'CUSTOMER' | 'AWS' = 'CUSTOMER',
  ): KeyRecord {
    this.counter += 1;
    const keyId = id ?? deterministicUuid(`kms-key/${this.accountId}/${this.region}/${this.counter}`);
    if (this.keys.has(keyId)) throw new Error(`SimulatedKms: key ${keyId} already exists`);
    const spec = options.keySpec ?? 'SYMMETRIC_DEFAULT';
    const record: KeyRecord = {
      keyId,
      arn: `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`,
      description: options.description ?? '',
      state: options.keyState ?? 'Enabled',
      spec,
      usage: options.keyUsage ?? (spec.startsWith('HMAC') ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT'),
      manager,
      policy:
        typeof options.policy === 'object'
          ? JSON.stringify(options.policy)
          : (options.policy ?? this.defaultPolicy()),
      creationMs: this.clock.nowMs(),
    };
    this.keys.set(keyId, record);
    return record;
  }

  /**
   * The key policy AWS gives the AWS managed key aws/s3 (AWS keeps it; nobody can change it): every
   * principal of the account may use it, through S3 only, and the account may read its metadata.
   */
  private s3ManagedKeyPolicy(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'auto-s3-2',
      Statement: [
        {
          Sid: 'Allow access through S3 for all principals in the account that are authorized to use S3',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:CallerAccount': this.accountId,
              'kms:ViaService': `s3.${this.region}.amazonaws.com`,
            },
          },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${this.accountId}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
          Resource: '*',
        },
      ],
    });
  }

  private defaultPolicy(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${this.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  }

  private aliasName(reference: string): string | undefined {
    if (reference.startsWith('alias/')) return reference;
    const match = new RegExp(`^arn:aws:kms:${this.region}:${this.accountId}:(alias/.+)$`).exec(reference);
    return match?.[1];
  }

  private arnOf(alias: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${alias}`;
  }

  private find(reference: string): KeyRecord | undefined {
    const alias = this.aliasName(reference);
    if (alias !== undefined) {
      const target = this.aliases.get(alias);
      return target === undefined ? undefined : this.keys.get(target);
    }
    const keyArn = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(reference);
    if (keyArn !== null) {
      return keyArn[1] === this.region && keyArn[2] === this.accountId
        ? this.keys.get(keyArn[3] ?? '')
        : undefined;
    }
    return this.keys.get(reference);
  }

  /** The key, or NotFoundException as KMS words it for each way of naming a key. */
  private require(reference: string, operation: string): KeyRecord {
    const alias = this.aliasName(reference);
    if (alias?.startsWith('alias/aws/') === true && !this.aliases.has(alias)) {
      // A predefined AWS alias: KMS creates the AWS managed key on first use.
      const service = alias.slice(10);
      this.aliases.set(
        alias,
        this.addKey(
          undefined,
          {
            description: `Default key for ${service}`,
            ...(service === 's3' ? { policy: this.s3ManagedKeyPolicy() } : {}),
          },
          'AWS',
        ).keyId,
      );
    }
    const key = this.find(reference);
    if (key !== undefined) return key;
    const message =
      alias !== undefined
        ? `Alias ${this.arnOf(alias)} is not found.`
        : reference.startsWith('arn:aws:kms:')
          ? `Key '${reference}' does not exist`
          : UUID.test(reference)
            ? `Key 'arn:aws:kms:${this.region}:${this.accountId}:key/${reference}' does not exist`
            : `Invalid keyId ${reference}`;
    throw this.error(operation, 'NotFoundException', message);
  }

  private requireEnabled(key: KeyRecord, operation: string): void {
    if (key.state === 'Disabled') throw this.error(operation, 'DisabledException', `${key.arn} is disabled.`);
    if (key.state === 'PendingDeletion') {
      throw this.error(operation, 'KMSInvalidStateException', `${key.arn} is pending deletion.`);
    }
  }

  private usageGroup(key: KeyRecord): string {
    return key.spec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_ENCRYPT_DECRYPT' : key.usage;
  }

  private metadata(key: KeyRecord): KeyMetadata {
    const symmetric = key.spec === 'SYMMETRIC_DEFAULT';
    return {
      AWSAccountId: this.accountId,
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: new Date(key.creationMs),
      Enabled: key.state === 'Enabled',
      Description: key.description,
      KeyUsage: key.usage,
      KeyState: key.state,
      // The simulation schedules deletion 30 days (the default window) after the key was marked.
      ...(key.state === 'PendingDeletion'
        ? { DeletionDate: new Date(this.clock.nowMs() + 30 * 86_400_000), PendingDeletionWindowInDays: 30 }
        : {}),
      Origin: 'AWS_KMS',
      KeyManager: key.manager,
      CustomerMasterKeySpec: key.spec,
      KeySpec: key.spec,
      ...(key.usage === 'ENCRYPT_DECRYPT'
        ? {
            EncryptionAlgorithms: symmetric
              ? ['SYMMETRIC_DEFAULT']
              : ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
          }
        : {}),
      ...(key.usage === 'SIGN_VERIFY' ? { SigningAlgorithms: ['ECDSA_SHA_256'] } : {}),
      MultiRegion: false,
    };
  }

  private addGrant(
    key: KeyRecord,
    fields: Pick<Grant, 'GranteePrincipal' | 'Operations' | 'Name' | 'RetiringPrincipal'>,
  ): Grant {
    const existing = this.grantsByKey.get(key.keyId) ?? [];
    // A grant identical to an existing one with the same name is the same grant (CreateGrant is idempotent).
    const same = existing.find(
      (g) =>
        fields.Name !== undefined &&
        g.Name === fields.Name &&
        g.GranteePrincipal === fields.GranteePrincipal &&
        g.RetiringPrincipal === fields.RetiringPrincipal &&
        g.Operations.join() === fields.Operations.join(),
    );
    if (same !== undefined) return same;
    this.counter += 1;
    const grant: Grant = {
      KeyId: key.arn,
      GrantId: deterministicHex(`kms-grant/${this.accountId}/${this.counter}`, 64),
      CreationDate: new Date(this.clock.nowMs()),
      IssuingAccount: `arn:aws:iam::${this.accountId}:root`,
      ...fields,
      Operations: [...fields.Operations],
    };
    this.grantsByKey.set(key.keyId, [...existing, grant]);
    return grant;
  }

  private grantToken(grantId: string): string {
    return Buffer.from(`${grantId}${deterministicHex(`token/${grantId}`, 64)}`, 'hex').toString('base64');
  }

  private markerOffset(marker: string, grants: readonly Grant[]): number {
    const index = grants.findIndex((g) => g.GrantId === marker);
    if (index < 0) throw this.error('ListGrants', 'InvalidMarkerException', 'Invalid marker'); // Wording not confirmed.
    return index + 1;
  }

  private error(operation: string, code: string, message: string): AwsServiceError {
    return new AwsServiceError({ service: 'KMS', operation, code, message });
  }

  private reader(input: unknown, operation: string): InputReader {
    return InputReader.of(
      input,
      (message) => validationError({ service: 'KMS', operation }, message),
      (message) => serializationError({ service: 'KMS', operation }, message),
    );
  }
}
