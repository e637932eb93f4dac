/**
 * SageMaker.20: Model explainability job definition does not enable network isolation.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker20 = defineControl({
  id: 'SageMaker.20',
  title: 'Model explainability job definition does not enable network isolation',
  kind: 'model-explainability-job-definition',
  severity: 'HIGH',
  ...jobDefinitionNetworkControl('model-explainability-job-definition', 'EnableNetworkIsolation'),
});
