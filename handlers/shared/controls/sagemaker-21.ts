/**
 * SageMaker.21: Notebook instance volume is not encrypted with a customer-managed KMS key.
 */
import { defineControl } from './control-module.js';
import { RECREATE_MODES, RECREATE_NOTEBOOK_CALLS } from './engine-calls.js';

export const sageMaker21 = defineControl({
  id: 'SageMaker.21',
  title: 'Notebook instance volume is not encrypted with a customer-managed KMS key',
  kind: 'notebook-instance',
  severity: 'MEDIUM',
  checks: 'KmsKeyId',
  fails: ({ description }) => typeof description.KmsKeyId !== 'string' || description.KmsKeyId === '',
  fix: {
    strategy: 'recreate',
    engine: 'recreate-notebook',
    modes: RECREATE_MODES,
    change: 'Recreate the notebook with the configured customer-managed KMS key on its volume.',
    calls: RECREATE_NOTEBOOK_CALLS,
  },
  guidance: (name) =>
    `The KMS key can only be set at creation: recreate notebook instance ${name} with KmsKeyId set to a customer-managed key, after copying the data on /home/ec2-user/SageMaker to S3.`,
});
