/**
 * MemberApiCall: one SageMaker, EC2, KMS or S3 call the state machine cannot make as an AWS SDK
 * integration, made here as the member role of the resource's account, in the resource's Region
 * (shared/member-api-calls.ts says which and why). It returns what the integration would return and
 * fails with the error name the integration would raise, so the Task keeps its Retry and Catch.
 */
import {
  AddTagsCommand,
  CreateNotebookInstanceCommand,
  DeleteNotebookInstanceCommand,
  DescribeEndpointCommand,
  DescribeInferenceExperimentCommand,
  DescribeMonitoringScheduleCommand,
  DescribeNotebookInstanceCommand,
  ListMonitoringSchedulesCommand,
  SageMakerClient,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { MemberSessions, TemporaryCredentials } from './shared/member-access.js';
import {
  integrationError,
  integrationResult,
  isMemberApiCall,
  type MemberApiCall,
  type MemberApiService,
  memberApiRequestSchema,
} from './shared/member-api-calls.js';
import { deployedMemberSessions, sessionCredentials } from './shared/member-clients.js';
import { parseRuntimeSettings, SETTINGS_ENVIRONMENT_VARIABLE } from './shared/runtime-settings.js';
import { describeIssues } from './shared/validation.js';

/** A client's `send`, as every SDK v3 client (and the simulated ones) has it. */
interface Sender {
  send(command: never): Promise<unknown>;
}

/** The member session's clients, one per service the calls use. */
export type MemberApiClients = Readonly<Record<MemberApiService, Sender>>;

type CommandFactory = (input: Record<string, unknown>) => unknown | Promise<unknown>;

// The EC2, KMS and S3 clients are loaded on first use: most calls are SageMaker's. The EC2 client is
// not in the bundle at all but the Lambda runtime's (RUNTIME_PROVIDED_MODULES in
// stacks/lambda-bundling.ts): compiling its schemas alone doubled this function's cold start.
const ec2Sdk = () => import('@aws-sdk/client-ec2');
const kmsSdk = () => import('@aws-sdk/client-kms');
const s3Sdk = () => import('@aws-sdk/client-s3');

// Each call's Command, typed loosely: the request was written for the integration, whose Parameters
// are the API's own fields; the service validates them as it would the integration's.
const COMMANDS: Readonly<Record<MemberApiCall, CommandFactory>> = {
  'sagemaker:addTags': (input) => new AddTagsCommand(input as never),
  'sagemaker:createNotebookInstance': (input) => new CreateNotebookInstanceCommand(input as never),
  'sagemaker:deleteNotebookInstance': (input) => new DeleteNotebookInstanceCommand(input as never),
  'sagemaker:describeEndpoint': (input) => new DescribeEndpointCommand(input as never),
  'sagemaker:describeInferenceExperiment': (input) => new DescribeInferenceExperimentCommand(input as never),
  'sagemaker:describeMonitoringSchedule': (input) => new DescribeMonitoringScheduleCommand(input as never),
  'sagemaker:describeNotebookInstance': (input) => new DescribeNotebookInstanceCommand(input as never),
  'sagemaker:listMonitoringSchedules': (input) => new ListMonitoringSchedulesCommand(input as never),
  'sagemaker:startNotebookInstance': (input) => new StartNotebookInstanceCommand(input as never),
  'sagemaker:stopNotebookInstance': (input) => new StopNotebookInstanceCommand(input as never),
  'sagemaker:updateNotebookInstance': (input) => new UpdateNotebookInstanceCommand(input as never),
  'ec2:describeSecurityGroups': async (input) =>
    new (await ec2Sdk()).DescribeSecurityGroupsCommand(input as never),
  'ec2:describeSubnets': async (input) => new (await ec2Sdk()).DescribeSubnetsCommand(input as never),
  'kms:describeKey': async (input) => new (await kmsSdk()).DescribeKeyCommand(input as never),
  's3:getObject': async (input) => new (await s3Sdk()).GetObjectCommand(input as never),
  's3:listObjectsV2': async (input) => new (await s3Sdk()).ListObjectsV2Command(input as never),
};

export interface MemberApiCallDependencies {
  readonly members: MemberSessions<MemberApiClients>;
  readonly logger: Logger;
}

export function createMemberApiCallHandler(
  dependencies: MemberApiCallDependencies,
): (request: unknown) => Promise<Record<string, unknown>> {
  const { members, logger } = dependencies;
  return async function memberApiCall(request: unknown): Promise<Record<string, unknown>> {
    const parsed = memberApiRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw new Error(
        `Invalid MemberApiCall request: ${describeIssues(parsed.error, 'request.').join('; ')}`,
      );
    }
    const { service, action, request: input, target, executionName } = parsed.data;
    const call = `${service}:${action}`;
    if (!isMemberApiCall(call)) {
      throw new Error(`Invalid MemberApiCall request: ${call} is not a call this function makes`);
    }
    // A role that cannot be assumed fails as MemberRoleUnavailable, which the Task's catch-all takes.
    const clients = await members.clientsFor(target, executionName);
    try {
      const command = await COMMANDS[call](input);
      const output = await clients[service].send(command as never);
      logger.info('member call made', { call, accountId: target.accountId, region: target.region });
      return await integrationResult(output);
    } catch (error) {
      logger.warn('member call failed', { call, region: target.region, error: (error as Error).name });
      throw integrationError(call, error);
    }
  };
}

/** A client made on its first call. */
function lazyClient(create: () => Promise<Sender>): Sender {
  let client: Promise<Sender> | undefined;
  return {
    async send(command) {
      client ??= create();
      return (await client).send(command);
    },
  };
}

/**
 * One attempt per call: the Task's Retry is the integration's, and retrying inside the function too
 * would multiply it (and change which failures reach the Task's Catch).
 */
export const MEMBER_API_CALL_MAX_ATTEMPTS = 1;

/** The clients of one member session: SageMaker's now, the others on first use. */
export function memberApiClients(
  region: string,
  credentials: Required<TemporaryCredentials>,
): MemberApiClients {
  const options = {
    region,
    maxAttempts: MEMBER_API_CALL_MAX_ATTEMPTS,
    credentials: sessionCredentials(credentials),
  };
  return {
    sagemaker: new SageMakerClient(options),
    ec2: lazyClient(async () => new (await ec2Sdk()).EC2Client(options)),
    kms: lazyClient(async () => new (await kmsSdk()).KMSClient(options)),
    s3: lazyClient(async () => new (await s3Sdk()).S3Client(options)),
  };
}

// Created once per container and reused across invocations.
let deployedHandler: ((request: unknown) => Promise<Record<string, unknown>>) | undefined;
const logger = lambdaLogger('member-api-call');

export async function handler(request: unknown, context?: LambdaContext): Promise<Record<string, unknown>> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createMemberApiCallHandler({
      members: deployedMemberSessions(settings.members, memberApiClients),
      logger,
    });
  }
  return deployedHandler(request);
}
