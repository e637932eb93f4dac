/**
 * The SageMaker calls the approval-gated engines make, as plain requests (operation and input), and
 * the one place they are sent: each command imported on its own, so a bundle carries only these.
 *
 * A step may be run again (a Lambda retry, a roll-back after a partial change, the restore tool), so a
 * request can say when it is already done: an error meaning so (`alreadyDone`), or a read showing it
 * is no longer needed (`onlyIf`). The engines stay pure; only this reads before it writes.
 */
import {
  CreateDataQualityJobDefinitionCommand,
  CreateEndpointConfigCommand,
  CreateModelBiasJobDefinitionCommand,
  CreateModelCommand,
  CreateModelExplainabilityJobDefinitionCommand,
  CreateModelQualityJobDefinitionCommand,
  DeleteDataQualityJobDefinitionCommand,
  DeleteEndpointConfigCommand,
  DeleteModelBiasJobDefinitionCommand,
  DeleteModelCommand,
  DeleteModelExplainabilityJobDefinitionCommand,
  DeleteModelQualityJobDefinitionCommand,
  DescribeEndpointCommand,
  DescribeInferenceExperimentCommand,
  DescribeMonitoringScheduleCommand,
  type SageMakerClient,
  UpdateEndpointCommand,
  UpdateInferenceExperimentCommand,
  UpdateMonitoringScheduleCommand,
} from '@aws-sdk/client-sagemaker';
import { errorName, isSageMakerNotFound } from '../aws-errors.js';
import { memberAt } from '../controls/control-module.js';

export interface SageMakerRequest {
  readonly operation: SageMakerOperation;
  readonly input: Readonly<Record<string, unknown>>;
  /**
   * The error that means the call's effect is there already, so the request is skipped: `not-found`
   * (deleting what is gone, changing what no longer exists), `exists` (creating what is there).
   */
  readonly alreadyDone?: 'not-found' | 'exists';
  /**
   * Sent only while this read shows `member` equal to `equals`; not sent when the read finds nothing.
   * Several: sent only while every one holds.
   */
  readonly onlyIf?: RequestCondition | readonly RequestCondition[];
}

export interface RequestCondition {
  readonly read: {
    readonly operation: SageMakerOperation;
    readonly input: Readonly<Record<string, unknown>>;
  };
  readonly member: string;
  readonly equals: string;
}

// biome-ignore lint/suspicious/noExplicitAny: each command has its own input type; the requests are built by the engines from Describe output.
type CommandFactory = (input: any) => any;

const COMMANDS = {
  UpdateMonitoringSchedule: (input) => new UpdateMonitoringScheduleCommand(input),
  DescribeMonitoringSchedule: (input) => new DescribeMonitoringScheduleCommand(input),
  CreateDataQualityJobDefinition: (input) => new CreateDataQualityJobDefinitionCommand(input),
  CreateModelBiasJobDefinition: (input) => new CreateModelBiasJobDefinitionCommand(input),
  CreateModelExplainabilityJobDefinition: (input) => new CreateModelExplainabilityJobDefinitionCommand(input),
  CreateModelQualityJobDefinition: (input) => new CreateModelQualityJobDefinitionCommand(input),
  DeleteDataQualityJobDefinition: (input) => new DeleteDataQualityJobDefinitionCommand(input),
  DeleteModelBiasJobDefinition: (input) => new DeleteModelBiasJobDefinitionCommand(input),
  DeleteModelExplainabilityJobDefinition: (input) => new DeleteModelExplainabilityJobDefinitionCommand(input),
  DeleteModelQualityJobDefinition: (input) => new DeleteModelQualityJobDefinitionCommand(input),
  CreateEndpointConfig: (input) => new CreateEndpointConfigCommand(input),
  DeleteEndpointConfig: (input) => new DeleteEndpointConfigCommand(input),
  CreateModel: (input) => new CreateModelCommand(input),
  DeleteModel: (input) => new DeleteModelCommand(input),
  UpdateEndpoint: (input) => new UpdateEndpointCommand(input),
  DescribeEndpoint: (input) => new DescribeEndpointCommand(input),
  UpdateInferenceExperiment: (input) => new UpdateInferenceExperimentCommand(input),
  DescribeInferenceExperiment: (input) => new DescribeInferenceExperimentCommand(input),
} as const satisfies Record<string, CommandFactory>;

export type SageMakerOperation = keyof typeof COMMANDS;

/** Whether an error says the request's effect is already there. */
function isAlreadyDone(request: SageMakerRequest, error: unknown): boolean {
  if (request.alreadyDone === 'not-found') return isSageMakerNotFound(error);
  if (request.alreadyDone === 'exists') {
    // Create of a job definition declares ResourceInUse ("Resource Already Exists"); other kinds say it in a ValidationException.
    return (
      errorName(error) === 'ResourceInUse' ||
      (errorName(error) === 'ValidationException' && /already exist/i.test((error as Error).message))
    );
  }
  return false;
}

async function send(
  sagemaker: Pick<SageMakerClient, 'send'>,
  request: Pick<SageMakerRequest, 'operation' | 'input'>,
): Promise<Readonly<Record<string, unknown>>> {
  const factory: CommandFactory = COMMANDS[request.operation];
  return (await sagemaker.send(factory(request.input))) as unknown as Readonly<Record<string, unknown>>;
}

/** Sends one request; its response as a plain record, or undefined when it was already done (skipped). */
export async function sendRequest(
  sagemaker: Pick<SageMakerClient, 'send'>,
  request: SageMakerRequest,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const conditions: readonly RequestCondition[] =
    request.onlyIf === undefined ? [] : 'read' in request.onlyIf ? [request.onlyIf] : request.onlyIf;
  for (const { read, member, equals } of conditions) {
    let current: Readonly<Record<string, unknown>>;
    try {
      current = await send(sagemaker, read);
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
    if (memberAt(current, member) !== equals) return undefined;
  }
  try {
    return await send(sagemaker, request);
  } catch (error) {
    if (isAlreadyDone(request, error)) return undefined;
    throw error;
  }
}
