/**
 * SageMaker.23: Inference experiment storage is not encrypted with a KMS key.
 * The storage key is set only at creation and a new experiment restarts the test: guidance, naming
 * the endpoint and the model variants of the experiment when planning read them.
 */
import { defineControl, memberAt } from './control-module.js';

/** At most this many variant names in the steps (an experiment compares a few). */
const NAMED_VARIANTS = 3;

/** The experiment's variants as `VariantName (ModelName)`, as DescribeInferenceExperiment lists them. */
function variantsOf(description: unknown): string[] {
  const variants = memberAt(description, 'ModelVariants');
  if (!Array.isArray(variants)) return [];
  return variants.flatMap((variant) => {
    const name = memberAt(variant, 'VariantName');
    const model = memberAt(variant, 'ModelName');
    if (typeof name !== 'string') return [];
    return [typeof model === 'string' ? `${name} (${model})` : name];
  });
}

export const sageMaker23 = defineControl({
  id: 'SageMaker.23',
  title: 'Inference experiment storage is not encrypted with a KMS key',
  kind: 'inference-experiment',
  severity: 'MEDIUM',
  checks: 'KmsKey',
  fails: ({ description }) => typeof description.KmsKey !== 'string' || description.KmsKey === '',
  fix: { strategy: 'guidance' },
  // The note names the experiment before the steps: they name what it runs on instead.
  guidance: (_name, description) => {
    const endpoint = memberAt(description, 'EndpointMetadata.EndpointName');
    const variants = variantsOf(description);
    const more = variants.length - NAMED_VARIANTS;
    const on = typeof endpoint === 'string' ? `endpoint ${endpoint}` : 'the same endpoint';
    const named =
      variants.length === 0
        ? 'the same model variants'
        : `the variants ${variants.slice(0, NAMED_VARIANTS).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    return `Its storage key is set only at creation: stop it if running, create a new one on ${on} with ${named}, the same schedule and KmsKey=<your KMS key>, then start it (the shadow test starts over).`;
  },
});
