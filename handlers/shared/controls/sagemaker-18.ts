/**
 * SageMaker.18: Feature group online store is not encrypted with a KMS key.
 * The key is set only at creation and the records must be migrated: guidance, not an automatic fix.
 */
import { defineControl, memberAt } from './control-module.js';

export const sageMaker18 = defineControl({
  id: 'SageMaker.18',
  title: 'Feature group online store is not encrypted with a KMS key',
  kind: 'feature-group',
  severity: 'MEDIUM',
  checks: 'OnlineStoreConfig.SecurityConfig.KmsKeyId',
  fails: ({ description }) =>
    memberAt(description, 'OnlineStoreConfig.EnableOnlineStore') === true &&
    typeof memberAt(description, 'OnlineStoreConfig.SecurityConfig.KmsKeyId') !== 'string',
  fix: { strategy: 'guidance' },
  guidance: (name) =>
    `The online store key is set only at creation: create a feature group with the same feature definitions and OnlineStoreConfig.SecurityConfig.KmsKeyId=<your KMS key>, ingest the records of ${name} into it, move its readers and writers to it, then delete the old group.`,
});
