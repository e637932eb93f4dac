/**
 * The real directories behind the simulated account: S3 buckets, notebook storage volumes and the
 * scratch space lifecycle scripts run in. One temporary root per account, created on first use (most
 * tests never touch the disk) and removed by `dispose()`, or when the process exits as a fallback.
 *
 *   <root>/s3/<bucket>/<key>        one file per object (the layout the stand-in `aws` CLI shares)
 *   <root>/volumes/<volume id>/     one directory per notebook instance: /home/ec2-user/SageMaker
 *   <root>/scratch/<run>/           script files, HOME and TMPDIR of one lifecycle script run
 */

import { type Dirent, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { scratchParent } from '../scratch-disk.js';
import type { CopySize } from './copy-throughput.js';

export interface SimulatedStorageOptions {
  /** Use this directory instead of a fresh temporary one. `dispose()` then leaves it in place. */
  readonly root?: string;
}

/** Roots this process created and has not removed yet, removed on exit if a test forgot `dispose()`. */
const undisposedRoots = new Set<string>();
let exitHookInstalled = false;

function removeOnExit(root: string): void {
  undisposedRoots.add(root);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const leftover of undisposedRoots) {
        rmSync(leftover, { recursive: true, force: true });
      }
    });
  }
}

export class SimulatedStorage {
  private rootDir: string | undefined;
  private readonly owned: boolean;
  private disposed = false;
  private scratchCounter = 0;

  constructor(options: SimulatedStorageOptions = {}) {
    this.rootDir = options.root;
    this.owned = options.root === undefined;
  }

  /** The root directory, created on first use. */
  get root(): string {
    if (this.disposed) {
      throw new Error('SimulatedStorage: used after dispose()');
    }
    if (this.rootDir === undefined) {
      this.rootDir = mkdtempSync(join(scratchParent(), 'simulated-account-'));
      removeOnExit(this.rootDir);
    } else {
      mkdirSync(this.rootDir, { recursive: true });
    }
    return this.rootDir;
  }

  /** Whether a directory exists yet (nothing has been written when it does not). */
  get created(): boolean {
    return this.rootDir !== undefined && !this.disposed;
  }

  /** `<root>/s3`: one directory per bucket. */
  s3Root(): string {
    return this.ensure('s3');
  }

  /** `<root>/volumes`: one directory per notebook storage volume. */
  volumesRoot(): string {
    return this.ensure('volumes');
  }

  /** A fresh directory under `<root>/scratch`, named `<prefix>-<n>`. */
  newScratchDir(prefix: string): string {
    this.scratchCounter += 1;
    const dir = join(this.ensure('scratch'), `${prefix}-${this.scratchCounter}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Removes the temporary root (a root passed in the options is left alone). Idempotent. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    if (this.owned && this.rootDir !== undefined) {
      rmSync(this.rootDir, { recursive: true, force: true });
      undisposedRoots.delete(this.rootDir);
    }
  }

  private ensure(child: string): string {
    const dir = join(this.root, child);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}

/**
 * Every regular file under `dir` (following no symbolic links to directories), as paths relative to
 * `dir` with forward slashes. Missing directory: none. Unsorted.
 */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const visit = (current: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        visit(path);
      } else if (entry.isFile() || (entry.isSymbolicLink() && isFile(path))) {
        files.push(relative(dir, path).split(sep).join('/'));
      }
    }
  };
  visit(dir);
  return files;
}

/** Change times of every file under `dir`, to tell afterwards which files something wrote. */
export function changeTimes(dir: string): Map<string, bigint> {
  const times = new Map<string, bigint>();
  for (const file of listFiles(dir)) {
    try {
      times.set(file, statSync(join(dir, file), { bigint: true }).ctimeNs);
    } catch {
      // Removed meanwhile.
    }
  }
  return times;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function fileSize(path: string): number {
  try {
    return lstatSync(path).size;
  } catch {
    return 0;
  }
}

/** Entries (files, directories, symlinks) under `root`, and the bytes of its files, without following links. */
export function measureTree(root: string): CopySize {
  let files = 0;
  let bytes = 0;
  // Names as bytes: a volume may hold names that are not UTF-8.
  const visit = (dir: Buffer): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
      files += 1;
      const path = Buffer.concat([dir, Buffer.from('/'), entry.name]);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) bytes += lstatSync(path).size;
    }
  };
  visit(Buffer.from(root));
  return { files, bytes };
}
