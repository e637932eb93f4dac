/**
 * The IAM check of the stand-in `aws` CLI: a lifecycle script on a notebook calls S3 as the notebook's
 * role (session `SageMaker`), and the simulated account must authorize that call as AWS would, with
 * the role's identity policies, the bucket policy and the key policy.
 *
 * The script runs in its own process (bash), so it cannot reach the account: the notebook host writes
 * what the check needs into a context file (FAKE_AWS_IAM_CONTEXT), the stand-in asks this program for
 * every copy, and the host reads back the decisions (FAKE_AWS_AUTHORIZATIONS, one JSON per line) into
 * the account's record. Built into one file with esbuild on first use (simulation/fake-aws/cli-build.ts).
 *
 *   node authorize.mjs upload|download <bucket> <key> [missing]
 *   node authorize.mjs list <bucket> <prefix>
 *
 * Exit 0: allowed. Exit 1: denied, with the AWS CLI's message on stderr. Exit 2: a usage error or a
 * failed evaluation. `missing` asks what a read of a key that does not exist answers: 404 with
 * s3:ListBucket, otherwise 403.
 *
 *   node authorize.mjs --serve <port file>
 *
 * The same check as a server (authorizer-server.ts starts it), so that a check costs a TCP exchange
 * rather than a `node` start that loads the evaluator. It listens on 127.0.0.1 (an ephemeral port, written
 * to <port file> once listening, atomically) and answers one request per connection:
 *
 *   request  <token>\0<context file>\0<arg>\0...\0\0    the args of the CLI form above (1 to 4)
 *   reply    <exit code>\0<records>\0<message>\0        then it closes the connection
 *
 * An empty field ends the request, except in the token's and the context file's places and in a list's
 * prefix (which may be empty). <records> are the lines the CLI would append to FAKE_AWS_AUTHORIZATIONS,
 * <message> what it would print on stderr. A request without the token of FAKE_AWS_AUTHORIZER_TOKEN (in
 * the server's environment) is answered 2 and decides nothing. The server exits when its parent does
 * (FAKE_AWS_AUTHORIZER_PARENT, else the parent it started with), removing FAKE_AWS_AUTHORIZER_SCRATCH if
 * given: the directory of its port file, which a parent killed outright could not remove.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  appendFileSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AuthorizationLookups } from '../account/authorization-rules.js';
import { listBucketForMissingObject, requiredAuthorizations } from '../account/authorization-rules.js';
import {
  authorize,
  type Caller,
  type Decision,
  type NamedPolicy,
  type PolicyDocument,
  type RequiredAuthorization,
  unchangeablePolicy,
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

/** What one check answers: what the CLI form exits with, appends to the record file and prints. */
interface CheckOutcome {
  readonly code: number;
  /** JSON lines, one per decision, each ending in a newline. */
  readonly records: string;
  /** The text for stderr (empty when allowed). */
  readonly message: string;
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

const USAGE =
  'aws (stand-in): authorize needs FAKE_AWS_IAM_CONTEXT, FAKE_AWS_AUTHORIZATIONS and upload|download <bucket> <key> or list <bucket> <prefix>\n';

/** Parsed contexts by file: the host writes one per script run, and the server checks many calls under it. */
const contexts = new Map<string, { readonly stamp: string; readonly context: StandInIamContext }>();
const MAX_CONTEXTS = 64;

function contextOf(contextFile: string): StandInIamContext {
  const stats = statSync(contextFile);
  // Size too: a rewrite within the file system's time resolution still shows.
  const stamp = `${stats.mtimeMs}:${stats.size}`;
  const cached = contexts.get(contextFile);
  if (cached?.stamp === stamp) return cached.context;
  const parsed = JSON.parse(readFileSync(contextFile, 'utf8')) as StandInIamContext;
  // Frozen copies: each document's part of a decision's key is worked out once, not at every check.
  const context: StandInIamContext = {
    ...parsed,
    identityPolicies: parsed.identityPolicies.map((policy) => ({
      ...policy,
      document: unchangeablePolicy(policy.document),
    })),
    resourcePolicies: Object.fromEntries(
      Object.entries(parsed.resourcePolicies).map(([arn, document]) => [arn, unchangeablePolicy(document)]),
    ),
  };
  if (contexts.size >= MAX_CONTEXTS) contexts.clear();
  contexts.set(contextFile, { stamp, context });
  return context;
}

/**
 * Decides one call under the context file, as the CLI form does, without writing anything: a usage error
 * or a failed evaluation is code 2, with the records of the decisions taken before it.
 */
async function decide(contextFile: string, args: readonly string[]): Promise<CheckOutcome> {
  const [direction, bucket, key, missing] = args;
  if (
    !contextFile ||
    (direction !== 'upload' && direction !== 'download' && direction !== 'list') ||
    !bucket ||
    key === undefined ||
    (key === '' && direction !== 'list')
  ) {
    return { code: 2, records: '', message: USAGE };
  }
  let records = '';
  try {
    const context = contextOf(contextFile);
    const lookups = lookupsOf(context);
    const operation = { upload: 'PutObject', download: 'GetObject', list: 'ListObjectsV2' }[direction];
    const required: RequiredAuthorization[] = requiredAuthorizations(
      'S3',
      operation,
      direction === 'list' ? { Bucket: bucket, Prefix: key } : { Bucket: bucket, Key: key },
      lookups,
    );
    // The CLI reads an object's metadata first: a missing key is 404 only to a caller that may list.
    const check =
      missing === 'missing' ? [required[0], listBucketForMissingObject(bucket, lookups)] : required;
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
      records += `${JSON.stringify(record)}\n`;
      if (result.decision !== 'Allowed') {
        const call = direction === 'download' && missing === 'missing' ? 'HeadObject' : operation;
        const code = direction === 'download' && missing === 'missing' ? '403' : 'AccessDenied';
        return {
          code: 1,
          records,
          message: `An error occurred (${code}) when calling the ${call} operation: ${result.message}\n`,
        };
      }
    }
    return { code: 0, records, message: '' };
  } catch (error) {
    return {
      code: 2,
      records,
      message: `aws (stand-in): authorize failed: ${(error as Error).stack ?? String(error)}\n`,
    };
  }
}

/** The CLI form: one check, its records appended to FAKE_AWS_AUTHORIZATIONS, its message on stderr. */
async function runOnce(argv: readonly string[]): Promise<number> {
  const contextFile = process.env.FAKE_AWS_IAM_CONTEXT;
  const recordFile = process.env.FAKE_AWS_AUTHORIZATIONS;
  if (!contextFile || !recordFile) {
    process.stderr.write(USAGE);
    return 2;
  }
  const outcome = await decide(contextFile, argv);
  if (outcome.records !== '') appendFileSync(recordFile, outcome.records);
  process.stderr.write(outcome.message);
  return outcome.code;
}

/** A request larger than this is no check's (paths and a key): the connection is dropped. */
const MAX_REQUEST_BYTES = 64 * 1024;
/** A client that neither finishes its request nor leaves is dropped after this long. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Where a request's fields end (the index of its closing empty field), or undefined while incomplete.
 * The token and the context file are always fields (empty: refused, or a usage error), and so is a
 * list's prefix, which may be empty; any other empty field ends the request.
 */
function requestEnd(fields: readonly string[]): number | undefined {
  for (let index = 2; index < fields.length; index++) {
    if (fields[index] !== '') continue;
    if (index === 4 && fields[2] === 'list') continue;
    return index;
  }
  return undefined;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Constant time: the token is the only thing keeping other local users from deciding as the host.
  return a.length === b.length && timingSafeEqual(a, b);
}

async function answer(fields: readonly string[], token: string): Promise<CheckOutcome> {
  const [given = '', contextFile = '', ...args] = fields;
  if (!sameToken(given, token)) {
    return { code: 2, records: '', message: 'aws (stand-in): the IAM check server refused a wrong token\n' };
  }
  return decide(contextFile, args);
}

function serveConnection(socket: Socket, token: string): void {
  let received = Buffer.alloc(0);
  let answered = false;
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
  // A client gone early (a killed script) must not take the server down.
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (answered) return;
    received = Buffer.concat([received, chunk]);
    if (received.length > MAX_REQUEST_BYTES) {
      socket.destroy();
      return;
    }
    // The bytes after the last NUL are a field still arriving.
    const fields = received
      .subarray(0, received.lastIndexOf(0) + 1)
      .toString('utf8')
      .split('\0')
      .slice(0, -1);
    const end = requestEnd(fields);
    if (end === undefined) return;
    answered = true;
    answer(fields.slice(0, end), token).then(
      (outcome) => {
        // NULs frame the reply: none may hide in its text (JSON records never hold one).
        const message = outcome.message.replaceAll('\0', '');
        socket.end(`${outcome.code}\0${outcome.records}\0${message}\0`);
      },
      () => socket.destroy(),
    );
  });
}

/** The server form: answers checks until its parent exits. */
function serve(portFile: string | undefined): void {
  const token = process.env.FAKE_AWS_AUTHORIZER_TOKEN;
  if (!portFile || !token) {
    process.stderr.write(
      'aws (stand-in): the IAM check server needs --serve <port file> and FAKE_AWS_AUTHORIZER_TOKEN\n',
    );
    process.exitCode = 2;
    return;
  }
  // The parent the host names: a parent that died before this line ran is caught too.
  const parent = Number(process.env.FAKE_AWS_AUTHORIZER_PARENT) || process.ppid;
  const server = createServer((socket) => serveConnection(socket, token));
  server.on('error', (error) => {
    process.stderr.write(`aws (stand-in): the IAM check server failed: ${error.message}\n`);
    process.exit(2);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') return;
    const aside = `${portFile}.${process.pid}.tmp`;
    writeFileSync(aside, String(address.port));
    renameSync(aside, portFile);
  });
  const scratch = process.env.FAKE_AWS_AUTHORIZER_SCRATCH;
  if (scratch) process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  // An orphan is re-parented (to init or a subreaper): its parent id changes, and nobody will ask again.
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000);
}

/** Whether this module is the program node runs, rather than imported (the host imports its types). */
function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') {
    serve(argv[1]);
  } else {
    runOnce(argv).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(
          `aws (stand-in): authorize failed: ${(error as Error).stack ?? String(error)}\n`,
        );
        process.exitCode = 2;
      },
    );
  }
}
