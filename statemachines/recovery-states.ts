/**
 * Getting a notebook back to its prior state after a failure: its own lifecycle configuration back if
 * the recreation had swapped in the backup one (or created the new notebook with the restore one), and
 * its run state (running if it was, stopped if it was not). A reconcile loop like the fix's own:
 * describe, take the one step that moves toward that state, wait, describe again (a status still
 * settling is looked at again every check delay, as the fix does, spending nothing until the checks
 * run out). Every step spends an attempt of its budget: one that fails with a backoff delay, one SageMaker accepted with the wait for
 * it (it may still end Failed). Restoring the lifecycle configuration and restoring the run state each
 * have their own budget (minutes, as delays in `$.plan.timing`), so a fault spent on one cannot leave
 * the other undone. SageMaker accepts only Start and Delete from Failed, so a Failed notebook is
 * started first. Only when a budget runs out does the report say ACTION NEEDED, with the notebook's
 * state and what to run.
 */
import { TRANSITIONAL_STATUSES } from '../handlers/shared/remediation-plan.js';
import type { Catcher, ChoiceCondition, ChoiceRule, State } from './amazon-states-language.js';
import { sdkIntegration } from './amazon-states-language.js';
import {
  catchAll,
  checksExhausted,
  countStatusCheck,
  describeNotebook,
  notebookName,
  retryTransient,
  statusIs,
  statusIsOneOf,
  waitSeconds,
  wasRunning,
} from './state-builders.js';

/** The recovery counters as a run starts (and as a clean-up starts over). */
export const INITIAL_RECOVERY = {
  runState: { attempt: 0, delaySeconds: 0 },
  lifecycle: { attempt: 0, delaySeconds: 0 },
  restarted: false,
} as const;

type Budget = 'runState' | 'lifecycle';

const BUDGETS: Record<Budget, { readonly delays: string; readonly max: string; readonly name: string }> = {
  runState: {
    delays: '$.plan.timing.runStateRecoveryDelaysSeconds',
    max: '$.plan.timing.maxRunStateRecoveries',
    name: 'RunState',
  },
  lifecycle: {
    delays: '$.plan.timing.lifecycleRecoveryDelaysSeconds',
    max: '$.plan.timing.maxLifecycleRecoveries',
    name: 'Lifecycle',
  },
};

const exhausted = (budget: Budget): ChoiceCondition => ({
  Variable: `$.recovery.${budget}.attempt`,
  NumericGreaterThanEqualsPath: BUDGETS[budget].max,
});
const swapped: ChoiceCondition = { Variable: '$.recreation.lifecycleSwapped', BooleanEquals: true };
const notSwapped: ChoiceCondition = { Not: swapped };
const putBackSent: ChoiceCondition = {
  And: [
    { Variable: '$.recreation.putBackSent', IsPresent: true },
    { Variable: '$.recreation.putBackSent', BooleanEquals: true },
  ],
};
const transitional = statusIsOneOf(TRANSITIONAL_STATUSES);
/**
 * Still settling after a step, with status checks left: look again after the next check delay,
 * spending no attempt (a step's first wait is SageMaker's shortest time, so most take a few looks).
 * With none left, a settling status spends attempts, as a step does, so the budget still bounds it.
 */
const settlingWithChecksLeft: ChoiceCondition = {
  And: [transitional, { Variable: '$.poll.attempt', IsPresent: true }, { Not: checksExhausted('$.poll') }],
};
/** The error of the last recovery step that failed; the report names it when a budget runs out. */
const RECOVERY_ERROR = '$.recoveryError';

/** A failed step counts against `budget` and is tried again after its next delay. */
const retryWithin = (budget: Budget): Catcher[] =>
  catchAll(`Decide${BUDGETS[budget].name}Retry`, RECOVERY_ERROR);

function sageMakerStep(action: string, budget: Budget, next: string, comment: string): State {
  return {
    Type: 'Task',
    Comment: comment,
    Resource: sdkIntegration('sagemaker', action),
    Parameters: notebookName,
    // Not a new round of status checks: the recovery's settling checks share what is left of the
    // round it started in, so they add at most one round to its time (work-budget.ts).
    ResultPath: null,
    TimeoutSeconds: 60,
    Retry: retryTransient('sagemaker'),
    Catch: retryWithin(budget),
    Next: next,
  };
}

/** The counter of one budget: one more attempt, and the delay before it. */
function countAttempt(budget: Budget, next: string): State {
  const other: Budget = budget === 'runState' ? 'lifecycle' : 'runState';
  return {
    Type: 'Pass',
    Comment: `One more attempt of the ${budget === 'runState' ? 'run state' : 'lifecycle configuration'} budget, after the next delay of its backoff.`,
    Parameters: {
      [budget]: {
        'attempt.$': `States.MathAdd($.recovery.${budget}.attempt, 1)`,
        'delaySeconds.$': `States.ArrayGetItem(${BUDGETS[budget].delays}, $.recovery.${budget}.attempt)`,
      },
      [`${other}.$`]: `$.recovery.${other}`,
      'restarted.$': '$.recovery.restarted',
    },
    ResultPath: '$.recovery',
    Next: next,
  };
}

/**
 * A step SageMaker accepted spends an attempt of its budget too: a start that is accepted and then ends
 * Failed, again and again, must run the budget out rather than loop until the history is full.
 */
function spendAttempt(budget: Budget, next: string, restarted?: true): State {
  const other: Budget = budget === 'runState' ? 'lifecycle' : 'runState';
  return {
    Type: 'Pass',
    Parameters: {
      [budget]: {
        'attempt.$': `States.MathAdd($.recovery.${budget}.attempt, 1)`,
        'delaySeconds.$': `$.recovery.${budget}.delaySeconds`,
      },
      [`${other}.$`]: `$.recovery.${other}`,
      ...(restarted ? { restarted: true } : { 'restarted.$': '$.recovery.restarted' }),
    },
    ResultPath: '$.recovery',
    Next: next,
  };
}

/** Recovery after a failure, for a definition with (`lifecycle`) or without a lifecycle swap to undo. */
export function recoveryStates(options: {
  readonly lifecycle: boolean;
  /** Where a failed plan for a resource other than a notebook goes instead (it has no notebook to recover). */
  readonly resourceRecovery?: string;
}): Record<string, State> {
  const lifecycleRules: ChoiceRule[] = options.lifecycle
    ? [
        // The put-back update has ended: Stopped, it is done; Failed, it may not have applied.
        { And: [swapped, putBackSent, statusIs('Stopped')], Next: 'MarkLifecycleRestoredAfterFailure' },
        { And: [swapped, putBackSent, statusIs('Failed')], Next: 'MarkPutBackFailed' },
        // A step it accepted is seen to its end before the budget is judged: the report names a settled state.
        { And: [swapped, settlingWithChecksLeft], Next: 'CountRecoveryCheck' },
        { And: [swapped, exhausted('lifecycle')], Next: 'ReportFailure' },
        { And: [swapped, statusIs('Stopped')], Next: 'PutBackLifecycleAfterFailure' },
        { And: [swapped, statusIs('InService')], Next: 'StopToPutBackLifecycle' },
        { And: [swapped, statusIs('Failed')], Next: 'StartToPutBackLifecycle' },
        { And: [swapped, transitional], Next: 'CountLifecycleRecovery' },
      ]
    : [];
  // Each as [condition, next]: with a lifecycle to undo, they apply once it is undone.
  const runStateSteps: Array<[ChoiceCondition, string]> = [
    [{ And: [wasRunning, statusIs('InService')] }, 'ReportFailure'],
    [{ And: [{ Not: wasRunning }, statusIs('Stopped')] }, 'ReportFailure'],
    // A step it accepted is seen to its end before the budget is judged: the report names a settled state.
    [settlingWithChecksLeft, 'CountRecoveryCheck'],
    [
      {
        And: [
          statusIsOneOf(['Stopped', 'Failed', 'InService', ...TRANSITIONAL_STATUSES]),
          exhausted('runState'),
        ],
      },
      'ReportFailure',
    ],
    // It was running: start it. It was not, but a start ended Failed: start it, to stop it cleanly.
    [statusIsOneOf(['Stopped', 'Failed']), 'RestartNotebook'],
    // Not running before, running now (started for the backup, or to leave Failed): stop it again.
    [statusIs('InService'), 'StopAfterRecovery'],
    [transitional, 'CountRunStateRecovery'],
  ];
  const runStateRules: ChoiceRule[] = runStateSteps.map(([condition, next]) =>
    options.lifecycle ? { And: [notSwapped, condition], Next: next } : { ...condition, Next: next },
  );
  const states: Record<string, State> = {
    CheckNotebookAfterFailure: {
      Type: 'Choice',
      Comment:
        'A notebook is brought back to its prior state; another resource is never looked up as a notebook (a notebook may share its name).',
      Choices: [
        {
          And: [
            { Variable: '$.plan.resource.kind', IsPresent: true },
            { Not: { Variable: '$.plan.resource.kind', StringEquals: 'notebook-instance' } },
          ],
          Next: options.resourceRecovery ?? 'ReportFailure',
        },
      ],
      Default: 'DescribeNotebookAfterFailure',
    },
    CountRecoveryCheck: countStatusCheck('$.poll', 'WaitBeforeRecoveryCheck'),
    WaitBeforeRecoveryCheck: waitSeconds(
      '$.poll.delaySeconds',
      'DescribeNotebookAfterFailure',
      'Still settling: look again after the check delay.',
    ),
    DescribeNotebookAfterFailure: describeNotebook(
      'DecideRecovery',
      catchAll('MarkNotebookUnseen', RECOVERY_ERROR),
    ),
    MarkNotebookUnseen: {
      Type: 'Pass',
      Comment:
        'The status it holds is the last one seen, not the current one: a report says so (the next describe replaces it).',
      Result: true,
      ResultPath: '$.notebook.unseen',
      Next: 'DecideDescribeRetry',
    },
    DecideDescribeRetry: {
      Type: 'Choice',
      Comment: 'A notebook that no longer exists has nothing to recover; anything else is tried again.',
      Choices: [
        { Variable: `${RECOVERY_ERROR}.Cause`, StringMatches: '*RecordNotFound*', Next: 'ReportFailure' },
      ],
      Default: 'DecideRunStateRetry',
    },
    DecideRecovery: {
      Type: 'Choice',
      Comment:
        'Its own lifecycle configuration back first (a notebook must be Stopped to update it), then its prior run state.',
      Choices: [...lifecycleRules, ...runStateRules],
      Default: 'ReportFailure',
    },
    RestartNotebook: sageMakerStep(
      'startNotebookInstance',
      'runState',
      'MarkRestarted',
      'Start it: it was running before the workflow touched it, or a start left it Failed.',
    ),
    MarkRestarted: spendAttempt('runState', 'WaitForRestart', true),
    WaitForRestart: waitSeconds(
      '$.plan.timing.startSeconds',
      'DescribeNotebookAfterFailure',
      'Sized to how long a start usually takes.',
    ),
    StopAfterRecovery: sageMakerStep(
      'stopNotebookInstance',
      'runState',
      'CountRecoveryStop',
      'It was not running before the workflow touched it: stop it again.',
    ),
    CountRecoveryStop: spendAttempt('runState', 'WaitForRecoveryStop'),
    WaitForRecoveryStop: waitSeconds(
      '$.plan.timing.stopSeconds',
      'DescribeNotebookAfterFailure',
      'Sized to how long a stop usually takes.',
    ),
    ...retryStates('runState'),
  };
  if (!options.lifecycle) return states;
  return {
    ...states,
    StopToPutBackLifecycle: sageMakerStep(
      'stopNotebookInstance',
      'lifecycle',
      'CountLifecycleStop',
      'The backup lifecycle configuration is attached: stop, so the original can be put back.',
    ),
    CountLifecycleStop: spendAttempt('lifecycle', 'WaitToPutBackLifecycle'),
    WaitToPutBackLifecycle: waitSeconds(
      '$.plan.timing.stopSeconds',
      'DescribeNotebookAfterFailure',
      'Sized to how long a stop usually takes.',
    ),
    StartToPutBackLifecycle: sageMakerStep(
      'startNotebookInstance',
      'lifecycle',
      'CountLifecycleStart',
      'Failed accepts only Start (or Delete): start it, then stop it to put the original configuration back.',
    ),
    CountLifecycleStart: spendAttempt('lifecycle', 'WaitToLeaveFailed'),
    WaitToLeaveFailed: waitSeconds(
      '$.plan.timing.startSeconds',
      'DescribeNotebookAfterFailure',
      'Sized to how long a start usually takes.',
    ),
    PutBackLifecycleAfterFailure: {
      Type: 'Task',
      Comment: 'Its own lifecycle configuration (or none) back.',
      Resource: sdkIntegration('sagemaker', 'updateNotebookInstance'),
      // The backup's swap undone on the original, or the restore's on the recreated notebook.
      InputPath: '$.recreation.putBack',
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sagemaker'),
      Catch: retryWithin('lifecycle'),
      Next: 'MarkPutBackSent',
    },
    MarkPutBackSent: {
      Type: 'Pass',
      Result: true,
      ResultPath: '$.recreation.putBackSent',
      Next: 'WaitForLifecycleUpdate',
    },
    MarkPutBackFailed: {
      Type: 'Pass',
      Comment: 'The update ended Failed: still swapped; the next look starts it (Failed accepts only Start).',
      Result: false,
      ResultPath: '$.recreation.putBackSent',
      Next: 'DecideRecovery',
    },
    MarkLifecycleRestoredAfterFailure: {
      Type: 'Pass',
      Parameters: { lifecycleSwapped: false, 'deleted.$': '$.recreation.deleted' },
      ResultPath: '$.recreation',
      Next: 'DecideRecovery',
    },
    WaitForLifecycleUpdate: waitSeconds(
      '$.plan.timing.updateSeconds',
      'DescribeNotebookAfterFailure',
      'Sized to how long an update usually takes.',
    ),
    ...retryStates('lifecycle'),
  };
}

/** A failed step or a status still settling: count it against the budget and look again after a delay. */
function retryStates(budget: Budget): Record<string, State> {
  const { name } = BUDGETS[budget];
  return {
    [`Decide${name}Retry`]: {
      Type: 'Choice',
      Comment: 'Out of budget: the report says what state the notebook is in and what to run.',
      Choices: [{ ...exhausted(budget), Next: 'ReportFailure' }],
      Default: `Count${name}Recovery`,
    },
    [`Count${name}Recovery`]: countAttempt(budget, `WaitBefore${name}Recovery`),
    [`WaitBefore${name}Recovery`]: waitSeconds(
      `$.recovery.${budget}.delaySeconds`,
      'DescribeNotebookAfterFailure',
      'Backoff before the next look.',
    ),
  };
}
