/**
 * A cache on disk for what the processes of one run would otherwise each build again (synthesized
 * templates, Lambda bundles): the test workers, the campaign's worker processes and the CLIs share it.
 *
 * An entry is addressed by a digest of everything that made it: the content of the source files and
 * directories it was built from (package-lock.json standing for node_modules) and the request. An edited
 * source gives a new address, so no entry is ever read for sources other than its own. Entries are
 * written aside and renamed into place, so a reader never sees half of one, and a folder of entries
 * made from other sources is removed once it has not been used for a day.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const CACHE_ROOT = join(PROJECT_ROOT, 'node_modules', '.cache');

/** How long a folder of entries made from other sources is kept after its last use. */
const STALE_AFTER_MS = 24 * 3_600_000;

/**
 * A digest of the content of `paths` (relative to the repository's root, or absolute; a directory stands
 * for every file below it, a missing path for its absence).
 */
export function contentDigest(paths: readonly string[]): string {
  const digest = createHash('sha256');
  for (const path of paths) addPath(digest, resolve(PROJECT_ROOT, path));
  return digest.digest('hex');
}

function addPath(digest: ReturnType<typeof createHash>, path: string): void {
  const name = relative(PROJECT_ROOT, path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    digest.update(`missing ${name}\0`);
    return;
  }
  if (isDirectory) {
    for (const entry of readdirSync(path).sort()) addPath(digest, join(path, entry));
    return;
  }
  const content = readFileSync(path);
  digest.update(`file ${name} ${content.length}\0`);
  digest.update(content);
}

/** Where the entries of a kind made from sources with this digest are kept (created if missing). */
export function cacheDirectory(kind: string, sourcesDigest: string): string {
  const kindDirectory = join(CACHE_ROOT, kind);
  const directory = join(kindDirectory, sourcesDigest.slice(0, 32));
  mkdirSync(directory, { recursive: true });
  const now = new Date();
  // The folder's time marks its last use: what the clean-up of stale folders goes by.
  utimesSync(directory, now, now);
  removeStaleFolders(kindDirectory, directory, now.getTime());
  return directory;
}

function removeStaleFolders(kindDirectory: string, current: string, now: number): void {
  for (const entry of readdirSync(kindDirectory)) {
    const folder = join(kindDirectory, entry);
    if (folder === current) continue;
    try {
      if (now - statSync(folder).mtimeMs > STALE_AFTER_MS) rmSync(folder, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/** The address of a request within a cache directory. */
export function entryName(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 32);
}

/** The sources a kind of entry is built from, and their digest when the builder's code was loaded. */
export interface BuildSources {
  readonly kind: string;
  readonly paths: readonly string[];
  /**
   * For a builder that runs code loaded from these sources (synthesis runs the stack modules): their
   * digest when that code was loaded. Once the files differ, this process runs older code than they
   * hold: it neither reads nor writes entries. Without it, the build reads the files themselves.
   */
  readonly digestAtLoad?: string;
}

/**
 * The text `build` makes for `request`: read from the cache, or built and kept there. It is kept only if
 * the sources did not change while it was built. A cache that cannot be read or written (node_modules
 * read-only, say) only means building each time.
 */
export function cachedText(sources: BuildSources, request: unknown, build: () => string): string {
  const digest = contentDigest(sources.paths);
  if (sources.digestAtLoad !== undefined && sources.digestAtLoad !== digest) return build();
  let file: string | undefined;
  try {
    file = join(cacheDirectory(sources.kind, digest), `${entryName(request)}.json`);
    return readFileSync(file, 'utf8');
  } catch {
    // Not built yet (or no cache): build it.
  }
  const text = build();
  if (file !== undefined && contentDigest(sources.paths) === digest) {
    try {
      // Written aside and renamed into place: readers see all of it or nothing.
      const aside = `${file}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(aside, text);
      renameSync(aside, file);
    } catch {
      // Kept for this process only.
    }
  }
  return text;
}

/**
 * What synthesis reads: the app's sources (the stacks, the state machines, the handlers' shared modules
 * and the lifecycle scripts), its own code and the installed packages. Here rather than in synthesize.ts,
 * so that a test worker notes their digest as it starts, before it loads any of them (the setup file
 * test/build-cache-setup.ts loads this module).
 */
const SYNTHESIS_PATHS = [
  'stacks',
  'statemachines',
  'handlers',
  'lifecycle',
  'simulation/deploy/synthesize.ts',
  'simulation/deploy/build-cache.ts',
  'package-lock.json',
];

export const SYNTHESIS_SOURCES: BuildSources = {
  kind: 'synthesis',
  paths: SYNTHESIS_PATHS,
  digestAtLoad: contentDigest(SYNTHESIS_PATHS),
};
