/**
 * Where the simulation keeps its disks: S3 objects, notebook volumes and lifecycle script runs. In memory
 * (/dev/shm, a tmpfs on every Linux) when the machine has one with room enough, else the temporary
 * directory.
 *
 * The scripts do the same on either (files, directories, symlinks, hard links, modes and nanosecond times
 * behave alike), and no figure reads the real disk's speed: copies take the time copy-throughput.ts models.
 * On the 2-core machine, restoring 100,000 files took 41 s on ext4 and 9 to 13 s on tmpfs (as fast as the
 * machine was), almost all of it the kernel's journal work for each file created.
 */
import { accessSync, constants, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

const MEMORY_DISK = '/dev/shm';

/**
 * The room the memory disk must have free: the 100,000-file recreation holds two volumes (a tmpfs page
 * per small file, about 400 MB each), the archive and the manifests at once, and the other test worker
 * writes beside it. A container's /dev/shm is often 64 MB: too small, so the temporary directory.
 */
export const MEMORY_DISK_MIN_FREE_BYTES = 2 * 2 ** 30;

let parent: string | undefined;

/** The directory to create the simulation's temporary directories in. */
export function scratchParent(): string {
  parent ??= fitsTheSimulation(MEMORY_DISK, MEMORY_DISK_MIN_FREE_BYTES) ? MEMORY_DISK : tmpdir();
  return parent;
}

/** Whether `directory` is a directory this process may write in, with `minFreeBytes` free. */
export function fitsTheSimulation(directory: string, minFreeBytes: number): boolean {
  try {
    if (!statSync(directory).isDirectory()) return false;
    accessSync(directory, constants.W_OK | constants.X_OK);
    const { bavail, bsize } = statfsSync(directory);
    return bavail * bsize >= minFreeBytes;
  } catch {
    return false;
  }
}
