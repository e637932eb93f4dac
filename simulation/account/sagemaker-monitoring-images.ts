/**
 * SageMaker images (CREATING, then CREATED; UPDATING; DELETING, then gone) and app image
 * configurations (plain records). Both carry tags, which controls SageMaker.6 and .7 check.
 */

import type { Tag } from './sagemaker.js';
import { type ListedResource, listAppImageConfigs, listImages } from './sagemaker-listings.js';
import {
  copy,
  invalid,
  type MonitoringContext,
  resourceArn,
  resourceInUse,
  resourceNotFound,
} from './sagemaker-monitoring-common.js';
import { ROLE_ARN } from './sagemaker-monitoring-shapes.js';
import { integer, list, map, structure, text, validateRequest } from './sagemaker-monitoring-validation.js';
import { sageMakerInputReader } from './sagemaker-notebook-resources.js';
import type { TaggedResource } from './sagemaker-resource-family.js';

export type ImageStatus =
  | 'CREATING'
  | 'CREATED'
  | 'CREATE_FAILED'
  | 'UPDATING'
  | 'UPDATE_FAILED'
  | 'DELETING'
  | 'DELETE_FAILED';

export interface ImageRecord extends TaggedResource {
  readonly name: string;
  readonly arn: string;
  description: string | undefined;
  displayName: string | undefined;
  roleArn: string;
  status: ImageStatus;
  failureReason: string | undefined;
  transition: { readonly dueMs: number; readonly becomes: 'CREATED' | 'deleted' } | undefined;
  readonly creationMs: number;
  lastModifiedMs: number;
  tags: Tag[];
}

export interface AppImageConfigRecord extends TaggedResource {
  readonly name: string;
  readonly arn: string;
  /** KernelGatewayImageConfig, JupyterLabAppImageConfig and CodeEditorAppImageConfig, as given. */
  configs: Record<string, unknown>;
  readonly creationMs: number;
  lastModifiedMs: number;
  tags: Tag[];
}

export interface SeedImageOptions {
  readonly name: string;
  readonly roleArn?: string;
  readonly description?: string;
  readonly displayName?: string;
  /** Default CREATED; CREATING and UPDATING end CREATED, DELETING ends with the image gone. */
  readonly status?: ImageStatus;
  readonly failureReason?: string;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

export interface SeedAppImageConfigOptions {
  readonly name: string;
  /** The three app configurations by their API names; default: one KernelGateway kernel. */
  readonly configs?: Readonly<Record<string, unknown>>;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

const IMAGE_NAME = text({ min: 1, max: 63, pattern: '[a-zA-Z0-9]([-.]?[a-zA-Z0-9]){0,62}' });
const DESCRIPTION = text({ min: 1, max: 512, pattern: '.*' });
const DISPLAY_NAME = text({ min: 1, max: 128, pattern: '\\S(.*\\S)?' });
const CREATE_IMAGE = structure(
  { Description: DESCRIPTION, DisplayName: DISPLAY_NAME, ImageName: IMAGE_NAME, RoleArn: ROLE_ARN },
  ['ImageName', 'RoleArn'],
);
const UPDATE_IMAGE = structure(
  {
    DeleteProperties: list(text({ min: 1, max: 11, pattern: '(^DisplayName$)|(^Description$)' }), { max: 2 }),
    Description: DESCRIPTION,
    DisplayName: DISPLAY_NAME,
    ImageName: IMAGE_NAME,
    RoleArn: ROLE_ARN,
  },
  ['ImageName'],
);
const IMAGE_NAME_ONLY = structure({ ImageName: IMAGE_NAME }, ['ImageName']);

const CONFIG_NAME = text({ max: 63, pattern: '[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
const FILE_SYSTEM = structure({
  MountPath: text({ max: 1024, pattern: '\\/.*' }),
  DefaultUid: integer({ min: 0, max: 65535 }),
  DefaultGid: integer({ min: 0, max: 65535 }),
});
const NOT_BLANK = '(?!\\s*$).+';
const CONTAINER = structure({
  ContainerArguments: list(text({ max: 64, pattern: NOT_BLANK }), { max: 50 }),
  ContainerEntrypoint: list(text({ max: 256, pattern: NOT_BLANK }), { max: 1 }),
  ContainerEnvironmentVariables: map(text({ max: 256, pattern: NOT_BLANK }), text({ max: 256 }), 25),
});
const APP_CONFIGS = {
  KernelGatewayImageConfig: structure(
    {
      KernelSpecs: list(
        structure({ Name: text({ max: 1024 }), DisplayName: text({ max: 1024 }) }, ['Name']),
        {
          min: 1,
          max: 5,
        },
      ),
      FileSystemConfig: FILE_SYSTEM,
    },
    ['KernelSpecs'],
  ),
  JupyterLabAppImageConfig: structure({ FileSystemConfig: FILE_SYSTEM, ContainerConfig: CONTAINER }),
  CodeEditorAppImageConfig: structure({ FileSystemConfig: FILE_SYSTEM, ContainerConfig: CONTAINER }),
};
const APP_CONFIG_SHAPE = structure({ AppImageConfigName: CONFIG_NAME, ...APP_CONFIGS }, [
  'AppImageConfigName',
]);
const CONFIG_NAME_ONLY = structure({ AppImageConfigName: CONFIG_NAME }, ['AppImageConfigName']);

export class Images {
  private readonly images = new Map<string, ImageRecord>();
  private readonly appImageConfigs = new Map<string, AppImageConfigRecord>();

  constructor(private readonly context: MonitoringContext) {}

  image(name: string): ImageRecord | undefined {
    const record = this.images.get(name.toLowerCase());
    return record === undefined ? undefined : this.settle(record);
  }

  appImageConfig(name: string): AppImageConfigRecord | undefined {
    return this.appImageConfigs.get(name.toLowerCase());
  }

  seedImage(options: SeedImageOptions): string {
    if (this.image(options.name) !== undefined) throw new Error(`seedImage: image ${options.name} exists`);
    const nowMs = this.context.clock.nowMs();
    const status = options.status ?? 'CREATED';
    const becomes = status === 'DELETING' ? 'deleted' : 'CREATED';
    const record: ImageRecord = {
      name: options.name,
      arn: resourceArn(this.context, 'image', options.name),
      description: options.description,
      displayName: options.displayName,
      roleArn:
        options.roleArn ??
        `arn:aws:iam::${this.context.accountId}:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000`,
      status,
      failureReason: status.endsWith('FAILED') ? (options.failureReason ?? 'Seeded failure') : undefined,
      transition: ['CREATING', 'UPDATING', 'DELETING'].includes(status)
        ? { dueMs: nowMs + this.context.durations().imageSeconds * 1000, becomes }
        : undefined,
      creationMs: options.createdAt?.getTime() ?? nowMs,
      lastModifiedMs: nowMs,
      tags: [...(options.tags ?? [])],
    };
    this.images.set(options.name.toLowerCase(), record);
    this.context.onRoleUsed(record.roleArn);
    return record.arn;
  }

  seedAppImageConfig(options: SeedAppImageConfigOptions): string {
    if (this.appImageConfig(options.name) !== undefined) {
      throw new Error(`seedAppImageConfig: ${options.name} exists`);
    }
    const nowMs = options.createdAt?.getTime() ?? this.context.clock.nowMs();
    const record: AppImageConfigRecord = {
      name: options.name,
      arn: resourceArn(this.context, 'app-image-config', options.name),
      configs: copy(
        options.configs ?? {
          KernelGatewayImageConfig: { KernelSpecs: [{ Name: 'python3', DisplayName: 'Python 3' }] },
        },
      ) as Record<string, unknown>,
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      tags: [...(options.tags ?? [])],
    };
    this.appImageConfigs.set(options.name.toLowerCase(), record);
    return record.arn;
  }

  taggedResource(lowercaseArn: string): TaggedResource | undefined {
    return (
      [...this.images.values()].find(
        (record) => record.arn === lowercaseArn && this.settle(record) !== undefined,
      ) ?? [...this.appImageConfigs.values()].find((record) => record.arn === lowercaseArn)
    );
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      CreateImage: (input) => this.createImage(input),
      DescribeImage: (input) => this.describeImage(input),
      UpdateImage: (input) => this.updateImage(input),
      DeleteImage: (input) => this.deleteImage(input),
      CreateAppImageConfig: (input) => this.createAppImageConfig(input),
      DescribeAppImageConfig: (input) => this.describeAppImageConfig(input),
      UpdateAppImageConfig: (input) => this.updateAppImageConfig(input),
      DeleteAppImageConfig: (input) => this.deleteAppImageConfig(input),
      ListImages: (input) => listImages(input, this.listedImages()),
      ListAppImageConfigs: (input) => listAppImageConfigs(input, this.listedConfigs()),
    };
  }

  /** ListImages' entries: the Describe members but RoleArn. */
  private listedImages(): ListedResource[] {
    return [...this.images.values()].flatMap((stored) => {
      const record = this.settle(stored);
      if (record === undefined) return [];
      const { RoleArn: _role, ...summary } = this.describeImage({ ImageName: record.name });
      return [{ ...record, summary }];
    });
  }

  /** ListAppImageConfigs' entries: the Describe output. */
  private listedConfigs(): ListedResource[] {
    return [...this.appImageConfigs.values()].map((record) => ({
      ...record,
      summary: this.describeAppImageConfig({ AppImageConfigName: record.name }),
    }));
  }

  private createImage(input: unknown): { ImageArn: string } {
    const operation = 'CreateImage';
    const request = validateRequest(input, CREATE_IMAGE, operation, ['Tags']);
    const tags = this.context.readTags(sageMakerInputReader(request, operation), operation) ?? [];
    const name = String(request.ImageName);
    const existing = this.image(name);
    if (existing !== undefined) {
      // Wording not confirmed.
      throw resourceInUse(operation, `Image ${existing.arn} already exists.`);
    }
    this.context.checkTagLimit([], tags, operation);
    const nowMs = this.context.clock.nowMs();
    const record: ImageRecord = {
      name,
      arn: resourceArn(this.context, 'image', name),
      description: request.Description as string | undefined,
      displayName: request.DisplayName as string | undefined,
      roleArn: String(request.RoleArn),
      status: 'CREATING',
      failureReason: undefined,
      transition: { dueMs: nowMs + this.context.durations().imageSeconds * 1000, becomes: 'CREATED' },
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      tags,
    };
    this.images.set(name.toLowerCase(), record);
    this.context.onRoleUsed(record.roleArn);
    return { ImageArn: record.arn };
  }

  private describeImage(input: unknown): Record<string, unknown> {
    const operation = 'DescribeImage';
    const record = this.requireImage(validateRequest(input, IMAGE_NAME_ONLY, operation), operation);
    return {
      CreationTime: new Date(record.creationMs),
      ...(record.description === undefined ? {} : { Description: record.description }),
      ...(record.displayName === undefined ? {} : { DisplayName: record.displayName }),
      ...(record.failureReason === undefined ? {} : { FailureReason: record.failureReason }),
      ImageArn: record.arn,
      ImageName: record.name,
      ImageStatus: record.status,
      LastModifiedTime: new Date(record.lastModifiedMs),
      RoleArn: record.roleArn,
    };
  }

  /** Description, DisplayName (or DeleteProperties to clear them) and RoleArn; UPDATING, then CREATED. */
  private updateImage(input: unknown): { ImageArn: string } {
    const operation = 'UpdateImage';
    const request = validateRequest(input, UPDATE_IMAGE, operation);
    const record = this.requireImage(request, operation);
    const deleted = (request.DeleteProperties as string[] | undefined) ?? [];
    const both = deleted.find((property) => request[property] !== undefined);
    if (both !== undefined) {
      // Wording not confirmed.
      throw invalid(operation, `${both} cannot be both set and deleted.`);
    }
    this.requireImageStatus(record, ['CREATED', 'UPDATE_FAILED'], operation);
    const nowMs = this.context.clock.nowMs();
    if (request.Description !== undefined || deleted.includes('Description')) {
      record.description = request.Description as string | undefined;
    }
    if (request.DisplayName !== undefined || deleted.includes('DisplayName')) {
      record.displayName = request.DisplayName as string | undefined;
    }
    if (typeof request.RoleArn === 'string') {
      record.roleArn = request.RoleArn;
      this.context.onRoleUsed(request.RoleArn);
    }
    record.status = 'UPDATING';
    record.failureReason = undefined;
    record.lastModifiedMs = nowMs;
    record.transition = { dueMs: nowMs + this.context.durations().imageSeconds * 1000, becomes: 'CREATED' };
    return { ImageArn: record.arn };
  }

  private deleteImage(input: unknown): Record<string, never> {
    const operation = 'DeleteImage';
    const record = this.requireImage(validateRequest(input, IMAGE_NAME_ONLY, operation), operation);
    this.requireImageStatus(
      record,
      ['CREATED', 'CREATE_FAILED', 'UPDATE_FAILED', 'DELETE_FAILED'],
      operation,
    );
    const nowMs = this.context.clock.nowMs();
    record.status = 'DELETING';
    record.failureReason = undefined;
    record.lastModifiedMs = nowMs;
    record.transition = { dueMs: nowMs + this.context.durations().imageSeconds * 1000, becomes: 'deleted' };
    return {};
  }

  private createAppImageConfig(input: unknown): { AppImageConfigArn: string } {
    const operation = 'CreateAppImageConfig';
    const request = validateRequest(input, APP_CONFIG_SHAPE, operation, ['Tags']);
    const tags = this.context.readTags(sageMakerInputReader(request, operation), operation) ?? [];
    const name = String(request.AppImageConfigName);
    const existing = this.appImageConfig(name);
    if (existing !== undefined) {
      // Wording not confirmed.
      throw resourceInUse(operation, `AppImageConfig ${existing.arn} already exists.`);
    }
    this.context.checkTagLimit([], tags, operation);
    const { AppImageConfigName: _name, Tags: _tags, ...configs } = copy(request);
    const nowMs = this.context.clock.nowMs();
    const record: AppImageConfigRecord = {
      name,
      arn: resourceArn(this.context, 'app-image-config', name),
      configs,
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      tags,
    };
    this.appImageConfigs.set(name.toLowerCase(), record);
    return { AppImageConfigArn: record.arn };
  }

  private describeAppImageConfig(input: unknown): Record<string, unknown> {
    const operation = 'DescribeAppImageConfig';
    const record = this.requireConfig(validateRequest(input, CONFIG_NAME_ONLY, operation), operation);
    return {
      AppImageConfigArn: record.arn,
      AppImageConfigName: record.name,
      CreationTime: new Date(record.creationMs),
      LastModifiedTime: new Date(record.lastModifiedMs),
      ...copy(record.configs),
    };
  }

  /** Each app configuration given replaces that one; those left out stay (not confirmed). */
  private updateAppImageConfig(input: unknown): { AppImageConfigArn: string } {
    const operation = 'UpdateAppImageConfig';
    const request = validateRequest(input, APP_CONFIG_SHAPE, operation);
    const record = this.requireConfig(request, operation);
    const { AppImageConfigName: _name, ...configs } = copy(request);
    record.configs = { ...record.configs, ...configs };
    record.lastModifiedMs = this.context.clock.nowMs();
    return { AppImageConfigArn: record.arn };
  }

  private deleteAppImageConfig(input: unknown): Record<string, never> {
    const operation = 'DeleteAppImageConfig';
    const record = this.requireConfig(validateRequest(input, CONFIG_NAME_ONLY, operation), operation);
    this.appImageConfigs.delete(record.name.toLowerCase());
    return {};
  }

  private requireImage(request: Readonly<Record<string, unknown>>, operation: string): ImageRecord {
    const name = String(request.ImageName);
    const record = this.image(name);
    if (record === undefined) {
      // Wording not confirmed.
      throw resourceNotFound(operation, `Image ${resourceArn(this.context, 'image', name)} does not exist.`);
    }
    return record;
  }

  /** Calls on an image in the middle of a transition: ResourceInUse, which the API declares (wording not confirmed). */
  private requireImageStatus(record: ImageRecord, allowed: readonly ImageStatus[], operation: string): void {
    if (!allowed.includes(record.status)) {
      throw resourceInUse(operation, `Image ${record.arn} is in status ${record.status}.`);
    }
  }

  private requireConfig(request: Readonly<Record<string, unknown>>, operation: string): AppImageConfigRecord {
    const name = String(request.AppImageConfigName);
    const record = this.appImageConfig(name);
    if (record === undefined) {
      // Wording not confirmed.
      throw resourceNotFound(
        operation,
        `AppImageConfig ${resourceArn(this.context, 'app-image-config', name)} does not exist.`,
      );
    }
    return record;
  }

  private settle(record: ImageRecord): ImageRecord | undefined {
    const transition = record.transition;
    if (transition === undefined || transition.dueMs > this.context.clock.nowMs()) return record;
    if (transition.becomes === 'deleted') {
      this.images.delete(record.name.toLowerCase());
      return undefined;
    }
    record.status = transition.becomes;
    record.lastModifiedMs = transition.dueMs;
    record.transition = undefined;
    return record;
  }
}
