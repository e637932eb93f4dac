/**
 * Whether the execution that holds a lock or a plan is still running, as Step Functions'
 * DescribeExecution says, and what may be concluded from it. A record whose holder has ended is
 * taken over (notebook-locks.ts) or cleared (stale-records.ts); one whose holder may still run never is.
 *
 * DescribeExecution is eventually consistent (API reference): an execution that has just started may
 * not be found yet, and one that has just ended may still read RUNNING. The second only delays a
 * takeover; the first would hand a live holder's record to another, so "not found" only counts once
 * the record is older than UNSEEN_EXECUTION_GRACE_SECONDS.
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { errorName } from './aws-errors.js';

export type StepFunctionsClient = Pick<SFNClient, 'send'>;

/** The statuses of an execution that will never run a step again, unless someone redrives it. */
const ENDED_EXECUTION_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type EndedExecutionStatus = (typeof ENDED_EXECUTION_STATUSES)[number];

/**
 * What DescribeExecution said of a holder: an execution status (RUNNING and PENDING_REDRIVE may still
 * run steps), CLEANING_UP (ended so recently that its clean-up owns its records), NOT_FOUND
 * (ExecutionDoesNotExist), or UNKNOWN (not asked: another state machine's execution, or the call was
 * refused).
 */
export type HolderStatus =
  | EndedExecutionStatus
  | 'RUNNING'
  | 'PENDING_REDRIVE'
  | 'CLEANING_UP'
  | 'NOT_FOUND'
  | 'UNKNOWN';

/**
 * How long after an execution ended ABORTED, TIMED_OUT or FAILED its records are left to the clean-up
 * its status change starts (handlers/plan-cleanup.ts): taken over or swept earlier, the clean-up could
 * no longer put the notebook back (a backup lifecycle configuration left on), and the finding would be
 * told twice. The status is then CLEANING_UP, which holderEnd does not count as ended.
 */
export const CLEAN_UP_GRACE_SECONDS = 5 * 60;
const CLEANED_UP_ENDS: readonly string[] = ['ABORTED', 'TIMED_OUT', 'FAILED'];

/** How a holder ended, when it has: an ended status, or NOT_FOUND for one Step Functions does not know. */
export type HolderEnd = EndedExecutionStatus | 'NOT_FOUND';

/** How old a record must be before a holder DescribeExecution does not find counts as gone. */
export const UNSEEN_EXECUTION_GRACE_SECONDS = 5 * 60;

/** Reads a holder's status; the handlers get one bound to their SFN client (describeHolder). */
export type HolderStatusReader = (executionArn: string) => Promise<HolderStatus>;

const EXECUTION_ARN = /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+):[^:]+$/;

/** The `arn:...:execution:<state machine name>` part of an execution ARN, or undefined. */
export function executionPrefix(executionArn: string): string | undefined {
  return EXECUTION_ARN.exec(executionArn)?.[1];
}

/** The execution's name: the last part of its ARN (what the notes name it by). */
export function executionName(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

/**
 * Whether a record's holder has ended, given what DescribeExecution said and when the record was
 * written; undefined while it may still run (or nobody can tell).
 */
export function holderEnd(
  status: HolderStatus,
  heldSince: Date | undefined,
  now: Date,
): HolderEnd | undefined {
  if ((ENDED_EXECUTION_STATUSES as readonly string[]).includes(status)) return status as EndedExecutionStatus;
  if (status !== 'NOT_FOUND' || heldSince === undefined) return undefined;
  const heldSeconds = (now.getTime() - heldSince.getTime()) / 1000;
  return heldSeconds >= UNSEEN_EXECUTION_GRACE_SECONDS ? 'NOT_FOUND' : undefined;
}

/** "which had ended ABORTED", or what stands for it when Step Functions does not know the execution. */
export function describeEnd(end: HolderEnd): string {
  return end === 'NOT_FOUND'
    ? 'which Step Functions no longer knows (ExecutionDoesNotExist)'
    : `which had ended ${end}`;
}

/** The execution ARN prefix (`arn:...:execution:<name>`) of a state machine's executions. */
export function executionPrefixOfStateMachine(stateMachineArn: string): string {
  return stateMachineArn.replace(':stateMachine:', ':execution:');
}

/**
 * A reader that asks DescribeExecution about executions whose ARN starts with `machinePrefix` (this
 * state machine's, the only ones the role may describe; see executionPrefix), and answers UNKNOWN for
 * any other. Throttling and service errors are thrown: the state machine retries the Lambda task on
 * them, and the sweeper's next run tries again.
 */
export function describeHolder(
  sfn: StepFunctionsClient,
  machinePrefix: string | undefined,
  now: () => Date,
  log: (message: string, fields: Record<string, unknown>) => void = () => {},
): HolderStatusReader {
  return async (executionArn) => {
    if (machinePrefix === undefined || executionPrefix(executionArn) !== machinePrefix) return 'UNKNOWN';
    try {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const status = (described.status ?? 'UNKNOWN') as HolderStatus;
      const stopped = described.stopDate ? new Date(described.stopDate).getTime() : undefined;
      const recently = stopped !== undefined && (now().getTime() - stopped) / 1000 < CLEAN_UP_GRACE_SECONDS;
      return CLEANED_UP_ENDS.includes(status) && recently ? 'CLEANING_UP' : status;
    } catch (error) {
      const name = errorName(error);
      if (name === 'ExecutionDoesNotExist') return 'NOT_FOUND';
      // Not allowed (the policy is attached after the state machine exists, so briefly while the stack
      // deploys) or not an ARN it accepts: nobody can tell, so the record stays until it expires.
      if (name === 'AccessDeniedException' || name === 'InvalidArn') {
        log('holder status unknown', { executionArn, error: name });
        return 'UNKNOWN';
      }
      throw error;
    }
  };
}

/** "Took over the lock of execution X, which had ended ABORTED." (at most 179 characters). */
export function takeoverSentence(
  record: 'lock' | 'plan',
  takeover: { executionArn: string; end: HolderEnd },
) {
  const sentence = `Took over the ${record} of execution ${executionName(takeover.executionArn)}, ${describeEnd(takeover.end)}.`;
  return sentence.length <= 179 ? sentence : `${sentence.slice(0, 178)}…`;
}
