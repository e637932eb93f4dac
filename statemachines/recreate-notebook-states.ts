/**
 * The approval-gated recreation of a notebook instance (SageMaker.1, .2, .8, .21; .3 along the way).
 *
 *   Approval and preparation (recreate-plan-states.ts): the plan asks for approval, waits without
 *     locking the notebook, then takes the lock, plans again, snapshots the configuration and checks
 *     the target subnet, security groups and key.
 *   Backup (unless data loss was accepted): stop, attach the backup lifecycle configuration, start
 *     (its OnStart archives the volume to S3 in the background), wait for its status
 *     (recreate-data-states.ts), stop, put the original lifecycle configuration back.
 *   DeleteNotebook, wait until the name is free, CreateNotebook from the snapshot with the fixed
 *     settings (and the restore lifecycle configuration, whose OnCreate unpacks the data), wait for
 *     its status, VerifyRecreation, put the original lifecycle configuration and code repositories
 *     back, restore the prior run state.
 *   Closing (recreate-plan-states.ts): every finding of the plan gets its outcome, an alert, the plan
 *     is closed and the lock released.
 *
 * Nothing is deleted before an approval and a verified snapshot. Failures go to the shared failure
 * handling, which puts the original lifecycle configuration back, restarts a notebook that was
 * running, annotates every finding of the plan, and, once the notebook was deleted, gives the restore
 * command.
 */

import { TRANSITIONAL_STATUSES } from '../handlers/shared/remediation-plan.js';
import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import { type ChoiceCondition, LAMBDA_INVOKE, type State, sdkIntegration } from './amazon-states-language.js';
import { closingStatus } from './ocsf-plan-notes.js';
import { awaitScriptStatus, NOTEBOOK_DATA_BUCKET_PATH, NOTEBOOK_DATA_PATH } from './recreate-data-states.js';
import { approvalStates, closingStates, type RecreateOptions } from './recreate-plan-states.js';
import {
  catchAll,
  checksExhausted,
  countStatusCheck,
  describeNotebook,
  notebookName,
  observedNotebookSelector,
  placeholder,
  RECREATE_PLACEHOLDERS,
  retryLambda,
  retryTransient,
  statusIs,
  statusIsOneOf,
  wasRunning,
} from './state-builders.js';

export type { RecreateOptions } from './recreate-plan-states.js';

const toFailure = catchAll('CheckNotebookAfterFailure', '$.failure');
const keepData: ChoiceCondition = { Variable: '$.snapshot.Payload.keepData', BooleanEquals: true };
const resetPoll = (next: string): State => ({
  Type: 'Pass',
  Result: { attempt: 0, delaySeconds: 0 },
  ResultPath: '$.poll',
  Next: next,
});
/**
 * What the recreation has done to the notebook, for the recovery: whether a lifecycle configuration of
 * the workflow's is attached (and `putBack`, the update that gives the notebook its own again), and
 * whether the original was deleted.
 */
const markRecreation = (
  lifecycle: { readonly swapped: false } | { readonly swapped: true; readonly putBackPath: string },
  deleted: boolean,
  next: string,
): State =>
  lifecycle.swapped
    ? {
        Type: 'Pass',
        Parameters: { lifecycleSwapped: true, deleted, 'putBack.$': lifecycle.putBackPath },
        ResultPath: '$.recreation',
        Next: next,
      }
    : { Type: 'Pass', Result: { lifecycleSwapped: false, deleted }, ResultPath: '$.recreation', Next: next };

function sageMakerCall(action: string, next: string, fields: Partial<State> & object): State {
  return {
    Type: 'Task',
    Resource: sdkIntegration('sagemaker', action),
    ResultPath: null,
    TimeoutSeconds: 60,
    Retry: retryTransient('sagemaker'),
    Catch: toFailure,
    Next: next,
    ...fields,
  } as State;
}

/**
 * Wait for the notebook to reach `reached`: a first wait sized to the transition, a describe, then
 * bounded checks on the backoff schedule while it is still moving; anything else is a failure.
 */
function awaitStatus(
  name: string,
  options: { firstWaitPath: string; reached: readonly string[]; next: string },
): Record<string, State> {
  return {
    [name]: resetPoll(`${name}Wait`),
    [`${name}Wait`]: { Type: 'Wait', SecondsPath: options.firstWaitPath, Next: `${name}Check` },
    [`${name}Check`]: describeNotebook(`${name}Decide`, toFailure),
    [`${name}Decide`]: {
      Type: 'Choice',
      Choices: [
        { ...statusIsOneOf(options.reached), Next: options.next },
        {
          And: [statusIsOneOf(TRANSITIONAL_STATUSES), checksExhausted('$.poll')],
          Next: 'RecordNotebookNotSettling',
        },
        { ...statusIsOneOf(TRANSITIONAL_STATUSES), Next: `${name}Count` },
      ],
      Default: 'RecordUnexpectedStatus',
    },
    [`${name}Count`]: countStatusCheck('$.poll', `${name}Backoff`),
    [`${name}Backoff`]: { Type: 'Wait', SecondsPath: '$.poll.delaySeconds', Next: `${name}Check` },
  };
}

/** The states of the recreate branch; DecideNextStep routes `recreate-notebook` plans to RequestApproval. */
export function recreateNotebookStates(options: RecreateOptions): Record<string, State> {
  return {
    ...approvalStates(options),
    DescribeBeforeRecreating: describeNotebook('DecideHowToStop', toFailure),
    DecideHowToStop: {
      Type: 'Choice',
      Comment: 'The run state to restore is the one at approval time, not at planning time.',
      Choices: [
        { ...statusIs('InService'), Next: 'StopForRecreate' },
        { ...statusIs('Stopped'), Next: 'MarkNotRunningBeforeRecreate' },
        { ...statusIsOneOf(TRANSITIONAL_STATUSES), Next: 'SettleBeforeRecreate' },
      ],
      Default: 'RecordUnexpectedStatus',
    },
    ...awaitStatus('SettleBeforeRecreate', {
      firstWaitPath: '$.plan.timing.stopSeconds',
      reached: ['InService', 'Stopped'],
      next: 'DecideHowToStop',
    }),
    StopForRecreate: sageMakerCall('stopNotebookInstance', 'AwaitStoppedForRecreate', {
      Parameters: notebookName,
      ResultSelector: { wasRunning: true },
      ResultPath: '$.runState',
    }),
    MarkNotRunningBeforeRecreate: {
      Type: 'Pass',
      Result: { wasRunning: false },
      ResultPath: '$.runState',
      Next: 'DecideBackup',
    },
    ...awaitStatus('AwaitStoppedForRecreate', {
      firstWaitPath: '$.plan.timing.stopSeconds',
      reached: ['Stopped'],
      next: 'DecideBackup',
    }),
    DecideBackup: {
      Type: 'Choice',
      Choices: [{ ...keepData, Next: 'AttachBackupLifecycleConfig' }],
      Default: 'DeleteNotebook',
    },

    AttachBackupLifecycleConfig: sageMakerCall('updateNotebookInstance', 'MarkBackupLifecycleAttached', {
      Comment: "Its OnStart script copies the volume to S3 in the background, into this snapshot's prefix.",
      Parameters: {
        ...notebookName,
        // The member stack's, in the notebook's account and Region (the plan names it).
        'LifecycleConfigName.$': `${NOTEBOOK_DATA_PATH}.backupLifecycleConfigName`,
      },
    }),
    MarkBackupLifecycleAttached: markRecreation(
      { swapped: true, putBackPath: '$.snapshot.Payload.lifecycleRestoreRequest' },
      false,
      'AwaitBackupLifecycleAttached',
    ),
    ...awaitStatus('AwaitBackupLifecycleAttached', {
      firstWaitPath: '$.plan.timing.updateSeconds',
      reached: ['Stopped'],
      next: 'StartForBackup',
    }),
    StartForBackup: sageMakerCall('startNotebookInstance', 'AwaitStartedForBackup', {
      Parameters: notebookName,
    }),
    ...awaitStatus('AwaitStartedForBackup', {
      firstWaitPath: '$.plan.timing.startSeconds',
      reached: ['InService'],
      next: 'AwaitBackup',
    }),
    ...awaitScriptStatus(
      'AwaitBackup',
      {
        statusPath: '$.snapshot.Payload.backupStatus',
        what: 'backup',
        failedError: 'DataBackupFailed',
        timedOutError: 'DataBackupTimeout',
      },
      'StopAfterBackup',
    ),
    StopAfterBackup: sageMakerCall('stopNotebookInstance', 'AwaitStoppedAfterBackup', {
      Parameters: notebookName,
    }),
    ...awaitStatus('AwaitStoppedAfterBackup', {
      firstWaitPath: '$.plan.timing.stopSeconds',
      reached: ['Stopped'],
      next: 'PutBackOriginalLifecycleConfig',
    }),
    PutBackOriginalLifecycleConfig: sageMakerCall(
      'updateNotebookInstance',
      'AwaitOriginalLifecycleRestored',
      {
        InputPath: '$.snapshot.Payload.lifecycleRestoreRequest',
      },
    ),
    // Marked once the update has ended Stopped: one that ends Failed may not have applied it.
    ...awaitStatus('AwaitOriginalLifecycleRestored', {
      firstWaitPath: '$.plan.timing.updateSeconds',
      reached: ['Stopped'],
      next: 'MarkOriginalLifecycleRestored',
    }),
    MarkOriginalLifecycleRestored: markRecreation({ swapped: false }, false, 'DeleteNotebook'),

    DeleteNotebook: sageMakerCall('deleteNotebookInstance', 'MarkNotebookDeleted', {
      Comment:
        'Only reached with an approval, a verified configuration snapshot and, unless waived, a data manifest.',
      Parameters: notebookName,
    }),
    MarkNotebookDeleted: markRecreation({ swapped: false }, true, 'StartWaitingForDeletion'),
    StartWaitingForDeletion: resetPoll('WaitForDeletion'),
    WaitForDeletion: {
      Type: 'Wait',
      SecondsPath: '$.plan.timing.deleteSeconds',
      Next: 'CheckNotebookDeleted',
    },
    CheckNotebookDeleted: {
      Type: 'Task',
      Comment: 'The name is free once Describe answers RecordNotFound.',
      Resource: sdkIntegration('sagemaker', 'describeNotebookInstance'),
      Parameters: notebookName,
      ResultSelector: observedNotebookSelector(),
      ResultPath: '$.notebook',
      TimeoutSeconds: 60,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'IsNotebookGone', ResultPath: '$.deletionCheck' }],
      Next: 'DecideDeletionWait',
    },
    IsNotebookGone: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.deletionCheck.Cause', StringMatches: '*RecordNotFound*', Next: 'CreateNotebook' },
      ],
      Default: 'RecordDeletionCheckFailed',
    },
    RecordDeletionCheckFailed: {
      Type: 'Pass',
      Parameters: { 'Error.$': '$.deletionCheck.Error', 'Cause.$': '$.deletionCheck.Cause' },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
    DecideDeletionWait: {
      Type: 'Choice',
      Choices: [
        {
          And: [statusIs('Deleting'), checksExhausted('$.poll')],
          Next: 'RecordNotebookNotSettling',
        },
        { ...statusIs('Deleting'), Next: 'CountDeletionCheck' },
      ],
      Default: 'RecordUnexpectedStatus',
    },
    CountDeletionCheck: countStatusCheck('$.poll', 'WaitBeforeCheckingDeletion'),
    WaitBeforeCheckingDeletion: {
      Type: 'Wait',
      SecondsPath: '$.poll.delaySeconds',
      Next: 'CheckNotebookDeleted',
    },
    CreateNotebook: sageMakerCall('createNotebookInstance', 'DecideRestoreLifecycleAttached', {
      Comment:
        'Same name and settings, the fixed ones changed; the restore lifecycle config copies the data back.',
      InputPath: '$.snapshot.Payload.createRequest',
    }),
    DecideRestoreLifecycleAttached: {
      Type: 'Choice',
      Comment: 'Created with the restore lifecycle configuration: a failure from here puts its own back.',
      Choices: [{ ...keepData, Next: 'MarkRestoreLifecycleAttached' }],
      Default: 'AwaitRecreatedInService',
    },
    MarkRestoreLifecycleAttached: markRecreation(
      { swapped: true, putBackPath: '$.snapshot.Payload.finalUpdateRequest' },
      true,
      'AwaitRecreatedInService',
    ),
    ...awaitStatus('AwaitRecreatedInService', {
      firstWaitPath: '$.plan.timing.startSeconds',
      reached: ['InService'],
      next: 'DecideRestoreCheck',
    }),
    DecideRestoreCheck: {
      Type: 'Choice',
      Choices: [{ ...keepData, Next: 'AwaitRestore' }],
      Default: 'VerifyRecreation',
    },
    ...awaitScriptStatus(
      'AwaitRestore',
      {
        statusPath: '$.snapshot.Payload.restoreStatus',
        what: 'restore',
        failedError: 'DataRestoreFailed',
        timedOutError: 'DataRestoreTimeout',
      },
      'VerifyRecreation',
    ),
    VerifyRecreation: {
      Type: 'Task',
      Comment: 'Settings as planned, and every file restored with the same size and checksum.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(RECREATE_PLACEHOLDERS.verifyFunctionArn),
        Payload: {
          'plan.$': '$.plan',
          'snapshot.$': '$.snapshot.Payload',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
        },
      },
      ResultSelector: { 'fileCount.$': '$.Payload.fileCount', 'totalBytes.$': '$.Payload.totalBytes' },
      ResultPath: '$.verification',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('verify-recreation'),
      Retry: retryLambda(),
      Catch: toFailure,
      Next: 'DecideFinalSettings',
    },
    DecideFinalSettings: {
      Type: 'Choice',
      Choices: [
        { ...keepData, Next: 'StopAfterRestore' },
        { ...wasRunning, Next: 'PrepareResolvedClosing' },
      ],
      Default: 'StopRecreatedNotebook',
    },
    StopAfterRestore: sageMakerCall('stopNotebookInstance', 'AwaitStoppedAfterRestore', {
      Parameters: notebookName,
    }),
    ...awaitStatus('AwaitStoppedAfterRestore', {
      firstWaitPath: '$.plan.timing.stopSeconds',
      reached: ['Stopped'],
      next: 'ApplyOriginalSettings',
    }),
    ApplyOriginalSettings: sageMakerCall('updateNotebookInstance', 'AwaitOriginalSettings', {
      Comment: 'The original lifecycle configuration and code repositories, kept off during the restore.',
      InputPath: '$.snapshot.Payload.finalUpdateRequest',
    }),
    ...awaitStatus('AwaitOriginalSettings', {
      firstWaitPath: '$.plan.timing.updateSeconds',
      reached: ['Stopped'],
      next: 'MarkOriginalSettingsApplied',
    }),
    MarkOriginalSettingsApplied: markRecreation({ swapped: false }, true, 'DecideRestart'),
    DecideRestart: {
      Type: 'Choice',
      Choices: [{ ...wasRunning, Next: 'StartRecreatedNotebook' }],
      Default: 'PrepareResolvedClosing',
    },
    StartRecreatedNotebook: sageMakerCall('startNotebookInstance', 'AwaitRecreatedRunning', {
      Parameters: notebookName,
    }),
    ...awaitStatus('AwaitRecreatedRunning', {
      firstWaitPath: '$.plan.timing.startSeconds',
      reached: ['InService'],
      next: 'PrepareResolvedClosing',
    }),
    StopRecreatedNotebook: sageMakerCall('stopNotebookInstance', 'AwaitRecreatedStopped', {
      Comment: 'CreateNotebookInstance always starts the notebook; it was not running before.',
      Parameters: notebookName,
    }),
    ...awaitStatus('AwaitRecreatedStopped', {
      firstWaitPath: '$.plan.timing.stopSeconds',
      reached: ['Stopped'],
      next: 'PrepareResolvedClosing',
    }),

    PrepareResolvedClosing: {
      Type: 'Pass',
      Parameters: {
        ...closingStatus('RESOLVED'),
        outcome: 'RESOLVED',
        // The snapshot's location is in the alert: with the longest names it would not fit in 512 characters.
        'note.$':
          "States.Format('Recreated by {}: notebook instance {} now passes {}, with its settings, tags and data kept ({} files verified). Its snapshot is kept; the alert says where.', $$.Execution.Name, $.plan.notebook.name, States.JsonToString($.plan.recreate.fixes), $.verification.fileCount)",
        'subject.$': '$.plan.resolvedSubject',
        'message.$': `States.Format('Notebook instance {} was recreated after approval.\n\n{}\n\nFiles restored and verified: {} ({} bytes)\nWas running before: {}\nSnapshot: s3://{}/{}\nExecution: {}', $.plan.notebook.arn, $.plan.recreate.summary, $.verification.fileCount, $.verification.totalBytes, $.runState.wasRunning, ${NOTEBOOK_DATA_BUCKET_PATH}, $.snapshot.Payload.snapshotPrefix, $$.Execution.Id)`,
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    PrepareRejectedClosing: {
      Type: 'Pass',
      Parameters: {
        ...closingStatus('NOTIFIED'),
        outcome: 'REJECTED',
        'note.$':
          "States.Format('The {} was rejected ({}). Nothing was changed. Set this finding back to NEW, or use Remediate now, to plan it again.', $.plan.recreate.what, $.rejection.Cause)",
        'subject.$': "States.Format('SageMaker {} rejected: {}', $.plan.recreate.noun, $.plan.notebook.name)",
        'message.$':
          "States.Format('The {} was rejected, and nothing was changed.\n\n{}\n\nResource: {}\nPlan: {}\nExecution: {}', $.plan.recreate.what, $.rejection.Cause, $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)",
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    PrepareExpiredClosing: {
      Type: 'Pass',
      Parameters: {
        ...closingStatus('NOTIFIED'),
        outcome: 'APPROVAL_EXPIRED',
        'note.$':
          "States.Format('Nobody approved the {} in time, so the plan expired and nothing was changed. Use Remediate now to plan it again.', $.plan.recreate.what)",
        'subject.$': "States.Format('SageMaker {} expired: {}', $.plan.recreate.noun, $.plan.notebook.name)",
        'message.$':
          "States.Format('The approval window for the {} closed without an answer; nothing was changed.\n\nResource: {}\nPlan: {}\nExecution: {}', $.plan.recreate.what, $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)",
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    PrepareNothingChangedClosing: {
      Type: 'Pass',
      Comment: 'Planned again after the approval: no longer needed, or it cannot happen. Nothing changed.',
      Parameters: {
        ...closingStatus('NOTIFIED'),
        outcome: 'NOTHING_CHANGED',
        // The cause can be long (an AWS error): the note names it, the alert says it in full.
        'note.$':
          "States.Format('Approved, but the {} did not happen and nothing was changed ({}): the alert says why and what to do. Set this finding back to NEW once that is done.', $.plan.recreate.what, $.nothingChanged.Error)",
        'subject.$': "States.Format('SageMaker {} not done: {}', $.plan.recreate.noun, $.plan.notebook.name)",
        'message.$':
          "States.Format('The approved {} did not happen, and nothing was changed.\n\n{} ({})\n\nResource: {}\nPlan: {}\nExecution: {}', $.plan.recreate.what, $.nothingChanged.Cause, $.nothingChanged.Error, $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)",
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    ...closingStates(),
  };
}
