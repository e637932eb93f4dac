/**
 * The IAM check of the stand-in `aws` CLI: a lifecycle script on a notebook calls S3 as the notebook's
 * role (session `SageMaker`), and the simulated account must authorize that call as AWS would, with
 * the role's identity policies, the bucket policy and the key policy.
 *
 * The script runs in its own process (bash), so it cannot reach the account: the notebook host writes
 * what the check needs into a context file (FAKE_AWS_IAM_CONTEXT), the stand-in runs this program for
 * every copy, and the host reads back the decisions (FAKE_AWS_AUTHORIZATIONS, one JSON per line) into
 * the account's record. Built into one file with esbuild on first use (simulation/fake-aws/cli-build.ts).
 *
 *   node authorize.cjs upload|download <bucket> <key> [missing]
 *   node authorize.cjs list <bucket> <prefix>
 *
 * Exit 0: allowed. Exit 1: denied, with the AWS CLI's message on stderr. `missing` asks what a read of a
 * key that does not exist answers: 404 with s3:ListBucket, otherwise 403.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { AuthorizationLookups } from '../account/authorization-rules.js';
import { listBucketForMissingObject, requiredAuthorizations } from '../account/authorization-rules.js';
import {
  authorize,
  type Caller,
  type Decision,
  type NamedPolicy,
  type PolicyDocument,
  type RequiredAuthorization,
} from '../account/authorizer.js';

/** What the notebook host hands over for one script run. */
export interface StandInIamContext {
  readonly accountId: string;
  readonly region: string;
  /** The simulated time of the run (ISO). */
  readonly at: string;
  readonly caller: Caller;
  readonly identityPolicies: readonly NamedPolicy[];
  /** Resource policies by ARN: the buckets' and the keys'. */
  readonly resourcePolicies: Readonly<Record<string, PolicyDocument>>;
  /** Default SSE-KMS of each bucket, by name. */
  readonly buckets: Readonly<Record<string, { readonly keyArn: string; readonly bucketKey: boolean }>>;
}

/** One decision, as the host adds it to the account's authorization record. */
export interface StandInAuthorization {
  readonly operation: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
  readonly allowedBy: readonly string[];
}

function lookupsOf(context: StandInIamContext): AuthorizationLookups {
  const none = () => undefined;
  return {
    accountId: context.accountId,
    region: context.region,
    partition: 'aws',
    notebook: none,
    codeRepositorySecretArn: none,
    secretArn: none,
    keyArn: (keyId) => (keyId.startsWith('arn:') ? keyId : undefined),
    bucketEncryption: (bucket) => context.buckets[bucket],
    // Objects a script reads were written by scripts: encrypted with the bucket's default key.
    objectKeyArn: (bucket) => context.buckets[bucket]?.keyArn,
    tableKeyArn: none,
    topicKeyArn: none,
    queue: none,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const [direction, bucket, key, missing] = argv;
  const contextFile = process.env.FAKE_AWS_IAM_CONTEXT;
  const recordFile = process.env.FAKE_AWS_AUTHORIZATIONS;
  if (
    !contextFile ||
    !recordFile ||
    (direction !== 'upload' && direction !== 'download' && direction !== 'list') ||
    !bucket ||
    key === undefined ||
    (key === '' && direction !== 'list')
  ) {
    process.stderr.write(
      'aws (stand-in): authorize needs FAKE_AWS_IAM_CONTEXT, FAKE_AWS_AUTHORIZATIONS and upload|download <bucket> <key> or list <bucket> <prefix>\n',
    );
    return 2;
  }
  const context = JSON.parse(readFileSync(contextFile, 'utf8')) as StandInIamContext;
  const lookups = lookupsOf(context);
  const operation = { upload: 'PutObject', download: 'GetObject', list: 'ListObjectsV2' }[direction];
  const required: RequiredAuthorization[] = requiredAuthorizations(
    'S3',
    operation,
    direction === 'list' ? { Bucket: bucket, Prefix: key } : { Bucket: bucket, Key: key },
    lookups,
  );
  // The CLI reads an object's metadata first: a missing key is 404 only to a caller that may list.
  const check = missing === 'missing' ? [required[0], listBucketForMissingObject(bucket, lookups)] : required;
  const policies = {
    identityPoliciesOf: () => context.identityPolicies,
    resourcePolicyOf: (arn: string) => context.resourcePolicies[arn],
  };
  for (const requirement of check) {
    if (!requirement) continue;
    const result = await authorize(context.caller, requirement, policies, {
      accountId: context.accountId,
      region: context.region,
      now: new Date(context.at),
    });
    const record: StandInAuthorization = {
      operation,
      action: requirement.action,
      resource: requirement.resource,
      decision: result.decision,
      allowedBy: result.allowedBy,
    };
    appendFileSync(recordFile, `${JSON.stringify(record)}\n`);
    if (result.decision !== 'Allowed') {
      const call = direction === 'download' && missing === 'missing' ? 'HeadObject' : operation;
      const code = direction === 'download' && missing === 'missing' ? '403' : 'AccessDenied';
      process.stderr.write(
        `An error occurred (${code}) when calling the ${call} operation: ${result.message}\n`,
      );
      return 1;
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`aws (stand-in): authorize failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
