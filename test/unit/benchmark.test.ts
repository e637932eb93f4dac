import { describe, expect, it } from 'vitest';
import { measureScenario, meetsTargets, SCENARIOS, TARGETS } from '../../bin/benchmark.js';

describe('benchmark figures (simulated time: exact, not timed)', () => {
  it('SageMaker.3 from InService meets the targets: <= 20 transitions, 1 Lambda invocation, overhead <= 1.10', async () => {
    const figures = await measureScenario(SCENARIOS.sageMaker3);
    expect(figures.stateTransitions).toBeLessThanOrEqual(20);
    expect(figures.lambdaInvocations).toBe(1);
    expect(figures.overheadRatio).toBeLessThanOrEqual(1.1);
    expect(meetsTargets(figures)).toBe(true);
    // And the targets the bench enforces are the documented ones
    expect(TARGETS).toEqual({ maxStateTransitions: 20, maxLambdaInvocations: 1, maxOverheadRatio: 1.1 });
  });

  it('a target missed is reported as missed', () => {
    const base = {
      lambdaInvocations: 1,
      apiCalls: 12,
      endToEndSeconds: 300,
      sageMakerSeconds: 300,
      costUsd: 0,
    };
    expect(meetsTargets({ ...base, stateTransitions: 21, overheadRatio: 1 })).toBe(false);
    expect(meetsTargets({ ...base, stateTransitions: 18, overheadRatio: 1.2 })).toBe(false);
  });
});
