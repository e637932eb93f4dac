/**
 * SageMaker.24: Inference experiment data capture is not encrypted with a KMS key.
 */
import { defineControl, memberAt } from './control-module.js';
import { APPROVAL_MODES, UPDATE_INFERENCE_EXPERIMENT_CALLS } from './engine-calls.js';

export const sageMaker24 = defineControl({
  id: 'SageMaker.24',
  title: 'Inference experiment data capture is not encrypted with a KMS key',
  kind: 'inference-experiment',
  severity: 'MEDIUM',
  checks: 'DataStorageConfig.KmsKey',
  fails: ({ description }) => typeof memberAt(description, 'DataStorageConfig.KmsKey') !== 'string',
  fix: {
    strategy: 'in-place',
    engine: 'update-inference-experiment',
    modes: APPROVAL_MODES,
    change:
      'UpdateInferenceExperiment with DataStorageConfig.KmsKey set to the configured key (dataCaptureKmsKeyId), while the experiment is Created or Running: the data captured from then on is encrypted with it.',
    calls: UPDATE_INFERENCE_EXPERIMENT_CALLS,
  },
  guidance: (name) =>
    `Call UpdateInferenceExperiment on ${name} with DataStorageConfig.KmsKey set to a customer-managed key, while it is Created or Running.`,
});
