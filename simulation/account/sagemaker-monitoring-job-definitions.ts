/**
 * The four monitoring job definition types (data quality, model quality, model bias, model
 * explainability): Create, Describe, Delete and List, and no Update, as in the API. A definition is a
 * plain record (no status); a schedule that names it locks it against deletion.
 */

import type { Tag } from './sagemaker.js';
import {
  checkKey,
  checkNetwork,
  copy,
  invalid,
  type MonitoringContext,
  pageOf,
  resourceArn,
  resourceInUse,
  resourceNotFound,
  sortBy,
  withinTimes,
} from './sagemaker-monitoring-common.js';
import {
  CLUSTER_RESOURCES,
  ENDPOINT_NAME,
  JOB_DEFINITION_SHAPES,
  LIST_PAGING,
  MONITORING_TYPES,
  type MonitoringType,
  NAME,
  NETWORK_CONFIG,
  OUTPUT_CONFIG,
  ROLE_ARN,
  STOPPING_CONDITION,
} from './sagemaker-monitoring-shapes.js';
import { oneOf, type StructureShape, structure, validateRequest } from './sagemaker-monitoring-validation.js';
import { sageMakerInputReader } from './sagemaker-notebook-resources.js';
import type { TaggedResource } from './sagemaker-resource-family.js';

export interface JobDefinitionRecord extends TaggedResource {
  readonly type: MonitoringType;
  readonly name: string;
  readonly arn: string;
  readonly creationMs: number;
  /** The type's own Describe members (`<Type>AppSpecification`, `JobResources`, `NetworkConfig`...), as created. */
  readonly members: Readonly<Record<string, unknown>>;
  tags: Tag[];
}

/** What a test may put in place directly (no validation); omitted members get plausible values. */
export interface SeedJobDefinitionOptions {
  readonly name: string;
  readonly roleArn?: string;
  /** The monitored endpoint (EndpointInput.EndpointName). */
  readonly endpointName?: string;
  /** NetworkConfig as Describe returns it; left out, the definition has none (as when created without). */
  readonly networkConfig?: Readonly<Record<string, unknown>>;
  readonly instanceCount?: number;
  readonly instanceType?: string;
  readonly volumeKmsKeyId?: string;
  readonly outputKmsKeyId?: string;
  /** Members replacing the generated ones, by their API names (e.g. `DataQualityBaselineConfig`). */
  readonly members?: Readonly<Record<string, unknown>>;
  /** Seeding bypasses the Tags rules, e.g. to add `aws:` tags. */
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

export const JOB_DEFINITION_ARN_TYPES: Readonly<Record<MonitoringType, string>> = {
  DataQuality: 'data-quality-job-definition',
  ModelQuality: 'model-quality-job-definition',
  ModelBias: 'model-bias-job-definition',
  ModelExplainability: 'model-explainability-job-definition',
};

function createShape(type: MonitoringType): StructureShape {
  const own = JOB_DEFINITION_SHAPES[type];
  return structure(
    {
      JobDefinitionName: NAME,
      [`${type}BaselineConfig`]: own.baseline,
      [`${type}AppSpecification`]: own.app,
      [`${type}JobInput`]: own.input,
      [`${type}JobOutputConfig`]: OUTPUT_CONFIG,
      JobResources: CLUSTER_RESOURCES,
      NetworkConfig: NETWORK_CONFIG,
      RoleArn: ROLE_ARN,
      StoppingCondition: STOPPING_CONDITION,
    },
    [
      'JobDefinitionName',
      `${type}AppSpecification`,
      `${type}JobInput`,
      `${type}JobOutputConfig`,
      'JobResources',
      'RoleArn',
    ],
  );
}

const NAME_ONLY = structure({ JobDefinitionName: NAME }, ['JobDefinitionName']);
const LIST_SHAPE = structure({
  EndpointName: ENDPOINT_NAME,
  SortBy: oneOf('Name', 'CreationTime'),
  ...LIST_PAGING,
});

export class JobDefinitions {
  /** Keyed by `<type>/<lowercase name>`. */
  private readonly records = new Map<string, JobDefinitionRecord>();

  constructor(
    private readonly context: MonitoringContext,
    /** The schedule that names this definition (and so locks it), if any. */
    private readonly lockedBy: (type: MonitoringType, name: string) => string | undefined,
  ) {}

  find(type: MonitoringType, name: string): JobDefinitionRecord | undefined {
    return this.records.get(`${type}/${name.toLowerCase()}`);
  }

  /** The endpoint a definition monitors (EndpointInput.EndpointName), if it monitors one. */
  endpointOf(record: JobDefinitionRecord): string | undefined {
    const input = record.members[`${record.type}JobInput`] as { EndpointInput?: { EndpointName?: string } };
    return input?.EndpointInput?.EndpointName;
  }

  seed(type: MonitoringType, options: SeedJobDefinitionOptions): string {
    if (this.find(type, options.name) !== undefined) {
      throw new Error(`seedJobDefinition: ${type} job definition ${options.name} already exists`);
    }
    const record: JobDefinitionRecord = {
      type,
      name: options.name,
      arn: resourceArn(this.context, JOB_DEFINITION_ARN_TYPES[type], options.name),
      creationMs: options.createdAt?.getTime() ?? this.context.clock.nowMs(),
      members: { ...this.seededMembers(type, options), ...copy(options.members ?? {}) },
      tags: [...(options.tags ?? [])],
    };
    this.records.set(`${type}/${options.name.toLowerCase()}`, record);
    this.context.onRoleUsed(String(record.members.RoleArn));
    return record.arn;
  }

  taggedResource(lowercaseArn: string): TaggedResource | undefined {
    return [...this.records.values()].find((record) => record.arn === lowercaseArn);
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return Object.fromEntries(
      MONITORING_TYPES.flatMap((type) => [
        [`Create${type}JobDefinition`, (input: unknown) => this.create(type, input)],
        [`Describe${type}JobDefinition`, (input: unknown) => this.describe(type, input)],
        [`Delete${type}JobDefinition`, (input: unknown) => this.delete(type, input)],
        [`List${type}JobDefinitions`, (input: unknown) => this.list(type, input)],
      ]),
    );
  }

  private create(type: MonitoringType, input: unknown): { JobDefinitionArn: string } {
    const operation = `Create${type}JobDefinition`;
    const request = validateRequest(input, createShape(type), operation, ['Tags']);
    const tags = this.context.readTags(sageMakerInputReader(request, operation), operation) ?? [];
    const name = String(request.JobDefinitionName);
    const jobInput = request[`${type}JobInput`] as Record<string, unknown>;
    if ((jobInput.EndpointInput === undefined) === (jobInput.BatchTransformInput === undefined)) {
      // Wording not confirmed: the API reference lists both inputs as optional, one is needed.
      throw invalid(operation, 'Specify exactly one of EndpointInput and BatchTransformInput.');
    }
    // Names are unique across the four types (not documented: the stricter choice).
    const clash = MONITORING_TYPES.map((other) => this.find(other, name)).find(
      (record) => record !== undefined,
    );
    if (clash !== undefined) {
      // Wording not confirmed (public reports of other SageMaker resources use this form).
      throw resourceInUse(
        operation,
        `Resource Already Exists: ${clash.type}JobDefinition with name ${clash.name} already exists. ` +
          'Choose a different name.',
      );
    }
    this.context.checkTagLimit([], tags, operation);
    const network = request.NetworkConfig as { VpcConfig?: unknown } | undefined;
    checkNetwork(this.context, network?.VpcConfig, operation);
    const resources = request.JobResources as { ClusterConfig: { VolumeKmsKeyId?: string } };
    checkKey(this.context, resources.ClusterConfig.VolumeKmsKeyId, operation);
    checkKey(this.context, (request[`${type}JobOutputConfig`] as { KmsKeyId?: string }).KmsKeyId, operation);
    const { JobDefinitionName: _name, Tags: _tags, ...members } = copy(request);
    const record: JobDefinitionRecord = {
      type,
      name,
      arn: resourceArn(this.context, JOB_DEFINITION_ARN_TYPES[type], name),
      creationMs: this.context.clock.nowMs(),
      members,
      tags,
    };
    this.records.set(`${type}/${name.toLowerCase()}`, record);
    this.context.onRoleUsed(String(request.RoleArn));
    return { JobDefinitionArn: record.arn };
  }

  private describe(type: MonitoringType, input: unknown): Record<string, unknown> {
    const operation = `Describe${type}JobDefinition`;
    const record = this.require(type, validateRequest(input, NAME_ONLY, operation), operation);
    return {
      JobDefinitionArn: record.arn,
      JobDefinitionName: record.name,
      CreationTime: new Date(record.creationMs),
      ...copy(record.members),
    };
  }

  /**
   * Refused while a schedule names the definition, until that schedule is gone: the SageMaker Python
   * SDK waits for a deleted schedule to disappear before deleting its definition because "the job
   * definition is locked by the schedule". The API declares no error for it; the code
   * (ValidationException) and wording are not confirmed.
   */
  private delete(type: MonitoringType, input: unknown): Record<string, never> {
    const operation = `Delete${type}JobDefinition`;
    const record = this.require(type, validateRequest(input, NAME_ONLY, operation), operation);
    const schedule = this.lockedBy(type, record.name);
    if (schedule !== undefined) {
      throw invalid(
        operation,
        `Job definition ${record.arn} is in use by monitoring schedule ${schedule}. ` +
          'Delete the monitoring schedule first.',
      );
    }
    this.records.delete(`${type}/${record.name.toLowerCase()}`);
    return {};
  }

  private list(type: MonitoringType, input: unknown): Record<string, unknown> {
    const operation = `List${type}JobDefinitions`;
    const request = validateRequest(input, LIST_SHAPE, operation);
    const nameContains =
      typeof request.NameContains === 'string' ? request.NameContains.toLowerCase() : undefined;
    const matching = [...this.records.values()].filter(
      (record) =>
        record.type === type &&
        (request.EndpointName === undefined || this.endpointOf(record) === request.EndpointName) &&
        (nameContains === undefined || record.name.toLowerCase().includes(nameContains)) &&
        withinTimes(record.creationMs, request.CreationTimeBefore, request.CreationTimeAfter),
    );
    const sorted = sortBy(
      matching,
      (record) => (request.SortBy === 'Name' ? record.name : record.creationMs),
      request.SortOrder,
    );
    const { page, nextToken } = pageOf(sorted, request, operation);
    return {
      JobDefinitionSummaries: page.map((record) => {
        const endpointName = this.endpointOf(record);
        return {
          MonitoringJobDefinitionName: record.name,
          MonitoringJobDefinitionArn: record.arn,
          CreationTime: new Date(record.creationMs),
          ...(endpointName === undefined ? {} : { EndpointName: endpointName }),
        };
      }),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
  }

  private require(
    type: MonitoringType,
    request: Readonly<Record<string, unknown>>,
    operation: string,
  ): JobDefinitionRecord {
    const name = String(request.JobDefinitionName);
    const record = this.find(type, name);
    if (record === undefined) {
      // Wording not confirmed.
      throw resourceNotFound(
        operation,
        `Could not find job definition ${resourceArn(this.context, JOB_DEFINITION_ARN_TYPES[type], name)}.`,
      );
    }
    return record;
  }

  /** A complete definition of the type, valid for its Create call, as a seed's starting point. */
  private seededMembers(type: MonitoringType, options: SeedJobDefinitionOptions): Record<string, unknown> {
    const { region, accountId } = this.context;
    const bucket = `s3://sagemaker-${region}-${accountId}/monitoring/${options.name}`;
    // Example image URIs: what runs the jobs does not matter to the simulation.
    const monitorImage = `123456789012.dkr.ecr.${region}.amazonaws.com/sagemaker-model-monitor-analyzer`;
    const clarifyImage = `123456789012.dkr.ecr.${region}.amazonaws.com/sagemaker-clarify-processing:1.0`;
    const clarify = type === 'ModelBias' || type === 'ModelExplainability';
    const groundTruth = type === 'ModelBias' || type === 'ModelQuality';
    return {
      [`${type}AppSpecification`]: clarify
        ? { ImageUri: clarifyImage, ConfigUri: `${bucket}/analysis_config.json` }
        : {
            ImageUri: monitorImage,
            ...(type === 'ModelQuality' ? { ProblemType: 'BinaryClassification' } : {}),
          },
      [`${type}JobInput`]: {
        EndpointInput: {
          EndpointName: options.endpointName ?? 'production-endpoint',
          LocalPath: '/opt/ml/processing/input/endpoint',
          S3InputMode: 'File',
          S3DataDistributionType: 'FullyReplicated',
        },
        ...(groundTruth ? { GroundTruthS3Input: { S3Uri: `${bucket}/ground-truth` } } : {}),
      },
      [`${type}JobOutputConfig`]: {
        MonitoringOutputs: [
          {
            S3Output: {
              S3Uri: `${bucket}/reports`,
              LocalPath: '/opt/ml/processing/output',
              S3UploadMode: 'EndOfJob',
            },
          },
        ],
        ...(options.outputKmsKeyId === undefined ? {} : { KmsKeyId: options.outputKmsKeyId }),
      },
      JobResources: {
        ClusterConfig: {
          InstanceCount: options.instanceCount ?? 1,
          InstanceType: options.instanceType ?? 'ml.m5.xlarge',
          VolumeSizeInGB: 20,
          ...(options.volumeKmsKeyId === undefined ? {} : { VolumeKmsKeyId: options.volumeKmsKeyId }),
        },
      },
      ...(options.networkConfig === undefined ? {} : { NetworkConfig: copy(options.networkConfig) }),
      RoleArn:
        options.roleArn ??
        `arn:aws:iam::${accountId}:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000`,
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    };
  }
}
