/** Manifest entries for the tests of the data layout and its comparisons: a file, a folder, a link. */
import type { ManifestEntry } from '../../handlers/shared/notebook-backup-layout.js';

export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);

export const file = (
  path: string,
  extra: Partial<{ mode: number; bytes: number; sha256: string }> = {},
): ManifestEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  bytes: 10,
  sha256: SHA_A,
  ...extra,
});

export const directory = (path: string, mode = 0o755): ManifestEntry => ({
  path,
  type: 'directory',
  mode,
  bytes: 0,
});

export const symlink = (path: string, target: string): ManifestEntry => ({
  path,
  type: 'symlink',
  mode: 0o777,
  bytes: 0,
  target,
});
