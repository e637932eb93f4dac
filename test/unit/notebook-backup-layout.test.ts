import { describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT_VERSION,
  comparePaths,
  formatManifestLine,
  type ManifestEntry,
  manifestLines,
  parseManifestLine,
  parseStatusSummary,
  RESTORE_ATTEMPT_PATTERN,
  restoreLayout,
  type StatusSummary,
  snapshotLayout,
  statusOfListing,
} from '../../handlers/shared/notebook-backup-layout.js';
import { directory, file, SHA_A, SHA_B, symlink } from './manifest-entries.js';

const PREFIX = 'roles/AROAEXAMPLE:SageMaker/research/20261123T090000Z-exec';

function summary(overrides: Partial<Record<keyof StatusSummary, unknown>> = {}): string {
  return JSON.stringify({
    version: BACKUP_FORMAT_VERSION,
    notebookName: 'research',
    completedAt: '2026-11-23T09:00:00.123Z',
    entries: 3,
    files: 1,
    directories: 1,
    symlinks: 1,
    skipped: 0,
    totalBytes: 10,
    archiveBytes: 10240,
    archiveSha256: SHA_A,
    manifestSha256: SHA_B,
    ...overrides,
  });
}

describe('snapshotLayout and statusOfListing: where the scripts write and how the workflow reads it', () => {
  it('Given a snapshot prefix, When its layout is asked for, Then every key sits where the lifecycle scripts write it', () => {
    const layout = snapshotLayout(PREFIX);

    expect(layout).toEqual({
      configuration: `${PREFIX}/configuration.json`,
      archive: `${PREFIX}/data/archive.tar`,
      manifest: `${PREFIX}/data/manifest.jsonl`,
      backupStatus: {
        prefix: `${PREFIX}/backup-status/`,
        complete: `${PREFIX}/backup-status/complete`,
        failed: `${PREFIX}/backup-status/failed`,
      },
    });
  });

  it('Given a snapshot prefix and a restore attempt id, When its restore layout is asked for, Then the manifest and status sit under restores/<attempt>/, where the restore script writes them', () => {
    const layout = restoreLayout(PREFIX, 'exec-1');

    expect(layout).toEqual({
      manifest: `${PREFIX}/restores/exec-1/manifest.jsonl`,
      status: {
        prefix: `${PREFIX}/restores/exec-1/status/`,
        complete: `${PREFIX}/restores/exec-1/status/complete`,
        failed: `${PREFIX}/restores/exec-1/status/failed`,
      },
    });
  });

  it('Given two attempt ids, When their restore layouts are asked for, Then no key of one is under the other’s status prefix', () => {
    const first = restoreLayout(PREFIX, 'exec-1');
    const second = restoreLayout(PREFIX, 'exec-10');

    for (const [one, other] of [
      [first, second],
      [second, first],
    ] as const)
      for (const key of [other.manifest, other.status.complete, other.status.failed])
        expect(key.startsWith(one.status.prefix)).toBe(false);
  });

  it.each([
    ['"../x"', '../x'],
    ['81 characters', 'a'.repeat(81)],
    ['a slash', 'exec/1'],
    ['an empty id', ''],
    ['a space', 'exec 1'],
    ['a dot', 'exec.1'],
    ['a non-ASCII letter', 'exécution'],
    ['a trailing newline', 'exec-1\n'],
  ])(
    'Given the restore attempt id with %s, When its restore layout is asked for, Then it throws',
    (_, attempt) => {
      expect(RESTORE_ATTEMPT_PATTERN.test(attempt)).toBe(false);
      expect(() => restoreLayout(PREFIX, attempt)).toThrow(/invalid restore attempt id/);
    },
  );

  it('Given an attempt id of 80 characters of every allowed kind, When its restore layout is asked for, Then it is accepted', () => {
    const attempt = `Az09_-${'x'.repeat(74)}`;

    expect(restoreLayout(PREFIX, attempt).status.prefix).toBe(`${PREFIX}/restores/${attempt}/status/`);
  });

  it.each([
    [[], 'pending'],
    [['complete'], 'complete'],
    [['failed'], 'failed'],
    [['complete', 'failed'], 'ambiguous'],
    [['complete', 'stray'], 'ambiguous'],
  ] as const)(
    'Given a status prefix listing %j, When it is read, Then the script is %s',
    (names, expected) => {
      for (const status of [snapshotLayout(PREFIX).backupStatus, restoreLayout(PREFIX, 'exec-1').status]) {
        expect(
          statusOfListing(
            names.map((name) => `${status.prefix}${name}`),
            status,
          ),
          status.prefix,
        ).toBe(expected);
      }
    },
  );
});

describe('parseStatusSummary: a script says it is done, checked before it is trusted', () => {
  it('Given the summary a script writes, When it is parsed, Then it comes back as written', () => {
    const text = summary();

    expect(parseStatusSummary(text, 'backup-status/complete')).toEqual(JSON.parse(text));
  });

  it.each([
    ['a version 1 summary', summary({ version: 1 }), /version/],
    ['entries that are not files + directories + symlinks', summary({ entries: 4 }), /entries must be files/],
    ['a time without milliseconds', summary({ completedAt: '2026-11-23T09:00:00Z' }), /completedAt/],
    ['a checksum in upper case', summary({ archiveSha256: SHA_A.toUpperCase() }), /archiveSha256/],
    ['a negative count', summary({ skipped: -1 }), /skipped/],
  ])('Given %s, When it is parsed, Then it is refused and the error names the field', (_, text, field) => {
    expect(() => parseStatusSummary(text, 'restores/exec-1/status/complete')).toThrow(
      /^restores\/exec-1\/status\/complete is invalid: /,
    );
    expect(() => parseStatusSummary(text, 'restores/exec-1/status/complete')).toThrow(field);
  });

  it('Given a truncated summary, When it is parsed, Then the error says it is not JSON', () => {
    expect(() => parseStatusSummary('{"version":', 'backup-status/complete')).toThrow(
      /^backup-status\/complete is not JSON: /,
    );
  });
});

describe('parseManifestLine and formatManifestLine: one manifest.jsonl line', () => {
  // Written by python's json.dumps(entry, ensure_ascii=True, sort_keys=True, separators=(",", ":")).
  const PYTHON_LINES: readonly [ManifestEntry, string][] = [
    [
      file('notes/résumé 日本.md', { mode: 0o640, bytes: 12 }),
      String.raw`{"bytes":12,"mode":416,"path":"notes/r\u00e9sum\u00e9 \u65e5\u672c.md","sha256":"${SHA_A}","type":"file"}`,
    ],
    [
      symlink('bad\udcffname\nwith "quotes" and \\ and \u007f and \u{1F600}', '../t\tab'),
      String.raw`{"bytes":0,"mode":511,"path":"bad\udcffname\nwith \"quotes\" and \\ and \u007f and \ud83d\ude00","target":"../t\tab","type":"symlink"}`,
    ],
    [directory('.hidden dir', 0o1777), `{"bytes":0,"mode":1023,"path":".hidden dir","type":"directory"}`],
  ];

  it('Given entries with non-ASCII, control characters, quotes, an undecodable byte and an emoji, When formatted, Then each line is byte for byte what python writes', () => {
    for (const [entry, line] of PYTHON_LINES) expect(formatManifestLine(entry)).toBe(`${line}\n`);
  });

  it('Given the lines python writes, When parsed, Then each gives back its entry', () => {
    for (const [entry, line] of PYTHON_LINES) {
      expect(parseManifestLine(line)).toEqual(entry);
      expect(parseManifestLine(`${line}\n`)).toEqual(entry);
    }
  });

  it.each([
    ['an absolute path', { ...file('x'), path: '/etc/passwd' }],
    ['a path climbing out', { ...file('x'), path: 'a/../../b' }],
    ['an empty segment', { ...file('x'), path: 'a//b' }],
    ['a NUL byte', { ...file('x'), path: 'a\0b' }],
    ['a setuid mode', { ...file('x'), mode: 0o4755 }],
    ['a file without checksum', { path: 'x', type: 'file', mode: 0o644, bytes: 1 }],
    ['a directory with bytes', { path: 'x', type: 'directory', mode: 0o755, bytes: 4096 }],
    ['a symlink without target', { path: 'x', type: 'symlink', mode: 0o777, bytes: 0 }],
    ['a hard link', { path: 'x', type: 'hardlink', mode: 0o644, bytes: 0 }],
    ['an unknown field', { ...file('x'), owner: 'root' }],
  ])('Given a line with %s, When parsed, Then it is refused', (_, entry) => {
    expect(() => parseManifestLine(JSON.stringify(entry))).toThrow(/invalid manifest line/);
  });
});

describe('comparePaths and manifestLines: reading manifests as the scripts sort and write them', () => {
  it('Given paths around "/", private-use, emoji and undecodable bytes, When sorted, Then the order is python’s code point order', () => {
    const paths = ['\u{1F600}', 'z', 'a/b', '\ue000', 'a', '\udcff', 'a-c'];

    // python3 -c 'print(sorted(["a/b","a-c","a","\ue000","\U0001F600","\udcff","z"]))'
    expect([...paths].sort(comparePaths)).toEqual(['a', 'a-c', 'a/b', 'z', '\udcff', '\ue000', '\u{1F600}']);
    // JavaScript's own order puts the emoji (a surrogate pair) before U+E000: not the manifests' order.
    expect([...paths].sort()).not.toEqual([...paths].sort(comparePaths));
  });

  it('Given a body cut mid-line and mid-character, When split, Then each line comes whole, the last one too', async () => {
    const bytes = Buffer.from('first\nsécond\nlast without newline');
    const cut = bytes.indexOf(Buffer.from('é')) + 1;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 3);
      yield bytes.subarray(3, cut);
      yield bytes.subarray(cut);
    }

    const lines: string[] = [];
    for await (const line of manifestLines(chunks())) lines.push(line);

    expect(lines).toEqual(['first', 'sécond', 'last without newline']);
  });
});
