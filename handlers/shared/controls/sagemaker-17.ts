/**
 * SageMaker.17: Feature group offline store is not encrypted with a KMS key.
 * The key is set only at creation and the records must be migrated: guidance, not an automatic fix.
 */
import { defineControl, memberAt } from './control-module.js';

export const sageMaker17 = defineControl({
  id: 'SageMaker.17',
  title: 'Feature group offline store is not encrypted with a KMS key',
  kind: 'feature-group',
  severity: 'MEDIUM',
  checks: 'OfflineStoreConfig.S3StorageConfig.KmsKeyId',
  fails: ({ description }) =>
    memberAt(description, 'OfflineStoreConfig') !== undefined &&
    typeof memberAt(description, 'OfflineStoreConfig.S3StorageConfig.KmsKeyId') !== 'string',
  fix: { strategy: 'guidance' },
  guidance: (name) =>
    `The offline store key is set only at creation: create a feature group with the same feature definitions and OfflineStoreConfig.S3StorageConfig.KmsKeyId=<your KMS key>, ingest the records of ${name} into it, move its readers and writers to it, then delete the old group.`,
});
