/**
 * The stand-in `mount` (simulation/fake-aws/mount) and what the simulated notebook makes of it: a volume a
 * lifecycle script remounted read-only refuses users' writes (`sagemaker.userWrite`) with EROFS until the
 * notebook stops.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';

const STAND_IN = fileURLToPath(new URL('../../simulation/fake-aws/mount', import.meta.url));
const SECOND = 1_000;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function scratch(): string {
  const directory = mkdtempSync(join(tmpdir(), 'fake-mount-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** Runs the stand-in with `args`; its state file is `state` (undefined: FAKE_MOUNT_STATE unset). */
function mount(state: string | undefined, args: string[], extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...extra };
  if (state !== undefined) env.FAKE_MOUNT_STATE = state;
  return spawnSync(STAND_IN, args, { env, encoding: 'utf8' });
}

const stateOf = (state: string) => (existsSync(state) ? readFileSync(state, 'utf8') : '');

describe('the stand-in mount', () => {
  it('Given a directory, When it is bound onto itself and remounted read-only, Then both are recorded in order and the machine’s mounts are untouched', () => {
    // Given
    const root = scratch();
    const volume = join(root, 'volume');
    mkdirSync(volume);
    const state = join(root, 'mounts');
    const machineMounts = readFileSync('/proc/self/mountinfo', 'utf8');

    // When
    const bind = mount(state, ['--bind', volume, volume]);
    const remount = mount(state, ['-o', 'remount,bind,ro', volume]);

    // Then
    expect([bind.status, remount.status]).toEqual([0, 0]);
    expect(stateOf(state)).toBe(`bind\t${volume}\t${volume}\nro\t${volume}\n`);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(machineMounts);
  });

  it('Given an empty directory, When a volume is bound onto it, Then it becomes a symlink to the volume (writes through it reach the volume) and the bind is recorded', () => {
    // Given
    const root = scratch();
    const volume = join(root, 'volume');
    const target = join(root, 'private', 'volume');
    mkdirSync(volume);
    mkdirSync(target, { recursive: true });
    const state = join(root, 'mounts');

    // When
    const result = mount(state, ['--bind', volume, target]);
    writeFileSync(join(target, 'written-through.txt'), 'x');

    // Then
    expect(result.status).toBe(0);
    expect(readlinkSync(target)).toBe(volume);
    expect(readFileSync(join(volume, 'written-through.txt'), 'utf8')).toBe('x');
    expect(stateOf(state)).toBe(`bind\t${volume}\t${target}\n`);
  });

  it('Given a frozen directory, When it is remounted read-write, Then that is recorded after the freeze', () => {
    const root = scratch();
    const state = join(root, 'mounts');

    const results = [
      mount(state, ['--bind', root, root]),
      mount(state, ['-o', 'remount,bind,ro', root]),
      mount(state, ['-o', 'remount,bind,rw', root]),
    ];

    expect(results.map((result) => result.status)).toEqual([0, 0, 0]);
    expect(stateOf(state)).toBe(`bind\t${root}\t${root}\nro\t${root}\nrw\t${root}\n`);
  });

  it('Given a directory nothing was bound onto, When it is remounted read-only, Then it fails as mount does (exit 32) and records nothing', () => {
    const root = scratch();
    const state = join(root, 'mounts');

    const result = mount(state, ['-o', 'remount,bind,ro', root]);

    expect(result.status).toBe(32);
    expect(result.stderr).toBe(`mount: ${root}: mount point not mounted or bad option.\n`);
    expect(stateOf(state)).toBe('');
  });

  it('Given a path that does not exist, When it is bound, Then it fails with exit 32', () => {
    const root = scratch();
    const missing = join(root, 'missing');

    const result = mount(join(root, 'mounts'), ['--bind', missing, missing]);

    expect(result.status).toBe(32);
    expect(result.stderr).toBe(`mount: ${missing}: special device ${missing} does not exist.\n`);
  });

  it.each([
    ['no arguments', []],
    ['a listing of the mounts', ['-l']],
    ['a tmpfs', ['-t', 'tmpfs', 'none', '/tmp']],
    ['a read-only remount without bind', ['-o', 'remount,ro', '/tmp']],
    ['a recursive bind', ['--rbind', '/tmp', '/tmp']],
    ['a relative path', ['--bind', '.', '.']],
  ])('Given %s, When run, Then it exits 1 as unsupported and records nothing', (_, args) => {
    const state = join(scratch(), 'mounts');

    const result = mount(state, args);

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^mount \(stand-in\): unsupported: /);
    expect(stateOf(state)).toBe('');
  });

  it('Given a bind onto a directory that is not empty, When run, Then it is refused and the directory kept', () => {
    const root = scratch();
    const target = join(root, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'kept.txt'), 'x');

    const result = mount(join(root, 'mounts'), ['--bind', root, target]);

    expect(result.status).toBe(1);
    expect(readFileSync(join(target, 'kept.txt'), 'utf8')).toBe('x');
  });

  it('Given no FAKE_MOUNT_STATE, When run, Then it exits 1 and says so', () => {
    const root = scratch();

    const result = mount(undefined, ['--bind', root, root]);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('FAKE_MOUNT_STATE is not set');
  });

  it('Given FAKE_MOUNT_FAIL_ON matching the call, When run, Then it fails with permission denied (exit 32) and records nothing', () => {
    const root = scratch();
    const state = join(root, 'mounts');

    const result = mount(state, ['--bind', root, root], { FAKE_MOUNT_FAIL_ON: '--bind' });

    expect(result.status).toBe(32);
    expect(result.stderr).toBe(`mount: ${root}: permission denied.\n`);
    expect(stateOf(state)).toBe('');
  });
});

const FREEZE =
  'mount --bind "$SAGEMAKER_VOLUME" "$SAGEMAKER_VOLUME" && mount -o remount,bind,ro "$SAGEMAKER_VOLUME"';

/** A stopped notebook with notes.txt, whose lifecycle configuration runs `onStart`. */
function givenNotebook(onStart: string) {
  const account = new SimulatedAccount({ latencyMs: 0 });
  cleanups.push(() => account.dispose());
  const { sagemaker, clock } = account;
  sagemaker.seedLifecycleConfig({ name: 'on-start', onStart });
  sagemaker.seedNotebook({
    name: 'research',
    status: 'Stopped',
    lifecycleConfigName: 'on-start',
    files: { 'notes.txt': 'v1' },
  });
  return { account, sagemaker, clock };
}

/** What a call threw (it must throw). */
function thrownBy(call: () => unknown): Error & { code?: string } {
  try {
    call();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to throw');
}

describe('a user writing on the notebook’s volume (sagemaker.userWrite)', () => {
  it('Given an InService notebook whose scripts froze nothing, When a user saves a file, Then it is on the volume', () => {
    const { sagemaker, clock } = givenNotebook('true');
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    sagemaker.userWrite('research', 'notes.txt', 'v2');
    sagemaker.userWrite('research', 'new/file.txt', 'new');

    expect(sagemaker.volumeFiles('research')).toEqual({ 'new/file.txt': 'new', 'notes.txt': 'v2' });
  });

  it('Given a notebook that is not InService, When a user saves a file, Then it is refused and the volume unchanged', () => {
    const { sagemaker } = givenNotebook('true');

    const error = thrownBy(() => sagemaker.userWrite('research', 'notes.txt', 'v2'));

    expect(error.message).toBe('research is Stopped: only a notebook InService can be written to');
    expect(sagemaker.volumeFiles('research')).toEqual({ 'notes.txt': 'v1' });
  });

  it('Given an OnStart script that remounts the volume read-only, When a user saves a file once InService, Then it fails with EROFS and the volume is unchanged', () => {
    // Given
    const { sagemaker, clock } = givenNotebook(FREEZE);
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);
    expect(sagemaker.statusOf('research')).toBe('InService');

    // When
    const error = thrownBy(() => sagemaker.userWrite('research', 'notes.txt', 'v2'));

    // Then
    expect(error.code).toBe('EROFS');
    expect(error.message).toBe(
      `EROFS: read-only file system, open '${join(sagemaker.volumePath('research'), 'notes.txt')}'`,
    );
    expect(sagemaker.volumeFiles('research')).toEqual({ 'notes.txt': 'v1' });
  });

  it('Given a frozen volume, When the notebook stops, Then the freeze is gone: started again without the script, a save lands', () => {
    // Given
    const { sagemaker, clock } = givenNotebook(FREEZE);
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);
    const volumeId = sagemaker.volumeIdOf('research');
    expect(sagemaker.host.isFrozen(volumeId)).toBe(true);

    // When
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(60 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('Stopped');
    expect(sagemaker.host.isFrozen(volumeId)).toBe(false);
    sagemaker.updateNotebookInstance({ NotebookInstanceName: 'research', DisassociateLifecycleConfig: true });
    clock.advance(60 * SECOND);
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);
    sagemaker.userWrite('research', 'notes.txt', 'v2');
    expect(sagemaker.volumeFiles('research')).toEqual({ 'notes.txt': 'v2' });
  });

  it('Given an OnStart script that freezes the volume and then lifts the freeze (as a failed backup does), When a user saves a file once InService, Then it lands', () => {
    const { sagemaker, clock } = givenNotebook(`${FREEZE} && mount -o remount,bind,rw "$SAGEMAKER_VOLUME"`);
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    sagemaker.userWrite('research', 'notes.txt', 'v2');

    expect(sagemaker.host.isFrozen(sagemaker.volumeIdOf('research'))).toBe(false);
    expect(sagemaker.volumeFiles('research')).toEqual({ 'notes.txt': 'v2' });
  });

  it('Given an OnStart script that only binds the volume (no read-only remount), When a user saves a file, Then it lands: only a read-only remount freezes', () => {
    const { sagemaker, clock } = givenNotebook('mount --bind "$SAGEMAKER_VOLUME" "$SAGEMAKER_VOLUME"');
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    sagemaker.userWrite('research', 'notes.txt', 'v2');

    expect(sagemaker.lifecycleRuns('research')).toEqual([expect.objectContaining({ exitCode: 0 })]);
    expect(sagemaker.volumeFiles('research')).toEqual({ 'notes.txt': 'v2' });
  });

  it('Given a script whose stand-in mount is missing, When it calls mount, Then a guard fails it: the machine’s real mount is never reached', () => {
    // Given a stand-in directory with the aws stand-in only
    const fakeAwsDir = `${scratch()}/`;
    writeFileSync(join(fakeAwsDir, 'aws'), '#!/usr/bin/env bash\nexit 0\n', { mode: 0o755 });
    const account = new SimulatedAccount({ latencyMs: 0, fakeAwsDir });
    cleanups.push(() => account.dispose());
    account.sagemaker.seedLifecycleConfig({ name: 'on-start', onStart: FREEZE });
    account.sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'on-start' });

    // When
    account.sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    account.clock.advance(180 * SECOND);

    // Then
    const [run] = account.sagemaker.lifecycleRuns('research');
    expect(run?.exitCode).toBe(127);
    expect(run?.output).toContain('mount: the stand-in mount is not installed');
    expect(account.sagemaker.statusOf('research')).toBe('Failed');
  });
});
