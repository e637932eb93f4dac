/**
 * replace-endpoint-config (SageMaker.4): an endpoint configuration cannot be changed, so a copy with
 * every instance-based variant on at least two instances (serverless variants as they are; every
 * other member and tag kept) is created under a new name, each endpoint using the old configuration
 * is moved to it with UpdateEndpoint (without RetainAllVariantProperties, so the endpoint runs the
 * copy's counts), and the old configuration is deleted once every moved endpoint runs the copy. The
 * steps, and how `restore` works from each point, are in endpoint-replacement.ts.
 *
 * A failed UpdateEndpoint rolls back: SageMaker keeps the old fleet serving, on the old configuration.
 * So the state machine checks each endpoint's EndpointConfigName once it is InService again, and
 * counts an endpoint still (or back) on the old configuration as a failure.
 */

import * as z from 'zod/mini';
import type { Description } from '../controls/control-module.js';
import { instanceVariants, withMinimumInstances } from '../controls/sagemaker-4.js';
import type { ResourceSnapshot } from '../resource-snapshot.js';
import type { ChangeEngine } from './change-engine.js';
import {
  arnNamed,
  createEndpointConfig,
  deletion,
  endpointsOn,
  endpointsServing,
  listed,
  moveEndpoint,
  replacementName,
  servingEndpointSchema,
  tooManyEndpoints,
  type WatchedEndpoint,
} from './endpoint-replacement.js';
import { fixedDescription } from './fixed-description.js';
import type { SageMakerRequest } from './sagemaker-requests.js';

export const ENGINE = 'replace-endpoint-config';

const variantCountSchema = z.object({
  VariantName: z.string(),
  InstanceType: z.optional(z.string()),
  before: z.number(),
  after: z.number(),
});

const relatedSchema = z.object({
  replacementName: z.string(),
  endpoints: z.array(servingEndpointSchema),
  /** The instance-based variants whose count the copy raises (for the approval request). */
  raised: z.array(variantCountSchema),
});
type Related = z.infer<typeof relatedSchema>;

function relatedOf(related: Readonly<Record<string, unknown>>): Related {
  const parsed = relatedSchema.safeParse(related);
  if (!parsed.success) throw new Error('the snapshot does not list the endpoints that use the configuration');
  return parsed.data;
}

function configName(description: Description): string {
  const name = description.EndpointConfigName;
  if (typeof name !== 'string' || name === '') throw new Error('the snapshot has no EndpointConfigName');
  return name;
}

/** The variants the copy starts on more instances, with their counts before and after. */
function raisedVariants(description: Description): z.infer<typeof variantCountSchema>[] {
  const after = instanceVariants(withMinimumInstances(description));
  return instanceVariants(description).flatMap((variant, index) => {
    const before = Number(variant.InitialInstanceCount ?? 0);
    const raised = Number(after[index]?.InitialInstanceCount ?? before);
    if (raised === before) return [];
    return [
      {
        VariantName: String(variant.VariantName),
        ...(typeof variant.InstanceType === 'string' ? { InstanceType: variant.InstanceType } : {}),
        before,
        after: raised,
      },
    ];
  });
}

function requestsOf(snapshot: ResourceSnapshot, step: string): SageMakerRequest[] {
  const oldName = configName(snapshot.description);
  const { replacementName: newName, endpoints } = relatedOf(snapshot.related);
  const names = endpoints.map((endpoint) => endpoint.EndpointName);
  const moveBack = names.map((endpoint) => moveEndpoint(endpoint, oldName, newName));
  // Retired already, or not: either way it is there before anything moves back to it.
  const recreateOld = createEndpointConfig(oldName, snapshot.description, snapshot.tags);
  switch (step) {
    case 'create':
      return [
        createEndpointConfig(newName, fixedDescription(snapshot.description, snapshot.fixes), snapshot.tags),
      ];
    case 'move':
      return names.map((endpoint) => moveEndpoint(endpoint, newName, oldName));
    case 'retire':
      return [deletion('DeleteEndpointConfig', oldName)];
    case 'move-back':
      return [recreateOld, ...moveBack];
    case 'restore':
      return [
        recreateOld,
        ...moveBack,
        // Only once every endpoint is back on the old one (none still updating away from the copy).
        deletion(
          'DeleteEndpointConfig',
          newName,
          endpointsOn(names.map((endpoint) => ({ endpoint, config: oldName }))),
        ),
      ];
    default:
      throw new Error(`${ENGINE} has no step ${step}`);
  }
}

/** The cost consequence, with the endpoints and the counts before and after. */
function costSentence(raised: Related['raised'], endpoints: readonly string[]): string {
  if (raised.length === 0) return '';
  const counts = raised
    .map(
      (variant) =>
        `variant ${variant.VariantName}${variant.InstanceType ? ` (${variant.InstanceType})` : ''} from ${variant.before} to ${variant.after} instances`,
    )
    .join(', ');
  return endpoints.length === 0
    ? `Cost: the copy raises ${counts}; no endpoint uses it now, so nothing costs more until one does.`
    : `Cost: on ${listed(endpoints)}, ${counts}. Each extra instance costs as much as the first: a variant on 2 instances instead of 1 costs twice as much.`;
}

export const replaceEndpointConfig: ChangeEngine = {
  steps: ['create', 'move', 'retire', 'move-back', 'restore'],
  related: async (sagemaker, description) => ({
    replacementName: replacementName(ENGINE, configName(description), description),
    endpoints: await endpointsServing(sagemaker, [configName(description)]),
    raised: raisedVariants(description),
  }),
  requests: requestsOf,
  target: (snapshot) => {
    const name = relatedOf(snapshot.related).replacementName;
    return { name, arn: arnNamed(snapshot.arn, name) };
  },
  watched: (snapshot): WatchedEndpoint[] => {
    const { replacementName: config, endpoints } = relatedOf(snapshot.related);
    const from = configName(snapshot.description);
    return endpoints.map((endpoint) => ({ endpoint: endpoint.EndpointName, config, from }));
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
    if (names.length === 0) return 'No endpoint uses it.';
    return `Endpoints updated to the copy (${names.length}): ${list(names)}.`;
  },
  describeRelated: (related) => {
    const parsed = relatedSchema.safeParse(related);
    if (!parsed.success) return '';
    const { replacementName: name, endpoints, raised } = parsed.data;
    const names = endpoints.map((endpoint) => endpoint.EndpointName);
    const copy = `Endpoint configurations cannot be changed, so the copy is created as ${name} and the old one is deleted once no endpoint uses it.`;
    const moved =
      names.length === 0
        ? 'No endpoint uses this configuration now: nothing serving traffic changes.'
        : `${names.length === 1 ? 'The endpoint' : `The ${names.length} endpoints`} using it (${listed(names)}) move to the copy with UpdateEndpoint: SageMaker starts a new fleet, shifts traffic to it, then removes the old one (no availability loss); a failed update rolls back to the old configuration.`;
    return [copy, moved, costSentence(raised, names)].filter(Boolean).join(' ');
  },
};
