/**
 * Where a notebook's data goes when it is recreated, in its own account and Region: the member stack
 * (stacks/member-stack.ts) deploys there a bucket and the backup and restore lifecycle configurations,
 * named from the configuration alone, so the administrator deployment knows them for any target without
 * asking. The notebook's lifecycle scripts run as the notebook's own role, which may write a bucket of
 * its own account only (docs/organization.md): the data never leaves the account and Region.
 *
 * Pure (no SDK, no CDK): the stacks, the Lambdas and the simulation name the resources the same way.
 */
import { createHash } from 'node:crypto';
import type { MemberTarget } from './member-access.js';
import { bucketNameProblem } from './notebook-backup-layout.js';
import { SAGEMAKER_NAME_PATTERN } from './notebook-recreation.js';

export const DEFAULT_DATA_BUCKET_PREFIX = 'remediation-notebook-data';

/** The longest Region name (14 characters, `ap-southeast-5`): the bucket name must fit with it. */
export const LONGEST_REGION_LENGTH = 14;
/** A bucket name is at most 63 characters: `<prefix>-<12-digit account>-<region>`. */
export const MAX_DATA_BUCKET_PREFIX_LENGTH = 63 - 1 - 12 - 1 - LONGEST_REGION_LENGTH;

/** What the names derive from: the `members` configuration. */
export interface NotebookDataSettings {
  /** The member roles' name before `-<region>`: the lifecycle configurations are named after it. */
  readonly roleName: string;
  /** The data buckets' name before `-<account>-<region>`. */
  readonly dataBucketPrefix: string;
}

/** A target's notebook data resources (what the plan carries for the state machine). */
export interface NotebookDataPlacement {
  /** `<dataBucketPrefix>-<account>-<region>`, in the target's account and Region. */
  readonly bucket: string;
  /** Attached while the notebook's volume is copied to the bucket (OnStart). */
  readonly backupLifecycleConfigName: string;
  /** The recreated notebook is created with it, to copy the data back (OnCreate). */
  readonly restoreLifecycleConfigName: string;
}

/** The two lifecycle configurations the recreation attaches, by purpose (the name's suffix). */
export const LIFECYCLE_CONFIG_PURPOSES = {
  backup: 'backup-on-start',
  restore: 'restore-on-create',
} as const;

/** NotebookInstanceLifecycleConfigName: at most 63 characters of this pattern (CreateNotebookInstanceLifecycleConfig). */
export const LIFECYCLE_CONFIG_NAME_PATTERN = SAGEMAKER_NAME_PATTERN;
export const MAX_LIFECYCLE_CONFIG_NAME_LENGTH = 63;

/** `<prefix>-<account>-<region>`: one bucket per account and Region, its name known everywhere. */
export function notebookDataBucketName(prefix: string, target: MemberTarget): string {
  return `${prefix}-${target.accountId}-${target.region}`;
}

/** The target's bucket and lifecycle configurations, as its member stack names them. */
export function notebookDataPlacement(
  settings: NotebookDataSettings,
  target: MemberTarget,
): NotebookDataPlacement {
  return {
    bucket: notebookDataBucketName(settings.dataBucketPrefix, target),
    backupLifecycleConfigName: lifecycleConfigName(settings.roleName, LIFECYCLE_CONFIG_PURPOSES.backup),
    restoreLifecycleConfigName: lifecycleConfigName(settings.roleName, LIFECYCLE_CONFIG_PURPOSES.restore),
  };
}

/**
 * Why a data bucket prefix cannot make a bucket name in every account and Region (each reason a
 * sentence to follow the prefix), or none.
 */
export function dataBucketPrefixProblems(prefix: string): string[] {
  const problems: string[] = [];
  if (prefix.length > MAX_DATA_BUCKET_PREFIX_LENGTH) {
    problems.push(
      `must be at most ${MAX_DATA_BUCKET_PREFIX_LENGTH} characters: the bucket name <prefix>-<account>-<region> is at most 63 with the longest Region`,
    );
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(prefix)) {
    // No dots: a dotted bucket name does not match the wildcard certificate of virtual-hosted requests.
    problems.push('must use only lowercase letters, digits and hyphens, and begin with a letter or digit');
  }
  const problem = bucketNameProblem(
    notebookDataBucketName(prefix, { accountId: '123456789012', region: 'us-east-1' }),
  );
  if (problems.length === 0 && problem) problems.push(problem);
  return problems;
}

/**
 * `<base>-<purpose>`, unique per account and Region when the base is (lifecycle configurations are
 * regional). A base too long to fit is cut and followed by a hash of the whole base, so two long bases
 * sharing a start still get different names. Characters the pattern does not allow become hyphens.
 *
 * @throws if the result cannot satisfy the pattern (a purpose that is not alphanumeric and hyphens)
 */
export function lifecycleConfigName(base: string, purpose: string): string {
  if (!LIFECYCLE_CONFIG_NAME_PATTERN.test(purpose)) {
    throw new Error(
      `lifecycle configuration purpose '${purpose}' must match ${LIFECYCLE_CONFIG_NAME_PATTERN}`,
    );
  }
  const cleaned = base.replace(/[^a-zA-Z0-9-]/g, '-').replace(/^-+/, '');
  const suffix = `-${purpose}`;
  const whole = `${cleaned}${suffix}`;
  const name =
    cleaned.length > 0 && whole.length <= MAX_LIFECYCLE_CONFIG_NAME_LENGTH
      ? whole
      : `${cleaned.slice(0, MAX_LIFECYCLE_CONFIG_NAME_LENGTH - suffix.length - 9)}-${shortHash(base)}${suffix}`.replace(
          /^-+/,
          '',
        );
  if (name.length > MAX_LIFECYCLE_CONFIG_NAME_LENGTH || !LIFECYCLE_CONFIG_NAME_PATTERN.test(name)) {
    throw new Error(`cannot derive a lifecycle configuration name from '${base}'`);
  }
  return name;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
