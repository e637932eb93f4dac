/**
 * SageMaker notebook instances: the lifecycle, wrong-state errors, update rules and tags of the real API.
 *
 * Transitions are lazy: each record knows what it is becoming and when, and every read settles it
 * against the clock, so no timers are needed and a read after the due time sees the new status.
 */

import type {
  AddTagsInput,
  CreateNotebookInstanceInput,
  DeleteNotebookInstanceInput,
  DeleteTagsInput,
  DescribeNotebookInstanceInput,
  ListTagsInput,
  StartNotebookInstanceInput,
  StopNotebookInstanceInput,
  UpdateNotebookInstanceInput,
} from '@aws-sdk/client-sagemaker';
import type { SimulatedClock } from './clock.js';
import { deterministicHex } from './deterministic-ids.js';
import type { SimulatedEc2 } from './ec2.js';
import { AwsServiceError, validationError } from './errors.js';
import { FaultInjector, type NotebookFaults, type NotebookOperation } from './faults.js';
import { constraintMessage, InputReader, isRecord } from './input-reader.js';
import type { SimulatedKms } from './kms.js';
import {
  type LifecycleHook,
  type LifecycleScriptRun,
  NotebookHost,
  type VolumeFiles,
} from './notebook-host.js';
import { InferenceResources } from './sagemaker-inference-resources.js';
import { type ListedResource, listNotebookInstances } from './sagemaker-listings.js';
import { MonitoringResources } from './sagemaker-monitoring-resources.js';
import {
  CODE_REPOSITORY_NAME_OR_URL,
  NotebookResources,
  sageMakerInputReader,
} from './sagemaker-notebook-resources.js';
import type { ResourceFamilyContext, TaggedResource } from './sagemaker-resource-family.js';
import type { SimulatedSecretsManager } from './secrets-manager.js';
import { SimulatedStorage } from './storage.js';

export type NotebookInstanceStatus =
  | 'Pending'
  | 'InService'
  | 'Stopping'
  | 'Stopped'
  | 'Failed'
  | 'Deleting'
  | 'Updating'
  | 'PendingMaintenance'
  | 'InMaintenance';

export type EnabledOrDisabled = 'Enabled' | 'Disabled';

/** How long each transition takes, in virtual seconds. */
export interface TransitionDurations {
  readonly startSeconds: number;
  readonly stopSeconds: number;
  readonly updateSeconds: number;
  readonly deleteSeconds: number;
  /** InMaintenance back to InService. */
  readonly maintenanceSeconds: number;
}

export const DEFAULT_TRANSITION_DURATIONS: TransitionDurations = {
  startSeconds: 180,
  stopSeconds: 60,
  updateSeconds: 60,
  deleteSeconds: 60,
  maintenanceSeconds: 600,
};

/** Platforms CreateNotebookInstance and UpdateNotebookInstance accept (AL1 is no longer accepted). */
export const DEFAULT_SUPPORTED_PLATFORMS: readonly string[] = [
  'notebook-al2-v2',
  'notebook-al2-v3',
  'notebook-al2023-v1',
];

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface SimulatedSageMakerOptions {
  readonly accountId?: string;
  readonly region?: string;
  readonly durations?: Partial<TransitionDurations>;
  readonly faults?: FaultInjector;
  readonly supportedPlatforms?: readonly string[];
  readonly defaultPlatform?: string;
  /** User tags allowed per resource (`aws:` tags do not count). */
  readonly maxTagsPerResource?: number;
  /**
   * Storage volumes and lifecycle scripts. Defaults to a host on its own temporary directory (created
   * only once a volume or script needs it).
   */
  readonly host?: NotebookHost;
  /** Told of every role a notebook is given (the account makes sure IAM knows it). */
  readonly onRoleUsed?: (roleArn: string) => void;
  /** The account's EC2, KMS and Secrets Manager: Create and Start check a notebook's references there. */
  readonly references?: NotebookReferences;
}

/** Where a notebook's subnet and security groups, KMS key and repository secrets live. */
export interface NotebookReferences {
  readonly ec2: SimulatedEc2;
  readonly kms: SimulatedKms;
  readonly secretsManager: SimulatedSecretsManager;
}

/** What a test may put directly into the account. */
export interface SeedNotebookOptions {
  readonly name: string;
  readonly status?: NotebookInstanceStatus;
  readonly failureReason?: string;
  readonly instanceType?: string;
  readonly roleArn?: string;
  readonly rootAccess?: EnabledOrDisabled;
  readonly directInternetAccess?: EnabledOrDisabled;
  readonly subnetId?: string;
  readonly securityGroupIds?: readonly string[];
  readonly ipAddressType?: 'ipv4' | 'dualstack';
  readonly kmsKeyId?: string;
  readonly lifecycleConfigName?: string;
  readonly volumeSizeInGB?: number;
  readonly defaultCodeRepository?: string;
  readonly additionalCodeRepositories?: readonly string[];
  readonly platformIdentifier?: string;
  readonly minimumInstanceMetadataServiceVersion?: '1' | '2';
  /** Seeding bypasses the AddTags limits, e.g. to add `aws:` system tags. */
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
  readonly durations?: Partial<TransitionDurations>;
  readonly faults?: NotebookFaults;
  /** Files on the notebook's storage volume (/home/ec2-user/SageMaker), by relative path. */
  readonly files?: VolumeFiles;
  /**
   * Bytes the volume stands for beyond `files` (a 50 GB notebook without writing 50 GB): its copies take
   * the time the throughput model gives them (copy-throughput.ts). Must fit VolumeSizeInGB with the files.
   */
  readonly modelledVolumeBytes?: number;
}

export interface DescribeNotebookInstanceResult {
  NotebookInstanceArn: string;
  NotebookInstanceName: string;
  NotebookInstanceStatus: NotebookInstanceStatus;
  FailureReason?: string;
  Url: string;
  InstanceType: string;
  IpAddressType: string;
  SubnetId?: string;
  SecurityGroups?: string[];
  RoleArn: string;
  KmsKeyId?: string;
  NetworkInterfaceId?: string;
  LastModifiedTime: Date;
  CreationTime: Date;
  NotebookInstanceLifecycleConfigName?: string;
  DirectInternetAccess: EnabledOrDisabled;
  VolumeSizeInGB: number;
  DefaultCodeRepository?: string;
  AdditionalCodeRepositories?: string[];
  RootAccess: EnabledOrDisabled;
  PlatformIdentifier: string;
  InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: string };
}

interface NotebookConfig {
  instanceType: string;
  ipAddressType: string;
  subnetId: string | undefined;
  securityGroupIds: string[];
  roleArn: string;
  kmsKeyId: string | undefined;
  lifecycleConfigName: string | undefined;
  directInternetAccess: EnabledOrDisabled;
  volumeSizeInGB: number;
  defaultCodeRepository: string | undefined;
  additionalCodeRepositories: string[];
  rootAccess: EnabledOrDisabled;
  platformIdentifier: string;
  minimumInstanceMetadataServiceVersion: string;
}

type TransitionKind = 'start' | 'stop' | 'update' | 'delete' | 'maintenance';

interface Transition {
  readonly kind: TransitionKind;
  readonly dueMs: number;
  /** Update: the field changes, applied when the update completes. */
  readonly changes?: Partial<NotebookConfig>;
  /** Start: this is the creation, so the OnCreate script runs before OnStart. */
  readonly creating?: boolean;
}

interface NotebookRecord {
  readonly name: string;
  readonly arn: string;
  config: NotebookConfig;
  status: NotebookInstanceStatus;
  failureReason: string | undefined;
  transition: Transition | undefined;
  externalDeletionAtMs: number | undefined;
  externalDeletionDone: boolean;
  readonly creationMs: number;
  lastModifiedMs: number;
  /** Re-created by a start when it has gone (with `references`). */
  networkInterfaceId: string | undefined;
  /** The grant SageMaker made on the notebook's KMS key (with `references`). */
  readonly keyGrant: { readonly keyId: string; readonly grantId: string } | undefined;
  tags: Tag[];
  readonly durations: TransitionDurations;
  /** The storage volume: a fresh one for every notebook created, gone when it is deleted. */
  readonly volumeId: string;
}

const NAME_PATTERN = '^[a-zA-Z0-9](-*[a-zA-Z0-9])*';
const NAME_CONSTRAINTS = { maxLength: 63, pattern: NAME_PATTERN };
const ROLE_ARN_CONSTRAINTS = {
  minLength: 20,
  maxLength: 2048,
  pattern: '^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$',
};
const RESOURCE_ARN_CONSTRAINTS = {
  maxLength: 256,
  pattern: 'arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+',
};
const INSTANCE_TYPE_CONSTRAINTS = { pattern: 'ml\\.[a-z0-9]+\\.[a-z0-9]+' };
const ENABLED_DISABLED = ['Enabled', 'Disabled'] as const;
const TAG_KEY_CONSTRAINTS = { minLength: 1, maxLength: 128, pattern: '([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)' };
const TAG_VALUE_CONSTRAINTS = { maxLength: 256, pattern: '([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)' };
const LIST_TAGS_PAGE_SIZE = 50;

const CREATE_MEMBERS = [
  'NotebookInstanceName',
  'InstanceType',
  'SubnetId',
  'SecurityGroupIds',
  'IpAddressType',
  'RoleArn',
  'KmsKeyId',
  'Tags',
  'LifecycleConfigName',
  'DirectInternetAccess',
  'VolumeSizeInGB',
  'AcceleratorTypes',
  'DefaultCodeRepository',
  'AdditionalCodeRepositories',
  'RootAccess',
  'PlatformIdentifier',
  'InstanceMetadataServiceConfiguration',
] as const;

const UPDATE_MEMBERS = [
  'NotebookInstanceName',
  'InstanceType',
  'IpAddressType',
  'PlatformIdentifier',
  'RoleArn',
  'LifecycleConfigName',
  'DisassociateLifecycleConfig',
  'VolumeSizeInGB',
  'DefaultCodeRepository',
  'AdditionalCodeRepositories',
  'AcceleratorTypes',
  'DisassociateAcceleratorTypes',
  'DisassociateDefaultCodeRepository',
  'DisassociateAdditionalCodeRepositories',
  'RootAccess',
  'InstanceMetadataServiceConfiguration',
] as const;

export class SimulatedSageMaker {
  readonly accountId: string;
  readonly region: string;
  readonly faults: FaultInjector;
  private readonly durations: TransitionDurations;
  private readonly supportedPlatforms: readonly string[];
  private readonly defaultPlatform: string;
  private readonly maxTagsPerResource: number;
  /** Lifecycle configurations and code repositories. */
  readonly resources: NotebookResources;
  /** Models, endpoint configurations, endpoints and inference experiments. */
  readonly inference: InferenceResources;
  /** Monitoring job definitions and schedules, images, app image configurations and feature groups. */
  readonly monitoring: MonitoringResources;
  /** Keyed by lowercase name: names are unique case-insensitively, as the ARN shows. */
  private readonly notebooks = new Map<string, NotebookRecord>();
  private hostInstance: NotebookHost | undefined;
  private readonly onRoleUsed: (roleArn: string) => void;
  private readonly references: NotebookReferences | undefined;
  private volumeCounter = 0;

  constructor(
    private readonly clock: SimulatedClock,
    options: SimulatedSageMakerOptions = {},
  ) {
    this.accountId = options.accountId ?? '111122223333';
    this.region = options.region ?? 'eu-west-1';
    this.durations = { ...DEFAULT_TRANSITION_DURATIONS, ...options.durations };
    this.faults = options.faults ?? new FaultInjector(clock);
    this.supportedPlatforms = options.supportedPlatforms ?? DEFAULT_SUPPORTED_PLATFORMS;
    this.defaultPlatform = options.defaultPlatform ?? 'notebook-al2023-v1';
    this.maxTagsPerResource = options.maxTagsPerResource ?? 50;
    this.hostInstance = options.host;
    this.onRoleUsed = options.onRoleUsed ?? (() => undefined);
    this.references = options.references;
    this.resources = new NotebookResources(clock, this.accountId, this.region, (reader, operation) =>
      this.readTags(reader, operation, 'Tags'),
    );
    const family: ResourceFamilyContext = {
      clock,
      accountId: this.accountId,
      region: this.region,
      faults: this.faults,
      readTags: (reader, operation) => this.readTags(reader, operation, 'Tags'),
      checkTagLimit: (existing, added, operation) => this.checkTagLimit(existing, added, operation),
      onRoleUsed: (roleArn) => this.onRoleUsed(roleArn),
      ...(this.references === undefined ? {} : { references: this.references }),
    };
    this.inference = new InferenceResources(family);
    this.monitoring = new MonitoringResources(family);
  }

  /** The machine side: storage volumes and lifecycle script runs. */
  get host(): NotebookHost {
    if (this.hostInstance === undefined) {
      this.hostInstance = new NotebookHost({ storage: new SimulatedStorage(), region: this.region });
    }
    return this.hostInstance;
  }

  /** The ARN AWS gives a notebook: the name lowercased. */
  notebookArn(name: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.accountId}:notebook-instance/${name.toLowerCase()}`;
  }

  /** Puts a notebook straight into any status, with the transition that status implies under way. */
  seedNotebook(options: SeedNotebookOptions): string {
    const key = options.name.toLowerCase();
    if (this.notebooks.has(key)) {
      throw new Error(`seedNotebook: notebook ${options.name} already exists`);
    }
    if (options.faults !== undefined) {
      this.faults.onNotebook(options.name, options.faults);
    }
    const nowMs = this.clock.nowMs();
    const durations = { ...this.durations, ...options.durations };
    const subnetId = options.subnetId;
    const config: NotebookConfig = {
      instanceType: options.instanceType ?? 'ml.t3.medium',
      ipAddressType: options.ipAddressType ?? 'ipv4',
      subnetId,
      securityGroupIds: [
        ...(options.securityGroupIds ?? (subnetId === undefined ? [] : ['sg-0a1b2c3d4e5f60718'])),
      ],
      roleArn: options.roleArn ?? this.defaultRoleArn(),
      kmsKeyId: options.kmsKeyId,
      lifecycleConfigName: options.lifecycleConfigName,
      directInternetAccess: options.directInternetAccess ?? 'Enabled',
      volumeSizeInGB: seededVolumeSize(options),
      defaultCodeRepository: options.defaultCodeRepository,
      additionalCodeRepositories: [...(options.additionalCodeRepositories ?? [])],
      rootAccess: options.rootAccess ?? 'Enabled',
      platformIdentifier: options.platformIdentifier ?? this.defaultPlatform,
      minimumInstanceMetadataServiceVersion: options.minimumInstanceMetadataServiceVersion ?? '2',
    };
    const arn = this.notebookArn(options.name);
    const record: NotebookRecord = {
      name: options.name,
      arn,
      config,
      status: options.status ?? 'InService',
      failureReason: options.status === 'Failed' ? (options.failureReason ?? 'Seeded failure') : undefined,
      transition: undefined,
      externalDeletionAtMs: undefined,
      externalDeletionDone: false,
      creationMs: options.createdAt?.getTime() ?? nowMs,
      lastModifiedMs: nowMs,
      ...this.bindReferences(options.name, arn, config, undefined),
      tags: [...(options.tags ?? [])],
      durations,
      volumeId: this.nextVolumeId(options.name),
    };
    record.transition = this.transitionImpliedBy(record.status, durations, nowMs);
    this.notebooks.set(key, record);
    this.onRoleUsed(record.config.roleArn);
    if (options.files !== undefined) {
      this.host.writeFiles(record.volumeId, options.files);
    }
    if (options.modelledVolumeBytes !== undefined) {
      this.host.setModelledBytes(record.volumeId, options.modelledVolumeBytes);
      const { bytes } = this.host.volumeSize(record.volumeId);
      if (bytes > config.volumeSizeInGB * 2 ** 30) {
        throw new Error(`${options.name}: ${bytes} bytes do not fit its ${config.volumeSizeInGB} GiB volume`);
      }
    }
    return record.arn;
  }

  /** Puts a lifecycle configuration in place; scripts are plain text (base64-encoded here). */
  seedLifecycleConfig(options: {
    readonly name: string;
    readonly onCreate?: string;
    readonly onStart?: string;
  }): string {
    return this.resources.seedLifecycleConfig(options);
  }

  /** Puts a Git code repository resource in place. */
  seedCodeRepository(options: {
    readonly name: string;
    readonly repositoryUrl: string;
    readonly branch?: string;
    readonly secretArn?: string;
  }): string {
    return this.resources.seedCodeRepository(options);
  }

  /**
   * What IAM checks of a caller depend on for this notebook (its role, network, key, repositories),
   * or undefined when there is no such notebook. Not an API call.
   */
  authorizationFacts(name: string):
    | {
        readonly roleArn: string;
        readonly subnetId?: string;
        readonly securityGroupIds: readonly string[];
        readonly kmsKeyId?: string;
        readonly networkInterfaceId?: string;
        readonly codeRepositoryNames: readonly string[];
      }
    | undefined {
    const record = this.notebooks.get(name.toLowerCase());
    if (record === undefined) return undefined;
    const { config } = record;
    return {
      roleArn: config.roleArn,
      ...(config.subnetId === undefined ? {} : { subnetId: config.subnetId }),
      securityGroupIds: [...config.securityGroupIds],
      ...(config.kmsKeyId === undefined ? {} : { kmsKeyId: config.kmsKeyId }),
      ...(record.networkInterfaceId === undefined ? {} : { networkInterfaceId: record.networkInterfaceId }),
      codeRepositoryNames: [config.defaultCodeRepository, ...config.additionalCodeRepositories].filter(
        (repository): repository is string => repository !== undefined,
      ),
    };
  }

  /** The secret of an account code repository, if it names one. Not an API call. */
  codeRepositorySecretArn(name: string): string | undefined {
    return this.resources.codeRepository(name)?.gitConfig.SecretArn;
  }

  /** The id of the notebook's ML storage volume (a new one for each instance of that name). */
  volumeIdOf(name: string): string {
    return this.requireSeen(name).volumeId;
  }

  /** The directory standing for the notebook's /home/ec2-user/SageMaker (created on demand). */
  volumePath(name: string): string {
    return this.host.volumePath(this.requireSeen(name).volumeId);
  }

  /** The files on the notebook's volume as UTF-8 text, by relative path (for assertions). */
  volumeFiles(name: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const [path, bytes] of this.host.readFiles(this.requireSeen(name).volumeId)) {
      files[path] = bytes.toString('utf8');
    }
    return files;
  }

  /** The files on the notebook's volume as bytes, by relative path. */
  volumeFileBytes(name: string): Record<string, Uint8Array> {
    const files: Record<string, Uint8Array> = {};
    for (const [path, bytes] of this.host.readFiles(this.requireSeen(name).volumeId)) {
      files[path] = new Uint8Array(bytes);
    }
    return files;
  }

  /**
   * A user of the running notebook writing a file on its volume, as a save in Jupyter would (not an API
   * call). Refused unless InService, and with EROFS while a lifecycle script holds the volume read-only.
   */
  userWrite(name: string, relativePath: string, content: string | Uint8Array): void {
    const record = this.requireSeen(name);
    if (record.status !== 'InService') {
      throw new Error(`${record.name} is ${record.status}: only a notebook InService can be written to`);
    }
    this.host.userWrite(record.volumeId, relativePath, content);
  }

  /** Lifecycle script runs (of one notebook, or all), oldest first: their exit codes and output. */
  lifecycleRuns(name?: string): LifecycleScriptRun[] {
    this.settleAll();
    if (this.hostInstance === undefined) {
      return [];
    }
    return this.host.runs.filter(
      (run) => name === undefined || run.notebookName.toLowerCase() === name.toLowerCase(),
    );
  }

  /**
   * Applies every transition due by now, in time order, running the lifecycle scripts they imply.
   * Reads of a notebook do this for that notebook; the account does it for all before S3 calls.
   */
  settleAll(): void {
    const records = [...this.notebooks.values()].sort(
      (a, b) => this.effectiveDueMs(a) - this.effectiveDueMs(b),
    );
    for (const record of records) {
      this.settle(record);
    }
  }

  /** Whether the notebook still exists (for assertions; does not count as an API call). */
  hasNotebook(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** The current status without an API call, or undefined once deleted. */
  statusOf(name: string): NotebookInstanceStatus | undefined {
    return this.find(name)?.status;
  }

  createNotebookInstance(input: CreateNotebookInstanceInput): { NotebookInstanceArn: string } {
    const operation = 'CreateNotebookInstance';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(CREATE_MEMBERS);
    const name = reader.requiredString('NotebookInstanceName', NAME_CONSTRAINTS);
    const instanceType = reader.requiredString('InstanceType', INSTANCE_TYPE_CONSTRAINTS);
    const roleArn = reader.requiredString('RoleArn', ROLE_ARN_CONSTRAINTS);
    const subnetId = reader.optionalString('SubnetId', { maxLength: 32, pattern: '[-0-9a-zA-Z]+' });
    const securityGroupIds =
      reader.optionalStringList('SecurityGroupIds', {
        maxItems: 5,
        item: { maxLength: 32, pattern: '[-0-9a-zA-Z]+' },
      }) ?? [];
    const ipAddressType =
      reader.optionalString('IpAddressType', { allowed: ['ipv4', 'dualstack'] }) ?? 'ipv4';
    const kmsKeyId = reader.optionalString('KmsKeyId', { maxLength: 2048 });
    const lifecycleConfigName = reader.optionalString('LifecycleConfigName', NAME_CONSTRAINTS);
    const directInternetAccess = (reader.optionalString('DirectInternetAccess', {
      allowed: ENABLED_DISABLED,
    }) ?? 'Enabled') as EnabledOrDisabled;
    const volumeSizeInGB = reader.optionalInteger('VolumeSizeInGB', { min: 5, max: 16384 }) ?? 5;
    const defaultCodeRepository = reader.optionalString('DefaultCodeRepository', CODE_REPOSITORY_NAME_OR_URL);
    const additionalCodeRepositories =
      reader.optionalStringList('AdditionalCodeRepositories', {
        maxItems: 3,
        item: CODE_REPOSITORY_NAME_OR_URL,
      }) ?? [];
    const rootAccess = (reader.optionalString('RootAccess', { allowed: ENABLED_DISABLED }) ??
      'Enabled') as EnabledOrDisabled;
    const platformIdentifier = reader.optionalString('PlatformIdentifier') ?? this.defaultPlatform;
    const metadataServiceVersion = this.readMetadataServiceVersion(reader, operation) ?? '2';
    const tags = this.readTags(reader, operation, 'Tags') ?? [];
    if (reader.has('AcceleratorTypes')) {
      throw this.elasticInferenceError(operation);
    }
    this.checkPlatform(platformIdentifier, operation);
    if (directInternetAccess === 'Disabled' && subnetId === undefined) {
      // Wording not confirmed; the rule (no internet access without a VPC subnet) is AWS's.
      throw validationError(
        { service: 'SageMaker', operation },
        'Direct internet access can be disabled only when a subnet is specified.',
      );
    }
    if (subnetId !== undefined && securityGroupIds.length === 0) {
      throw validationError(
        { service: 'SageMaker', operation },
        'Security group IDs are required when a subnet is specified.',
      );
    }
    const existing = this.find(name);
    if (existing !== undefined) {
      throw validationError(
        { service: 'SageMaker', operation },
        `Cannot create a duplicate Notebook Instance (${existing.arn})`,
      );
    }
    this.checkTagLimit([], tags, operation);
    if (lifecycleConfigName !== undefined) {
      this.resources.requireLifecycleConfig(lifecycleConfigName, operation);
    }
    for (const repository of [defaultCodeRepository, ...additionalCodeRepositories]) {
      if (repository !== undefined) {
        this.resources.requireCodeRepository(repository, operation);
      }
    }
    const nowMs = this.clock.nowMs();
    const config: NotebookConfig = {
      instanceType,
      ipAddressType,
      subnetId,
      securityGroupIds,
      roleArn,
      kmsKeyId,
      lifecycleConfigName,
      directInternetAccess,
      volumeSizeInGB,
      defaultCodeRepository,
      additionalCodeRepositories,
      rootAccess,
      platformIdentifier,
      minimumInstanceMetadataServiceVersion: metadataServiceVersion,
    };
    const arn = this.notebookArn(name);
    // Checked last, so that a refused call leaves no interface or grant behind.
    const references = this.bindReferences(name, arn, config, operation);
    const record: NotebookRecord = {
      name,
      arn,
      config,
      status: 'Pending',
      failureReason: undefined,
      transition: { kind: 'start', dueMs: nowMs + this.durations.startSeconds * 1000, creating: true },
      externalDeletionAtMs: undefined,
      externalDeletionDone: false,
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      ...references,
      tags: [...tags],
      durations: { ...this.durations },
      volumeId: this.nextVolumeId(name),
    };
    this.notebooks.set(name.toLowerCase(), record);
    this.onRoleUsed(roleArn);
    this.afterOperation(record, operation);
    return { NotebookInstanceArn: record.arn };
  }

  describeNotebookInstance(input: DescribeNotebookInstanceInput): DescribeNotebookInstanceResult {
    const operation = 'DescribeNotebookInstance';
    const record = this.requireNotebook(input, operation);
    const result = this.describe(record);
    this.afterOperation(record, operation);
    return result;
  }

  stopNotebookInstance(input: StopNotebookInstanceInput): Record<string, never> {
    const operation = 'StopNotebookInstance';
    const record = this.requireNotebook(input, operation);
    this.requireStatus(record, ['InService'], 'Stopping', operation);
    this.beginTransition(record, 'Stopping', 'stop', record.durations.stopSeconds);
    this.afterOperation(record, operation);
    return {};
  }

  startNotebookInstance(input: StartNotebookInstanceInput): Record<string, never> {
    const operation = 'StartNotebookInstance';
    const record = this.requireNotebook(input, operation);
    this.requireStatus(record, ['Stopped', 'Failed'], 'Pending', operation);
    this.rebindOnStart(record, operation);
    record.failureReason = undefined;
    this.beginTransition(record, 'Pending', 'start', record.durations.startSeconds);
    this.afterOperation(record, operation);
    return {};
  }

  updateNotebookInstance(input: UpdateNotebookInstanceInput): Record<string, never> {
    const operation = 'UpdateNotebookInstance';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(UPDATE_MEMBERS);
    const record = this.requireNotebook(input, operation);
    const changes = this.readUpdateChanges(reader, record, operation);
    this.requireStatus(record, ['Stopped'], 'Updating', operation);
    const rejection = this.faults.notebook(record.name).rejectUpdate;
    if (rejection !== undefined) {
      throw new AwsServiceError({
        service: 'SageMaker',
        operation,
        code: rejection.code ?? 'ValidationException',
        message: rejection.message ?? `Unable to update Notebook Instance (${record.arn})`,
      });
    }
    this.beginTransition(record, 'Updating', 'update', record.durations.updateSeconds, changes);
    if (changes.roleArn !== undefined) {
      this.onRoleUsed(changes.roleArn);
    }
    this.afterOperation(record, operation);
    return {};
  }

  deleteNotebookInstance(input: DeleteNotebookInstanceInput): Record<string, never> {
    const operation = 'DeleteNotebookInstance';
    const record = this.requireNotebook(input, operation);
    this.requireStatus(record, ['Stopped', 'Failed'], 'Deleting', operation);
    record.failureReason = undefined;
    this.beginTransition(record, 'Deleting', 'delete', record.durations.deleteSeconds);
    this.afterOperation(record, operation);
    return {};
  }

  listTags(input: ListTagsInput): { Tags: Tag[]; NextToken?: string } {
    const operation = 'ListTags';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['ResourceArn', 'NextToken', 'MaxResults']);
    const arn = reader.requiredString('ResourceArn', RESOURCE_ARN_CONSTRAINTS);
    // The API reference gives MaxResults a minimum of 50 and no maximum.
    const maxResults = reader.optionalInteger('MaxResults', { min: 50 }) ?? LIST_TAGS_PAGE_SIZE;
    const nextToken = reader.optionalString('NextToken', { maxLength: 8192 });
    const record = this.requireArn(arn, operation);
    const offset = nextToken === undefined ? 0 : this.decodeToken(nextToken, record.arn, operation);
    const page = record.tags.slice(offset, offset + maxResults).map((tag) => ({ ...tag }));
    const end = offset + page.length;
    return end < record.tags.length
      ? { Tags: page, NextToken: this.encodeToken(record.arn, end) }
      : { Tags: page };
  }

  addTags(input: AddTagsInput): { Tags: Tag[] } {
    const operation = 'AddTags';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['ResourceArn', 'Tags']);
    const arn = reader.requiredString('ResourceArn', RESOURCE_ARN_CONSTRAINTS);
    const tags = this.readTags(reader, operation, 'Tags');
    if (tags === undefined) {
      throw validationError(
        { service: 'SageMaker', operation },
        constraintMessage(undefined, 'Tags', 'Member must not be null'),
      );
    }
    const record = this.requireArn(arn, operation);
    this.checkTagLimit(record.tags, tags, operation);
    for (const tag of tags) {
      const index = record.tags.findIndex((existing) => existing.Key === tag.Key);
      if (index >= 0) {
        record.tags[index] = { ...tag };
      } else {
        record.tags.push({ ...tag });
      }
    }
    return { Tags: tags.map((tag) => ({ ...tag })) };
  }

  deleteTags(input: DeleteTagsInput): Record<string, never> {
    const operation = 'DeleteTags';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['ResourceArn', 'TagKeys']);
    const arn = reader.requiredString('ResourceArn', RESOURCE_ARN_CONSTRAINTS);
    const keys = reader.optionalStringList('TagKeys', { maxItems: 50, item: TAG_KEY_CONSTRAINTS });
    if (keys === undefined || keys.length === 0) {
      throw validationError(
        { service: 'SageMaker', operation },
        constraintMessage(undefined, 'TagKeys', 'Member must have length greater than or equal to 1'),
      );
    }
    const record = this.requireArn(arn, operation);
    record.tags = record.tags.filter((tag) => !keys.includes(tag.Key));
    return {};
  }

  /** Dispatch table for the account's adapters. */
  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    // Input is validated member by member inside each operation; the casts only pick the overload.
    return {
      CreateNotebookInstance: (input) => this.createNotebookInstance(input as CreateNotebookInstanceInput),
      DescribeNotebookInstance: (input) =>
        this.describeNotebookInstance(input as DescribeNotebookInstanceInput),
      StopNotebookInstance: (input) => this.stopNotebookInstance(input as StopNotebookInstanceInput),
      StartNotebookInstance: (input) => this.startNotebookInstance(input as StartNotebookInstanceInput),
      UpdateNotebookInstance: (input) => this.updateNotebookInstance(input as UpdateNotebookInstanceInput),
      DeleteNotebookInstance: (input) => this.deleteNotebookInstance(input as DeleteNotebookInstanceInput),
      ListTags: (input) => this.listTags(input as ListTagsInput),
      AddTags: (input) => this.addTags(input as AddTagsInput),
      DeleteTags: (input) => this.deleteTags(input as DeleteTagsInput),
      ListNotebookInstances: (input) => listNotebookInstances(input, this.listedNotebooks()),
      ...this.resources.operations(),
      ...this.inference.operations(),
      ...this.monitoring.operations(),
    };
  }

  /** ListNotebookInstances' entries: the summary members of each notebook's Describe output. */
  private listedNotebooks(): ListedResource[] {
    const members = [
      'NotebookInstanceName',
      'NotebookInstanceArn',
      'NotebookInstanceStatus',
      'Url',
      'InstanceType',
      'CreationTime',
      'LastModifiedTime',
      'NotebookInstanceLifecycleConfigName',
      'DefaultCodeRepository',
      'AdditionalCodeRepositories',
    ];
    return [...this.notebooks.values()].flatMap((stored) => {
      const record = this.find(stored.name);
      if (record === undefined) return [];
      const described: Record<string, unknown> = { ...this.describe(record) };
      const summary = Object.fromEntries(
        members.filter((member) => member in described).map((member) => [member, described[member]]),
      );
      return [
        {
          name: record.name,
          creationMs: record.creationMs,
          lastModifiedMs: record.lastModifiedMs,
          status: record.status,
          summary,
        },
      ];
    });
  }

  private reader(input: unknown, operation: string): InputReader {
    return sageMakerInputReader(input, operation);
  }

  /** The notebook for the test helpers: settled, and an Error (not an AWS error) if it does not exist. */
  private requireSeen(name: string): NotebookRecord {
    const record = this.find(name);
    if (record === undefined) {
      throw new Error(`SimulatedSageMaker: no notebook instance named ${name}`);
    }
    return record;
  }

  private nextVolumeId(name: string): string {
    this.volumeCounter += 1;
    return `${name.toLowerCase()}-${this.volumeCounter}`;
  }

  private find(name: string): NotebookRecord | undefined {
    const record = this.notebooks.get(name.toLowerCase());
    if (record === undefined) {
      return undefined;
    }
    return this.settle(record) ? record : undefined;
  }

  private requireNotebook(input: unknown, operation: NotebookOperation): NotebookRecord {
    const name = this.reader(input, operation).requiredString('NotebookInstanceName', NAME_CONSTRAINTS);
    if (operation !== 'UpdateNotebookInstance') {
      this.reader(input, operation).rejectUnknown(['NotebookInstanceName']);
    }
    const record = this.find(name);
    if (record === undefined) {
      throw validationError({ service: 'SageMaker', operation }, 'RecordNotFound');
    }
    return record;
  }

  /** The taggable resource an ARN names: a notebook instance or a resource of one of the families. */
  private requireArn(arn: string, operation: string): TaggedResource {
    const prefix = `arn:aws:sagemaker:${this.region}:${this.accountId}:notebook-instance/`;
    const lower = arn.toLowerCase();
    const record = lower.startsWith(prefix)
      ? this.find(lower.slice(prefix.length))
      : (this.inference.taggedResource(lower) ?? this.monitoring.taggedResource(lower));
    if (record === undefined) {
      // Wording not confirmed: AWS answers an unknown resource ARN with a ValidationException.
      throw validationError({ service: 'SageMaker', operation }, `Resource (${arn}) not found.`);
    }
    return record;
  }

  private requireStatus(
    record: NotebookRecord,
    allowed: readonly NotebookInstanceStatus[],
    target: NotebookInstanceStatus,
    operation: string,
  ): void {
    if (!allowed.includes(record.status)) {
      throw validationError(
        { service: 'SageMaker', operation },
        `Status (${record.status}) not in ([${allowed.join(', ')}]). ` +
          `Unable to transition to (${target}) for Notebook Instance (${record.arn})`,
      );
    }
  }

  private beginTransition(
    record: NotebookRecord,
    status: NotebookInstanceStatus,
    kind: TransitionKind,
    seconds: number,
    changes?: Partial<NotebookConfig>,
  ): void {
    const nowMs = this.clock.nowMs();
    record.status = status;
    record.lastModifiedMs = nowMs;
    record.transition = {
      kind,
      dueMs: nowMs + seconds * 1000,
      ...(changes === undefined ? {} : { changes }),
    };
  }

  private transitionImpliedBy(
    status: NotebookInstanceStatus,
    durations: TransitionDurations,
    nowMs: number,
  ): Transition | undefined {
    const implied: Partial<Record<NotebookInstanceStatus, { kind: TransitionKind; seconds: number }>> = {
      Pending: { kind: 'start', seconds: durations.startSeconds },
      Stopping: { kind: 'stop', seconds: durations.stopSeconds },
      Updating: { kind: 'update', seconds: durations.updateSeconds },
      Deleting: { kind: 'delete', seconds: durations.deleteSeconds },
      InMaintenance: { kind: 'maintenance', seconds: durations.maintenanceSeconds },
    };
    const next = implied[status];
    return next === undefined ? undefined : { kind: next.kind, dueMs: nowMs + next.seconds * 1000 };
  }

  /** Applies every transition due by now. Returns false once the notebook is gone. */
  private settle(record: NotebookRecord): boolean {
    for (;;) {
      const nowMs = this.clock.nowMs();
      const deletionAtMs = this.externalDeletionTime(record);
      const transitionDueMs = this.effectiveDueMs(record);
      const transition = record.transition;
      // Events apply in time order; a transition due at the same instant as the deletion goes first.
      if (
        transition !== undefined &&
        transitionDueMs <= nowMs &&
        transitionDueMs <= (deletionAtMs ?? transitionDueMs)
      ) {
        if (!this.complete(record, transition)) {
          return false;
        }
        continue;
      }
      if (deletionAtMs !== undefined && deletionAtMs <= nowMs) {
        this.deleteExternally(record, deletionAtMs);
        continue;
      }
      return true;
    }
  }

  /**
   * Someone else deleting the notebook, as they would have to: AWS deletes only a Stopped or Failed
   * notebook, so they wait out a transition, and stop a running notebook first.
   */
  private deleteExternally(record: NotebookRecord, atMs: number): void {
    switch (record.status) {
      case 'Stopped':
      case 'Failed':
        record.externalDeletionDone = true;
        record.status = 'Deleting';
        record.failureReason = undefined;
        record.lastModifiedMs = atMs;
        record.transition = { kind: 'delete', dueMs: atMs + record.durations.deleteSeconds * 1000 };
        return;
      case 'InService':
      case 'PendingMaintenance':
        record.status = 'Stopping';
        record.lastModifiedMs = atMs;
        record.transition = { kind: 'stop', dueMs: atMs + record.durations.stopSeconds * 1000 };
        record.externalDeletionAtMs = record.transition.dueMs;
        return;
      case 'Deleting':
        record.externalDeletionDone = true;
        return;
      default:
        // Pending, Stopping, Updating, InMaintenance: try again when the transition completes.
        record.externalDeletionAtMs = this.effectiveDueMs(record);
    }
  }

  /** When the pending transition completes; never while a fault holds it back. */
  private effectiveDueMs(record: NotebookRecord): number {
    const transition = record.transition;
    if (transition === undefined) {
      return Number.POSITIVE_INFINITY;
    }
    if (transition.kind === 'stop' && this.faults.notebook(record.name).stuckInStopping === true) {
      return Number.POSITIVE_INFINITY;
    }
    return transition.dueMs;
  }

  /** Completes a due transition. Returns false when the notebook is deleted. */
  private complete(record: NotebookRecord, transition: Transition): boolean {
    const faults = this.faults.notebook(record.name);
    switch (transition.kind) {
      case 'stop':
        // A stop clears the machine's mounts: a lifecycle script's read-only volume is writable again.
        this.hostInstance?.unfreeze(record.volumeId);
        this.finish(record, 'Stopped', transition.dueMs);
        return true;
      case 'start': {
        // So does a boot (a Failed notebook started again).
        this.hostInstance?.unfreeze(record.volumeId);
        if (faults.startFailureReason !== undefined) {
          this.finish(record, 'Failed', transition.dueMs, faults.startFailureReason);
          this.faults.clearNotebookFault(record.name, 'startFailureReason');
          return true;
        }
        const scriptFailure = this.runLifecycleScripts(record, transition);
        if (scriptFailure !== undefined) {
          this.finish(record, 'Failed', transition.dueMs, scriptFailure);
          return true;
        }
        this.finish(record, 'InService', transition.dueMs);
        return true;
      }
      case 'update':
        if (faults.updateFailureReason !== undefined) {
          this.finish(record, 'Failed', transition.dueMs, faults.updateFailureReason);
          this.faults.clearNotebookFault(record.name, 'updateFailureReason');
          return true;
        }
        record.config = { ...record.config, ...transition.changes };
        this.finish(record, 'Stopped', transition.dueMs);
        return true;
      case 'maintenance':
        this.finish(record, 'InService', transition.dueMs);
        return true;
      case 'delete':
        this.notebooks.delete(record.name.toLowerCase());
        this.releaseReferences(record);
        // The ML storage volume goes with the instance: whatever was not copied out is lost.
        if (this.hostInstance !== undefined) {
          this.host.destroyVolume(record.volumeId);
        }
        return false;
    }
  }

  /**
   * Runs the notebook's OnCreate (at creation) and OnStart scripts, as the instance does at the end of
   * Pending. Returns the FailureReason when one fails. AWS reports a script that exits non-zero with
   * the same text as one that runs out of time (public reports show scripts that failed at once, e.g.
   * `command not found`, with the "took longer than 5 minutes" reason).
   */
  private runLifecycleScripts(record: NotebookRecord, transition: Transition): string | undefined {
    const configName = record.config.lifecycleConfigName;
    const config = configName === undefined ? undefined : this.resources.lifecycleConfig(configName);
    if (config === undefined) {
      // No configuration, or it was deleted while the notebook still names it: nothing runs (the
      // latter is not confirmed).
      return undefined;
    }
    const hooks: [LifecycleHook, readonly string[]][] = [
      ['OnCreate', transition.creating === true ? config.onCreate : []],
      ['OnStart', config.onStart],
    ];
    for (const [hook, contents] of hooks) {
      for (const content of contents) {
        const run = this.host.runScript({
          notebookName: record.name,
          notebookArn: record.arn,
          roleArn: record.config.roleArn,
          volumeId: record.volumeId,
          lifecycleConfigName: config.name,
          hook,
          content,
          atMs: transition.dueMs,
        });
        if (run.timedOut || run.exitCode !== 0) {
          return (
            `Notebook Instance Lifecycle Config '${config.arn}' for Notebook Instance '${record.arn}' took ` +
            'longer than 5 minutes. Please check your CloudWatch logs for more details if your Notebook ' +
            'Instance has Internet access.'
          );
        }
      }
    }
    return undefined;
  }

  private finish(
    record: NotebookRecord,
    status: NotebookInstanceStatus,
    atMs: number,
    failureReason?: string,
  ): void {
    record.status = status;
    record.failureReason = failureReason;
    record.lastModifiedMs = atMs;
    record.transition = undefined;
  }

  private externalDeletionTime(record: NotebookRecord): number | undefined {
    if (record.externalDeletionDone) {
      return undefined;
    }
    return record.externalDeletionAtMs ?? this.faults.notebook(record.name).externalDeletion?.at?.getTime();
  }

  private afterOperation(record: NotebookRecord, operation: NotebookOperation): void {
    const deletion = this.faults.notebook(record.name).externalDeletion;
    if (
      deletion?.afterOperation === operation &&
      !record.externalDeletionDone &&
      record.externalDeletionAtMs === undefined
    ) {
      record.externalDeletionAtMs = this.clock.nowMs() + (deletion.delayMs ?? 0);
    }
  }

  private describe(record: NotebookRecord): DescribeNotebookInstanceResult {
    const { config } = record;
    const result: DescribeNotebookInstanceResult = {
      NotebookInstanceArn: record.arn,
      NotebookInstanceName: record.name,
      NotebookInstanceStatus: record.status,
      Url: `${record.name.toLowerCase()}.notebook.${this.region}.sagemaker.aws`,
      InstanceType: config.instanceType,
      IpAddressType: config.ipAddressType,
      RoleArn: config.roleArn,
      LastModifiedTime: new Date(record.lastModifiedMs),
      CreationTime: new Date(record.creationMs),
      DirectInternetAccess: config.directInternetAccess,
      VolumeSizeInGB: config.volumeSizeInGB,
      RootAccess: config.rootAccess,
      PlatformIdentifier: config.platformIdentifier,
      InstanceMetadataServiceConfiguration: {
        MinimumInstanceMetadataServiceVersion: config.minimumInstanceMetadataServiceVersion,
      },
    };
    if (record.failureReason !== undefined) result.FailureReason = record.failureReason;
    if (config.subnetId !== undefined) result.SubnetId = config.subnetId;
    if (config.securityGroupIds.length > 0) result.SecurityGroups = [...config.securityGroupIds];
    if (config.kmsKeyId !== undefined) result.KmsKeyId = config.kmsKeyId;
    if (record.networkInterfaceId !== undefined) result.NetworkInterfaceId = record.networkInterfaceId;
    if (config.lifecycleConfigName !== undefined) {
      result.NotebookInstanceLifecycleConfigName = config.lifecycleConfigName;
    }
    if (config.defaultCodeRepository !== undefined)
      result.DefaultCodeRepository = config.defaultCodeRepository;
    if (config.additionalCodeRepositories.length > 0) {
      result.AdditionalCodeRepositories = [...config.additionalCodeRepositories];
    }
    return result;
  }

  private readUpdateChanges(
    reader: InputReader,
    record: NotebookRecord,
    operation: string,
  ): Partial<NotebookConfig> {
    const fail = (message: string) => validationError({ service: 'SageMaker', operation }, message);
    const changes: Partial<NotebookConfig> = {};
    const instanceType = reader.optionalString('InstanceType', INSTANCE_TYPE_CONSTRAINTS);
    if (instanceType !== undefined) changes.instanceType = instanceType;
    const ipAddressType = reader.optionalString('IpAddressType', { allowed: ['ipv4', 'dualstack'] });
    if (ipAddressType !== undefined) changes.ipAddressType = ipAddressType;
    const platformIdentifier = reader.optionalString('PlatformIdentifier');
    if (platformIdentifier !== undefined) {
      this.checkPlatform(platformIdentifier, operation);
      changes.platformIdentifier = platformIdentifier;
    }
    const roleArn = reader.optionalString('RoleArn', ROLE_ARN_CONSTRAINTS);
    if (roleArn !== undefined) changes.roleArn = roleArn;
    const lifecycleConfigName = reader.optionalString('LifecycleConfigName', NAME_CONSTRAINTS);
    const disassociateLifecycleConfig = reader.optionalBoolean('DisassociateLifecycleConfig') === true;
    if (lifecycleConfigName !== undefined && disassociateLifecycleConfig) {
      // Wording not confirmed.
      throw fail('Cannot specify both LifecycleConfigName and DisassociateLifecycleConfig.');
    }
    if (lifecycleConfigName !== undefined) {
      this.resources.requireLifecycleConfig(lifecycleConfigName, operation);
      changes.lifecycleConfigName = lifecycleConfigName;
    }
    if (disassociateLifecycleConfig) changes.lifecycleConfigName = undefined;
    const volumeSizeInGB = reader.optionalInteger('VolumeSizeInGB', { min: 5, max: 16384 });
    if (volumeSizeInGB !== undefined) {
      if (volumeSizeInGB < record.config.volumeSizeInGB) {
        // The volume can only grow; wording not confirmed.
        throw fail(
          `Volume size cannot be decreased. Current size: ${record.config.volumeSizeInGB} GB, ` +
            `requested size: ${volumeSizeInGB} GB.`,
        );
      }
      changes.volumeSizeInGB = volumeSizeInGB;
    }
    const defaultCodeRepository = reader.optionalString('DefaultCodeRepository', CODE_REPOSITORY_NAME_OR_URL);
    if (defaultCodeRepository !== undefined) {
      this.resources.requireCodeRepository(defaultCodeRepository, operation);
      changes.defaultCodeRepository = defaultCodeRepository;
    }
    if (reader.optionalBoolean('DisassociateDefaultCodeRepository') === true) {
      changes.defaultCodeRepository = undefined;
    }
    const additional = reader.optionalStringList('AdditionalCodeRepositories', {
      maxItems: 3,
      item: CODE_REPOSITORY_NAME_OR_URL,
    });
    if (additional !== undefined) {
      for (const repository of additional) {
        this.resources.requireCodeRepository(repository, operation);
      }
      changes.additionalCodeRepositories = additional;
    }
    if (reader.optionalBoolean('DisassociateAdditionalCodeRepositories') === true) {
      changes.additionalCodeRepositories = [];
    }
    if (reader.has('AcceleratorTypes')) {
      throw this.elasticInferenceError(operation);
    }
    reader.optionalBoolean('DisassociateAcceleratorTypes');
    const rootAccess = reader.optionalString('RootAccess', { allowed: ENABLED_DISABLED });
    if (rootAccess !== undefined) changes.rootAccess = rootAccess as EnabledOrDisabled;
    const metadataServiceVersion = this.readMetadataServiceVersion(reader, operation);
    if (metadataServiceVersion !== undefined)
      changes.minimumInstanceMetadataServiceVersion = metadataServiceVersion;
    return changes;
  }

  private readMetadataServiceVersion(reader: InputReader, operation: string): string | undefined {
    const configuration = reader.optionalRecord('InstanceMetadataServiceConfiguration');
    if (configuration === undefined) {
      return undefined;
    }
    const nested = InputReader.of(configuration, (message) =>
      validationError({ service: 'SageMaker', operation }, message),
    );
    nested.rejectUnknown(['MinimumInstanceMetadataServiceVersion']);
    return nested.requiredString('MinimumInstanceMetadataServiceVersion', { allowed: ['1', '2'] });
  }

  private readTags(reader: InputReader, operation: string, member: string): Tag[] | undefined {
    const list = reader.optionalList(member);
    if (list === undefined) {
      return undefined;
    }
    const fail = (message: string) => validationError({ service: 'SageMaker', operation }, message);
    if (list.length > 50) {
      throw fail(
        constraintMessage(
          `[${list.length} tags]`,
          member,
          'Member must have length less than or equal to 50',
        ),
      );
    }
    return list.map((item) => {
      if (!isRecord(item)) {
        throw fail(constraintMessage(JSON.stringify(item), member, 'Member must be a Tag structure'));
      }
      const tag = InputReader.of(item, fail);
      tag.rejectUnknown(['Key', 'Value']);
      const key = tag.requiredString('Key', TAG_KEY_CONSTRAINTS);
      const value = tag.requiredString('Value', TAG_VALUE_CONSTRAINTS);
      if (key.toLowerCase().startsWith('aws:')) {
        throw fail(`Tag keys starting with 'aws:' are reserved for system use. Key: ${key}`);
      }
      return { Key: key, Value: value };
    });
  }

  private checkTagLimit(existing: readonly Tag[], added: readonly Tag[], operation: string): void {
    const userKeys = new Set(existing.filter((tag) => !tag.Key.startsWith('aws:')).map((tag) => tag.Key));
    for (const tag of added) {
      userKeys.add(tag.Key);
    }
    if (userKeys.size > this.maxTagsPerResource) {
      // Wording not confirmed; the 50 user tags per resource limit is AWS's.
      throw validationError(
        { service: 'SageMaker', operation },
        `Too many tags: a resource can have at most ${this.maxTagsPerResource} user tags (${userKeys.size} requested).`,
      );
    }
  }

  private checkPlatform(platformIdentifier: string, operation: string): void {
    if (!this.supportedPlatforms.includes(platformIdentifier)) {
      throw validationError(
        { service: 'SageMaker', operation },
        `Platform identifier (${platformIdentifier}) is not supported for this service.`,
      );
    }
  }

  private elasticInferenceError(operation: string): AwsServiceError {
    // Elastic Inference accelerators were discontinued; wording not confirmed.
    return validationError(
      { service: 'SageMaker', operation },
      'AcceleratorTypes is not supported: Amazon Elastic Inference is no longer available.',
    );
  }

  private encodeToken(arn: string, offset: number): string {
    return Buffer.from(JSON.stringify({ arn, offset }), 'utf8').toString('base64');
  }

  private decodeToken(token: string, arn: string, operation: string): number {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
      if (isRecord(decoded) && decoded.arn === arn && typeof decoded.offset === 'number') {
        return decoded.offset;
      }
    } catch {
      // Falls through to the invalid-token error below.
    }
    throw validationError({ service: 'SageMaker', operation }, 'Invalid pagination token');
  }

  private defaultRoleArn(): string {
    return `arn:aws:iam::${this.accountId}:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000`;
  }

  /**
   * Checks what a notebook refers to in EC2, KMS and Secrets Manager as AWS does (SageMaker's
   * ValidationException relays the other service's message; wording not confirmed), then creates its
   * network interface and key grant. Seeding (`operation` undefined) creates a missing subnet, group
   * or key instead, and so does an API call while that service is unmodelled (nothing seeded in it):
   * what exists is checked, what was never modelled is taken as given (simulation/README.md).
   */
  private bindReferences(
    name: string,
    arn: string,
    config: NotebookConfig,
    operation: string | undefined,
  ): Pick<NotebookRecord, 'networkInterfaceId' | 'keyGrant'> {
    const references = this.references;
    if (references === undefined) {
      return { networkInterfaceId: this.networkInterfaceFor(name, config.subnetId), keyGrant: undefined };
    }
    const { kms } = references;
    const keyId = config.kmsKeyId;
    if (operation !== undefined) this.checkRepositorySecrets(config, operation);
    if (keyId !== undefined && (operation === undefined || !kms.modelled)) kms.materialiseKey(keyId);
    // Unmodelled: a key that cannot be created here (another account's) is taken as given.
    if (keyId !== undefined && operation !== undefined && (kms.modelled || kms.keyArn(keyId) !== undefined)) {
      // A notebook volume needs an enabled symmetric encryption key.
      this.relay(() => kms.useKey(keyId, 'GenerateDataKeyWithoutPlaintext'), operation);
    }
    this.checkNetwork(config, operation);
    const networkInterfaceId =
      config.subnetId === undefined
        ? undefined
        : references.ec2.attachInterface({
            subnetId: config.subnetId,
            groupIds: config.securityGroupIds,
            // Wording not confirmed.
            description: `[DO NOT DELETE] ENI managed by SageMaker for Notebook Instance ${name}`,
          });
    let keyGrant: NotebookRecord['keyGrant'];
    if (keyId !== undefined && kms.keyArn(keyId) !== undefined) {
      try {
        // The grantee stands for SageMaker acting for the notebook (the real grantee is not documented).
        keyGrant = { keyId, grantId: kms.grantForService(keyId, config.roleArn, arn) };
      } catch (error) {
        // A seeded notebook may keep a key that is no longer enabled: no grant then.
        if (!(error instanceof AwsServiceError)) throw error;
      }
    }
    return { networkInterfaceId, keyGrant };
  }

  /** A start re-checks repository secrets, and re-creates the network interface if it has gone. */
  private rebindOnStart(record: NotebookRecord, operation: string): void {
    const references = this.references;
    if (references === undefined) return;
    this.checkRepositorySecrets(record.config, operation);
    const { subnetId, securityGroupIds } = record.config;
    const current = record.networkInterfaceId;
    if (subnetId === undefined || (current !== undefined && references.ec2.hasNetworkInterface(current)))
      return;
    this.checkNetwork(record.config, operation);
    record.networkInterfaceId = references.ec2.attachInterface({
      subnetId,
      groupIds: securityGroupIds,
      description: `[DO NOT DELETE] ENI managed by SageMaker for Notebook Instance ${record.name}`,
    });
  }

  /** Deleting a notebook deletes its network interface and retires its key grant. */
  private releaseReferences(record: NotebookRecord): void {
    if (this.references === undefined) return;
    if (record.networkInterfaceId !== undefined)
      this.references.ec2.removeNetworkInterface(record.networkInterfaceId);
    if (record.keyGrant !== undefined)
      this.references.kms.retireGrant(record.keyGrant.keyId, record.keyGrant.grantId);
  }

  private checkNetwork(config: NotebookConfig, operation: string | undefined): void {
    const ec2 = this.references?.ec2;
    if (ec2 === undefined || config.subnetId === undefined) return;
    if (operation === undefined || !ec2.modelled)
      ec2.materialiseNetwork(config.subnetId, config.securityGroupIds);
    const problem = ec2.networkProblem(config.subnetId, config.securityGroupIds);
    if (problem === undefined) return;
    throw operation === undefined
      ? new Error(`seedNotebook: ${problem}`)
      : validationError({ service: 'SageMaker', operation }, problem);
  }

  /** A code repository's secret must exist (once Secrets Manager is modelled). */
  private checkRepositorySecrets(config: NotebookConfig, operation: string): void {
    const secrets = this.references?.secretsManager;
    if (secrets === undefined || !secrets.modelled) return;
    for (const repository of [config.defaultCodeRepository, ...config.additionalCodeRepositories]) {
      const secretArn =
        repository === undefined ? undefined : this.resources.codeRepository(repository)?.gitConfig.SecretArn;
      if (secretArn !== undefined && !secrets.hasSecret(secretArn)) {
        throw validationError(
          { service: 'SageMaker', operation },
          "Secrets Manager can't find the specified secret.",
        );
      }
    }
  }

  /** Runs another service's check; its error becomes SageMaker's ValidationException with its message. */
  private relay(check: () => unknown, operation: string): void {
    try {
      check();
    } catch (error) {
      if (error instanceof AwsServiceError)
        throw validationError({ service: 'SageMaker', operation }, error.message);
      throw error;
    }
  }

  private networkInterfaceFor(name: string, subnetId: string | undefined): string | undefined {
    return subnetId === undefined ? undefined : `eni-${deterministicHex(`eni/${name.toLowerCase()}`, 17)}`;
  }
}

/** A seeded notebook's volume size, within what CreateNotebookInstance accepts (5 to 16384 GB). */
function seededVolumeSize(options: SeedNotebookOptions): number {
  const size = options.volumeSizeInGB ?? 5;
  if (!Number.isInteger(size) || size < 5 || size > 16_384) {
    throw new Error(
      `seedNotebook: ${options.name}: VolumeSizeInGB must be a whole number from 5 to 16384, got ${size}`,
    );
  }
  return size;
}
