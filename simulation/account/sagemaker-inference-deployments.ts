/**
 * What an endpoint runs: a snapshot of an endpoint configuration taken when it is deployed (so that the
 * configuration and its models may be deleted meanwhile, as AWS allows), and how DescribeEndpoint shows it.
 */

import { deterministicHex } from './deterministic-ids.js';
import { copy } from './sagemaker-inference-common.js';
import type { EndpointRecord } from './sagemaker-inference-endpoints.js';
import type { EndpointConfigRecord, ModelCatalogue } from './sagemaker-inference-models.js';
import type { Input } from './sagemaker-inference-validation.js';

/** What an endpoint runs: a snapshot of its configuration when it was deployed. */
export interface Deployment {
  readonly configName: string;
  readonly variants: DeployedVariant[];
  readonly shadowVariants: DeployedVariant[];
  readonly config: Input;
  readonly dataCapture: Input | undefined;
}

export interface DeployedVariant {
  readonly variant: Input;
  readonly instanceCount: number | undefined;
  readonly weight: number;
  readonly images: Input[];
}

/** The deployment of a configuration: its variants with their models' images, and its data capture. */
export function deploymentOf(
  config: EndpointConfigRecord,
  catalogue: ModelCatalogue,
  nowMs: number,
): Deployment {
  const deployed = (variant: Input): DeployedVariant => ({
    variant: copy(variant),
    instanceCount: variant.InitialInstanceCount as number | undefined,
    weight: (variant.InitialVariantWeight as number | undefined) ?? 1,
    images: imagesOf(catalogue, variant.ModelName as string | undefined, nowMs),
  });
  const capture = config.definition.DataCaptureConfig as Input | undefined;
  return {
    configName: config.name,
    variants: (config.definition.ProductionVariants as Input[]).map(deployed),
    shadowVariants: ((config.definition.ShadowProductionVariants as Input[] | undefined) ?? []).map(deployed),
    config: copy(config.definition),
    dataCapture:
      capture === undefined
        ? undefined
        : {
            EnableCapture: capture.EnableCapture ?? true,
            CaptureStatus: capture.EnableCapture === false ? 'Stopped' : 'Started',
            CurrentSamplingPercentage: capture.InitialSamplingPercentage,
            DestinationS3Uri: capture.DestinationS3Uri,
            ...(capture.KmsKeyId === undefined ? {} : { KmsKeyId: capture.KmsKeyId }),
          },
  };
}

/** RetainAllVariantProperties keeps the live variants' counts, weights and data capture unless excluded. */
export function retained(next: Deployment, current: Deployment, request: Input): Deployment {
  if (request.RetainAllVariantProperties !== true) return next;
  const excluded = ((request.ExcludeRetainedVariantProperties as Input[] | undefined) ?? []).map(
    (property) => property.VariantPropertyType,
  );
  const variants = next.variants.map((variant) => {
    const live = current.variants.find((old) => old.variant.VariantName === variant.variant.VariantName);
    if (live === undefined) return variant;
    return {
      ...variant,
      instanceCount: excluded.includes('DesiredInstanceCount') ? variant.instanceCount : live.instanceCount,
      weight: excluded.includes('DesiredWeight') ? variant.weight : live.weight,
    };
  });
  const dataCapture = excluded.includes('DataCaptureConfig') ? next.dataCapture : current.dataCapture;
  return { ...next, variants, dataCapture };
}

/** What DescribeEndpoint shows of a model's images: the tag as given and a resolved digest. */
function imagesOf(catalogue: ModelCatalogue, modelName: string | undefined, nowMs: number): Input[] {
  const model = modelName === undefined ? undefined : catalogue.model(modelName);
  if (model === undefined) return [];
  const containers = [
    ...(model.definition.PrimaryContainer === undefined ? [] : [model.definition.PrimaryContainer as Input]),
    ...((model.definition.Containers as Input[] | undefined) ?? []),
  ];
  return containers
    .filter((container) => typeof container.Image === 'string')
    .map((container) => {
      const image = container.Image as string;
      const repository = image.replace(/[:@][^/]*$/, '');
      return {
        SpecifiedImage: image,
        ResolvedImage: `${repository}@sha256:${deterministicHex(`image/${image}`, 64)}`,
        ResolutionTime: new Date(nowMs),
      };
    });
}

/** DescribeEndpoint's answer. */
export function describeEndpointRecord(record: EndpointRecord): Record<string, unknown> {
  const { deployment } = record;
  const { live } = record;
  const result: Record<string, unknown> = {
    EndpointName: record.name,
    EndpointArn: record.arn,
    EndpointConfigName: deployment.configName,
  };
  if (live) result.ProductionVariants = deployment.variants.map(summary);
  if (deployment.dataCapture !== undefined) result.DataCaptureConfig = copy(deployment.dataCapture);
  result.EndpointStatus = record.status;
  if (record.failureReason !== undefined) result.FailureReason = record.failureReason;
  result.CreationTime = new Date(record.creationMs);
  result.LastModifiedTime = new Date(record.lastModifiedMs);
  if (record.lastDeploymentConfig !== undefined)
    result.LastDeploymentConfig = copy(record.lastDeploymentConfig);
  for (const member of ['AsyncInferenceConfig', 'ExplainerConfig', 'MetricsConfig']) {
    if (deployment.config[member] !== undefined) result[member] = copy(deployment.config[member]);
  }
  if (record.pending !== undefined) {
    const { deployment: pending, startMs } = record.pending;
    result.PendingDeploymentSummary = {
      EndpointConfigName: pending.configName,
      ProductionVariants: pending.variants.map((variant) => ({
        ...summary(variant),
        CurrentInstanceCount: 0,
        ...(variant.variant.InstanceType === undefined ? {} : { InstanceType: variant.variant.InstanceType }),
        VariantStatus: [{ Status: 'Creating', StartTime: new Date(startMs) }],
      })),
      StartTime: new Date(startMs),
    };
  }
  if (live && deployment.shadowVariants.length > 0)
    result.ShadowProductionVariants = deployment.shadowVariants.map(summary);
  return result;
}

/** A deployed variant as DescribeEndpoint's ProductionVariantSummary shows it. */
function summary(deployed: DeployedVariant): Input {
  const { variant } = deployed;
  return {
    VariantName: variant.VariantName,
    ...(deployed.images.length > 0 ? { DeployedImages: copy(deployed.images) } : {}),
    CurrentWeight: deployed.weight,
    DesiredWeight: deployed.weight,
    ...(variant.ServerlessConfig === undefined
      ? { CurrentInstanceCount: deployed.instanceCount, DesiredInstanceCount: deployed.instanceCount }
      : {
          CurrentServerlessConfig: copy(variant.ServerlessConfig),
          DesiredServerlessConfig: copy(variant.ServerlessConfig),
        }),
    ...(variant.ManagedInstanceScaling === undefined
      ? {}
      : { ManagedInstanceScaling: copy(variant.ManagedInstanceScaling) }),
    ...(variant.RoutingConfig === undefined ? {} : { RoutingConfig: copy(variant.RoutingConfig) }),
  };
}
