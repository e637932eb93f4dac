import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo (the README’s first command)', () => {
  it('remediates SageMaker.3 in place and recreates the exposed notebook after approval, exit code 0', () => {
    // When the demo script runs as `npm run demo` runs it
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'bin/demo.ts'], { encoding: 'utf8' });
    // Then the timeline and the final state are printed
    expect(output).toContain(
      'execution-0001  SageMaker.3 on research-notebook: SUCCEEDED  (19 state transitions',
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
    expect(output).not.toContain('UNEXPECTED');
    // And every call was authorized against the deployed policies, none refused
    expect(output).toMatch(/IAM: \d+ calls authorized against the deployed policies, 0 denied\./);
  });
});
