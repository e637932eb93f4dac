/**
 * The calls an approved change of a resource makes, worked out from its snapshot by the engine's own
 * module (handlers/shared/changes/): the state machine's ChangeResource steps, the roll-back and the
 * restore tool all use the same requests.
 */

import type { ChangeEngine } from './changes/change-engine.js';
import { recreateJobDefinition } from './changes/recreate-job-definition.js';
import { replaceEndpointConfig } from './changes/replace-endpoint-config.js';
import { replaceModel } from './changes/replace-model.js';
import type { SageMakerRequest } from './changes/sagemaker-requests.js';
import { updateInferenceExperiment } from './changes/update-inference-experiment.js';
import { updateMonitoringSchedule } from './changes/update-monitoring-schedule.js';
import { findControl } from './controls-catalogue.js';
import type { ResourceSnapshot } from './resource-snapshot.js';

/** The approval-gated engines' change modules, by engine name. */
export const CHANGE_ENGINES: Readonly<Record<string, ChangeEngine>> = {
  'update-monitoring-schedule': updateMonitoringSchedule,
  'recreate-job-definition': recreateJobDefinition,
  'replace-endpoint-config': replaceEndpointConfig,
  'replace-model': replaceModel,
  'update-inference-experiment': updateInferenceExperiment,
};

// Where the change modules take it from (changes/fixed-description.ts): kept here for existing imports.

/** The engine that changes a resource for these controls (they all share it: one plan, one engine). */
export function changeEngineFor(fixes: readonly string[]): {
  readonly name: string;
  readonly engine: ChangeEngine;
} {
  const names = [...new Set(fixes.map((id) => findControl(id)?.remediation?.name ?? 'none'))];
  const [name] = names;
  const engine = name ? CHANGE_ENGINES[name] : undefined;
  if (names.length !== 1 || !name || !engine)
    throw new Error(`no single change engine fixes ${fixes.join(', ')}`);
  return { name, engine };
}

/** The calls of one step of the change the snapshot was taken for. */
export function changeRequests(snapshot: ResourceSnapshot, step: string): readonly SageMakerRequest[] {
  const { name, engine } = changeEngineFor(snapshot.fixes);
  if (!engine.steps.includes(step))
    throw new Error(`${name} has no step ${step} (it has ${engine.steps.join(', ')})`);
  return engine.requests(snapshot, step);
}
