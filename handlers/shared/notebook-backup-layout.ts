/**
 * Where a notebook's snapshot lives in the backup bucket, and the manifest format the lifecycle
 * scripts write. Shared by the workflow (which writes requests and reads manifests), the lifecycle
 * scripts (which follow the same layout in bash), the restore tool and the simulated account.
 *
 * Layout, under `roles/<role id>:SageMaker/`: the notebook's role may only touch keys under its own
 * `${aws:userid}` (the role id and the session name SageMaker uses), which the bucket policy enforces
 * without knowing any notebook in advance.
 *
 *   roles/<role id>:SageMaker/<notebook>/backup-request.json          what the backup script must do
 *   roles/<role id>:SageMaker/<notebook>/restore-request.json         what the restore script must do
 *   roles/<role id>:SageMaker/<notebook>/<snapshot id>/configuration.json   written by the workflow
 *   roles/<role id>:SageMaker/<notebook>/<snapshot id>/data/<path>          one object per file
 *   roles/<role id>:SageMaker/<notebook>/<snapshot id>/data-manifest.json   written last by the backup
 *   roles/<role id>:SageMaker/<notebook>/<snapshot id>/restore-manifest.json written last by the restore
 */

import * as z from 'zod/mini';
import { describeIssues } from './validation.js';

/** The session name SageMaker uses when a notebook instance assumes its role. */
export const NOTEBOOK_ROLE_SESSION_NAME = 'SageMaker';

/** Version of the manifest and request formats below. */
export const BACKUP_FORMAT_VERSION = 1;

export function notebookPrefix(roleId: string, notebookName: string): string {
  return `roles/${roleId}:${NOTEBOOK_ROLE_SESSION_NAME}/${notebookName}`;
}

export function snapshotPrefix(roleId: string, notebookName: string, snapshotId: string): string {
  return `${notebookPrefix(roleId, notebookName)}/${snapshotId}`;
}

export const snapshotKeys = (prefix: string) => ({
  configuration: `${prefix}/configuration.json`,
  dataPrefix: `${prefix}/data/`,
  dataManifest: `${prefix}/data-manifest.json`,
  restoreManifest: `${prefix}/restore-manifest.json`,
});

export const requestKeys = (notebookPrefixValue: string) => ({
  backup: `${notebookPrefixValue}/backup-request.json`,
  restore: `${notebookPrefixValue}/restore-request.json`,
});

/** backup-request.json / restore-request.json: which snapshot the script works on. */
export interface BackupRequest {
  readonly version: typeof BACKUP_FORMAT_VERSION;
  /** The snapshot prefix, e.g. `roles/AROA...:SageMaker/research/20261123T090000Z-exec`. */
  readonly snapshotPrefix: string;
  /** The execution that asked, for the audit trail. */
  readonly requestedBy: string;
}

export interface ManifestFile {
  /** Path relative to /home/ec2-user/SageMaker, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the content. */
  readonly sha256: string;
}

/** data-manifest.json / restore-manifest.json. Files sorted by path; written after every file. */
export interface DataManifest {
  readonly version: typeof BACKUP_FORMAT_VERSION;
  readonly notebookName: string;
  /** ISO time the script finished. */
  readonly completedAt: string;
  readonly fileCount: number;
  readonly totalBytes: number;
  readonly files: readonly ManifestFile[];
}

const nonNegativeInt = z.int().check(z.gte(0));
const dataManifestSchema = z.object({
  version: z.literal(BACKUP_FORMAT_VERSION),
  notebookName: z.string().check(z.minLength(1)),
  completedAt: z.string(),
  fileCount: nonNegativeInt,
  totalBytes: nonNegativeInt,
  files: z.array(
    z.object({
      path: z.string().check(z.minLength(1)),
      bytes: nonNegativeInt,
      sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256')),
    }),
  ),
});

/** Parses a data or restore manifest; `what` names it in the error (e.g. "restore-manifest.json"). */
export function parseDataManifest(text: string, what: string): DataManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
  const parsed = dataManifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${what} is invalid: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

/**
 * Whether a restore reproduced the backup exactly: same paths, sizes and checksums, and each
 * manifest's fileCount matching its files.
 */
export function compareManifests(backup: DataManifest, restore: DataManifest): string[] {
  const problems: string[] = [];
  const restored = new Map(restore.files.map((file) => [file.path, file]));
  for (const file of backup.files) {
    const copy = restored.get(file.path);
    if (!copy) problems.push(`${file.path} was not restored`);
    else if (copy.sha256 !== file.sha256 || copy.bytes !== file.bytes) problems.push(`${file.path} differs`);
    restored.delete(file.path);
  }
  for (const extra of restored.keys()) problems.push(`${extra} was not in the backup`);
  if (backup.fileCount !== backup.files.length)
    problems.push('backup manifest fileCount does not match its files');
  if (restore.fileCount !== restore.files.length)
    problems.push('restore manifest fileCount does not match its files');
  return problems;
}

/** Why `name` is not a valid general purpose S3 bucket name, or undefined if it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return 'must use only lowercase letters, digits, dots and hyphens, and begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address';
  const prefix = ['xn--', 'sthree-', 'amzn-s3-demo-'].find((reserved) => name.startsWith(reserved));
  if (prefix) return `must not begin with the reserved prefix ${prefix}`;
  const suffix = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'].find((reserved) =>
    name.endsWith(reserved),
  );
  if (suffix) return `must not end with the reserved suffix ${suffix}`;
  return undefined;
}
