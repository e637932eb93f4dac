/**
 * The errors the SageMaker API model declares for the inference family's operations, as the SDK names them
 * (the `@throws` lists of the installed @aws-sdk/client-sagemaker). Merged into DECLARED_ERRORS
 * (errors.ts). No imports: errors.ts imports this file.
 */
export const INFERENCE_DECLARED_ERRORS: Readonly<Record<string, readonly string[]>> = {
  CreateModel: ['ResourceLimitExceeded'],
  DescribeModel: [],
  DeleteModel: [],
  ListModels: [],
  CreateEndpointConfig: ['ResourceLimitExceeded'],
  DescribeEndpointConfig: [],
  DeleteEndpointConfig: [],
  ListEndpointConfigs: [],
  CreateEndpoint: ['ResourceLimitExceeded'],
  DescribeEndpoint: [],
  UpdateEndpoint: ['ResourceLimitExceeded'],
  DeleteEndpoint: [],
  ListEndpoints: [],
  CreateInferenceExperiment: ['ResourceInUse', 'ResourceLimitExceeded'],
  DescribeInferenceExperiment: ['ResourceNotFound'],
  StartInferenceExperiment: ['ConflictException', 'ResourceNotFound'],
  StopInferenceExperiment: ['ConflictException', 'ResourceNotFound'],
  UpdateInferenceExperiment: ['ConflictException', 'ResourceNotFound'],
  DeleteInferenceExperiment: ['ConflictException', 'ResourceNotFound'],
  ListInferenceExperiments: [],
};
