import { describe, expect, it } from 'vitest';
import {
  CLOSING_RESERVE_SECONDS,
  IN_PLACE_LOCK_SECONDS,
  RECREATION_WAIT_PHASES,
  recreationLockSeconds,
  secondsLeftForWork,
  WORK_BUDGET_SECONDS,
} from '../../handlers/shared/work-budget.js';
import { recreateNotebookStates } from '../../statemachines/recreate-notebook-states.js';
import { buildRemediationDefinition } from '../../statemachines/remediation-definition.js';

const START = new Date('2026-11-23T09:00:00.000Z');
const SEVEN_DAYS = 7 * 24 * 3600;
const at = (secondsAfterStart: number) => new Date(START.getTime() + secondsAfterStart * 1000);

describe('the work budget constants', () => {
  it('Given the budgets, Then a recreation may work 24 hours, an in-place fix holds its lock 6 hours, and 15 minutes are kept for closing', () => {
    expect(WORK_BUDGET_SECONDS).toBe(86_400);
    expect(IN_PLACE_LOCK_SECONDS).toBe(21_600);
    expect(CLOSING_RESERVE_SECONDS).toBe(900);
  });
});

describe('secondsLeftForWork: what a recreation still has of its execution', () => {
  it('Given a 7-day approval window, When the recreation starts with its execution, Then it has the window, the budget, less the closing reserve', () => {
    // Given / When
    const left = secondsLeftForWork(START, SEVEN_DAYS, START);

    // Then 604,800 + 86,400 - 900
    expect(left).toBe(690_300);
  });

  it('Given a 7-day approval window, When the approval comes at its very end, Then the work budget less the closing reserve is left', () => {
    expect(secondsLeftForWork(START, SEVEN_DAYS, at(SEVEN_DAYS))).toBe(85_500);
  });

  it('Given a 7-day approval window, When the recreation starts 12 hours after the window closed, Then 11.75 hours are left', () => {
    expect(secondsLeftForWork(START, SEVEN_DAYS, at(SEVEN_DAYS + 12 * 3600))).toBe(42_300);
  });

  it('Given a 7-day approval window, When only the closing reserve is left, Then no work time is left, and one second earlier one second is', () => {
    const deadline = SEVEN_DAYS + WORK_BUDGET_SECONDS;
    expect(secondsLeftForWork(START, SEVEN_DAYS, at(deadline - CLOSING_RESERVE_SECONDS))).toBe(0);
    expect(secondsLeftForWork(START, SEVEN_DAYS, at(deadline - CLOSING_RESERVE_SECONDS - 1))).toBe(1);
  });

  it('Given a 7-day approval window, When the execution is past its timeout, Then nothing is left (never negative)', () => {
    const deadline = SEVEN_DAYS + WORK_BUDGET_SECONDS;
    expect(secondsLeftForWork(START, SEVEN_DAYS, at(deadline))).toBe(0);
    expect(secondsLeftForWork(START, SEVEN_DAYS, at(deadline + 3600))).toBe(0);
  });

  it('Given a clock half a second past the start, When the time left is computed, Then it counts only whole seconds, rounding down', () => {
    expect(secondsLeftForWork(START, SEVEN_DAYS, new Date(START.getTime() + 500))).toBe(690_299);
  });
});

describe('recreationLockSeconds: how long a recreation holds the lock', () => {
  it('Given more time left than a work budget, When the lock is sized, Then it is one work budget', () => {
    expect(recreationLockSeconds(690_300)).toBe(WORK_BUDGET_SECONDS);
    expect(recreationLockSeconds(WORK_BUDGET_SECONDS + 1)).toBe(WORK_BUDGET_SECONDS);
  });

  it('Given less time left than a work budget, When the lock is sized, Then it lapses when the execution must have ended', () => {
    expect(recreationLockSeconds(WORK_BUDGET_SECONDS)).toBe(WORK_BUDGET_SECONDS);
    expect(recreationLockSeconds(42_300)).toBe(42_300);
    expect(recreationLockSeconds(60)).toBe(60);
  });

  it('Given almost or no time left, When the lock is sized, Then it is held a minute, long enough to refuse and release it', () => {
    expect(recreationLockSeconds(59)).toBe(60);
    expect(recreationLockSeconds(0)).toBe(60);
  });
});

describe('the bound of a recreation’s waits matches the definition', () => {
  it('Given the recreation states, When their notebook status checks are counted, Then there are RECREATION_WAIT_PHASES of them, each a bounded backoff on the timing; the recovery counts its own two budgets', () => {
    // Given
    const recreation = recreateNotebookStates({ approvalTimeoutSeconds: 7 * 24 * 3600 });
    const all = buildRemediationDefinition({ recreate: { approvalTimeoutSeconds: 7 * 24 * 3600 } }).States;

    // When: every backoff on the status-check schedule ($.poll) in the recreation
    const recreationChecks = Object.values(recreation).filter(
      (state) => state.Type === 'Wait' && state.SecondsPath === '$.poll.delaySeconds',
    );

    // Then
    expect(recreationChecks).toHaveLength(RECREATION_WAIT_PHASES);
    expect(all.WaitBeforeRunStateRecovery).toMatchObject({ SecondsPath: '$.recovery.runState.delaySeconds' });
    expect(all.WaitBeforeLifecycleRecovery).toMatchObject({
      SecondsPath: '$.recovery.lifecycle.delaySeconds',
    });
  });
});
