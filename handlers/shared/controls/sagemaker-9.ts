/**
 * SageMaker.9: Data quality job definition does not encrypt inter-container traffic.
 */
import { defineControl, memberAt, withMember } from './control-module.js';
import { APPROVAL_MODES, recreateJobDefinitionCalls } from './engine-calls.js';

export const sageMaker9 = defineControl({
  id: 'SageMaker.9',
  title: 'Data quality job definition does not encrypt inter-container traffic',
  kind: 'data-quality-job-definition',
  severity: 'MEDIUM',
  checks: 'NetworkConfig.EnableInterContainerTrafficEncryption',
  fails: ({ description }) =>
    memberAt(description, 'NetworkConfig.EnableInterContainerTrafficEncryption') !== true,
  fix: {
    strategy: 'recreate',
    engine: 'recreate-job-definition',
    modes: APPROVAL_MODES,
    change:
      'A copy of the definition with NetworkConfig.EnableInterContainerTrafficEncryption=true replaces it: its monitoring jobs encrypt the traffic between their instances.',
    calls: recreateJobDefinitionCalls('data-quality-job-definition'),
    apply: (description) =>
      withMember(description, 'NetworkConfig.EnableInterContainerTrafficEncryption', true),
  },
  guidance: (name) =>
    `Job definitions cannot be updated: create a copy of data quality job definition ${name} with NetworkConfig.EnableInterContainerTrafficEncryption=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
});
