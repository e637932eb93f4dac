/**
 * update-inference-experiment (SageMaker.24): the experiment's status read first (UpdateInferenceExperiment
 * is accepted only while it is Created or Running), the update with the data-capture key, then the
 * experiment watched while it is Updating until it is back in its prior status (or, from Created,
 * has started meanwhile on its schedule), then verified.
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

/** How long an experiment's update takes to settle, at first look (the backoff follows). */
const SETTLE_SECONDS = 30;

const toRollBack = catchAll('RollBackResourceChange', '$.failure');

const before = (status: string): ChoiceCondition => ({
  Variable: '$.experimentBefore.status',
  StringEquals: status,
});
const now = (status: string): ChoiceCondition => ({
  Variable: '$.experimentNow.status',
  StringEquals: status,
});

function describeExperiment(resultPath: string, next: string): State {
  return {
    Type: 'Task',
    Resource: sdkIntegration('sagemaker', 'describeInferenceExperiment'),
    Parameters: { 'Name.$': '$.plan.resource.name' },
    ResultSelector: { 'status.$': '$.Status' },
    ResultPath: resultPath,
    TimeoutSeconds: 60,
    Retry: retryTransient('sagemaker'),
    Catch: toRollBack,
    Next: next,
  };
}

function recordFailure(error: string, cause: string): State {
  return {
    Type: 'Pass',
    Parameters: { Error: error, 'Cause.$': cause },
    ResultPath: '$.failure',
    Next: 'RollBackResourceChange',
  };
}

export const updateInferenceExperimentStates: ApprovalEngineStates = {
  entry: 'DescribeExperimentBeforeUpdate',
  states: (): Record<string, State> => ({
    DescribeExperimentBeforeUpdate: describeExperiment('$.experimentBefore', 'DecideExperimentUpdatable'),
    DecideExperimentUpdatable: {
      Type: 'Choice',
      Comment: 'UpdateInferenceExperiment is accepted only while the experiment is Created or Running.',
      Choices: [{ Or: [before('Created'), before('Running')], Next: 'ApplyExperimentKey' }],
      Default: 'RecordExperimentNotUpdatable',
    },
    RecordExperimentNotUpdatable: recordFailure(
      'ExperimentNotUpdatable',
      "States.Format('inference experiment {} is {}: UpdateInferenceExperiment accepts changes only while it is Created or Running', $.plan.resource.name, $.experimentBefore.status)",
    ),
    ApplyExperimentKey: {
      Type: 'Task',
      Comment: 'UpdateInferenceExperiment with the snapshot’s DataStorageConfig and the configured KmsKey.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(PLACEHOLDERS.changeResourceFunctionArn),
        Payload: { step: 'apply', 'snapshot.$': '$.snapshot.Payload', ...MEMBER_SESSION_PAYLOAD },
      },
      // A new phase of status checks.
      ResultSelector: { attempt: 0, delaySeconds: SETTLE_SECONDS },
      ResultPath: '$.poll',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('change-resource'),
      Retry: retryLambda(),
      Catch: toRollBack,
      Next: 'WaitForExperimentUpdate',
    },
    WaitForExperimentUpdate: {
      Type: 'Wait',
      SecondsPath: '$.poll.delaySeconds',
      Next: 'DescribeUpdatedExperiment',
    },
    DescribeUpdatedExperiment: describeExperiment('$.experimentNow', 'DecideExperimentSettled'),
    DecideExperimentSettled: {
      Type: 'Choice',
      Choices: [
        {
          And: [now('Updating'), checksExhausted('$.poll')],
          Next: 'RecordExperimentNotSettling',
        },
        { ...now('Updating'), Next: 'CountExperimentCheck' },
        {
          Variable: '$.experimentNow.status',
          StringEqualsPath: '$.experimentBefore.status',
          Next: 'VerifyChangedResource',
        },
        // Its schedule started it meanwhile.
        {
          And: [before('Created'), { Or: [now('Starting'), now('Running')] }],
          Next: 'VerifyChangedResource',
        },
      ],
      Default: 'RecordExperimentChangeFailed',
    },
    CountExperimentCheck: countStatusCheck('$.poll', 'WaitForExperimentUpdate'),
    RecordExperimentNotSettling: recordFailure(
      'ResourceNotSettling',
      "States.Format('inference experiment {} was still Updating after every status check', $.plan.resource.name)",
    ),
    RecordExperimentChangeFailed: recordFailure(
      'ResourceChangeFailed',
      "States.Format('inference experiment {} is {} after the update (it was {})', $.plan.resource.name, $.experimentNow.status, $.experimentBefore.status)",
    ),
  }),
};
