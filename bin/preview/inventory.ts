/**
 * What the preview reads from the account: every resource of every kind a control checks, with its
 * Describe output, and its tags where they matter (the exemption tag of a failing resource, the tags
 * SageMaker.6 and .7 check). The endpoints are read only when a failing endpoint configuration or
 * model would move some. No SDK here: the reader (account-reader.ts) makes the calls.
 */
import type {
  ControlContext,
  ControlModule,
  Description,
} from '../../handlers/shared/controls/control-module.js';
import { CONTROL_MODULES } from '../../handlers/shared/controls/registry.js';
import { type ResourceKind, resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import type { SageMakerReader } from './account-reader.js';
import { LISTINGS, PREVIEWED_KINDS } from './read-calls.js';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export interface ObservedAccountResource {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly arn: string;
  readonly description: Description;
  /** Read for the kinds whose controls check tags, and for every failing resource. */
  readonly tags?: readonly Tag[];
}

export interface ObservedEndpoint {
  readonly name: string;
  readonly configName?: string;
}

export interface AccountInventory {
  readonly accountId: string;
  readonly region: string;
  /** How many resources of each kind were read. */
  readonly counts: Readonly<Partial<Record<ResourceKind, number>>>;
  readonly resources: readonly ObservedAccountResource[];
  readonly endpoints: readonly ObservedEndpoint[];
}

/** The controls a resource fails as observed (a tag control only once its tags are read). */
export function failingModules(
  resource: Pick<ObservedAccountResource, 'kind' | 'description' | 'tags'>,
  context: ControlContext,
): ControlModule[] {
  return CONTROL_MODULES.filter(
    (module: ControlModule) =>
      module.kind === resource.kind &&
      (!module.needsTags || resource.tags !== undefined) &&
      module.fails(
        { description: resource.description, ...(resource.tags ? { tags: resource.tags } : {}) },
        context,
      ),
  );
}

const TAG_KINDS = new Set<ResourceKind>(
  CONTROL_MODULES.filter((module: ControlModule) => module.needsTags).map((module) => module.kind),
);

/** The kinds whose fix moves endpoints (UpdateEndpoint), so the preview names them. */
const ENDPOINT_KINDS = new Set<ResourceKind>(['endpoint-config', 'model']);

/** The resource's ARN as its Describe output gives it (`<Kind>Arn`, or `Arn`). */
export function arnIn(kind: ResourceKind, description: Description): string | undefined {
  const marker = `:${resourceKind(kind).arnType}/`;
  return Object.entries(description)
    .filter(([member]) => member.endsWith('Arn'))
    .map(([, value]) => value)
    .find((value): value is string => typeof value === 'string' && value.includes(marker));
}

/** Runs `work` over `items`, at most `limit` at a time, keeping their order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A few calls at a time: quick on a large account, yet far from SageMaker's Describe rate limits. */
const CONCURRENCY = 4;

export async function collectInventory(
  reader: SageMakerReader,
  where: { readonly accountId: string; readonly region: string },
  context: ControlContext,
): Promise<AccountInventory> {
  const counts: Partial<Record<ResourceKind, number>> = {};
  const resources: ObservedAccountResource[] = [];
  for (const kind of PREVIEWED_KINDS) {
    const names = await reader.names(LISTINGS[kind]);
    const observed = await mapLimited(names, CONCURRENCY, async (name) => {
      const description = await reader.describe(kind, name);
      if (!description) return undefined;
      const arn = arnIn(kind, description) ?? '';
      const untagged = { kind, name, arn, description };
      const needsTags = TAG_KINDS.has(kind) || failingModules(untagged, context).length > 0;
      return needsTags && arn ? { ...untagged, tags: await reader.tags(arn) } : untagged;
    });
    const present = observed.filter((resource) => resource !== undefined);
    counts[kind] = present.length;
    resources.push(...present);
  }
  const movesEndpoints = resources.some(
    (resource) => ENDPOINT_KINDS.has(resource.kind) && failingModules(resource, context).length > 0,
  );
  const endpoints = movesEndpoints ? await readEndpoints(reader) : [];
  return { ...where, counts, resources, endpoints };
}

async function readEndpoints(reader: SageMakerReader): Promise<ObservedEndpoint[]> {
  const names = await reader.endpointNames();
  const described = await mapLimited(names, CONCURRENCY, async (name) => {
    const description = await reader.describeEndpoint(name);
    if (!description) return undefined;
    const configName = description.EndpointConfigName;
    return { name, ...(typeof configName === 'string' ? { configName } : {}) };
  });
  return described.filter((endpoint) => endpoint !== undefined);
}
