/**
 * What the lifecycle scripts leave in the backup bucket, written by hand for tests of their readers:
 * the manifests (one line per entry, as the scripts format them) and the `complete` summaries with the
 * digests of what they wrote.
 */
import { createHash } from 'node:crypto';
import {
  formatManifestLine,
  type ManifestEntry,
  restoreLayout,
  type StatusSummary,
  snapshotLayout,
} from '../../handlers/shared/notebook-backup-layout.js';
import type { SnapshotNotebookResult } from '../../handlers/shared/recreation-requests.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { BACKUP_BUCKET as BUCKET } from './runtime-settings-fixture.js';

const NOTEBOOK = 'Research-Notebook';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The volume's entries as a manifest lists them, in path order: the files, their folder and a link. */
export function volumeEntries(files: Readonly<Record<string, string>>): ManifestEntry[] {
  const entries: ManifestEntry[] = Object.entries(files).map(([path, text]) => ({
    type: 'file',
    path,
    mode: 0o644,
    bytes: Buffer.byteLength(text),
    sha256: sha256(text),
  }));
  const folders = new Set(
    Object.keys(files).flatMap((path) => (path.includes('/') ? [path.split('/')[0]] : [])),
  );
  for (const folder of folders)
    entries.push({ type: 'directory', path: folder ?? '', mode: 0o755, bytes: 0 });
  if (Object.keys(files).length > 0) {
    entries.push({ type: 'symlink', path: 'latest', mode: 0o777, bytes: 0, target: 'data/raw.csv' });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** What a script leaves under its status prefix on success: its summary, with the digests of what it wrote. */
export function summaryOf(entries: readonly ManifestEntry[], manifest: string): StatusSummary {
  const count = (type: ManifestEntry['type']) => entries.filter((entry) => entry.type === type).length;
  return {
    version: 2,
    notebookName: NOTEBOOK,
    completedAt: '2026-11-23T09:10:00.000Z',
    entries: entries.length,
    files: count('file'),
    directories: count('directory'),
    symlinks: count('symlink'),
    skipped: 0,
    totalBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
    archiveBytes: 10240,
    archiveSha256: sha256('the archive the backup uploaded'),
    manifestSha256: sha256(manifest),
  };
}

export interface ScriptOutputs {
  readonly backup: readonly ManifestEntry[];
  readonly restore: readonly ManifestEntry[];
  /** Changes to the restore's summary (another archive, another notebook). */
  readonly restoreSummary?: Partial<StatusSummary>;
}

/** What the backup and the restore scripts write last: their manifests, then their `complete` markers. */
export function writeScriptOutputs(
  account: SimulatedAccount,
  result: SnapshotNotebookResult,
  outputs: ScriptOutputs,
) {
  const layout = snapshotLayout(result.snapshotPrefix);
  const restore = restoreLayout(result.snapshotPrefix, result.restoreAttempt);
  const put = (key: string, body: string) => account.s3.putObject({ Bucket: BUCKET, Key: key, Body: body });
  const backupManifest = outputs.backup.map(formatManifestLine).join('');
  const restoreManifest = outputs.restore.map(formatManifestLine).join('');
  put(layout.manifest, backupManifest);
  put(layout.backupStatus.complete, JSON.stringify(summaryOf(outputs.backup, backupManifest)));
  put(restore.manifest, restoreManifest);
  put(
    restore.status.complete,
    JSON.stringify({ ...summaryOf(outputs.restore, restoreManifest), ...outputs.restoreSummary }),
  );
}

/** The S3 keys the verification read, in order. */
export function keysRead(account: SimulatedAccount, from = 0): string[] {
  return account
    .callsTo('S3', 'GetObject')
    .slice(from)
    .map((call) => (call.input as { Key: string }).Key);
}
