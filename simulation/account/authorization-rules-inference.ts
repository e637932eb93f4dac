/**
 * What the calls on models, endpoint configurations, endpoints and inference experiments need of IAM (the
 * SageMaker API permissions reference and the Service Authorization Reference; see authorization-rules.ts
 * for the sources):
 * - CreateModel: iam:PassRole (ExecutionRoleArn); condition keys sagemaker:NetworkIsolation, VpcSubnets,
 *   VpcSecurityGroupIds and the request tags.
 * - CreateEndpointConfig: iam:PassRole when ExecutionRoleArn is given (its API reference); condition keys
 *   sagemaker:InstanceTypes, ModelArn, NetworkIsolation, VolumeKmsKeyArn, Serverless*, AcceleratorTypes,
 *   VpcSubnets, VpcSecurityGroupIds and the request tags.
 * - CreateEndpoint: its action on the endpoint and on the endpoint configuration (both required resource
 *   types in the SAR), and kms:CreateGrant "only if the associated EndPointConfig has a KmsKeyId".
 * - UpdateEndpoint: the same two resources (SAR). The permissions reference names no kms:CreateGrant for it;
 *   SageMaker launches a new fleet with the new configuration's key, so it is required here as for
 *   CreateEndpoint (inferred: the stricter choice).
 * - CreateInferenceExperiment: iam:PassRole (RoleArn). The permissions reference lists no KMS permission for
 *   the experiment's keys (KmsKey, DataStorageConfig.KmsKey): SageMaker uses them as the experiment's role.
 * - Tags given to a Create call: sagemaker:AddTags with sagemaker:TaggingAction, as for notebooks; except for
 *   inference experiments, which the SAR does not list among AddTags' resource types: their request tags are
 *   checked on CreateInferenceExperiment's own aws:RequestTag and aws:TagKeys keys.
 * - List calls: resource "*" (no resource-level restriction on List- calls).
 */
import {
  type AuthorizationLookups,
  asString,
  asStrings,
  type Input,
  passRole,
  type Rule,
  sageMakerArn,
  tagContext,
  viaService,
} from './authorization-rule-kit.js';
import type { ContextValue, RequiredAuthorization } from './authorizer.js';

const named =
  (action: string, type: string, member: string): Rule =>
  (input, lookups) => [
    { action: `sagemaker:${action}`, resource: sageMakerArn(lookups, type, asString(input[member]) ?? '') },
  ];

const listed =
  (action: string): Rule =>
  () => [{ action: `sagemaker:${action}`, resource: '*' }];

/** Tag-on-create: AddTags on the new resource, with the Create call as sagemaker:TaggingAction. */
function tagOnCreate(operation: string, resource: string, input: Input): RequiredAuthorization[] {
  if (!Array.isArray(input.Tags) || input.Tags.length === 0) return [];
  return [
    {
      action: 'sagemaker:AddTags',
      resource,
      context: { 'sagemaker:TaggingAction': operation, ...tagContext(input.Tags) },
    },
  ];
}

function vpcKeys(vpcConfig: unknown): Record<string, ContextValue> {
  const vpc = (vpcConfig ?? {}) as { readonly Subnets?: unknown; readonly SecurityGroupIds?: unknown };
  const context: Record<string, ContextValue> = {};
  if (asStrings(vpc.Subnets).length > 0) context['sagemaker:VpcSubnets'] = asStrings(vpc.Subnets);
  if (asStrings(vpc.SecurityGroupIds).length > 0)
    context['sagemaker:VpcSecurityGroupIds'] = asStrings(vpc.SecurityGroupIds);
  return context;
}

/** The grant SageMaker makes on an endpoint configuration's key, as the caller, for an AWS resource. */
function endpointGrant(configName: string, lookups: AuthorizationLookups): RequiredAuthorization[] {
  const keyId = lookups.endpointConfigKmsKeyId?.(configName);
  const keyArn = keyId === undefined ? undefined : lookups.keyArn(keyId);
  // No such key: SageMaker refuses the request itself (ValidationException).
  if (keyArn === undefined) return [];
  return [
    {
      action: 'kms:CreateGrant',
      resource: keyArn,
      resourcePolicyArn: keyArn,
      context: { ...viaService('sagemaker', lookups), 'kms:GrantIsForAWSResource': 'true' },
    },
  ];
}

/** CreateEndpoint and UpdateEndpoint act on the endpoint and on the configuration it is given. */
function endpointDeployment(action: string): Rule {
  return (input, lookups) => {
    const endpoint = sageMakerArn(lookups, 'endpoint', asString(input.EndpointName) ?? '');
    const configName = asString(input.EndpointConfigName) ?? '';
    const context = action === 'CreateEndpoint' ? tagContext(input.Tags) : {};
    return [
      { action: `sagemaker:${action}`, resource: endpoint, context },
      {
        action: `sagemaker:${action}`,
        resource: sageMakerArn(lookups, 'endpoint-config', configName),
        context,
      },
      ...endpointGrant(configName, lookups),
      ...(action === 'CreateEndpoint' ? tagOnCreate(action, endpoint, input) : []),
    ];
  };
}

type Variant = Readonly<Record<string, unknown>>;

function endpointConfigKeys(input: Input, lookups: AuthorizationLookups): Record<string, ContextValue> {
  const variants = [
    ...((Array.isArray(input.ProductionVariants) ? input.ProductionVariants : []) as Variant[]),
    ...((Array.isArray(input.ShadowProductionVariants) ? input.ShadowProductionVariants : []) as Variant[]),
  ];
  const distinct = (values: (string | undefined)[]) => [
    ...new Set(values.filter((value): value is string => value !== undefined)),
  ];
  const context: Record<string, ContextValue> = {
    // Omitted settings take their defaults, which is what the condition keys then carry.
    'sagemaker:NetworkIsolation': String(input.EnableNetworkIsolation === true),
    ...vpcKeys(input.VpcConfig),
    ...tagContext(input.Tags),
  };
  const instanceTypes = distinct(variants.map((variant) => asString(variant.InstanceType)));
  if (instanceTypes.length > 0) context['sagemaker:InstanceTypes'] = instanceTypes;
  const accelerators = distinct(variants.map((variant) => asString(variant.AcceleratorType)));
  if (accelerators.length > 0) context['sagemaker:AcceleratorTypes'] = accelerators;
  const models = distinct(variants.map((variant) => asString(variant.ModelName))).map((name) =>
    sageMakerArn(lookups, 'model', name),
  );
  // A single-valued key: one model as a string, several as the list of them.
  if (models.length > 0) context['sagemaker:ModelArn'] = models.length === 1 ? (models[0] ?? '') : models;
  const keyId = asString(input.KmsKeyId);
  if (keyId) context['sagemaker:VolumeKmsKeyArn'] = lookups.keyArn(keyId) ?? keyId;
  const serverless = variants
    .map((variant) => variant.ServerlessConfig as Variant | undefined)
    .filter((config) => config !== undefined);
  const largest = (member: string) => Math.max(...serverless.map((config) => Number(config[member] ?? 0)));
  if (serverless.length > 0) {
    context['sagemaker:ServerlessMaxConcurrency'] = String(largest('MaxConcurrency'));
    context['sagemaker:ServerlessMemorySize'] = String(largest('MemorySizeInMB'));
  }
  return context;
}

export const INFERENCE_RULES: Readonly<Record<string, Rule>> = {
  CreateModel: (input, lookups) => {
    const resource = sageMakerArn(lookups, 'model', asString(input.ModelName) ?? '');
    const role = asString(input.ExecutionRoleArn);
    const context = {
      'sagemaker:NetworkIsolation': String(input.EnableNetworkIsolation === true),
      ...vpcKeys(input.VpcConfig),
      ...tagContext(input.Tags),
    };
    return [
      { action: 'sagemaker:CreateModel', resource, context },
      ...(role ? [passRole(role)] : []),
      ...tagOnCreate('CreateModel', resource, input),
    ];
  },
  DescribeModel: named('DescribeModel', 'model', 'ModelName'),
  DeleteModel: named('DeleteModel', 'model', 'ModelName'),
  ListModels: listed('ListModels'),
  CreateEndpointConfig: (input, lookups) => {
    const resource = sageMakerArn(lookups, 'endpoint-config', asString(input.EndpointConfigName) ?? '');
    const role = asString(input.ExecutionRoleArn);
    return [
      { action: 'sagemaker:CreateEndpointConfig', resource, context: endpointConfigKeys(input, lookups) },
      ...(role ? [passRole(role)] : []),
      ...tagOnCreate('CreateEndpointConfig', resource, input),
    ];
  },
  DescribeEndpointConfig: named('DescribeEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  DeleteEndpointConfig: named('DeleteEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  ListEndpointConfigs: listed('ListEndpointConfigs'),
  CreateEndpoint: endpointDeployment('CreateEndpoint'),
  UpdateEndpoint: endpointDeployment('UpdateEndpoint'),
  DescribeEndpoint: named('DescribeEndpoint', 'endpoint', 'EndpointName'),
  DeleteEndpoint: named('DeleteEndpoint', 'endpoint', 'EndpointName'),
  ListEndpoints: listed('ListEndpoints'),
  CreateInferenceExperiment: (input, lookups) => {
    const resource = sageMakerArn(lookups, 'inference-experiment', asString(input.Name) ?? '');
    return [
      { action: 'sagemaker:CreateInferenceExperiment', resource, context: tagContext(input.Tags) },
      passRole(asString(input.RoleArn) ?? ''),
    ];
  },
  DescribeInferenceExperiment: named('DescribeInferenceExperiment', 'inference-experiment', 'Name'),
  StartInferenceExperiment: named('StartInferenceExperiment', 'inference-experiment', 'Name'),
  StopInferenceExperiment: named('StopInferenceExperiment', 'inference-experiment', 'Name'),
  UpdateInferenceExperiment: named('UpdateInferenceExperiment', 'inference-experiment', 'Name'),
  DeleteInferenceExperiment: named('DeleteInferenceExperiment', 'inference-experiment', 'Name'),
  ListInferenceExperiments: listed('ListInferenceExperiments'),
};
