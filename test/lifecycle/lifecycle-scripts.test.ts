import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  createReadStream,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lazy, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT_VERSION,
  type BackupRequest,
  formatManifestLine,
  manifestLines,
  notebookPrefix,
  parseManifestLine,
  parseStatusSummary,
  requestKeys,
  restoreLayout,
  type StatusKeys,
  type StatusSummary,
  snapshotLayout,
  snapshotPrefix,
} from '../../handlers/shared/notebook-backup-layout.js';
import { compareManifestStreams } from '../../handlers/shared/restore-differences.js';
import {
  assembleScript,
  BUCKET_PLACEHOLDER,
  backupOnStartScript,
  COMMON_PART_FILE,
  deployedPart,
  type LifecycleScriptFile,
  MAX_LIFECYCLE_CONTENT_LENGTH,
  restoreOnCreateScript,
  toLifecycleContent,
} from '../../lifecycle/lifecycle-scripts.js';
import { scratchParent } from '../../simulation/scratch-disk.js';
import { scriptInterpreterDir } from '../../simulation/script-interpreter.js';

const LIFECYCLE_DIR = fileURLToPath(new URL('../../lifecycle/', import.meta.url));
const FAKE_AWS_DIR = fileURLToPath(new URL('../../simulation/fake-aws/', import.meta.url));

const BUCKET = 'notebook-backups-111122223333';
const ROLE_ID = 'AROAEXAMPLEROLEID12345';
const NOTEBOOK = 'research-notebook';
const SNAPSHOT = snapshotPrefix(ROLE_ID, NOTEBOOK, '20261123T090000Z-exec-1');
const LAYOUT = snapshotLayout(SNAPSHOT);
const REQUESTS = requestKeys(notebookPrefix(ROLE_ID, NOTEBOOK));
/** The attempt id of the restore request putRequest writes by default, and where that restore writes. */
const ATTEMPT = 'exec-1';
const RESTORE = restoreLayout(SNAPSHOT, ATTEMPT);

/** Each assembled script must leave room for the 63-character bucket name within 16384 base64 characters. */
const MAX_SCRIPT_BYTES = 12_000;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

interface World {
  readonly root: string;
  readonly volume: string;
  readonly s3Root: string;
  readonly metadataFile: string;
  readonly logFile: string;
  /** One line per stand-in aws call, in order. */
  readonly awsLog: string;
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function scratchDirectory(prefix: string): string {
  const directory = mkdtempSync(join(scratchParent(), prefix));
  roots.push(directory);
  return directory;
}

/**
 * The script as the loader assembles it (shebang, common part, own part) with the bucket placeholder
 * still in place, written to a file: it runs with BACKUP_BUCKET set, as every test run does.
 */
function assembledScriptFile(file: LifecycleScriptFile): string {
  const path = join(scratchDirectory('lifecycle-scripts-'), file);
  writeFileSync(path, assembleScript(file));
  return path;
}

const BACKUP_SCRIPT = assembledScriptFile('backup-on-start.sh');
const RESTORE_SCRIPT = assembledScriptFile('restore-on-create.sh');

function createWorld(): World {
  const root = scratchDirectory('lifecycle-');
  const world: World = {
    root,
    volume: join(root, 'volume'),
    s3Root: join(root, 's3'),
    metadataFile: join(root, 'resource-metadata.json'),
    logFile: join(root, 'notebook.log'),
    awsLog: join(root, 'aws-calls.log'),
  };
  mkdirSync(world.volume);
  mkdirSync(join(world.s3Root, BUCKET), { recursive: true });
  writeFileSync(
    world.metadataFile,
    JSON.stringify({
      ResourceName: NOTEBOOK,
      ResourceArn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${NOTEBOOK}`,
    }),
  );
  return world;
}

/** A new notebook's volume: empty but for the ext4 lost+found. */
function newVolume(world: World, name = 'new-volume'): string {
  const volume = join(world.root, name);
  mkdirSync(join(volume, 'lost+found'), { recursive: true });
  return volume;
}

/** A path inside the volume from its raw bytes: names need not be UTF-8. */
const rawPath = (volume: string, ...parts: (string | Buffer)[]): Buffer =>
  Buffer.concat([Buffer.from(`${volume}/`), ...parts.map((part) => Buffer.from(part))]);
const INVALID_UTF8_NAME = Buffer.concat([Buffer.from('bad'), Buffer.from([0xff]), Buffer.from('name.txt')]);
const RANDOM_BIN = randomBytes(3 * 1024 * 1024);

/** Every kind of entry a notebook volume holds, and some it should not. */
function populateVolume(world: World): void {
  const at = (path: string) => join(world.volume, path);
  const write = (path: string, content: string | Buffer, mode?: number) => {
    mkdirSync(dirname(at(path)), { recursive: true });
    writeFileSync(at(path), content);
    if (mode !== undefined) chmodSync(at(path), mode);
  };
  write('analysis.ipynb', JSON.stringify({ cells: [], nbformat: 4 }));
  write('data/results.csv', 'model,accuracy\nbaseline,0.81\n');
  write('data/random.bin', RANDOM_BIN);
  write('.jupyter-settings', '{"theme": "dark"}\n');
  write('.hidden/.env', 'TOKEN=not-a-secret\n');
  mkdirSync(at('.cache'));
  write('empty.txt', '');
  mkdirSync(at('empty-dir'));
  mkdirSync(at('nested/empty/deeper'), { recursive: true });
  write('secret.txt', 'only mine\n', 0o600);
  write('run.sh', '#!/bin/sh\necho hi\n', 0o755);
  write('group.txt', 'group readable\n', 0o640);
  write('private/inside.txt', 'in a 700 directory\n');
  chmodSync(at('private'), 0o700);
  write('My Project/notes with spaces.txt', 'spaces in the directory and the file name\n');
  write('line\nbreak.txt', 'a newline in the name\n');
  write('données/résumé 日本.md', '# é 日本\n');
  writeFileSync(rawPath(world.volume, INVALID_UTF8_NAME), 'a name that is not UTF-8\n');
  symlinkSync('data/results.csv', at('latest.csv'));
  symlinkSync('data', at('linked-dir'));
  symlinkSync('missing-target', at('dangling'));
  writeFileSync(join(world.root, 'outside.txt'), 'not part of the notebook\n');
  symlinkSync(join(world.root, 'outside.txt'), at('outside-absolute'));
  symlinkSync('../outside.txt', at('outside-relative'));
  linkSync(at('data/results.csv'), at('data/results-hardlink.csv'));
  expect(spawnSync('mkfifo', [at('pipe')]).status).toBe(0);
  // ext4 metadata, on every volume: never backed up.
  write('lost+found/#12345', 'fsck debris\n');
}

/** What a volume holds, entry by entry, keyed by the raw path (latin1, one character per byte). */
interface TreeEntry {
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly mode: string;
  readonly bytes: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly mtimeNs: bigint;
}

function listTree(volume: string, skip: readonly string[] = ['lost+found']): Map<string, TreeEntry> {
  const tree = new Map<string, TreeEntry>();
  const walk = (directory: Buffer, relative: string) => {
    for (const name of readdirSync(directory, { encoding: 'buffer' })) {
      const path = Buffer.concat([directory, Buffer.from('/'), name]);
      const key = relative + name.toString('latin1');
      if (skip.includes(key)) continue;
      const stat = lstatSync(path, { bigint: true });
      const mode = (Number(stat.mode) & 0o7777).toString(8);
      if (stat.isDirectory()) {
        tree.set(key, { type: 'directory', mode, bytes: 0, mtimeNs: stat.mtimeNs });
        walk(path, `${key}/`);
      } else if (stat.isSymbolicLink()) {
        const target = readlinkSync(path, { encoding: 'buffer' }).toString('latin1');
        tree.set(key, { type: 'symlink', mode, bytes: 0, target, mtimeNs: stat.mtimeNs });
      } else if (stat.isFile()) {
        const content = readFileSync(path);
        tree.set(key, {
          type: 'file',
          mode,
          bytes: content.length,
          sha256: sha256(content),
          mtimeNs: stat.mtimeNs,
        });
      } else {
        tree.set(key, { type: 'other', mode, bytes: 0, mtimeNs: stat.mtimeNs });
      }
    }
  };
  walk(Buffer.from(volume), '');
  return tree;
}

const objectPath = (world: World, key: string) => join(world.s3Root, BUCKET, key);
const objectBytes = (world: World, key: string) => readFileSync(objectPath(world, key));

function putObject(world: World, key: string, body: string | Buffer): void {
  mkdirSync(dirname(objectPath(world, key)), { recursive: true });
  writeFileSync(objectPath(world, key), body);
}

/** A valid request (a restore request with attempt ATTEMPT), with `request` over it: undefined removes a field. */
function putRequest(
  world: World,
  key: string,
  request: Partial<Record<keyof BackupRequest, unknown>> = {},
): void {
  const valid: BackupRequest = {
    version: BACKUP_FORMAT_VERSION,
    snapshotPrefix: SNAPSHOT,
    requestedBy: 'test',
    ...(key === REQUESTS.restore ? { attempt: ATTEMPT } : {}),
  };
  putObject(world, key, JSON.stringify({ ...valid, ...request }));
}

/** The keys a listing of the status prefix shows (the stand-in's temporary files are not objects). */
function statusListing(world: World, status: StatusKeys): string[] {
  const directory = objectPath(world, status.prefix);
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => !name.startsWith('.fake-aws.'))
    .map((name) => `${status.prefix}${name}`)
    .sort();
}

function summaryOf(world: World, key: string): StatusSummary {
  return parseStatusSummary(objectBytes(world, key).toString('utf8'), key);
}

let pythonDirectory: string | undefined;
/** The python3 of a notebook's script (script-interpreter.ts), made once for the file. */
function scriptPython(): string {
  pythonDirectory ??= scriptInterpreterDir(scratchDirectory('script-python-'));
  return pythonDirectory;
}

function scriptEnv(world: World, volume: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: `${FAKE_AWS_DIR}:${scriptPython()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: world.root,
    FAKE_S3_ROOT: world.s3Root,
    FAKE_ROLE_ID: ROLE_ID,
    FAKE_AWS_LOG: world.awsLog,
    // These tests have no account: the stand-in's IAM check is skipped.
    FAKE_AWS_AUTHORIZER: 'none',
    RESOURCE_METADATA: world.metadataFile,
    SAGEMAKER_VOLUME: volume,
    BACKUP_LOG: world.logFile,
    BACKUP_BUCKET: BUCKET,
    BACKUP_FOREGROUND: '1',
    BACKUP_EXIT_STATUS: 'copy',
    // The stand-in mount records the freeze here; the restore's write path is new for each run.
    FAKE_MOUNT_STATE: join(world.root, 'mounts'),
    RESTORE_WRITE_PATH: join(scratchDirectory('restore-mount-'), 'volume'),
    ...extra,
  };
}

function run(
  script: string,
  world: World,
  volume = world.volume,
  extra: Record<string, string> = {},
  timeout = 30_000,
): SpawnSyncReturns<string> {
  return spawnSync('bash', [script], { env: scriptEnv(world, volume, extra), encoding: 'utf8', timeout });
}

function awsCalls(world: World): string[] {
  return existsSync(world.awsLog) ? readFileSync(world.awsLog, 'utf8').trim().split('\n') : [];
}

/** The keys written, in order. */
function uploads(world: World): string[] {
  return awsCalls(world)
    .filter((line) => line.startsWith('upload '))
    .map((line) => line.slice(`upload s3://${BUCKET}/`.length));
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

/** Whether any process has `path` open: /proc/<pid>/fd links name the files. */
function isOpenByAnyProcess(path: string): boolean {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) return true;
      } catch {
        // The descriptor closed meanwhile.
      }
    }
  }
  return false;
}

function readFileLines(path: string): AsyncIterable<string> {
  return manifestLines(createReadStream(path));
}

interface Backup {
  readonly world: World;
  readonly result: SpawnSyncReturns<string>;
  /** The fixture volume as it was backed up. */
  readonly tree: Map<string, TreeEntry>;
}

let sharedBackup: Backup | undefined;

/** The fixture volume backed up once (foreground), shared by the tests that only read its outcome. */
function backupOnce(): Backup {
  if (!sharedBackup) {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup);
    const result = run(BACKUP_SCRIPT, world);
    sharedBackup = { world, result, tree: listTree(world.volume) };
  }
  return sharedBackup;
}

/** A fresh world whose bucket holds a copy of the shared backup, and a restore request for it. */
function worldWithBackup(): World {
  const { world: backedUp, result } = backupOnce();
  expect(result.status, result.stderr).toBe(0);
  const world = createWorld();
  cpSync(join(backedUp.s3Root, BUCKET), join(world.s3Root, BUCKET), { recursive: true });
  putRequest(world, REQUESTS.restore);
  return world;
}

/** A python 3.7 interpreter on this machine (installed by pyenv, or on PATH but not a pyenv shim), if any. */
const PYTHON_37 =
  spawnSync(
    'bash',
    [
      '-c',
      `for candidate in "$(pyenv root 2>/dev/null)"/versions/3.7*/bin/python3.7 "$(command -v python3.7)"; do
         if [[ -x "$candidate" && "$candidate" != */shims/* ]] &&
           [[ "$("$candidate" -c 'import sys; print(sys.version_info[:2] == (3, 7))')" == True ]]; then
           echo "$candidate"; break
         fi
       done`,
    ],
    { encoding: 'utf8' },
  ).stdout.trim() || undefined;

/** The fixture's entries the backup keeps: the FIFO is skipped. */
const EXPECTED_COUNTS = { files: 15, directories: 10, symlinks: 5, skipped: 1 };

describe('backup-on-start.sh', () => {
  it('Given a volume of every kind of entry, When the backup runs, Then archive, manifest and complete status describe it, complete written last', () => {
    const { world, result } = backupOnce();

    expect(result.status, result.stderr).toBe(0);
    expect(uploads(world)).toEqual([LAYOUT.archive, LAYOUT.manifest, LAYOUT.backupStatus.complete]);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.complete]);
    const summary = summaryOf(world, LAYOUT.backupStatus.complete);
    const archive = objectBytes(world, LAYOUT.archive);
    const manifest = objectBytes(world, LAYOUT.manifest);
    expect(summary).toMatchObject({
      version: BACKUP_FORMAT_VERSION,
      notebookName: NOTEBOOK,
      entries: EXPECTED_COUNTS.files + EXPECTED_COUNTS.directories + EXPECTED_COUNTS.symlinks,
      ...EXPECTED_COUNTS,
      archiveBytes: archive.length,
      archiveSha256: sha256(archive),
      manifestSha256: sha256(manifest),
    });
    expect(Math.abs(Date.parse(summary.completedAt) - Date.now())).toBeLessThan(60_000);
    const lines = manifest.toString('ascii').split('\n').slice(0, -1);
    expect(lines).toHaveLength(summary.entries);
    const entries = lines.map((line) => parseManifestLine(line));
    // The TypeScript writer agrees with python's byte for byte, and the lines are sorted as it sorts.
    expect(entries.map((entry) => formatManifestLine(entry)).join('')).toBe(manifest.toString('ascii'));
    expect(summary.totalBytes).toBe(entries.reduce((sum, entry) => sum + entry.bytes, 0));
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect(byPath.get('secret.txt')).toMatchObject({ type: 'file', mode: 0o600 });
    expect(byPath.get('private')).toMatchObject({ type: 'directory', mode: 0o700 });
    expect(byPath.get('bad\udcffname.txt')).toMatchObject({ type: 'file' });
    expect(byPath.get('outside-absolute')).toEqual({
      path: 'outside-absolute',
      type: 'symlink',
      mode: 0o777,
      bytes: 0,
      target: join(world.root, 'outside.txt'),
    });
    expect(byPath.get('data/random.bin')).toMatchObject({
      bytes: RANDOM_BIN.length,
      sha256: sha256(RANDOM_BIN),
    });
    expect([...byPath.keys()].filter((path) => path.startsWith('lost+found') || path === 'pipe')).toEqual([]);
    expect(readFileSync(world.logFile, 'utf8')).toContain("skipped 'pipe': not a file, directory or symlink");
  });

  it('Given an upload that fails, When the backup runs, Then backup-status holds only failed, its first line the reason', () => {
    for (const failing of ['archive.tar', 'manifest.jsonl']) {
      const world = createWorld();
      populateVolume(world);
      putRequest(world, REQUESTS.backup);

      const result = run(BACKUP_SCRIPT, world, world.volume, { FAKE_AWS_FAIL_ON: failing });

      expect(result.status, failing).toBe(1);
      expect(statusListing(world, LAYOUT.backupStatus), failing).toEqual([LAYOUT.backupStatus.failed]);
      const reason = objectBytes(world, LAYOUT.backupStatus.failed);
      expect(reason.length).toBeLessThanOrEqual(1024);
      expect(reason.toString('utf8').split('\n')[0]).toMatch(/^cannot .*AccessDenied/);
      expect(readFileSync(world.logFile, 'utf8')).toContain('FAILED (exit 1)');
    }
  });

  it('Given a file written to while it is being archived, When the backup runs, Then it fails instead of storing a torn file', async () => {
    const world = createWorld();
    populateVolume(world);
    // First in the archive, and far larger than a pipe holds: read while the upload is held.
    const big = join(world.volume, '0-big.bin');
    writeFileSync(big, randomBytes(8 * 1024 * 1024));
    putRequest(world, REQUESTS.backup);
    const gate = join(world.root, 'gate');
    const child = spawn('bash', [BACKUP_SCRIPT], {
      env: scriptEnv(world, world.volume, { FAKE_AWS_WAIT_FOR_FILE: gate, FAKE_AWS_DELAY_ON: 'archive.tar' }),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    expect(await waitFor(() => isOpenByAnyProcess(big), 15_000)).toBe(true);
    appendFileSync(big, 'edited in the notebook meanwhile\n');
    writeFileSync(gate, '');

    expect(await exited).toBe(1);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.failed]);
    expect(objectBytes(world, LAYOUT.backupStatus.failed).toString()).toContain(
      "'0-big.bin' changed while read",
    );
  });

  it('Given the background mode and an upload still in flight, When the lifecycle script runs, Then it exits 0 at once and the copy still completes', async () => {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup);
    const gate = join(world.root, 'gate');

    // Had the script waited for the copy, the held upload would keep it from returning (spawnSync times out).
    const result = run(BACKUP_SCRIPT, world, world.volume, {
      BACKUP_FOREGROUND: '0',
      FAKE_AWS_WAIT_FOR_FILE: gate,
      FAKE_AWS_DELAY_ON: 'archive.tar',
    });

    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('copy running in the background');
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([]);
    writeFileSync(gate, '');
    expect(await waitFor(() => existsSync(objectPath(world, LAYOUT.backupStatus.complete)), 20_000)).toBe(
      true,
    );
    expect(summaryOf(world, LAYOUT.backupStatus.complete).skipped).toBe(1);
  });

  it('Given a snapshot that already has a status, When the backup runs again for it, Then it refuses and neither the archive nor the status changes', () => {
    const world = worldWithBackup();
    putRequest(world, REQUESTS.backup);
    const archive = objectBytes(world, LAYOUT.archive);
    writeFileSync(join(world.volume, 'newer.txt'), 'written after the backup\n');

    const result = run(BACKUP_SCRIPT, world);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('backup-status/complete already exists');
    expect(uploads(world)).toEqual([]);
    expect(objectBytes(world, LAYOUT.archive).equals(archive)).toBe(true);
    expect(statusListing(world, LAYOUT.backupStatus)).toEqual([LAYOUT.backupStatus.complete]);
  });

  it('Given the script as deployed (bucket baked in by the loader), When it runs without BACKUP_BUCKET, Then it backs up to that bucket', () => {
    const world = createWorld();
    writeFileSync(join(world.volume, 'notebook.ipynb'), '{}');
    putRequest(world, REQUESTS.backup);
    const deployed = join(world.root, 'deployed-on-start.sh');
    writeFileSync(deployed, backupOnStartScript(BUCKET));

    const result = run(deployed, world, world.volume, { BACKUP_BUCKET: '' });

    expect(result.status, result.stderr).toBe(0);
    expect(summaryOf(world, LAYOUT.backupStatus.complete).files).toBe(1);
  });

  it('Given the assembled script with its placeholder (not through the loader), When it runs without BACKUP_BUCKET, Then it refuses before any AWS call', () => {
    const world = createWorld();

    const result = run(BACKUP_SCRIPT, world, world.volume, { BACKUP_BUCKET: '' });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('bucket placeholder not substituted');
    expect(awsCalls(world)).toEqual([]);
  });
});

describe('the requests both scripts read', () => {
  it.each([
    ['no request at all', undefined, /ERROR: cannot download s3:\/\/.*-request\.json/],
    ['a version 1 request', { version: 1 }, /-request\.json is not a valid request/],
    ['a version 3 request', { version: 3 }, /-request\.json is not a valid request/],
    [
      "another notebook's snapshot",
      { snapshotPrefix: snapshotPrefix(ROLE_ID, 'another-notebook', 'snapshot') },
      /is not a valid request/,
    ],
    ['a prefix nested below a snapshot', { snapshotPrefix: `${SNAPSHOT}/deeper` }, /is not a valid request/],
    [
      'the notebook prefix itself',
      { snapshotPrefix: notebookPrefix(ROLE_ID, NOTEBOOK) },
      /is not a valid request/,
    ],
  ] as const)(
    'Given %s, When either script runs, Then it refuses, writes nothing, and in the background still exits 0',
    (_, request, error) => {
      for (const [script, key] of [
        [BACKUP_SCRIPT, REQUESTS.backup],
        [RESTORE_SCRIPT, REQUESTS.restore],
      ] as const) {
        const world = worldWithBackup();
        if (request) putRequest(world, key, request);
        else rmSync(objectPath(world, key), { force: true });

        const foreground = run(script, world, newVolume(world));
        const background = run(script, world, newVolume(world, 'other-volume'), { BACKUP_FOREGROUND: '0' });

        expect(foreground.status).toBe(1);
        expect(foreground.stderr).toMatch(error);
        // A failing lifecycle script would leave the notebook Failed, where its configuration cannot be updated.
        expect(background.status).toBe(0);
        expect(background.stderr).toContain('FAILED (exit 1)');
        expect(uploads(world)).toEqual([]);
      }
    },
  );
});

describe('the attempt id of a restore request', () => {
  it.each([
    ['no attempt', undefined],
    ['the attempt "../x"', '../x'],
    ['an attempt of 81 characters', 'a'.repeat(81)],
    ['an attempt with a slash', 'exec/1'],
    ['an empty attempt', ''],
    ['a number for an attempt', 12],
  ] as const)(
    'Given a restore request with %s, When the restore runs, Then it refuses and writes nothing',
    (_, attempt) => {
      const world = worldWithBackup();
      putRequest(world, REQUESTS.restore, { attempt });
      const volume = newVolume(world);

      const result = run(RESTORE_SCRIPT, world, volume);

      expect(result.status).toBe(1);
      expect(result.stderr).toContain('restore-request.json is not a valid request');
      expect(uploads(world)).toEqual([]);
      expect(existsSync(objectPath(world, `${SNAPSHOT}/restores`))).toBe(false);
      expect(readdirSync(volume)).toEqual(['lost+found']);
    },
  );

  it('Given a restore request whose attempt is 80 characters of every allowed kind, When the restore runs, Then it completes under that attempt', () => {
    const attempt = `Az09_-${'x'.repeat(74)}`;
    const world = worldWithBackup();
    putRequest(world, REQUESTS.restore, { attempt });
    const layout = restoreLayout(SNAPSHOT, attempt);

    const result = run(RESTORE_SCRIPT, world, newVolume(world));

    expect(result.status, result.stderr).toBe(0);
    expect(uploads(world)).toEqual([layout.manifest, layout.status.complete]);
  });

  it('Given a backup request with an invalid attempt, When the backup runs, Then it ignores the attempt and writes backup-status/complete', () => {
    const world = createWorld();
    writeFileSync(join(world.volume, 'notebook.ipynb'), '{}');
    putRequest(world, REQUESTS.backup, { attempt: '../x' });

    const result = run(BACKUP_SCRIPT, world);

    expect(result.status, result.stderr).toBe(0);
    expect(uploads(world)).toEqual([LAYOUT.archive, LAYOUT.manifest, LAYOUT.backupStatus.complete]);
  });
});

describe('restore-on-create.sh', () => {
  it('Given a completed backup of every kind of entry, When restored into a new volume, Then the tree is the same entry by entry and the two manifests are byte-identical', async () => {
    const world = worldWithBackup();
    const volume = newVolume(world);

    const result = run(RESTORE_SCRIPT, world, volume);

    expect(result.status, result.stderr).toBe(0);
    const original = backupOnce().tree;
    original.delete('pipe');
    const restored = listTree(volume);
    expect([...restored.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [path, entry] of original) expect(restored.get(path), JSON.stringify(path)).toEqual(entry);
    expect(existsSync(join(volume, 'lost+found'))).toBe(true);
    expect(uploads(world)).toEqual([RESTORE.manifest, RESTORE.status.complete]);
    expect(objectBytes(world, RESTORE.manifest).equals(objectBytes(world, LAYOUT.manifest))).toBe(true);
    const backup = summaryOf(world, LAYOUT.backupStatus.complete);
    expect(summaryOf(world, RESTORE.status.complete)).toEqual({
      ...backup,
      skipped: 0,
      completedAt: expect.any(String),
    });
    const comparison = await compareManifestStreams(
      readFileLines(objectPath(world, LAYOUT.manifest)),
      readFileLines(objectPath(world, RESTORE.manifest)),
      10,
    );
    expect(comparison).toEqual({ equal: true, differences: [], differencesCount: 0 });
  });

  it.skipIf(!PYTHON_37)(
    'Given python 3.7 as python3 (the Amazon Linux 2 notebooks), When a volume of every kind of entry is backed up and restored, Then the tree and the manifests come back the same',
    () => {
      const world = createWorld();
      populateVolume(world);
      putRequest(world, REQUESTS.backup);
      putRequest(world, REQUESTS.restore);
      const python = join(world.root, 'python-3.7');
      mkdirSync(python);
      symlinkSync(PYTHON_37 ?? '', join(python, 'python3'));
      const path = { PATH: `${python}:${FAKE_AWS_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}` };
      const volume = newVolume(world);
      expect(spawnSync('python3', ['--version'], { env: path, encoding: 'utf8' }).stdout).toMatch(
        /^Python 3\.7\./,
      );

      const backup = run(BACKUP_SCRIPT, world, world.volume, path);
      const restore = run(RESTORE_SCRIPT, world, volume, path);

      expect(backup.status, backup.stderr).toBe(0);
      expect(restore.status, restore.stderr).toBe(0);
      const original = listTree(world.volume, ['lost+found', 'pipe']);
      expect(listTree(volume)).toEqual(original);
      expect(objectBytes(world, RESTORE.manifest).equals(objectBytes(world, LAYOUT.manifest))).toBe(true);
    },
  );

  it('Given a volume that already holds an entry of the backup, When the restore runs, Then it refuses to overwrite it and leaves it untouched', () => {
    const world = worldWithBackup();
    const volume = newVolume(world);
    writeFileSync(join(volume, 'analysis.ipynb'), 'cloned from a code repository\n');

    const result = run(RESTORE_SCRIPT, world, volume);

    expect(result.status).toBe(1);
    expect(readFileSync(join(volume, 'analysis.ipynb'), 'utf8')).toBe('cloned from a code repository\n');
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.failed]);
    expect(objectBytes(world, RESTORE.status.failed).toString()).toMatch(
      /^cannot restore the archive: refused 'analysis.ipynb': .*File exists/,
    );
    expect(readdirSync(volume).filter((name) => name.startsWith('.notebook-restore.'))).toEqual([]);
  });

  it.each([
    ['the archive download failing', { FAKE_AWS_FAIL_ON: 'archive.tar' }, undefined, /AccessDenied/],
    ['an archive whose bytes changed', {}, 'tamper', /archive.tar does not match backup-status\/complete/],
    ['a truncated archive', {}, 'truncate', /archive.tar does not match|unexpected end of data/],
    [
      'a manifest that is not the one the summary describes',
      {},
      'manifest',
      /does not describe data\/manifest.jsonl/,
    ],
  ] as const)(
    'Given %s, When the restore runs, Then restores/<attempt>/status holds only failed, its first line the reason',
    (_, extra, damage, reason) => {
      const world = worldWithBackup();
      const archive = objectBytes(world, LAYOUT.archive);
      if (damage === 'tamper') {
        // Same size, one byte of random.bin's content changed: only the checksum can tell.
        const at = archive.indexOf(RANDOM_BIN.subarray(0, 64)) + 100;
        archive[at] = (archive[at] ?? 0) ^ 0xff;
        putObject(world, LAYOUT.archive, archive);
      }
      if (damage === 'truncate') putObject(world, LAYOUT.archive, archive.subarray(0, archive.length / 2));
      if (damage === 'manifest')
        appendFileSync(
          objectPath(world, LAYOUT.manifest),
          formatManifestLine({ path: 'extra', type: 'directory', mode: 0o755, bytes: 0 }),
        );

      const result = run(RESTORE_SCRIPT, world, newVolume(world), extra);

      expect(result.status).toBe(1);
      expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.failed]);
      const text = objectBytes(world, RESTORE.status.failed);
      expect(text.length).toBeLessThanOrEqual(1024);
      expect(text.toString('utf8').split('\n')[0]).toMatch(reason);
      expect(existsSync(objectPath(world, RESTORE.manifest))).toBe(false);
    },
  );

  it('Given a snapshot whose backup never completed, When the restore runs, Then it writes restores/<attempt>/status/failed and nothing else', () => {
    const world = worldWithBackup();
    rmSync(objectPath(world, LAYOUT.backupStatus.complete));

    const result = run(RESTORE_SCRIPT, world, newVolume(world));

    expect(result.status).toBe(1);
    expect(uploads(world)).toEqual([RESTORE.status.failed]);
    expect(objectBytes(world, RESTORE.status.failed).toString()).toMatch(/^no backup-status\/complete/);
  });

  it('Given the background mode and a download still in flight, When the restore runs, Then it exits 0 at once and the restore still completes', async () => {
    const world = worldWithBackup();
    const volume = newVolume(world);
    const gate = join(world.root, 'gate');

    const result = run(RESTORE_SCRIPT, world, volume, {
      BACKUP_FOREGROUND: '0',
      FAKE_AWS_WAIT_FOR_FILE: gate,
      FAKE_AWS_DELAY_ON: 'archive.tar',
    });

    expect(result.status, result.stderr).toBe(0);
    expect(statusListing(world, RESTORE.status)).toEqual([]);
    writeFileSync(gate, '');
    expect(await waitFor(() => existsSync(objectPath(world, RESTORE.status.complete)), 20_000)).toBe(true);
    expect(objectBytes(world, RESTORE.manifest).equals(objectBytes(world, LAYOUT.manifest))).toBe(true);
  });
});

describe('restore-on-create.sh retried from the same snapshot', () => {
  it('Given a restore attempt that failed (its archive download denied), When a restore with a new attempt id runs into a fresh empty volume, Then it restores the volume byte-exact and the first attempt keeps its failed status as it was', async () => {
    const world = worldWithBackup();
    const first = run(RESTORE_SCRIPT, world, newVolume(world, 'first-volume'), {
      FAKE_AWS_FAIL_ON: 'archive.tar',
    });
    expect(first.status).toBe(1);
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.failed]);
    const failed = objectBytes(world, RESTORE.status.failed);
    const retry = restoreLayout(SNAPSHOT, 'restore-tool-1');
    putRequest(world, REQUESTS.restore, { attempt: 'restore-tool-1' });
    rmSync(world.awsLog, { force: true });
    const volume = newVolume(world, 'second-volume');

    const second = run(RESTORE_SCRIPT, world, volume);

    expect(second.status, second.stderr).toBe(0);
    const original = new Map(backupOnce().tree);
    original.delete('pipe');
    const restored = listTree(volume);
    expect([...restored.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [path, entry] of original) expect(restored.get(path), JSON.stringify(path)).toEqual(entry);
    expect(uploads(world)).toEqual([retry.manifest, retry.status.complete]);
    expect(objectBytes(world, retry.manifest).equals(objectBytes(world, LAYOUT.manifest))).toBe(true);
    const comparison = await compareManifestStreams(
      readFileLines(objectPath(world, LAYOUT.manifest)),
      readFileLines(objectPath(world, retry.manifest)),
      10,
    );
    expect(comparison).toEqual({ equal: true, differences: [], differencesCount: 0 });
    expect(statusListing(world, retry.status)).toEqual([retry.status.complete]);
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.failed]);
    expect(objectBytes(world, RESTORE.status.failed).equals(failed)).toBe(true);
    expect(existsSync(objectPath(world, RESTORE.manifest))).toBe(false);
  });

  it.each([
    ['completed', {}, 0, 'complete'],
    ['failed', { FAKE_AWS_FAIL_ON: 'archive.tar' }, 1, 'failed'],
  ] as const)(
    'Given a restore attempt that %s, When a restore with the same attempt id runs into a fresh empty volume, Then it refuses, restores nothing and leaves that status as it was',
    (_, extra, firstExit, outcome) => {
      const world = worldWithBackup();
      const first = run(RESTORE_SCRIPT, world, newVolume(world, 'first-volume'), extra);
      expect(first.status, first.stderr).toBe(firstExit);
      const status = objectBytes(world, RESTORE.status[outcome]);
      rmSync(world.awsLog, { force: true });
      const volume = newVolume(world, 'second-volume');

      const second = run(RESTORE_SCRIPT, world, volume);

      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`restores/${ATTEMPT}/status/${outcome} already exists`);
      expect(uploads(world)).toEqual([]);
      expect(awsCalls(world).filter((line) => line.includes('archive.tar'))).toEqual([]);
      expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status[outcome]]);
      expect(objectBytes(world, RESTORE.status[outcome]).equals(status)).toBe(true);
      expect(readdirSync(volume)).toEqual(['lost+found']);
    },
  );
});

/** A member of a hand-made archive. */
interface CraftedMember {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';
  readonly mode?: number;
  readonly content?: string;
  readonly linkname?: string;
}

/**
 * Puts a snapshot made by hand into the bucket: archive.tar of `members` (written by python's tarfile,
 * which writes whatever it is given), a manifest and a complete status that match it, as a user of the
 * old notebook's role could have written them.
 */
function putCraftedSnapshot(world: World, members: readonly CraftedMember[]): void {
  const directory = join(world.root, 'crafted');
  mkdirSync(directory);
  const crafted = spawnSync(
    'python3',
    [
      '-c',
      `
import hashlib, io, json, sys, tarfile
members, out = json.loads(sys.argv[1]), sys.argv[2]
types = {"file": tarfile.REGTYPE, "directory": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
         "hardlink": tarfile.LNKTYPE, "chardev": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for member in members:
        info, data = tarfile.TarInfo(member["name"]), member.get("content", "").encode()
        info.type, info.mode, info.mtime = types[member["type"]], member.get("mode", 0o644), 1700000000
        info.linkname, info.size = member.get("linkname", ""), len(data)
        if member["type"] == "chardev":
            info.devmajor, info.devminor = 1, 3
        tar.addfile(info, io.BytesIO(data))
archive = buffer.getvalue()
manifest = "".join(json.dumps({"member": member["name"]}) + "\\n" for member in members).encode()
summary = {"version": 2, "notebookName": "crafted", "completedAt": "2026-11-23T09:00:00.000Z",
           "entries": len(members), "files": 0, "directories": 0, "symlinks": 0, "skipped": 0,
           "totalBytes": 0, "archiveBytes": len(archive), "archiveSha256": hashlib.sha256(archive).hexdigest(),
           "manifestSha256": hashlib.sha256(manifest).hexdigest()}
open(out + "/archive.tar", "wb").write(archive)
open(out + "/manifest.jsonl", "wb").write(manifest)
open(out + "/complete", "w").write(json.dumps(summary))
`,
      JSON.stringify(members),
      directory,
    ],
    { encoding: 'utf8' },
  );
  expect(crafted.status, crafted.stderr).toBe(0);
  putObject(world, LAYOUT.archive, readFileSync(join(directory, 'archive.tar')));
  putObject(world, LAYOUT.manifest, readFileSync(join(directory, 'manifest.jsonl')));
  putObject(world, LAYOUT.backupStatus.complete, readFileSync(join(directory, 'complete')));
  putRequest(world, REQUESTS.restore);
}

describe('restore-on-create.sh with archives crafted by the old notebook’s users', () => {
  it.each<[string, (outside: string) => CraftedMember[], string]>([
    [
      'an absolute path',
      (outside) => [{ name: `${outside}/absolute.txt`, type: 'file', content: 'x' }],
      'unsafe path',
    ],
    [
      'a path climbing out with ..',
      () => [{ name: '../escaped.txt', type: 'file', content: 'x' }],
      'unsafe path',
    ],
    [
      'a symlink out, then a file through it',
      (outside) => [
        { name: 'link', type: 'symlink', linkname: outside },
        { name: 'link/through.txt', type: 'file', content: 'x' },
      ],
      'refused',
    ],
    [
      'a symlink out, then a directory through it',
      (outside) => [
        { name: 'link', type: 'symlink', linkname: outside },
        { name: 'link/through', type: 'directory' },
      ],
      'refused',
    ],
    [
      'a file, then a file below it',
      () => [
        { name: 'plain', type: 'file', content: 'x' },
        { name: 'plain/below.txt', type: 'file', content: 'x' },
      ],
      'Not a directory',
    ],
    [
      'a hard link',
      (outside) => [{ name: 'hard', type: 'hardlink', linkname: `${outside}/target.txt` }],
      'not a file, directory or symlink',
    ],
    ['a device', () => [{ name: 'null', type: 'chardev' }], 'not a file, directory or symlink'],
    ['a FIFO', () => [{ name: 'fifo', type: 'fifo' }], 'not a file, directory or symlink'],
    ['lost+found', () => [{ name: 'lost+found/hidden.txt', type: 'file', content: 'x' }], 'unsafe path'],
  ])(
    'Given an archive with %s, When the restore runs, Then it refuses and writes nothing outside the volume',
    (_, members, reason) => {
      const world = createWorld();
      const outside = join(world.root, 'outside');
      mkdirSync(outside);
      writeFileSync(join(outside, 'target.txt'), 'outside the volume\n');
      const volume = newVolume(world);
      putCraftedSnapshot(world, members(outside));

      const result = run(RESTORE_SCRIPT, world, volume);

      expect(result.status).toBe(1);
      expect(readdirSync(outside)).toEqual(['target.txt']);
      expect(existsSync(join(world.root, 'escaped.txt'))).toBe(false);
      expect(readdirSync(join(volume, 'lost+found'))).toEqual([]);
      expect([...listTree(volume).keys()].filter((path) => !['link', 'plain'].includes(path))).toEqual([]);
      expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.failed]);
      expect(objectBytes(world, RESTORE.status.failed).toString()).toContain(reason);
    },
  );

  it('Given an archive holding setuid and setgid entries, When restored, Then they come back without those bits (the sticky bit stays)', () => {
    const world = createWorld();
    const volume = newVolume(world);
    putCraftedSnapshot(world, [
      { name: 'shared', type: 'directory', mode: 0o2775 },
      { name: 'shared/tool', type: 'file', mode: 0o6755, content: '#!/bin/sh\n' },
      { name: 'scratch', type: 'directory', mode: 0o1777 },
    ]);

    const result = run(RESTORE_SCRIPT, world, volume);

    expect(result.status, result.stderr).toBe(0);
    const tree = listTree(volume);
    expect(tree.get('shared')?.mode).toBe('775');
    expect(tree.get('shared/tool')).toMatchObject({ type: 'file', mode: '755', bytes: 10 });
    expect(tree.get('scratch')?.mode).toBe('1777');
    expect(statusListing(world, RESTORE.status)).toEqual([RESTORE.status.complete]);
  });
});

describe('the two scripts', () => {
  it('Given a part with comment lines, When it is deployed, Then only its first line, which names it, is left of them, and every other line is kept', () => {
    const source = readFileSync(join(LIFECYCLE_DIR, 'restore-on-create.sh'), 'utf8');
    const deployed = deployedPart('restore-on-create.sh');
    const [first, ...rest] = source.split('\n');
    expect(deployed.split('\n')[0]).toBe(first);
    expect(deployed.split('\n').slice(1)).toEqual(rest.filter((line) => !/^\s*#/.test(line)));
    expect(rest.some((line) => /^\s*#/.test(line))).toBe(true);
  });

  it('Given both scripts as deployed, When their common part is looked for, Then each holds it exactly once, right after the shebang, and defines no function twice', () => {
    const common = deployedPart(COMMON_PART_FILE).replaceAll(BUCKET_PLACEHOLDER, BUCKET);
    expect(common.length).toBeGreaterThan(1_000);
    for (const script of [backupOnStartScript(BUCKET), restoreOnCreateScript(BUCKET)]) {
      expect(script.split(common)).toHaveLength(2);
      expect(script.startsWith(`#!/bin/bash\n${common}`)).toBe(true);
      // An own part that redefined a common function would silently replace it.
      const functions = [...script.matchAll(/^(\w+)\(\) \{/gm)].map((match) => match[1]);
      expect(functions).toEqual([...new Set(functions)]);
      expect(functions).toEqual(
        expect.arrayContaining(['discover_notebook', 'read_request', 'run_copy', 'main']),
      );
    }
  });

  it('Given every python part of both assembled scripts, When parsed with the Python 3.7 grammar, Then each parses, alone and as run (after the shared walk)', () => {
    const check = `
import ast, json, sys
for name, source in json.load(sys.stdin):
    try:
        ast.parse(source, filename=name, feature_version=(3, 7))
    except SyntaxError as error:
        sys.exit("%s: %s" % (name, error))
`;
    for (const file of ['backup-on-start.sh', 'restore-on-create.sh'] as const) {
      const script = assembleScript(file);
      const parts = [...script.matchAll(/<<'PY'(?: \|\| true)?\n([\s\S]*?)\nPY\n/g)].map(
        (match) => match[1] ?? '',
      );
      const walk = /IFS= read -r -d '' PY_WALK <<'PY' \|\| true\n([\s\S]*?\n)PY\n/.exec(script)?.[1];
      expect(walk, file).toBeDefined();
      expect(parts.length, file).toBeGreaterThanOrEqual(4);
      // Python runs only from these heredocs: none inline in a python3 -c '...'.
      expect(script, file).not.toMatch(/python3 -c '/);
      const sources = parts.flatMap((part, index) => [
        [`${file} part ${index + 1}`, part],
        [`${file} part ${index + 1} after PY_WALK`, `${walk}${part}`],
      ]);

      const parsed = spawnSync('python3', ['-c', check], {
        input: JSON.stringify(sources),
        encoding: 'utf8',
      });

      expect(parsed.status, parsed.stderr).toBe(0);
    }
  });

  it.each(['backup-on-start.sh', 'restore-on-create.sh'] as const)(
    'Given %s as assembled, When measured, Then it is under 12,000 bytes and its Content fits the limit with the longest bucket name',
    (file) => {
      const script = assembleScript(file);
      const longest = `b${'0'.repeat(61)}b`;
      const deployed =
        file === 'backup-on-start.sh' ? backupOnStartScript(longest) : restoreOnCreateScript(longest);

      expect(Buffer.byteLength(script)).toBeLessThan(MAX_SCRIPT_BYTES);
      expect(toLifecycleContent(deployed).length).toBeLessThanOrEqual(MAX_LIFECYCLE_CONTENT_LENGTH);
    },
  );
});

describe('lifecycle-scripts.ts', () => {
  it('Given a bucket name, When the scripts are loaded, Then the name replaces the placeholder', () => {
    for (const script of [backupOnStartScript(BUCKET), restoreOnCreateScript(BUCKET)]) {
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      expect(script).toContain(`BUCKET="\${BACKUP_BUCKET:-${BUCKET}}"`);
      expect(script).not.toContain(BUCKET_PLACEHOLDER);
    }
  });

  it('Given a CDK token for a bucket the stack creates, When the script is loaded and encoded, Then the token passes through to Fn::Base64 and resolves to the name', () => {
    const bucketName = Lazy.string({ produce: () => 'bucket-known-at-deploy' });

    const script = backupOnStartScript(bucketName);
    const content = toLifecycleContent(script);

    expect(script).toContain(`BUCKET="\${BACKUP_BUCKET:-${bucketName}}"`);
    const resolved = new Stack().resolve(content) as { 'Fn::Base64': string };
    expect(resolved['Fn::Base64']).toContain(`BUCKET="\${BACKUP_BUCKET:-bucket-known-at-deploy}"`);
  });

  it.each([
    ['Upper_Case'],
    ['ab'],
    ['a'.repeat(64)],
    ['-leading-hyphen'],
    ['two..dots'],
    ['192.168.10.20'],
    ['xn--reserved'],
    ['bucket-s3alias'],
  ])('Given the invalid bucket name %s, When a script is loaded, Then it throws', (name) => {
    expect(() => backupOnStartScript(name)).toThrow(/invalid backup bucket name/);
    expect(() => restoreOnCreateScript(name)).toThrow(/invalid backup bucket name/);
  });

  it('Given the real scripts, When encoded, Then they decode back exactly', () => {
    for (const script of [backupOnStartScript(BUCKET), restoreOnCreateScript(BUCKET)]) {
      expect(Buffer.from(toLifecycleContent(script), 'base64').toString('utf8')).toBe(script);
    }
  });

  it('Given scripts at and just over the limit, When encoded, Then the first passes and the second throws', () => {
    // 12288 bytes are exactly 16384 characters of base64.
    const atLimit = `#!/bin/bash\n${'#'.repeat(12_288 - 12)}`;
    expect(toLifecycleContent(atLimit)).toHaveLength(MAX_LIFECYCLE_CONTENT_LENGTH);
    expect(() => toLifecycleContent(`${atLimit}\n`)).toThrow(/over the 16384-character limit/);
  });

  it('Given a script with a token that fits only while the token is short, When encoded, Then it throws, since the token may become a 63-character name', () => {
    const token = Lazy.string({ produce: () => 'x' });
    const script = `#!/bin/bash\n# ${token}\n`;
    const padding = 12_288 - Buffer.byteLength(script) - 3;

    expect(() => toLifecycleContent(`${script}${'#'.repeat(padding)}`)).toThrow(
      /over the 16384-character limit/,
    );
  });
});

describe('the stand-in aws command', () => {
  const fakeAws = (world: World, args: string[], extra: Record<string, string> = {}, input?: Buffer) =>
    spawnSync(join(FAKE_AWS_DIR, 'aws'), args, {
      env: scriptEnv(world, world.volume, extra),
      ...(input === undefined ? {} : { input }),
      maxBuffer: 64 * 1024 * 1024,
    });

  it('Given the sts call the scripts make, When run, Then it prints the role id with the SageMaker session name', () => {
    const world = createWorld();
    const result = fakeAws(world, ['sts', 'get-caller-identity', '--query', 'UserId', '--output', 'text']);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toBe(`${ROLE_ID}:SageMaker\n`);
  });

  it('Given a missing object, When it is downloaded to a file or to stdout, Then it fails like the CLI: exit 1 and a 404', () => {
    const world = createWorld();
    for (const destination of [join(world.root, 'x'), '-']) {
      const result = fakeAws(world, ['s3', 'cp', `s3://${BUCKET}/missing.json`, destination]);
      expect(result.status).toBe(1);
      expect(result.stderr.toString()).toContain('(404)');
      expect(result.stdout.length).toBe(0);
    }
  });

  it('Given FAKE_AWS_DELAY_SECONDS, When a matching copy runs, Then it takes at least that long', () => {
    const world = createWorld();
    putObject(world, 'slow/object.json', '{}');
    const started = Date.now();

    const result = fakeAws(
      world,
      ['s3', 'cp', `s3://${BUCKET}/slow/object.json`, join(world.root, 'object.json')],
      {
        FAKE_AWS_DELAY_SECONDS: '0.3',
        FAKE_AWS_DELAY_ON: 'slow/',
      },
    );

    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('Given a command outside its surface, When run, Then it exits 2 and says so', () => {
    const world = createWorld();
    for (const args of [
      ['s3', 'sync', '.', `s3://${BUCKET}/x`],
      ['s3', 'cp', '--recursive', 'a', 'b'],
      ['s3', 'cp', '-', `s3://${BUCKET}/x`, '--expected-size', '0'],
      ['s3', 'cp', '-', `s3://${BUCKET}/x`, '--expected-size', '12GB'],
      ['s3', 'cp', '-', `s3://${BUCKET}/x`, '--expected-size'],
      ['s3', 'cp', `s3://${BUCKET}/x`, '-', '--expected-size', '10'],
      ['sts'],
    ]) {
      const result = fakeAws(world, args, {}, Buffer.alloc(0));
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.toString()).toContain('unsupported');
    }
  });

  it('Given an upload and a download of files, When run, Then the object is the file FAKE_S3_ROOT/<bucket>/<key> and comes back unchanged', () => {
    const world = createWorld();
    const source = join(world.root, 'source.bin');
    writeFileSync(source, RANDOM_BIN);

    const up = fakeAws(world, ['s3', 'cp', source, `s3://${BUCKET}/a b/ü.bin`, '--only-show-errors']);
    const down = fakeAws(world, ['s3', 'cp', `s3://${BUCKET}/a b/ü.bin`, join(world.root, 'back/')]);

    expect([up.status, down.status]).toEqual([0, 0]);
    expect(objectBytes(world, 'a b/ü.bin').equals(RANDOM_BIN)).toBe(true);
    expect(readFileSync(join(world.root, 'back/ü.bin')).equals(RANDOM_BIN)).toBe(true);
  });

  it('Given a stream upload with --expected-size and a download to stdout, When run, Then the bytes go through unchanged and both calls are logged', () => {
    const world = createWorld();

    const up = fakeAws(
      world,
      [
        's3',
        'cp',
        '-',
        `s3://${BUCKET}/stream/archive.tar`,
        '--expected-size',
        String(RANDOM_BIN.length),
        '--only-show-errors',
      ],
      {},
      RANDOM_BIN,
    );
    const down = fakeAws(world, ['s3', 'cp', `s3://${BUCKET}/stream/archive.tar`, '-', '--only-show-errors']);

    expect([up.status, down.status]).toEqual([0, 0]);
    expect(objectBytes(world, 'stream/archive.tar').equals(RANDOM_BIN)).toBe(true);
    expect(down.stdout.equals(RANDOM_BIN)).toBe(true);
    expect(awsCalls(world)).toEqual([
      `upload s3://${BUCKET}/stream/archive.tar`,
      `download s3://${BUCKET}/stream/archive.tar`,
    ]);
  });

  it('Given a stream longer than its --expected-size, or an --expected-size over 5 TiB, When uploaded, Then it fails and no object appears', () => {
    const world = createWorld();
    const key = `s3://${BUCKET}/stream/too-big`;

    const longer = fakeAws(world, ['s3', 'cp', '-', key, '--expected-size', '10'], {}, Buffer.alloc(11));
    const huge = fakeAws(
      world,
      ['s3', 'cp', '-', key, '--expected-size', String(5 * 1024 ** 4 + 1)],
      {},
      Buffer.alloc(1),
    );

    expect([longer.status, huge.status]).toEqual([1, 1]);
    expect(longer.stderr.toString()).toContain('larger than --expected-size 10');
    expect(huge.stderr.toString()).toContain('over the 5 TiB object limit');
    expect(existsSync(objectPath(world, 'stream/too-big'))).toBe(false);
  });

  it('Given FAKE_AWS_FAIL_ON matching a stream, When uploaded or downloaded, Then it fails with AccessDenied and writes nothing', () => {
    const world = createWorld();
    putObject(world, 'stream/denied', 'secret');

    const up = fakeAws(
      world,
      ['s3', 'cp', '-', `s3://${BUCKET}/stream/denied-up`],
      { FAKE_AWS_FAIL_ON: 'denied' },
      Buffer.from('x'),
    );
    const down = fakeAws(world, ['s3', 'cp', `s3://${BUCKET}/stream/denied`, '-'], {
      FAKE_AWS_FAIL_ON: 'denied',
    });

    expect([up.status, down.status]).toEqual([1, 1]);
    expect(up.stderr.toString()).toContain('AccessDenied');
    expect(down.stdout.length).toBe(0);
    expect(existsSync(objectPath(world, 'stream/denied-up'))).toBe(false);
  });

  it('Given a stream still being written, When the bucket is looked at, Then the object only appears once the stream has ended', async () => {
    const world = createWorld();
    const child = spawn(join(FAKE_AWS_DIR, 'aws'), ['s3', 'cp', '-', `s3://${BUCKET}/stream/slow`], {
      env: scriptEnv(world, world.volume, {}),
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    child.stdin.write('first half, ');
    expect(await waitFor(() => readdirSync(join(world.s3Root, BUCKET)).includes('stream'), 5_000)).toBe(true);
    expect(existsSync(objectPath(world, 'stream/slow'))).toBe(false);
    child.stdin.end('second half');

    expect(await exited).toBe(0);
    expect(readFileSync(objectPath(world, 'stream/slow'), 'utf8')).toBe('first half, second half');
  });
});
