/**
 * The freeze is always lifted (lifecycle/README.md, "The freeze"): a copy that fails, errs or is killed
 * remounts the volume read-write in its exit trap, before it writes its failed status, since a failed
 * backup is never used and its users must not stay locked out; only a complete backup keeps the volume
 * read-only, until the stop, and freezes it again if the notebook is restarted before that stop. Run with
 * the stand-in `mount`, and with the real one where the machine allows.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  archiveUploadStarted,
  BACKUP_SCRIPT,
  canUnshare,
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

const REFUSE_ARCHIVE = { FAKE_AWS_FAIL_ON: 'data/archive.tar' };

const logOf = (world: { root: string }) => readFileSync(join(world.root, 'notebook.log'), 'utf8');

describe('the backup lifts its freeze when it does not complete', () => {
  it('Given the archive upload refused, When the backup runs, Then it remounts the volume read-write before writing backup-status/failed', () => {
    // Given
    const world = createWorld();
    putRequest(world, REQUESTS.backup);

    // When
    const result = run(BACKUP_SCRIPT, world, REFUSE_ARCHIVE);

    // Then
    expect(result.status).toBe(1);
    expect(mountsOf(world)).toEqual([
      ['bind', world.volume, world.volume],
      ['ro', world.volume],
      ['rw', world.volume],
    ]);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.failed]);
    expect(failureReason(world, LAYOUT.backupStatus.failed)).toMatch(
      /^cannot back up the volume: upload failed/,
    );
    const log = logOf(world);
    expect(log.indexOf(`${world.volume} is writable again`)).toBeGreaterThan(-1);
    expect(log.indexOf(`${world.volume} is writable again`)).toBeLessThan(log.indexOf('FAILED (exit 1)'));
  });

  it('Given a copy in flight, When it is killed (SIGTERM to its process group), Then its exit trap remounts the volume read-write and writes backup-status/failed', async () => {
    // Given a backup whose archive upload is held at its start, in its own process group as on a notebook
    const world = createWorld();
    putRequest(world, REQUESTS.backup);
    const gate = join(world.root, 'gate');
    const child = spawn('bash', [BACKUP_SCRIPT], {
      env: scriptEnv(world, { FAKE_AWS_WAIT_FOR_FILE: gate, FAKE_AWS_DELAY_ON: 'archive.tar' }),
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await waitFor(() => archiveUploadStarted(world), 15_000)).toBe(true);

    // When
    process.kill(-(child.pid as number), 'SIGTERM');

    // Then the signal became a failed exit (143), so the trap saw a failure
    expect(await exited).toBe(143);
    writeFileSync(gate, '');
    expect(mountsOf(world).at(-1)).toEqual(['rw', world.volume]);
    expect(failureReason(world, LAYOUT.backupStatus.failed)).toBe('stopped by SIGTERM');
    expect(existsSync(objectPath(world, LAYOUT.backupStatus.complete))).toBe(false);
  });

  it.each([
    ['completes', {}, 'complete', [['ro']]],
    ['fails', REFUSE_ARCHIVE, 'failed', [['ro'], ['rw']]],
  ] as const)(
    'Given the copy detached as on a notebook (BACKUP_FOREGROUND=0), When it %s, Then the launcher exits 0 and the copy leaves the volume as its outcome requires',
    async (_, extra, status, remounts) => {
      // Given
      const world = createWorld();
      putRequest(world, REQUESTS.backup);

      // When
      const result = run(BACKUP_SCRIPT, world, { ...extra, BACKUP_FOREGROUND: '0' });

      // Then: the launcher hands the freeze over to the copy, which alone lifts it
      expect(result.status).toBe(0);
      expect(await waitFor(() => statusListing(world, LAYOUT.backupStatus).length > 0, 20_000)).toBe(true);
      expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus[status]]);
      expect(mountsOf(world)).toEqual([
        ['bind', world.volume, world.volume],
        ...remounts.map(([kind]) => [kind, world.volume]),
      ]);
    },
  );
});

describe('a restart after the backup (someone else starting the notebook again before the workflow stops it)', () => {
  it.each([
    ['completed', {}, 'complete', [['bind'], ['ro']]],
    ['failed', REFUSE_ARCHIVE, 'failed', []],
  ] as const)(
    'Given a backup that %s, When the OnStart script runs again for its request after the stop cleared the mounts, Then it copies nothing, and freezes the volume again only if the backup completed',
    (_, extra, status, remounts) => {
      // Given
      const world = createWorld();
      putRequest(world, REQUESTS.backup);
      run(BACKUP_SCRIPT, world, extra);
      rmSync(world.mounts);

      // When
      const result = run(BACKUP_SCRIPT, world);

      // Then: a complete snapshot must stay the volume until the workflow's own stop
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`backup-status/${status} already exists`);
      expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus[status]]);
      expect(mountsOf(world)).toEqual(
        remounts.map(([kind]) =>
          kind === 'bind' ? [kind, world.volume, world.volume] : [kind, world.volume],
        ),
      );
    },
  );
});

describe('the restore lifts its freeze when it does not complete', () => {
  it('Given the archive download refused, When the restore runs, Then it remounts the volume read-write and writes its failed status', () => {
    // Given
    const world = worldWithBackup();

    // When
    const result = run(RESTORE_SCRIPT, world, REFUSE_ARCHIVE);

    // Then
    expect(result.status).toBe(1);
    expect(mountsOf(world)).toEqual([
      ['bind', world.volume, world.writePath],
      ['bind', world.volume, world.volume],
      ['ro', world.volume],
      ['rw', world.volume],
    ]);
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.failed]);
  });
});

describe.skipIf(!canUnshare)('with the real mount, in a private mount namespace', () => {
  it('Given the archive upload refused, When the backup runs and a user then saves a file, Then the save lands and the volume is otherwise as it was', () => {
    // Given
    const world = createWorld();
    putRequest(world, REQUESTS.backup);

    // When
    const result = namespaceOutcome(runWithRealMounts(BACKUP_SCRIPT, world, REFUSE_ARCHIVE), 1);

    // Then
    expect(result.stdout).not.toContain('user write refused');
    expect(readTree(world.volume)).toEqual({ ...FILES, 'saved-by-user.txt': 'saved\n' });
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.failed]);
  });
});
