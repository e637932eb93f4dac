/**
 * SageMaker.12: Model bias job definition does not enable network isolation.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker12 = defineControl({
  id: 'SageMaker.12',
  title: 'Model bias job definition does not enable network isolation',
  kind: 'model-bias-job-definition',
  severity: 'MEDIUM',
  ...jobDefinitionNetworkControl('model-bias-job-definition', 'EnableNetworkIsolation'),
});
