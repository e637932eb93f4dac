/**
 * SageMaker.11: Data quality job definition does not enable network isolation.
 */
import { defineControl } from './control-module.js';
import { jobDefinitionNetworkControl } from './job-definition-network.js';

export const sageMaker11 = defineControl({
  id: 'SageMaker.11',
  title: 'Data quality job definition does not enable network isolation',
  kind: 'data-quality-job-definition',
  severity: 'MEDIUM',
  ...jobDefinitionNetworkControl('data-quality-job-definition', 'EnableNetworkIsolation'),
});
