import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run demo (the README’s first command)', () => {
  it('remediates the sample SageMaker.3 finding and says so, exit code 0', () => {
    // When the demo script runs as `npm run demo` runs it
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'bin/demo.ts'], { encoding: 'utf8' });
    // Then the timeline and the final state are printed
    expect(output).toContain(
      'execution-0001  SageMaker.3 on research-notebook: SUCCEEDED  (18 state transitions',
    );
    expect(output).toMatch(/research-notebook\s+InService\s+RootAccess Disabled/);
    expect(output).toContain('SageMaker.3 research-notebook (consolidated): RESOLVED');
    expect(output).toContain('[SKIPPED_EXEMPT] SageMaker.3 skipped (exempt): shared-gpu-notebook');
    expect(output).toContain('the duplicate finding caused no second stop/start cycle');
  });
});
