/**
 * SageMaker.23: Inference experiment storage is not encrypted with a KMS key.
 * The storage key is set only at creation and a new experiment restarts the test: guidance.
 */
import { defineControl } from './control-module.js';

export const sageMaker23 = defineControl({
  id: 'SageMaker.23',
  title: 'Inference experiment storage is not encrypted with a KMS key',
  kind: 'inference-experiment',
  severity: 'MEDIUM',
  checks: 'KmsKey',
  fails: ({ description }) => typeof description.KmsKey !== 'string' || description.KmsKey === '',
  fix: { strategy: 'guidance' },
  guidance: (name) =>
    `The storage key of inference experiment ${name} can only be set at creation: stop ${name} if it is running, then create a new inference experiment with the same endpoint, model variants and schedule and KmsKey=<your customer-managed key>, and start it. The shadow test starts over.`,
});
