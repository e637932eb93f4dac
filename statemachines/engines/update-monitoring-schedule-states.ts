/**
 * update-monitoring-schedule (SageMaker.14, .22): UpdateMonitoringSchedule with the full configuration
 * and the fixed NetworkConfig, then the schedule watched from Pending until it is Scheduled again.
 */
import { lambdaTaskTimeoutSeconds } from '../../stacks/lambda-bundling.js';
import { LAMBDA_INVOKE, type State, sdkIntegration } from '../amazon-states-language.js';
import { MEMBER_SESSION_PAYLOAD } from '../member-credentials.js';
import { catchAll, PLACEHOLDERS, placeholder, retryLambda, retryTransient } from '../state-builders.js';
import type { ApprovalEngineStates } from './approval-engine.js';

/** How long a monitoring schedule's update takes to settle (Pending to Scheduled), at first look. */
const SETTLE_SECONDS = 20;

const toRollBack = catchAll('RollBackResourceChange', '$.failure');

export const updateMonitoringScheduleStates: ApprovalEngineStates = {
  entry: 'ApplyResourceChange',
  states: (): Record<string, State> => ({
    ApplyResourceChange: {
      Type: 'Task',
      Comment: "The fix, built from the verified snapshot with every fixed control's own change.",
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.changeResourceFunctionArn),
        Payload: { step: 'apply', 'snapshot.$': '$.snapshot.Payload', ...MEMBER_SESSION_PAYLOAD },
      },
      ResultPath: null,
      TimeoutSeconds: lambdaTaskTimeoutSeconds('change-resource'),
      Retry: retryLambda(),
      Catch: toRollBack,
      Next: 'WaitForResourceChange',
    },
    WaitForResourceChange: {
      Type: 'Wait',
      Seconds: SETTLE_SECONDS,
      Next: 'DescribeChangedSchedule',
    },
    DescribeChangedSchedule: {
      Type: 'Task',
      Resource: sdkIntegration('sagemaker', 'describeMonitoringSchedule'),
      Parameters: { 'MonitoringScheduleName.$': '$.plan.resource.name' },
      ResultSelector: { 'status.$': '$.MonitoringScheduleStatus' },
      ResultPath: '$.resourceStatus',
      TimeoutSeconds: 60,
      Retry: retryTransient('sagemaker'),
      Catch: toRollBack,
      Next: 'DecideResourceSettled',
    },
    DecideResourceSettled: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.resourceStatus.status', StringEquals: 'Failed', Next: 'RecordResourceChangeFailed' },
        {
          And: [
            { Variable: '$.resourceStatus.status', StringEquals: 'Pending' },
            { Variable: '$.poll.attempt', NumericGreaterThanEqualsPath: '$.plan.timing.maxPolls' },
          ],
          Next: 'RecordResourceNotSettling',
        },
        { Variable: '$.resourceStatus.status', StringEquals: 'Pending', Next: 'CountResourceCheck' },
      ],
      Default: 'VerifyChangedResource',
    },
    CountResourceCheck: {
      Type: 'Pass',
      Parameters: { 'attempt.$': 'States.MathAdd($.poll.attempt, 1)', delaySeconds: SETTLE_SECONDS },
      ResultPath: '$.poll',
      Next: 'WaitForResourceChange',
    },
    RecordResourceChangeFailed: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceChangeFailed',
        'Cause.$': "States.Format('SageMaker reports {} Failed after the change', $.plan.resource.arn)",
      },
      ResultPath: '$.failure',
      Next: 'RollBackResourceChange',
    },
    RecordResourceNotSettling: {
      Type: 'Pass',
      Parameters: {
        Error: 'ResourceNotSettling',
        'Cause.$': "States.Format('{} was still Pending after every status check', $.plan.resource.arn)",
      },
      ResultPath: '$.failure',
      Next: 'RollBackResourceChange',
    },
  }),
};
