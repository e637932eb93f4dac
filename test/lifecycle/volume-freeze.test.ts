/**
 * The freeze of the volume (lifecycle/README.md, "The freeze"): the backup makes the volume read-only before
 * its copy starts, so no user write can land after the copy listed the volume and be lost unseen; the
 * restore writes through a second mount while its users see the volume read-only. Most tests run the
 * assembled scripts with the stand-in `mount` (simulation/fake-aws/mount), which records what would be
 * mounted; the last ones run them with the real `mount` in a private mount namespace, where read-only is
 * enforced by the kernel, when this machine lets a test make one.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  archiveUploadStarted,
  BACKUP_SCRIPT,
  canUnshare,
  copyWalked,
  createWorld,
  FILES,
  failureReason,
  LAYOUT,
  mountsOf,
  namespaceOutcome,
  objectPath,
  putRequest,
  REQUESTS,
  RESTORE,
  RESTORE_SCRIPT,
  readTree,
  run,
  runWithRealMounts,
  scriptEnv,
  statusListing,
  waitFor,
  worldWithBackup,
} from './volume-freeze-fixtures.js';

describe('the backup freezes the volume', () => {
  it('Given a backup request, When the backup runs, Then the volume is bound onto itself and remounted read-only before the archive upload starts, and the backup completes', async () => {
    // Given
    const world = createWorld();
    putRequest(world, REQUESTS.backup);
    const gate = join(world.root, 'gate');

    // When the archive upload is held at its start
    const child = spawn('bash', [BACKUP_SCRIPT], {
      env: scriptEnv(world, { FAKE_AWS_WAIT_FOR_FILE: gate, FAKE_AWS_DELAY_ON: 'archive.tar' }),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await waitFor(() => archiveUploadStarted(world), 15_000)).toBe(true);

    // Then the freeze is already in place, in that order
    expect(mountsOf(world)).toEqual([
      ['bind', world.volume, world.volume],
      ['ro', world.volume],
    ]);
    writeFileSync(gate, '');
    expect(await exited).toBe(0);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.complete]);
    // And a complete backup leaves it in place: only the stop lifts it
    expect(mountsOf(world)).toHaveLength(2);
    expect(readFileSync(join(world.root, 'notebook.log'), 'utf8')).toContain(
      `${world.volume} is read-only until the notebook stops`,
    );
  });

  it.each([
    ['the bind', '--bind'],
    ['the read-only remount', 'remount'],
  ])(
    'Given %s failing, When the backup runs, Then it writes backup-status/failed with mount’s error and copies nothing',
    (_, failing) => {
      // Given
      const world = createWorld();
      putRequest(world, REQUESTS.backup);

      // When
      const result = run(BACKUP_SCRIPT, world, { FAKE_MOUNT_FAIL_ON: failing });

      // Then
      expect(result.status).toBe(1);
      expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.failed]);
      expect(failureReason(world, LAYOUT.backupStatus.failed)).toBe(
        `cannot make the volume read-only: mount: ${world.volume}: permission denied.`,
      );
      expect(existsSync(objectPath(world, LAYOUT.archive))).toBe(false);
    },
  );

  it('Given entries changed, added and removed after the copy walked the volume (root getting past the freeze), When the upload ends, Then the backup fails naming them, never writes complete, and lifts the freeze', async () => {
    // Given a backup whose archive upload is held once python has walked the volume
    const world = createWorld();
    putRequest(world, REQUESTS.backup);
    const gate = join(world.root, 'gate');
    const child = spawn('bash', [BACKUP_SCRIPT], {
      env: scriptEnv(world, { FAKE_AWS_WAIT_FOR_FILE: gate, FAKE_AWS_DELAY_ON: 'archive.tar' }),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await waitFor(() => copyWalked(world), 15_000)).toBe(true);

    // When the stand-in does not enforce read-only, so these writes stand for a bypass of the freeze
    writeFileSync(join(world.volume, 'analysis.ipynb'), '{"cells": ["saved after the copy"]}\n');
    writeFileSync(join(world.volume, 'results/late.csv'), 'c\n3\n');
    unlinkSync(join(world.volume, 'notes.md'));
    writeFileSync(gate, '');

    // Then
    expect(await exited).toBe(1);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.failed]);
    expect(failureReason(world, LAYOUT.backupStatus.failed)).toBe(
      "the volume changed after it was copied: 4 entries differ from the copy: 'analysis.ipynb', 'notes.md', 'results', 'results/late.csv'",
    );
    // And the backup it refused no longer holds the volume read-only
    expect(mountsOf(world).at(-1)).toEqual(['rw', world.volume]);
  });

  it('Given a volume nobody changes, When the backup runs, Then the end-of-copy check passes on the very same walk (it compares metadata only)', () => {
    // Given: a file whose mtime is in the future, and a symlink: both must compare equal to themselves
    const world = createWorld({ ...FILES, 'future.txt': 'x' });
    spawnSync('touch', ['-d', '2030-01-01T00:00:00.123456789Z', join(world.volume, 'future.txt')]);
    symlinkSync('results/train.csv', join(world.volume, 'latest.csv'));
    putRequest(world, REQUESTS.backup);

    // When
    const result = run(BACKUP_SCRIPT, world);

    // Then
    expect(result.status, result.stderr).toBe(0);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.complete]);
  });
});

describe('the restore writes through its own mount and freezes the user path', () => {
  it('Given a completed backup and a new volume, When the restore runs, Then it binds the volume to its write path first, then freezes the volume, and restores through the write path', () => {
    // Given
    const world = worldWithBackup();

    // When
    const result = run(RESTORE_SCRIPT, world);

    // Then
    expect(result.status, result.stderr).toBe(0);
    expect(mountsOf(world)).toEqual([
      ['bind', world.volume, world.writePath],
      ['bind', world.volume, world.volume],
      ['ro', world.volume],
    ]);
    // The stand-in's bind is a symlink to the volume; the write path's parent is root's alone.
    expect(readlinkSync(world.writePath)).toBe(world.volume);
    expect(lstatSync(dirname(world.writePath)).mode & 0o777).toBe(0o700);
    expect(readTree(world.volume)).toEqual(FILES);
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.complete]);
  });

  it('Given the bind of the write path failing, When the restore runs, Then it writes its failed status and restores nothing', () => {
    // Given
    const world = worldWithBackup();

    // When
    const result = run(RESTORE_SCRIPT, world, { FAKE_MOUNT_FAIL_ON: world.writePath });

    // Then
    expect(result.status).toBe(1);
    expect(failureReason(world, RESTORE.status.failed)).toBe(
      `cannot mount the volume at ${world.writePath}: mount: ${world.writePath}: permission denied.`,
    );
    expect(readTree(world.volume)).toEqual({});
    expect(mountsOf(world)).toEqual([]);
  });
});

describe.skipIf(!canUnshare)('with the real mount, in a private mount namespace', () => {
  it('Given a backup, When it runs and a user then saves a file, Then the save fails with Read-only file system, the backup completes, and the volume is writable once the namespace (the notebook) is gone', () => {
    // Given
    const world = createWorld();
    putRequest(world, REQUESTS.backup);

    // When
    const result = namespaceOutcome(runWithRealMounts(BACKUP_SCRIPT, world));

    // Then
    expect(result.stderr).toContain('saved-by-user.txt: Read-only file system');
    expect(result.stdout).toContain('user write refused');
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.complete]);
    expect(readTree(world.volume)).toEqual(FILES);
    writeFileSync(join(world.volume, 'after-the-stop.txt'), 'writable again\n');
  });

  it('Given a completed backup and a new volume, When the restore runs with the volume read-only, Then it completes through its write path and a user’s save fails meanwhile', () => {
    // Given
    const world = worldWithBackup();

    // When
    const result = namespaceOutcome(runWithRealMounts(RESTORE_SCRIPT, world));

    // Then: writing through the frozen volume would have failed the restore with EROFS
    expect(result.stderr).toContain('saved-by-user.txt: Read-only file system');
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.complete]);
    expect(readTree(world.volume)).toEqual(FILES);
  });
});
