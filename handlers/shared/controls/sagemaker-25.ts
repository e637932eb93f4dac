/**
 * SageMaker.25: Model quality job definition does not enable network isolation.
 */
import { defineControl, memberAt, withMember } from './control-module.js';
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
      'A copy of the definition with NetworkConfig.EnableNetworkIsolation=true replaces it: its monitoring jobs run with no network access.',
    calls: recreateJobDefinitionCalls('model-quality-job-definition'),
    apply: (description) => withMember(description, 'NetworkConfig.EnableNetworkIsolation', true),
  },
  guidance: (name) =>
    `Job definitions cannot be updated: create a copy of model quality job definition ${name} with NetworkConfig.EnableNetworkIsolation=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
});
