/**
 * Lambda bundling once per run for the tests that synthesize with bundling: the first test process to
 * need a handler's bundle runs NodejsFunction's own bundling for it (esbuild, as `cdk synth` does), and
 * every later synthesis of that bundle in any process of the run copies the result. A second process
 * asking for it meanwhile waits for the first instead of bundling it again.
 *
 * A bundle is addressed by the esbuild command NodejsFunction derived from the function's props (entry,
 * target, format, minification, externals), its environment and project root, and the content of every
 * source a handler can reach (handlers, stacks, state machines, lifecycle scripts, the installed
 * packages and the esbuild version, the TypeScript and package settings): an edited source is bundled
 * anew, never served from an older bundle. The cache is build-cache.ts's, under node_modules/.cache.
 *
 * CDK has no public hook between its asset staging and the bundler, so this wraps AssetStaging's bundle
 * step (what writes a bundle into the staging folder) for NodejsFunction bundles only; if a CDK release
 * renames that step, synthesis bundles as before, only slower. CDK's "Bundling asset ..." progress
 * line is kept out of the test output and shown only if bundling fails.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { AssetStaging, type BundlingOptions } from 'aws-cdk-lib';
import {
  cacheDirectory,
  contentDigest,
  entryName,
  PROJECT_ROOT,
} from '../../simulation/deploy/build-cache.js';

/** Every source a handler bundle can be built from. */
const BUNDLE_SOURCES = [
  'handlers',
  'stacks',
  'statemachines',
  'lifecycle',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'node_modules/esbuild/package.json',
];

/** Longer than bundling one handler takes on a loaded machine: a lock this old was left behind. */
const ABANDONED_LOCK_MS = 60_000;
const LOCK_POLL_MS = 100;

type BundleStep = (this: AssetStaging, options: BundlingOptions, bundleDir: string) => void;

const staging = AssetStaging.prototype as unknown as { bundle?: BundleStep; bundledOnce?: true };

if (typeof staging.bundle === 'function' && !staging.bundledOnce) {
  const bundle = staging.bundle;
  staging.bundledOnce = true;
  staging.bundle = function bundleOnce(this: AssetStaging, options: BundlingOptions, bundleDir: string) {
    const sourcePath = (this as unknown as { sourcePath: string }).sourcePath;
    const cached =
      isNodejsFunctionBundling(options) && !existsSync(bundleDir)
        ? cacheEntry(options, sourcePath)
        : undefined;
    if (cached === undefined) {
      bundle.call(this, options, bundleDir);
      return;
    }
    const { entry, sourcesDigest } = cached;
    if (!existsSync(entry)) {
      withLock(`${entry}.lock`, () => {
        if (existsSync(entry)) return;
        quietly(() => bundle.call(this, options, bundleDir));
        // A source edited while esbuild read them: the bundle may mix versions, so it is not kept.
        if (contentDigest(BUNDLE_SOURCES) === sourcesDigest) keep(bundleDir, entry);
      });
    }
    if (existsSync(bundleDir)) return;
    if (existsSync(entry)) copyInto(entry, bundleDir);
    // The cache could not keep what another process bundled: bundle here.
    else quietly(() => bundle.call(this, options, bundleDir));
  };
}

/** Where the bundle for these options is kept, or undefined if the cache cannot be used. */
function cacheEntry(
  options: BundlingOptions,
  sourcePath: string,
): { entry: string; sourcesDigest: string } | undefined {
  try {
    const sourcesDigest = contentDigest(BUNDLE_SOURCES);
    const request = [options.command, options.environment ?? {}, relative(PROJECT_ROOT, sourcePath)];
    return {
      entry: join(cacheDirectory('lambda-bundles', sourcesDigest), entryName(request)),
      sourcesDigest,
    };
  } catch {
    return undefined;
  }
}

/** Copies a bundle into the cache: written aside, then renamed, so that it appears complete. */
function keep(bundleDir: string, entry: string): void {
  const aside = `${entry}.${process.pid}.tmp`;
  try {
    cpSync(bundleDir, aside, { recursive: true });
    renameSync(aside, entry);
  } catch {
    // Not kept: later syntheses bundle again.
    rmSync(aside, { recursive: true, force: true });
  }
}

/** NodejsFunction's bundling: a command that runs esbuild, and a local bundler. */
function isNodejsFunctionBundling(options: BundlingOptions): boolean {
  return (
    options.local !== undefined &&
    Array.isArray(options.command) &&
    // The command is shell-quoted: 'esbuild' '--bundle' ...
    options.command.some((part) => part.replaceAll("'", '').includes('esbuild --bundle'))
  );
}

/** As the bundle step leaves it: the folder appears complete (written aside, then renamed). */
function copyInto(entry: string, bundleDir: string): void {
  const aside = `${bundleDir}-copying`;
  rmSync(aside, { recursive: true, force: true });
  cpSync(entry, aside, { recursive: true });
  renameSync(aside, bundleDir);
}

/** Runs `work` holding a lock folder, waiting for a process that holds it. */
function withLock(lock: string, work: () => void): void {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (abandoned(lock)) rmSync(lock, { recursive: true, force: true });
      else sleep(LOCK_POLL_MS);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A lock whose process is gone (a run interrupted while bundling), or held for too long. */
function abandoned(lock: string): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > ABANDONED_LOCK_MS) return true;
    const owner = Number(readFileSync(join(lock, 'owner'), 'utf8'));
    process.kill(owner, 0);
    return false;
  } catch (error) {
    // No such process: abandoned. No owner file yet, or the lock just released: wait and look again.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `work` with what it writes to process.stderr held back, and written out only if it fails. */
function quietly(work: () => void): void {
  const held: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stderr.write;
  try {
    work();
  } catch (error) {
    process.stderr.write = write;
    process.stderr.write(held.join(''));
    throw error;
  } finally {
    process.stderr.write = write;
  }
}
