/**
 * The errors the SageMaker API model declares for the monitoring family's operations, as the SDK names them
 * (the `@throws` lists of the installed @aws-sdk/client-sagemaker). Merged into DECLARED_ERRORS
 * (errors.ts). No imports: errors.ts imports this file.
 */

const JOB_DEFINITION_TYPES = ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability'];

export const MONITORING_DECLARED_ERRORS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(
    JOB_DEFINITION_TYPES.flatMap((type) => [
      [`Create${type}JobDefinition`, ['ResourceInUse', 'ResourceLimitExceeded']],
      [`Describe${type}JobDefinition`, ['ResourceNotFound']],
      [`Delete${type}JobDefinition`, ['ResourceNotFound']],
      [`List${type}JobDefinitions`, []],
    ]),
  ),
  CreateMonitoringSchedule: ['ResourceInUse', 'ResourceLimitExceeded'],
  DescribeMonitoringSchedule: ['ResourceNotFound'],
  UpdateMonitoringSchedule: ['ResourceLimitExceeded', 'ResourceNotFound'],
  StartMonitoringSchedule: ['ResourceNotFound'],
  StopMonitoringSchedule: ['ResourceNotFound'],
  DeleteMonitoringSchedule: ['ResourceNotFound'],
  ListMonitoringSchedules: [],
  CreateImage: ['ResourceInUse', 'ResourceLimitExceeded'],
  DescribeImage: ['ResourceNotFound'],
  UpdateImage: ['ResourceInUse', 'ResourceNotFound'],
  DeleteImage: ['ResourceInUse', 'ResourceNotFound'],
  CreateAppImageConfig: ['ResourceInUse'],
  DescribeAppImageConfig: ['ResourceNotFound'],
  UpdateAppImageConfig: ['ResourceNotFound'],
  DeleteAppImageConfig: ['ResourceNotFound'],
  CreateFeatureGroup: ['ResourceInUse', 'ResourceLimitExceeded'],
  DescribeFeatureGroup: ['ResourceNotFound'],
  DeleteFeatureGroup: ['ResourceNotFound'],
  ListImages: [],
  ListAppImageConfigs: [],
  ListFeatureGroups: [],
};
