/**
 * The SageMaker resource kinds the controls check: how a finding names one (its ARN), how to read it
 * (its Describe call) and how Describe says it is gone. Plain data, so it bundles into every Lambda.
 *
 * Only notebook instances have an ASFF `Details` type; every other kind is found in a finding by its
 * ARN (`arn:<partition>:sagemaker:<region>:<account>:<arnType>/<name>`), whatever `Type` says.
 */

export type ResourceKind =
  | 'notebook-instance'
  | 'endpoint-config'
  | 'model'
  | 'app-image-config'
  | 'image'
  | 'data-quality-job-definition'
  | 'model-bias-job-definition'
  | 'model-explainability-job-definition'
  | 'model-quality-job-definition'
  | 'monitoring-schedule'
  | 'feature-group'
  | 'inference-experiment';

export interface ResourceKindFacts {
  readonly kind: ResourceKind;
  /** In words, for notes and messages ("endpoint configuration"). */
  readonly label: string;
  /** The ASFF resource type Security Hub writes for the notebook; `Other`-style types for the rest are not relied on. */
  readonly asffType: string;
  /** The resource type segment of the ARN (the Service Authorization Reference's resource ARN format). */
  readonly arnType: string;
  /** The Describe call that reads the resource, and the member that names it. */
  readonly describe: { readonly operation: string; readonly nameMember: string };
  /**
   * How Describe says the resource does not exist: `ResourceNotFound` where the API model declares it,
   * otherwise a ValidationException whose message says so (the API reference's wording).
   */
  readonly notFound: 'ResourceNotFound' | 'ValidationException';
}

const kinds: readonly ResourceKindFacts[] = [
  {
    kind: 'notebook-instance',
    label: 'notebook instance',
    asffType: 'AwsSageMakerNotebookInstance',
    arnType: 'notebook-instance',
    describe: { operation: 'DescribeNotebookInstance', nameMember: 'NotebookInstanceName' },
    notFound: 'ValidationException',
  },
  {
    kind: 'endpoint-config',
    label: 'endpoint configuration',
    asffType: 'AwsSageMakerEndpointConfig',
    arnType: 'endpoint-config',
    describe: { operation: 'DescribeEndpointConfig', nameMember: 'EndpointConfigName' },
    notFound: 'ValidationException',
  },
  {
    kind: 'model',
    label: 'model',
    asffType: 'AwsSageMakerModel',
    arnType: 'model',
    describe: { operation: 'DescribeModel', nameMember: 'ModelName' },
    notFound: 'ValidationException',
  },
  {
    kind: 'app-image-config',
    label: 'app image configuration',
    asffType: 'AwsSageMakerAppImageConfig',
    arnType: 'app-image-config',
    describe: { operation: 'DescribeAppImageConfig', nameMember: 'AppImageConfigName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'image',
    label: 'image',
    asffType: 'AwsSageMakerImage',
    arnType: 'image',
    describe: { operation: 'DescribeImage', nameMember: 'ImageName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'data-quality-job-definition',
    label: 'data quality job definition',
    asffType: 'AwsSageMakerDataQualityJobDefinition',
    arnType: 'data-quality-job-definition',
    describe: { operation: 'DescribeDataQualityJobDefinition', nameMember: 'JobDefinitionName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'model-bias-job-definition',
    label: 'model bias job definition',
    asffType: 'AwsSageMakerModelBiasJobDefinition',
    arnType: 'model-bias-job-definition',
    describe: { operation: 'DescribeModelBiasJobDefinition', nameMember: 'JobDefinitionName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'model-explainability-job-definition',
    label: 'model explainability job definition',
    asffType: 'AwsSageMakerModelExplainabilityJobDefinition',
    arnType: 'model-explainability-job-definition',
    describe: { operation: 'DescribeModelExplainabilityJobDefinition', nameMember: 'JobDefinitionName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'model-quality-job-definition',
    label: 'model quality job definition',
    asffType: 'AwsSageMakerModelQualityJobDefinition',
    arnType: 'model-quality-job-definition',
    describe: { operation: 'DescribeModelQualityJobDefinition', nameMember: 'JobDefinitionName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'monitoring-schedule',
    label: 'monitoring schedule',
    asffType: 'AwsSageMakerMonitoringSchedule',
    arnType: 'monitoring-schedule',
    describe: { operation: 'DescribeMonitoringSchedule', nameMember: 'MonitoringScheduleName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'feature-group',
    label: 'feature group',
    asffType: 'AwsSageMakerFeatureGroup',
    arnType: 'feature-group',
    describe: { operation: 'DescribeFeatureGroup', nameMember: 'FeatureGroupName' },
    notFound: 'ResourceNotFound',
  },
  {
    kind: 'inference-experiment',
    label: 'inference experiment',
    asffType: 'AwsSageMakerInferenceExperiment',
    arnType: 'inference-experiment',
    describe: { operation: 'DescribeInferenceExperiment', nameMember: 'Name' },
    notFound: 'ResourceNotFound',
  },
];

export const RESOURCE_KINDS: ReadonlyMap<ResourceKind, ResourceKindFacts> = new Map(
  kinds.map((facts) => [facts.kind, facts]),
);

export function resourceKind(kind: ResourceKind): ResourceKindFacts {
  const facts = RESOURCE_KINDS.get(kind);
  if (!facts) throw new Error(`Unknown resource kind ${kind}`);
  return facts;
}

const SAGEMAKER_ARN =
  /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):(\d{12}):([a-z-]+)\/([A-Za-z0-9][A-Za-z0-9-]{0,119})$/;

export interface ParsedResourceArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly arnType: string;
  /** As the ARN writes it: SageMaker lowercases names in ARNs. */
  readonly name: string;
}

/** The parts of a SageMaker resource ARN, or undefined for anything else. */
export function parseSageMakerArn(arn: string): ParsedResourceArn | undefined {
  const match = SAGEMAKER_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, accountId, arnType, name] = match;
  if (!partition || !region || !accountId || !arnType || !name) return undefined;
  return { partition, region, accountId, arnType, name };
}
