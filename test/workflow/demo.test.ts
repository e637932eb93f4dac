import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoInThisProcess } from './demo-fixtures.js';

describe('npm run demo (the README’s first command)', () => {
  it('remediates SageMaker.3 in place and recreates the exposed notebook after approval, exit code 0', () => {
    // When the demo script runs as `npm run demo` runs it
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/demo.ts'], { encoding: 'utf8' });
    const output = run.stdout;
    // Then the timeline and the final state are printed (each execution named after its finding event)
    // (19 transitions, and a Choice before each of the 6 member Tasks: the demo acts in a linked Region too)
    expect(output).toMatch(
      /\nfinding-[0-9a-f]{40} {2}SageMaker\.3 research-notebook: RESOLVED {2}\(90 state transitions/,
    );
    // And each step of the timeline says its result: the first wait (SageMaker's shortest stop) sees it
    // still Stopping, the looks every 10 s see it Stopped
    expect(output).toMatch(
      /\nT\+00:01 {2}SageMaker\.3 research-notebook +StopNotebookInHomeRegion → Stopping\n/,
    );
    expect(output).toMatch(
      /\nT\+00:46 {2}SageMaker\.3 research-notebook +WaitForNotebookToStop → Stopping after 0:45\n/,
    );
    expect(output).toMatch(
      /\nT\+01:06 {2}SageMaker\.3 research-notebook +WaitBeforeCheckingAgain → Stopped after 0:20\n/,
    );
    expect(output).toMatch(/research-notebook\s+InService\s+RootAccess Disabled/);
    expect(output).toContain('SageMaker.3 research-notebook: RESOLVED\n');
    expect(output).toContain('SageMaker.3 research-notebook (legacy): NOTIFIED: already in progress\n');
    expect(output).toContain('SageMaker.3 shared-gpu-notebook: NOTIFIED: exempt\n');
    expect(output).toContain('[SKIPPED_EXEMPT] SageMaker.3 skipped (exempt): shared-gpu-notebook');
    expect(output).toContain('the duplicate finding caused no second stop/start cycle');
    // And the recreation: root access fixed at once, one plan, approved (the click before the wait it
    // ends), recreated with data, tags and lifecycle config
    expect(output).toMatch(
      /\nT\+20:00 {2}SageMaker\.1 exposed-notebook +A security engineer picks "Approve remediation"\nT\+20:00 {2}SageMaker\.1 exposed-notebook +WaitForApproval → approve after 19:59\n/,
    );
    expect(output).toMatch(
      /exposed-notebook\s+InService\s+RootAccess Disabled\s+DirectInternetAccess Disabled\s+Subnet subnet-[0-9a-f]{17}\s+Lifecycle install-packages/,
    );
    expect(output).toContain(
      'exposed-notebook data: churn-model.ipynb, data/customers.csv, results/metrics.json',
    );
    expect(output).toContain(
      'SageMaker.1 exposed-notebook RESOLVED, SageMaker.2 exposed-notebook RESOLVED, SageMaker.3 exposed-notebook RESOLVED.',
    );
    // And a Map's inner Pass is no step of the timeline
    expect(output).not.toContain('PlanFindingsIdentifier');
    // And the monitoring schedule (SageMaker.14 and .22): one plan, approved, updated in place
    expect(output).toMatch(
      /\nT\+25:00 {2}SageMaker\.14 churn-data-quality +A security engineer picks "Approve remediation"\n/,
    );
    expect(output).toMatch(
      /churn-data-quality\s+Scheduled\s+EnableNetworkIsolation true EnableInterContainerTrafficEncryption true/,
    );
    expect(output).toContain('SageMaker.14 churn-data-quality: RESOLVED\n');
    expect(output).toContain('SageMaker.22 churn-data-quality: RESOLVED\n');
    // And the data quality job definition (SageMaker.11 and .9): recreated, its schedule moved to it
    expect(output).toMatch(
      /churn-drift-hourly\s+runs churn-drift-checks-fx[0-9a-f]{8}: EnableNetworkIsolation true EnableInterContainerTrafficEncryption true; churn-drift-checks deleted/,
    );
    expect(output).toContain('SageMaker.11 churn-drift-checks: RESOLVED\n');
    // And the endpoint (SageMaker.4): a new configuration of two instances, the endpoint updated to it
    expect(output).toMatch(
      /churn-endpoint\s+InService\s+runs churn-serving-fx[0-9a-f]{8} on 2 instances; churn-serving deleted/,
    );
    expect(output).toContain('SageMaker.4 churn-serving: RESOLVED\n');
    // And one resource for each remaining strategy: tags at once, a model replaced, an experiment's key
    expect(output).toContain('team-pytorch-image: the required tags owner=ml-platform added at once');
    expect(output).toMatch(
      /churn-model-endpoint\s+InService\s+serves churn-model-fx[0-9a-f]{8}: EnableNetworkIsolation true/,
    );
    expect(output).toContain(
      'churn-shadow-test: approved, snapshotted, UpdateInferenceExperiment with the configured data-capture key',
    );
    // And the organization: a member account's notebooks fixed through its member role, in the home
    // Region by Step Functions itself (no Lambda after planning) and in a linked Region through the
    // member-api-call function; an OCSF finding
    expect(output).toMatch(
      /\nfinding-[0-9a-f]{40} {2}SageMaker\.3 finance-notebook: RESOLVED {2}\(90 state transitions, 1 Lambda invocations\)/,
    );
    expect(output).toMatch(/finance-notebook\s+\(444455556666 eu-west-1\) InService\s+RootAccess Disabled/);
    expect(output).toContain(
      'finance-notebook (member account 444455556666): fixed through the member role there, InService again. SageMaker.3 finance-notebook RESOLVED.',
    );
    expect(output).toMatch(
      /\nfinding-[0-9a-f]{40} {2}SageMaker\.3 pricing-notebook: RESOLVED {2}\(90 state transitions, 20 Lambda invocations\)/,
    );
    expect(output).toContain(
      'pricing-notebook (member account 444455556666, linked Region us-east-1): fixed through the member role there, InService again. SageMaker.3 pricing-notebook RESOLVED.',
    );
    expect(output).toMatch(/\nfinding-[0-9a-f]{40} {2}SageMaker\.3 forecast-notebook \(OCSF\): RESOLVED/);
    expect(output).toContain(
      'forecast-notebook: the OCSF finding (Findings Imported V2) fixed in place, left Stopped as it was; written back with BatchUpdateFindingsV2, status_id 4 (Resolved).',
    );
    expect(output).not.toContain('UNEXPECTED');
    // And every call, in both accounts, was authorized against the deployed policies, none refused
    expect(output).toMatch(
      /IAM: \d+ calls authorized against the deployed policies \(2 accounts, 3 account Regions\), 0 denied\./,
    );
    // And the progress went to stderr, the report to stdout; every outcome as expected
    expect(run.stderr).toMatch(/^demo: loading the simulation\n/);
    expect(run.stderr).toContain('demo: 17 findings imported, running in simulated time\n');
    expect(run.status).toBe(0);
  });

  it('--scenario runs that scenario alone', async () => {
    // When only the OCSF scenario runs (in this process: the run above proved the command's process)
    const run = await demoInThisProcess('--scenario', 'ocsf');
    // Then its finding is the only one imported, and it ends as the configuration gives
    expect(run.stdout).toMatch(
      /\(T\+00:00\), and the outcome this configuration should give\n-+\nSageMaker\.3 forecast-notebook \(OCSF\): root access, an OCSF finding of the new Security Hub; expected RESOLVED\n\n/,
    );
    expect(run.stdout.match(/\nfinding-[0-9a-f]{40} {2}/g)).toHaveLength(1);
    expect(run.stdout).toContain('SageMaker.3 forecast-notebook (OCSF): RESOLVED\n');
    expect(run.status).toBe(0);
  });
});
