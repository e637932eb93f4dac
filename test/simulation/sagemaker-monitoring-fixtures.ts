/**
 * Shared set-up for the tests of the simulated monitoring family (job definitions, schedules, images,
 * app image configurations, feature groups): an account, valid requests, and error capture.
 */
import type {
  CreateDataQualityJobDefinitionCommandInput,
  MonitoringJobDefinition,
} from '@aws-sdk/client-sagemaker';
import { onTestFinished } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { rejectionOf } from '../unit/caught-errors.js';

export const ACCOUNT_ID = '111122223333';
export const SECOND = 1000;
export const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/monitoring-execution`;
export const arnOf = (type: string, name: string): string =>
  `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:${type}/${name.toLowerCase()}`;

/** A fresh account with instantaneous calls, disposed of when the test ends. */
export function givenAccount(): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  onTestFinished(() => account.dispose());
  return account;
}

/** The AwsServiceError a call rejects with. */
export function failureOf(promise: Promise<unknown>): Promise<AwsServiceError> {
  return rejectionOf(promise, AwsServiceError);
}

/** A valid CreateDataQualityJobDefinition request for an endpoint. */
export function dataQualityRequest(
  name: string,
  overrides: Partial<CreateDataQualityJobDefinitionCommandInput> = {},
): CreateDataQualityJobDefinitionCommandInput {
  return {
    JobDefinitionName: name,
    DataQualityAppSpecification: {
      ImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
    },
    DataQualityJobInput: {
      EndpointInput: { EndpointName: 'churn-endpoint', LocalPath: '/opt/ml/processing/input/endpoint' },
    },
    DataQualityJobOutputConfig: {
      MonitoringOutputs: [
        { S3Output: { S3Uri: 's3://reports/churn', LocalPath: '/opt/ml/processing/output' } },
      ],
    },
    JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 } },
    RoleArn: ROLE,
    ...overrides,
  };
}

/** A valid embedded MonitoringJobDefinition (the default model monitor's data quality job). */
export function embeddedDefinition(
  overrides: Partial<MonitoringJobDefinition> = {},
): MonitoringJobDefinition {
  return {
    MonitoringInputs: [
      { EndpointInput: { EndpointName: 'churn-endpoint', LocalPath: '/opt/ml/processing/input/endpoint' } },
    ],
    MonitoringOutputConfig: {
      MonitoringOutputs: [
        { S3Output: { S3Uri: 's3://reports/churn', LocalPath: '/opt/ml/processing/output' } },
      ],
    },
    MonitoringResources: {
      ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 },
    },
    MonitoringAppSpecification: {
      ImageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
    },
    RoleArn: ROLE,
    ...overrides,
  };
}

export const HOURLY = { ScheduleExpression: 'cron(0 * ? * * *)' };
