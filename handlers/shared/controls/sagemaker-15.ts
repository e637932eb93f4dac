/**
 * SageMaker.15: Model bias job definition does not encrypt inter-container traffic.
 * Security Hub fails it only for a definition that runs on two or more instances (traffic between one instance and itself is not inter-container).
 */
import { defineControl, memberAt, withMember } from './control-module.js';
import { APPROVAL_MODES, recreateJobDefinitionCalls } from './engine-calls.js';

export const sageMaker15 = defineControl({
  id: 'SageMaker.15',
  title: 'Model bias job definition does not encrypt inter-container traffic',
  kind: 'model-bias-job-definition',
  severity: 'MEDIUM',
  checks: 'NetworkConfig.EnableInterContainerTrafficEncryption',
  fails: ({ description }) =>
    memberAt(description, 'NetworkConfig.EnableInterContainerTrafficEncryption') !== true &&
    Number(memberAt(description, 'JobResources.ClusterConfig.InstanceCount') ?? 1) >= 2,
  fix: {
    strategy: 'recreate',
    engine: 'recreate-job-definition',
    modes: APPROVAL_MODES,
    change:
      'A copy of the definition with NetworkConfig.EnableInterContainerTrafficEncryption=true replaces it: its monitoring jobs encrypt the traffic between their instances.',
    calls: recreateJobDefinitionCalls('model-bias-job-definition'),
    apply: (description) =>
      withMember(description, 'NetworkConfig.EnableInterContainerTrafficEncryption', true),
  },
  guidance: (name) =>
    `Job definitions cannot be updated: create a copy of model bias job definition ${name} with NetworkConfig.EnableInterContainerTrafficEncryption=true, point every monitoring schedule that uses it at the copy (UpdateMonitoringSchedule), then delete ${name}.`,
});
