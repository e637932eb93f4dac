/**
 * bin/preview.ts as a process, as an operator runs it: the usage text and the refusals come before any
 * SDK client exists, so they print nothing of the SDK's (its Node.js version warning among others).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function whenRun(args: readonly string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/preview.ts', ...args], {
    encoding: 'utf8',
    // No credentials or Region from the machine: nothing here may reach for them.
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the preview command line', () => {
  it('Given --help, When run, Then it prints the usage, exits 0 and prints nothing on stderr', () => {
    // When
    const run = whenRun(['--help']);

    // Then
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(
      'Usage: npx tsx bin/preview.ts --region <region> [options]   (or: npm run preview -- --region <region>)',
    );
    expect(run.stdout).toContain('  --profile <name>    the AWS profile to read with');
    expect(run.stderr).toBe('');
  });

  it('Given no --region, When run, Then it names the option, exits 2 and prints no SDK warning', () => {
    // When
    const run = whenRun([]);

    // Then
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: --region is required: the Region whose SageMaker resources to preview, e.g. --region eu-west-1\nRun with --help for the options.\n',
    );
  });
});
