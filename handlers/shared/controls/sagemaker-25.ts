/**
 * SageMaker.25: Model quality job definition does not enable network isolation.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker25 = defineControl({
  id: 'SageMaker.25',
  title: 'Model quality job definition does not enable network isolation',
  kind: 'model-quality-job-definition',
  severity: 'HIGH',
  ...jobDefinitionNetworkControl('model-quality-job-definition', 'EnableNetworkIsolation'),
});
