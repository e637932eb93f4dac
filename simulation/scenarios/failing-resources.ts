/**
 * The Given of the control test matrix: a resource of a control's kind that fails that control (and,
 * where one resource can, its siblings of the same kind), seeded into a simulated account. Notebook
 * controls have their own fixtures (the notebook engines); every other kind is here, one case each.
 */
import { findControl } from '../../handlers/shared/controls-catalogue.js';
import type { SimulatedAccount } from '../account/account.js';

/** The execution role the seeded resources name (the account's IAM learns it when used). */
export const RESOURCE_ROLE = (account: SimulatedAccount) =>
  `arn:aws:iam::${account.accountId}:role/service-role/AmazonSageMaker-ExecutionRole-Models`;

const MONITOR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer';

/** An embedded monitoring job without network isolation or traffic encryption (SageMaker.14 and .22). */
export function embeddedMonitoringJob(account: SimulatedAccount, endpointName: string) {
  return {
    MonitoringInputs: [
      { EndpointInput: { EndpointName: endpointName, LocalPath: '/opt/ml/processing/input' } },
    ],
    MonitoringOutputConfig: {
      MonitoringOutputs: [
        { S3Output: { S3Uri: 's3://monitoring-reports/churn', LocalPath: '/opt/ml/processing/output' } },
      ],
    },
    MonitoringResources: {
      ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 },
    },
    MonitoringAppSpecification: { ImageUri: MONITOR_IMAGE },
    RoleArn: RESOURCE_ROLE(account),
    NetworkConfig: { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false },
  };
}

const JOB_DEFINITION_TYPES = {
  'data-quality-job-definition': 'DataQuality',
  'model-bias-job-definition': 'ModelBias',
  'model-explainability-job-definition': 'ModelExplainability',
  'model-quality-job-definition': 'ModelQuality',
} as const;

/**
 * Seeds a resource named `name` that fails `controlId`; returns its ARN. A job definition runs on two
 * instances with neither isolation nor encryption, so it fails every control of its type at once.
 */
export function seedFailingResource(account: SimulatedAccount, controlId: string, name: string): string {
  const control = findControl(controlId);
  if (!control) throw new Error(`seedFailingResource: unknown control ${controlId}`);
  const { inference, monitoring } = account.sagemaker;
  const role = RESOURCE_ROLE(account);
  switch (control.kind) {
    case 'image':
      return monitoring.seedImage({ name, roleArn: role });
    case 'app-image-config':
      return monitoring.seedAppImageConfig({ name });
    case 'data-quality-job-definition':
    case 'model-bias-job-definition':
    case 'model-explainability-job-definition':
    case 'model-quality-job-definition':
      return monitoring.seedJobDefinition(JOB_DEFINITION_TYPES[control.kind], {
        name,
        roleArn: role,
        endpointName: 'churn-endpoint',
        instanceCount: 2,
        networkConfig: { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false },
      });
    case 'monitoring-schedule':
      return monitoring.seedMonitoringSchedule({
        name,
        config: {
          ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
          MonitoringJobDefinition: embeddedMonitoringJob(account, 'churn-endpoint'),
          MonitoringType: 'DataQuality',
        },
      });
    case 'model': {
      const container = {
        Image: 'public.ecr.aws/example/churn-inference:1.4',
        ImageConfig: { RepositoryAccessMode: 'Platform' as const },
        ModelDataUrl: 's3://models/churn/model.tar.gz',
      };
      return inference.seedModel({
        name,
        executionRoleArn: role,
        ...(controlId === 'SageMaker.19'
          ? { containers: [container, { ...container, Image: 'public.ecr.aws/example/postprocess:2' }] }
          : { primaryContainer: container }),
        enableNetworkIsolation: false,
      });
    }
    case 'endpoint-config':
      inference.seedModel({ name: `${name}-model`, executionRoleArn: role });
      return inference.seedEndpointConfig({ name, modelName: `${name}-model` });
    case 'feature-group':
      return monitoring.seedFeatureGroup({
        name,
        roleArn: role,
        onlineStoreConfig: { EnableOnlineStore: true },
        offlineStoreConfig: { S3StorageConfig: { S3Uri: 's3://feature-store/churn' } },
      });
    case 'inference-experiment':
      // Data capture to S3 without a key (SageMaker.24) and no storage key (SageMaker.23).
      return inference.seedInferenceExperiment({
        name,
        endpointName: 'churn-endpoint',
        roleArn: role,
        dataStorageConfig: { Destination: 's3://shadow-test-capture/churn' },
      });
    case 'notebook-instance':
      throw new Error(`seedFailingResource: ${controlId} is a notebook control (use the notebook fixtures)`);
  }
}
