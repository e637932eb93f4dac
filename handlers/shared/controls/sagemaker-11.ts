/**
 * SageMaker.11: Data quality job definition does not enable network isolation.
 */
import { defineControl, memberAt } from './control-module.js';
import { APPROVAL_MODES, recreateJobDefinitionCalls } from './engine-calls.js';

export const sageMaker11 = defineControl({
  id: 'SageMaker.11',
  title: 'Data quality job definition does not enable network isolation',
  kind: 'data-quality-job-definition',
  severity: 'MEDIUM',
  checks: 'NetworkConfig.EnableNetworkIsolation',
  fails: ({ description }) => memberAt(description, 'NetworkConfig.EnableNetworkIsolation') !== true,
  fix: {
    strategy: 'recreate',
    engine: 'recreate-job-definition',
    modes: APPROVAL_MODES,
    change:
      'Create the definition again under a new name with NetworkConfig.EnableNetworkIsolation=true (and the sibling controls of the same definition fixed with it), move every monitoring schedule that uses it over with UpdateMonitoringSchedule, then delete the old definition.',
    calls: recreateJobDefinitionCalls('data-quality-job-definition'),
  },
  guidance: (name) =>
    `Job definitions cannot be updated: create a copy of data quality job definition ${name} with NetworkConfig.EnableNetworkIsolation=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
});
