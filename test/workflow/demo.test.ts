import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo (the README’s first command)', () => {
  it('remediates SageMaker.3 in place and recreates the exposed notebook after approval, exit code 0', () => {
    // When the demo script runs as `npm run demo` runs it
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'bin/demo.ts'], { encoding: 'utf8' });
    // Then the timeline and the final state are printed (each execution named after its finding event)
    // (19 transitions, and a Choice before each of the 6 member Tasks: the demo acts in a linked Region too)
    expect(output).toMatch(
      /\nfinding-[0-9a-f]{40} {2}SageMaker\.3 on research-notebook: SUCCEEDED {2}\(25 state transitions/,
    );
    expect(output).toMatch(/research-notebook\s+InService\s+RootAccess Disabled/);
    expect(output).toContain('SageMaker.3 research-notebook (consolidated): RESOLVED');
    expect(output).toContain('[SKIPPED_EXEMPT] SageMaker.3 skipped (exempt): shared-gpu-notebook');
    expect(output).toContain('the duplicate finding caused no second stop/start cycle');
    // And the recreation: root access fixed at once, one plan, approved, recreated with data, tags and lifecycle config
    expect(output).toContain('A security engineer picks "Approve remediation"');
    expect(output).toMatch(
      /exposed-notebook\s+InService\s+RootAccess Disabled\s+DirectInternetAccess Disabled\s+Subnet subnet-[0-9a-f]{17}\s+Lifecycle install-packages/,
    );
    expect(output).toContain(
      'exposed-notebook data: churn-model.ipynb, data/customers.csv, results/metrics.json',
    );
    expect(output).toContain('all three findings RESOLVED.');
    // And the monitoring schedule (SageMaker.14 and .22): one plan, approved, updated in place
    expect(output).toContain(
      'A security engineer picks "Approve remediation" on a finding of churn-data-quality',
    );
    expect(output).toMatch(
      /churn-data-quality\s+Scheduled\s+EnableNetworkIsolation true EnableInterContainerTrafficEncryption true/,
    );
    expect(output).toContain('SageMaker.14 churn-data-quality (consolidated): RESOLVED');
    expect(output).toContain('SageMaker.22 churn-data-quality (consolidated): RESOLVED');
    // And the data quality job definition (SageMaker.11 and .9): recreated, its schedule moved to it
    expect(output).toMatch(
      /churn-drift-hourly\s+runs churn-drift-checks-fx[0-9a-f]{8}: EnableNetworkIsolation true EnableInterContainerTrafficEncryption true; churn-drift-checks deleted/,
    );
    expect(output).toContain('SageMaker.11 churn-drift-checks (consolidated): RESOLVED');
    // And the endpoint (SageMaker.4): a new configuration of two instances, the endpoint updated to it
    expect(output).toMatch(
      /churn-endpoint\s+InService\s+runs churn-serving-fx[0-9a-f]{8} on 2 instances; churn-serving deleted/,
    );
    expect(output).toContain('SageMaker.4 churn-serving (consolidated): RESOLVED');
    // And one resource for each remaining strategy: tags at once, a model replaced, an experiment's key
    expect(output).toContain('team-pytorch-image: the required tag owner=ml-platform added at once');
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
      /\nfinding-[0-9a-f]{40} {2}SageMaker\.3 on finance-notebook: SUCCEEDED {2}\(25 state transitions, 1 Lambda invocations\)/,
    );
    expect(output).toMatch(/finance-notebook\s+\(444455556666 eu-west-1\) InService\s+RootAccess Disabled/);
    expect(output).toContain(
      'finance-notebook (member account 444455556666): fixed through the member role there, InService again; its aggregated finding RESOLVED.',
    );
    expect(output).toMatch(
      /\nfinding-[0-9a-f]{40} {2}SageMaker\.3 on pricing-notebook: SUCCEEDED {2}\(25 state transitions, 7 Lambda invocations\)/,
    );
    expect(output).toContain(
      'pricing-notebook (member account 444455556666, linked Region us-east-1): fixed through the member role there, InService again; its aggregated finding RESOLVED.',
    );
    expect(output).toMatch(/\nfinding-[0-9a-f]{40} {2}SageMaker\.3 on forecast-notebook: SUCCEEDED/);
    expect(output).toContain(
      'forecast-notebook: the OCSF finding (Findings Imported V2) fixed in place, left Stopped as it was; written back with BatchUpdateFindingsV2, status_id 4 (Resolved).',
    );
    expect(output).not.toContain('UNEXPECTED');
    // And every call, in both accounts, was authorized against the deployed policies, none refused
    expect(output).toMatch(
      /IAM: \d+ calls authorized against the deployed policies \(2 accounts, 3 account Regions\), 0 denied\./,
    );
  });
});
