/**
 * The request shapes of the monitoring family's operations, as the SageMaker API model defines them
 * (required members, lengths, patterns, enums, ranges). The job definitions, the schedules' embedded
 * definitions and the List calls share them; the images and feature groups keep theirs in their files.
 */

import {
  boolean,
  double,
  integer,
  list,
  map,
  oneOf,
  type Shape,
  structure,
  text,
  timestamp,
} from './sagemaker-monitoring-validation.js';

export const NAME = text({ min: 1, max: 63, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
export const ENDPOINT_NAME = text({ max: 63, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
export const ROLE_ARN = text({
  min: 20,
  max: 2048,
  pattern: 'arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
});
export const KMS_KEY_ID = text({ max: 2048, pattern: '[a-zA-Z0-9:/_-]*' });
const S3_URI = text({ max: 1024, pattern: '(https|s3)://([^/]+)/?(.*)' });
const MONITORING_S3_URI = text({ max: 512, pattern: '(https|s3)://([^/]+)/?(.*)' });
const LOCAL_PATH = text({ max: 256, pattern: '.*' });
const TIME_OFFSET = text({ min: 1, max: 15, pattern: '.?P.*' });
const ENVIRONMENT = map(
  text({ max: 256, pattern: '[a-zA-Z_][a-zA-Z0-9_]*' }),
  text({ max: 256, pattern: '[\\S\\s]*' }),
  50,
);
const ENTRYPOINT = list(text({ max: 256, pattern: '.*' }), { min: 1, max: 100 });
const ARGUMENTS = list(text({ max: 256, pattern: '.*' }), { min: 1, max: 50 });

/** ProcessingInstanceType, by family (the API model's enum). */
const INSTANCE_SIZES: Readonly<Record<string, string>> = {
  t3: 'medium large xlarge 2xlarge',
  m4: 'xlarge 2xlarge 4xlarge 10xlarge 16xlarge',
  c4: 'xlarge 2xlarge 4xlarge 8xlarge',
  p2: 'xlarge 8xlarge 16xlarge',
  p3: '2xlarge 8xlarge 16xlarge',
  c5: 'xlarge 2xlarge 4xlarge 9xlarge 18xlarge',
  m5: 'large xlarge 2xlarge 4xlarge 12xlarge 24xlarge',
  r5: 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge',
  g4dn: 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge',
  g5: 'xlarge 2xlarge 4xlarge 8xlarge 16xlarge 12xlarge 24xlarge 48xlarge',
  r5d: 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge',
  g6: 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge',
  g6e: 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge',
  m6i: 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge',
  c6i: 'xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge',
  m7i: 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge',
  c7i: 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge',
  r7i: 'large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge',
  p5: '4xlarge',
  g7e: '2xlarge 4xlarge 8xlarge 12xlarge 24xlarge 48xlarge',
};
export const PROCESSING_INSTANCE_TYPES: readonly string[] = Object.entries(INSTANCE_SIZES).flatMap(
  ([family, sizes]) => sizes.split(' ').map((size) => `ml.${family}.${size}`),
);

const INPUT_COMMON: Readonly<Record<string, Shape>> = {
  LocalPath: LOCAL_PATH,
  S3InputMode: oneOf('Pipe', 'File'),
  S3DataDistributionType: oneOf('FullyReplicated', 'ShardedByS3Key'),
  FeaturesAttribute: text(),
  InferenceAttribute: text(),
  ProbabilityAttribute: text(),
  ProbabilityThresholdAttribute: double,
  StartTimeOffset: TIME_OFFSET,
  EndTimeOffset: TIME_OFFSET,
  ExcludeFeaturesAttribute: text({ max: 100 }),
};
const ENDPOINT_INPUT = structure({ EndpointName: ENDPOINT_NAME, ...INPUT_COMMON }, [
  'EndpointName',
  'LocalPath',
]);
const BATCH_TRANSFORM_INPUT = structure(
  {
    DataCapturedDestinationS3Uri: text({ max: 512, pattern: '(https|s3)://([^/])/?(.*)' }),
    DatasetFormat: structure({
      Csv: structure({ Header: boolean }),
      Json: structure({ Line: boolean }),
      Parquet: structure({}),
    }),
    ...INPUT_COMMON,
  },
  ['DataCapturedDestinationS3Uri', 'DatasetFormat', 'LocalPath'],
);
const GROUND_TRUTH = structure({ S3Uri: MONITORING_S3_URI });
export const OUTPUT_CONFIG = structure(
  {
    MonitoringOutputs: list(
      structure(
        {
          S3Output: structure(
            {
              S3Uri: MONITORING_S3_URI,
              LocalPath: LOCAL_PATH,
              S3UploadMode: oneOf('Continuous', 'EndOfJob'),
            },
            ['S3Uri', 'LocalPath'],
          ),
        },
        ['S3Output'],
      ),
      { min: 1, max: 1 },
    ),
    KmsKeyId: KMS_KEY_ID,
  },
  ['MonitoringOutputs'],
);
export const CLUSTER_RESOURCES = structure(
  {
    ClusterConfig: structure(
      {
        InstanceCount: integer({ min: 1, max: 100 }),
        InstanceType: oneOf(...PROCESSING_INSTANCE_TYPES),
        VolumeSizeInGB: integer({ min: 1, max: 16384 }),
        VolumeKmsKeyId: KMS_KEY_ID,
      },
      ['InstanceCount', 'InstanceType', 'VolumeSizeInGB'],
    ),
  },
  ['ClusterConfig'],
);
export const NETWORK_CONFIG = structure({
  EnableInterContainerTrafficEncryption: boolean,
  EnableNetworkIsolation: boolean,
  VpcConfig: structure(
    {
      SecurityGroupIds: list(text({ max: 32, pattern: '[-0-9a-zA-Z]+' }), { min: 1, max: 5 }),
      Subnets: list(text({ max: 32, pattern: '[-0-9a-zA-Z]+' }), { min: 1, max: 16 }),
    },
    ['SecurityGroupIds', 'Subnets'],
  ),
});
export const STOPPING_CONDITION = structure({ MaxRuntimeInSeconds: integer({ min: 1, max: 86400 }) }, [
  'MaxRuntimeInSeconds',
]);
const CONSTRAINTS = structure({ S3Uri: S3_URI });
const DATA_BASELINE = structure({
  BaseliningJobName: NAME,
  ConstraintsResource: CONSTRAINTS,
  StatisticsResource: CONSTRAINTS,
});
const MODEL_BASELINE = structure({ BaseliningJobName: NAME, ConstraintsResource: CONSTRAINTS });
const CONTAINER_APP: Readonly<Record<string, Shape>> = {
  ImageUri: text({ max: 255, pattern: '.*' }),
  ContainerEntrypoint: ENTRYPOINT,
  ContainerArguments: ARGUMENTS,
  RecordPreprocessorSourceUri: S3_URI,
  PostAnalyticsProcessorSourceUri: S3_URI,
};
const CLARIFY_APP = structure(
  { ImageUri: text({ max: 255, pattern: '.*' }), ConfigUri: S3_URI, Environment: ENVIRONMENT },
  ['ImageUri', 'ConfigUri'],
);
const INPUTS = { EndpointInput: ENDPOINT_INPUT, BatchTransformInput: BATCH_TRANSFORM_INPUT };

export type MonitoringType = 'DataQuality' | 'ModelBias' | 'ModelExplainability' | 'ModelQuality';
export const MONITORING_TYPES: readonly MonitoringType[] = [
  'DataQuality',
  'ModelQuality',
  'ModelBias',
  'ModelExplainability',
];

/** What differs between the four job definition types: the shapes of their own members. */
export const JOB_DEFINITION_SHAPES: Readonly<
  Record<MonitoringType, { readonly baseline: Shape; readonly app: Shape; readonly input: Shape }>
> = {
  DataQuality: {
    baseline: DATA_BASELINE,
    app: structure({ ...CONTAINER_APP, Environment: ENVIRONMENT }, ['ImageUri']),
    input: structure(INPUTS),
  },
  ModelQuality: {
    baseline: MODEL_BASELINE,
    app: structure(
      {
        ...CONTAINER_APP,
        ProblemType: oneOf('BinaryClassification', 'MulticlassClassification', 'Regression'),
        Environment: ENVIRONMENT,
      },
      ['ImageUri'],
    ),
    input: structure({ ...INPUTS, GroundTruthS3Input: GROUND_TRUTH }, ['GroundTruthS3Input']),
  },
  ModelBias: {
    baseline: MODEL_BASELINE,
    app: CLARIFY_APP,
    input: structure({ ...INPUTS, GroundTruthS3Input: GROUND_TRUTH }, ['GroundTruthS3Input']),
  },
  ModelExplainability: { baseline: MODEL_BASELINE, app: CLARIFY_APP, input: structure(INPUTS) },
};

/** MonitoringScheduleConfig (CreateMonitoringSchedule and UpdateMonitoringSchedule). */
export const SCHEDULE_CONFIG = structure({
  ScheduleConfig: structure(
    {
      ScheduleExpression: text({ min: 1, max: 256 }),
      DataAnalysisStartTime: text(),
      DataAnalysisEndTime: text(),
    },
    ['ScheduleExpression'],
  ),
  MonitoringJobDefinition: structure(
    {
      BaselineConfig: DATA_BASELINE,
      MonitoringInputs: list(structure(INPUTS), { min: 1, max: 1 }),
      MonitoringOutputConfig: OUTPUT_CONFIG,
      MonitoringResources: CLUSTER_RESOURCES,
      MonitoringAppSpecification: structure(CONTAINER_APP, ['ImageUri']),
      StoppingCondition: STOPPING_CONDITION,
      Environment: ENVIRONMENT,
      NetworkConfig: NETWORK_CONFIG,
      RoleArn: ROLE_ARN,
    },
    [
      'MonitoringInputs',
      'MonitoringOutputConfig',
      'MonitoringResources',
      'MonitoringAppSpecification',
      'RoleArn',
    ],
  ),
  MonitoringJobDefinitionName: NAME,
  MonitoringType: oneOf(...MONITORING_TYPES),
});

/** ListXJobDefinitions and ListMonitoringSchedules paging members. */
export const LIST_PAGING: Readonly<Record<string, Shape>> = {
  NextToken: text({ max: 8192, pattern: '.*' }),
  MaxResults: integer({ min: 1, max: 100 }),
  SortOrder: oneOf('Ascending', 'Descending'),
  NameContains: text({ max: 63, pattern: '[a-zA-Z0-9\\-]+' }),
  CreationTimeBefore: timestamp,
  CreationTimeAfter: timestamp,
};
