/**
 * Models and endpoint configurations: both immutable (no Update call exists), created and deleted at
 * once. Deleting either while an endpoint uses it is allowed, as the API reference says for endpoint
 * configurations ("you may lose visibility into the instance type"): the endpoint keeps serving what it
 * deployed.
 */

import type {
  ContainerDefinition,
  CreateEndpointConfigInput,
  ProductionVariant,
  VpcConfig,
} from '@aws-sdk/client-sagemaker';
import type { Tag } from './sagemaker.js';
import {
  alreadyExists,
  arnOf,
  checkKeyExists,
  checkNetwork,
  copy,
  couldNotFind,
  type InferenceContext,
  type InferenceRecord,
  invalid,
  listPage,
  readCreateTags,
  withoutTags,
} from './sagemaker-inference-common.js';
import {
  byName,
  CREATE_ENDPOINT_CONFIG,
  CREATE_MODEL,
  ENDPOINT_NAME,
  listShape,
  MODEL_NAME,
} from './sagemaker-inference-shapes.js';
import { type Input, readRequest } from './sagemaker-inference-validation.js';

export interface ModelRecord extends InferenceRecord {
  /** The CreateModel request without ModelName and Tags, with the defaults Describe shows. */
  readonly definition: Input;
}

export interface EndpointConfigRecord extends InferenceRecord {
  /** The CreateEndpointConfig request without EndpointConfigName and Tags, defaults applied. */
  readonly definition: Input;
}

export interface SeedModelOptions {
  readonly name: string;
  readonly executionRoleArn?: string;
  readonly primaryContainer?: ContainerDefinition;
  readonly containers?: readonly ContainerDefinition[];
  readonly enableNetworkIsolation?: boolean;
  readonly vpcConfig?: VpcConfig;
  /** Seeding bypasses the tag rules, e.g. to add `aws:` system tags. */
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

export interface SeedEndpointConfigOptions {
  readonly name: string;
  /** Default: one variant `AllTraffic` of `modelName` on one ml.m5.large instance. */
  readonly productionVariants?: readonly ProductionVariant[];
  readonly modelName?: string;
  /** Any other member of CreateEndpointConfig (KmsKeyId, DataCaptureConfig, ShadowProductionVariants...). */
  readonly config?: Omit<CreateEndpointConfigInput, 'EndpointConfigName' | 'ProductionVariants' | 'Tags'>;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

export class ModelCatalogue {
  private readonly models = new Map<string, ModelRecord>();
  private readonly configs = new Map<string, EndpointConfigRecord>();

  constructor(private readonly context: InferenceContext) {}

  model(name: string): ModelRecord | undefined {
    return this.models.get(name.toLowerCase());
  }

  endpointConfig(name: string): EndpointConfigRecord | undefined {
    return this.configs.get(name.toLowerCase());
  }

  modelArn(name: string): string {
    return arnOf(this.context, 'model', name);
  }

  endpointConfigArn(name: string): string {
    return arnOf(this.context, 'endpoint-config', name);
  }

  /** The endpoint configuration, or SageMaker's not-found error. */
  requireEndpointConfig(name: string, operation: string): EndpointConfigRecord {
    const config = this.endpointConfig(name);
    if (config === undefined)
      throw couldNotFind('endpoint configuration', this.endpointConfigArn(name), operation);
    return config;
  }

  /** Every model a request names must exist: `Could not find model "<arn>".` */
  requireModels(names: readonly (string | undefined)[], operation: string): void {
    for (const name of names) {
      if (name !== undefined && this.model(name) === undefined)
        throw couldNotFind('model', this.modelArn(name), operation);
    }
  }

  seedModel(options: SeedModelOptions): string {
    if (this.model(options.name) !== undefined)
      throw new Error(`seedModel: model ${options.name} already exists`);
    const { accountId, region } = this.context;
    const definition: Record<string, unknown> = {
      ExecutionRoleArn:
        options.executionRoleArn ??
        `arn:aws:iam::${accountId}:role/service-role/AmazonSageMaker-ExecutionRole-model`,
      EnableNetworkIsolation: options.enableNetworkIsolation ?? false,
    };
    if (options.containers !== undefined) definition.Containers = copy(options.containers);
    else
      definition.PrimaryContainer = copy(
        options.primaryContainer ?? {
          Image: `${accountId}.dkr.ecr.${region}.amazonaws.com/inference:latest`,
          ModelDataUrl: `s3://sagemaker-${region}-${accountId}/models/${options.name}/model.tar.gz`,
        },
      );
    if (options.vpcConfig !== undefined) definition.VpcConfig = copy(options.vpcConfig);
    this.context.onRoleUsed(definition.ExecutionRoleArn as string);
    return this.addModel(options.name, definition, [...(options.tags ?? [])], options.createdAt);
  }

  seedEndpointConfig(options: SeedEndpointConfigOptions): string {
    if (this.endpointConfig(options.name) !== undefined)
      throw new Error(`seedEndpointConfig: endpoint configuration ${options.name} already exists`);
    const variants = options.productionVariants ?? [
      {
        VariantName: 'AllTraffic',
        ModelName: options.modelName ?? 'model',
        InitialInstanceCount: 1,
        InstanceType: 'ml.m5.large',
      },
    ];
    const definition = withVariantDefaults({
      ...copy(options.config ?? {}),
      ProductionVariants: copy(variants),
    });
    return this.addConfig(options.name, definition, [...(options.tags ?? [])], options.createdAt);
  }

  createModel(input: unknown): { ModelArn: string } {
    const operation = 'CreateModel';
    const request = readRequest(input, CREATE_MODEL, operation);
    const tags = readCreateTags(this.context, input, operation);
    const name = request.ModelName as string;
    const containers = [
      ...(request.PrimaryContainer === undefined ? [] : [request.PrimaryContainer as Input]),
      ...((request.Containers as Input[] | undefined) ?? []),
    ];
    // Wordings of these three not confirmed.
    if (request.PrimaryContainer !== undefined && request.Containers !== undefined)
      throw invalid(operation, 'Specify either PrimaryContainer or Containers, not both.');
    if (containers.length === 0)
      throw invalid(operation, 'Either PrimaryContainer or Containers must be specified.');
    if (
      containers.some(
        (container) => container.Image === undefined && container.ModelPackageName === undefined,
      )
    )
      throw invalid(operation, 'Each container must specify an Image or a ModelPackageName.');
    const existing = this.model(name);
    if (existing !== undefined) throw alreadyExists('model', existing.arn, operation);
    checkNetwork(this.context, request.VpcConfig, operation);
    const { ModelName: _name, ...definition } = withoutTags(request);
    if (request.ExecutionRoleArn !== undefined) this.context.onRoleUsed(request.ExecutionRoleArn as string);
    // DescribeModel always states EnableNetworkIsolation, false when the request left it out.
    return {
      ModelArn: this.addModel(
        name,
        { ...definition, EnableNetworkIsolation: request.EnableNetworkIsolation ?? false },
        tags,
      ),
    };
  }

  describeModel(input: unknown): Record<string, unknown> {
    const operation = 'DescribeModel';
    const request = readRequest(input, byName('ModelName', MODEL_NAME), operation);
    const model = this.model(request.ModelName as string);
    if (model === undefined)
      throw couldNotFind('model', this.modelArn(request.ModelName as string), operation);
    return {
      ModelName: model.name,
      ...copy(model.definition),
      CreationTime: new Date(model.creationMs),
      ModelArn: model.arn,
    };
  }

  deleteModel(input: unknown): Record<string, never> {
    const operation = 'DeleteModel';
    const request = readRequest(input, byName('ModelName', MODEL_NAME), operation);
    const name = request.ModelName as string;
    if (this.model(name) === undefined) throw couldNotFind('model', this.modelArn(name), operation);
    this.models.delete(name.toLowerCase());
    return {};
  }

  listModels(input: unknown): { Models: Record<string, unknown>[]; NextToken?: string } {
    const operation = 'ListModels';
    const request = readRequest(input, listShape(['Name', 'CreationTime']), operation);
    const { page, nextToken } = listPage([...this.models.values()], request, operation);
    const Models = page.map((model) => ({
      ModelName: model.name,
      ModelArn: model.arn,
      CreationTime: new Date(model.creationMs),
    }));
    return nextToken === undefined ? { Models } : { Models, NextToken: nextToken };
  }

  createEndpointConfig(input: unknown): { EndpointConfigArn: string } {
    const operation = 'CreateEndpointConfig';
    const request = readRequest(input, CREATE_ENDPOINT_CONFIG, operation);
    const tags = readCreateTags(this.context, input, operation);
    const name = request.EndpointConfigName as string;
    const variants = request.ProductionVariants as Input[];
    const shadows = (request.ShadowProductionVariants as Input[] | undefined) ?? [];
    if (shadows.length > 0 && (variants.length !== 1 || shadows.length !== 1)) {
      // The rule is the API reference's; the wording is not confirmed.
      throw invalid(
        operation,
        'With ShadowProductionVariants, specify exactly one ProductionVariant and one ShadowProductionVariant.',
      );
    }
    const names = [...variants, ...shadows].map((variant) => (variant.VariantName as string).toLowerCase());
    const repeated = names.find((variantName, index) => names.indexOf(variantName) !== index);
    // Wording not confirmed.
    if (repeated !== undefined)
      throw invalid(operation, `Variant names must be unique: ${repeated} is used more than once.`);
    for (const variant of [...variants, ...shadows]) checkVariant(variant, operation);
    const existing = this.endpointConfig(name);
    if (existing !== undefined) throw alreadyExists('endpoint configuration', existing.arn, operation);
    this.requireModels(
      [...variants, ...shadows].map((variant) => variant.ModelName as string | undefined),
      operation,
    );
    const dataCapture = request.DataCaptureConfig as Input | undefined;
    const asyncOutput = (request.AsyncInferenceConfig as Input | undefined)?.OutputConfig as
      | Input
      | undefined;
    for (const keyId of [request.KmsKeyId, dataCapture?.KmsKeyId, asyncOutput?.KmsKeyId]) {
      checkKeyExists(this.context, keyId as string | undefined, operation);
    }
    checkNetwork(this.context, request.VpcConfig, operation);
    if (request.ExecutionRoleArn !== undefined) this.context.onRoleUsed(request.ExecutionRoleArn as string);
    const { EndpointConfigName: _name, ...definition } = withoutTags(request);
    return { EndpointConfigArn: this.addConfig(name, withVariantDefaults(definition), tags) };
  }

  describeEndpointConfig(input: unknown): Record<string, unknown> {
    const operation = 'DescribeEndpointConfig';
    const request = readRequest(input, byName('EndpointConfigName', ENDPOINT_NAME), operation);
    const config = this.requireEndpointConfig(request.EndpointConfigName as string, operation);
    return {
      EndpointConfigName: config.name,
      EndpointConfigArn: config.arn,
      ...copy(config.definition),
      CreationTime: new Date(config.creationMs),
    };
  }

  deleteEndpointConfig(input: unknown): Record<string, never> {
    const operation = 'DeleteEndpointConfig';
    const request = readRequest(input, byName('EndpointConfigName', ENDPOINT_NAME), operation);
    const name = request.EndpointConfigName as string;
    this.requireEndpointConfig(name, operation);
    this.configs.delete(name.toLowerCase());
    return {};
  }

  listEndpointConfigs(input: unknown): { EndpointConfigs: Record<string, unknown>[]; NextToken?: string } {
    const operation = 'ListEndpointConfigs';
    const request = readRequest(input, listShape(['Name', 'CreationTime']), operation);
    const { page, nextToken } = listPage([...this.configs.values()], request, operation);
    const EndpointConfigs = page.map((config) => ({
      EndpointConfigName: config.name,
      EndpointConfigArn: config.arn,
      CreationTime: new Date(config.creationMs),
    }));
    return nextToken === undefined ? { EndpointConfigs } : { EndpointConfigs, NextToken: nextToken };
  }

  private addModel(name: string, definition: Input, tags: Tag[], createdAt?: Date): string {
    const record: ModelRecord = {
      name,
      arn: this.modelArn(name),
      creationMs: createdAt?.getTime() ?? this.context.clock.nowMs(),
      definition,
      tags,
    };
    this.models.set(name.toLowerCase(), record);
    return record.arn;
  }

  private addConfig(name: string, definition: Input, tags: Tag[], createdAt?: Date): string {
    const record: EndpointConfigRecord = {
      name,
      arn: this.endpointConfigArn(name),
      creationMs: createdAt?.getTime() ?? this.context.clock.nowMs(),
      definition,
      tags,
    };
    this.configs.set(name.toLowerCase(), record);
    return record.arn;
  }
}

/**
 * A serverless variant has no instances; any other variant needs its instance type (or instance pools)
 * and count. Wordings not confirmed.
 */
function checkVariant(variant: Input, operation: string): void {
  const name = variant.VariantName as string;
  if (variant.ServerlessConfig !== undefined) {
    if (variant.InstanceType !== undefined || variant.InitialInstanceCount !== undefined)
      throw invalid(
        operation,
        `Variant ${name}: a serverless variant cannot specify InstanceType or InitialInstanceCount.`,
      );
    return;
  }
  if (variant.InstanceType === undefined && variant.InstancePools === undefined)
    throw invalid(operation, `Variant ${name}: InstanceType is required for an instance-based variant.`);
  if (variant.InitialInstanceCount === undefined)
    throw invalid(
      operation,
      `Variant ${name}: InitialInstanceCount is required for an instance-based variant.`,
    );
}

/** DescribeEndpointConfig states each variant's InitialVariantWeight, 1.0 when left out. */
function withVariantDefaults(definition: Input): Input {
  const weighted = (variants: unknown) =>
    (variants as Input[]).map((variant) => ({
      ...variant,
      InitialVariantWeight: variant.InitialVariantWeight ?? 1,
    }));
  return {
    ...definition,
    ProductionVariants: weighted(definition.ProductionVariants),
    ...(definition.ShadowProductionVariants === undefined
      ? {}
      : { ShadowProductionVariants: weighted(definition.ShadowProductionVariants) }),
  };
}
