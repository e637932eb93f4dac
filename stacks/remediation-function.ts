/**
 * One of the remediation's Lambda functions, as each of them is made: bundled from handlers/, on the
 * Node.js runtime matching the esbuild target, arm64, traced, with its own encrypted log group and an
 * explicit role holding its own log group and exactly the statements given, nothing managed.
 *
 * The ids derive from the handler's name (plan-remediation: PlanRemediation, PlanRemediationLogs,
 * PlanRemediationRole, policy PlanRemediationPermissions), in the scope given: the construct that
 * holds the functions, so that the logical ids stay what deployed stacks have.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type LogLevel, NodejsFunction, type OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLING, LAMBDA_NODE_MAJOR_VERSION, type LambdaHandlerSource } from './lambda-bundling.js';
import { acknowledge } from './nag-acknowledgements.js';

/** A function with its own log group and role. */
export interface RemediationFunction {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
}

export interface RemediationFunctionOptions {
  readonly description: string;
  readonly environment: Record<string, string>;
  /** What the function calls, besides writing its own log group. */
  readonly statements: readonly PolicyStatement[];
  /** Key of the log group. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
  /**
   * Why the function's own statements allow an action on every resource ("*"), when they do: the
   * role's AwsSolutions-IAM5[Resource::*] acknowledgement must name every such action.
   *
   * @default - only CDK's X-Ray statement allows "*"
   */
  readonly everyResourceReason?: string;
  /**
   * The role's path: ADMINISTRATOR_ROLE_PATH for a function that assumes the member roles (they
   * trust roles under it only).
   *
   * @default '/'
   */
  readonly rolePath?: string;
}

/** Every function's memory: what a Lambda invocation is billed at (with its duration). */
export const LAMBDA_MEMORY_MB = 256;

const XRAY_REASON =
  'Added by CDK for active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords), which supports no resource-level permissions.';

/** The function, its log group and its role, with ids derived from the handler's name. */
export function createRemediationFunction(
  scope: Construct,
  source: LambdaHandlerSource,
  options: RemediationFunctionOptions,
): RemediationFunction {
  const id = source.name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: options.logRetention,
    encryptionKey: options.encryptionKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
  const role = new Role(scope, `${id}Role`, {
    description: `${source.name} Lambda: its own log group${options.statements.length > 0 ? ' and the calls it makes' : ' only'}.`,
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    ...(options.rolePath === undefined ? {} : { path: options.rolePath }),
    inlinePolicies: {
      [`${id}Permissions`]: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'WriteOwnLogGroup',
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
          ...options.statements,
        ],
      }),
    },
  });
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    options.everyResourceReason ? `${XRAY_REASON} ${options.everyResourceReason}` : XRAY_REASON,
  );
  const fn = new NodejsFunction(scope, id, {
    entry: source.entry,
    handler: source.handler,
    description: options.description,
    runtime: lambdaRuntime(),
    architecture: Architecture.ARM_64,
    memorySize: LAMBDA_MEMORY_MB,
    // A Task invoking it waits longer (lambdaTaskTimeoutSeconds): the two come from the same number.
    timeout: Duration.seconds(source.timeoutSeconds),
    role,
    logGroup,
    tracing: Tracing.ACTIVE,
    environment: options.environment,
    // The enums' values are esbuild's strings; the benchmark bundles with the same object.
    bundling: {
      ...LAMBDA_BUNDLING,
      format: LAMBDA_BUNDLING.format as OutputFormat,
      logLevel: LAMBDA_BUNDLING.logLevel as LogLevel,
    },
  });
  return { fn, logGroup, role };
}

/**
 * A table encrypted with a customer managed key: item calls make DynamoDB decrypt the table key as the
 * caller ("Encryption at rest: how it works"), so kms:Decrypt through DynamoDB, and nothing more.
 */
export function tableKeyStatement(sid: string, keyArn: string, dynamodbViaService: string): PolicyStatement {
  return new PolicyStatement({
    sid,
    actions: ['kms:Decrypt'],
    resources: [keyArn],
    conditions: { StringEquals: { 'kms:ViaService': dynamodbViaService } },
  });
}

/** The Node.js Lambda runtime matching LAMBDA_NODE_MAJOR_VERSION (the esbuild target). */
function lambdaRuntime(): Runtime {
  const runtime = Runtime.ALL.find((candidate) => candidate.name === `nodejs${LAMBDA_NODE_MAJOR_VERSION}.x`);
  if (!runtime) throw new Error(`aws-cdk-lib knows no nodejs${LAMBDA_NODE_MAJOR_VERSION}.x Lambda runtime`);
  return runtime;
}
