/**
 * Whether a restore brought back the backup's volume: one judgement, shared by the workflow
 * (VerifyRecreation) and the restore tool (bin/restore-notebook), so that both say the same thing about
 * the same snapshot. The two scripts' status summaries are compared first; only when the manifests'
 * digests differ are both manifests streamed side by side to name the paths that differ. The formats
 * compared are those of notebook-backup-layout.ts.
 */
import {
  comparePaths,
  type ManifestEntry,
  parseManifestLine,
  type StatusSummary,
} from './notebook-backup-layout.js';

/** Differences listed at most (a last line says how many more there were). */
export const MAX_DIFFERENCES_LISTED = 20;

/** The fields that must be equal on both sides: what the archive held and what came out of it. */
const COUNTED_FIELDS = ['entries', 'files', 'directories', 'symlinks', 'totalBytes'] as const;

export interface SummaryComparison {
  /** What the summaries show to differ, in a fixed order; empty when they agree. */
  readonly problems: readonly string[];
  /** The manifests' digests differ: {@link manifestDifferences} says which paths. */
  readonly manifestsDiffer: boolean;
}

/** What differs between the backup's status summary and a restore attempt's. */
export function summaryDifferences(backup: StatusSummary, restored: StatusSummary): SummaryComparison {
  const problems: string[] = [];
  if (restored.notebookName !== backup.notebookName) {
    problems.push(`the restore status is of notebook ${restored.notebookName}, not ${backup.notebookName}`);
  }
  if (restored.archiveSha256 !== backup.archiveSha256 || restored.archiveBytes !== backup.archiveBytes) {
    problems.push('the restore unpacked another archive than the backup wrote (size or SHA-256 differ)');
  }
  for (const field of COUNTED_FIELDS) {
    if (restored[field] !== backup[field]) {
      problems.push(`${field}: ${backup[field]} backed up, ${restored[field]} restored`);
    }
  }
  return { problems, manifestsDiffer: restored.manifestSha256 !== backup.manifestSha256 };
}

/**
 * The paths that differ between the two manifests (at most `limit`, then how many more), read once and
 * side by side. Called when the digests differ: if no entry does, the bytes still did, and it says so.
 */
export async function manifestDifferences(
  backupLines: AsyncIterable<string>,
  restoreLines: AsyncIterable<string>,
  limit = MAX_DIFFERENCES_LISTED,
): Promise<string[]> {
  const comparison = await compareManifestStreams(backupLines, restoreLines, limit);
  const problems = [...comparison.differences];
  if (comparison.differencesCount > comparison.differences.length) {
    problems.push(`${comparison.differencesCount - comparison.differences.length} more differences`);
  }
  if (comparison.equal) problems.push('the manifests differ in bytes but not in any entry');
  return problems;
}

/** What {@link compareManifestStreams} found. */
export interface ManifestComparison {
  /** True when the two manifests describe the same entries: no difference of any kind. */
  readonly equal: boolean;
  /** The first `limit` problems, in path order, e.g. "x differs: mode 644 vs 600". */
  readonly differences: readonly string[];
  /** How many problems there were in all. */
  readonly differencesCount: number;
}

/**
 * Whether a restore reproduced the backup: walks both sorted manifests once, side by side, holding one
 * entry of each (a volume may have millions). Compares type, mode, size, checksum and link target. A
 * line that does not parse, or is out of order, is a problem too (and is skipped). Lines may come with
 * or without their newline (see notebook-backup-layout.ts `manifestLines`); a final empty line is ignored.
 */
export async function compareManifestStreams(
  backupLines: AsyncIterable<string>,
  restoreLines: AsyncIterable<string>,
  limit: number,
): Promise<ManifestComparison> {
  if (!Number.isInteger(limit) || limit < 0)
    throw new Error(`limit must be a non-negative integer, not ${limit}`);
  const differences: string[] = [];
  let differencesCount = 0;
  const report = (problem: string) => {
    differencesCount += 1;
    if (differences.length < limit) differences.push(problem);
  };
  const backup = new ManifestReader(backupLines, 'the backup manifest', report);
  const restore = new ManifestReader(restoreLines, 'the restore manifest', report);
  try {
    let original = await backup.next();
    let restored = await restore.next();
    while (original || restored) {
      const order = !original ? 1 : !restored ? -1 : comparePaths(original.path, restored.path);
      if (order < 0 && original) {
        report(`${displayPath(original.path)} was not restored`);
        original = await backup.next();
      } else if (order > 0 && restored) {
        report(`${displayPath(restored.path)} was not in the backup`);
        restored = await restore.next();
      } else if (original && restored) {
        const changes = entryChanges(original, restored);
        if (changes.length > 0) report(`${displayPath(original.path)} differs: ${changes.join(', ')}`);
        original = await backup.next();
        restored = await restore.next();
      }
    }
  } finally {
    await Promise.all([backup.close(), restore.close()]);
  }
  return { equal: differencesCount === 0, differences, differencesCount };
}

/** One manifest stream's valid, strictly increasing entries, reporting every line it has to skip. */
class ManifestReader {
  private readonly lines: AsyncIterator<string>;
  private lineNumber = 0;
  private previousPath: string | undefined;
  /** Line number of an empty line seen, which is only allowed at the very end. */
  private emptyLine: number | undefined;

  constructor(
    lines: AsyncIterable<string>,
    private readonly what: string,
    private readonly report: (problem: string) => void,
  ) {
    this.lines = lines[Symbol.asyncIterator]();
  }

  async next(): Promise<ManifestEntry | undefined> {
    for (;;) {
      const result = await this.lines.next();
      if (result.done) return undefined;
      this.lineNumber += 1;
      const line = result.value.endsWith('\n') ? result.value.slice(0, -1) : result.value;
      if (line === '') {
        this.emptyLine ??= this.lineNumber;
        continue;
      }
      if (this.emptyLine !== undefined) {
        this.report(`${this.what} has an empty line ${this.emptyLine}`);
        this.emptyLine = undefined;
      }
      let entry: ManifestEntry;
      try {
        entry = parseManifestLine(line);
      } catch (error) {
        this.report(
          `${this.what} line ${this.lineNumber} is not a manifest entry: ${(error as Error).message}`,
        );
        continue;
      }
      if (this.previousPath !== undefined && comparePaths(this.previousPath, entry.path) >= 0) {
        this.report(
          `${this.what} line ${this.lineNumber} (${displayPath(entry.path)}) is out of order or repeated`,
        );
        continue;
      }
      this.previousPath = entry.path;
      return entry;
    }
  }

  async close(): Promise<void> {
    await this.lines.return?.();
  }
}

function entryChanges(original: ManifestEntry, restored: ManifestEntry): string[] {
  if (original.type !== restored.type) return [`type ${original.type} vs ${restored.type}`];
  const changes: string[] = [];
  if (original.mode !== restored.mode)
    changes.push(`mode ${original.mode.toString(8)} vs ${restored.mode.toString(8)}`);
  if (original.type === 'file' && restored.type === 'file') {
    if (original.bytes !== restored.bytes) changes.push(`bytes ${original.bytes} vs ${restored.bytes}`);
    else if (original.sha256 !== restored.sha256)
      changes.push(`sha256 ${original.sha256.slice(0, 12)}… vs ${restored.sha256.slice(0, 12)}…`);
  }
  if (original.type === 'symlink' && restored.type === 'symlink' && original.target !== restored.target)
    changes.push(`target ${JSON.stringify(original.target)} vs ${JSON.stringify(restored.target)}`);
  return changes;
}

/** A path as it reads in a message: quoted when it holds control characters or undecodable bytes. */
function displayPath(path: string): string {
  const unusual = [...path].some((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff);
  });
  return unusual ? JSON.stringify(path) : path;
}
