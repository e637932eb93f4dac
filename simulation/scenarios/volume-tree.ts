/**
 * A notebook volume as a user would miss it: every entry (hidden ones too), its type, permission bits,
 * modification time, and a file's bytes (by digest) or a link's target. Two volumes with equal trees are
 * the same to anyone working in them.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface VolumeEntry {
  readonly type: 'file' | 'directory' | 'symlink';
  /** Permission bits, with setuid/setgid/sticky (S_IFMT removed). */
  readonly mode: number;
  readonly mtimeMs: number;
  readonly bytes?: number;
  readonly sha256?: string;
  readonly target?: string;
}

/**
 * Every entry under `root` by relative path, names as raw bytes in latin1 (so a name that is not UTF-8
 * still compares exactly). Symlinks are not followed; `lost+found` is the file system's, not the user's.
 */
export function volumeTree(root: string): Map<string, VolumeEntry> {
  const entries = new Map<string, VolumeEntry>();
  const visit = (directory: Buffer, relative: string): void => {
    for (const name of readdirSync(directory, { encoding: 'buffer' }).sort(Buffer.compare)) {
      const path = Buffer.concat([directory, Buffer.from('/'), name]);
      const key = relative + name.toString('latin1');
      if (key === 'lost+found') continue;
      const stat = lstatSync(path);
      const common = { mode: stat.mode & 0o7777, mtimeMs: Math.floor(stat.mtimeMs) };
      if (stat.isSymbolicLink()) {
        entries.set(key, {
          type: 'symlink',
          ...common,
          target: readlinkSync(path, { encoding: 'buffer' }).toString('latin1'),
        });
      } else if (stat.isDirectory()) {
        entries.set(key, { type: 'directory', ...common });
        visit(path, `${key}/`);
      } else if (stat.isFile()) {
        const content = readFileSync(path);
        entries.set(key, {
          type: 'file',
          ...common,
          bytes: content.length,
          sha256: createHash('sha256').update(content).digest('hex'),
        });
      }
    }
  };
  visit(Buffer.from(root), '');
  return entries;
}

/** One digest of a whole tree, for volumes too large to compare entry by entry in a message. */
export function volumeTreeDigest(root: string): { entries: number; sha256: string } {
  const hash = createHash('sha256');
  let entries = 0;
  for (const [path, entry] of volumeTree(root)) {
    hash.update(
      `${JSON.stringify([path, entry.type, entry.mode, entry.mtimeMs, entry.bytes, entry.sha256, entry.target])}\n`,
    );
    entries += 1;
  }
  return { entries, sha256: hash.digest('hex') };
}

/** The paths whose entries differ between two trees (at most `limit`), for a readable failure. */
export function treeDifferences(
  before: ReadonlyMap<string, VolumeEntry>,
  after: ReadonlyMap<string, VolumeEntry>,
  limit = 20,
): string[] {
  const differences: string[] = [];
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(path);
    const b = after.get(path);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      differences.push(`${JSON.stringify(path)}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
      if (differences.length >= limit) break;
    }
  }
  return differences;
}
