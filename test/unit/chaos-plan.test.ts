/**
 * The fault campaign's plans: a run id names one plan exactly, and a campaign's plans cover every fault
 * kind of issue 7 on the paths that have it, transient within the recovery budget or persistent.
 */
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_PERSISTENT,
  ALWAYS_TRANSIENT,
  CAMPAIGN_SEED,
  campaignPlans,
  describePlan,
  FAULT_KINDS,
  type FaultKind,
  MAX_TRANSIENT_MINUTES,
  MAX_TRANSIENT_TIMES,
  parseRunId,
  planRun,
} from '../../simulation/chaos/plan.js';
import { hashSeed, seededRandom } from '../../simulation/chaos/random.js';

describe('fault plans', () => {
  it('Given a run id, When it is planned twice, Then both plans are the same, and another id plans otherwise', () => {
    expect(planRun('recreation:42:7')).toEqual(planRun('recreation:42:7'));
    expect(planRun('recreation:42:7')).not.toEqual(planRun('recreation:42:8'));
    expect(planRun('in-place:42:7').id).toBe('in-place:42:7');
  });

  it('Given a seed, When the generator draws, Then it repeats exactly and stays in [0, 1)', () => {
    const draws = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed).next);
    expect(draws(hashSeed('a'))).toEqual(draws(hashSeed('a')));
    expect(draws(hashSeed('a'))).not.toEqual(draws(hashSeed('b')));
    expect(draws(1).every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('Given text that is not a run id, When parsed, Then it is refused with the expected form', () => {
    expect(() => parseRunId('sideways:1:2')).toThrow('expected <in-place|recreation>:<seed>:<index>');
    expect(parseRunId('in-place:20261207:199')).toEqual({ path: 'in-place', seed: 20261207, index: 199 });
  });

  it('Given 200 runs per path, When planned, Then every fault kind appears on each path that has it, both transient and persistent where it can be either', () => {
    const plans = campaignPlans(CAMPAIGN_SEED, 200);
    const seen = (path: string, persistent: boolean): Set<FaultKind> =>
      new Set(
        plans
          .filter((plan) => plan.path === path)
          .flatMap((plan) => plan.faults)
          .filter((fault) => fault.persistent === persistent)
          .map((fault) => fault.kind),
      );
    const inPlaceKinds = FAULT_KINDS.filter((kind) => kind !== 'backupFailure');
    const eitherWay = (kinds: readonly FaultKind[]) =>
      kinds.filter((kind) => !ALWAYS_PERSISTENT.includes(kind) && !ALWAYS_TRANSIENT.includes(kind));
    expect([...seen('in-place', false)].sort()).toEqual(
      [...inPlaceKinds.filter((kind) => kind !== 'deletedBySomeoneElse')].sort(),
    );
    expect([...seen('in-place', true)].sort()).toEqual(
      [...eitherWay(inPlaceKinds), 'deletedBySomeoneElse'].sort(),
    );
    expect([...seen('recreation', false)].sort()).toEqual(
      FAULT_KINDS.filter((kind) => kind !== 'deletedBySomeoneElse').sort(),
    );
    expect([...seen('recreation', true)].sort()).toEqual(
      [...eitherWay(FAULT_KINDS), 'deletedBySomeoneElse'].sort(),
    );
  });

  it('Given 200 runs per path, When planned, Then each run has one or two faults and every transient one ends within the budget', () => {
    const plans = campaignPlans(3, 200);
    expect(plans).toHaveLength(400);
    for (const plan of plans) {
      expect(plan.faults.length === 1 || plan.faults.length === 2).toBe(true);
      for (const fault of plan.faults.filter((candidate) => !candidate.persistent)) {
        if ('times' in fault && fault.times !== undefined) {
          expect(fault.times).toBeGreaterThanOrEqual(1);
          expect(fault.times).toBeLessThanOrEqual(MAX_TRANSIENT_TIMES);
        }
        if ('minutes' in fault && fault.minutes !== undefined) {
          expect(fault.minutes).toBeLessThanOrEqual(MAX_TRANSIENT_MINUTES);
        }
        // A transient fault says when it ends: a count, minutes, or it is one event.
        expect('times' in fault || 'minutes' in fault || ALWAYS_TRANSIENT.includes(fault.kind)).toBe(true);
      }
    }
  });

  it('Given a recreation plan, When described, Then one line says the scenario and each fault with its duration', () => {
    const plan = planRun('recreation:1:3');
    expect(describePlan(plan)).toBe(
      'SageMaker.2 on a stopped, own lifecycle config, 2 files, approved after 8 min, typical rate limits; faults: serverError KMS DescribeKey KMSInternalException x4 at 332 s',
    );
  });
});
