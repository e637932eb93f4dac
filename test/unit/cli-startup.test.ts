/**
 * The operator's command-line tools as an operator starts them (`node --import tsx bin/<tool>.ts`, what
 * `npx tsx` runs), in a child process with no AWS setting at all: --help prints the usage and nothing on stderr (no AWS SDK
 * warning: on Node.js before 22 the SDK warns as soon as a client is built), and a missing Region or
 * missing credentials are reported naming the option that gives them, before any AWS call. The
 * developer tools (chaos, bench) answer --help and bad options the same way, before their campaign
 * or benchmark loads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { USAGE as APPROVALS_USAGE } from '../../bin/approvals/arguments.js';
import { createApprovalsCommand } from '../../bin/approvals/command.js';
import { USAGE as BENCH_USAGE, DEFAULT_FAULT_RUNS, parseBenchArguments } from '../../bin/bench-options.js';
import { USAGE as CHAOS_USAGE, parseChaosArguments } from '../../bin/chaos-options.js';
import { USAGE as NOTEBOOK_USAGE } from '../../bin/restore-notebook/arguments.js';
import { USAGE as RESOURCE_USAGE } from '../../bin/restore-resource/arguments.js';

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));
const NOTEBOOK_SNAPSHOT =
  's3://backups-111122223333-eu-west-1/roles/AROAEXAMPLE:SageMaker/Research-Notebook/20261123T090000Z-run-1';
const RESOURCE_SNAPSHOT =
  's3://snapshots-111122223333-eu-west-1/resources/111122223333/eu-west-1/monitoring-schedule/nightly/20261123T090000Z-run-1/snapshot.json';
const SPAWN_TIMEOUT_MS = 60_000;

const configDirectories: string[] = [];
afterAll(() => {
  for (const directory of configDirectories) rmSync(directory, { recursive: true, force: true });
});

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of an operator with nothing of AWS configured: no AWS_* variable (the test setup's
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED among them), config and credentials files of the
 * test's own, and the EC2 instance metadata off (the SDK's last source of a Region and credentials),
 * so that nothing is looked up on the network.
 */
function operatorEnvironment(config = ''): NodeJS.ProcessEnv {
  const directory = mkdtempSync(join(tmpdir(), 'cli-startup-'));
  configDirectories.push(directory);
  const configFile = join(directory, 'config');
  const credentialsFile = join(directory, 'credentials');
  writeFileSync(configFile, config);
  writeFileSync(credentialsFile, '');
  const environment = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')),
  );
  return {
    ...environment,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function runTool(
  tool: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = operatorEnvironment(),
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    // `node --import tsx` rather than `npx tsx`: the same program in one process (npx and the tsx CLI
    // start two more), a third of the time.
    const child = spawn(process.execPath, ['--import', 'tsx', `bin/${tool}.ts`, ...args], {
      cwd: REPOSITORY,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: SPAWN_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the operator tools started from the command line', () => {
  it.concurrent.each([
    ['restore-notebook', NOTEBOOK_USAGE],
    ['restore-resource', RESOURCE_USAGE],
    ['approvals', APPROVALS_USAGE],
  ])(
    'Given nothing of AWS configured, When %s runs with --help, Then it prints its usage, nothing on stderr, and exits 0',
    async (tool, usage) => {
      const finished = await runTool(tool, ['--help']);

      expect(finished).toEqual({ code: 0, stdout: `${usage}\n`, stderr: '' });
    },
  );

  it.concurrent.each([
    [
      'restore-notebook',
      ['--snapshot', NOTEBOOK_SNAPSHOT],
      "error: no Region: pass --region <region>, the notebook's Region (or set AWS_REGION)\nRun with --help for the options.\n",
    ],
    [
      'restore-resource',
      ['--snapshot', RESOURCE_SNAPSHOT],
      "error: no Region: pass --region eu-west-1, the resource's Region (or set AWS_REGION)\nRun with --help for the options.\n",
    ],
  ])(
    'Given no Region configured, When %s runs without --region, Then it exits 2 naming --region, with no other output',
    async (tool, args, stderr) => {
      const finished = await runTool(tool, args);

      expect(finished).toEqual({ code: 2, stdout: '', stderr });
    },
  );

  it('Given a profile whose config names a Region but no credentials, When restore-notebook runs, Then it takes that Region and stops at the credentials naming AWS_PROFILE', async () => {
    const env = {
      ...operatorEnvironment('[profile operator]\nregion = eu-west-1\n'),
      AWS_PROFILE: 'operator',
    };

    const finished = await runTool('restore-notebook', ['--snapshot', NOTEBOOK_SNAPSHOT], env);

    expect(finished.code).toBe(1);
    expect(finished.stdout).toBe('');
    // Only this line is ours: on Node.js before 22 the SDK adds its warning, the run having built its clients.
    const lines = finished.stderr.split('\n');
    expect(lines).toContain(
      'error: no AWS credentials (Could not load credentials from any providers): set AWS_PROFILE to a profile of your AWS configuration, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for a role with the restore permissions (docs/restore.md)',
    );
    expect(lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  });
});

describe('approvals without a Region or credentials', () => {
  const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
    name: 'CredentialsProviderError',
  });
  const TABLE = ['--table', 'SageMakerRemediation-ApprovalTable-1A2B3C'];

  async function approvals(
    args: readonly string[],
  ): Promise<{ code: number; errors: string[]; calls: number }> {
    const errors: string[] = [];
    let calls = 0;
    const fail = () => {
      calls += 1;
      return Promise.reject(noCredentials);
    };
    const command = createApprovalsCommand({
      dynamodb: { send: fail },
      sfn: { send: fail },
      identity: fail,
      now: () => new Date('2026-11-23T09:00:00Z'),
      print: () => {},
      printError: (line) => errors.push(line),
    });
    const code = await command.run(args);
    return { code, errors, calls };
  }

  it('Given no --region, When list-pending runs, Then it exits 2 naming --region and calls nothing', async () => {
    expect(await approvals(['list-pending', ...TABLE])).toEqual({
      code: 2,
      errors: ["error: --region is required: the deployment's region", 'Run with --help for the usage.'],
      calls: 0,
    });
  });

  it('Given no --profile, When list-pending finds no credentials, Then it exits 1 telling to pass --profile', async () => {
    expect(await approvals(['list-pending', ...TABLE, '--region', 'eu-west-1'])).toEqual({
      code: 1,
      errors: [
        'error: no AWS credentials (Could not load credentials from any providers): pass --profile <name>, a profile of your AWS configuration (or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      ],
      calls: 1,
    });
  });

  it('Given a --profile that gives no credentials, When list-pending runs, Then it exits 1 naming that --profile', async () => {
    expect(
      await approvals(['list-pending', ...TABLE, '--region', 'eu-west-1', '--profile', 'operator']),
    ).toEqual({
      code: 1,
      errors: [
        'error: no AWS credentials (Could not load credentials from any providers): --profile operator must name a profile of your AWS configuration that gives credentials (aws configure list-profiles lists them)',
      ],
      calls: 1,
    });
  });
});

describe('the developer tools started from the command line', () => {
  const CHAOS_OPTIONS = ['--runs <n>', '--seed <n>', '--path <path>', '--workers <n>', '--log <file>'];
  const CHAOS_REPLAY_OPTIONS = ['--replay <run id>', '--json', '-h, --help'];
  const BENCH_OPTIONS = ['--fault-runs <n>', '--json', '-h, --help'];
  const helpHint = (tool: string) => `Run with --help for the usage: npm run ${tool} -- --help`;

  it.concurrent.each([
    ['chaos', CHAOS_USAGE, [...CHAOS_OPTIONS, ...CHAOS_REPLAY_OPTIONS]],
    ['bench', BENCH_USAGE, BENCH_OPTIONS],
  ])(
    'Given --help, When %s runs, Then it prints its usage listing every option and the exit statuses, nothing on stderr, and exits 0',
    async (tool, usage, options) => {
      const finished = await runTool(tool, ['--help']);

      expect(finished).toEqual({ code: 0, stdout: `${usage}\n`, stderr: '' });
      for (const option of options) expect(usage).toContain(`\n  ${option}  `);
      expect(usage).toContain('2 bad options (nothing run)');
    },
  );

  it.concurrent.each([['chaos'], ['bench']])(
    'Given an unknown option, When %s runs, Then it exits 2 with one error line naming it and no stack trace',
    async (tool) => {
      const finished = await runTool(tool, ['--frobnicate']);

      expect(finished).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: Unknown option '--frobnicate'\n${helpHint(tool)}\n`,
      });
    },
  );

  it.concurrent.each([
    ['chaos', ['--runs', 'abc'], '--runs'],
    ['chaos', ['--path', 'sideways'], '--path'],
    ['bench', ['--fault-runs', '-1'], '--fault-runs'],
    ['bench', ['--fault-runs', 'abc'], '--fault-runs'],
  ])(
    'Given a bad value, When %s runs with %j, Then it exits 2 with one error line naming %s and no stack trace',
    async (tool, args, option) => {
      const finished = await runTool(tool, args);

      expect(finished.code).toBe(2);
      expect(finished.stdout).toBe('');
      const [error, hint, ...rest] = finished.stderr.split('\n');
      expect(error).toMatch(/^error: /);
      expect(error).toContain(option);
      expect([hint, ...rest]).toEqual([helpHint(tool), '']);
    },
  );

  it('Given a replay of something that is not a run id, When chaos runs, Then it exits 2 naming --replay and runs nothing', async () => {
    const finished = await runTool('chaos', ['--replay', 'sideways:1:0']);

    expect(finished).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: --replay: not a run id: sideways:1:0 (expected <in-place|recreation>:<seed>:<index>)\n${helpHint('chaos')}\n`,
    });
  });
});

describe('the chaos and bench command lines', () => {
  it('Given no option or every campaign option, When chaos parses them, Then it runs that campaign', () => {
    expect(parseChaosArguments([])).toEqual({
      kind: 'campaign',
      runs: 50,
      seed: 1,
      paths: ['in-place', 'recreation'],
      workers: 1,
      json: false,
    });
    expect(
      parseChaosArguments([
        '--runs=3',
        '--seed',
        '7',
        '--path',
        'recreation',
        '--workers',
        '2',
        '--log',
        'runs.jsonl',
        '--json',
      ]),
    ).toEqual({
      kind: 'campaign',
      runs: 3,
      seed: 7,
      paths: ['recreation'],
      workers: 2,
      log: 'runs.jsonl',
      json: true,
    });
  });

  it('Given a run id, When chaos parses --replay, Then it replays that run', () => {
    expect(parseChaosArguments(['--replay', 'in-place:7:0', '--json'])).toEqual({
      kind: 'replay',
      runId: 'in-place:7:0',
      json: true,
    });
    expect(parseChaosArguments(['--runs', '3', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    ['a runs count that is not a number', ['--runs', 'abc'], '--runs must be a whole number, got abc'],
    ['a runs count in exponent form', ['--runs', '1e3'], '--runs must be a whole number, got 1e3'],
    ['a seed with a fraction', ['--seed', '1.5'], '--seed must be a whole number, got 1.5'],
    ['a negative seed', ['--seed=-1'], '--seed must be a whole number, got -1'],
    ['a workers count that is not a number', ['--workers', 'x'], '--workers must be a whole number, got x'],
    ['an unknown path', ['--path', 'sideways'], '--path must be in-place, recreation or both, got sideways'],
    ['an option given twice', ['--runs', '5', '--runs', '6'], '--runs is given twice'],
    ['an empty log file name', ['--log', ''], '--log needs a file name'],
    [
      'a campaign option with a replay',
      ['--replay', 'in-place:7:0', '--log', 'runs.jsonl'],
      '--log is for a campaign, not --replay: the run id gives the path, seed and index',
    ],
    ['an option without its value', ['--runs'], "Option '--runs <value>' argument missing"],
    [
      'a stray argument',
      ['stray'],
      "Unexpected argument 'stray'. This command does not take positional arguments",
    ],
  ])('Given %s, When chaos parses it, Then it is a usage error naming the option', (_, args, message) => {
    expect(parseChaosArguments(args)).toEqual({ kind: 'usage-error', message });
  });

  it('Given no option or both options, When bench parses them, Then it runs the bench with those', () => {
    expect(parseBenchArguments([])).toEqual({ kind: 'bench', json: false, faultRuns: DEFAULT_FAULT_RUNS });
    expect(parseBenchArguments(['--fault-runs', '0', '--json'])).toEqual({
      kind: 'bench',
      json: true,
      faultRuns: 0,
    });
    expect(parseBenchArguments(['--json', '--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    ['a negative fault runs count', ['--fault-runs=-1'], '--fault-runs must be a whole number, got -1'],
    [
      'a fault runs count that is not a number',
      ['--fault-runs', 'x'],
      '--fault-runs must be a whole number, got x',
    ],
    ['an option given twice', ['--json', '--json'], '--json is given twice'],
  ])('Given %s, When bench parses it, Then it is a usage error naming the option', (_, args, message) => {
    expect(parseBenchArguments(args)).toEqual({ kind: 'usage-error', message });
  });

  it('Given a value that starts with a dash, When bench parses it, Then the error of node:util is one line naming the option', () => {
    const parsed = parseBenchArguments(['--fault-runs', '-1']);

    expect(parsed.kind).toBe('usage-error');
    const message = parsed.kind === 'usage-error' ? parsed.message : '';
    expect(message).toContain("'--fault-runs'");
    expect(message).not.toContain('\n');
  });
});
