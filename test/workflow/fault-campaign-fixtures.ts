/**
 * The fault campaign as a test: a fixed seed, at least 200 runs of one path, every run safe. A failure
 * lists each unsafe run with its id (replay it: `npm run chaos -- --replay <id>`), its plan and why.
 */
import { expect } from 'vitest';
import { type FaultCounts, runCampaign } from '../../simulation/chaos/campaign.js';
import { CAMPAIGN_SEED, type ChaosPath } from '../../simulation/chaos/plan.js';

export const RUNS_PER_PATH = 200;

const allSafe = (runs: number): FaultCounts => ({
  runs,
  safe: runs,
  unsafe: 0,
  dataLost: 0,
  leftStopped: 0,
  lockLeaks: 0,
  stuck: 0,
});

/**
 * Runs the path's campaign and expects every counter at 0, for transient faults and in all. In this
 * process: the suite's other worker keeps the second core busy, and child processes would each load the
 * simulation and warm its caches again (about a sixth more CPU for the same runs). The child-process
 * path has its own test (fault-campaign-workers.test.ts).
 */
export async function expectEveryRunSafe(path: ChaosPath): Promise<void> {
  const summary = await runCampaign({
    seed: CAMPAIGN_SEED,
    runs: RUNS_PER_PATH,
    paths: [path],
  });
  const result = summary.paths[path];
  if (!result) throw new Error(`the campaign ran no ${path} runs`);
  const transientRuns = result.transient.runs;
  expect({
    transient: result.transient,
    all: result.counts,
    deniedCalls: result.deniedCalls,
    unsafeRuns: result.unsafeRuns.map((run) => `${run.id} (${run.plan}): ${run.reasons.join('; ')}`),
  }).toEqual({
    transient: allSafe(transientRuns),
    all: allSafe(RUNS_PER_PATH),
    deniedCalls: 0,
    unsafeRuns: [],
  });
}
