/**
 * The campaign's child processes (`npm run chaos -- --workers N`, and the bench's fault campaign): the
 * same seeded runs give the same results as in this process. The suite's 200-run campaigns run in this
 * process, so this is the test of the workers' path.
 */
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../simulation/chaos/campaign.js';
import { CAMPAIGN_SEED } from '../../simulation/chaos/plan.js';
import type { RunResult } from '../../simulation/chaos/run.js';

const RUNS = 4;

/** A run's result but its real time, which no two runs share. */
function withoutTime({ realMs: _realMs, ...result }: RunResult): Omit<RunResult, 'realMs'> {
  return result;
}

async function campaign(workers: number) {
  const finished: RunResult[] = [];
  const summary = await runCampaign({
    seed: CAMPAIGN_SEED,
    runs: RUNS,
    paths: ['in-place'],
    workers,
    onRun: (result) => finished.push(result),
  });
  const { realMsPerRun: _realMsPerRun, ...path } = summary.paths['in-place'] ?? {};
  const byId = finished.map(withoutTime).sort((a, b) => a.plan.id.localeCompare(b.plan.id));
  return { total: summary.total, path, runs: byId };
}

describe('fault campaign in worker processes', () => {
  it('Given the same seed, When the campaign runs in 2 child processes and then in this one, Then every run has the same plan, facts, outcome, calls and trail, and the counts are the same', async () => {
    const [inWorkers, here] = [await campaign(2), await campaign(1)];

    expect(inWorkers.runs.map((run) => run.plan.id)).toEqual(
      Array.from({ length: RUNS }, (_, index) => `in-place:${CAMPAIGN_SEED}:${index}`),
    );
    expect(inWorkers.total.runs).toBe(RUNS);
    expect(inWorkers).toEqual(here);
  }, 120_000);
});
