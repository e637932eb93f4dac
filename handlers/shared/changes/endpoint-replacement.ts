/**
 * What the engines that replace what an endpoint serves share (replace-endpoint-config for
 * SageMaker.4, replace-model for .5): models and endpoint configurations have no Update call, so a
 * fixed copy is created under a new name, each endpoint using the old configuration is moved to its
 * copy with UpdateEndpoint (SageMaker launches a new fleet and shifts traffic to it: no availability
 * loss), and the old ones are deleted once no endpoint uses them.
 *
 * The steps both engines have (the state machine is the same for both, engines/replace-endpoint-config-states.ts):
 * - `create`: the copies (model, endpoint configurations), each skipped if it exists already.
 * - `move`: each endpoint of the snapshot still on its old configuration pointed at the copy.
 * - `retire`: the old ones deleted (gone already: done). Only after every moved endpoint was seen
 *   InService on its copy.
 * - `move-back`: each endpoint on a copy pointed back at its old configuration.
 * - `restore`: from any point: the old ones created again from the snapshot (there: done), the
 *   endpoints moved back, then each copy deleted only while every endpoint of its configuration is
 *   back on the old one (the API reference: do not delete a configuration an endpoint is updating
 *   from); the state machine moves back and waits for the endpoints first, so its restore deletes them.
 *   One exception: a failure of the shared VerifyChangedResource goes to the roll-back at once, so the
 *   endpoints are moved back while the copies stay (they are still updating away from them); the
 *   restore tool, run once they are InService, deletes the copies.
 */
import { createHash } from 'node:crypto';
import {
  DescribeEndpointCommand,
  ListEndpointsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import { isSageMakerNotFound } from '../aws-errors.js';
import type { Description } from '../controls/control-module.js';
import type { ResourceSnapshot } from '../resource-snapshot.js';
import type { RequestCondition, SageMakerRequest } from './sagemaker-requests.js';

type SageMaker = Pick<SageMakerClient, 'send'>;
type Tags = ResourceSnapshot['tags'];

/** The suffix the replacements add; an earlier one is replaced rather than stacked. */
const SUFFIX = /-fx[0-9a-f]{8}$/;
const SUFFIX_LENGTH = '-fx'.length + 8;
const MAX_NAME_LENGTH = 63;

/** At most this many endpoints move in one plan (each is watched, and the execution history is bounded). */
export const MAX_MOVED_ENDPOINTS = 10;

/** At most this many names in the approval request (the count is always given). */
const NAMED = 10;

/** Calls in flight while reading every endpoint (or configuration) of the account. */
const READ_CONCURRENCY = 8;
/** Pages of 100 read at most: a misbehaving NextToken must not loop. */
const MAX_PAGES = 100;

/**
 * The copy's name: the old one cut to fit, `-fx` and 8 hex characters of a digest of the engine and
 * the old resource's ARN and creation time: the same when planning (so the approval request names it)
 * and after the snapshot, different for a later replacement of the copy. At most 63 characters.
 */
export function replacementName(engine: string, name: string, description: Description): string {
  const created = description.CreationTime;
  const createdAt =
    created instanceof Date || typeof created === 'string' ? new Date(created).toISOString() : '';
  const arn = description.EndpointConfigArn ?? description.ModelArn ?? name;
  const digest = createHash('sha256')
    .update(`${engine}\n${String(arn)}\n${createdAt}`, 'utf8')
    .digest('hex')
    .slice(0, 8);
  const base = name
    .replace(SUFFIX, '')
    .slice(0, MAX_NAME_LENGTH - SUFFIX_LENGTH)
    .replace(/-+$/, '');
  return `${base}-fx${digest}`;
}

/** The ARN of a resource of the same kind as `arn`, named `name` (SageMaker ARNs lowercase the name). */
export function arnNamed(arn: string, name: string): string {
  return `${arn.slice(0, arn.lastIndexOf('/') + 1)}${name.toLowerCase()}`;
}

/** The user's tags as a Create call takes them: `aws:` tags are the system's and cannot be written. */
function writableTags(tags: Tags): { Tags?: Array<{ Key: string; Value: string }> } {
  const kept = tags.filter((tag) => !tag.Key.toLowerCase().startsWith('aws:'));
  return kept.length > 0 ? { Tags: kept.map((tag) => ({ Key: tag.Key, Value: tag.Value })) } : {};
}

function pick(definition: Description, members: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    members
      .filter((member) => definition[member] !== undefined)
      .map((member) => [member, definition[member]]),
  );
}

/** What CreateEndpointConfig takes of DescribeEndpointConfig's answer (not its ARN or creation time). */
export const ENDPOINT_CONFIG_MEMBERS = [
  'ProductionVariants',
  'DataCaptureConfig',
  'KmsKeyId',
  'AsyncInferenceConfig',
  'ExplainerConfig',
  'ShadowProductionVariants',
  'ExecutionRoleArn',
  'VpcConfig',
  'EnableNetworkIsolation',
  'MetricsConfig',
] as const;

/** What CreateModel takes of DescribeModel's answer. */
const MODEL_MEMBERS = [
  'PrimaryContainer',
  'Containers',
  'InferenceExecutionConfig',
  'ExecutionRoleArn',
  'VpcConfig',
  'EnableNetworkIsolation',
] as const;

/** CreateEndpointConfig of `definition` (a Describe answer) under `name`, with the tags; there already: done. */
export function createEndpointConfig(name: string, definition: Description, tags: Tags): SageMakerRequest {
  return {
    operation: 'CreateEndpointConfig',
    input: { EndpointConfigName: name, ...pick(definition, ENDPOINT_CONFIG_MEMBERS), ...writableTags(tags) },
    alreadyDone: 'exists',
  };
}

/** CreateModel of `definition` (a Describe answer) under `name`, with the tags; there already: done. */
export function createModel(name: string, definition: Description, tags: Tags): SageMakerRequest {
  return {
    operation: 'CreateModel',
    input: { ModelName: name, ...pick(definition, MODEL_MEMBERS), ...writableTags(tags) },
    alreadyDone: 'exists',
  };
}

/** An endpoint using a configuration being replaced, as DescribeEndpoint reported it before the change. */
export const servingEndpointSchema = z.object({
  EndpointName: z.string(),
  EndpointConfigName: z.string(),
  EndpointStatus: z.optional(z.string()),
});
export type ServingEndpoint = z.infer<typeof servingEndpointSchema>;

/**
 * An endpoint the state machine watches: `config`, the copy it must run after the move; `from`, the
 * configuration it ran before, which it must run again after a move back (or still runs after an
 * update that failed: SageMaker keeps the old fleet serving).
 */
// A type, not an interface: ChangeEngine.watched returns plain string records.
export type WatchedEndpoint = { readonly endpoint: string; readonly config: string; readonly from: string };

export const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** UpdateEndpoint to `to`, sent only while the endpoint still runs `from` (a step run twice moves nothing twice). */
export function moveEndpoint(endpoint: string, to: string, from: string): SageMakerRequest {
  return {
    operation: 'UpdateEndpoint',
    input: { EndpointName: endpoint, EndpointConfigName: to },
    onlyIf: {
      read: { operation: 'DescribeEndpoint', input: { EndpointName: endpoint } },
      member: 'EndpointConfigName',
      equals: from,
    },
  };
}

/** Conditions: each endpoint runs the configuration given for it (a deletion waits until all are back). */
export function endpointsOn(
  endpoints: ReadonlyArray<{ readonly endpoint: string; readonly config: string }>,
): RequestCondition[] {
  return endpoints.map(({ endpoint, config }) => ({
    read: { operation: 'DescribeEndpoint', input: { EndpointName: endpoint } },
    member: 'EndpointConfigName',
    equals: config,
  }));
}

/** A deletion (gone already: done), sent only while every condition holds (none: at once). */
export function deletion(
  operation: 'DeleteEndpointConfig' | 'DeleteModel',
  name: string,
  conditions: readonly RequestCondition[] = [],
): SageMakerRequest {
  return {
    operation,
    input: operation === 'DeleteModel' ? { ModelName: name } : { EndpointConfigName: name },
    alreadyDone: 'not-found',
    ...(conditions.length > 0 ? { onlyIf: conditions } : {}),
  };
}

/** Runs `read` over `items`, a few at a time, in order. */
async function readEach<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += READ_CONCURRENCY) {
    results.push(...(await Promise.all(items.slice(index, index + READ_CONCURRENCY).map(read))));
  }
  return results;
}

/** Every page of a List call, as the names it gives. */
export async function listNames(
  list: (nextToken: string | undefined) => Promise<{ names: string[]; nextToken?: string | undefined }>,
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await list(nextToken);
    names.push(...answer.names);
    nextToken = answer.nextToken;
    if (!nextToken) return names;
  }
  throw new Error(`more than ${MAX_PAGES} pages of ${MAX_PAGES} resources: too many to read before a change`);
}

/**
 * The endpoints running one of `configNames`: ListEndpoints has no filter on the configuration, so
 * every endpoint is described. Failed ones are left out (only DeleteEndpoint works on them), and so
 * are those being deleted; one that disappears meanwhile is skipped.
 */
export async function endpointsServing(
  sagemaker: SageMaker,
  configNames: readonly string[],
): Promise<ServingEndpoint[]> {
  const names = await listNames(async (nextToken) => {
    const page = await sagemaker.send(
      new ListEndpointsCommand({ MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    return {
      names: (page.Endpoints ?? []).flatMap((endpoint) =>
        endpoint.EndpointName ? [endpoint.EndpointName] : [],
      ),
      nextToken: page.NextToken,
    };
  });
  const described = await readEach(names, async (name) => {
    try {
      return await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
  });
  const serving = described.flatMap((endpoint) => {
    const config = endpoint?.EndpointConfigName;
    if (!endpoint?.EndpointName || !config) return [];
    if (!configNames.some((name) => sameName(name, config))) return [];
    if (endpoint.EndpointStatus === 'Failed' || endpoint.EndpointStatus === 'Deleting') return [];
    return [
      {
        EndpointName: endpoint.EndpointName,
        EndpointConfigName: config,
        ...(endpoint.EndpointStatus ? { EndpointStatus: endpoint.EndpointStatus } : {}),
      },
    ];
  });
  // In name order: the approval request and the snapshot do not depend on the listing's order.
  return serving.sort((a, b) => a.EndpointName.localeCompare(b.EndpointName));
}

/** Reads each of `names` with `describe`, a few at a time; those gone meanwhile (or undefined) are left out. */
export async function describeEach<R>(
  names: readonly string[],
  describe: (name: string) => Promise<R | undefined>,
): Promise<R[]> {
  const described = await readEach(names, async (name) => {
    try {
      return await describe(name);
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
  });
  return described.filter((value): value is Awaited<R> & R => value !== undefined);
}

/** `a, b and 3 more`. */
export function listed(names: readonly string[]): string {
  const shown = names.slice(0, NAMED);
  const more = names.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The refusal when more endpoints would move than one plan watches. */
export function tooManyEndpoints(endpoints: readonly ServingEndpoint[]): string | undefined {
  if (endpoints.length <= MAX_MOVED_ENDPOINTS) return undefined;
  return `${endpoints.length} endpoints use it (${listed(endpoints.map((endpoint) => endpoint.EndpointName))}): one plan moves at most ${MAX_MOVED_ENDPOINTS}, so this one is left to you.`;
}
