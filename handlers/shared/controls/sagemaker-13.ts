/**
 * SageMaker.13: Model quality job definition does not encrypt inter-container traffic.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker13 = defineControl({
  id: 'SageMaker.13',
  title: 'Model quality job definition does not encrypt inter-container traffic',
  kind: 'model-quality-job-definition',
  severity: 'MEDIUM',
  ...jobDefinitionNetworkControl('model-quality-job-definition', 'EnableInterContainerTrafficEncryption'),
});
