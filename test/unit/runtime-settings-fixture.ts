/** Runtime settings as a deployment hands them to the Lambdas, for unit tests. */
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { DEFAULT_TIMING, type RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { IN_PLACE_LOCK_SECONDS } from '../../handlers/shared/work-budget.js';

export const EXECUTION = {
  id: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
  name: 'run-1',
  // When the simulated clock starts: the approval came at once, so the whole work budget is left.
  startTime: '2026-11-23T09:00:00.000Z',
};

export function runtimeSettings(overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  return {
    accountId: '111122223333',
    region: 'eu-west-1',
    lockTableName: 'locks',
    modes: resolveModes(),
    exemptionTag: { key: 'securityhub-remediation', value: 'skip' },
    dryRun: false,
    requiredTags: {},
    timing: {
      ...DEFAULT_TIMING,
      pollDelaysSeconds: [...DEFAULT_TIMING.pollDelaysSeconds],
      maxPolls: DEFAULT_TIMING.pollDelaysSeconds.length,
      runStateRecoveryDelaysSeconds: [...DEFAULT_TIMING.runStateRecoveryDelaysSeconds],
      lifecycleRecoveryDelaysSeconds: [...DEFAULT_TIMING.lifecycleRecoveryDelaysSeconds],
      maxRunStateRecoveries: DEFAULT_TIMING.runStateRecoveryDelaysSeconds.length,
      maxLifecycleRecoveries: DEFAULT_TIMING.lifecycleRecoveryDelaysSeconds.length,
    },
    lockSeconds: IN_PLACE_LOCK_SECONDS,
    members: {
      roleName: 'SageMakerRemediationMember',
      stackSetName: 'sagemaker-remediation-members',
      dataBucketPrefix: DATA_BUCKET_PREFIX,
      linkedRegions: [],
    },
    ...overrides,
  };
}

/** The member stacks' data buckets: `<prefix>-<account>-<region>`. */
const DATA_BUCKET_PREFIX = 'remediation-backups';
/**
 * The notebook data bucket of the deployment's account and Region (its member stack's), which is also
 * the deployment's own snapshot bucket here (`recreate.backupBucket`), for the resource engines.
 */
export const BACKUP_BUCKET = `${DATA_BUCKET_PREFIX}-111122223333-eu-west-1`;
/** The member stack's restore lifecycle configuration (notebook-data-placement.ts), by its members role name. */
export const RESTORE_LIFECYCLE_CONFIG = 'SageMakerRemediationMember-restore-on-create';
export const TARGET_KMS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type RecreateSettings = NonNullable<RuntimeSettings['recreate']>;

/**
 * Settings of a deployment that recreates notebooks: the recreate controls in approval mode and a
 * target for the account and region with a private subnet, security group and KMS key.
 */
export function recreationSettings(recreate: Partial<RecreateSettings> = {}): RuntimeSettings {
  return runtimeSettings({
    modes: resolveModes({
      'SageMaker.1': 'approval',
      'SageMaker.2': 'approval',
      'SageMaker.8': 'approval',
      'SageMaker.21': 'approval',
    }),
    recreate: {
      targets: [
        {
          account: '111122223333',
          region: 'eu-west-1',
          subnetId: 'subnet-0private',
          securityGroupIds: ['sg-0notebooks'],
          kmsKeyId: TARGET_KMS_KEY,
        },
      ],
      backupBucket: BACKUP_BUCKET,
      approvalTableName: 'remediation-approvals',
      approvalTimeoutSeconds: 604800,
      acceptDataLoss: [],
      ...recreate,
    },
  });
}
