/**
 * Inference experiment records: their statuses and transitions, seeding, and how Describe and List show
 * them (the lifecycle itself is in sagemaker-inference-experiments.ts).
 */

import type { Tag } from './sagemaker.js';
import { copy, type InferenceContext, type InferenceRecord } from './sagemaker-inference-common.js';
import type { EndpointRecord } from './sagemaker-inference-endpoints.js';
import type { EXPERIMENT_STATUSES } from './sagemaker-inference-shapes.js';
import type { Input } from './sagemaker-inference-validation.js';

export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** How long an experiment without an EndTime runs (API reference: 7 days). */
const DEFAULT_RUN_MS = 7 * 24 * 3600 * 1000;

export interface ExperimentTransition {
  readonly kind: 'create' | 'start' | 'update' | 'stop';
  readonly dueMs: number;
  /** Update: the status to return to and the changes it applies. */
  readonly after?: ExperimentStatus;
  readonly changes?: Input;
  readonly desiredState?: ExperimentStatus;
}

export interface ExperimentRecord extends InferenceRecord {
  status: ExperimentStatus;
  statusReason: string | undefined;
  lastModifiedMs: number;
  completionMs: number | undefined;
  /** The CreateInferenceExperiment request without Name and Tags, as updated since. */
  definition: Input;
  transition: ExperimentTransition | undefined;
}

export interface SeedInferenceExperimentOptions {
  readonly name: string;
  readonly endpointName: string;
  /** Default: `production` of `modelName` and `shadow` of `shadowModelName`, one ml.m5.large each. */
  readonly modelVariants?: readonly Input[];
  readonly modelName?: string;
  readonly shadowModelName?: string;
  readonly shadowModeConfig?: Input;
  /** Default Running. Creating, Starting, Updating and Stopping are under way from now on. */
  readonly status?: ExperimentStatus;
  readonly roleArn?: string;
  readonly schedule?: { readonly StartTime?: Date; readonly EndTime?: Date };
  readonly dataStorageConfig?: Input;
  readonly kmsKey?: string;
  readonly description?: string;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

/** When the experiment starts and ends: its Schedule, or at once and 7 days later. */
export function experimentWindow(record: ExperimentRecord): { startMs: number; endMs: number } {
  const schedule = record.definition.Schedule as Input | undefined;
  const startMs = (schedule?.StartTime as Date | undefined)?.getTime() ?? record.creationMs;
  return { startMs, endMs: (schedule?.EndTime as Date | undefined)?.getTime() ?? startMs + DEFAULT_RUN_MS };
}

/** A record in any status, with the transition that status implies under way (seeding bypasses validation). */
export function seededExperiment(
  context: InferenceContext,
  arn: string,
  options: SeedInferenceExperimentOptions,
): ExperimentRecord {
  const nowMs = context.clock.nowMs();
  const variant = (VariantName: string, ModelName: string) => ({
    ModelName,
    VariantName,
    InfrastructureConfig: {
      InfrastructureType: 'RealTimeInference',
      RealTimeInferenceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    },
  });
  const definition: Record<string, unknown> = {
    Type: 'ShadowMode',
    RoleArn:
      options.roleArn ??
      `arn:aws:iam::${context.accountId}:role/service-role/AmazonSageMaker-ExecutionRole-shadow`,
    EndpointName: options.endpointName,
    ModelVariants: copy(
      options.modelVariants ?? [
        variant('production', options.modelName ?? 'model'),
        variant('shadow', options.shadowModelName ?? 'shadow-model'),
      ],
    ),
    ShadowModeConfig: copy(
      options.shadowModeConfig ?? {
        SourceModelVariantName: 'production',
        ShadowModelVariants: [{ ShadowModelVariantName: 'shadow', SamplingPercentage: 50 }],
      },
    ),
  };
  if (options.schedule !== undefined) definition.Schedule = copy(options.schedule);
  if (options.dataStorageConfig !== undefined) definition.DataStorageConfig = copy(options.dataStorageConfig);
  if (options.kmsKey !== undefined) definition.KmsKey = options.kmsKey;
  if (options.description !== undefined) definition.Description = options.description;
  const status = options.status ?? 'Running';
  const durations = context.durations();
  const implied: Partial<Record<ExperimentStatus, ExperimentTransition>> = {
    Creating: { kind: 'create', dueMs: nowMs + durations.experimentCreateSeconds * 1000 },
    Starting: { kind: 'start', dueMs: nowMs + durations.experimentStartSeconds * 1000 },
    Updating: {
      kind: 'update',
      dueMs: nowMs + durations.experimentUpdateSeconds * 1000,
      after: 'Running',
      changes: {},
    },
    Stopping: {
      kind: 'stop',
      dueMs: nowMs + durations.experimentStopSeconds * 1000,
      desiredState: 'Completed',
    },
  };
  const record: ExperimentRecord = {
    name: options.name,
    arn,
    creationMs: options.createdAt?.getTime() ?? nowMs,
    lastModifiedMs: nowMs,
    status,
    statusReason: undefined,
    completionMs: status === 'Completed' || status === 'Cancelled' ? nowMs : undefined,
    definition,
    transition: implied[status],
    tags: [...(options.tags ?? [])],
  };
  return record;
}

/** DescribeInferenceExperiment's answer, with the endpoint's current state. */
export function describeExperiment(
  record: ExperimentRecord,
  endpoint: EndpointRecord | undefined,
): Record<string, unknown> {
  const { definition } = record;
  const endpointName = definition.EndpointName as string;
  const endpointMetadata: Record<string, unknown> = { EndpointName: endpointName };
  if (endpoint !== undefined) {
    endpointMetadata.EndpointConfigName = endpoint.deployment.configName;
    endpointMetadata.EndpointStatus = endpoint.status;
    if (endpoint.failureReason !== undefined) endpointMetadata.FailureReason = endpoint.failureReason;
  }
  const shadowNames = ((definition.ShadowModeConfig as Input).ShadowModelVariants as Input[]).map(
    (shadow) => shadow.ShadowModelVariantName,
  );
  // Variant statuses are not documented beyond their enum: this mapping is the simulation's.
  const variantStatus = (variantName: unknown): string => {
    if (['Creating', 'Created', 'Starting'].includes(record.status)) return 'Creating';
    if (record.status === 'Completed' || record.status === 'Cancelled')
      return shadowNames.includes(variantName) ? 'Deleted' : 'InService';
    return 'InService';
  };
  const { startMs, endMs } = experimentWindow(record);
  return {
    Arn: record.arn,
    Name: record.name,
    Type: definition.Type,
    // The effective schedule, defaults included (not confirmed that AWS states the defaults).
    Schedule: { StartTime: new Date(startMs), EndTime: new Date(endMs) },
    Status: record.status,
    ...(record.statusReason === undefined ? {} : { StatusReason: record.statusReason }),
    ...(definition.Description === undefined ? {} : { Description: definition.Description }),
    CreationTime: new Date(record.creationMs),
    ...(record.completionMs === undefined ? {} : { CompletionTime: new Date(record.completionMs) }),
    LastModifiedTime: new Date(record.lastModifiedMs),
    RoleArn: definition.RoleArn,
    EndpointMetadata: endpointMetadata,
    ModelVariants: (definition.ModelVariants as Input[]).map((variant) => ({
      ...copy(variant),
      Status: variantStatus(variant.VariantName),
    })),
    ...(definition.DataStorageConfig === undefined
      ? {}
      : { DataStorageConfig: copy(definition.DataStorageConfig) }),
    ShadowModeConfig: copy(definition.ShadowModeConfig),
    ...(definition.KmsKey === undefined ? {} : { KmsKey: definition.KmsKey }),
  };
}

/** An entry of ListInferenceExperiments. */
export function experimentSummary(record: ExperimentRecord): Record<string, unknown> {
  const { startMs, endMs } = experimentWindow(record);
  return {
    Name: record.name,
    Type: record.definition.Type,
    Schedule: { StartTime: new Date(startMs), EndTime: new Date(endMs) },
    Status: record.status,
    ...(record.statusReason === undefined ? {} : { StatusReason: record.statusReason }),
    ...(record.definition.Description === undefined ? {} : { Description: record.definition.Description }),
    CreationTime: new Date(record.creationMs),
    ...(record.completionMs === undefined ? {} : { CompletionTime: new Date(record.completionMs) }),
    LastModifiedTime: new Date(record.lastModifiedMs),
    RoleArn: record.definition.RoleArn,
  };
}
