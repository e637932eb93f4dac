/**
 * SageMaker.25: Model quality job definition does not enable network isolation.
 */
import { defineControl, memberAt } from './control-module.js';
import { APPROVAL_MODES, recreateJobDefinitionCalls } from './engine-calls.js';

export const sageMaker25 = defineControl({
  id: 'SageMaker.25',
  title: 'Model quality job definition does not enable network isolation',
  kind: 'model-quality-job-definition',
  severity: 'HIGH',
  checks: 'NetworkConfig.EnableNetworkIsolation',
  fails: ({ description }) => memberAt(description, 'NetworkConfig.EnableNetworkIsolation') !== true,
  fix: {
    strategy: 'recreate',
    engine: 'recreate-job-definition',
    modes: APPROVAL_MODES,
    change:
      'Create the definition again under a new name with NetworkConfig.EnableNetworkIsolation=true (and the sibling controls of the same definition fixed with it), move every monitoring schedule that uses it over with UpdateMonitoringSchedule, then delete the old definition.',
    calls: recreateJobDefinitionCalls('model-quality-job-definition'),
  },
  guidance: (name) =>
    `Job definitions cannot be updated: create a copy of model quality job definition ${name} with NetworkConfig.EnableNetworkIsolation=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
});
