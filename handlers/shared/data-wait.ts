/**
 * How long the workflow waits for a notebook's backup or restore, sized from the volume: the copy of a
 * volume runs on the instance, whose throughput the workflow cannot see, so the budget assumes a slow
 * copy of a full volume, and the checks are spread so that even the largest budget stays far from the
 * execution history's 25,000 events (one check is 4 states, about 11 events).
 */

import { WORK_BUDGET_SECONDS } from './work-budget.js';

/** Throughput assumed for the budget: conservative for the smallest notebook instances and gp2 volumes. */
export const WORST_CASE_COPY_BYTES_PER_SECOND = 25 * 1000 * 1000;
/** Added to every budget: the script's start, the first pass over the volume, the manifest upload. */
export const COPY_OVERHEAD_SECONDS = 600;
/** The first look at the status: the script's start and a small volume's copy take about this long. */
export const FIRST_CHECK_SECONDS = 10;
/** Checks at most this often (a copy done just after a look waits for the next one)... */
export const MIN_CHECK_INTERVAL_SECONDS = 10;
/** ...and at most this many per copy, whatever the volume. */
export const MAX_CHECKS_PER_COPY = 600;

export interface DataWait {
  readonly firstWaitSeconds: number;
  readonly intervalSeconds: number;
  readonly maxChecks: number;
  /** The whole budget of one copy (first wait + checks × interval). */
  readonly budgetSeconds: number;
}

/** The wait for one copy of a volume of `volumeSizeInGB` (SageMaker's VolumeSizeInGB: GiB). */
export function dataWaitFor(volumeSizeInGB: number): DataWait {
  const bytes = Math.max(volumeSizeInGB, 1) * 1024 ** 3;
  const needed = Math.ceil(bytes / WORST_CASE_COPY_BYTES_PER_SECOND) + COPY_OVERHEAD_SECONDS;
  const intervalSeconds = Math.max(MIN_CHECK_INTERVAL_SECONDS, Math.ceil(needed / MAX_CHECKS_PER_COPY));
  const maxChecks = Math.ceil(Math.max(needed - FIRST_CHECK_SECONDS, 0) / intervalSeconds);
  return {
    firstWaitSeconds: FIRST_CHECK_SECONDS,
    intervalSeconds,
    maxChecks,
    budgetSeconds: FIRST_CHECK_SECONDS + maxChecks * intervalSeconds,
  };
}

/**
 * Why a recreation that keeps the data cannot be done in the `workSeconds` it may take (work-budget.ts:
 * what is left of its execution, whose timeout cannot be caught, and at most the work budget, for which
 * it holds the lock), or undefined when both copies' budgets and the rest of the work fit. The budgets
 * assume a full volume (the used bytes cannot be seen from outside the instance). The message is the
 * cause the alert shows; it tells a late approval (a new plan approved sooner would fit) from a volume
 * that no work budget can copy.
 */
export function copyTimeProblem(
  notebookName: string,
  volumeSizeInGB: number,
  workSeconds: number,
  nonCopySeconds: number,
): string | undefined {
  const copies = 2 * dataWaitFor(volumeSizeInGB).budgetSeconds;
  const needed = copies + nonCopySeconds;
  if (needed <= workSeconds) return undefined;
  const hours = (seconds: number) => (seconds / 3600).toFixed(1);
  const problem = `Notebook instance ${notebookName} has a ${volumeSizeInGB} GiB volume, which could take up to ${hours(copies)} hours to copy out and back: with the rest of the recreation that is more than the`;
  const yourself =
    'the data up yourself and accept data loss for its controls (recreate.acceptDataLoss), or recreate it by hand.';
  if (needed <= WORK_BUDGET_SECONDS) {
    return `${problem} ${hours(workSeconds)} hours left of this execution after its wait for approval. Nothing was changed. Plan it again with the Remediate now action and approve it sooner, or back ${yourself}`;
  }
  return `${problem} ${hours(WORK_BUDGET_SECONDS)}-hour work budget of a recreation. Nothing was changed. Back ${yourself}`;
}
