/**
 * The building blocks of the IAM rules (authorization-rules.ts and the rule files of each resource
 * family): what the rules may look up in the account, and helpers for ARNs, KMS use, tags and PassRole.
 */
import type { ContextValue, RequiredAuthorization } from './authorizer.js';

/** What the rules need to know about the account's resources. */
export interface AuthorizationLookups {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** A notebook instance by name (case-insensitive), as far as its permissions depend on it. */
  notebook(name: string):
    | {
        readonly roleArn: string;
        readonly subnetId?: string;
        readonly securityGroupIds: readonly string[];
        readonly kmsKeyId?: string;
        readonly networkInterfaceId?: string;
        readonly codeRepositoryNames: readonly string[];
      }
    | undefined;
  /** The secret of an account code repository (by name), if it has one. */
  codeRepositorySecretArn(name: string): string | undefined;
  /** The full ARN of a secret named by name or ARN, if it exists. */
  secretArn(secretId: string): string | undefined;
  /** The ARN of a KMS key given by id, ARN, alias name or alias ARN. */
  keyArn(keyId: string): string | undefined;
  /** The customer managed key a bucket encrypts new objects with by default, and whether it uses a bucket key. */
  bucketEncryption(bucket: string): { readonly keyArn: string; readonly bucketKey: boolean } | undefined;
  /** The KMS key an existing object is encrypted with (undefined: SSE-S3 or no such object). */
  objectKeyArn(bucket: string, key: string): string | undefined;
  /** The customer managed key of a table, if it has one. */
  tableKeyArn(tableName: string): string | undefined;
  topicKeyArn(topicArn: string): string | undefined;
  queue(queueUrl: string): { readonly arn: string; readonly keyArn?: string } | undefined;
  /** The KmsKeyId of a SageMaker endpoint configuration (by name), if it has one. */
  endpointConfigKmsKeyId?(name: string): string | undefined;
  /** The Organizations ARN (account or organizational unit) of a ListParents child, in the caller's organization. */
  organizationsChildArn?(childId: string): string | undefined;
}

export type Input = Readonly<Record<string, unknown>>;
export type Rule = (input: Input, lookups: AuthorizationLookups) => RequiredAuthorization[];

export const asString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
export const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

export function arn(
  lookups: AuthorizationLookups,
  service: string,
  resource: string,
  region = lookups.region,
) {
  return `arn:${lookups.partition}:${service}:${region}:${lookups.accountId}:${resource}`;
}

/** SageMaker ARNs lowercase the resource name. */
export const sageMakerArn = (lookups: AuthorizationLookups, type: string, name: string): string =>
  arn(lookups, 'sagemaker', `${type}/${name.toLowerCase()}`);

export const viaService = (service: string, lookups: AuthorizationLookups): Record<string, ContextValue> => ({
  'kms:ViaService': `${service}.${lookups.region}.amazonaws.com`,
  'kms:CallerAccount': lookups.accountId,
});

/** The KMS permissions a service uses on the caller's behalf. */
export function kmsUse(
  actions: readonly string[],
  keyArn: string | undefined,
  service: string,
  lookups: AuthorizationLookups,
  encryptionContext: Record<string, string> = {},
): RequiredAuthorization[] {
  if (!keyArn) return [];
  const context: Record<string, ContextValue> = { ...viaService(service, lookups) };
  for (const [key, value] of Object.entries(encryptionContext)) {
    context[`kms:EncryptionContext:${key}`] = value;
    context['kms:EncryptionContextKeys'] = [...asStrings(context['kms:EncryptionContextKeys']), key];
  }
  return actions.map((action) => ({ action, resource: keyArn, context, resourcePolicyArn: keyArn }));
}

export function tagContext(tags: unknown): Record<string, ContextValue> {
  const list = Array.isArray(tags) ? (tags as Array<{ Key?: unknown; Value?: unknown }>) : [];
  if (list.length === 0) return {};
  const context: Record<string, ContextValue> = { 'aws:TagKeys': list.map((tag) => String(tag.Key)) };
  for (const tag of list) context[`aws:RequestTag/${String(tag.Key)}`] = String(tag.Value ?? '');
  return context;
}

export const passRole = (roleArn: string): RequiredAuthorization => ({
  action: 'iam:PassRole',
  resource: roleArn,
  context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
});
