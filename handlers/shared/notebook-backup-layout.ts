/**
 * Where a notebook's snapshot lives in the backup bucket, and the formats the lifecycle scripts
 * (lifecycle/, in bash and python) write there. Shared by the workflow (which writes requests and reads
 * statuses and manifests), the restore tool and the simulated account. lifecycle/README.md describes
 * the scripts' side of it.
 *
 * Layout, under `roles/<role id>:SageMaker/`: the notebook's role may only touch keys under its own
 * `${aws:userid}` (the role id and the session name SageMaker uses), which the bucket policy enforces
 * without knowing any notebook in advance. N is `roles/<role id>:SageMaker/<notebook>`, S a snapshot
 * `N/<snapshot id>`:
 *
 *   N/backup-request.json              what the backup script must do ({@link BackupRequest})
 *   N/restore-request.json             what the restore script must do, with its attempt id A
 *   S/configuration.json               written by the workflow
 *   S/data/archive.tar                 the whole volume, one POSIX (pax) tar stream
 *   S/data/manifest.jsonl              one line per archive entry, sorted by path ({@link ManifestEntry})
 *   S/backup-status/complete           written LAST by the backup, only on success ({@link StatusSummary})
 *   S/backup-status/failed             written instead on failure: the reason, plain text, first line
 *   S/restores/A/manifest.jsonl        the volume restored by attempt A, walked by the backup's own code
 *   S/restores/A/status/complete       written LAST by restore attempt A ({@link StatusSummary})
 *   S/restores/A/status/failed         written instead on failure
 *
 * The workflow polls a status by listing its prefix ({@link statusOfListing}): exactly one of the two
 * keys once the script is done. A script never writes a status under a prefix that already holds one
 * (it cannot delete): a snapshot is backed up once; a restore is retried from the same snapshot under a
 * new attempt id ({@link restoreLayout}), and an attempt id already used is refused.
 */

import * as z from 'zod/mini';
import { describeIssues } from './validation.js';

/** The session name SageMaker uses when a notebook instance assumes its role. */
export const NOTEBOOK_ROLE_SESSION_NAME = 'SageMaker';

/** Version of the request and status formats below (the scripts refuse any other). */
export const BACKUP_FORMAT_VERSION = 2;

export function notebookPrefix(roleId: string, notebookName: string): string {
  return `roles/${roleId}:${NOTEBOOK_ROLE_SESSION_NAME}/${notebookName}`;
}

export function snapshotPrefix(roleId: string, notebookName: string, snapshotId: string): string {
  return `${notebookPrefix(roleId, notebookName)}/${snapshotId}`;
}

export const requestKeys = (notebookPrefixValue: string) => ({
  backup: `${notebookPrefixValue}/backup-request.json`,
  restore: `${notebookPrefixValue}/restore-request.json`,
});

/** The two status keys under one status prefix (which ends with a slash, ready for ListObjectsV2). */
export interface StatusKeys {
  readonly prefix: string;
  readonly complete: string;
  readonly failed: string;
}

function statusKeys(prefix: string): StatusKeys {
  return { prefix, complete: `${prefix}complete`, failed: `${prefix}failed` };
}

/** Every key of one snapshot (`prefix` is S, without a trailing slash). */
export function snapshotLayout(prefix: string) {
  return {
    configuration: `${prefix}/configuration.json`,
    archive: `${prefix}/data/archive.tar`,
    manifest: `${prefix}/data/manifest.jsonl`,
    backupStatus: statusKeys(`${prefix}/backup-status/`),
  } as const;
}

/** A restore request's attempt id: 1-80 of the characters of an execution name. */
export const RESTORE_ATTEMPT_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * One restore of a snapshot (the workflow's, or the restore tool's after it): each attempt has its
 * own manifest and status, so a failed restore can be tried again from the same snapshot.
 */
export function restoreLayout(prefix: string, attempt: string) {
  if (!RESTORE_ATTEMPT_PATTERN.test(attempt)) throw new Error(`invalid restore attempt id ${attempt}`);
  return {
    manifest: `${prefix}/restores/${attempt}/manifest.jsonl`,
    status: statusKeys(`${prefix}/restores/${attempt}/status/`),
  } as const;
}

/** backup-request.json / restore-request.json: which snapshot the script works on. */
export interface BackupRequest {
  readonly version: typeof BACKUP_FORMAT_VERSION;
  /** The snapshot prefix, e.g. `roles/AROA...:SageMaker/research/20261123T090000Z-exec`. */
  readonly snapshotPrefix: string;
  /** The execution (or tool) that asked, for the audit trail. */
  readonly requestedBy: string;
  /** restore-request.json only: this restore's id (RESTORE_ATTEMPT_PATTERN), naming its status prefix. */
  readonly attempt?: string;
}

/** Where a script is, from the keys listed under its status prefix. */
export type ScriptStatus = 'pending' | 'complete' | 'failed' | 'ambiguous';

/**
 * Reads a listing of a status prefix (`snapshotLayout(S).backupStatus` or `restoreLayout(S, A).status`):
 * no key yet is `pending`; exactly one of `complete` and `failed` is that outcome; both (which the
 * scripts never write), or any other key, is `ambiguous`, which must be treated as a failure.
 */
export function statusOfListing(keys: readonly string[], status: StatusKeys): ScriptStatus {
  const known = new Set([status.complete, status.failed]);
  if (keys.some((key) => !known.has(key))) return 'ambiguous';
  const complete = keys.includes(status.complete);
  const failed = keys.includes(status.failed);
  if (complete && failed) return 'ambiguous';
  return complete ? 'complete' : failed ? 'failed' : 'pending';
}

// ---- the status summary: backup-status/complete and restores/<attempt>/status/complete ----

/** backup-status/complete and restores/<attempt>/status/complete: what the script did, written last. */
export interface StatusSummary {
  readonly version: typeof BACKUP_FORMAT_VERSION;
  readonly notebookName: string;
  /** ISO UTC time with milliseconds, e.g. 2026-11-23T09:00:00.000Z. */
  readonly completedAt: string;
  /** Manifest lines: files + directories + symlinks. */
  readonly entries: number;
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  /** Sockets, FIFOs and devices left out (logged on the instance). */
  readonly skipped: number;
  /** Sum of the files' bytes. */
  readonly totalBytes: number;
  /** Size and SHA-256 of data/archive.tar: as uploaded (backup) or as downloaded (restore). */
  readonly archiveBytes: number;
  readonly archiveSha256: string;
  /** SHA-256 of the manifest.jsonl bytes the same script uploaded. */
  readonly manifestSha256: string;
}

const nonNegativeInt = z.int().check(z.gte(0));
const sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256'));

const statusSummarySchema = z
  .object({
    version: z.literal(BACKUP_FORMAT_VERSION),
    notebookName: z.string().check(z.minLength(1)),
    completedAt: z
      .string()
      .check(
        z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'must be an ISO UTC time with milliseconds'),
      ),
    entries: nonNegativeInt,
    files: nonNegativeInt,
    directories: nonNegativeInt,
    symlinks: nonNegativeInt,
    skipped: nonNegativeInt,
    totalBytes: nonNegativeInt,
    archiveBytes: nonNegativeInt,
    archiveSha256: sha256Hex,
    manifestSha256: sha256Hex,
  })
  .check(
    z.refine((summary) => summary.entries === summary.files + summary.directories + summary.symlinks, {
      message: 'entries must be files + directories + symlinks',
      path: ['entries'],
    }),
  );

/** Parses a status summary; `what` names it in the error (e.g. "backup-status/complete"). */
export function parseStatusSummary(text: string, what: string): StatusSummary {
  const parsed = statusSummarySchema.safeParse(parseJson(text, what));
  if (!parsed.success) throw new Error(`${what} is invalid: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

// ---- the manifest: data/manifest.jsonl and restores/<attempt>/manifest.jsonl ----

interface ManifestEntryBase {
  /**
   * Relative to the volume, with forward slashes. A name that is not UTF-8 holds its bytes as lone
   * surrogates U+DC80 to U+DCFF (python's surrogateescape).
   */
  readonly path: string;
  /** Permission bits and the sticky bit (st_mode & 0o1777): never setuid/setgid. */
  readonly mode: number;
}

export interface ManifestFileEntry extends ManifestEntryBase {
  readonly type: 'file';
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the bytes in the archive. */
  readonly sha256: string;
}

export interface ManifestDirectoryEntry extends ManifestEntryBase {
  readonly type: 'directory';
  readonly bytes: 0;
}

export interface ManifestSymlinkEntry extends ManifestEntryBase {
  readonly type: 'symlink';
  readonly bytes: 0;
  /** The link's text, never followed. */
  readonly target: string;
}

/** One line of a manifest.jsonl. */
export type ManifestEntry = ManifestFileEntry | ManifestDirectoryEntry | ManifestSymlinkEntry;

const manifestPath = z
  .string()
  .check(
    z.refine(
      (path) =>
        !path.includes('\0') && path.split('/').every((segment) => !['', '.', '..'].includes(segment)),
      'must be a relative path without empty, "." or ".." segments or NUL',
    ),
  );
const mode = z.int().check(z.gte(0), z.lte(0o1777));
const manifestEntrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file'),
    path: manifestPath,
    mode,
    bytes: nonNegativeInt,
    sha256: sha256Hex,
  }),
  z.strictObject({ type: z.literal('directory'), path: manifestPath, mode, bytes: z.literal(0) }),
  z.strictObject({
    type: z.literal('symlink'),
    path: manifestPath,
    mode,
    bytes: z.literal(0),
    target: z.string().check(z.minLength(1)),
  }),
]);

/** Parses one line of a manifest.jsonl (a trailing newline is allowed). Throws on anything else. */
export function parseManifestLine(line: string): ManifestEntry {
  const parsed = manifestEntrySchema.safeParse(
    parseJson(line.endsWith('\n') ? line.slice(0, -1) : line, 'line'),
  );
  if (!parsed.success) throw new Error(`invalid manifest line: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

/**
 * The line the scripts write for `entry`, byte for byte: python's `json.dumps(entry, ensure_ascii=True,
 * sort_keys=True, separators=(",", ":"))` and a newline. For tools and simulations that write manifests.
 */
export function formatManifestLine(entry: ManifestEntry): string {
  const fields: [string, string | number][] = [
    ['bytes', entry.bytes],
    ['mode', entry.mode],
    ['path', entry.path],
  ];
  if (entry.type === 'file') fields.push(['sha256', entry.sha256]);
  if (entry.type === 'symlink') fields.push(['target', entry.target]);
  fields.push(['type', entry.type]);
  const body = fields.map(
    ([key, value]) => `"${key}":${typeof value === 'number' ? value : pythonJsonString(value)}`,
  );
  return `{${body.join(',')}}\n`;
}

const PYTHON_SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A JSON string as python's ensure_ascii writes it: everything outside space..~ escaped, lowercase hex. */
function pythonJsonString(text: string): string {
  const escaped = text.replace(
    /["\\]|[^ -~]/g,
    (unit) => PYTHON_SHORT_ESCAPES[unit] ?? `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/**
 * Orders paths as the manifests are sorted: python's str order, i.e. by code point (JavaScript's `<`
 * compares UTF-16 units, which puts U+E000..U+FFFF after the astral planes).
 */
export function comparePaths(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(j) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return Math.sign(a.length - i - (b.length - j));
}

/** Splits a byte or text stream (an S3 object body, a file) into lines, holding one line at a time. */
export async function* manifestLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let end = pending.indexOf('\n');
    while (end >= 0) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending !== '') yield pending;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
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
