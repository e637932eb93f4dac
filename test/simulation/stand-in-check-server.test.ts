/**
 * The stand-in CLI's IAM check as a server (simulation/fake-aws/authorize.ts --serve, started by
 * authorizer-server.ts): it must decide every call exactly as the node check does, refuse a request
 * without its token, leave the stand-in's records and statuses as they were, and never outlive its parent.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { authorizerServer } from '../../simulation/fake-aws/authorizer-server.js';
import { standInAuthorizer } from '../../simulation/fake-aws/cli-build.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STAND_IN = join(REPO, 'simulation/fake-aws/aws');
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555';

/**
 * The notebook role may write and read objects of notes-bucket (SSE-KMS) and listed-bucket, and list
 * only listed-bucket: a missing key is 404 there, 403 in notes-bucket.
 */
const CONTEXT = {
  accountId: '111122223333',
  region: 'eu-west-1',
  at: '2026-11-01T00:00:00.000Z',
  caller: {
    roleArn: 'arn:aws:iam::111122223333:role/notebook-role',
    sessionName: 'SageMaker',
    roleId: 'AROAEXAMPLEROLEID0001',
  },
  identityPolicies: [
    {
      name: 'notes',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Objects',
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:GetObject'],
            Resource: ['arn:aws:s3:::notes-bucket/*', 'arn:aws:s3:::listed-bucket/*'],
          },
          { Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::listed-bucket' },
          { Sid: 'Key', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY_ARN },
        ],
      },
    },
  ],
  resourcePolicies: {
    [KEY_ARN]: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
  },
  buckets: { 'notes-bucket': { keyArn: KEY_ARN, bucketKey: false } },
};

/** The check's arguments, as the stand-in passes them. */
const CHECKS: readonly (readonly string[])[] = [
  ['upload', 'notes-bucket', 'notes/a.txt'],
  ['upload', 'other-bucket', 'a.txt'],
  ['download', 'notes-bucket', 'notes/a.txt'],
  ['download', 'notes-bucket', 'absent.txt', 'missing'],
  ['download', 'listed-bucket', 'absent.txt', 'missing'],
  ['list', 'listed-bucket', ''],
  ['list', 'notes-bucket', 'notes/'],
  ['upload', 'notes-bucket', ''],
];

interface Outcome {
  readonly code: number;
  readonly records: string;
  readonly message: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'stand-in-check-server-'));
const contextFile = join(scratch, 'iam-context.json');
writeFileSync(contextFile, JSON.stringify(CONTEXT));
let runs = 0;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function server() {
  const running = authorizerServer();
  if (!running) throw new Error('the IAM check server did not start');
  return running;
}

/** One request to the server, as the stand-in sends it. */
function ask(port: number, fields: readonly string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [code = '', records = '', message = ''] = Buffer.concat(chunks).toString('utf8').split('\0');
      resolve({ code: Number(code), records, message });
    });
    socket.write(`${fields.join('\0')}\0\0`);
  });
}

/** The same check by one node start, as the stand-in runs it without a server. */
function runCli(args: readonly string[]): Outcome {
  const records = join(scratch, `cli-${runs++}.jsonl`);
  const result = spawnSync(process.execPath, [standInAuthorizer(), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, FAKE_AWS_IAM_CONTEXT: contextFile, FAKE_AWS_AUTHORIZATIONS: records },
  });
  return {
    code: result.status ?? -1,
    records: existsSync(records) ? readFileSync(records, 'utf8') : '',
    message: result.stderr,
  };
}

/** A fresh S3 root with the buckets of CONTEXT (and one the role has no grant on). */
function givenS3Root(): string {
  const root = join(scratch, `s3-${runs++}`);
  for (const bucket of ['notes-bucket', 'listed-bucket', 'other-bucket'])
    mkdirSync(join(root, bucket), { recursive: true });
  writeFileSync(join(root, 'notes-bucket', 'kept.txt'), 'kept');
  return root;
}

const list = (bucket: string, prefix: string) => [
  's3api',
  'list-objects-v2',
  '--bucket',
  bucket,
  '--prefix',
  prefix,
  '--query',
  'Contents[].Key',
  '--output',
  'text',
];

/** Stand-in calls covering each kind of check, each run twice (the second from the cache, when kept). */
const CALLS: readonly (readonly string[])[] = [
  ['s3', 'cp', 'local.txt', 's3://notes-bucket/notes/a.txt'],
  ['s3', 'cp', 'local.txt', 's3://other-bucket/a.txt'],
  ['s3', 'cp', 's3://notes-bucket/kept.txt', 'copy.txt'],
  ['s3', 'cp', 's3://notes-bucket/absent.txt', 'copy.txt'],
  ['s3', 'cp', 's3://listed-bucket/absent.txt', 'copy.txt'],
  list('listed-bucket', ''),
  list('notes-bucket', 'notes/'),
];

/** Runs the calls with the stand-in, in a fresh S3 root; what each printed and exited, and the records. */
function runStandIn(env: Readonly<Record<string, string>>, calls: readonly (readonly string[])[] = CALLS) {
  const root = givenS3Root();
  const home = join(root, '..', `home-${runs++}`);
  mkdirSync(home);
  writeFileSync(join(home, 'local.txt'), 'local');
  const records = join(home, 'authorizations.jsonl');
  const results = [...calls, ...calls].map((call) => {
    const result = spawnSync('bash', [STAND_IN, ...call], {
      cwd: home,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        FAKE_S3_ROOT: root,
        FAKE_AWS_AUTHORIZER: standInAuthorizer(),
        FAKE_AWS_NODE: process.execPath,
        FAKE_AWS_IAM_CONTEXT: contextFile,
        FAKE_AWS_AUTHORIZATIONS: records,
        ...env,
      },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  });
  return { results, records: existsSync(records) ? readFileSync(records, 'utf8') : '' };
}

/** Whether a process is gone: no longer in /proc, or a zombie nobody reaped yet. */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The check servers a process started (found by their parent id in /proc). */
function serversOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('--serve');
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('the stand-in CLI’s IAM check server', () => {
  it('Given the check server and the node check, When each decides allowed, denied, missing-key and malformed calls, Then both answer the same status, records and message', async () => {
    // Given
    const { port, token } = server();

    // When
    const byServer = await Promise.all(CHECKS.map((args) => ask(port, [token, contextFile, ...args])));
    const byCli = CHECKS.map(runCli);

    // Then
    expect(byServer).toEqual(byCli);
    expect(byServer.map((outcome) => outcome.code)).toEqual([0, 1, 0, 1, 0, 0, 1, 2]);
    expect(byServer[3]?.message).toContain('An error occurred (403) when calling the HeadObject operation');
    expect(byServer[3]?.records.trim().split('\n')).toHaveLength(2);
    expect(byServer[6]?.message).toContain(
      'An error occurred (AccessDenied) when calling the ListObjectsV2 operation',
    );
  });

  it('Given the check server, When a request carries a wrong token, Then it is refused with status 2 and nothing is decided', async () => {
    // Given
    const { port, token } = server();
    const absentContext = join(scratch, 'absent-context.json');

    // When
    const wrong = await ask(port, [`${token.slice(1)}x`, contextFile, 'upload', 'notes-bucket', 'a.txt']);
    const empty = await ask(port, ['', contextFile, 'upload', 'notes-bucket', 'a.txt']);
    const refusedBeforeReading = await ask(port, ['nope', absentContext, 'upload', 'notes-bucket', 'a.txt']);
    const readWithToken = await ask(port, [token, absentContext, 'upload', 'notes-bucket', 'a.txt']);

    // Then
    for (const refused of [wrong, empty, refusedBeforeReading]) {
      expect(refused).toEqual({
        code: 2,
        records: '',
        message: 'aws (stand-in): the IAM check server refused a wrong token\n',
      });
    }
    expect(readWithToken.code).toBe(2);
    expect(readWithToken.message).toContain('ENOENT');
  });

  it('Given the stand-in CLI, When it runs the same calls with the check server and with a node start per check, kept decisions or not, Then the records, output and exit statuses are the same', () => {
    // Given
    const { port, token } = server();
    const viaServer = { FAKE_AWS_AUTHORIZER_PORT: String(port), FAKE_AWS_AUTHORIZER_TOKEN: token };
    const cache = () => ({ FAKE_AWS_DECISION_CACHE: join(scratch, `decisions-${runs++}`) });

    // When
    const byNode = runStandIn({});
    const byServer = runStandIn(viaServer);
    const byNodeCached = runStandIn(cache());
    const byServerCached = runStandIn({ ...viaServer, ...cache() });

    // Then
    expect(byServer).toEqual(byNode);
    expect(byNodeCached).toEqual(byNode);
    expect(byServerCached).toEqual(byNode);
    expect(byNode.results.map((result) => result.status)).toEqual([
      0, 1, 0, 1, 1, 0, 254, 0, 1, 0, 1, 1, 0, 254,
    ]);
    expect(byNode.results[4]?.stderr).toContain(
      'An error occurred (404) when calling the HeadObject operation',
    );
    expect(byNode.records.trim().split('\n')).toHaveLength(22);
  });

  it('Given a check server port nobody listens on, When the stand-in CLI copies or lists, Then it fails with status 1 and a message naming the port', async () => {
    // Given
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise((resolve) => probe.close(resolve));

    // When
    const env = { FAKE_AWS_AUTHORIZER_PORT: String(port), FAKE_AWS_AUTHORIZER_TOKEN: 'unused' };
    const uncached = runStandIn(env, [CALLS[0] ?? [], list('listed-bucket', '')]);
    const cached = runStandIn({ ...env, FAKE_AWS_DECISION_CACHE: join(scratch, `decisions-${runs++}`) }, [
      CALLS[0] ?? [],
    ]);

    // Then
    for (const result of [...uncached.results, ...cached.results]) {
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `aws (stand-in): the IAM check server at 127.0.0.1:${port} cannot be reached\n`,
      );
    }
    expect(uncached.records + cached.records).toBe('');
  });

  it('Given a process that started the check server, When that process is killed, Then the server exits within a few seconds', async () => {
    // Given
    const parent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        [
          "const { authorizerServer } = await import('./simulation/fake-aws/authorizer-server.ts');",
          'console.log(authorizerServer()?.port);',
          'setInterval(() => {}, 1000);',
        ].join('\n'),
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(parent);
    const port = await new Promise<number>((resolve) =>
      parent.stdout?.once('data', (chunk) => resolve(Number(String(chunk)))),
    );
    expect(port).toBeGreaterThan(0);
    const [serverPid] = serversOf(parent.pid ?? -1);
    expect(serverPid).toBeDefined();
    expect(gone(serverPid ?? -1)).toBe(false);
    const portFile = readFileSync(`/proc/${serverPid}/cmdline`, 'utf8').split('\0').at(-2) ?? '';
    expect(existsSync(portFile)).toBe(true);

    // When
    parent.kill('SIGKILL');

    // Then
    expect(await eventually(() => gone(serverPid ?? -1), 5_000)).toBe(true);
    // The killed parent could not remove the port file's directory: the server did.
    expect(await eventually(() => !existsSync(dirname(portFile)), 1_000)).toBe(true);
  });
});
