/**
 * Deploys a synthesized template into the simulated account, as CloudFormation would: every resource
 * the simulation models is created with its physical name and its properties as resolved from the
 * template (IAM roles and their policies, the key and its key policy, tables, topic, queue, buckets and
 * their policies, lifecycle configurations, the private network), and the rest (functions, the state
 * machine, rules, custom actions) is described for the local runner, which runs them.
 *
 * Not deployed, only given their return values: log groups, alarms, route tables, VPC endpoints, flow
 * logs and CDK's deploy-time custom resources. Nothing of the simulation depends on them.
 */

import type { SimulatedAccount } from '../account/account.js';
import type { PolicyDocument } from '../account/authorizer.js';
import type { InputTransformer } from '../account/input-transformer.js';
import { FrozenJsonCache } from '../frozen-json.js';
import {
  type CloudFormationTemplate,
  generatedName,
  generatedUuid,
  IntrinsicResolver,
  type ResourceValues,
  type StackEnvironment,
  type TemplateResource,
  type TemplateValue,
} from './cloudformation.js';

export interface DeployedFunction {
  readonly logicalId: string;
  /** The construct id the function was created with (e.g. `PlanRemediation`). */
  readonly constructId: string;
  readonly functionName: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
  /** The on-failure destination of asynchronous invocations (EventInvokeConfig), if any. */
  readonly onFailureDestinationArn?: string;
  readonly maximumRetryAttempts?: number;
}

export interface DeployedRuleTarget {
  readonly arn: string;
  /** What the target gets instead of the whole event. */
  readonly inputTransformer?: InputTransformer;
  readonly roleArn?: string;
  readonly deadLetterArn?: string;
  readonly maximumRetryAttempts?: number;
}

export interface DeployedRule {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly pattern: Record<string, unknown>;
  /** ScheduleExpression of a scheduled rule (`rate(15 minutes)`), which has no pattern. */
  readonly schedule?: string;
  readonly targets: readonly DeployedRuleTarget[];
}

export interface DeployedStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  /**
   * The definition with its `${Placeholders}`, as in DefinitionString: frozen, and the same object in
   * every deployment of the same text (local-state-machine.ts prepares it once).
   */
  readonly definition: Record<string, unknown>;
  /** DefinitionSubstitutions, resolved. */
  readonly substitutions: Readonly<Record<string, string>>;
}

export interface DeployedStack {
  readonly environment: StackEnvironment;
  readonly functions: readonly DeployedFunction[];
  readonly stateMachines: readonly DeployedStateMachine[];
  readonly rules: readonly DeployedRule[];
  /** Custom action ARNs by their Id. */
  readonly customActions: Readonly<Record<string, string>>;
  /** The resolved value of each output. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Return values of every resource, by logical id. */
  readonly resources: ReadonlyMap<string, ResourceValues & { readonly type: string }>;
}

type Properties = Record<string, TemplateValue>;

/** State machine definitions by their text: a few configurations at a time are deployed again and again. */
const parsedDefinitions = new FrozenJsonCache(8);

const stringArray = (value: TemplateValue | undefined): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];

/** Each frozen template's order (synthesize.ts shares one per configuration): it cannot change. */
const deploymentOrders = new WeakMap<CloudFormationTemplate, readonly string[]>();

/** Resources in an order where everything a resource refers to comes first. */
function deploymentOrder(template: CloudFormationTemplate): readonly string[] {
  const known = deploymentOrders.get(template);
  if (known) return known;
  const order = dependencyOrder(template);
  if (Object.isFrozen(template)) deploymentOrders.set(template, order);
  return order;
}

function dependencyOrder(template: CloudFormationTemplate): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`circular reference through ${id}`);
    state.set(id, 'visiting');
    const resource = template.Resources[id] as TemplateResource;
    const explicit = resource.DependsOn === undefined ? [] : stringArray(resource.DependsOn);
    for (const dependency of [...IntrinsicResolver.dependencies(resource.Properties ?? {}), ...explicit]) {
      if (template.Resources[dependency]) visit(dependency);
    }
    state.set(id, 'done');
    order.push(id);
  };
  Object.keys(template.Resources).forEach(visit);
  return order;
}

/** `SageMakerRemediation/Functions/PlanRemediation/Resource` -> `PlanRemediation`. */
function constructIdOf(resource: TemplateResource, logicalId: string): string {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return logicalId;
  const segments = path.split('/');
  return (segments.at(-1) === 'Resource' ? segments.at(-2) : segments.at(-1)) ?? logicalId;
}

export function deployTemplate(
  account: SimulatedAccount,
  template: CloudFormationTemplate,
  stackName: string,
  parameters: Readonly<Record<string, string>> = {},
): DeployedStack {
  const environment: StackEnvironment = {
    stackName,
    accountId: account.accountId,
    region: account.region,
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
  };
  const resolver = new IntrinsicResolver(environment);
  // As CloudFormation does before it creates anything: every parameter given or defaulted, and valid.
  const problems: string[] = [];
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = parameters[name] ?? parameter.Default;
    if (value === undefined) problems.push(`Parameters: [${name}] must have values`);
    else if (parameter.AllowedPattern !== undefined && !new RegExp(parameter.AllowedPattern).test(value)) {
      problems.push(`Parameter '${name}' must match pattern ${parameter.AllowedPattern}`);
    } else resolver.define(name, { ref: value, attributes: {} });
  }
  const unknown = Object.keys(parameters).filter((name) => template.Parameters?.[name] === undefined);
  if (unknown.length > 0) problems.push(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  if (problems.length > 0) throw new Error(`ValidationError: ${problems.join('; ')}`);
  const arn = (service: string, resource: string, region = environment.region) =>
    `arn:${environment.partition}:${service}:${region}:${environment.accountId}:${resource}`;
  const resources = new Map<string, ResourceValues & { type: string }>();
  const functions: DeployedFunction[] = [];
  const stateMachines: DeployedStateMachine[] = [];
  const rules: DeployedRule[] = [];
  const customActions: Record<string, string> = {};
  const invokeConfigs = new Map<string, { destination?: string; retries?: number }>();
  const functionPolicies = new Map<string, unknown[]>();

  const define = (logicalId: string, type: string, values: ResourceValues): void => {
    resolver.define(logicalId, values);
    resources.set(logicalId, { ...values, type });
  };

  for (const logicalId of deploymentOrder(template)) {
    const resource = template.Resources[logicalId] as TemplateResource;
    const properties = resolver.resolve(resource.Properties ?? {}) as Properties;
    const name = (maxLength: number, explicit?: TemplateValue) =>
      typeof explicit === 'string' ? explicit : generatedName(environment, logicalId, maxLength);
    switch (resource.Type) {
      case 'AWS::KMS::Key': {
        const keyId = generatedUuid(environment, logicalId);
        account.kms.seedKey({
          keyId,
          description: String(properties.Description ?? ''),
          policy: properties.KeyPolicy as unknown as Record<string, unknown>,
        });
        const keyArn = arn('kms', `key/${keyId}`);
        define(logicalId, resource.Type, { ref: keyId, attributes: { Arn: keyArn, KeyId: keyId } });
        break;
      }
      case 'AWS::SNS::Topic': {
        const topicName = name(256, properties.TopicName);
        const keyId = properties.KmsMasterKeyId;
        const topicArn = account.sns.createTopic(topicName, {
          ...(typeof keyId === 'string' ? { kmsKeyArn: account.kms.keyArn(keyId) ?? keyId } : {}),
        });
        define(logicalId, resource.Type, {
          ref: topicArn,
          attributes: { TopicArn: topicArn, TopicName: topicName },
        });
        break;
      }
      case 'AWS::SNS::TopicPolicy':
        for (const topic of stringArray(properties.Topics)) {
          account.iam.setResourcePolicy(topic, properties.PolicyDocument as unknown as PolicyDocument);
        }
        define(logicalId, resource.Type, { ref: name(64), attributes: {} });
        break;
      case 'AWS::DynamoDB::Table': {
        const tableName = name(255, properties.TableName);
        const keySchema = properties.KeySchema as Array<{ AttributeName: string; KeyType: string }>;
        const definitions = properties.AttributeDefinitions as Array<{
          AttributeName: string;
          AttributeType: 'S' | 'N' | 'B';
        }>;
        const keyOf = (type: string) => {
          const key = keySchema.find((entry) => entry.KeyType === type);
          const definition = definitions.find((entry) => entry.AttributeName === key?.AttributeName);
          return key && definition ? { name: key.AttributeName, type: definition.AttributeType } : undefined;
        };
        const partitionKey = keyOf('HASH');
        if (!partitionKey) throw new Error(`${logicalId}: no partition key`);
        const sortKey = keyOf('RANGE');
        const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean };
        const sse = properties.SSESpecification as { KMSMasterKeyId?: string; SSEType?: string } | undefined;
        const tableArn = account.dynamodb.createTable({
          TableName: tableName,
          partitionKey,
          ...(sortKey ? { sortKey } : {}),
          ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
          ...(sse?.SSEType === 'KMS' && sse.KMSMasterKeyId
            ? { kmsKeyArn: account.kms.keyArn(sse.KMSMasterKeyId) ?? sse.KMSMasterKeyId }
            : {}),
        });
        define(logicalId, resource.Type, { ref: tableName, attributes: { Arn: tableArn } });
        break;
      }
      case 'AWS::S3::Bucket': {
        const bucketName = name(63, properties.BucketName).toLowerCase();
        account.s3.seedBucket(bucketName);
        if ((properties.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled') {
          account.s3.putBucketVersioning({
            Bucket: bucketName,
            VersioningConfiguration: { Status: 'Enabled' },
          });
        }
        const rules = (
          properties.BucketEncryption as
            | {
                ServerSideEncryptionConfiguration?: Array<{
                  BucketKeyEnabled?: boolean;
                  ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
                }>;
              }
            | undefined
        )?.ServerSideEncryptionConfiguration;
        const kms = rules?.find((rule) => rule.ServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms');
        const keyId = kms?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
        if (keyId) {
          account.s3.setBucketEncryption(bucketName, {
            keyArn: account.kms.keyArn(keyId) ?? keyId,
            bucketKeyEnabled: kms?.BucketKeyEnabled === true,
          });
        } else if (kms) {
          // SSE-KMS without a key: the account's AWS managed key aws/s3, created on first use.
          account.kms.materialiseKey('alias/aws/s3');
          account.s3.setBucketEncryption(bucketName, {
            keyArn: account.kms.keyArn('alias/aws/s3') ?? 'alias/aws/s3',
            bucketKeyEnabled: kms.BucketKeyEnabled === true,
          });
        }
        define(logicalId, resource.Type, {
          ref: bucketName,
          attributes: {
            Arn: `arn:${environment.partition}:s3:::${bucketName}`,
            DomainName: `${bucketName}.s3.${environment.urlSuffix}`,
            RegionalDomainName: `${bucketName}.s3.${environment.region}.${environment.urlSuffix}`,
          },
        });
        break;
      }
      case 'AWS::S3::BucketPolicy': {
        const bucket = String(properties.Bucket);
        account.iam.setResourcePolicy(
          `arn:${environment.partition}:s3:::${bucket}`,
          properties.PolicyDocument as unknown as PolicyDocument,
        );
        define(logicalId, resource.Type, { ref: name(64), attributes: {} });
        break;
      }
      case 'AWS::SQS::Queue': {
        const queueName = name(80, properties.QueueName);
        const keyId = properties.KmsMasterKeyId;
        const { queueUrl, queueArn } = account.sqs.createQueue(queueName, {
          ...(typeof keyId === 'string' ? { kmsMasterKeyId: account.kms.keyArn(keyId) ?? keyId } : {}),
        });
        define(logicalId, resource.Type, {
          ref: queueUrl,
          attributes: { Arn: queueArn, QueueName: queueName, QueueUrl: queueUrl },
        });
        break;
      }
      case 'AWS::SQS::QueuePolicy':
        for (const queueUrl of stringArray(properties.Queues)) {
          const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
          account.iam.setResourcePolicy(
            arn('sqs', queueName),
            properties.PolicyDocument as unknown as PolicyDocument,
          );
        }
        define(logicalId, resource.Type, { ref: name(64), attributes: {} });
        break;
      case 'AWS::IAM::Role': {
        const roleName = name(64, properties.RoleName);
        const policies = (properties.Policies ?? []) as unknown as Array<{
          PolicyName: string;
          PolicyDocument: PolicyDocument;
        }>;
        const roleArn = account.iam.createRole({
          roleName,
          ...(typeof properties.Path === 'string' ? { path: properties.Path } : {}),
          inlinePolicies: policies.map((policy) => ({
            name: policy.PolicyName,
            document: policy.PolicyDocument,
          })),
          managedPolicyArns: stringArray(properties.ManagedPolicyArns),
          ...(properties.AssumeRolePolicyDocument === undefined
            ? {}
            : { trustPolicy: properties.AssumeRolePolicyDocument as unknown as PolicyDocument }),
        });
        const role = account.iam.getRole({ RoleName: roleName }).Role;
        define(logicalId, resource.Type, {
          ref: roleName,
          attributes: { Arn: roleArn, RoleId: role.RoleId },
        });
        break;
      }
      case 'AWS::IAM::Policy': {
        const policyName = String(properties.PolicyName);
        for (const roleName of stringArray(properties.Roles)) {
          account.iam.putRolePolicy(roleName, {
            name: policyName,
            document: properties.PolicyDocument as unknown as PolicyDocument,
          });
        }
        define(logicalId, resource.Type, { ref: name(128), attributes: {} });
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const policyName = name(128, properties.ManagedPolicyName);
        const policyArn = account.iam.createPolicy(
          policyName,
          properties.PolicyDocument as unknown as PolicyDocument,
          typeof properties.Path === 'string' ? properties.Path : '/',
        );
        for (const roleName of stringArray(properties.Roles))
          account.iam.attachRolePolicy(roleName, policyArn);
        define(logicalId, resource.Type, { ref: policyArn, attributes: { PolicyArn: policyArn } });
        break;
      }
      case 'AWS::SageMaker::NotebookInstanceLifecycleConfig': {
        const configName = name(63, properties.NotebookInstanceLifecycleConfigName);
        const decode = (hooks: TemplateValue | undefined) => {
          const content = (hooks as Array<{ Content?: string }> | undefined)?.[0]?.Content;
          return content === undefined ? undefined : Buffer.from(content, 'base64').toString('utf8');
        };
        const onCreate = decode(properties.OnCreate);
        const onStart = decode(properties.OnStart);
        const configArn = account.sagemaker.seedLifecycleConfig({
          name: configName,
          ...(onCreate === undefined ? {} : { onCreate }),
          ...(onStart === undefined ? {} : { onStart }),
        });
        define(logicalId, resource.Type, {
          ref: configArn,
          attributes: { NotebookInstanceLifecycleConfigName: configName },
        });
        break;
      }
      case 'AWS::SecurityHub::ActionTarget': {
        const id = String(properties.Id);
        const actionArn = arn('securityhub', `action/custom/${id}`);
        customActions[id] = actionArn;
        define(logicalId, resource.Type, { ref: actionArn, attributes: { ActionTargetArn: actionArn } });
        break;
      }
      case 'AWS::EC2::VPC': {
        const vpcId = account.ec2.seedVpc({ cidr: String(properties.CidrBlock ?? '10.0.0.0/16') });
        const defaultGroup = account.ec2.defaultSecurityGroupOf(vpcId) ?? '';
        define(logicalId, resource.Type, {
          ref: vpcId,
          attributes: {
            VpcId: vpcId,
            DefaultSecurityGroup: defaultGroup,
            CidrBlock: String(properties.CidrBlock),
          },
        });
        break;
      }
      case 'AWS::EC2::Subnet': {
        const subnetId = account.ec2.seedSubnet({
          vpcId: String(properties.VpcId),
          ...(typeof properties.AvailabilityZone === 'string'
            ? { availabilityZone: properties.AvailabilityZone }
            : {}),
          ...(typeof properties.CidrBlock === 'string' ? { cidr: properties.CidrBlock } : {}),
        });
        define(logicalId, resource.Type, {
          ref: subnetId,
          attributes: { SubnetId: subnetId, VpcId: String(properties.VpcId) },
        });
        break;
      }
      case 'AWS::EC2::SecurityGroup': {
        const groupId = account.ec2.seedSecurityGroup({
          vpcId: String(properties.VpcId),
          groupName: name(255, properties.GroupName),
        });
        define(logicalId, resource.Type, {
          ref: groupId,
          attributes: { GroupId: groupId, VpcId: String(properties.VpcId) },
        });
        break;
      }
      case 'AWS::Lambda::Function': {
        const functionName = name(64, properties.FunctionName);
        const functionArn = arn('lambda', `function:${functionName}`);
        const variables = (properties.Environment as { Variables?: Record<string, string> } | undefined)
          ?.Variables;
        functions.push({
          logicalId,
          constructId: constructIdOf(resource, logicalId),
          functionName,
          arn: functionArn,
          roleArn: String(properties.Role),
          timeoutSeconds: Number(properties.Timeout ?? 3),
          environment: { ...(variables ?? {}) },
        });
        define(logicalId, resource.Type, { ref: functionName, attributes: { Arn: functionArn } });
        break;
      }
      case 'AWS::Lambda::Permission': {
        const functionArn = String(properties.FunctionName);
        const statement = {
          Sid: logicalId,
          Effect: 'Allow',
          Principal: { Service: String(properties.Principal) },
          Action: String(properties.Action),
          Resource: functionArn,
          ...(typeof properties.SourceArn === 'string'
            ? { Condition: { ArnLike: { 'AWS:SourceArn': properties.SourceArn } } }
            : {}),
        };
        const statements = functionPolicies.get(functionArn) ?? [];
        statements.push(statement);
        functionPolicies.set(functionArn, statements);
        account.iam.setResourcePolicy(functionArn, { Version: '2012-10-17', Statement: statements });
        define(logicalId, resource.Type, { ref: name(64), attributes: {} });
        break;
      }
      case 'AWS::Lambda::EventInvokeConfig': {
        const destination = (
          properties.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined
        )?.OnFailure?.Destination;
        invokeConfigs.set(String(properties.FunctionName), {
          ...(destination ? { destination } : {}),
          ...(properties.MaximumRetryAttempts !== undefined
            ? { retries: Number(properties.MaximumRetryAttempts) }
            : {}),
        });
        define(logicalId, resource.Type, { ref: name(64), attributes: {} });
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const machineName = name(80, properties.StateMachineName);
        const machineArn = arn('states', `stateMachine:${machineName}`);
        stateMachines.push({
          logicalId,
          name: machineName,
          arn: machineArn,
          roleArn: String(properties.RoleArn),
          definition: parsedDefinitions.parse(String(properties.DefinitionString)) as Record<string, unknown>,
          substitutions: Object.fromEntries(
            Object.entries((properties.DefinitionSubstitutions ?? {}) as Record<string, TemplateValue>).map(
              ([key, value]) => [key, String(value)],
            ),
          ),
        });
        define(logicalId, resource.Type, {
          ref: machineArn,
          attributes: { Arn: machineArn, Name: machineName },
        });
        break;
      }
      case 'AWS::Events::Rule': {
        const ruleName = name(64, properties.Name);
        const ruleArn = arn('events', `rule/${ruleName}`);
        const targets = (properties.Targets ?? []) as unknown as Array<{
          Arn: string;
          RoleArn?: string;
          DeadLetterConfig?: { Arn?: string };
          RetryPolicy?: { MaximumRetryAttempts?: number };
          InputTransformer?: InputTransformer;
        }>;
        rules.push({
          logicalId,
          name: ruleName,
          arn: ruleArn,
          pattern: properties.EventPattern as Record<string, unknown>,
          ...(typeof properties.ScheduleExpression === 'string'
            ? { schedule: properties.ScheduleExpression }
            : {}),
          targets: targets.map((target) => ({
            arn: target.Arn,
            ...(target.RoleArn ? { roleArn: target.RoleArn } : {}),
            ...(target.InputTransformer ? { inputTransformer: target.InputTransformer } : {}),
            ...(target.DeadLetterConfig?.Arn ? { deadLetterArn: target.DeadLetterConfig.Arn } : {}),
            ...(target.RetryPolicy?.MaximumRetryAttempts !== undefined
              ? { maximumRetryAttempts: target.RetryPolicy.MaximumRetryAttempts }
              : {}),
          })),
        });
        define(logicalId, resource.Type, { ref: ruleName, attributes: { Arn: ruleArn } });
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const groupName = name(512, properties.LogGroupName);
        define(logicalId, resource.Type, {
          ref: groupName,
          attributes: { Arn: arn('logs', `log-group:${groupName}:*`) },
        });
        break;
      }
      default:
        // Deploy-time only (custom resources, alarms, routes, endpoints, flow logs): return values only.
        define(logicalId, resource.Type, {
          ref: name(64),
          attributes: new Proxy({} as Record<string, string>, {
            get: (_target, attribute) => `${logicalId}.${String(attribute)}`,
          }),
        });
    }
  }

  const withInvokeConfig = functions.map((fn): DeployedFunction => {
    const config = invokeConfigs.get(fn.functionName) ?? invokeConfigs.get(fn.arn);
    return {
      ...fn,
      ...(config?.destination ? { onFailureDestinationArn: config.destination } : {}),
      ...(config?.retries !== undefined ? { maximumRetryAttempts: config.retries } : {}),
    };
  });
  const outputs = Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([key, output]) => [
      key,
      String(resolver.resolve(output.Value)),
    ]),
  );
  return {
    environment,
    functions: withInvokeConfig,
    stateMachines,
    rules,
    customActions,
    outputs,
    resources,
  };
}
