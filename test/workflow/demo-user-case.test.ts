import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoInThisProcess } from './demo-fixtures.js';

/** `npm run demo -- <args>` in a process of its own, as npm runs it: its exit status and both outputs. */
function demo(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/demo.ts', ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run demo with your own finding and notebook', () => {
  it('a SageMaker.3 finding exported from the console and the notebook described by the CLI end RESOLVED, RootAccess Disabled', async () => {
    // Given a finding of account 210987654321 in eu-central-1 and its notebook's DescribeNotebookInstance output
    // When the demo runs them against the simulated account with cdk.json's configuration
    const run = await demoInThisProcess(
      '--finding',
      'test/fixtures/demo/finding.json',
      '--notebook',
      'test/fixtures/demo/notebook.json',
    );
    // Then it says the case was moved to the simulated account, expects RESOLVED and gets it
    expect(run.stdout).toContain(
      'Your case is of account 210987654321, Region eu-central-1: rewritten to the simulated account 111122223333, Region eu-west-1 (ARNs and ids too).',
    );
    expect(run.stdout).toContain(
      'SageMaker.3 Team-Analysis: your finding: Users should not have root access to SageMaker notebook instances; expected RESOLVED',
    );
    // And the timeline shows each step with its result: each first wait is SageMaker's shortest time,
    // the looks every 10 s after it see the status SageMaker reached
    expect(run.stdout).toMatch(
      /T\+00:01 {2}SageMaker\.3 Team-Analysis {2}StopNotebookInHomeRegion → Stopping\n/,
    );
    expect(run.stdout).toMatch(
      /T\+00:46 {2}SageMaker\.3 Team-Analysis {2}WaitForNotebookToStop → Stopping after 0:45\nT\+01:06 {2}SageMaker\.3 Team-Analysis {2}WaitBeforeCheckingAgain → Stopped after 0:20\n/,
    );
    expect(run.stdout).toMatch(
      /T\+04:11 {2}SageMaker\.3 Team-Analysis {2}WaitForNotebookToStart → Pending after 2:00\nT\+05:11 {2}SageMaker\.3 Team-Analysis {2}WaitBeforeCheckingAgain → InService after 1:00\n/,
    );
    // And the notebook is back InService with root access disabled, its other settings as described
    expect(run.stdout).toContain(
      'Team-Analysis  InService  RootAccess Disabled  DirectInternetAccess Disabled  Subnet subnet-0f1e2d3c4b5a69788  KmsKeyId arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d  Lifecycle team-setup',
    );
    expect(run.stdout).toContain('SageMaker.3 Team-Analysis: RESOLVED\n');
    expect(run.stdout).toContain(
      'Team-Analysis: passes SageMaker.3 now, InService as before. SageMaker.3 Team-Analysis RESOLVED.',
    );
    expect(run.stdout).toMatch(
      /IAM: \d+ calls authorized against the deployed policies \(1 accounts, 1 account Regions\), 0 denied\./,
    );
    expect(run.stdout).not.toContain('UNEXPECTED');
    // And progress went to stderr, not into the report
    expect(run.stderr).toContain('demo: 1 finding imported, running in simulated time');
    expect(run.status).toBe(0);
  });

  it('--help lists the scenarios and exits 0; a bad option or file exits 2 naming it, running nothing', () => {
    const help = demo('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: npm run demo -- [options]');
    expect(help.stdout).toMatch(/\n {2}root-access +SageMaker\.3 on a running notebook/);
    expect(help.stderr).toBe('');

    const misspelt = demo('--scenario', 'root-access', '--notebok', 'nb.json');
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr).toContain("Unknown option '--notebok'");
    expect(misspelt.stdout).toBe('');

    const missing = demo('--finding', 'test/fixtures/demo/no-such-finding.json');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--finding test/fixtures/demo/no-such-finding.json: no such file');
    expect(missing.stderr).not.toContain('demo: loading the simulation');
    expect(missing.stdout).toBe('');
  });
});
