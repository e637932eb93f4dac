/**
 * The downtime instrument of `npm run bench`: every combination of the spread runs, the overhead is
 * end-to-end time over SageMaker's own, and the cost counts transitions and Lambda at list price.
 * Figures are simulated time, exact and repeatable.
 */
import { describe, expect, it } from 'vitest';
import {
  combinations,
  costOf,
  measureInPlaceRun,
  overheadProblems,
  summarise,
  USD_PER_LAMBDA_GB_SECOND,
  USD_PER_LAMBDA_REQUEST,
  USD_PER_TRANSITION,
} from '../../bin/benchmark-timing-spread.js';
import { DEFAULT_TIMING } from '../../handlers/shared/runtime-settings.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';

describe('the timing spread of the bench', () => {
  it('Given three timings of two or three values, When combined, Then every combination appears once', () => {
    const all = combinations({ stopSeconds: [45, 90], updateSeconds: [15], startSeconds: [120, 240, 420] });

    expect(all).toHaveLength(6);
    expect(new Set(all.map((each) => JSON.stringify(each))).size).toBe(6);
    expect(all).toContainEqual({ stopSeconds: 90, updateSeconds: 15, startSeconds: 420 });
  });

  it('Given runs of a spread, When summarised, Then the mean and the worst run with its timings are reported', () => {
    const run = (stopSeconds: number, overheadRatio: number, stateTransitions: number) => ({
      durations: { stopSeconds },
      overheadRatio,
      stateTransitions,
      costUsd: stateTransitions * USD_PER_TRANSITION,
    });

    const summary = summarise({ stopSeconds: [45, 90, 150] }, [
      run(45, 1.3, 20),
      run(90, 1.1, 24),
      run(150, 1.05, 40),
    ]);

    expect(summary).toMatchObject({
      runs: 3,
      meanOverhead: 1.15,
      worstOverhead: 1.3,
      worstDurations: { stopSeconds: 45 },
      meanStateTransitions: 28,
      maxStateTransitions: 40,
    });
  });

  it('Given an execution of 19 transitions and 1 Lambda invocation, When costed, Then transitions, the request and a second at 256 MB are counted at list price', () => {
    const execution = {
      transitions: new Array(18).fill({}),
      retries: 1,
      lambdaInvocations: 1,
    } as unknown as ExecutionRecord;

    expect(costOf(execution)).toBe(
      Number((19 * USD_PER_TRANSITION + USD_PER_LAMBDA_REQUEST + 0.25 * USD_PER_LAMBDA_GB_SECOND).toFixed(6)),
    );
  });

  it('Given SageMaker takes exactly the default first waits, When SageMaker.3 runs, Then the overhead is within a percent', async () => {
    const { stopSeconds, updateSeconds, startSeconds } = DEFAULT_TIMING;

    const run = await measureInPlaceRun({ stopSeconds, updateSeconds, startSeconds });

    expect(run.overheadRatio).toBeGreaterThanOrEqual(1);
    expect(run.overheadRatio).toBeLessThan(1.01);
  });

  it('Given a stop 15 s shorter than the first wait, When SageMaker.3 runs, Then the overhead counts the 15 s the notebook sat stopped', async () => {
    const { stopSeconds, updateSeconds, startSeconds } = DEFAULT_TIMING;

    const exact = await measureInPlaceRun({ stopSeconds, updateSeconds, startSeconds });
    const shorter = await measureInPlaceRun({ stopSeconds: stopSeconds - 15, updateSeconds, startSeconds });

    const busy = stopSeconds - 15 + updateSeconds + startSeconds;
    const endToEnd = exact.overheadRatio * (busy + 15);
    expect(shorter.overheadRatio).toBeCloseTo(endToEnd / busy, 2);
    expect(shorter.stateTransitions).toBe(exact.stateTransitions);
  });

  it('Given spreads at, over and under the targets, When checked, Then each figure over 1.05 (mean) or 1.10 (worst) is one problem naming the spread', () => {
    expect(overheadProblems('sageMaker3.timingSpread', { meanOverhead: 1.05, worstOverhead: 1.1 })).toEqual(
      [],
    );
    expect(overheadProblems('recreate.timingSpread', { meanOverhead: 1.051, worstOverhead: 1.2 })).toEqual([
      'recreate.timingSpread: mean overhead 1.051 > 1.05',
      'recreate.timingSpread: worst overhead 1.2 > 1.1',
    ]);
    expect(overheadProblems('sageMaker3.timingSpread', { meanOverhead: 1.01, worstOverhead: 1.101 })).toEqual(
      ['sageMaker3.timingSpread: worst overhead 1.101 > 1.1'],
    );
  });
});
