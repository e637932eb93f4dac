/**
 * The operator's command-line tools as an operator starts them (`npx tsx bin/<tool>.ts`), in a child
 * process with no AWS setting at all: --help prints the usage and nothing on stderr (no AWS SDK
 * warning: on Node.js before 22 the SDK warns as soon as a client is built), and a missing Region or
 * missing credentials are reported naming the option that gives them, before any AWS call.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { USAGE as APPROVALS_USAGE } from '../../bin/approvals/arguments.js';
import { createApprovalsCommand } from '../../bin/approvals/command.js';
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
    const child = spawn('npx', ['tsx', `bin/${tool}.ts`, ...args], {
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
