/**
 * SageMaker.10: Model explainability job definition does not encrypt inter-container traffic.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker10 = defineControl({
  id: 'SageMaker.10',
  title: 'Model explainability job definition does not encrypt inter-container traffic',
  kind: 'model-explainability-job-definition',
  severity: 'MEDIUM',
  ...jobDefinitionNetworkControl(
    'model-explainability-job-definition',
    'EnableInterContainerTrafficEncryption',
  ),
});
