import { describe, expect, it } from 'vitest';
import {
  COPY_OVERHEAD_SECONDS,
  copyTimeProblem,
  dataWaitFor,
  FIRST_CHECK_SECONDS,
  MAX_CHECKS_PER_COPY,
  MIN_CHECK_INTERVAL_SECONDS,
  WORST_CASE_COPY_BYTES_PER_SECOND,
} from '../../handlers/shared/data-wait.js';
import { DEFAULT_TIMING } from '../../handlers/shared/runtime-settings.js';
import { nonCopyWorkSeconds, WORK_BUDGET_SECONDS } from '../../handlers/shared/work-budget.js';

const GIB = 1024 ** 3;
/** The history events one status check costs: ListObjectsV2 task 5, Choice 2, counter Pass 2, Wait 2. */
const EVENTS_PER_CHECK = 11;

describe('dataWaitFor: how long the workflow waits for one copy of a volume', () => {
  it('Given the default 5 GiB volume, When its wait is sized, Then it checks every 10 s for the worst-case copy plus the overhead', () => {
    // Given 5 GiB at 25 MB/s: 215 s of copy, 815 s with the overhead
    const needed = Math.ceil((5 * GIB) / WORST_CASE_COPY_BYTES_PER_SECOND) + COPY_OVERHEAD_SECONDS;
    expect(needed).toBe(815);

    // When
    const wait = dataWaitFor(5);

    // Then the checks are as frequent as allowed and cover the need, by less than one interval
    expect(wait).toEqual({ firstWaitSeconds: 10, intervalSeconds: 10, maxChecks: 81, budgetSeconds: 820 });
    expect(wait.budgetSeconds).toBeGreaterThanOrEqual(needed);
    expect(wait.budgetSeconds - needed).toBeLessThan(wait.intervalSeconds);
  });

  it('Given the largest volume SageMaker allows (16 TiB), When its wait is sized, Then the checks are spread to at most 600, well within the 25,000-event history', () => {
    // Given / When
    const wait = dataWaitFor(16384);

    // Then
    const needed = Math.ceil((16384 * GIB) / WORST_CASE_COPY_BYTES_PER_SECOND) + COPY_OVERHEAD_SECONDS;
    expect(wait.maxChecks).toBeLessThanOrEqual(MAX_CHECKS_PER_COPY);
    expect(wait.intervalSeconds).toBe(Math.ceil(needed / MAX_CHECKS_PER_COPY));
    expect(wait.budgetSeconds).toBeGreaterThanOrEqual(needed);
    // Both copies' checks together (the first look and each counted check) leave over 10,000 events of
    // the execution's 25,000 for the rest of the recreation.
    expect(2 * (wait.maxChecks + 1) * EVENTS_PER_CHECK).toBeLessThan(25_000 - 10_000);
  });

  it('Given volumes from 1 GiB to 16 TiB, When their waits are sized, Then every budget covers its copy, is first-wait + checks × interval, and grows with the volume', () => {
    // Given
    const sizes = [1, 5, 50, 100, 500, 1024, 4096, 16384];

    // When
    const waits = sizes.map((size) => ({ size, wait: dataWaitFor(size) }));

    // Then
    for (const { size, wait } of waits) {
      const needed = Math.ceil((size * GIB) / WORST_CASE_COPY_BYTES_PER_SECOND) + COPY_OVERHEAD_SECONDS;
      expect(wait.budgetSeconds, `${size} GiB`).toBeGreaterThanOrEqual(needed);
      expect(wait.budgetSeconds).toBe(wait.firstWaitSeconds + wait.maxChecks * wait.intervalSeconds);
      expect(wait.firstWaitSeconds).toBe(FIRST_CHECK_SECONDS);
      expect(wait.intervalSeconds).toBeGreaterThanOrEqual(MIN_CHECK_INTERVAL_SECONDS);
      expect(wait.maxChecks).toBeLessThanOrEqual(MAX_CHECKS_PER_COPY);
    }
    const budgets = waits.map(({ wait }) => wait.budgetSeconds);
    expect(budgets).toEqual([...budgets].sort((a, b) => a - b));
  });

  it('Given a volume size of 0 or less (Describe without one), When its wait is sized, Then it counts as 1 GiB rather than no wait at all', () => {
    // Given / When / Then
    expect(dataWaitFor(0)).toEqual(dataWaitFor(1));
    expect(dataWaitFor(-3)).toEqual(dataWaitFor(1));
    expect(dataWaitFor(1).maxChecks).toBeGreaterThan(0);
  });
});

describe('copyTimeProblem: does a recreation that keeps the data fit the time it may take?', () => {
  /** The other waits of a recreation with the default timing: 12 phases of 120 s + 1,800 s of checks, 2 recoveries of 4,965 s. */
  const NON_COPY = nonCopyWorkSeconds(DEFAULT_TIMING);

  it('Given the default timing, When the waits besides the copies are bounded, Then they are 12 phases of at most 1,920 s and two 30-minute recoveries of at most 4,965 s (a round of settling checks each)', () => {
    expect(NON_COPY).toBe(12 * 1_920 + 2 * 4_965);
    expect(NON_COPY).toBe(32_970);
  });

  it('Given the whole 24-hour work budget, When volumes around the limit are checked, Then 607 GiB fits (2 × 26,695 s of copies + 32,970 s of the rest) and 608 GiB does not', () => {
    // Given / When
    const fits = copyTimeProblem('nb', 607, WORK_BUDGET_SECONDS, NON_COPY);
    const tooLarge = copyTimeProblem('nb', 608, WORK_BUDGET_SECONDS, NON_COPY);

    // Then
    expect(2 * dataWaitFor(607).budgetSeconds + NON_COPY).toBe(86_360);
    expect(fits).toBeUndefined();
    expect(tooLarge).toBe(
      'Notebook instance nb has a 608 GiB volume, which could take up to 14.9 hours to copy out and back: with the rest of the recreation that is more than the 24.0-hour work budget of a recreation. Nothing was changed. Back the data up yourself and accept data loss for its controls (recreate.acceptDataLoss), or recreate it by hand.',
    );
  });

  it('Given a volume too large for any work budget, When little of the execution is left, Then the message still names the work budget, since approving sooner would not help', () => {
    // Given / When
    const problem = copyTimeProblem('nb', 1100, 3600, NON_COPY);

    // Then
    expect(problem).toMatch(
      /more than the 24\.0-hour work budget of a recreation\. Nothing was changed\. Back the data/,
    );
    expect(problem).not.toContain('Remediate now');
  });

  it('Given a 300 GiB volume (16.7 hours with the rest), When 11.75 hours are left after a late approval, Then it does not fit and the message says to plan again and approve sooner', () => {
    // Given
    const needed = 2 * dataWaitFor(300).budgetSeconds + NON_COPY;
    expect(needed).toBe(59_946);
    const left = 11.75 * 3600;

    // When / Then: one second short fails, the exact need fits
    expect(copyTimeProblem('nb', 300, needed, NON_COPY)).toBeUndefined();
    expect(copyTimeProblem('nb', 400, needed - 1, NON_COPY)).toMatch(
      /^Notebook instance nb has a 400 GiB volume/,
    );
    expect(copyTimeProblem('nb', 300, left, NON_COPY)).toBe(
      'Notebook instance nb has a 300 GiB volume, which could take up to 7.5 hours to copy out and back: with the rest of the recreation that is more than the 11.8 hours left of this execution after its wait for approval. Nothing was changed. Plan it again with the Remediate now action and approve it sooner, or back the data up yourself and accept data loss for its controls (recreate.acceptDataLoss), or recreate it by hand.',
    );
  });
});
