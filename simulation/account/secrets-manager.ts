/**
 * Secrets Manager secrets, seeded by tests, read with GetSecretValue and DescribeSecret. A secret has
 * one version, labelled AWSCURRENT.
 *
 * API references:
 * - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 * - https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
 *
 * `Secrets Manager can't find the specified secret.` (ResourceNotFoundException) is AWS's wording, seen
 * in public reports; the messages for an unknown version or staging label are not confirmed.
 */

import { createHash } from 'node:crypto';
import type { SimulatedClock } from './clock.js';
import { deterministicUuid } from './deterministic-ids.js';
import { AwsServiceError, serializationError, validationError } from './errors.js';
import { InputReader } from './input-reader.js';

export interface SeedSecretOptions {
  readonly name: string;
  readonly value: string;
  readonly description?: string;
}

interface SecretRecord {
  readonly name: string;
  readonly arn: string;
  readonly value: string;
  readonly description: string | undefined;
  readonly versionId: string;
  readonly createdMs: number;
  lastAccessedMs: number | undefined;
}

const SUFFIX_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DAY_MS = 86_400_000;

export class SimulatedSecretsManager {
  /** Keyed by name: names are unique in an account and region. */
  private readonly secrets = new Map<string, SecretRecord>();
  private seeded = false;

  constructor(
    private readonly clock: SimulatedClock,
    readonly accountId = '111122223333',
    readonly region = 'eu-west-1',
  ) {}

  /**
   * Whether the test models Secrets Manager (it seeded a secret, or asked for strict checks). Until
   * then SageMaker takes any secret a code repository names as existing.
   */
  get modelled(): boolean {
    return this.seeded;
  }

  checkReferencesStrictly(): void {
    this.seeded = true;
  }

  /** Returns the ARN: the name, `-` and six characters AWS would choose at random (here derived). */
  seedSecret(options: SeedSecretOptions): string {
    this.seeded = true;
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(options.name))
      throw new Error(`seedSecret: invalid name ${options.name}`);
    if (this.secrets.has(options.name)) throw new Error(`seedSecret: secret ${options.name} already exists`);
    const digest = createHash('sha256')
      .update(`secret/${this.accountId}/${this.region}/${options.name}`)
      .digest();
    const suffix = [...digest.subarray(0, 6)].map((byte) => SUFFIX_CHARACTERS.charAt(byte % 62)).join('');
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${options.name}-${suffix}`;
    this.secrets.set(options.name, {
      name: options.name,
      arn,
      value: options.value,
      description: options.description,
      versionId: deterministicUuid(`secret-version/${arn}`),
      createdMs: this.clock.nowMs(),
      lastAccessedMs: undefined,
    });
    return arn;
  }

  /** The full ARN of the secret a secret id (name, ARN or partial ARN) names, or undefined. */
  secretArn(secretId: string): string | undefined {
    return this.find(secretId)?.arn;
  }

  /** Whether a secret id (name, ARN or partial ARN) names a secret. */
  hasSecret(secretId: string): boolean {
    return this.find(secretId) !== undefined;
  }

  getSecretValue(input: unknown): {
    ARN: string;
    Name: string;
    VersionId: string;
    SecretString: string;
    VersionStages: string[];
    CreatedDate: Date;
  } {
    const operation = 'GetSecretValue';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['SecretId', 'VersionId', 'VersionStage']);
    const secret = this.require(reader, operation);
    const versionId = reader.optionalString('VersionId', { minLength: 32, maxLength: 64 });
    const stage = reader.optionalString('VersionStage', { minLength: 1, maxLength: 256 });
    if (versionId !== undefined && versionId !== secret.versionId) {
      // Wording not confirmed.
      throw this.notFound(
        operation,
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    }
    if (stage !== undefined && stage !== 'AWSCURRENT') {
      // Wording not confirmed.
      throw this.notFound(
        operation,
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    secret.lastAccessedMs = this.clock.nowMs();
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(secret.createdMs),
    };
  }

  describeSecret(input: unknown): Record<string, unknown> {
    const operation = 'DescribeSecret';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['SecretId']);
    const secret = this.require(reader, operation);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description === undefined ? {} : { Description: secret.description }),
      LastChangedDate: new Date(secret.createdMs),
      // AWS keeps only the date of the last access.
      ...(secret.lastAccessedMs === undefined
        ? {}
        : { LastAccessedDate: new Date(Math.floor(secret.lastAccessedMs / DAY_MS) * DAY_MS) }),
      VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] },
      CreatedDate: new Date(secret.createdMs),
    };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      GetSecretValue: (input) => this.getSecretValue(input),
      DescribeSecret: (input) => this.describeSecret(input),
    };
  }

  /** By full ARN, by partial ARN (without the six-character suffix), or by name. */
  private find(secretId: string): SecretRecord | undefined {
    const prefix = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:`;
    if (secretId.startsWith('arn:')) {
      const rest = secretId.startsWith(prefix) ? secretId.slice(prefix.length) : undefined;
      if (rest === undefined) return undefined;
      return [...this.secrets.values()].find((secret) => secret.arn === secretId) ?? this.secrets.get(rest);
    }
    return this.secrets.get(secretId);
  }

  private require(reader: InputReader, operation: string): SecretRecord {
    const secretId = reader.requiredString('SecretId', { minLength: 1, maxLength: 2048 });
    const secret = this.find(secretId);
    if (secret === undefined)
      throw this.notFound(operation, "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private notFound(operation: string, message: string): AwsServiceError {
    return new AwsServiceError({
      service: 'SecretsManager',
      operation,
      code: 'ResourceNotFoundException',
      message,
    });
  }

  private reader(input: unknown, operation: string): InputReader {
    return InputReader.of(
      input,
      (message) => validationError({ service: 'SecretsManager', operation }, message),
      (message) => serializationError({ service: 'SecretsManager', operation }, message),
    );
  }
}
