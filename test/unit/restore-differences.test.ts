import { describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT_VERSION,
  formatManifestLine,
  type ManifestEntry,
  type StatusSummary,
} from '../../handlers/shared/notebook-backup-layout.js';
import {
  compareManifestStreams,
  MAX_DIFFERENCES_LISTED,
  manifestDifferences,
  summaryDifferences,
} from '../../handlers/shared/restore-differences.js';
import { directory, file, SHA_A, SHA_B, symlink } from './manifest-entries.js';

const SHA_C = 'c'.repeat(64);

const BACKUP: StatusSummary = {
  version: BACKUP_FORMAT_VERSION,
  notebookName: 'Research-Notebook',
  completedAt: '2026-11-23T09:10:00.000Z',
  entries: 4,
  files: 2,
  directories: 1,
  symlinks: 1,
  skipped: 0,
  totalBytes: 30,
  archiveBytes: 10_240,
  archiveSha256: SHA_A,
  manifestSha256: SHA_B,
};

/** A manifest as the scripts stream it: one line (with its newline) at a time. */
async function* linesOf(entries: readonly ManifestEntry[]): AsyncGenerator<string> {
  for (const entry of entries) yield formatManifestLine(entry);
}

async function* plain(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

describe('summaryDifferences: do the backup and the restore summaries agree?', () => {
  it('Given the restore summary of the same volume (its own time, the same digests), When compared, Then nothing differs', () => {
    // Given
    const restored = { ...BACKUP, completedAt: '2026-11-23T11:00:00.000Z' };

    // When / Then
    expect(summaryDifferences(BACKUP, restored)).toEqual({ problems: [], manifestsDiffer: false });
  });

  it('Given a restore of another notebook, from another archive, with a file and 10 bytes fewer, When compared, Then every difference is named, in order', () => {
    // Given
    const restored: StatusSummary = {
      ...BACKUP,
      notebookName: 'Other-Notebook',
      archiveSha256: SHA_C,
      entries: 3,
      files: 1,
      totalBytes: 20,
    };

    // When / Then
    expect(summaryDifferences(BACKUP, restored)).toEqual({
      problems: [
        'the restore status is of notebook Other-Notebook, not Research-Notebook',
        'the restore unpacked another archive than the backup wrote (size or SHA-256 differ)',
        'entries: 4 backed up, 3 restored',
        'files: 2 backed up, 1 restored',
        'totalBytes: 30 backed up, 20 restored',
      ],
      manifestsDiffer: false,
    });
  });

  it('Given the same archive digest but another size, When compared, Then the archive is said to differ', () => {
    expect(summaryDifferences(BACKUP, { ...BACKUP, archiveBytes: 10_241 }).problems).toEqual([
      'the restore unpacked another archive than the backup wrote (size or SHA-256 differ)',
    ]);
  });

  it('Given equal counts but another manifest digest (a mode or a checksum changed), When compared, Then no problem is listed yet, but the manifests must be read', () => {
    expect(summaryDifferences(BACKUP, { ...BACKUP, manifestSha256: SHA_C })).toEqual({
      problems: [],
      manifestsDiffer: true,
    });
  });

  it('Given symlinks and directories counted differently, When compared, Then each count is named', () => {
    const restored = { ...BACKUP, directories: 2, symlinks: 0 };
    expect(summaryDifferences(BACKUP, restored).problems).toEqual([
      'directories: 1 backed up, 2 restored',
      'symlinks: 1 backed up, 0 restored',
    ]);
  });
});

describe('manifestDifferences: which paths differ, once the digests do', () => {
  it('Given a missing file and a changed one, When the manifests are read, Then both paths are named', async () => {
    // Given
    const backup = [file('a.ipynb'), file('b.csv')];
    const restore = [file('b.csv', { sha256: SHA_B })];

    // When
    const problems = await manifestDifferences(linesOf(backup), linesOf(restore));

    // Then
    expect(problems).toEqual([
      'a.ipynb was not restored',
      `b.csv differs: sha256 ${SHA_A.slice(0, 12)}… vs ${SHA_B.slice(0, 12)}…`,
    ]);
  });

  it('Given more differences than are listed, When the manifests are read, Then the first 20 are named and a last line counts the rest', async () => {
    // Given 25 files backed up, none restored
    const backup = Array.from({ length: 25 }, (_, index) => file(`f${String(index).padStart(2, '0')}`));

    // When
    const problems = await manifestDifferences(linesOf(backup), linesOf([]));

    // Then
    expect(MAX_DIFFERENCES_LISTED).toBe(20);
    expect(problems).toHaveLength(21);
    expect(problems[0]).toBe('f00 was not restored');
    expect(problems[19]).toBe('f19 was not restored');
    expect(problems[20]).toBe('5 more differences');
  });

  it('Given manifests with the same entries (the digests differed in their bytes only), When read, Then that is the one problem', async () => {
    const entries = [file('a.ipynb')];
    expect(await manifestDifferences(linesOf(entries), linesOf(entries))).toEqual([
      'the manifests differ in bytes but not in any entry',
    ]);
  });

  it('Given a smaller limit, When the manifests are read, Then only that many are named', async () => {
    const backup = [file('a'), file('b'), file('c')];
    expect(await manifestDifferences(linesOf(backup), linesOf([]), 1)).toEqual([
      'a was not restored',
      '2 more differences',
    ]);
  });
});

describe('compareManifestStreams: did the restore bring back exactly what was backed up', () => {
  const BACKUP = [directory('data'), file('data/a.csv'), symlink('latest', 'data/a.csv'), file('notes.txt')];

  it('Given identical manifests, When compared, Then they are equal with no difference', async () => {
    const result = await compareManifestStreams(linesOf(BACKUP), linesOf([...BACKUP]), 10);

    expect(result).toEqual({ equal: true, differences: [], differencesCount: 0 });
  });

  it('Given a restore that lost, changed and gained entries, When compared, Then every problem is named in path order', async () => {
    const restore = [
      directory('data', 0o700),
      file('data/a.csv', { bytes: 11 }),
      symlink('latest', 'elsewhere'),
      file('new.txt'),
      directory('notes.txt'),
    ];
    const withChecksum = [file('data/a.csv', { sha256: SHA_B })];

    const result = await compareManifestStreams(linesOf(BACKUP), linesOf(restore), 10);
    const checksum = await compareManifestStreams(
      linesOf([BACKUP[1] as ManifestEntry]),
      linesOf(withChecksum),
      10,
    );

    expect(result).toEqual({
      equal: false,
      differences: [
        'data differs: mode 755 vs 700',
        'data/a.csv differs: bytes 10 vs 11',
        'latest differs: target "data/a.csv" vs "elsewhere"',
        'new.txt was not in the backup',
        'notes.txt differs: type file vs directory',
      ],
      differencesCount: 5,
    });
    expect(checksum.differences).toEqual(['data/a.csv differs: sha256 aaaaaaaaaaaa… vs bbbbbbbbbbbb…']);
  });

  it('Given an empty restore of a large backup, When compared with a limit, Then only that many problems are kept but all are counted', async () => {
    const backup = Array.from({ length: 1000 }, (_, index) => file(`f${String(index).padStart(4, '0')}`));

    const result = await compareManifestStreams(linesOf(backup), linesOf([]), 3);

    expect(result).toEqual({
      equal: false,
      differences: ['f0000 was not restored', 'f0001 was not restored', 'f0002 was not restored'],
      differencesCount: 1000,
    });
  });

  it('Given lines that do not parse, are out of order, repeat or are empty mid-stream, When compared, Then each is a problem and the rest still compares', async () => {
    const backup = [formatManifestLine(file('a')), 'not json\n', '\n', formatManifestLine(file('c')), ''];
    const restore = [
      formatManifestLine(file('c')),
      formatManifestLine(file('a')),
      formatManifestLine(file('c')),
    ];

    const result = await compareManifestStreams(plain(backup), plain(restore), 10);

    expect(result.equal).toBe(false);
    expect(result.differences).toEqual([
      'a was not restored',
      expect.stringMatching(/^the backup manifest line 2 is not a manifest entry: .*not JSON/),
      'the backup manifest has an empty line 3',
      'the restore manifest line 2 (a) is out of order or repeated',
      'the restore manifest line 3 (c) is out of order or repeated',
    ]);
  });

  it('Given a path with a newline and an undecodable byte, When it is missing, Then the message quotes it', async () => {
    const result = await compareManifestStreams(linesOf([file('bad\udcff\nname')]), linesOf([]), 10);

    expect(result.differences).toEqual(['"bad\\udcff\\nname" was not restored']);
  });

  it('Given two long equal streams, When compared, Then neither is read more than one line ahead of the other (constant memory)', async () => {
    let backupRead = 0;
    let restoreRead = 0;
    let widestGap = 0;
    async function* counted(side: 'backup' | 'restore'): AsyncGenerator<string> {
      for (let index = 0; index < 20_000; index += 1) {
        if (side === 'backup') backupRead += 1;
        else restoreRead += 1;
        widestGap = Math.max(widestGap, Math.abs(backupRead - restoreRead));
        yield formatManifestLine(file(`dir/${String(index).padStart(6, '0')}`));
      }
    }

    const result = await compareManifestStreams(counted('backup'), counted('restore'), 10);

    expect(result.equal).toBe(true);
    expect([backupRead, restoreRead]).toEqual([20_000, 20_000]);
    expect(widestGap).toBeLessThanOrEqual(1);
  });

  it('Given a negative limit, When compared, Then it throws', async () => {
    await expect(compareManifestStreams(linesOf([]), linesOf([]), -1)).rejects.toThrow(/limit/);
  });
});
