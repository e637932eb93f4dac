/**
 * The approval-gated recreation of a notebook instance (SageMaker.1, .2, .8, .21; .3 along the way).
 *
 *   RequestApproval: the finding says what will change and how to approve; an alert says the same.
 *   WaitForApproval: the task token goes to the approval table (never onto the finding) and the
 *     execution waits, at most the approval window, for the custom-action Lambda to answer.
 *   SnapshotNotebook: configuration.json written to S3, read back and compared; requests for the
 *     lifecycle scripts written.
 *   Backup (unless data loss was accepted): stop, attach the backup lifecycle configuration, start
 *     (its OnStart copies the volume to S3 in the background), wait for data-manifest.json, stop,
 *     put the original lifecycle configuration back.
 *   DeleteNotebook, wait until the name is free, CreateNotebook from the snapshot with the fixed
 *     settings (and the restore lifecycle configuration, whose OnCreate copies the data back), wait
 *     for restore-manifest.json, VerifyRecreation, put the original lifecycle configuration and code
 *     repositories back, restore the prior run state.
 *   Closing: every finding of the plan (its own and the ones that joined) is resolved, or annotated
 *     when the plan was rejected or expired; an alert; the lock released.
 *
 * Nothing is deleted before an approval and a verified snapshot. Failures go to the shared failure
 * handling, which puts the original lifecycle configuration back, restarts a notebook that was
 * running, and, once the notebook was deleted, gives the restore command.
 */
import { REJECTION_ERROR } from '../handlers/shared/custom-action-event.js';
import { TRANSITIONAL_STATUSES } from '../handlers/shared/remediation-plan.js';
import {
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_EXPIRY_ATTRIBUTE,
  APPROVAL_FINDING_IDS_ATTRIBUTE,
  APPROVAL_PLAN_SUMMARY_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
  APPROVAL_TOKEN_ATTRIBUTE,
} from '../stacks/approval-table-schema.js';
import {
  type ChoiceCondition,
  type ChoiceRule,
  LAMBDA_INVOKE,
  type State,
  sdkIntegration,
} from './amazon-states-language.js';
import { LOCK_FINDINGS_ATTRIBUTE, LOCK_TABLE_KEY } from './lock-table.js';
import {
  alertAttributes,
  catchAll,
  checksExhausted,
  countStatusCheck,
  describeNotebook,
  NOTE_AUTHOR,
  notebookName,
  PLACEHOLDERS,
  placeholder,
  RECREATE_PLACEHOLDERS,
  retryTransient,
  statusIs,
  statusIsOneOf,
  updateFindings,
  wasRunning,
} from './state-builders.js';

export interface RecreateOptions {
  /** How long a plan waits for approval before it expires (the task's TimeoutSeconds). */
  readonly approvalTimeoutSeconds: number;
}

const toFailure = catchAll('CheckNotebookAfterFailure', '$.failure');
const keepData: ChoiceCondition = { Variable: '$.snapshot.Payload.keepData', BooleanEquals: true };
const resetPoll = (next: string): State => ({
  Type: 'Pass',
  Result: { attempt: 0, delaySeconds: 0 },
  ResultPath: '$.poll',
  Next: next,
});
const markRecreation = (lifecycleSwapped: boolean, deleted: boolean, next: string): State => ({
  Type: 'Pass',
  Result: { lifecycleSwapped, deleted },
  ResultPath: '$.recreation',
  Next: next,
});

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

/** Read an object the lifecycle scripts write last; wait (bounded) while it does not exist yet. */
function awaitManifest(
  name: string,
  keyPath: string,
  next: string,
  timeoutError: string,
): Record<string, State> {
  return {
    [name]: resetPoll(`${name}Read`),
    [`${name}Read`]: {
      Type: 'Task',
      Resource: sdkIntegration('s3', 'getObject'),
      Parameters: { Bucket: placeholder(RECREATE_PLACEHOLDERS.backupBucketName), 'Key.$': keyPath },
      ResultSelector: { found: true },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('s3'),
      Catch: [
        { ErrorEquals: ['S3.NoSuchKeyException'], Next: `${name}Decide`, ResultPath: null },
        ...toFailure,
      ],
      Next: next,
    },
    [`${name}Decide`]: {
      Type: 'Choice',
      Choices: [{ ...checksExhausted('$.poll'), Next: `${name}TimedOut` }],
      Default: `${name}Count`,
    },
    [`${name}Count`]: countStatusCheck('$.poll', `${name}Backoff`),
    [`${name}Backoff`]: { Type: 'Wait', SecondsPath: '$.poll.delaySeconds', Next: `${name}Read` },
    [`${name}TimedOut`]: {
      Type: 'Pass',
      Parameters: {
        Error: timeoutError,
        'Cause.$': `States.Format('s3://{}/{} did not appear after {} checks.', '${placeholder(RECREATE_PLACEHOLDERS.backupBucketName)}', ${keyPath}, $.poll.attempt)`,
      },
      ResultPath: '$.failure',
      Next: 'CheckNotebookAfterFailure',
    },
  };
}

/** Closing of a plan: every finding of it updated the same way, an alert, the lock released. */
function closingStates(): Record<string, State> {
  return {
    ReadPlanFindings: {
      Type: 'Task',
      Comment: 'The lock item lists every finding of the plan: its own and the sibling findings that joined.',
      Resource: sdkIntegration('dynamodb', 'getItem'),
      Parameters: {
        TableName: placeholder(PLACEHOLDERS.lockTableName),
        Key: { [LOCK_TABLE_KEY]: { 'S.$': '$.plan.lock.key' } },
        ConsistentRead: true,
      },
      ResultSelector: { 'findings.$': `$.Item.${LOCK_FINDINGS_ATTRIBUTE}.L` },
      ResultPath: '$.planFindings',
      TimeoutSeconds: 60,
      Retry: retryTransient('dynamodb'),
      Catch: toFailure,
      Next: 'CollectPlanFindings',
    },
    CollectPlanFindings: {
      Type: 'Map',
      ItemsPath: '$.planFindings.findings',
      ItemSelector: {
        'Id.$': '$$.Map.Item.Value.M.Id.S',
        'ProductArn.$': '$$.Map.Item.Value.M.ProductArn.S',
      },
      ItemProcessor: {
        StartAt: 'FindingIdentifier',
        States: { FindingIdentifier: { Type: 'Pass', End: true } },
      },
      ResultPath: '$.planFindingIdentifiers',
      Next: 'ClosePlanFindings',
    },
    ClosePlanFindings: {
      Type: 'Task',
      Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
      Parameters: {
        'FindingIdentifiers.$': '$.planFindingIdentifiers',
        Workflow: { 'Status.$': '$.closing.status' },
        Note: { 'Text.$': '$.closing.note', UpdatedBy: NOTE_AUTHOR },
      },
      ResultSelector: { 'unprocessed.$': '$.UnprocessedFindings' },
      ResultPath: '$.findingUpdate',
      TimeoutSeconds: 60,
      Retry: retryTransient('securityhub'),
      Catch: toFailure,
      Next: 'CheckPlanFindingsClosed',
    },
    CheckPlanFindingsClosed: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.findingUpdate.unprocessed[0]', IsPresent: true, Next: 'RecordFindingNotUpdated' },
      ],
      Default: 'PublishClosingAlert',
    },
    PublishClosingAlert: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.closing.subject',
        'Message.$': '$.closing.message',
        MessageAttributes: alertAttributes({ 'StringValue.$': '$.closing.outcome' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: catchAll('ReleaseLockAfterAlertFailure', '$.failure'),
      Next: 'ReleaseNotebookLock',
    },
  };
}

/** The states of the recreate branch; DecideNextStep routes `recreate-notebook` plans to RequestApproval. */
export function recreateNotebookStates(options: RecreateOptions): Record<string, State> {
  const bucket = placeholder(RECREATE_PLACEHOLDERS.backupBucketName);
  return {
    RequestApproval: {
      Type: 'Task',
      Comment: 'Nothing changes before approval: the finding says what would change and how to approve.',
      Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
      Parameters: updateFindings('NOTIFIED', '$.plan.recreate.approvalNote'),
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('securityhub'),
      Catch: toFailure,
      Next: 'PublishApprovalRequest',
    },
    PublishApprovalRequest: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.plan.recreate.approvalSubject',
        'Message.$': '$.plan.recreate.approvalMessage',
        MessageAttributes: alertAttributes({ StringValue: 'AWAITING_APPROVAL' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: toFailure,
      Next: 'WaitForApproval',
    },
    WaitForApproval: {
      Type: 'Task',
      Comment: 'The task token is kept server side, in the approval table; the wait is bounded.',
      Resource: sdkIntegration('dynamodb', 'putItem', { waitForTaskToken: true }),
      Parameters: {
        TableName: placeholder(RECREATE_PLACEHOLDERS.approvalTableName),
        // The layout the custom-action Lambda reads (stacks/approval-table-schema.ts).
        Item: {
          [APPROVAL_TABLE_KEY]: { 'S.$': '$.plan.recreate.approvalKey' },
          [APPROVAL_TOKEN_ATTRIBUTE]: { 'S.$': '$$.Task.Token' },
          [APPROVAL_STATUS_ATTRIBUTE]: { S: 'PENDING' },
          [APPROVAL_EXECUTION_ARN_ATTRIBUTE]: { 'S.$': '$$.Execution.Id' },
          [APPROVAL_FINDING_IDS_ATTRIBUTE]: { L: [{ 'S.$': '$.plan.finding.id' }] },
          [APPROVAL_PLAN_SUMMARY_ATTRIBUTE]: { 'S.$': '$.plan.recreate.summary' },
          [APPROVAL_EXPIRY_ATTRIBUTE]: { 'N.$': "States.Format('{}', $.plan.recreate.approvalExpiresAt)" },
        },
      },
      TimeoutSeconds: options.approvalTimeoutSeconds,
      ResultPath: '$.approval',
      Catch: [
        { ErrorEquals: [REJECTION_ERROR], Next: 'PrepareRejectedClosing', ResultPath: '$.rejection' },
        { ErrorEquals: ['States.Timeout'], Next: 'PrepareExpiredClosing', ResultPath: '$.expiry' },
        ...toFailure,
      ],
      Next: 'SnapshotNotebook',
    },
    SnapshotNotebook: {
      Type: 'Task',
      Comment: 'configuration.json written, read back and compared; nothing is deleted unless it verified.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(RECREATE_PLACEHOLDERS.snapshotFunctionArn),
        Payload: {
          'plan.$': '$.plan',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
        },
      },
      ResultPath: '$.snapshot',
      TimeoutSeconds: 120,
      Retry: retryTransient('lambda'),
      Catch: toFailure,
      Next: 'DescribeBeforeRecreating',
    },
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
        LifecycleConfigName: placeholder(RECREATE_PLACEHOLDERS.backupLifecycleConfigName),
      },
    }),
    MarkBackupLifecycleAttached: markRecreation(true, false, 'AwaitBackupLifecycleAttached'),
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
      next: 'AwaitDataManifest',
    }),
    ...awaitManifest(
      'AwaitDataManifest',
      '$.snapshot.Payload.dataManifestKey',
      'StopAfterBackup',
      'DataBackupTimeout',
    ),
    StopAfterBackup: sageMakerCall('stopNotebookInstance', 'AwaitStoppedAfterBackup', {
      Parameters: notebookName,
    }),
    ...awaitStatus('AwaitStoppedAfterBackup', {
      firstWaitPath: '$.plan.timing.stopSeconds',
      reached: ['Stopped'],
      next: 'PutBackOriginalLifecycleConfig',
    }),
    PutBackOriginalLifecycleConfig: sageMakerCall('updateNotebookInstance', 'MarkOriginalLifecycleRestored', {
      InputPath: '$.snapshot.Payload.lifecycleRestoreRequest',
    }),
    MarkOriginalLifecycleRestored: markRecreation(false, false, 'AwaitOriginalLifecycleRestored'),
    ...awaitStatus('AwaitOriginalLifecycleRestored', {
      firstWaitPath: '$.plan.timing.updateSeconds',
      reached: ['Stopped'],
      next: 'DeleteNotebook',
    }),

    DeleteNotebook: sageMakerCall('deleteNotebookInstance', 'MarkNotebookDeleted', {
      Comment:
        'Only reached with an approval, a verified configuration snapshot and, unless waived, a data manifest.',
      Parameters: notebookName,
    }),
    MarkNotebookDeleted: markRecreation(false, true, 'StartWaitingForDeletion'),
    StartWaitingForDeletion: resetPoll('WaitForDeletion'),
    WaitForDeletion: { Type: 'Wait', SecondsPath: '$.plan.timing.stopSeconds', Next: 'CheckNotebookDeleted' },
    CheckNotebookDeleted: {
      Type: 'Task',
      Comment: 'The name is free once Describe answers RecordNotFound.',
      Resource: sdkIntegration('sagemaker', 'describeNotebookInstance'),
      Parameters: notebookName,
      ResultSelector: { 'status.$': '$.NotebookInstanceStatus', 'rootAccess.$': '$.RootAccess' },
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
    CreateNotebook: sageMakerCall('createNotebookInstance', 'AwaitRecreatedInService', {
      Comment:
        'Same name and settings, the fixed ones changed; the restore lifecycle config copies the data back.',
      InputPath: '$.snapshot.Payload.createRequest',
    }),
    ...awaitStatus('AwaitRecreatedInService', {
      firstWaitPath: '$.plan.timing.startSeconds',
      reached: ['InService'],
      next: 'DecideRestoreCheck',
    }),
    DecideRestoreCheck: {
      Type: 'Choice',
      Choices: [{ ...keepData, Next: 'AwaitRestoreManifest' }],
      Default: 'VerifyRecreation',
    },
    ...awaitManifest(
      'AwaitRestoreManifest',
      '$.snapshot.Payload.restoreManifestKey',
      'VerifyRecreation',
      'DataRestoreTimeout',
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
      TimeoutSeconds: 120,
      Retry: retryTransient('lambda'),
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
      next: 'DecideRestart',
    }),
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
        status: 'RESOLVED',
        outcome: 'RESOLVED',
        'note.$': `States.Format('Recreated by {}: notebook instance {} now passes {}, with its settings, tags and data kept ({} files verified). Snapshot: s3://${bucket}/{}', $$.Execution.Name, $.plan.notebook.name, States.JsonToString($.plan.recreate.fixes), $.verification.fileCount, $.snapshot.Payload.snapshotPrefix)`,
        'subject.$': '$.plan.resolvedSubject',
        'message.$': `States.Format('Notebook instance {} was recreated after approval.\n\n{}\n\nFiles restored and verified: {} ({} bytes)\nWas running before: {}\nSnapshot: s3://${bucket}/{}\nExecution: {}', $.plan.notebook.arn, $.plan.recreate.summary, $.verification.fileCount, $.verification.totalBytes, $.runState.wasRunning, $.snapshot.Payload.snapshotPrefix, $$.Execution.Id)`,
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    PrepareRejectedClosing: {
      Type: 'Pass',
      Parameters: {
        status: 'NOTIFIED',
        outcome: 'REJECTED',
        'note.$':
          "States.Format('The recreation of notebook instance {} was rejected ({}). Nothing was changed. Set this finding back to NEW, or use Remediate now, to plan it again.', $.plan.notebook.name, $.rejection.Cause)",
        'subject.$': "States.Format('SageMaker recreation rejected: {}', $.plan.notebook.name)",
        'message.$':
          "States.Format('The recreation of notebook instance {} was rejected, and nothing was changed.\n\n{}\n\nPlan: {}\nExecution: {}', $.plan.notebook.arn, $.rejection.Cause, $.plan.recreate.summary, $$.Execution.Id)",
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    PrepareExpiredClosing: {
      Type: 'Pass',
      Parameters: {
        status: 'NOTIFIED',
        outcome: 'APPROVAL_EXPIRED',
        'note.$':
          "States.Format('Nobody approved the recreation of notebook instance {} in time, so the plan expired and nothing was changed. Use Remediate now to plan it again.', $.plan.notebook.name)",
        'subject.$': "States.Format('SageMaker recreation expired: {}', $.plan.notebook.name)",
        'message.$':
          "States.Format('The approval window for recreating notebook instance {} closed without an answer; nothing was changed.\n\nPlan: {}\nExecution: {}', $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)",
      },
      ResultPath: '$.closing',
      Next: 'ReadPlanFindings',
    },
    ...closingStates(),
  };
}

/** Recovery rules the recreate branch adds in front of DecideRecovery's: put the original lifecycle configuration back first. */
export function lifecycleRecoveryStates(): { rules: ChoiceRule[]; states: Record<string, State> } {
  const swapped: ChoiceCondition = { Variable: '$.recreation.lifecycleSwapped', BooleanEquals: true };
  return {
    rules: [
      { And: [swapped, statusIs('Stopped')], Next: 'PutBackLifecycleAfterFailure' },
      { And: [swapped, statusIs('InService')], Next: 'StopToPutBackLifecycle' },
    ],
    states: {
      StopToPutBackLifecycle: sageMakerCall('stopNotebookInstance', 'WaitBeforeRecoveryCheck', {
        Comment: 'The backup lifecycle configuration is attached: stop, so the original can be put back.',
        Parameters: notebookName,
        Catch: catchAll('ReportFailure', '$.recovery.error'),
      }),
      PutBackLifecycleAfterFailure: sageMakerCall(
        'updateNotebookInstance',
        'MarkLifecycleRestoredAfterFailure',
        {
          InputPath: '$.snapshot.Payload.lifecycleRestoreRequest',
          Catch: catchAll('ReportFailure', '$.recovery.error'),
        },
      ),
      MarkLifecycleRestoredAfterFailure: markRecreation(false, false, 'WaitBeforeRecoveryCheck'),
    },
  };
}
