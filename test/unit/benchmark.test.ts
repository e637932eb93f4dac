import { describe, expect, it } from 'vitest';
import {
  benchIamRecord,
  benchProblems,
  bundleProblems,
  LARGE_VOLUME,
  largeVolumeProblems,
  MAX_STATE_PAYLOAD_BYTES,
  measureLargeVolume,
  measureScenario,
  meetsTargets,
  SCENARIOS,
  TARGETS,
  type WorkflowFigures,
} from '../../bin/benchmark.js';
import { burstProblems } from '../../bin/benchmark-burst.js';
import { copySeconds } from '../../simulation/account/copy-throughput.js';
import type { LargeVolumeRun } from '../../simulation/scenarios/large-volume.js';

const MEETING_TARGETS: WorkflowFigures = {
  stateTransitions: 18,
  lambdaInvocations: 1,
  apiCalls: 12,
  overheadRatio: 1.002,
  endToEndSeconds: 300.7,
  sageMakerSeconds: 300,
  costUsd: 0.00045,
};

const LARGE_VOLUME_PASSING = {
  figures: {
    files: 100_000,
    bytes: 50_000_000_000,
    maxStatePayloadBytes: 4_000,
    backupSeconds: 1_622.5,
    restoreSeconds: 1_672.5,
    stateTransitions: 90,
  },
  problems: [],
};

describe('benchmark figures (simulated time: exact, not timed)', () => {
  it('SageMaker.3 from InService meets the targets: <= USD 0.005, 1 Lambda invocation, overhead <= 1.10', async () => {
    const figures = await measureScenario(SCENARIOS.sageMaker3);
    expect(figures.costUsd).toBeLessThanOrEqual(0.005);
    expect(figures.lambdaInvocations).toBe(1);
    expect(figures.overheadRatio).toBeLessThanOrEqual(1.1);
    expect(meetsTargets(figures)).toBe(true);
    // And the targets the bench enforces are the documented ones
    expect(TARGETS).toEqual({ maxCostUsd: 0.005, maxLambdaInvocations: 1, maxOverheadRatio: 1.1 });
  });

  it('a target missed is reported as missed', () => {
    const base = {
      lambdaInvocations: 1,
      apiCalls: 12,
      endToEndSeconds: 300,
      sageMakerSeconds: 300,
      costUsd: 0,
    };
    expect(meetsTargets({ ...base, stateTransitions: 201, costUsd: 0.0051, overheadRatio: 1 })).toBe(false);
    expect(meetsTargets({ ...base, stateTransitions: 71, costUsd: 0.0018, overheadRatio: 1.2 })).toBe(false);
    expect(meetsTargets({ ...base, stateTransitions: 71, costUsd: 0.0018, overheadRatio: 1.04 })).toBe(true);
  });

  it('Given the bench records its runs for the IAM figures, When a scenario is measured, Then its deployment is observed with every decision allowed', async () => {
    const record = benchIamRecord();

    await measureScenario(SCENARIOS.sageMaker3FromStopped, record.observe);

    // The administrator stack and the member stack deployed in its own account, each with its decisions
    expect(record.deployments).toHaveLength(2);
    expect(record.deployments[0]?.decisions.length).toBeGreaterThan(5);
    expect(
      record.deployments[1]?.decisions.some((decision) => decision.action.startsWith('sagemaker:')),
    ).toBe(true);
    expect(record.deniedCalls).toEqual([]);
  });
});

describe('recreate.largeVolume', () => {
  it('Given the size is injectable, When a small volume is measured as the bench measures the 100,000 files, Then it passes and its copy times are what the throughput model gives', async () => {
    const size = { files: 300, bytes: 2_000_000_000 };

    const measured = await measureLargeVolume(size);

    expect(measured.problems).toEqual([]);
    expect(measured.deniedCalls).toEqual([]);
    expect(measured.figures).toMatchObject({ files: 300, bytes: 2_000_000_000 });
    expect(measured.figures.maxStatePayloadBytes).toBeLessThanOrEqual(MAX_STATE_PAYLOAD_BYTES);
    expect(measured.figures.stateTransitions).toBeGreaterThan(20);
    // Within a second: S3 stamps LastModified in whole seconds; the folders add a few entries
    expect(Math.abs(measured.figures.backupSeconds - copySeconds(size, 'backup'))).toBeLessThanOrEqual(1.5);
    expect(Math.abs(measured.figures.restoreSeconds - copySeconds(size, 'restore'))).toBeLessThanOrEqual(1.5);
    // And by default the bench measures the volume
    expect(LARGE_VOLUME).toEqual({ files: 100_000, bytes: 50_000_000_000 });
  }, 120_000);

  it('Given a recreation that failed or lost entries, When checked, Then each problem is named', () => {
    const run = {
      status: 'FAILED',
      error: 'States.DataLimitExceeded: too big',
      restoredExactly: false,
      entriesBefore: 10,
      entriesAfter: 0,
      backupSeconds: 12,
      restoreSeconds: Number.NaN,
    } as LargeVolumeRun;

    expect(largeVolumeProblems(run)).toEqual([
      'the recreation ended FAILED: States.DataLimitExceeded: too big',
      'the volume did not come back exactly (10 entries before, 0 after)',
      'a copy never reported completion',
    ]);
  });
});

describe('what makes `npm run bench` exit non-zero', () => {
  it('Given every figure within its limit, When checked, Then nothing is wrong', () => {
    expect(
      benchProblems({
        sageMaker3: MEETING_TARGETS,
        largeVolume: LARGE_VOLUME_PASSING,
        iam: { deniedCalls: 0, unusedGrants: 0 },
      }),
    ).toEqual([]);
  });

  it('Given a large state, a failed large volume, refused calls and unexplained grants, When checked, Then each is a problem', () => {
    const problems = benchProblems({
      sageMaker3: { ...MEETING_TARGETS, stateTransitions: 250, costUsd: 0.00625 },
      largeVolume: {
        figures: { ...LARGE_VOLUME_PASSING.figures, maxStatePayloadBytes: 65_537 },
        problems: ['the recreation ended FAILED'],
      },
      iam: { deniedCalls: 2, unusedGrants: 1 },
    });

    expect(problems).toEqual([
      'SageMaker.3 from InService misses its targets',
      'large volume: the recreation ended FAILED',
      'large volume: a state carried 65537 bytes, over 65536',
      'iam: 2 calls refused',
      'iam: 1 unused grants without a reason',
    ]);
  });

  it('Given bundles loading in 12, 100 and 100.1 ms, When checked, Then only the one over 100 ms is a problem', () => {
    const problems = bundleProblems([
      { handler: 'report-failure', bytes: 65_977, initMs: 12 },
      { handler: 'custom-action', bytes: 543_590, initMs: 100 },
      { handler: 'plan-remediation', bytes: 718_549, initMs: 100.1 },
    ]);

    expect(problems).toEqual(['bundles: plan-remediation loads in 100.1 ms > 100']);
  });
});

describe('burst', () => {
  const held = {
    findings: 1000,
    resources: 300,
    accounts: 20,
    remediated: 300,
    failed: 0,
    duplicateRemediations: 0,
    peakConcurrentPerAccount: 10,
    concurrencyPerAccountRegion: 10,
    throttledCalls: 0,
    simulatedMinutes: 13,
    realSeconds: 40,
  };

  it('Given a burst within its bounds, When checked, Then nothing is wrong', () => {
    expect(burstProblems(held)).toEqual([]);
  });

  it('Given a failed execution, a twice-fixed notebook, a notebook left and one account over its bound, When checked, Then each is named', () => {
    expect(
      burstProblems({
        ...held,
        failed: 1,
        duplicateRemediations: 2,
        remediated: 299,
        peakConcurrentPerAccount: 11,
      }),
    ).toEqual([
      'burst: 1 executions did not succeed',
      'burst: 2 notebooks were remediated more than once',
      'burst: only 299 of 300 notebooks were remediated',
      'burst: 11 executions of one account ran at once (bound 10)',
    ]);
  });
});
