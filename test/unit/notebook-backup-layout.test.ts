import { describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT_VERSION,
  compareManifests,
  type DataManifest,
  parseDataManifest,
} from '../../handlers/shared/notebook-backup-layout.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function manifest(files: DataManifest['files'], fileCount = files.length): DataManifest {
  return {
    version: BACKUP_FORMAT_VERSION,
    notebookName: 'Research-Notebook',
    completedAt: '2026-11-23T09:00:00Z',
    fileCount,
    totalBytes: files.reduce((total, file) => total + file.bytes, 0),
    files,
  };
}

describe('compareManifests: did the restore bring back exactly the backed-up files', () => {
  it('same paths, sizes and checksums: no problems', () => {
    // Given a backup and a restore listing the same two files
    const files = [
      { path: 'a.ipynb', bytes: 10, sha256: SHA_A },
      { path: 'b.csv', bytes: 20, sha256: SHA_B },
    ];

    // When they are compared
    const problems = compareManifests(manifest(files), manifest([...files]));

    // Then nothing is reported
    expect(problems).toEqual([]);
  });

  it('a missing, a changed and an extra file, and a fileCount off on each side: every problem named', () => {
    // Given a restore that lost one file, changed another, gained a third, and miscounted
    const backup = manifest(
      [
        { path: 'a.ipynb', bytes: 10, sha256: SHA_A },
        { path: 'b.csv', bytes: 20, sha256: SHA_B },
      ],
      3,
    );
    const restore = manifest(
      [
        { path: 'b.csv', bytes: 20, sha256: SHA_A },
        { path: 'c.txt', bytes: 1, sha256: SHA_B },
      ],
      1,
    );

    // When they are compared
    const problems = compareManifests(backup, restore);

    // Then each difference is a problem of its own
    expect(problems).toEqual([
      'a.ipynb was not restored',
      'b.csv differs',
      'c.txt was not in the backup',
      'backup manifest fileCount does not match its files',
      'restore manifest fileCount does not match its files',
    ]);
  });
});

describe('parseDataManifest: what the lifecycle scripts wrote, checked before it is trusted', () => {
  it('a well-formed manifest: returned as written', () => {
    // Given the JSON of a manifest
    const written = manifest([{ path: 'a.ipynb', bytes: 10, sha256: SHA_A }]);

    // When it is parsed
    const parsed = parseDataManifest(JSON.stringify(written), 'data-manifest.json');

    // Then it is the same manifest
    expect(parsed).toEqual(written);
  });

  it('not JSON, or a checksum that is not SHA-256: an error naming the manifest', () => {
    // Given a truncated manifest and one with a bad checksum
    const truncated = '{"version":';
    const badChecksum = JSON.stringify(manifest([{ path: 'a.ipynb', bytes: 10, sha256: 'xyz' }]));

    // When each is parsed, Then the error says which manifest and what is wrong
    expect(() => parseDataManifest(truncated, 'restore-manifest.json')).toThrow(
      /^restore-manifest\.json is not JSON: /,
    );
    expect(() => parseDataManifest(badChecksum, 'data-manifest.json')).toThrow(
      /^data-manifest\.json is invalid: .*must be a lowercase hex SHA-256/,
    );
  });
});
