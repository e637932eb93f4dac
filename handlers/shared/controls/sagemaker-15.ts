/**
 * SageMaker.15: Model bias job definition does not encrypt inter-container traffic.
 * Security Hub fails it only for a definition that runs on two or more instances (traffic between one instance and itself is not inter-container).
 */
import { defineControl, memberAt } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker15 = defineControl({
  id: 'SageMaker.15',
  title: 'Model bias job definition does not encrypt inter-container traffic',
  kind: 'model-bias-job-definition',
  severity: 'MEDIUM',
  ...jobDefinitionNetworkControl(
    'model-bias-job-definition',
    'EnableInterContainerTrafficEncryption',
    (resource) =>
      Number(memberAt(resource.description, 'JobResources.ClusterConfig.InstanceCount') ?? 1) >= 2,
  ),
});
