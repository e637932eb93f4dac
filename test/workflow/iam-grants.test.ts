/**
 * Every grant the stack makes is used by some scenario, or has a written reason why none can use it:
 * the suite of simulation/scenarios/iam-coverage.ts runs once, every call authorized against the
 * deployed template, and simulation/iam/grant-usage.ts compares the decisions with the grants.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseIam, type IamAnalysis } from '../../simulation/iam/iam-figures.js';
import { UNUSED_GRANT_REASONS } from '../../simulation/iam/unused-grant-reasons.js';
import { type IamCoverageRun, runIamCoverageSuite } from '../../simulation/scenarios/iam-coverage.js';

let run: IamCoverageRun;
let analysis: IamAnalysis;

beforeAll(async () => {
  run = await runIamCoverageSuite();
  analysis = analyseIam(run.deployments, run.deniedCalls);
}, 180_000);

const lines = (items: readonly string[]) => `\n  ${items.join('\n  ')}`;

describe('the grants of the deployed template, against every scenario of the IAM coverage suite', () => {
  it('Given every scenario of the suite, When each runs in its own deployment, Then no call is refused', () => {
    expect(run.scenarios.length).toBeGreaterThanOrEqual(19);
    expect(run.deniedCalls, `refused calls:${lines(run.deniedCalls)}`).toEqual([]);
  });

  it('Given the grants of every deployed template, When compared with the decisions, Then every grant no scenario used has a written reason', () => {
    expect(
      analysis.unexplained,
      `unused grants without a reason (add a scenario, or a reason to simulation/iam/unused-grant-reasons.ts):${lines(analysis.unexplained)}`,
    ).toEqual([]);
    // The suite reaches the stack's own grants: only service- and deploy-time grants are left unused
    expect(analysis.usage.used.length).toBeGreaterThan(analysis.usage.unused.length);
  });

  it('Given the written reasons, When checked against the grants, Then each names a grant that exists and that no scenario used', () => {
    const stale = analysis.reasoned.stale.map(
      ({ reason, problem }) =>
        `${reason.principal} ${reason.statement ?? '*'} ${reason.action ?? '*'}: ${problem}`,
    );
    expect(stale, `stale reasons:${lines(stale)}`).toEqual([]);
    // A reason says why, specifically: not a placeholder
    const vague = UNUSED_GRANT_REASONS.filter((reason) => reason.reason.length < 60).map(
      (reason) => reason.principal,
    );
    expect(vague).toEqual([]);
  });
});
