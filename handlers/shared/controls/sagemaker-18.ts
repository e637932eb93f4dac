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
    `The online store key of feature group ${name} can only be set at creation. Create a new feature group with the same feature definitions and OnlineStoreConfig.SecurityConfig.KmsKeyId=<your customer-managed key>, copy the records over (ingest them again, or read the offline store and PutRecord), switch readers and writers to the new group, then delete ${name}. Moving data cannot be done safely without knowing its readers, so this is not automated.`,
});
