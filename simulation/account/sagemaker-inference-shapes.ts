/**
 * The request shapes of the inference family's operations, with the constraints of the SageMaker API
 * reference (names, lengths, patterns, ranges, enums, required members). Members this simulation does
 * not act on but AWS accepts are listed as `opaque` (checked to be structures, kept and described back).
 */

import { ProductionVariantInstanceType } from '@aws-sdk/client-sagemaker';
import { type Shape, s } from './sagemaker-inference-validation.js';

export const MODEL_NAME = s.string({ max: 63, pattern: '^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?' });
/** Endpoint, endpoint configuration and production variant names. */
export const ENDPOINT_NAME = s.string({ max: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
export const EXPERIMENT_NAME = s.string({ min: 1, max: 120, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}' });
const ROLE_ARN = s.string({
  min: 20,
  max: 2048,
  pattern: '^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$',
});
const KMS_KEY_ID = s.string({ max: 2048, pattern: '^[a-zA-Z0-9:/_-]*$' });
const DESTINATION_S3_URI = s.string({ max: 512, pattern: '^(https|s3)://([^/])/?(.*)$' });
const URL = s.string({ max: 1024, pattern: '^(https|s3)://([^/]+)/?(.*)$' });
const NETWORK_ID = s.string({ max: 32, pattern: '[-0-9a-zA-Z]+' });
export const INSTANCE_TYPES: readonly string[] = Object.values(ProductionVariantInstanceType);
const INSTANCE_TYPE = s.enum(INSTANCE_TYPES);
/** Checked by the account's Tags reader (sagemaker.ts), which words its own errors. */
const TAGS = s.list(s.opaque);

const VPC_CONFIG = s.structure(
  { SecurityGroupIds: s.list(NETWORK_ID, 1, 5), Subnets: s.list(NETWORK_ID, 1, 16) },
  ['SecurityGroupIds', 'Subnets'],
);

const CONTAINER = s.structure({
  ContainerHostname: ENDPOINT_NAME,
  Image: s.string({ max: 255, pattern: '[\\S]+' }),
  ImageConfig: s.structure(
    {
      RepositoryAccessMode: s.enum(['Platform', 'Vpc']),
      RepositoryAuthConfig: s.structure(
        { RepositoryCredentialsProviderArn: s.string({ min: 1, max: 2048, pattern: '.*' }) },
        ['RepositoryCredentialsProviderArn'],
      ),
    },
    ['RepositoryAccessMode'],
  ),
  Mode: s.enum(['SingleModel', 'MultiModel']),
  ModelDataUrl: URL,
  ModelDataSource: s.opaque,
  AdditionalModelDataSources: s.list(s.opaque, 0, 5),
  Environment: s.map(
    s.string({ max: 1024, pattern: '[a-zA-Z_][a-zA-Z0-9_]*' }),
    s.string({ max: 1024, pattern: '[\\S\\s]*' }),
    0,
    100,
  ),
  ModelPackageName: s.string({
    min: 1,
    max: 176,
    pattern:
      '(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\\/[0-9]{1,9})?',
  }),
  InferenceSpecificationName: ENDPOINT_NAME,
  MultiModelConfig: s.structure({ ModelCacheSetting: s.enum(['Enabled', 'Disabled']) }),
});

export const CREATE_MODEL = s.structure(
  {
    ModelName: MODEL_NAME,
    PrimaryContainer: CONTAINER,
    Containers: s.list(CONTAINER, 0, 15),
    InferenceExecutionConfig: s.structure({ Mode: s.enum(['Serial', 'Direct']) }, ['Mode']),
    ExecutionRoleArn: ROLE_ARN,
    Tags: TAGS,
    VpcConfig: VPC_CONFIG,
    EnableNetworkIsolation: s.boolean,
  },
  ['ModelName'],
);

const CONTENT_TYPE = s.string({
  min: 1,
  max: 256,
  pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9])*\\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*',
});
const CONTENT_TYPE_HEADER = s.structure({
  CsvContentTypes: s.list(CONTENT_TYPE, 1, 10),
  JsonContentTypes: s.list(CONTENT_TYPE, 1, 10),
});

export const PRODUCTION_VARIANT = s.structure(
  {
    VariantName: ENDPOINT_NAME,
    ModelName: MODEL_NAME,
    InitialInstanceCount: s.integer(1),
    InstanceType: INSTANCE_TYPE,
    InstancePools: s.list(s.opaque, 1, 5),
    VariantInstanceProvisionTimeoutInSeconds: s.integer(300, 3600),
    InitialVariantWeight: s.float(0),
    AcceleratorType: s.enum([
      'ml.eia1.medium',
      'ml.eia1.large',
      'ml.eia1.xlarge',
      'ml.eia2.medium',
      'ml.eia2.large',
      'ml.eia2.xlarge',
    ]),
    CoreDumpConfig: s.structure({ DestinationS3Uri: DESTINATION_S3_URI, KmsKeyId: KMS_KEY_ID }, [
      'DestinationS3Uri',
    ]),
    ServerlessConfig: s.structure(
      {
        MemorySizeInMB: s.integer(1024, 6144),
        MaxConcurrency: s.integer(1, 200),
        ProvisionedConcurrency: s.integer(1, 200),
      },
      ['MemorySizeInMB', 'MaxConcurrency'],
    ),
    VolumeSizeInGB: s.integer(1, 512),
    ModelDataDownloadTimeoutInSeconds: s.integer(60, 3600),
    ContainerStartupHealthCheckTimeoutInSeconds: s.integer(60, 3600),
    EnableSSMAccess: s.boolean,
    ManagedInstanceScaling: s.opaque,
    RoutingConfig: s.structure({ RoutingStrategy: s.enum(['LEAST_OUTSTANDING_REQUESTS', 'RANDOM']) }, [
      'RoutingStrategy',
    ]),
    InferenceAmiVersion: s.enum([
      'al2-ami-sagemaker-inference-gpu-2',
      'al2-ami-sagemaker-inference-gpu-2-1',
      'al2-ami-sagemaker-inference-gpu-3-1',
      'al2-ami-sagemaker-inference-neuron-2',
      'al2023-ami-sagemaker-inference-gpu-4-1',
    ]),
    CapacityReservationConfig: s.opaque,
  },
  ['VariantName'],
);

const DATA_CAPTURE_CONFIG = s.structure(
  {
    EnableCapture: s.boolean,
    InitialSamplingPercentage: s.integer(0, 100),
    DestinationS3Uri: DESTINATION_S3_URI,
    KmsKeyId: KMS_KEY_ID,
    CaptureOptions: s.list(
      s.structure({ CaptureMode: s.enum(['Input', 'Output', 'InputAndOutput']) }, ['CaptureMode']),
      1,
      32,
    ),
    CaptureContentTypeHeader: CONTENT_TYPE_HEADER,
  },
  ['InitialSamplingPercentage', 'DestinationS3Uri', 'CaptureOptions'],
);

const SNS_TOPIC = s.string({
  max: 2048,
  pattern: 'arn:aws[a-z\\-]*:sns:[a-z0-9\\-]*:[0-9]{12}:[a-zA-Z0-9_.-]+',
});
const ASYNC_INFERENCE_CONFIG = s.structure(
  {
    ClientConfig: s.structure({ MaxConcurrentInvocationsPerInstance: s.integer(1, 1000) }),
    OutputConfig: s.structure({
      KmsKeyId: KMS_KEY_ID,
      S3OutputPath: DESTINATION_S3_URI,
      NotificationConfig: s.structure({
        SuccessTopic: SNS_TOPIC,
        ErrorTopic: SNS_TOPIC,
        IncludeInferenceResponseIn: s.list(
          s.enum(['SUCCESS_NOTIFICATION_TOPIC', 'ERROR_NOTIFICATION_TOPIC']),
          0,
          2,
        ),
      }),
      S3FailurePath: DESTINATION_S3_URI,
    }),
  },
  ['OutputConfig'],
);

export const CREATE_ENDPOINT_CONFIG = s.structure(
  {
    EndpointConfigName: ENDPOINT_NAME,
    ProductionVariants: s.list(PRODUCTION_VARIANT, 1, 10),
    DataCaptureConfig: DATA_CAPTURE_CONFIG,
    Tags: TAGS,
    KmsKeyId: KMS_KEY_ID,
    AsyncInferenceConfig: ASYNC_INFERENCE_CONFIG,
    ExplainerConfig: s.opaque,
    ShadowProductionVariants: s.list(PRODUCTION_VARIANT, 1, 10),
    ExecutionRoleArn: ROLE_ARN,
    VpcConfig: VPC_CONFIG,
    EnableNetworkIsolation: s.boolean,
    MetricsConfig: s.structure({
      EnableEnhancedMetrics: s.boolean,
      MetricPublishFrequencyInSeconds: s.integer(),
    }),
  },
  ['EndpointConfigName', 'ProductionVariants'],
);

const CAPACITY_SIZE = s.structure(
  { Type: s.enum(['INSTANCE_COUNT', 'CAPACITY_PERCENT']), Value: s.integer(1) },
  ['Type', 'Value'],
);
const DEPLOYMENT_CONFIG = s.structure({
  BlueGreenUpdatePolicy: s.structure(
    {
      TrafficRoutingConfiguration: s.structure(
        {
          Type: s.enum(['ALL_AT_ONCE', 'CANARY', 'LINEAR']),
          WaitIntervalInSeconds: s.integer(0, 3600),
          CanarySize: CAPACITY_SIZE,
          LinearStepSize: CAPACITY_SIZE,
        },
        ['Type', 'WaitIntervalInSeconds'],
      ),
      TerminationWaitInSeconds: s.integer(0, 3600),
      MaximumExecutionTimeoutInSeconds: s.integer(600, 28800),
    },
    ['TrafficRoutingConfiguration'],
  ),
  RollingUpdatePolicy: s.structure(
    {
      MaximumBatchSize: CAPACITY_SIZE,
      WaitIntervalInSeconds: s.integer(0, 3600),
      MaximumExecutionTimeoutInSeconds: s.integer(600, 28800),
      RollbackMaximumBatchSize: CAPACITY_SIZE,
    },
    ['MaximumBatchSize', 'WaitIntervalInSeconds'],
  ),
  AutoRollbackConfiguration: s.structure({
    Alarms: s.list(s.structure({ AlarmName: s.string({ min: 1, max: 255, pattern: '(?!\\s*$).+' }) }), 1, 10),
  }),
});

export const CREATE_ENDPOINT = s.structure(
  {
    EndpointName: ENDPOINT_NAME,
    EndpointConfigName: ENDPOINT_NAME,
    DeploymentConfig: DEPLOYMENT_CONFIG,
    Tags: TAGS,
  },
  ['EndpointName', 'EndpointConfigName'],
);

export const UPDATE_ENDPOINT = s.structure(
  {
    EndpointName: ENDPOINT_NAME,
    EndpointConfigName: ENDPOINT_NAME,
    RetainAllVariantProperties: s.boolean,
    ExcludeRetainedVariantProperties: s.list(
      s.structure(
        { VariantPropertyType: s.enum(['DesiredInstanceCount', 'DesiredWeight', 'DataCaptureConfig']) },
        ['VariantPropertyType'],
      ),
      0,
      3,
    ),
    DeploymentConfig: DEPLOYMENT_CONFIG,
    RetainDeploymentConfig: s.boolean,
  },
  ['EndpointName', 'EndpointConfigName'],
);

/** A request naming one resource, e.g. `{ ModelName }`. */
export const byName = (member: string, shape: Shape): Shape => s.structure({ [member]: shape }, [member]);

const SORT_ORDER = s.enum(['Ascending', 'Descending']);
/** ListModels, ListEndpointConfigs, ListEndpoints and ListInferenceExperiments share these members. */
export function listShape(
  sortKeys: readonly string[],
  extra: Readonly<Record<string, Shape>> = {},
  nameContains: Shape = s.string({ max: 63, pattern: '[a-zA-Z0-9-]+' }),
): Shape {
  return s.structure({
    SortBy: s.enum(sortKeys),
    SortOrder: SORT_ORDER,
    NextToken: s.string({ max: 8192, pattern: '.*' }),
    MaxResults: s.integer(1, 100),
    NameContains: nameContains,
    CreationTimeBefore: s.timestamp,
    CreationTimeAfter: s.timestamp,
    ...extra,
  });
}

export const ENDPOINT_STATUSES = [
  'OutOfService',
  'Creating',
  'Updating',
  'SystemUpdating',
  'RollingBack',
  'InService',
  'Deleting',
  'Failed',
  'UpdateRollbackFailed',
] as const;

export const EXPERIMENT_STATUSES = [
  'Creating',
  'Created',
  'Updating',
  'Running',
  'Starting',
  'Stopping',
  'Completed',
  'Cancelled',
] as const;

const MODEL_VARIANT_CONFIG = s.structure(
  {
    ModelName: MODEL_NAME,
    VariantName: MODEL_NAME,
    InfrastructureConfig: s.structure(
      {
        InfrastructureType: s.enum(['RealTimeInference']),
        RealTimeInferenceConfig: s.structure({ InstanceType: INSTANCE_TYPE, InstanceCount: s.integer(0) }, [
          'InstanceType',
          'InstanceCount',
        ]),
      },
      ['InfrastructureType', 'RealTimeInferenceConfig'],
    ),
  },
  ['ModelName', 'VariantName', 'InfrastructureConfig'],
);
const SCHEDULE = s.structure({ StartTime: s.timestamp, EndTime: s.timestamp });
const DESCRIPTION = s.string({ max: 1024, pattern: '.*' });
const DATA_STORAGE_CONFIG = s.structure(
  { Destination: DESTINATION_S3_URI, KmsKey: KMS_KEY_ID, ContentType: CONTENT_TYPE_HEADER },
  ['Destination'],
);
const SHADOW_MODE_CONFIG = s.structure(
  {
    SourceModelVariantName: MODEL_NAME,
    ShadowModelVariants: s.list(
      s.structure({ ShadowModelVariantName: MODEL_NAME, SamplingPercentage: s.integer(undefined, 100) }, [
        'ShadowModelVariantName',
        'SamplingPercentage',
      ]),
      1,
      1,
    ),
  },
  ['SourceModelVariantName', 'ShadowModelVariants'],
);

export const CREATE_EXPERIMENT = s.structure(
  {
    Name: EXPERIMENT_NAME,
    Type: s.enum(['ShadowMode']),
    Schedule: SCHEDULE,
    Description: DESCRIPTION,
    RoleArn: ROLE_ARN,
    EndpointName: ENDPOINT_NAME,
    ModelVariants: s.list(MODEL_VARIANT_CONFIG, 1, 2),
    DataStorageConfig: DATA_STORAGE_CONFIG,
    ShadowModeConfig: SHADOW_MODE_CONFIG,
    KmsKey: KMS_KEY_ID,
    Tags: TAGS,
  },
  ['Name', 'Type', 'RoleArn', 'EndpointName', 'ModelVariants', 'ShadowModeConfig'],
);

export const UPDATE_EXPERIMENT = s.structure(
  {
    Name: EXPERIMENT_NAME,
    Schedule: SCHEDULE,
    Description: DESCRIPTION,
    ModelVariants: s.list(MODEL_VARIANT_CONFIG, 1, 2),
    DataStorageConfig: DATA_STORAGE_CONFIG,
    ShadowModeConfig: SHADOW_MODE_CONFIG,
  },
  ['Name'],
);

export const STOP_EXPERIMENT = s.structure(
  {
    Name: EXPERIMENT_NAME,
    ModelVariantActions: s.map(MODEL_NAME, s.enum(['Retain', 'Remove', 'Promote']), 1, 2),
    DesiredModelVariants: s.list(MODEL_VARIANT_CONFIG, 1, 2),
    DesiredState: s.enum(['Completed', 'Cancelled']),
    Reason: DESCRIPTION,
  },
  ['Name', 'ModelVariantActions'],
);

export const LIST_EXPERIMENTS = listShape(
  ['Name', 'CreationTime', 'Status'],
  {
    Type: s.enum(['ShadowMode']),
    StatusEquals: s.enum(EXPERIMENT_STATUSES),
    LastModifiedTimeAfter: s.timestamp,
    LastModifiedTimeBefore: s.timestamp,
  },
  s.string({ max: 63, pattern: '[a-zA-Z0-9\\-]+' }),
);
