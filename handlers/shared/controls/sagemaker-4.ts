/**
 * SageMaker.4: Endpoint production variant has an initial instance count of 1 or less.
 * Serverless variants are exempt: the check looks at instance-based variants only.
 */
import { type Description, defineControl } from './control-module.js';
import { APPROVAL_MODES, REPLACE_ENDPOINT_CONFIG_CALLS } from './engine-calls.js';

type Variant = Readonly<Record<string, unknown>>;

const isInstanceBased = (variant: Variant): boolean => variant.ServerlessConfig === undefined;

/** Instance-based production variants: serverless ones (ServerlessConfig) have no instance count. */
export function instanceVariants(description: Readonly<Record<string, unknown>>): Variant[] {
  const variants = Array.isArray(description.ProductionVariants)
    ? (description.ProductionVariants as Variant[])
    : [];
  return variants.filter(isInstanceBased);
}

/** The fewest instances an instance-based variant may start with to pass. */
export const MINIMUM_INSTANCES = 2;

/** The definition with every instance-based variant on at least MINIMUM_INSTANCES (serverless ones as they are). */
export function withMinimumInstances(description: Description): Description {
  if (!Array.isArray(description.ProductionVariants)) return description;
  return {
    ...description,
    ProductionVariants: (description.ProductionVariants as Variant[]).map((variant) =>
      isInstanceBased(variant)
        ? {
            ...variant,
            InitialInstanceCount: Math.max(MINIMUM_INSTANCES, Number(variant.InitialInstanceCount ?? 0)),
          }
        : variant,
    ),
  };
}

export const sageMaker4 = defineControl({
  id: 'SageMaker.4',
  title: 'Endpoint production variant has an initial instance count of 1 or less',
  kind: 'endpoint-config',
  severity: 'MEDIUM',
  checks: 'ProductionVariants[].InitialInstanceCount',
  fails: ({ description }) =>
    instanceVariants(description).some(
      (variant) => Number(variant.InitialInstanceCount ?? 0) < MINIMUM_INSTANCES,
    ),
  fix: {
    strategy: 'recreate',
    engine: 'replace-endpoint-config',
    modes: APPROVAL_MODES,
    change:
      'A new endpoint configuration with InitialInstanceCount of at least 2 for every instance-based variant (serverless variants are exempt), UpdateEndpoint for each endpoint using the old one, then delete the old configuration once unused. Doubling a variant doubles its instance cost.',
    calls: REPLACE_ENDPOINT_CONFIG_CALLS,
    apply: withMinimumInstances,
  },
  guidance: (name) =>
    `Endpoint configurations are immutable: create a copy of ${name} with InitialInstanceCount of at least 2 for every instance-based variant, call UpdateEndpoint for every endpoint that uses ${name}, then delete ${name} once no endpoint uses it. The extra instances cost as much as the first.`,
});
