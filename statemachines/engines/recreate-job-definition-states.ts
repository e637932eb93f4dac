/**
 * recreate-job-definition (SageMaker.9, .10, .11, .12, .13, .15, .20, .25): the fixed copy of the
 * definition under its new name (the snapshot's `target`), every schedule that ran the old one moved
 * to it, those schedules watched until none is Pending (each back to Scheduled, or Stopped as it was),
 * the copy verified, and only then the old definition deleted. Each change is a ChangeResource step
 * (handlers/shared/changes/recreate-job-definition.ts); any failure rolls back through `restore`,
 * which works from every one of these points.
 */
import { lambdaTaskTimeoutSeconds } from '../../stacks/lambda-bundling.js';
import {
  type ChoiceCondition,
  LAMBDA_INVOKE,
  type State,
  sdkIntegration,
} from '../amazon-states-language.js';
import { MEMBER_SESSION_PAYLOAD } from '../member-credentials.js';
import {
  catchAll,
  checksExhausted,
  countStatusCheck,
  PLACEHOLDERS,
  placeholder,
  retryLambda,
  retryTransient,
} from '../state-builders.js';
import type { ApprovalEngineStates } from './approval-engine.js';
import { verifyTargetTask } from './verify-target.js';

const toRollBack = catchAll('RollBackResourceChange', '$.failure');

/** One step of the change, made by the ChangeResource Lambda from the verified snapshot. */
function changeStep(step: string, comment: string, next: string): State {
  return {
    Type: 'Task',
    Comment: comment,
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: placeholder(PLACEHOLDERS.changeResourceFunctionArn),
      Payload: { step, 'snapshot.$': '$.snapshot.Payload', ...MEMBER_SESSION_PAYLOAD },
    },
    ResultPath: null,
    TimeoutSeconds: lambdaTaskTimeoutSeconds('change-resource'),
    Retry: retryLambda(),
    Catch: toRollBack,
    Next: next,
  };
}

/** How many schedules on the new definition are in `status`: only the count is kept. */
function countSchedules(status: 'Pending' | 'Failed', next: string): State {
  return {
    Type: 'Task',
    Resource: sdkIntegration('sagemaker', 'listMonitoringSchedules'),
    Parameters: { 'MonitoringJobDefinitionName.$': '$.snapshot.Payload.target.name', StatusEquals: status },
    ResultSelector: { 'count.$': 'States.ArrayLength($.MonitoringScheduleSummaries)' },
    ResultPath: '$.movedSchedules',
    TimeoutSeconds: 60,
    Retry: retryTransient('sagemaker'),
    Catch: toRollBack,
    Next: next,
  };
}

const someSchedules: ChoiceCondition = { Variable: '$.movedSchedules.count', NumericGreaterThanEquals: 1 };

export const recreateJobDefinitionStates: ApprovalEngineStates = {
  entry: 'CreateFixedJobDefinition',
  states: (): Record<string, State> => ({
    CreateFixedJobDefinition: changeStep(
      'create',
      "The copy under its new name: the snapshot's members and tags, every fixed control's flag set.",
      'MoveSchedulesToFixedJobDefinition',
    ),
    MoveSchedulesToFixedJobDefinition: changeStep(
      'move',
      'UpdateMonitoringSchedule for each schedule that names the old definition: the new name, the rest as it was.',
      'ResetMovedSchedulesPoll',
    ),
    ResetMovedSchedulesPoll: {
      Type: 'Pass',
      Result: { attempt: 0, delaySeconds: 0 },
      ResultPath: '$.poll',
      Next: 'WaitForMovedSchedules',
    },
    WaitForMovedSchedules: {
      Type: 'Wait',
      SecondsPath: '$.poll.delaySeconds',
      Next: 'CountPendingMovedSchedules',
    },
    CountPendingMovedSchedules: countSchedules('Pending', 'DecideMovedSchedulesSettled'),
    DecideMovedSchedulesSettled: {
      Type: 'Choice',
      Choices: [
        { And: [someSchedules, checksExhausted('$.poll')], Next: 'RecordMovedSchedulesNotSettling' },
        { ...someSchedules, Next: 'CountMovedSchedulesCheck' },
      ],
      Default: 'CountFailedMovedSchedules',
    },
    CountMovedSchedulesCheck: countStatusCheck('$.poll', 'WaitForMovedSchedules'),
    CountFailedMovedSchedules: countSchedules('Failed', 'DecideMovedSchedulesHealthy'),
    DecideMovedSchedulesHealthy: {
      Type: 'Choice',
      Choices: [{ ...someSchedules, Next: 'RecordMovedScheduleFailed' }],
      Default: 'VerifyFixedJobDefinition',
    },
    // The copy must pass every fixed control before the old definition is deleted.
    VerifyFixedJobDefinition: verifyTargetTask('DecideFixedJobDefinitionVerified'),
    DecideFixedJobDefinitionVerified: {
      Type: 'Choice',
      Choices: [{ Variable: '$.verification.passes', BooleanEquals: true, Next: 'DeleteOldJobDefinition' }],
      Default: 'RecordFixedJobDefinitionNotVerified',
    },
    DeleteOldJobDefinition: changeStep(
      'retire',
      'The old definition, now that no schedule of the snapshot names it and its copy passes.',
      'VerifyChangedResource',
    ),
    RecordFixedJobDefinitionNotVerified: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceNotVerified',
        'Cause.$':
          "States.Format('SageMaker reports the new job definition {} (gone: {}) still failing {}', $.snapshot.Payload.target.arn, $.verification.gone, States.JsonToString($.verification.failing))",
      },
      ResultPath: '$.failure',
      Next: 'RollBackResourceChange',
    },
    RecordMovedSchedulesNotSettling: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceNotSettling',
        'Cause.$':
          "States.Format('{} monitoring schedule(s) moved to {} were still Pending after every status check', $.movedSchedules.count, $.snapshot.Payload.target.name)",
      },
      ResultPath: '$.failure',
      Next: 'RollBackResourceChange',
    },
    RecordMovedScheduleFailed: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceChangeFailed',
        'Cause.$':
          "States.Format('SageMaker reports {} monitoring schedule(s) Failed after the move to {}', $.movedSchedules.count, $.snapshot.Payload.target.name)",
      },
      ResultPath: '$.failure',
      Next: 'RollBackResourceChange',
    },
  }),
};
