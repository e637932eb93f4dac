/**
 * The preview's only AWS calls: SageMaker List/Describe/ListTags and STS GetCallerIdentity, each one
 * of PREVIEW_CALLS (read-calls.ts), every list read to its last page. The clients are made by
 * `createPreviewClients`, which bin/preview.ts calls only once the options are parsed.
 */
import {
  DescribeAppImageConfigCommand,
  DescribeDataQualityJobDefinitionCommand,
  DescribeEndpointCommand,
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
  ListAppImageConfigsCommand,
  ListDataQualityJobDefinitionsCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListFeatureGroupsCommand,
  ListImagesCommand,
  ListInferenceExperimentsCommand,
  ListModelBiasJobDefinitionsCommand,
  ListModelExplainabilityJobDefinitionsCommand,
  ListModelQualityJobDefinitionsCommand,
  ListModelsCommand,
  ListMonitoringSchedulesCommand,
  ListNotebookInstancesCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isSageMakerNotFound } from '../../handlers/shared/aws-errors.js';
import type { Description } from '../../handlers/shared/controls/control-module.js';
import { type ResourceKind, resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import type { Tag } from './inventory.js';
import { ENDPOINT_LISTING, type KindListing, PREVIEW_CALLS } from './read-calls.js';

type Command = new (input: never) => object;

/** The SDK command of every SageMaker operation the preview may call; nothing else can be sent. */
export const SAGEMAKER_COMMANDS: Readonly<Record<string, Command>> = {
  ListNotebookInstances: ListNotebookInstancesCommand,
  DescribeNotebookInstance: DescribeNotebookInstanceCommand,
  ListEndpointConfigs: ListEndpointConfigsCommand,
  DescribeEndpointConfig: DescribeEndpointConfigCommand,
  ListModels: ListModelsCommand,
  DescribeModel: DescribeModelCommand,
  ListAppImageConfigs: ListAppImageConfigsCommand,
  DescribeAppImageConfig: DescribeAppImageConfigCommand,
  ListImages: ListImagesCommand,
  DescribeImage: DescribeImageCommand,
  ListDataQualityJobDefinitions: ListDataQualityJobDefinitionsCommand,
  DescribeDataQualityJobDefinition: DescribeDataQualityJobDefinitionCommand,
  ListModelBiasJobDefinitions: ListModelBiasJobDefinitionsCommand,
  DescribeModelBiasJobDefinition: DescribeModelBiasJobDefinitionCommand,
  ListModelExplainabilityJobDefinitions: ListModelExplainabilityJobDefinitionsCommand,
  DescribeModelExplainabilityJobDefinition: DescribeModelExplainabilityJobDefinitionCommand,
  ListModelQualityJobDefinitions: ListModelQualityJobDefinitionsCommand,
  DescribeModelQualityJobDefinition: DescribeModelQualityJobDefinitionCommand,
  ListMonitoringSchedules: ListMonitoringSchedulesCommand,
  DescribeMonitoringSchedule: DescribeMonitoringScheduleCommand,
  ListFeatureGroups: ListFeatureGroupsCommand,
  DescribeFeatureGroup: DescribeFeatureGroupCommand,
  ListInferenceExperiments: ListInferenceExperimentsCommand,
  DescribeInferenceExperiment: DescribeInferenceExperimentCommand,
  ListTags: ListTagsCommand,
  ListEndpoints: ListEndpointsCommand,
  DescribeEndpoint: DescribeEndpointCommand,
};

/** A client with the SDK's `send`: the real one, or the simulated account's. */
export interface SendingClient {
  send(command: never): Promise<unknown>;
}

/** What the preview reads SageMaker with (inventory.ts): no call here changes anything. */
export interface SageMakerReader {
  /** Every name a List call returns, all pages. */
  names(listing: KindListing): Promise<string[]>;
  /** The Describe output, or undefined when the resource went away since it was listed. */
  describe(kind: ResourceKind, name: string): Promise<Description | undefined>;
  /** Every tag of the resource, all pages. */
  tags(arn: string): Promise<Tag[]>;
  endpointNames(): Promise<string[]>;
  describeEndpoint(name: string): Promise<Description | undefined>;
}

const ALLOWED = new Set(
  PREVIEW_CALLS.filter((call) => call.service === 'SageMaker').map((call) => call.operation),
);

/** The largest page each List call accepts: fewer calls. */
const PAGE_SIZE = 100;

export function createSageMakerReader(client: SendingClient): SageMakerReader {
  async function read(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const command = SAGEMAKER_COMMANDS[operation];
    if (!command || !ALLOWED.has(operation)) {
      throw new Error(`The preview makes no ${operation} call: it is not in PREVIEW_CALLS`);
    }
    return (await client.send(new command(input as never) as never)) as Record<string, unknown>;
  }

  async function allPages(
    operation: string,
    input: Record<string, unknown>,
    items: string,
  ): Promise<Record<string, unknown>[]> {
    const entries: Record<string, unknown>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await read(operation, { ...input, ...(nextToken ? { NextToken: nextToken } : {}) });
      entries.push(...((page[items] as Record<string, unknown>[] | undefined) ?? []));
      nextToken = typeof page.NextToken === 'string' && page.NextToken !== '' ? page.NextToken : undefined;
    } while (nextToken);
    return entries;
  }

  const names = async (listing: KindListing) =>
    (await allPages(listing.operation, { MaxResults: PAGE_SIZE }, listing.items)).flatMap((entry) =>
      typeof entry[listing.name] === 'string' ? [entry[listing.name] as string] : [],
    );

  /** A resource deleted between its List and its Describe is not an error: it is simply gone. */
  async function describeOrGone(
    operation: string,
    input: Record<string, unknown>,
  ): Promise<Description | undefined> {
    try {
      const { $metadata: _metadata, ...description } = await read(operation, input);
      return description;
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
  }

  return {
    names,
    describe: (kind, name) => {
      const { operation, nameMember } = resourceKind(kind).describe;
      return describeOrGone(operation, { [nameMember]: name });
    },
    tags: async (arn) =>
      (await allPages('ListTags', { ResourceArn: arn }, 'Tags')).flatMap((tag) =>
        typeof tag.Key === 'string'
          ? [{ Key: tag.Key, Value: typeof tag.Value === 'string' ? tag.Value : '' }]
          : [],
      ),
    endpointNames: () => names(ENDPOINT_LISTING),
    describeEndpoint: (name) => describeOrGone('DescribeEndpoint', { EndpointName: name }),
  };
}

export interface PreviewClients {
  readonly sagemaker: SendingClient;
  /** The account of the credentials (STS GetCallerIdentity). */
  readonly accountId: () => Promise<string>;
}

/** The SDK clients of the operator's credentials (`--profile`, or the SDK's default chain) in `region`. */
export function createPreviewClients(options: {
  readonly region: string;
  readonly profile?: string;
}): PreviewClients {
  // The SDK's own retries (with backoff) cover throttling of the many Describe calls.
  const clientOptions = {
    region: options.region,
    maxAttempts: 8,
    ...(options.profile ? { profile: options.profile } : {}),
  };
  const sts = new STSClient(clientOptions);
  return {
    sagemaker: new SageMakerClient(clientOptions),
    accountId: async () => {
      const { Account } = await sts.send(new GetCallerIdentityCommand({}));
      if (!Account) throw new Error('STS GetCallerIdentity returned no account');
      return Account;
    },
  };
}
