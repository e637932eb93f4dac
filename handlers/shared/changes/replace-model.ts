/**
 * replace-model (SageMaker.5): a model cannot be changed, so an isolated copy
 * (EnableNetworkIsolation=true, everything else and the tags kept) is created under a new name, with a
 * copy of every endpoint configuration that uses the model (its variants naming the copy, everything
 * else and its tags kept); each endpoint serving one of those configurations moves to the
 * configuration's copy with UpdateEndpoint, and once every moved endpoint runs its copy the old
 * configurations and the old model are deleted. The steps, the state machine and how `restore` works
 * from each point are the endpoint configuration engine's (endpoint-replacement.ts): the old model and
 * configurations are created again from the snapshot when retired, the endpoints moved back, and the
 * copies deleted only once no endpoint is on, or updating away from, one of them.
 *
 * The configurations using the model are found by describing every configuration of the account
 * (ListEndpointConfigs has no filter on the model), and their definitions and tags are kept in the
 * snapshot, so a restore can create them again.
 */
import { DescribeEndpointConfigCommand, ListEndpointConfigsCommand } from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import type { Description } from '../controls/control-module.js';
import type { ResourceSnapshot } from '../resource-snapshot.js';
import { listAllTags } from '../sagemaker-tags.js';
import type { ChangeEngine } from './change-engine.js';
import {
  arnNamed,
  createEndpointConfig,
  createModel,
  deletion,
  describeEach,
  ENDPOINT_CONFIG_MEMBERS,
  endpointsOn,
  endpointsServing,
  listed,
  listNames,
  moveEndpoint,
  replacementName,
  type ServingEndpoint,
  sameName,
  servingEndpointSchema,
  tooManyEndpoints,
  type WatchedEndpoint,
} from './endpoint-replacement.js';
import { fixedDescription } from './fixed-description.js';
import type { SageMakerRequest } from './sagemaker-requests.js';

export const ENGINE = 'replace-model';

const tagSchema = z.object({ Key: z.string(), Value: z.string() });

/** A configuration that uses the model: its definition (what CreateEndpointConfig takes) and tags. */
const configSchema = z.object({
  name: z.string(),
  replacementName: z.string(),
  definition: z.record(z.string(), z.unknown()),
  tags: z.array(tagSchema),
});
type Configuration = z.infer<typeof configSchema>;

const relatedSchema = z.object({
  replacementName: z.string(),
  configs: z.array(configSchema),
  endpoints: z.array(servingEndpointSchema),
});
type Related = z.infer<typeof relatedSchema>;

function relatedOf(related: Readonly<Record<string, unknown>>): Related {
  const parsed = relatedSchema.safeParse(related);
  if (!parsed.success) throw new Error('the snapshot does not list the configurations that use the model');
  return parsed.data;
}

function modelName(description: Description): string {
  const name = description.ModelName;
  if (typeof name !== 'string' || name === '') throw new Error('the snapshot has no ModelName');
  return name;
}

type Variant = Readonly<Record<string, unknown>>;
const VARIANT_LISTS = ['ProductionVariants', 'ShadowProductionVariants'] as const;

function variantsOf(definition: Description): Variant[] {
  return VARIANT_LISTS.flatMap((member) =>
    Array.isArray(definition[member]) ? (definition[member] as Variant[]) : [],
  );
}

function namesModel(definition: Description, model: string): boolean {
  return variantsOf(definition).some(
    (variant) => typeof variant.ModelName === 'string' && sameName(variant.ModelName, model),
  );
}

/** The configuration with every variant of `from` naming `to` instead. */
function pointedAt(definition: Description, from: string, to: string): Description {
  const repoint = (variants: unknown) =>
    (variants as Variant[]).map((variant) =>
      typeof variant.ModelName === 'string' && sameName(variant.ModelName, from)
        ? { ...variant, ModelName: to }
        : variant,
    );
  return Object.fromEntries(
    Object.entries(definition).map(([member, value]) => [
      member,
      (VARIANT_LISTS as readonly string[]).includes(member) && Array.isArray(value) ? repoint(value) : value,
    ]),
  );
}

function requestsOf(snapshot: ResourceSnapshot, step: string): SageMakerRequest[] {
  const oldModel = modelName(snapshot.description);
  const { replacementName: newModel, configs, endpoints } = relatedOf(snapshot.related);
  const copyOf = (configName: string): string => {
    const config = configs.find((candidate) => sameName(candidate.name, configName));
    if (!config) throw new Error(`the snapshot has no copy of configuration ${configName}`);
    return config.replacementName;
  };
  const backOn = (config: Configuration) =>
    endpointsOn(
      endpoints
        .filter((endpoint) => sameName(endpoint.EndpointConfigName, config.name))
        .map((endpoint) => ({ endpoint: endpoint.EndpointName, config: endpoint.EndpointConfigName })),
    );
  const originals = [
    createModel(oldModel, snapshot.description, snapshot.tags),
    ...configs.map((config) => createEndpointConfig(config.name, config.definition, config.tags)),
  ];
  const moveBack = endpoints.map((endpoint) =>
    moveEndpoint(endpoint.EndpointName, endpoint.EndpointConfigName, copyOf(endpoint.EndpointConfigName)),
  );
  switch (step) {
    case 'create':
      return [
        createModel(newModel, fixedDescription(snapshot.description, snapshot.fixes), snapshot.tags),
        ...configs.map((config) =>
          createEndpointConfig(
            config.replacementName,
            pointedAt(config.definition, oldModel, newModel),
            config.tags,
          ),
        ),
      ];
    case 'move':
      return endpoints.map((endpoint) =>
        moveEndpoint(endpoint.EndpointName, copyOf(endpoint.EndpointConfigName), endpoint.EndpointConfigName),
      );
    case 'retire':
      return [
        ...configs.map((config) => deletion('DeleteEndpointConfig', config.name)),
        deletion('DeleteModel', oldModel),
      ];
    case 'move-back':
      return [...originals, ...moveBack];
    case 'restore':
      return [
        ...originals,
        ...moveBack,
        ...configs.map((config) => deletion('DeleteEndpointConfig', config.replacementName, backOn(config))),
        // The copy of the model only once no configuration copy can still be serving it.
        deletion('DeleteModel', newModel, configs.flatMap(backOn)),
      ];
    default:
      throw new Error(`${ENGINE} has no step ${step}`);
  }
}

/** Every configuration of the account that names the model, with its tags (copied to its copy). */
async function configurationsUsing(
  sagemaker: Parameters<NonNullable<ChangeEngine['related']>>[0],
  model: string,
): Promise<Configuration[]> {
  const names = await listNames(async (nextToken) => {
    const page = await sagemaker.send(
      new ListEndpointConfigsCommand({ MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    return {
      names: (page.EndpointConfigs ?? []).flatMap((config) =>
        config.EndpointConfigName ? [config.EndpointConfigName] : [],
      ),
      nextToken: page.NextToken,
    };
  });
  return describeEach(names, async (name): Promise<Configuration | undefined> => {
    const { $metadata: _metadata, ...config } = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: name }),
    );
    if (!namesModel(config, model)) return undefined;
    return {
      name: config.EndpointConfigName ?? name,
      replacementName: replacementName(ENGINE, config.EndpointConfigName ?? name, config),
      definition: Object.fromEntries(
        ENDPOINT_CONFIG_MEMBERS.filter((member) => config[member] !== undefined).map((member) => [
          member,
          config[member],
        ]),
      ),
      tags: (await listAllTags(sagemaker, config.EndpointConfigArn ?? '')).flatMap((tag) =>
        tag.Key === undefined ? [] : [{ Key: tag.Key, Value: tag.Value ?? '' }],
      ),
    };
  });
}

function describeMoves(configs: readonly Configuration[], endpoints: readonly ServingEndpoint[]): string {
  if (configs.length === 0)
    return 'No endpoint configuration uses the model: nothing serving traffic changes.';
  const copies = `${configs.length === 1 ? 'The endpoint configuration' : `The ${configs.length} endpoint configurations`} using it (${listed(configs.map((config) => config.name))}) are copied with their variants naming the new model, and deleted once no endpoint uses them.`;
  if (endpoints.length === 0) return `${copies} No endpoint serves them now.`;
  return `${copies} ${endpoints.length === 1 ? 'The endpoint' : `The ${endpoints.length} endpoints`} serving them (${listed(endpoints.map((endpoint) => endpoint.EndpointName))}) move to the copies with UpdateEndpoint: a new fleet starts with the isolated container, and if it cannot start without the network the update fails, SageMaker keeps the old fleet serving, and the change is undone.`;
}

export const replaceModel: ChangeEngine = {
  steps: ['create', 'move', 'retire', 'move-back', 'restore'],
  related: async (sagemaker, description) => {
    const model = modelName(description);
    // In name order: the approval request and the snapshot do not depend on the listing's order.
    const configs = (await configurationsUsing(sagemaker, model)).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    return {
      replacementName: replacementName(ENGINE, model, description),
      configs,
      endpoints: await endpointsServing(
        sagemaker,
        configs.map((config) => config.name),
      ),
    };
  },
  requests: requestsOf,
  target: (snapshot) => {
    const name = relatedOf(snapshot.related).replacementName;
    return { name, arn: arnNamed(snapshot.arn, name) };
  },
  watched: (snapshot): WatchedEndpoint[] => {
    const { configs, endpoints } = relatedOf(snapshot.related);
    return endpoints.map((endpoint) => ({
      endpoint: endpoint.EndpointName,
      config:
        configs.find((config) => sameName(config.name, endpoint.EndpointConfigName))?.replacementName ?? '',
      from: endpoint.EndpointConfigName,
    }));
  },
  refusal: (_description, related) => {
    const parsed = relatedSchema.safeParse(related);
    const reason = parsed.success ? tooManyEndpoints(parsed.data.endpoints) : undefined;
    return reason ? { outcome: 'NOTIFIED', reason } : undefined;
  },
  affected: (related, list) => {
    const parsed = relatedSchema.safeParse(related);
    if (!parsed.success) return '';
    const names = parsed.data.endpoints.map((endpoint) => endpoint.EndpointName);
    if (names.length === 0) return 'No endpoint serves it.';
    return `Endpoints updated to the isolated copy (${names.length}): ${list(names)}.`;
  },
  describeRelated: (related) => {
    const parsed = relatedSchema.safeParse(related);
    if (!parsed.success) return '';
    const { replacementName: name, configs, endpoints } = parsed.data;
    return `Models cannot be changed, so the isolated copy is created as ${name} and the old model is deleted once nothing uses it. ${describeMoves(configs, endpoints)} Network isolation: the container then has no network access at run time (no calls to S3, other services or the internet, no package downloads): approve only if it needs none.`;
  },
};
