/**
 * SageMaker.5: Model does not enable network isolation.
 */
import { defineControl } from './control-module.js';
import { APPROVAL_MODES, REPLACE_MODEL_CALLS } from './engine-calls.js';

export const sageMaker5 = defineControl({
  id: 'SageMaker.5',
  title: 'Model does not enable network isolation',
  kind: 'model',
  severity: 'MEDIUM',
  checks: 'EnableNetworkIsolation',
  fails: ({ description }) => description.EnableNetworkIsolation !== true,
  fix: {
    strategy: 'recreate',
    engine: 'replace-model',
    modes: APPROVAL_MODES,
    change:
      'A new model with EnableNetworkIsolation=true, new endpoint configurations that use it and UpdateEndpoint for the endpoints serving the old model, then delete the old model once unused. An isolated container has no network: one that downloads anything at run time stops working.',
    calls: REPLACE_MODEL_CALLS,
    apply: (description) => ({ ...description, EnableNetworkIsolation: true }),
  },
  guidance: (name) =>
    `Models cannot be updated: create a copy of model ${name} with EnableNetworkIsolation=true, create endpoint configurations that use the copy, call UpdateEndpoint for every endpoint serving ${name}, then delete ${name}. Make sure the container needs no network access at run time first.`,
});
