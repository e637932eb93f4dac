/**
 * What the calls on monitoring job definitions and schedules, images, app image configurations and feature groups need of IAM (the SageMaker API permissions reference and the Service
 * Authorization Reference; see authorization-rules.ts for the sources).
 *
 * - Each call needs its own action on its resource's ARN (the name lowercased); the List calls have no
 *   resource type ("*").
 * - A request that passes a role (RoleArn of a job definition, an embedded schedule definition, an
 *   image, a feature group) needs iam:PassRole on it for sagemaker.amazonaws.com, as every SageMaker call
 *   that hands a role to the service. A schedule that names a job definition passes no role.
 * - A Create call with Tags also needs sagemaker:AddTags on the new resource, with
 *   sagemaker:TaggingAction set to the Create operation (as CreateNotebookInstance, in authorization-rules.ts).
 * - The Service Authorization Reference's condition keys: for the job definitions and schedules
 *   InstanceTypes, InterContainerTrafficEncryption, NetworkIsolation, MaxRuntimeInSeconds,
 *   OutputKmsKeyArn, VolumeKmsKeyArn, VpcSecurityGroupIds and VpcSubnets; for feature groups the
 *   FeatureGroup* keys. As for the notebook's keys, an omitted flag carries its default (false).
 * - Not simulated (not documented for these calls): KMS permissions of the caller for the keys a job
 *   definition or feature group names (the jobs and stores use them as the execution role).
 */
import {
  type AuthorizationLookups,
  asString,
  asStrings,
  type Input,
  passRole,
  type Rule,
  sageMakerArn,
  tagContext,
} from './authorization-rule-kit.js';
import type { ContextValue, RequiredAuthorization } from './authorizer.js';

const TYPES = ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability'] as const;
const ARN_TYPES: Readonly<Record<(typeof TYPES)[number], string>> = {
  DataQuality: 'data-quality-job-definition',
  ModelQuality: 'model-quality-job-definition',
  ModelBias: 'model-bias-job-definition',
  ModelExplainability: 'model-explainability-job-definition',
};

const record = (value: unknown): Input =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Input) : {};

/** The job-shaped condition keys of a definition (its network, cluster, stopping condition and output). */
function jobKeys(
  definition: {
    readonly network: unknown;
    readonly cluster: unknown;
    readonly stopping: unknown;
    readonly output: unknown;
  },
  lookups: AuthorizationLookups,
): Record<string, ContextValue> {
  const network = record(definition.network);
  const vpc = record(network.VpcConfig);
  const cluster = record(record(definition.cluster).ClusterConfig);
  const keyArn = (keyId: unknown) => {
    const id = asString(keyId);
    return id ? (lookups.keyArn(id) ?? id) : undefined;
  };
  const context: Record<string, ContextValue> = {
    'sagemaker:InterContainerTrafficEncryption': String(
      network.EnableInterContainerTrafficEncryption === true,
    ),
    'sagemaker:NetworkIsolation': String(network.EnableNetworkIsolation === true),
  };
  const instanceType = asString(cluster.InstanceType);
  if (instanceType) context['sagemaker:InstanceTypes'] = [instanceType];
  const maxRuntime = record(definition.stopping).MaxRuntimeInSeconds;
  if (typeof maxRuntime === 'number') context['sagemaker:MaxRuntimeInSeconds'] = String(maxRuntime);
  const outputKey = keyArn(record(definition.output).KmsKeyId);
  if (outputKey) context['sagemaker:OutputKmsKeyArn'] = outputKey;
  const volumeKey = keyArn(cluster.VolumeKmsKeyId);
  if (volumeKey) context['sagemaker:VolumeKmsKeyArn'] = volumeKey;
  if (asStrings(vpc.Subnets).length > 0) context['sagemaker:VpcSubnets'] = asStrings(vpc.Subnets);
  if (asStrings(vpc.SecurityGroupIds).length > 0) {
    context['sagemaker:VpcSecurityGroupIds'] = asStrings(vpc.SecurityGroupIds);
  }
  return context;
}

/** A Create call: its action with its keys, then PassRole for the role it passes, then tag-on-create. */
function creation(
  operation: string,
  resource: string,
  input: Input,
  context: Record<string, ContextValue>,
  roleArn: string | undefined,
): RequiredAuthorization[] {
  const tagged = Array.isArray(input.Tags) && input.Tags.length > 0;
  return [
    { action: `sagemaker:${operation}`, resource, context: { ...context, ...tagContext(input.Tags) } },
    ...(roleArn ? [passRole(roleArn)] : []),
    ...(tagged
      ? [
          {
            action: 'sagemaker:AddTags',
            resource,
            context: { 'sagemaker:TaggingAction': operation, ...tagContext(input.Tags) },
          },
        ]
      : []),
  ];
}

function onResource(action: string, type: string, member: string): Rule {
  return (input, lookups) => [
    { action: `sagemaker:${action}`, resource: sageMakerArn(lookups, type, asString(input[member]) ?? '') },
  ];
}

const anyResource =
  (action: string): Rule =>
  () => [{ action: `sagemaker:${action}`, resource: '*' }];

const JOB_DEFINITION_RULES: Record<string, Rule> = Object.fromEntries(
  TYPES.flatMap((type) => {
    const arnType = ARN_TYPES[type];
    const create: Rule = (input, lookups) => {
      const resource = sageMakerArn(lookups, arnType, asString(input.JobDefinitionName) ?? '');
      const keys = jobKeys(
        {
          network: input.NetworkConfig,
          cluster: input.JobResources,
          stopping: input.StoppingCondition,
          output: input[`${type}JobOutputConfig`],
        },
        lookups,
      );
      return creation(`Create${type}JobDefinition`, resource, input, keys, asString(input.RoleArn));
    };
    return [
      [`Create${type}JobDefinition`, create],
      [
        `Describe${type}JobDefinition`,
        onResource(`Describe${type}JobDefinition`, arnType, 'JobDefinitionName'),
      ],
      [`Delete${type}JobDefinition`, onResource(`Delete${type}JobDefinition`, arnType, 'JobDefinitionName')],
      [`List${type}JobDefinitions`, anyResource(`List${type}JobDefinitions`)],
    ];
  }),
);

/** Create and UpdateMonitoringSchedule: the keys and the role of an embedded definition, if any. */
function scheduleRule(operation: 'CreateMonitoringSchedule' | 'UpdateMonitoringSchedule'): Rule {
  return (input, lookups) => {
    const resource = sageMakerArn(
      lookups,
      'monitoring-schedule',
      asString(input.MonitoringScheduleName) ?? '',
    );
    const embedded = record(record(input.MonitoringScheduleConfig).MonitoringJobDefinition);
    const keys =
      Object.keys(embedded).length === 0
        ? {}
        : jobKeys(
            {
              network: embedded.NetworkConfig,
              cluster: embedded.MonitoringResources,
              stopping: embedded.StoppingCondition,
              output: embedded.MonitoringOutputConfig,
            },
            lookups,
          );
    const roleArn = asString(embedded.RoleArn);
    if (operation === 'CreateMonitoringSchedule') return creation(operation, resource, input, keys, roleArn);
    return [
      { action: `sagemaker:${operation}`, resource, context: keys },
      ...(roleArn ? [passRole(roleArn)] : []),
    ];
  };
}

const SCHEDULE_RULES: Record<string, Rule> = {
  CreateMonitoringSchedule: scheduleRule('CreateMonitoringSchedule'),
  UpdateMonitoringSchedule: scheduleRule('UpdateMonitoringSchedule'),
  DescribeMonitoringSchedule: onResource(
    'DescribeMonitoringSchedule',
    'monitoring-schedule',
    'MonitoringScheduleName',
  ),
  StartMonitoringSchedule: onResource(
    'StartMonitoringSchedule',
    'monitoring-schedule',
    'MonitoringScheduleName',
  ),
  StopMonitoringSchedule: onResource(
    'StopMonitoringSchedule',
    'monitoring-schedule',
    'MonitoringScheduleName',
  ),
  DeleteMonitoringSchedule: onResource(
    'DeleteMonitoringSchedule',
    'monitoring-schedule',
    'MonitoringScheduleName',
  ),
  ListMonitoringSchedules: anyResource('ListMonitoringSchedules'),
};

const IMAGE_RULES: Record<string, Rule> = {
  CreateImage: (input, lookups) =>
    creation(
      'CreateImage',
      sageMakerArn(lookups, 'image', asString(input.ImageName) ?? ''),
      input,
      {},
      asString(input.RoleArn),
    ),
  // PassRole only when the update hands SageMaker a new role.
  UpdateImage: (input, lookups) => {
    const roleArn = asString(input.RoleArn);
    return [
      ...onResource('UpdateImage', 'image', 'ImageName')(input, lookups),
      ...(roleArn ? [passRole(roleArn)] : []),
    ];
  },
  DescribeImage: onResource('DescribeImage', 'image', 'ImageName'),
  DeleteImage: onResource('DeleteImage', 'image', 'ImageName'),
  CreateAppImageConfig: (input, lookups) =>
    creation(
      'CreateAppImageConfig',
      sageMakerArn(lookups, 'app-image-config', asString(input.AppImageConfigName) ?? ''),
      input,
      {},
      undefined,
    ),
  DescribeAppImageConfig: onResource('DescribeAppImageConfig', 'app-image-config', 'AppImageConfigName'),
  ListImages: anyResource('ListImages'),
  ListAppImageConfigs: anyResource('ListAppImageConfigs'),
  UpdateAppImageConfig: onResource('UpdateAppImageConfig', 'app-image-config', 'AppImageConfigName'),
  DeleteAppImageConfig: onResource('DeleteAppImageConfig', 'app-image-config', 'AppImageConfigName'),
};

/** The feature-group keys of the Service Authorization Reference, from CreateFeatureGroup's request. */
function featureGroupKeys(input: Input, lookups: AuthorizationLookups): Record<string, ContextValue> {
  const online = record(input.OnlineStoreConfig);
  const offline = record(input.OfflineStoreConfig);
  const storage = record(offline.S3StorageConfig);
  const keyArn = (keyId: string | undefined) => (keyId ? (lookups.keyArn(keyId) ?? keyId) : undefined);
  const context: Record<string, ContextValue> = {
    'sagemaker:FeatureGroupEnableOnlineStore': String(online.EnableOnlineStore === true),
  };
  if (input.OfflineStoreConfig !== undefined) {
    // "Only supports the null-conditional operator": present with a value when the store is configured.
    context['sagemaker:FeatureGroupOfflineStoreConfig'] = 'true';
    context['sagemaker:FeatureGroupDisableGlueTableCreation'] = String(
      offline.DisableGlueTableCreation === true,
    );
  }
  const s3Uri = asString(storage.S3Uri);
  if (s3Uri) context['sagemaker:FeatureGroupOfflineStoreS3Uri'] = s3Uri;
  const offlineKey = keyArn(asString(storage.KmsKeyId));
  if (offlineKey) context['sagemaker:FeatureGroupOfflineStoreKmsKeyArn'] = offlineKey;
  const onlineKey = keyArn(asString(record(online.SecurityConfig).KmsKeyId));
  if (onlineKey) context['sagemaker:FeatureGroupOnlineStoreKmsKeyArn'] = onlineKey;
  return context;
}

/** DescribeFeatureGroup takes a name or an ARN. */
const featureGroupName = (input: Input): string =>
  (asString(input.FeatureGroupName) ?? '').replace(/^arn:.*:feature-group\//, '');

const FEATURE_GROUP_RULES: Record<string, Rule> = {
  CreateFeatureGroup: (input, lookups) =>
    creation(
      'CreateFeatureGroup',
      sageMakerArn(lookups, 'feature-group', featureGroupName(input)),
      input,
      featureGroupKeys(input, lookups),
      asString(input.RoleArn),
    ),
  DescribeFeatureGroup: (input, lookups) => [
    {
      action: 'sagemaker:DescribeFeatureGroup',
      resource: sageMakerArn(lookups, 'feature-group', featureGroupName(input)),
    },
  ],
  DeleteFeatureGroup: onResource('DeleteFeatureGroup', 'feature-group', 'FeatureGroupName'),
  ListFeatureGroups: anyResource('ListFeatureGroups'),
};

export const MONITORING_RULES: Readonly<Record<string, Rule>> = {
  ...JOB_DEFINITION_RULES,
  ...SCHEDULE_RULES,
  ...IMAGE_RULES,
  ...FEATURE_GROUP_RULES,
};
