/**
 * The command an operator runs to bring back a notebook that the workflow deleted and could not recreate
 * (docs/restore.md), and the snapshot URI it takes. The failure note carries the command, so it is as
 * short as it can be: the snapshot's S3 URI says everything else (configuration.json records the restore
 * lifecycle configuration), except, for a resource outside the deployment's account or Region, where it
 * is and which role acts there ({@link placementOptions}). The restore tool parses the URI with
 * {@link parseSnapshotUri}: writer and reader of the note's one argument live here together.
 */
import { partitionOf } from './finding-event.js';
import { MEMBER_ROLE_PATH, type MemberRoleSettings } from './member-access.js';
import { bucketNameProblem, NOTEBOOK_ROLE_SESSION_NAME } from './notebook-backup-layout.js';
import { SAGEMAKER_NAME_PATTERN } from './notebook-recreation.js';

/** How the command starts, from the repository root. */
export const RESTORE_TOOL = 'npx tsx bin/restore-notebook.ts';

/** `s3://<bucket>/<snapshot prefix>`. */
export function snapshotUri(bucket: string, snapshotPrefix: string): string {
  return `s3://${bucket}/${snapshotPrefix}`;
}

/** An account and a Region. */
export interface AccountRegion {
  readonly accountId: string;
  readonly region: string;
}

/** Where the snapshot's resource is, and where the deployment that wrote the note is. */
export interface RestorePlacement {
  readonly resource: AccountRegion;
  readonly deployment: AccountRegion;
  /**
   * The deployment's `members` settings: for another account, --role-arn names that account's restore
   * role (the member stack's, {@link restoreRoleArn}). Absent only where the settings are not known (the
   * tools' own refusals): --role-arn is then {@link OPERATOR_ROLE_PLACEHOLDER}.
   */
  readonly members?: Pick<MemberRoleSettings, 'roleName'>;
}

/**
 * What the operator replaces in a printed --role-arn, a role they may assume in the resource's account:
 * where the settings are not known (the tools' own refusals), and in notes written before the member
 * stack had a restore role. The tools refuse it as it is.
 */
export const OPERATOR_ROLE_PLACEHOLDER = '<your-operator-role-there>';

/** Between `roleName` and the Region in a restore role's name: never in a member role's (`<roleName>-<region>`). */
export const RESTORE_ROLE_INFIX = '-restore-';

/**
 * The restore role the member stack deploys in each account and Region, `<roleName>-restore-<region>`
 * (under the member roles' path): what an operator of the administrator account assumes to run the
 * restore tools there. At most 64 characters: `roleName` is at most 41 (member-configuration.ts).
 */
export function restoreRoleName(settings: Pick<MemberRoleSettings, 'roleName'>, region: string): string {
  return `${settings.roleName}${RESTORE_ROLE_INFIX}${region}`;
}

export function restoreRoleArn(
  settings: Pick<MemberRoleSettings, 'roleName'>,
  target: AccountRegion,
): string {
  return `arn:${partitionOf(target.region)}:iam::${target.accountId}:role${MEMBER_ROLE_PATH}${restoreRoleName(settings, target.region)}`;
}

/**
 * The restore tools' options for a resource outside the deployment's account or Region: `--account` and
 * `--region` (the tool refuses when they disagree with the snapshot), and for another account
 * `--role-arn` naming the restore role there (the tool makes its calls as that role).
 */
export function placementOptions(where: RestorePlacement | undefined): string {
  if (!where) return '';
  const { resource, deployment } = where;
  const otherAccount = resource.accountId !== deployment.accountId;
  if (!otherAccount && resource.region === deployment.region) return '';
  const role = where.members
    ? restoreRoleArn(where.members, resource)
    : `arn:${partitionOf(resource.region)}:iam::${resource.accountId}:role/${OPERATOR_ROLE_PLACEHOLDER}`;
  return ` --account ${resource.accountId} --region ${resource.region}${otherAccount ? ` --role-arn ${role}` : ''}`;
}

/** `npx tsx bin/restore-notebook.ts --snapshot s3://<bucket>/<snapshot prefix> --wait [--account ...]`. */
export function restoreCommandFor(bucket: string, snapshotPrefix: string, where?: RestorePlacement): string {
  return `${RESTORE_TOOL} --snapshot ${snapshotUri(bucket, snapshotPrefix)} --wait${placementOptions(where)}`;
}

/** A snapshot's place in the backup bucket, taken apart. */
export interface SnapshotLocation {
  readonly bucket: string;
  /** `roles/<role id>:SageMaker/<notebook>/<snapshot id>`, without a trailing slash. */
  readonly snapshotPrefix: string;
  /** The notebook role's unique id (`AROA...`): the restore script finds its request under it. */
  readonly roleId: string;
  readonly notebookName: string;
  /** `<compact UTC time>-<execution name>`, as the snapshot handler names it. */
  readonly snapshotId: string;
}

/**
 * The snapshot prefix the snapshot handler writes: the role id as IAM gives it, the notebook name, and
 * `20261123T090000Z-<execution name>` (execution names are restore attempt ids too: 1-80 of
 * `[A-Za-z0-9_-]`).
 */
const SNAPSHOT_PREFIX = new RegExp(
  `^roles/(AROA[A-Z0-9]{1,124}):${NOTEBOOK_ROLE_SESSION_NAME}/([^/]+)/(\\d{8}T\\d{6}Z-[A-Za-z0-9_-]{1,80})$`,
);

/**
 * Reads `s3://<bucket>/<snapshot prefix>` (a trailing `/`, as the console copies a prefix, is accepted).
 * Returns the location, or why the text is not one (a sentence to follow the text in an error).
 */
export function parseSnapshotUri(text: string): SnapshotLocation | { readonly problem: string } {
  const expected = `expected s3://<bucket>/roles/<role id>:${NOTEBOOK_ROLE_SESSION_NAME}/<notebook>/<snapshot id>, as the finding note gives it`;
  if (!text.startsWith('s3://')) return { problem: `is not an s3:// URI: ${expected}` };
  const rest = text.slice('s3://'.length).replace(/\/$/, '');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem)
    return { problem: `names bucket '${bucket}', which is not an S3 bucket name: it ${bucketProblem}` };
  const snapshotPrefix = slash < 0 ? '' : rest.slice(slash + 1);
  const match = SNAPSHOT_PREFIX.exec(snapshotPrefix);
  if (!match) return { problem: `does not name a snapshot: ${expected}` };
  const [, roleId = '', notebookName = '', snapshotId = ''] = match;
  if (notebookName.length > 63 || !SAGEMAKER_NAME_PATTERN.test(notebookName)) {
    return { problem: `names notebook '${notebookName}', which is not a notebook instance name` };
  }
  return { bucket, snapshotPrefix, roleId, notebookName, snapshotId };
}
