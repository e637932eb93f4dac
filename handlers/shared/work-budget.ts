/**
 * How long the workflow may work on a notebook. Every execution may run for the work budget plus the
 * approval window (the state machine's TimeoutSeconds); a Standard execution's timeout cannot be caught,
 * so a recreation must know, before it deletes anything, that its copies fit in what is left.
 */

/**
 * The work of one execution, beyond any approval wait: long enough for two copies of a ~900 GiB volume at
 * the worst-case rate (data-wait.ts) and the rest of a recreation.
 */
export const WORK_BUDGET_SECONDS = 24 * 60 * 60;

/**
 * How long an in-place fix holds its notebook's lock: if its execution dies, the lock lapses after this.
 * Its waits are bounded well below it (stacks/configuration.ts checks the timings).
 */
export const IN_PLACE_LOCK_SECONDS = 6 * 60 * 60;

/** Kept free at the end of an execution for the closing steps (annotations, alerts, plan, lock). */
export const CLOSING_RESERVE_SECONDS = 15 * 60;

/**
 * Seconds a recreation still has, at `now`, for an execution that started at `executionStart` with an
 * approval window of `approvalTimeoutSeconds`: what is left of its timeout, less the closing reserve.
 */
export function secondsLeftForWork(executionStart: Date, approvalTimeoutSeconds: number, now: Date): number {
  const deadline = executionStart.getTime() + (WORK_BUDGET_SECONDS + approvalTimeoutSeconds) * 1000;
  return Math.max(0, Math.floor((deadline - now.getTime()) / 1000) - CLOSING_RESERVE_SECONDS);
}

/** How long a recreation holds the lock: until its execution must have ended, and never beyond a work budget. */
export function recreationLockSeconds(secondsLeft: number): number {
  return Math.max(60, Math.min(secondsLeft, WORK_BUDGET_SECONDS));
}

/**
 * The notebook waits a recreation may go through, each bounded by the timing: eleven status phases
 * (settle, stop, attach, start, stop, put back, created, stop, settings, start or stop) and the
 * deletion. A test counts them in the definition.
 */
export const RECREATION_WAIT_PHASES = 12;

interface Timing {
  readonly stopSeconds: number;
  readonly updateSeconds: number;
  readonly deleteSeconds: number;
  readonly startSeconds: number;
  readonly pollDelaysSeconds: readonly number[];
  readonly runStateRecoveryDelaysSeconds: readonly number[];
  readonly lifecycleRecoveryDelaysSeconds: readonly number[];
}

const sum = (delays: readonly number[]): number => delays.reduce((total, delay) => total + delay, 0);

/**
 * The longest a recovery can try: each attempt waits its delay, and at most a transition after its
 * step; and the checks of a status still settling, which share one round of status checks.
 */
export function recoveryWorstSeconds(
  delays: readonly number[],
  timing: Omit<Timing, 'runStateRecoveryDelaysSeconds' | 'lifecycleRecoveryDelaysSeconds'>,
): number {
  return (
    sum(delays) +
    delays.length *
      Math.max(timing.stopSeconds, timing.updateSeconds, timing.startSeconds, timing.deleteSeconds) +
    sum(timing.pollDelaysSeconds)
  );
}

/**
 * The longest everything of a recreation but its two copies can take with these timings: every status
 * phase waiting out its checks, then, after a failure, both recovery budgets.
 */
export function nonCopyWorkSeconds(timing: Timing): number {
  const firstWait = Math.max(
    timing.stopSeconds,
    timing.updateSeconds,
    timing.startSeconds,
    timing.deleteSeconds,
  );
  return (
    RECREATION_WAIT_PHASES * (firstWait + sum(timing.pollDelaysSeconds)) +
    recoveryWorstSeconds(timing.runStateRecoveryDelaysSeconds, timing) +
    recoveryWorstSeconds(timing.lifecycleRecoveryDelaysSeconds, timing)
  );
}
