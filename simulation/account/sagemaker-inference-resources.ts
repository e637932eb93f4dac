/**
 * Models, endpoint configurations, endpoints and inference experiments, as the SageMaker API reference
 * describes them (reachable as `account.sagemaker.inference`). Each kind lives in its own module:
 * sagemaker-inference-models.ts (models and endpoint configurations), -endpoints.ts, -experiments.ts;
 * requests are checked against the shapes of sagemaker-inference-shapes.ts.
 */

import {
  arnOf,
  DEFAULT_INFERENCE_DURATIONS,
  type InferenceContext,
  type InferenceDurations,
} from './sagemaker-inference-common.js';
import { type EndpointStatus, Endpoints, type SeedEndpointOptions } from './sagemaker-inference-endpoints.js';
import type {
  ExperimentStatus,
  SeedInferenceExperimentOptions,
} from './sagemaker-inference-experiment-records.js';
import { InferenceExperiments } from './sagemaker-inference-experiments.js';
import {
  ModelCatalogue,
  type SeedEndpointConfigOptions,
  type SeedModelOptions,
} from './sagemaker-inference-models.js';
import type { ResourceFamily, ResourceFamilyContext, TaggedResource } from './sagemaker-resource-family.js';

export type { InferenceDurations } from './sagemaker-inference-common.js';
export { DEFAULT_INFERENCE_DURATIONS } from './sagemaker-inference-common.js';
export type { EndpointStatus, SeedEndpointOptions } from './sagemaker-inference-endpoints.js';
export type {
  ExperimentStatus,
  SeedInferenceExperimentOptions,
} from './sagemaker-inference-experiment-records.js';
export type { SeedEndpointConfigOptions, SeedModelOptions } from './sagemaker-inference-models.js';

export class InferenceResources implements ResourceFamily {
  private durations: InferenceDurations = DEFAULT_INFERENCE_DURATIONS;
  private readonly context: InferenceContext;
  private readonly catalogue: ModelCatalogue;
  private readonly endpoints: Endpoints;
  private readonly experiments: InferenceExperiments;

  constructor(context: ResourceFamilyContext) {
    this.context = { ...context, durations: () => this.durations };
    this.catalogue = new ModelCatalogue(this.context);
    this.endpoints = new Endpoints(this.context, this.catalogue);
    this.experiments = new InferenceExperiments(this.context, this.catalogue, this.endpoints);
  }

  /** Changes the durations of transitions started from now on (defaults: DEFAULT_INFERENCE_DURATIONS). */
  setDurations(durations: Partial<InferenceDurations>): void {
    this.durations = { ...this.durations, ...durations };
  }

  /** Puts a model in place without validation (its role, containers, isolation, VPC, tags). Returns its ARN. */
  seedModel(options: SeedModelOptions): string {
    return this.catalogue.seedModel(options);
  }

  /** Puts an endpoint configuration in place without validation; its models need not exist. */
  seedEndpointConfig(options: SeedEndpointConfigOptions): string {
    return this.catalogue.seedEndpointConfig(options);
  }

  /** Puts an endpoint in any status, running the named configuration (which must exist). */
  seedEndpoint(options: SeedEndpointOptions): string {
    return this.endpoints.seed(options);
  }

  /** Puts an inference experiment in any status (default Running) on an endpoint, existing or not. */
  seedInferenceExperiment(options: SeedInferenceExperimentOptions): string {
    return this.experiments.seed(options);
  }

  /** The next UpdateEndpoint of this endpoint is accepted, then rolls back: old configuration, FailureReason. */
  failNextUpdate(endpointName: string, reason: string): void {
    this.endpoints.failNextUpdate(endpointName, reason);
  }

  /** The next CreateEndpoint of this name is accepted, then ends Failed with this FailureReason. */
  failNextCreate(endpointName: string, reason: string): void {
    this.endpoints.failNextCreate(endpointName, reason);
  }

  hasModel(name: string): boolean {
    return this.catalogue.model(name) !== undefined;
  }

  hasEndpointConfig(name: string): boolean {
    return this.catalogue.endpointConfig(name) !== undefined;
  }

  /** The endpoint's status without an API call, undefined once deleted. */
  endpointStatusOf(name: string): EndpointStatus | undefined {
    return this.endpoints.find(name)?.status;
  }

  /** The configuration the endpoint serves now, without an API call. */
  endpointConfigNameOf(name: string): string | undefined {
    return this.endpoints.find(name)?.deployment.configName;
  }

  experimentStatusOf(name: string): ExperimentStatus | undefined {
    return this.experiments.find(name)?.status;
  }

  /** The KmsKeyId of an endpoint configuration, for the IAM rules (CreateEndpoint's kms:CreateGrant). */
  endpointConfigKmsKeyId(name: string): string | undefined {
    return this.catalogue.endpointConfig(name)?.definition.KmsKeyId as string | undefined;
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    const { catalogue, endpoints, experiments } = this;
    return {
      CreateModel: (input) => catalogue.createModel(input),
      DescribeModel: (input) => catalogue.describeModel(input),
      DeleteModel: (input) => catalogue.deleteModel(input),
      ListModels: (input) => catalogue.listModels(input),
      CreateEndpointConfig: (input) => catalogue.createEndpointConfig(input),
      DescribeEndpointConfig: (input) => catalogue.describeEndpointConfig(input),
      DeleteEndpointConfig: (input) => catalogue.deleteEndpointConfig(input),
      ListEndpointConfigs: (input) => catalogue.listEndpointConfigs(input),
      CreateEndpoint: (input) => endpoints.createEndpoint(input),
      DescribeEndpoint: (input) => endpoints.describeEndpoint(input),
      UpdateEndpoint: (input) => endpoints.updateEndpoint(input),
      DeleteEndpoint: (input) => endpoints.deleteEndpoint(input),
      ListEndpoints: (input) => endpoints.listEndpoints(input),
      CreateInferenceExperiment: (input) => experiments.createInferenceExperiment(input),
      DescribeInferenceExperiment: (input) => experiments.describeInferenceExperiment(input),
      StartInferenceExperiment: (input) => experiments.startInferenceExperiment(input),
      StopInferenceExperiment: (input) => experiments.stopInferenceExperiment(input),
      UpdateInferenceExperiment: (input) => experiments.updateInferenceExperiment(input),
      DeleteInferenceExperiment: (input) => experiments.deleteInferenceExperiment(input),
      ListInferenceExperiments: (input) => experiments.listInferenceExperiments(input),
    };
  }

  taggedResource(lowercaseArn: string): TaggedResource | undefined {
    const slash = lowercaseArn.indexOf('/');
    const prefix = lowercaseArn.slice(0, slash);
    const name = lowercaseArn.slice(slash + 1);
    if (slash < 0 || lowercaseArn !== arnOf(this.context, prefix.split(':').at(-1) ?? '', name))
      return undefined;
    switch (prefix.split(':').at(-1)) {
      case 'model':
        return this.catalogue.model(name);
      case 'endpoint-config':
        return this.catalogue.endpointConfig(name);
      case 'endpoint':
        return this.endpoints.find(name);
      case 'inference-experiment':
        return this.experiments.find(name);
      default:
        return undefined;
    }
  }
}
