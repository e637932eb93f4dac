/**
 * SageMaker.7: Image is not tagged.
 * The Security Hub check fails a resource without tags, or without the keys given as its parameter.
 */
import { defineControl, lacksRequiredTags } from './control-module.js';
import { AUTO_MODES, addRequiredTagsCalls } from './engine-calls.js';

export const sageMaker7 = defineControl({
  id: 'SageMaker.7',
  title: 'Image is not tagged',
  kind: 'image',
  severity: 'LOW',
  checks: 'Tags',
  fails: ({ tags }, { requiredTagKeys }) => lacksRequiredTags(tags ?? [], requiredTagKeys),
  needsTags: true,
  fix: {
    strategy: 'in-place',
    engine: 'add-required-tags',
    modes: AUTO_MODES,
    change:
      'AddTags with the tags this deployment requires (requiredTags in cdk.json); existing tags are kept.',
    calls: addRequiredTagsCalls('image'),
  },
  guidance: (name) =>
    `Add the tags your organisation requires to image ${name} with AddTags (or set requiredTags in this deployment's configuration so that it adds them).`,
});
