/**
 * What the eight job-definition controls (SageMaker.9 to .13, .15, .20, .25) share: one NetworkConfig
 * flag of one kind of monitoring job definition, fixed by recreating the definition (no update call
 * exists) with the flag set. Each control's module names its kind and flag and keeps its own facts.
 */
import type { ObservedResource } from './control-module.js';
import { memberAt, withMember } from './control-module.js';
import { APPROVAL_MODES, recreateJobDefinitionCalls } from './engine-calls.js';
import { type ResourceKind, resourceKind } from './resource-kinds.js';

type JobDefinitionKind = Extract<ResourceKind, `${string}-job-definition`>;
type NetworkFlag = 'EnableNetworkIsolation' | 'EnableInterContainerTrafficEncryption';

const WHAT_IT_DOES: Readonly<Record<NetworkFlag, string>> = {
  EnableNetworkIsolation: 'its monitoring jobs run with no network access',
  EnableInterContainerTrafficEncryption: 'its monitoring jobs encrypt the traffic between their instances',
};

/** The control's field, predicate, fix and guidance for `flag` of a `kind` definition. */
export function jobDefinitionNetworkControl(
  kind: JobDefinitionKind,
  flag: NetworkFlag,
  /** A further condition of the check (SageMaker.15 only fails a definition on two or more instances). */
  onlyWhen: (resource: ObservedResource) => boolean = () => true,
) {
  const path = `NetworkConfig.${flag}`;
  const label = resourceKind(kind).label;
  return {
    checks: path,
    fails: (resource: ObservedResource) =>
      memberAt(resource.description, path) !== true && onlyWhen(resource),
    fix: {
      strategy: 'recreate',
      engine: 'recreate-job-definition',
      modes: APPROVAL_MODES,
      change: `A copy of the definition with ${path}=true replaces it: ${WHAT_IT_DOES[flag]}.`,
      calls: recreateJobDefinitionCalls(kind),
      apply: (description: Readonly<Record<string, unknown>>) => withMember(description, path, true),
    },
    guidance: (name: string) =>
      `Job definitions cannot be updated: create a copy of ${label} ${name} with ${path}=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
  } as const;
}
