/**
 * What a MonitoringScheduleConfig must satisfy beyond its shape, and what follows from it (the
 * monitoring type and the endpoint a schedule reports), for Create and UpdateMonitoringSchedule.
 */

import { checkKey, checkNetwork, invalid, type MonitoringContext } from './sagemaker-monitoring-common.js';
import type { JobDefinitions } from './sagemaker-monitoring-job-definitions.js';
import type { MonitoringType } from './sagemaker-monitoring-shapes.js';

export interface ScheduleFacts {
  readonly monitoringType: MonitoringType;
  readonly endpointName: string | undefined;
}

/**
 * The rules of a MonitoringScheduleConfig beyond its shape (wordings not confirmed): exactly one of an
 * embedded MonitoringJobDefinition and a MonitoringJobDefinitionName; a name comes with its
 * MonitoringType (Terraform, the CDK and the Python SDK always send both) and names an existing
 * definition of that type; an embedded definition is a data quality one (the default model
 * monitor); NOW needs the data analysis window (the API reference).
 */
export function checkScheduleConfig(
  context: MonitoringContext,
  definitions: JobDefinitions,
  config: Readonly<Record<string, unknown>>,
  operation: string,
): ScheduleFacts {
  const schedule = config.ScheduleConfig as Record<string, unknown> | undefined;
  const expression = schedule?.ScheduleExpression;
  if (typeof expression === 'string' && expression !== 'NOW' && !/^cron\(.+\)$/.test(expression)) {
    throw invalid(operation, `Invalid ScheduleExpression: ${expression}. Use a cron expression or NOW.`);
  }
  if (
    expression === 'NOW' &&
    (schedule?.DataAnalysisStartTime === undefined || schedule.DataAnalysisEndTime === undefined)
  ) {
    throw invalid(
      operation,
      'DataAnalysisStartTime and DataAnalysisEndTime are required when ScheduleExpression is NOW.',
    );
  }
  const embedded = config.MonitoringJobDefinition as Record<string, unknown> | undefined;
  const definitionName = config.MonitoringJobDefinitionName;
  if ((embedded === undefined) === (definitionName === undefined)) {
    throw invalid(
      operation,
      'Specify exactly one of MonitoringJobDefinition and MonitoringJobDefinitionName.',
    );
  }
  const type = config.MonitoringType as MonitoringType | undefined;
  if (embedded !== undefined) {
    if (type !== undefined && type !== 'DataQuality') {
      throw invalid(operation, `A MonitoringJobDefinition defines a DataQuality job, not ${type}.`);
    }
    const network = embedded.NetworkConfig as { VpcConfig?: unknown } | undefined;
    checkNetwork(context, network?.VpcConfig, operation);
    const resources = embedded.MonitoringResources as { ClusterConfig: { VolumeKmsKeyId?: string } };
    checkKey(context, resources.ClusterConfig.VolumeKmsKeyId, operation);
    checkKey(context, (embedded.MonitoringOutputConfig as { KmsKeyId?: string }).KmsKeyId, operation);
    context.onRoleUsed(String(embedded.RoleArn));
    return { monitoringType: 'DataQuality', endpointName: scheduleFacts(definitions, config).endpointName };
  }
  if (type === undefined) {
    throw invalid(operation, 'MonitoringType is required with MonitoringJobDefinitionName.');
  }
  const definition = definitions.find(type, String(definitionName));
  if (definition === undefined) {
    throw invalid(operation, `Could not find ${type} job definition with name ${String(definitionName)}.`);
  }
  return { monitoringType: type, endpointName: definitions.endpointOf(definition) };
}

/** The type and endpoint of a configuration, without checks (seeds, and settled records). */
export function scheduleFacts(
  definitions: JobDefinitions,
  config: Readonly<Record<string, unknown>>,
): ScheduleFacts {
  const embedded = config.MonitoringJobDefinition as
    | { MonitoringInputs?: { EndpointInput?: { EndpointName?: string } }[] }
    | undefined;
  if (embedded !== undefined) {
    return {
      monitoringType: 'DataQuality',
      endpointName: embedded.MonitoringInputs?.[0]?.EndpointInput?.EndpointName,
    };
  }
  const type = (config.MonitoringType as MonitoringType | undefined) ?? 'DataQuality';
  const definition = definitions.find(type, String(config.MonitoringJobDefinitionName ?? ''));
  return { monitoringType: type, endpointName: definition && definitions.endpointOf(definition) };
}
