import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lazy, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT_VERSION,
  type BackupRequest,
  compareManifests,
  type DataManifest,
  notebookPrefix,
  requestKeys,
  snapshotKeys,
  snapshotPrefix,
} from '../../handlers/shared/notebook-backup-layout.js';
import {
  assembleScript,
  BUCKET_PLACEHOLDER,
  backupOnStartScript,
  COMMON_PART_FILE,
  type LifecycleScriptFile,
  MAX_LIFECYCLE_CONTENT_LENGTH,
  restoreOnCreateScript,
  toLifecycleContent,
} from '../../lifecycle/lifecycle-scripts.js';

const LIFECYCLE_DIR = fileURLToPath(new URL('../../lifecycle/', import.meta.url));
const FAKE_AWS_DIR = fileURLToPath(new URL('../../simulation/fake-aws/', import.meta.url));

const BUCKET = 'notebook-backups-111122223333';
const ROLE_ID = 'AROAEXAMPLEROLEID12345';
const NOTEBOOK = 'research-notebook';
const SNAPSHOT = snapshotPrefix(ROLE_ID, NOTEBOOK, '20261123T090000Z-exec-1');
const KEYS = snapshotKeys(SNAPSHOT);
const REQUESTS = requestKeys(notebookPrefix(ROLE_ID, NOTEBOOK));

/** The regular files of the fake volume: every kind of name and content the backup must carry. */
const VOLUME_FILES: Record<string, Buffer> = {
  'analysis.ipynb': Buffer.from(JSON.stringify({ cells: [], nbformat: 4 })),
  'data/nested/deep/results.csv': Buffer.from('model,accuracy\nbaseline,0.81\n'),
  'My Project/notes with spaces.txt': Buffer.from('spaces in the directory and the file name\n'),
  'données/résumé 日本語 ✓.md': Buffer.from('# unicode names and content: ✓ 日本語\n'),
  '.jupyter-settings': Buffer.from('{"theme": "dark"}\n'),
  '.hidden/.env': Buffer.from('TOKEN=not-a-secret\n'),
  'data/random.bin': randomBytes(1024 * 1024),
  'empty.txt': Buffer.alloc(0),
};
/** A link to a file inside the volume comes back as a copy of that file: the manifest has no link type. */
const INSIDE_LINK = 'latest-results.csv';
const INSIDE_LINK_TARGET = 'data/nested/deep/results.csv';
const EXPECTED_PATHS = [...Object.keys(VOLUME_FILES), INSIDE_LINK];

function contentOf(path: string): Buffer {
  const content = VOLUME_FILES[path === INSIDE_LINK ? INSIDE_LINK_TARGET : path];
  if (!content) throw new Error(`no fixture for ${path}`);
  return content;
}

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');
/** Code point order, which is UTF-8 byte order: how S3 lists keys, and how the manifest is sorted. */
const byCodePoint = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

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

/**
 * The script as the loader assembles it (shebang, common part, own part) with the bucket placeholder
 * still in place, written to a file: it runs with BACKUP_BUCKET set, as every test run does.
 */
function assembledScriptFile(file: LifecycleScriptFile): string {
  const directory = mkdtempSync(join(tmpdir(), 'lifecycle-scripts-'));
  roots.push(directory);
  const path = join(directory, file);
  writeFileSync(path, assembleScript(file));
  return path;
}

const BACKUP_SCRIPT = assembledScriptFile('backup-on-start.sh');
const RESTORE_SCRIPT = assembledScriptFile('restore-on-create.sh');

function createWorld(): World {
  const root = mkdtempSync(join(tmpdir(), 'lifecycle-'));
  roots.push(root);
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

function populateVolume(world: World): void {
  for (const [path, content] of Object.entries(VOLUME_FILES)) {
    mkdirSync(dirname(join(world.volume, path)), { recursive: true });
    writeFileSync(join(world.volume, path), content);
  }
  symlinkSync(INSIDE_LINK_TARGET, join(world.volume, INSIDE_LINK));
  writeFileSync(join(world.root, 'outside.txt'), 'not part of the notebook\n');
  symlinkSync(join(world.root, 'outside.txt'), join(world.volume, 'outside-link'));
  symlinkSync('data', join(world.volume, 'linked-dir'));
  symlinkSync('missing-target', join(world.volume, 'broken-link'));
  mkdirSync(join(world.volume, 'empty-dir'));
}

const objectPath = (world: World, key: string) => join(world.s3Root, BUCKET, key);
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function putObject(world: World, key: string, body: string | Buffer): void {
  mkdirSync(dirname(objectPath(world, key)), { recursive: true });
  writeFileSync(objectPath(world, key), body);
}

function putRequest(world: World, key: string, prefix = SNAPSHOT): void {
  const request: BackupRequest = {
    version: BACKUP_FORMAT_VERSION,
    snapshotPrefix: prefix,
    requestedBy: 'test',
  };
  putObject(world, key, JSON.stringify(request));
}

function scriptEnv(world: World, volume: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: `${FAKE_AWS_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: world.root,
    FAKE_S3_ROOT: world.s3Root,
    FAKE_ROLE_ID: ROLE_ID,
    FAKE_AWS_LOG: world.awsLog,
    RESOURCE_METADATA: world.metadataFile,
    SAGEMAKER_VOLUME: volume,
    BACKUP_LOG: world.logFile,
    BACKUP_BUCKET: BUCKET,
    BACKUP_FOREGROUND: '1',
    ...extra,
  };
}

function run(
  script: string,
  world: World,
  volume = world.volume,
  extra: Record<string, string> = {},
): SpawnSyncReturns<string> {
  return spawnSync('bash', [script], {
    env: scriptEnv(world, volume, extra),
    encoding: 'utf8',
    timeout: 15_000,
  });
}

function awsCalls(world: World): string[] {
  return existsSync(world.awsLog) ? readFileSync(world.awsLog, 'utf8').trim().split('\n') : [];
}

function uploads(world: World): string[] {
  return uploadsIn(awsCalls(world));
}

function uploadsIn(calls: readonly string[]): string[] {
  return calls
    .filter((line) => line.startsWith('upload '))
    .map((line) => line.slice(`upload s3://${BUCKET}/`.length));
}

/** Every regular file under a directory, as forward-slash relative paths. */
function listFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(join(directory, '/').length))
    .sort(byCodePoint);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

interface Backup {
  readonly world: World;
  readonly result: SpawnSyncReturns<string>;
  /** The stand-in's call log of that run. */
  readonly calls: readonly string[];
}

let sharedBackup: Backup | undefined;

/** The fixture volume backed up once (foreground), shared by the tests that only read its outcome. */
function backupOnce(): Backup {
  if (!sharedBackup) {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup);
    const result = run(BACKUP_SCRIPT, world);
    sharedBackup = { world, result, calls: awsCalls(world) };
  }
  return sharedBackup;
}

/** A fresh world whose bucket holds a copy of the shared backup, and a restore request for it. */
function worldWithBackup(): { world: World; backup: DataManifest } {
  const { world: backedUp, result } = backupOnce();
  expect(result.status, result.stderr).toBe(0);
  const world = createWorld();
  cpSync(join(backedUp.s3Root, BUCKET), join(world.s3Root, BUCKET), { recursive: true });
  putRequest(world, REQUESTS.restore);
  return { world, backup: readJson<DataManifest>(objectPath(world, KEYS.dataManifest)) };
}

describe('backup-on-start.sh', () => {
  it('Given a volume with nested, spaced, unicode, dot, binary and empty files, When the backup runs, Then every file is in S3 and the manifest lists each with its size and SHA-256', () => {
    const { world, result } = backupOnce();

    expect(result.status, result.stderr).toBe(0);
    const manifest = readJson<DataManifest>(objectPath(world, KEYS.dataManifest));
    expect(manifest.version).toBe(BACKUP_FORMAT_VERSION);
    expect(manifest.notebookName).toBe(NOTEBOOK);
    expect(manifest.completedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(manifest.completedAt) - Date.now())).toBeLessThan(60_000);
    expect(manifest.files.map((file) => file.path)).toEqual([...EXPECTED_PATHS].sort(byCodePoint));
    expect(manifest.fileCount).toBe(EXPECTED_PATHS.length);
    expect(manifest.totalBytes).toBe(EXPECTED_PATHS.reduce((sum, path) => sum + contentOf(path).length, 0));
    for (const file of manifest.files) {
      const expected = contentOf(file.path);
      expect(file, file.path).toEqual({ path: file.path, bytes: expected.length, sha256: sha256(expected) });
      expect(readFileSync(objectPath(world, KEYS.dataPrefix + file.path)).equals(expected), file.path).toBe(
        true,
      );
    }
    // Nothing else under data/: links out of the volume, to directories and to nothing are skipped.
    expect(listFiles(objectPath(world, KEYS.dataPrefix))).toEqual([...EXPECTED_PATHS].sort(byCodePoint));
    const log = readFileSync(world.logFile, 'utf8');
    expect(log).toMatch(/skipped outside-link: symlink to .*outside\.txt, outside the volume/);
    expect(log).toContain('skipped linked-dir: symlink to');
    expect(log).toContain('skipped broken-link: broken symlink');
    expect(log).toContain(`backup complete: ${EXPECTED_PATHS.length} files`);
  });

  it('Given a backup that completes, When its S3 writes are listed in order, Then data-manifest.json is the last one', () => {
    const { result, calls } = backupOnce();

    expect(result.status, result.stderr).toBe(0);
    const written = uploadsIn(calls);
    expect(written).toHaveLength(EXPECTED_PATHS.length + 1);
    expect(written.at(-1)).toBe(KEYS.dataManifest);
  });

  it('Given one file whose copy fails, When the backup runs, Then it stops there, uploads nothing further and writes no manifest', () => {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup);

    const result = run(BACKUP_SCRIPT, world, world.volume, { FAKE_AWS_FAIL_ON: 'notes with spaces' });

    expect(result.status).not.toBe(0);
    expect(existsSync(objectPath(world, KEYS.dataManifest))).toBe(false);
    expect(uploads(world).at(-1)).toBe(`${KEYS.dataPrefix}My Project/notes with spaces.txt`);
    const log = readFileSync(world.logFile, 'utf8');
    expect(log).toContain('AccessDenied');
    expect(log).toContain('ERROR: cannot upload My Project/notes with spaces.txt');
    expect(log).toContain('FAILED (exit 1)');
  });

  it('Given a file written to while it is being copied, When the backup runs, Then it fails instead of recording a checksum S3 does not have', async () => {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup);
    const slowKey = `${KEYS.dataPrefix}${INSIDE_LINK_TARGET}`;
    const gate = join(world.root, 'gate');
    const child = spawn('bash', [BACKUP_SCRIPT], {
      env: scriptEnv(world, world.volume, {
        FAKE_AWS_WAIT_FOR_FILE: gate,
        FAKE_AWS_DELAY_ON: INSIDE_LINK_TARGET,
      }),
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // The stand-in records the call, then holds it until the gate opens: the script measured the file before.
    expect(await waitFor(() => uploads(world).includes(slowKey), 15_000)).toBe(true);
    writeFileSync(join(world.volume, INSIDE_LINK_TARGET), 'edited in the notebook meanwhile\n', {
      flag: 'a',
    });
    writeFileSync(gate, '');

    expect(await exited).not.toBe(0);
    expect(existsSync(objectPath(world, KEYS.dataManifest))).toBe(false);
    expect(readFileSync(world.logFile, 'utf8')).toContain(
      `ERROR: ${INSIDE_LINK_TARGET} changed while it was copied`,
    );
  });

  it('Given the background mode and a copy still in flight, When the lifecycle script runs, Then it exits 0 before the copy finishes and the copy still completes', async () => {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup);

    const gate = join(world.root, 'gate');

    // The copy of random.bin is held until the gate opens: had the script waited for the copy, it could
    // not have returned (spawnSync would time out, with no exit status).
    const result = run(BACKUP_SCRIPT, world, world.volume, {
      BACKUP_FOREGROUND: '0',
      FAKE_AWS_WAIT_FOR_FILE: gate,
      FAKE_AWS_DELAY_ON: 'random.bin',
    });

    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(objectPath(world, KEYS.dataManifest))).toBe(false);
    expect(result.stderr).toContain('copy running in the background');
    writeFileSync(gate, '');
    expect(await waitFor(() => existsSync(objectPath(world, KEYS.dataManifest)), 15_000)).toBe(true);
    expect(readJson<DataManifest>(objectPath(world, KEYS.dataManifest)).fileCount).toBe(
      EXPECTED_PATHS.length,
    );
    expect(await waitFor(() => readFileSync(world.logFile, 'utf8').includes('backup complete'), 5_000)).toBe(
      true,
    );
  });

  it('Given no backup request, When the script runs, Then it uploads nothing, fails in the foreground, and on a notebook (background mode) still lets the notebook start', () => {
    const world = createWorld();
    populateVolume(world);

    const foreground = run(BACKUP_SCRIPT, world);
    const background = run(BACKUP_SCRIPT, world, world.volume, { BACKUP_FOREGROUND: '0' });

    expect(foreground.status).toBe(1);
    expect(foreground.stderr).toContain(`ERROR: cannot download s3://${BUCKET}/${REQUESTS.backup}`);
    // A failing OnStart script would leave the notebook Failed, where its configuration cannot be updated.
    expect(background.status).toBe(0);
    expect(background.stderr).toContain('FAILED (exit 1)');
    expect(uploads(world)).toEqual([]);
  });

  it("Given a request naming another notebook's snapshot, When the backup runs, Then it refuses and uploads nothing", () => {
    const world = createWorld();
    populateVolume(world);
    putRequest(world, REQUESTS.backup, snapshotPrefix(ROLE_ID, 'another-notebook', 'snapshot'));

    const result = run(BACKUP_SCRIPT, world);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('backup-request.json is not a valid request');
    expect(uploads(world)).toEqual([]);
  });

  it('Given the script as deployed (bucket baked in by the loader), When it runs without BACKUP_BUCKET, Then it backs up to that bucket', () => {
    const world = createWorld();
    writeFileSync(join(world.volume, 'notebook.ipynb'), '{}');
    putRequest(world, REQUESTS.backup);
    const deployed = join(world.root, 'deployed-on-start.sh');
    writeFileSync(deployed, backupOnStartScript(BUCKET));

    const result = run(deployed, world, world.volume, { BACKUP_BUCKET: '' });

    expect(result.status, result.stderr).toBe(0);
    expect(readJson<DataManifest>(objectPath(world, KEYS.dataManifest)).fileCount).toBe(1);
  });

  it('Given the assembled script with its placeholder (not through the loader), When it runs without BACKUP_BUCKET, Then it refuses before any AWS call', () => {
    const world = createWorld();

    const result = run(BACKUP_SCRIPT, world, world.volume, { BACKUP_BUCKET: '' });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('bucket placeholder not substituted');
    expect(awsCalls(world)).toEqual([]);
  });
});

describe('restore-on-create.sh', () => {
  it('Given a completed backup, When the restore runs on an empty volume, Then every file is byte-exact and the restore manifest matches the backup manifest', () => {
    const { world, backup } = worldWithBackup();
    const newVolume = join(world.root, 'new-volume');
    mkdirSync(newVolume);

    const result = run(RESTORE_SCRIPT, world, newVolume);

    expect(result.status, result.stderr).toBe(0);
    expect(listFiles(newVolume)).toEqual([...EXPECTED_PATHS].sort(byCodePoint));
    for (const path of EXPECTED_PATHS) {
      expect(readFileSync(join(newVolume, path)).equals(contentOf(path)), path).toBe(true);
    }
    const restore = readJson<DataManifest>(objectPath(world, KEYS.restoreManifest));
    expect(compareManifests(backup, restore)).toEqual([]);
    expect(restore.files).toEqual(backup.files);
    expect(restore.notebookName).toBe(NOTEBOOK);
    expect(restore.totalBytes).toBe(backup.totalBytes);
    expect(uploads(world)).toEqual([KEYS.restoreManifest]);
  });

  it("Given a snapshot whose S3 copy of one file was tampered with, When the restore runs, Then verification fails, that file never appears and there's no restore manifest", () => {
    const { world } = worldWithBackup();
    const tampered = INSIDE_LINK_TARGET;
    const original = contentOf(tampered);
    // Same size, different bytes: only the checksum can tell.
    putObject(world, KEYS.dataPrefix + tampered, Buffer.from(original.toString().replace('0.81', '0.99')));
    const newVolume = join(world.root, 'new-volume');
    mkdirSync(newVolume);

    const result = run(RESTORE_SCRIPT, world, newVolume);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`ERROR: ${tampered} does not match the manifest`);
    expect(existsSync(objectPath(world, KEYS.restoreManifest))).toBe(false);
    expect(existsSync(join(newVolume, tampered))).toBe(false);
    expect(listFiles(newVolume).filter((path) => path.includes('.notebook-restore.'))).toEqual([]);
  });

  it('Given a file already in the new volume with different content, When the restore runs, Then it fails and leaves that file untouched', () => {
    const { world } = worldWithBackup();
    const newVolume = join(world.root, 'new-volume');
    mkdirSync(join(newVolume, 'data/nested/deep'), { recursive: true });
    writeFileSync(join(newVolume, INSIDE_LINK_TARGET), 'cloned from a code repository\n');

    const result = run(RESTORE_SCRIPT, world, newVolume);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${INSIDE_LINK_TARGET} already exists with different content`);
    expect(readFileSync(join(newVolume, INSIDE_LINK_TARGET), 'utf8')).toBe('cloned from a code repository\n');
    expect(existsSync(objectPath(world, KEYS.restoreManifest))).toBe(false);
  });

  it('Given a manifest with a path that climbs out of the volume, When the restore runs, Then it refuses before downloading anything', () => {
    const world = createWorld();
    putRequest(world, REQUESTS.restore);
    const content = Buffer.from('escaped\n');
    const manifest: DataManifest = {
      version: BACKUP_FORMAT_VERSION,
      notebookName: NOTEBOOK,
      completedAt: new Date().toISOString(),
      fileCount: 1,
      totalBytes: content.length,
      files: [{ path: '../escaped.txt', bytes: content.length, sha256: sha256(content) }],
    };
    putObject(world, KEYS.dataManifest, JSON.stringify(manifest));
    putObject(world, `${KEYS.dataPrefix}escaped`, content);

    const result = run(RESTORE_SCRIPT, world);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unsafe or repeated path');
    expect(existsSync(join(world.root, 'escaped.txt'))).toBe(false);
    expect(awsCalls(world).filter((line) => line.includes('/data/'))).toEqual([]);
  });

  it('Given a snapshot whose backup never completed (no data manifest), When the restore runs, Then it fails and writes nothing', () => {
    const world = createWorld();
    putRequest(world, REQUESTS.restore);

    const result = run(RESTORE_SCRIPT, world);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('that backup never completed');
    expect(uploads(world)).toEqual([]);
  });

  it('Given the background mode and a download still in flight, When the restore runs, Then it exits 0 before the download finishes and the restore still completes', async () => {
    const { world, backup } = worldWithBackup();
    const newVolume = join(world.root, 'new-volume');
    mkdirSync(newVolume);

    const gate = join(world.root, 'gate');

    const result = run(RESTORE_SCRIPT, world, newVolume, {
      BACKUP_FOREGROUND: '0',
      FAKE_AWS_WAIT_FOR_FILE: gate,
      FAKE_AWS_DELAY_ON: 'random.bin',
    });

    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(objectPath(world, KEYS.restoreManifest))).toBe(false);
    expect(existsSync(join(newVolume, 'data/random.bin'))).toBe(false);
    writeFileSync(gate, '');
    expect(await waitFor(() => existsSync(objectPath(world, KEYS.restoreManifest)), 15_000)).toBe(true);
    expect(compareManifests(backup, readJson<DataManifest>(objectPath(world, KEYS.restoreManifest)))).toEqual(
      [],
    );
  });
});

describe('the two scripts', () => {
  it('Given both scripts as deployed, When their common part is looked for, Then each holds it exactly once, right after the shebang, and defines no function twice', () => {
    const common = readFileSync(join(LIFECYCLE_DIR, COMMON_PART_FILE), 'utf8').replaceAll(
      BUCKET_PLACEHOLDER,
      BUCKET,
    );
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

  it('Given the real scripts, When encoded, Then they decode back exactly and fit the Content limit with the longest bucket name', () => {
    const longest = `b${'0'.repeat(61)}b`;
    for (const script of [backupOnStartScript(longest), restoreOnCreateScript(longest)]) {
      const content = toLifecycleContent(script);
      expect(Buffer.from(content, 'base64').toString('utf8')).toBe(script);
      expect(content.length).toBeLessThanOrEqual(MAX_LIFECYCLE_CONTENT_LENGTH);
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
  const fakeAws = (world: World, args: string[], extra: Record<string, string> = {}) =>
    spawnSync(join(FAKE_AWS_DIR, 'aws'), args, {
      env: scriptEnv(world, world.volume, extra),
      encoding: 'utf8',
    });

  it('Given the sts call the scripts make, When run, Then it prints the role id with the SageMaker session name', () => {
    const world = createWorld();
    const result = fakeAws(world, ['sts', 'get-caller-identity', '--query', 'UserId', '--output', 'text']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${ROLE_ID}:SageMaker\n`);
  });

  it('Given a missing object, When it is downloaded, Then it fails like the CLI: exit 1 and a 404 on stderr', () => {
    const world = createWorld();
    const result = fakeAws(world, ['s3', 'cp', `s3://${BUCKET}/missing.json`, join(world.root, 'x')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('(404)');
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
      ['sts'],
    ]) {
      const result = fakeAws(world, args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('unsupported');
    }
  });

  it('Given an upload and a download, When run, Then the object is the file FAKE_S3_ROOT/<bucket>/<key> and comes back unchanged', () => {
    const world = createWorld();
    const source = join(world.root, 'source.bin');
    writeFileSync(source, VOLUME_FILES['data/random.bin'] ?? '');

    const up = fakeAws(world, ['s3', 'cp', source, `s3://${BUCKET}/a b/ü.bin`, '--only-show-errors']);
    const down = fakeAws(world, ['s3', 'cp', `s3://${BUCKET}/a b/ü.bin`, join(world.root, 'back/')]);

    expect([up.status, down.status]).toEqual([0, 0]);
    expect(readFileSync(objectPath(world, 'a b/ü.bin')).equals(readFileSync(source))).toBe(true);
    expect(readFileSync(join(world.root, 'back/ü.bin')).equals(readFileSync(source))).toBe(true);
  });
});
