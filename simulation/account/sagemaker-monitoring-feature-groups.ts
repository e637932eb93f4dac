/**
 * Feature groups: Creating, then Created; Deleting, then gone. Their store keys
 * (OnlineStoreConfig.SecurityConfig.KmsKeyId, OfflineStoreConfig.S3StorageConfig.KmsKeyId) are set at
 * creation only: UpdateFeatureGroup cannot change them, so it is not simulated.
 */

import type { Tag } from './sagemaker.js';
import { type ListedResource, listFeatureGroups } from './sagemaker-listings.js';
import {
  checkKey,
  copy,
  invalid,
  type MonitoringContext,
  resourceArn,
  resourceInUse,
  resourceNotFound,
} from './sagemaker-monitoring-common.js';
import { KMS_KEY_ID, ROLE_ARN } from './sagemaker-monitoring-shapes.js';
import {
  boolean,
  integer,
  list,
  oneOf,
  structure,
  text,
  validateRequest,
} from './sagemaker-monitoring-validation.js';
import { sageMakerInputReader } from './sagemaker-notebook-resources.js';
import type { TaggedResource } from './sagemaker-resource-family.js';

export type FeatureGroupStatus = 'Creating' | 'Created' | 'CreateFailed' | 'Deleting' | 'DeleteFailed';

export interface FeatureGroupRecord extends TaggedResource {
  readonly name: string;
  readonly arn: string;
  /** The Create request's members (but the name and Tags), as given. */
  readonly definition: Readonly<Record<string, unknown>>;
  status: FeatureGroupStatus;
  failureReason: string | undefined;
  transition: { readonly dueMs: number; readonly becomes: 'Created' | 'deleted' } | undefined;
  readonly creationMs: number;
  tags: Tag[];
}

export interface SeedFeatureGroupOptions {
  readonly name: string;
  /** Default: an enabled online store without a customer managed key. */
  readonly onlineStoreConfig?: Readonly<Record<string, unknown>>;
  readonly offlineStoreConfig?: Readonly<Record<string, unknown>>;
  readonly roleArn?: string;
  /** Default: `record_id` (String) and `event_time` (Fractional), the record identifier and event time. */
  readonly featureDefinitions?: readonly Readonly<Record<string, unknown>>[];
  readonly recordIdentifierFeatureName?: string;
  readonly eventTimeFeatureName?: string;
  readonly description?: string;
  /** Default Created; Creating ends Created, Deleting ends with the group gone. */
  readonly status?: FeatureGroupStatus;
  readonly failureReason?: string;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

const GROUP_NAME_PATTERN = '[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}';
const GROUP_NAME = text({ min: 1, max: 64, pattern: GROUP_NAME_PATTERN });
const FEATURE_NAME = text({ min: 1, max: 64, pattern: '[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}' });
const S3_URI = text({ max: 1024, pattern: '(https|s3)://([^/]+)/?(.*)' });
const CATALOG_TEXT = text({
  min: 1,
  max: 255,
  pattern: '[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*',
});
const CAPACITY = integer({ min: 0, max: 10_000_000 });
const CREATE_SHAPE = structure(
  {
    FeatureGroupName: GROUP_NAME,
    RecordIdentifierFeatureName: FEATURE_NAME,
    EventTimeFeatureName: FEATURE_NAME,
    FeatureDefinitions: list(
      structure(
        {
          FeatureName: FEATURE_NAME,
          FeatureType: oneOf('Integral', 'Fractional', 'String'),
          CollectionType: oneOf('List', 'Set', 'Vector'),
          CollectionConfig: structure({
            VectorConfig: structure({ Dimension: integer({ min: 1, max: 8192 }) }, ['Dimension']),
          }),
        },
        ['FeatureName', 'FeatureType'],
      ),
      { min: 1, max: 2500 },
    ),
    OnlineStoreConfig: structure({
      SecurityConfig: structure({ KmsKeyId: KMS_KEY_ID }),
      EnableOnlineStore: boolean,
      TtlDuration: structure({
        Unit: oneOf('Seconds', 'Minutes', 'Hours', 'Days', 'Weeks'),
        Value: integer({ min: 1 }),
      }),
      StorageType: oneOf('Standard', 'InMemory'),
    }),
    OfflineStoreConfig: structure(
      {
        S3StorageConfig: structure({ S3Uri: S3_URI, KmsKeyId: KMS_KEY_ID, ResolvedOutputS3Uri: S3_URI }, [
          'S3Uri',
        ]),
        DisableGlueTableCreation: boolean,
        DataCatalogConfig: structure(
          { TableName: CATALOG_TEXT, Catalog: CATALOG_TEXT, Database: CATALOG_TEXT },
          ['TableName', 'Catalog', 'Database'],
        ),
        TableFormat: oneOf('Default', 'Glue', 'Iceberg'),
      },
      ['S3StorageConfig'],
    ),
    ThroughputConfig: structure(
      {
        ThroughputMode: oneOf('OnDemand', 'Provisioned'),
        ProvisionedReadCapacityUnits: CAPACITY,
        ProvisionedWriteCapacityUnits: CAPACITY,
      },
      ['ThroughputMode'],
    ),
    RoleArn: ROLE_ARN,
    Description: text({ max: 128 }),
  },
  ['FeatureGroupName', 'RecordIdentifierFeatureName', 'EventTimeFeatureName', 'FeatureDefinitions'],
);
const DESCRIBE_SHAPE = structure(
  {
    FeatureGroupName: text({
      min: 1,
      max: 256,
      pattern: `(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:feature-group\\/)?(${GROUP_NAME_PATTERN})`,
    }),
    NextToken: text({ max: 8192, pattern: '.*' }),
  },
  ['FeatureGroupName'],
);
const DELETE_SHAPE = structure({ FeatureGroupName: GROUP_NAME }, ['FeatureGroupName']);

export class FeatureGroups {
  private readonly records = new Map<string, FeatureGroupRecord>();

  constructor(private readonly context: MonitoringContext) {}

  find(name: string): FeatureGroupRecord | undefined {
    const record = this.records.get(name.toLowerCase());
    return record === undefined ? undefined : this.settle(record);
  }

  seed(options: SeedFeatureGroupOptions): string {
    if (this.find(options.name) !== undefined) throw new Error(`seedFeatureGroup: ${options.name} exists`);
    const nowMs = this.context.clock.nowMs();
    const status = options.status ?? 'Created';
    const definition = {
      RecordIdentifierFeatureName: options.recordIdentifierFeatureName ?? 'record_id',
      EventTimeFeatureName: options.eventTimeFeatureName ?? 'event_time',
      FeatureDefinitions: copy(
        options.featureDefinitions ?? [
          { FeatureName: 'record_id', FeatureType: 'String' },
          { FeatureName: 'event_time', FeatureType: 'Fractional' },
        ],
      ),
      ...(options.offlineStoreConfig === undefined && options.onlineStoreConfig === undefined
        ? { OnlineStoreConfig: { EnableOnlineStore: true } }
        : {}),
      ...(options.onlineStoreConfig === undefined
        ? {}
        : { OnlineStoreConfig: copy(options.onlineStoreConfig) }),
      ...(options.offlineStoreConfig === undefined
        ? {}
        : { OfflineStoreConfig: copy(options.offlineStoreConfig) }),
      ...(options.roleArn === undefined ? {} : { RoleArn: options.roleArn }),
      ...(options.description === undefined ? {} : { Description: options.description }),
    };
    const record: FeatureGroupRecord = {
      name: options.name,
      arn: resourceArn(this.context, 'feature-group', options.name),
      definition,
      status,
      failureReason: status.endsWith('Failed') ? (options.failureReason ?? 'Seeded failure') : undefined,
      transition:
        status === 'Creating' || status === 'Deleting'
          ? {
              dueMs: nowMs + this.seconds(status) * 1000,
              becomes: status === 'Creating' ? 'Created' : 'deleted',
            }
          : undefined,
      creationMs: options.createdAt?.getTime() ?? nowMs,
      tags: [...(options.tags ?? [])],
    };
    this.records.set(options.name.toLowerCase(), record);
    if (options.roleArn !== undefined) this.context.onRoleUsed(options.roleArn);
    return record.arn;
  }

  taggedResource(lowercaseArn: string): TaggedResource | undefined {
    return [...this.records.values()].find(
      (record) => record.arn === lowercaseArn && this.settle(record) !== undefined,
    );
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      CreateFeatureGroup: (input) => this.create(input),
      DescribeFeatureGroup: (input) => this.describe(input),
      DeleteFeatureGroup: (input) => this.delete(input),
      ListFeatureGroups: (input) => listFeatureGroups(input, this.listed()),
    };
  }

  /** ListFeatureGroups' entries: name, ARN, creation time and the two statuses. */
  private listed(): ListedResource[] {
    return [...this.records.values()].flatMap((stored) => {
      const record = this.settle(stored);
      if (record === undefined) return [];
      const offline = record.definition.OfflineStoreConfig !== undefined;
      const summary = {
        FeatureGroupName: record.name,
        FeatureGroupArn: record.arn,
        CreationTime: new Date(record.creationMs),
        FeatureGroupStatus: record.status,
        ...(offline ? { OfflineStoreStatus: { Status: 'Active' } } : {}),
      };
      return [{ ...record, lastModifiedMs: record.creationMs, summary }];
    });
  }

  /**
   * The rules beyond the shape (the API reference's; wordings not confirmed): at least one of the online
   * and offline stores; the record identifier and event time are defined features; a role to write the
   * offline store with.
   */
  private create(input: unknown): { FeatureGroupArn: string } {
    const operation = 'CreateFeatureGroup';
    const request = validateRequest(input, CREATE_SHAPE, operation, ['Tags']);
    const tags = this.context.readTags(sageMakerInputReader(request, operation), operation) ?? [];
    const name = String(request.FeatureGroupName);
    if (request.OnlineStoreConfig === undefined && request.OfflineStoreConfig === undefined) {
      throw invalid(operation, 'You must include at least one of OnlineStoreConfig and OfflineStoreConfig.');
    }
    const features = (request.FeatureDefinitions as { FeatureName: string }[]).map(
      (feature) => feature.FeatureName,
    );
    const duplicate = features.find((feature, index) => features.indexOf(feature) !== index);
    if (duplicate !== undefined) throw invalid(operation, `Feature ${duplicate} is defined more than once.`);
    for (const member of ['RecordIdentifierFeatureName', 'EventTimeFeatureName']) {
      if (!features.includes(String(request[member]))) {
        throw invalid(
          operation,
          `${member} ${String(request[member])} is not one of the FeatureDefinitions.`,
        );
      }
    }
    if (request.OfflineStoreConfig !== undefined && request.RoleArn === undefined) {
      throw invalid(operation, 'RoleArn is required when OfflineStoreConfig is provided.');
    }
    const existing = this.find(name);
    if (existing !== undefined) {
      // Public reports quote this wording.
      throw resourceInUse(
        operation,
        `Resource Already Exists: FeatureGroup with name ${existing.name} already exists. Choose a different name.`,
      );
    }
    this.context.checkTagLimit([], tags, operation);
    const online = request.OnlineStoreConfig as { SecurityConfig?: { KmsKeyId?: string } } | undefined;
    const offline = request.OfflineStoreConfig as { S3StorageConfig?: { KmsKeyId?: string } } | undefined;
    checkKey(this.context, online?.SecurityConfig?.KmsKeyId, operation);
    checkKey(this.context, offline?.S3StorageConfig?.KmsKeyId, operation);
    const { FeatureGroupName: _name, Tags: _tags, ...definition } = copy(request);
    const nowMs = this.context.clock.nowMs();
    const record: FeatureGroupRecord = {
      name,
      arn: resourceArn(this.context, 'feature-group', name),
      definition,
      status: 'Creating',
      failureReason: undefined,
      transition: { dueMs: nowMs + this.seconds('Creating') * 1000, becomes: 'Created' },
      creationMs: nowMs,
      tags,
    };
    this.records.set(name.toLowerCase(), record);
    if (typeof request.RoleArn === 'string') this.context.onRoleUsed(request.RoleArn);
    return { FeatureGroupArn: record.arn };
  }

  private describe(input: unknown): Record<string, unknown> {
    const operation = 'DescribeFeatureGroup';
    const request = validateRequest(input, DESCRIBE_SHAPE, operation);
    const record = this.require(
      String(request.FeatureGroupName).replace(/^arn:.*:feature-group\//, ''),
      operation,
    );
    const {
      OfflineStoreConfig: offline,
      ThroughputConfig: throughput,
      ...rest
    } = copy(record.definition) as Record<string, unknown>;
    return {
      FeatureGroupArn: record.arn,
      FeatureGroupName: record.name,
      ...rest,
      CreationTime: new Date(record.creationMs),
      ...(offline === undefined ? {} : { OfflineStoreConfig: this.resolvedOfflineStore(record, offline) }),
      ThroughputConfig: throughput ?? { ThroughputMode: 'OnDemand' },
      FeatureGroupStatus: record.status,
      ...(offline === undefined ? {} : { OfflineStoreStatus: { Status: 'Active' } }),
      ...(record.failureReason === undefined ? {} : { FailureReason: record.failureReason }),
    };
  }

  /** Refused while Creating or Deleting (not documented: the API declares no error for it; wording invented). */
  private delete(input: unknown): Record<string, never> {
    const operation = 'DeleteFeatureGroup';
    const record = this.require(
      String(validateRequest(input, DELETE_SHAPE, operation).FeatureGroupName),
      operation,
    );
    if (record.status === 'Creating' || record.status === 'Deleting') {
      throw invalid(operation, `Feature Group '${record.name}' is in status ${record.status}.`);
    }
    record.status = 'Deleting';
    record.failureReason = undefined;
    record.transition = {
      dueMs: this.context.clock.nowMs() + this.seconds('Deleting') * 1000,
      becomes: 'deleted',
    };
    return {};
  }

  /** Describe adds where the offline store writes: `<S3Uri>/<account>/sagemaker/<region>/offline-store/<name>-<epoch>/data`. */
  private resolvedOfflineStore(record: FeatureGroupRecord, offline: unknown): unknown {
    const config = offline as { S3StorageConfig: { S3Uri: string; ResolvedOutputS3Uri?: string } };
    const base = config.S3StorageConfig.S3Uri.replace(/\/$/, '');
    const suffix = `${record.name}-${Math.floor(record.creationMs / 1000)}`;
    config.S3StorageConfig.ResolvedOutputS3Uri ??= `${base}/${this.context.accountId}/sagemaker/${this.context.region}/offline-store/${suffix}/data`;
    return config;
  }

  private require(name: string, operation: string): FeatureGroupRecord {
    const record = this.find(name);
    if (record === undefined) {
      // Wording not confirmed.
      throw resourceNotFound(
        operation,
        `Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name ${name}`,
      );
    }
    return record;
  }

  private seconds(status: 'Creating' | 'Deleting'): number {
    const durations = this.context.durations();
    return status === 'Creating' ? durations.featureGroupCreateSeconds : durations.featureGroupDeleteSeconds;
  }

  private settle(record: FeatureGroupRecord): FeatureGroupRecord | undefined {
    const transition = record.transition;
    if (transition === undefined || transition.dueMs > this.context.clock.nowMs()) return record;
    if (transition.becomes === 'deleted') {
      this.records.delete(record.name.toLowerCase());
      return undefined;
    }
    record.status = transition.becomes;
    record.transition = undefined;
    return record;
  }
}
