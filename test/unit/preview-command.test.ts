/**
 * The preview's refusals before it reads anything: bad arguments and a configuration that cannot be
 * loaded end with exit status 2, each naming what to fix, and no AWS client is ever made.
 */
import { describe, expect, it } from 'vitest';
import { createPreviewCommand } from '../../bin/preview/command.js';

async function whenRun(args: readonly string[], files: Readonly<Record<string, string>> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let clientsMade = 0;
  const command = createPreviewCommand({
    clients: () => {
      clientsMade += 1;
      throw new Error('no client may be made');
    },
    readText: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
  });
  const exitCode = await command.run(args);
  return { exitCode, out, err, clientsMade };
}

describe('the preview before it reads the account', () => {
  it('Given an unknown option, When run, Then it names the option, exits 2 and makes no client', async () => {
    // When
    const run = await whenRun(['--region', 'eu-west-1', '--acount', '111122223333']);

    // Then
    expect(run.exitCode).toBe(2);
    expect(run.err[0]).toMatch(/^error: Unknown option '--acount'/);
    expect(run.err.at(-1)).toBe('Run with --help for the options.');
    expect(run.clientsMade).toBe(0);
  });

  it('Given a configuration file that does not exist, When run, Then it names --config and the file, exits 2 and makes no client', async () => {
    // When
    const run = await whenRun(['--region', 'eu-west-1', '--config', 'missing/cdk.json']);

    // Then
    expect(run.exitCode).toBe(2);
    expect(run.err).toEqual([
      "error: --config missing/cdk.json: cannot read it (ENOENT: no such file or directory, open 'missing/cdk.json')",
    ]);
    expect(run.clientsMade).toBe(0);
  });

  it('Given a configuration the stack would refuse, When run, Then every problem is listed as synth lists it, and it exits 2', async () => {
    // Given
    const cdkJson = JSON.stringify({
      context: { remediation: { modes: { 'SageMaker.3': 'approval' }, dryRun: 'yes' } },
    });

    // When
    const run = await whenRun(['--region', 'eu-west-1'], { './cdk.json': cdkJson });

    // Then
    expect(run.exitCode).toBe(2);
    expect(run.err).toEqual([
      'error: --config ./cdk.json: Invalid remediation configuration:',
      "error: - modes.SageMaker.3: 'approval' is not allowed; SageMaker.3 supports auto, notify, off",
      'error: - dryRun: Invalid input: expected boolean, received string',
    ]);
    expect(run.clientsMade).toBe(0);
  });

  it('Given --help, When run, Then the usage is printed on stdout and it exits 0', async () => {
    // When
    const run = await whenRun(['--help']);

    // Then
    expect(run.exitCode).toBe(0);
    expect(run.out[0]?.split('\n')[0]).toBe(
      'Usage: npx tsx bin/preview.ts --region <region> [options]   (or: npm run preview -- --region <region>)',
    );
    expect(run.err).toEqual([]);
    expect(run.clientsMade).toBe(0);
  });

  it('Given no AWS credentials, When run, Then it says to give --profile, exits 1 and prints no report', async () => {
    // Given
    const out: string[] = [];
    const err: string[] = [];
    const command = createPreviewCommand({
      clients: () => ({
        sagemaker: { send: async () => ({}) },
        accountId: async () => {
          throw Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          });
        },
      }),
      readText: () => '{}',
      print: (line) => out.push(line),
      printError: (line) => err.push(line),
    });

    // When
    const exitCode = await command.run(['--region', 'eu-west-1']);

    // Then
    expect(exitCode).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'error: CredentialsProviderError: Could not load credentials from any providers',
      "No AWS credentials: give --profile <name>, or set up the AWS SDK's credentials. Nothing was changed.",
    ]);
  });
});
