/**
 * A notebook's world for running the assembled lifecycle scripts off a notebook: a volume, the stand-in S3
 * (simulation/fake-aws/aws) and the stand-in `mount`'s state file (simulation/fake-aws/mount), plus a way to
 * run them with the real `mount` in a private mount namespace when this machine allows one.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import {
  BACKUP_FORMAT_VERSION,
  notebookPrefix,
  requestKeys,
  restoreLayout,
  type StatusKeys,
  snapshotLayout,
  snapshotPrefix,
} from '../../handlers/shared/notebook-backup-layout.js';
import { assembleScript, type LifecycleScriptFile } from '../../lifecycle/lifecycle-scripts.js';
import { scratchParent } from '../../simulation/scratch-disk.js';
import { scriptInterpreterDir } from '../../simulation/script-interpreter.js';

export const FAKE_AWS_DIR = fileURLToPath(new URL('../../simulation/fake-aws/', import.meta.url));
export const BUCKET = 'notebook-backups-111122223333';
export const ROLE_ID = 'AROAEXAMPLEROLEID12345';
export const NOTEBOOK = 'research-notebook';
export const SNAPSHOT = snapshotPrefix(ROLE_ID, NOTEBOOK, '20261123T090000Z-exec-1');
export const LAYOUT = snapshotLayout(SNAPSHOT);
export const REQUESTS = requestKeys(notebookPrefix(ROLE_ID, NOTEBOOK));
export const ATTEMPT = 'exec-1';
export const RESTORE = restoreLayout(SNAPSHOT, ATTEMPT);

export const FILES: Record<string, string> = {
  'analysis.ipynb': '{"cells": []}\n',
  'results/train.csv': 'a,b\n1,2\n',
  'notes.md': '# notes\n',
};

export const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

export function scratch(prefix: string): string {
  const directory = mkdtempSync(join(scratchParent(), prefix));
  roots.push(directory);
  return directory;
}

export function scriptFile(file: LifecycleScriptFile): string {
  const path = join(scratch('volume-freeze-scripts-'), file);
  writeFileSync(path, assembleScript(file));
  return path;
}

export const BACKUP_SCRIPT = scriptFile('backup-on-start.sh');
export const RESTORE_SCRIPT = scriptFile('restore-on-create.sh');

export interface World {
  readonly root: string;
  readonly volume: string;
  readonly s3Root: string;
  /** The stand-in mount's state file. */
  readonly mounts: string;
  /** Where the restore mounts the volume for its own writes. */
  readonly writePath: string;
  /** The scripts' TMPDIR: their work directory is made in it. */
  readonly tmp: string;
  readonly awsLog: string;
}

export function createWorld(files: Record<string, string> = FILES): World {
  const root = scratch('volume-freeze-');
  const world: World = {
    root,
    volume: join(root, 'volume'),
    s3Root: join(root, 's3'),
    mounts: join(root, 'mounts'),
    writePath: join(root, 'restore-mount', 'volume'),
    tmp: join(root, 'tmp'),
    awsLog: join(root, 'aws-calls.log'),
  };
  for (const directory of [world.volume, world.tmp, join(world.s3Root, BUCKET)]) {
    mkdirSync(directory, { recursive: true });
  }
  writeFileSync(
    join(root, 'resource-metadata.json'),
    JSON.stringify({
      ResourceName: NOTEBOOK,
      ResourceArn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${NOTEBOOK}`,
    }),
  );
  writeTree(world.volume, files);
  return world;
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** The files of a tree by relative path (lost+found left out), for comparisons. */
export function readTree(root: string, relative = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(join(root, relative)).sort()) {
    const path = relative === '' ? name : `${relative}/${name}`;
    if (path === 'lost+found') continue;
    if (lstatSync(join(root, path)).isDirectory()) Object.assign(files, readTree(root, path));
    else files[path] = readFileSync(join(root, path), 'utf8');
  }
  return files;
}

export const objectPath = (world: World, key: string) => join(world.s3Root, BUCKET, key);

export function putRequest(world: World, key: string): void {
  mkdirSync(dirname(objectPath(world, key)), { recursive: true });
  const request = { version: BACKUP_FORMAT_VERSION, snapshotPrefix: SNAPSHOT, requestedBy: 'test' };
  writeFileSync(
    objectPath(world, key),
    JSON.stringify(key === REQUESTS.restore ? { ...request, attempt: ATTEMPT } : request),
  );
}

export function statusListing(world: World, status: StatusKeys): string[] {
  const directory = objectPath(world, status.prefix);
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => !name.startsWith('.fake-aws.'))
    .map((name) => `${status.prefix}${name}`);
}

export const failureReason = (world: World, key: string) =>
  readFileSync(objectPath(world, key), 'utf8').trim();

/** The stand-in mount's state file as [kind, paths...] rows; none before any mount. */
export function mountsOf(world: World): string[][] {
  if (!existsSync(world.mounts)) return [];
  return readFileSync(world.mounts, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
}

let pythonDirectory: string | undefined;
/** The python3 of a notebook's script (script-interpreter.ts), made once for the file. */
function scriptPython(): string {
  pythonDirectory ??= scriptInterpreterDir(scratch('script-python-'));
  return pythonDirectory;
}

export function scriptEnv(
  world: World,
  extra: Record<string, string> = {},
  path = FAKE_AWS_DIR,
): NodeJS.ProcessEnv {
  return {
    PATH: `${path}:${scriptPython()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: world.root,
    TMPDIR: world.tmp,
    FAKE_S3_ROOT: world.s3Root,
    FAKE_ROLE_ID: ROLE_ID,
    FAKE_AWS_LOG: world.awsLog,
    FAKE_AWS_AUTHORIZER: 'none',
    FAKE_MOUNT_STATE: world.mounts,
    RESTORE_WRITE_PATH: world.writePath,
    RESOURCE_METADATA: join(world.root, 'resource-metadata.json'),
    SAGEMAKER_VOLUME: world.volume,
    BACKUP_LOG: join(world.root, 'notebook.log'),
    BACKUP_BUCKET: BUCKET,
    BACKUP_FOREGROUND: '1',
    BACKUP_EXIT_STATUS: 'copy',
    ...extra,
  };
}

export function run(script: string, world: World, extra: Record<string, string> = {}) {
  return spawnSync('bash', [script], { env: scriptEnv(world, extra), encoding: 'utf8', timeout: 30_000 });
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

export const archiveUploadStarted = (world: World) =>
  existsSync(world.awsLog) &&
  readFileSync(world.awsLog, 'utf8').includes(`upload s3://${BUCKET}/${LAYOUT.archive}`);

/** Whether the backup's python finished walking the volume: it writes the metadata it copied last. */
export const copyWalked = (world: World) =>
  readdirSync(world.tmp).some((directory) => existsSync(join(world.tmp, directory, 'meta')));

/** A backup of FILES, completed, in a new world that holds a restore request for it and an empty volume. */
export function worldWithBackup(): World {
  const source = createWorld();
  putRequest(source, REQUESTS.backup);
  expect(run(BACKUP_SCRIPT, source).status).toBe(0);
  const world = createWorld({ 'lost+found/.keep': '' });
  rmSync(join(world.s3Root, BUCKET), { recursive: true });
  spawnSync('cp', ['-a', join(source.s3Root, BUCKET), join(world.s3Root, BUCKET)]);
  putRequest(world, REQUESTS.restore);
  return world;
}

/** Whether this machine lets a test make a private user and mount namespace (unprivileged or as root). */
export const NAMESPACE = ['--user', '--map-root-user', '--mount', '--propagation', 'private'];
export const canUnshare = spawnSync('unshare', [...NAMESPACE, 'true']).status === 0;

/**
 * Runs `script` with the real `mount` in a private mount namespace (the machine's mounts are never
 * touched), then, still inside it, has a user try to write to the volume. The namespace ending stands for
 * the notebook stopping: its mounts go with it.
 */
export function runWithRealMounts(script: string, world: World, extra: Record<string, string> = {}) {
  // Only the stand-in aws on PATH: mount is the real one.
  const awsOnly = scratch('aws-only-');
  symlinkSync(join(FAKE_AWS_DIR, 'aws'), join(awsOnly, 'aws'));
  const userWrite = `echo saved > "$SAGEMAKER_VOLUME/saved-by-user.txt"`;
  return spawnSync(
    'unshare',
    [
      ...NAMESPACE,
      'bash',
      '-c',
      `bash "$0"; status=$?; ${userWrite} || echo "user write refused"; exit $status`,
      script,
    ],
    { env: scriptEnv(world, extra, awsOnly), encoding: 'utf8', timeout: 30_000 },
  );
}

/** The namespace's outcome, its status checked: the script's exit status (`status`) passes through. */
export function namespaceOutcome(result: ReturnType<typeof spawnSync>, status = 0) {
  expect(result.status, String(result.stderr)).toBe(status);
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}
