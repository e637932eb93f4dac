/**
 * What every failed remediation goes through: the notebook back in its prior run state where possible,
 * the report (note and alert) from the report Lambda or a plain fallback, every finding of the plan
 * annotated, the plan closed, the lock released, and the execution failed with the original error.
 */

import { APPROVAL_EXECUTION_ARN_ATTRIBUTE, APPROVAL_TABLE_KEY } from '../stacks/approval-table-schema.js';
import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import { LAMBDA_INVOKE, type State, sdkIntegration, type TaskState } from './amazon-states-language.js';
import { isOcsfFinding } from './ocsf-notes.js';
import { asffAfterOcsf, ocsfTwinName, planWideTwin } from './ocsf-plan-notes.js';
import { recoveryStates } from './recovery-states.js';
import { planFindingsStates } from './recreate-plan-states.js';
import {
  alertAttributes,
  catchAll,
  notePlanFailure,
  PLACEHOLDERS,
  placeholder,
  RECREATE_PLACEHOLDERS,
  releaseLock,
  remediationIs,
  retryLambda,
  retryTransient,
} from './state-builders.js';

/**
 * Restore the prior run state, annotate the finding (every finding of a recreation plan), alert, close
 * the plan, release the lock, fail the execution. Without recreation there is no plan to read or close.
 */
const annotateFailure: TaskState = notePlanFailure('PublishFailureAlert');

export function failureHandlingStates(
  recreate: boolean,
  /** Where a failed resource plan goes to be put back (a resource engine's roll-back), if any. */
  resourceRecovery?: string,
): Record<string, State> {
  const afterReport = 'DecideFailureFindings';
  const afterAlert = recreate ? 'DecidePlanAfterFailure' : 'ReleaseLockAfterFailure';
  return {
    ...recoveryStates({ lifecycle: recreate, ...(resourceRecovery ? { resourceRecovery } : {}) }),
    ReportFailure: {
      Type: 'Task',
      Comment: 'Turn the error and the recovery outcome into a finding note (<= 512 chars) and an alert.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.reportFailureFunctionArn),
        Payload: {
          'plan.$': '$.plan',
          'failure.$': '$.failure',
          'notebook.$': '$.notebook',
          'runState.$': '$.runState',
          'recovery.$': '$.recovery',
          'recoveryError.$': '$.recoveryError',
          'recreation.$': '$.recreation',
          'snapshot.$': '$.snapshot.Payload',
          'rollback.$': '$.rollback',
          execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name' },
        },
      },
      ResultSelector: {
        'note.$': '$.Payload.note',
        'subject.$': '$.Payload.subject',
        'message.$': '$.Payload.message',
      },
      ResultPath: '$.report',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('report-failure'),
      Retry: retryLambda(),
      Catch: catchAll('BuildFallbackReport', '$.reportError'),
      Next: afterReport,
    },
    BuildFallbackReport: {
      Type: 'Pass',
      Comment: 'The report Lambda failed: a plain report still goes out.',
      Parameters: {
        'note.$':
          "States.Format('Remediation of {} failed; check that notebook instance {} is in its prior state. The alert has the error (execution {}).', $.plan.controlId, $.plan.notebook.name, $$.Execution.Name)",
        subject: 'SageMaker remediation failed',
        'message.$':
          "States.Format('Remediation of {} on notebook instance {} failed.\n\nError: {}\nCause: {}\nExecution: {}\nState: {}', $.plan.controlId, $.plan.notebook.arn, $.failure.Error, $.failure.Cause, $$.Execution.Id, States.JsonToString($.notebook))",
      },
      ResultPath: '$.report',
      Next: afterReport,
    },
    DecideFailureFindings: {
      Type: 'Choice',
      Comment:
        'A recreation plan may hold sibling findings: each gets the failure note. An OCSF finding gets it through BatchUpdateFindingsV2.',
      Choices: [
        ...(recreate ? [{ ...remediationIs('recreate-notebook'), Next: 'ReadFailedPlanFindings' }] : []),
        { ...isOcsfFinding, Next: ocsfTwinName('AnnotateFailure') },
      ],
      Default: 'AnnotateFailure',
    },
    ...(recreate ? failedPlanStates() : {}),
    AnnotateFailure: annotateFailure,
    [ocsfTwinName('AnnotateFailure')]: planWideTwin(
      'AnnotateFailure',
      annotateFailure,
      'DecideFailureNoteAfterOcsf',
      true,
    ),
    DecideFailureNoteAfterOcsf: asffAfterOcsf({
      prefix: recreate ? 'FailedPlanFindings' : undefined,
      v1: 'AnnotateFailure',
      otherwise: 'PublishFailureAlert',
    }),
    PublishFailureAlert: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.report.subject',
        'Message.$': '$.report.message',
        MessageAttributes: alertAttributes({ StringValue: 'FAILED' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: catchAll(afterAlert, '$.alertError'),
      Next: afterAlert,
    },
    ReleaseLockAfterFailure: releaseLock('DecideFailureEnd', catchAll('DecideFailureEnd', '$.lockError')),
    DecideFailureEnd: {
      Type: 'Choice',
      Comment: 'A remediation fails with its error; a clean-up of another execution has done its job.',
      Choices: [{ Variable: '$.cleanup', IsPresent: true, Next: 'CleanUpDone' }],
      Default: 'RemediationFailed',
    },
    CleanUpDone: { Type: 'Succeed', Comment: 'The findings, the alert and the notebook say what happened.' },
    RemediationFailed: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
  };
}

/** The plan's side of a failure: every finding of the plan gets the note, then the plan is closed. */
function failedPlanStates(): Record<string, State> {
  return {
    ...planFindingsStates('FailedPlanFindings', 'AnnotateFailure', ocsfTwinName('AnnotateFailure')),
    DecidePlanAfterFailure: {
      Type: 'Choice',
      Choices: [{ ...remediationIs('recreate-notebook'), Next: 'ClosePlanAfterFailure' }],
      Default: 'ReleaseLockAfterFailure',
    },
    ClosePlanAfterFailure: {
      Type: 'Task',
      Comment: 'Its findings say what happened; a new plan can be made when they come back NEW.',
      Resource: sdkIntegration('dynamodb', 'deleteItem'),
      Parameters: {
        TableName: placeholder(RECREATE_PLACEHOLDERS.approvalTableName),
        Key: { [APPROVAL_TABLE_KEY]: { 'S.$': '$.plan.recreate.approvalKey' } },
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE },
        ExpressionAttributeValues: { ':me': { 'S.$': '$$.Execution.Id' } },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('dynamodb'),
      Catch: catchAll('ReleaseLockAfterFailure', '$.planCloseError'),
      Next: 'ReleaseLockAfterFailure',
    },
  };
}
