/**
 * Where the simulation's disks live (scratch-disk.ts) and which python3 the lifecycle scripts run
 * (script-interpreter.ts): choices of speed that must not change what a script sees.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedStorage } from '../../simulation/account/storage.js';
import {
  fitsTheSimulation,
  MEMORY_DISK_MIN_FREE_BYTES,
  scratchParent,
} from '../../simulation/scratch-disk.js';
import { scriptInterpreterDir } from '../../simulation/script-interpreter.js';

describe('the machine a lifecycle script runs on', () => {
  it('Given this machine, When the simulation picks where its disks live, Then it is the memory disk when there is a writable one with room, else the temporary directory', () => {
    const memoryDisk = fitsTheSimulation('/dev/shm', MEMORY_DISK_MIN_FREE_BYTES);

    expect(scratchParent()).toBe(memoryDisk ? '/dev/shm' : tmpdir());
  });

  it('Given a writable directory, When it must hold more than it has free (a container’s 64 MB /dev/shm), Then it does not fit; a missing directory never does', () => {
    const directory = mkdtempSync(join(tmpdir(), 'scratch-fit-'));
    try {
      expect(fitsTheSimulation(directory, 1)).toBe(true);
      expect(fitsTheSimulation(directory, Number.MAX_SAFE_INTEGER)).toBe(false);
      expect(fitsTheSimulation(join(directory, 'missing'), 1)).toBe(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('Given a writable /dev/shm with room, When an account writes a notebook volume, Then the volume is on a memory file system under it', () => {
    const storage = new SimulatedStorage();
    try {
      const volumes = storage.volumesRoot();
      const fileSystem = spawnSync('stat', ['-f', '-c', '%T', volumes], { encoding: 'utf8' });

      if (fitsTheSimulation('/dev/shm', MEMORY_DISK_MIN_FREE_BYTES)) {
        expect(volumes.startsWith('/dev/shm/')).toBe(true);
        expect(fileSystem.stdout.trim()).toBe('tmpfs');
      } else {
        expect(volumes.startsWith(tmpdir())).toBe(true);
      }
    } finally {
      storage.dispose();
    }
  });

  it('Given this machine, When a script asks for python3, Then it gets the system python3 when there is one (as on a notebook instance), never a version manager shim, and it runs', () => {
    const parent = mkdtempSync(join(scratchParent(), 'script-machine-'));
    const directory = scriptInterpreterDir(parent);
    expect(readdirSync(directory)).toEqual(['python3']);
    const target = readlinkSync(join(directory, 'python3'));

    const version = spawnSync(join(directory, 'python3'), ['-c', 'import sys; print(sys.version_info[0])'], {
      encoding: 'utf8',
    });

    if (existsSync('/usr/bin/python3')) expect(target).toMatch(/^\/usr\/bin\/python3/);
    expect(target).not.toMatch(/\/shims\//);
    expect(version.stdout.trim()).toBe('3');
    rmSync(parent, { recursive: true, force: true });
  });
});
