/**
 * SageMaker.11: Data quality job definition does not enable network isolation.
 */
import { defineControl, memberAt, withMember } from './control-module.js';
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
      'A copy of the definition with NetworkConfig.EnableNetworkIsolation=true replaces it: its monitoring jobs run with no network access.',
    calls: recreateJobDefinitionCalls('data-quality-job-definition'),
    apply: (description) => withMember(description, 'NetworkConfig.EnableNetworkIsolation', true),
  },
  guidance: (name) =>
    `Job definitions cannot be updated: create a copy of data quality job definition ${name} with NetworkConfig.EnableNetworkIsolation=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
});
