/**
 * SageMaker.9: Data quality job definition does not encrypt inter-container traffic.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker9 = defineControl({
  id: 'SageMaker.9',
  title: 'Data quality job definition does not encrypt inter-container traffic',
  kind: 'data-quality-job-definition',
  severity: 'MEDIUM',
  ...jobDefinitionNetworkControl('data-quality-job-definition', 'EnableInterContainerTrafficEncryption'),
});
