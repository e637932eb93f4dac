/**
 * Reads a SageMaker resource of any kind the controls check: its Describe output and, where a
 * control needs them, its tags. One Describe command per kind, imported one by one so the bundle
 * carries only these.
 */
import {
  DescribeAppImageConfigCommand,
  DescribeDataQualityJobDefinitionCommand,
  DescribeEndpointConfigCommand,
  DescribeFeatureGroupCommand,
  DescribeImageCommand,
  DescribeInferenceExperimentCommand,
  DescribeModelBiasJobDefinitionCommand,
  DescribeModelCommand,
  DescribeModelExplainabilityJobDefinitionCommand,
  DescribeModelQualityJobDefinitionCommand,
  DescribeMonitoringScheduleCommand,
  DescribeNotebookInstanceCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isSageMakerNotFound } from './aws-errors.js';
import type { ObservedResource } from './controls/control-module.js';
import type { ResourceKind } from './controls/resource-kinds.js';
import { listAllTags } from './sagemaker-tags.js';

type SageMaker = Pick<SageMakerClient, 'send'>;
type Description = Readonly<Record<string, unknown>>;

// biome-ignore lint/suspicious/noExplicitAny: each command has its own output type; all are read as plain records.
type AnyCommand = any;

const DESCRIBE: Readonly<Record<ResourceKind, (name: string) => AnyCommand>> = {
  'notebook-instance': (name) => new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }),
  'endpoint-config': (name) => new DescribeEndpointConfigCommand({ EndpointConfigName: name }),
  model: (name) => new DescribeModelCommand({ ModelName: name }),
  'app-image-config': (name) => new DescribeAppImageConfigCommand({ AppImageConfigName: name }),
  image: (name) => new DescribeImageCommand({ ImageName: name }),
  'data-quality-job-definition': (name) =>
    new DescribeDataQualityJobDefinitionCommand({ JobDefinitionName: name }),
  'model-bias-job-definition': (name) =>
    new DescribeModelBiasJobDefinitionCommand({ JobDefinitionName: name }),
  'model-explainability-job-definition': (name) =>
    new DescribeModelExplainabilityJobDefinitionCommand({ JobDefinitionName: name }),
  'model-quality-job-definition': (name) =>
    new DescribeModelQualityJobDefinitionCommand({ JobDefinitionName: name }),
  'monitoring-schedule': (name) => new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: name }),
  'feature-group': (name) => new DescribeFeatureGroupCommand({ FeatureGroupName: name }),
  'inference-experiment': (name) => new DescribeInferenceExperimentCommand({ Name: name }),
};

/** The resource as Describe reports it (without the SDK's response metadata), or undefined when gone. */
export async function describeResource(
  sagemaker: SageMaker,
  kind: ResourceKind,
  name: string,
): Promise<Description | undefined> {
  try {
    const { $metadata: _metadata, ...description } = (await sagemaker.send(
      DESCRIBE[kind](name),
    )) as unknown as Record<string, unknown>;
    return description;
  } catch (error) {
    if (isSageMakerNotFound(error)) return undefined;
    throw error;
  }
}

/** Describe and, when asked, ListTags: what a control's predicate reads. Undefined when gone. */
export async function observeResource(
  sagemaker: SageMaker,
  resource: { readonly kind: ResourceKind; readonly name: string; readonly arn: string },
  withTags: boolean,
): Promise<ObservedResource | undefined> {
  const description = await describeResource(sagemaker, resource.kind, resource.name);
  if (!description) return undefined;
  if (!withTags) return { description };
  try {
    const tags = await listAllTags(sagemaker, resource.arn);
    return {
      description,
      tags: tags.flatMap((tag) => (tag.Key === undefined ? [] : [{ Key: tag.Key, Value: tag.Value ?? '' }])),
    };
  } catch (error) {
    // Deleted between the two calls.
    if (isSageMakerNotFound(error)) return undefined;
    throw error;
  }
}
