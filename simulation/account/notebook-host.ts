/**
 * The machine behind a notebook instance, as far as the project cares: its ML storage volume
 * (/home/ec2-user/SageMaker, a real directory here) and its lifecycle configuration scripts, which run
 * for real with bash.
 *
 * Environment of a script (nothing else from the test process is passed on):
 *
 *   SAGEMAKER_VOLUME    the volume directory (stands for /home/ec2-user/SageMaker)
 *   RESOURCE_METADATA   a JSON file {"ResourceName": ..., "ResourceArn": ...} (stands for
 *                       /opt/ml/metadata/resource-metadata.json)
 *   FAKE_S3_ROOT        the simulated S3 root: s3://<bucket>/<key> is $FAKE_S3_ROOT/<bucket>/<key>
 *   FAKE_ROLE_ID        the unique id of the notebook's role (`roleIdFor(RoleArn)`), as
 *                       `aws sts get-caller-identity` would show it in UserId (`<id>:SageMaker`)
 *   BACKUP_FOREGROUND   `1`: do the copy before exiting instead of in the background, so that it
 *                       finishes inside the simulated call
 *   AWS_REGION, AWS_DEFAULT_REGION   the account's region
 *   PATH                the stand-in aws CLI's directory (simulation/fake-aws), then the test
 *                       process's PATH. If the stand-in is missing, a guard `aws` that fails comes
 *                       first instead, so a script can never reach the real AWS CLI.
 *   HOME, TMPDIR        fresh directories for each run
 *   BACKUP_LOG          a file in the run's directory: the project's scripts log there instead of
 *                       /var/log (not part of the contract; it keeps test runs off the host)
 *
 * plus `extraEnv` (fault injection for the stand-in, e.g. FAKE_AWS_FAIL_ON), which wins over the above.
 *
 * Scripts run with a real-time timeout (default 30 s), which counts as AWS's 5-minute limit. Processes a
 * script leaves behind when it exits are given 100 ms (a `tee` flushing its last lines), then killed:
 * their effects would race the test.
 */

import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { roleIdFor } from './iam.js';
import { changeTimes, listFiles, type SimulatedStorage } from './storage.js';

export type LifecycleHook = 'OnCreate' | 'OnStart';

/** One run of a lifecycle script: what CloudWatch Logs would hold, and how it ended. */
export interface LifecycleScriptRun {
  readonly notebookName: string;
  readonly lifecycleConfigName: string;
  readonly hook: LifecycleHook;
  /** The simulated time the notebook ran the script (the end of its Pending phase). */
  readonly at: Date;
  /** Null when the script was killed (timeout). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Whether the script left processes running when it exited (they were killed). */
  readonly leftBackgroundProcesses: boolean;
  /** Standard output and error, interleaved, like the log stream `<notebook>/LifecycleConfig<hook>`. */
  readonly output: string;
  readonly realDurationMs: number;
}

export interface ScriptRequest {
  readonly notebookName: string;
  readonly notebookArn: string;
  readonly roleArn: string;
  readonly volumeId: string;
  readonly lifecycleConfigName: string;
  readonly hook: LifecycleHook;
  /** The hook's Content: the script, base64-encoded. */
  readonly content: string;
  readonly atMs: number;
}

export interface NotebookHostOptions {
  readonly storage: SimulatedStorage;
  readonly region?: string;
  /** Directory holding the stand-in `aws` (default simulation/fake-aws of this checkout). */
  readonly fakeAwsDir?: string;
  /** Real-time limit of one script run, standing for AWS's 5 minutes (default 30 000 ms). */
  readonly scriptTimeoutMs?: number;
  /** Variables added to every script's environment (they win over the contract's). */
  readonly extraEnv?: Readonly<Record<string, string>>;
}

export const DEFAULT_FAKE_AWS_DIR = fileURLToPath(new URL('../fake-aws/', import.meta.url));

export type VolumeFiles = Readonly<Record<string, string | Uint8Array>>;

export class NotebookHost {
  readonly region: string;
  readonly fakeAwsDir: string;
  readonly scriptTimeoutMs: number;
  /** Variables added to every script's environment, e.g. `FAKE_AWS_FAIL_ON` to make a copy fail. */
  readonly extraEnv: Record<string, string>;
  private readonly storage: SimulatedStorage;
  private readonly scriptRuns: LifecycleScriptRun[] = [];
  private guardDir: string | undefined;

  constructor(options: NotebookHostOptions) {
    this.storage = options.storage;
    this.region = options.region ?? 'eu-west-1';
    this.fakeAwsDir = options.fakeAwsDir ?? DEFAULT_FAKE_AWS_DIR;
    this.scriptTimeoutMs = options.scriptTimeoutMs ?? 30_000;
    this.extraEnv = { ...options.extraEnv };
  }

  /** Whether the stand-in aws CLI is there (another part of the project provides it). */
  get fakeAwsAvailable(): boolean {
    return existsSync(join(this.fakeAwsDir, 'aws'));
  }

  /** The S3 root the scripts see as FAKE_S3_ROOT. */
  get s3Root(): string {
    return this.storage.s3Root();
  }

  /** Every script run so far, oldest first. */
  get runs(): readonly LifecycleScriptRun[] {
    return this.scriptRuns;
  }

  /** The volume's directory (created on demand). */
  volumePath(volumeId: string): string {
    const path = join(this.storage.volumesRoot(), volumeId);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** Whether the volume directory exists, without creating anything. */
  hasVolume(volumeId: string): boolean {
    return this.storage.created && existsSync(join(this.storage.volumesRoot(), volumeId));
  }

  writeFiles(volumeId: string, files: VolumeFiles): void {
    const root = this.volumePath(volumeId);
    for (const [relativePath, content] of Object.entries(files)) {
      const path = resolve(root, relativePath);
      if (!path.startsWith(root + sep) || relativePath.startsWith('/')) {
        throw new Error(`Volume file paths must be relative and inside the volume: ${relativePath}`);
      }
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }

  /** The volume's files by relative path (forward slashes), sorted; none for a volume never written. */
  readFiles(volumeId: string): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    if (!this.hasVolume(volumeId)) {
      return files;
    }
    const root = this.volumePath(volumeId);
    for (const path of listFiles(root).sort()) {
      files.set(path, readFileSync(join(root, path)));
    }
    return files;
  }

  destroyVolume(volumeId: string): void {
    if (this.hasVolume(volumeId)) {
      rmSync(join(this.storage.volumesRoot(), volumeId), { recursive: true, force: true });
    }
  }

  /**
   * Runs one lifecycle script with bash, synchronously. Files it writes under the S3 root get the
   * simulated time of the run as their mtime (their LastModified).
   */
  runScript(request: ScriptRequest): LifecycleScriptRun {
    const runDir = this.storage.newScratchDir(`${request.notebookName.toLowerCase()}-${request.hook}`);
    const home = join(runDir, 'home');
    const tmp = join(runDir, 'tmp');
    mkdirSync(home);
    mkdirSync(tmp);
    const scriptPath = join(runDir, `${request.hook}_script`);
    writeFileSync(scriptPath, Buffer.from(request.content, 'base64'));
    chmodSync(scriptPath, 0o700);
    const metadataPath = join(runDir, 'resource-metadata.json');
    writeFileSync(
      metadataPath,
      JSON.stringify({ ResourceName: request.notebookName, ResourceArn: request.notebookArn }),
    );
    const s3Root = this.storage.s3Root();
    const volume = this.volumePath(request.volumeId);
    const logPath = join(runDir, 'output.log');
    const before = changeTimes(s3Root);
    const log = openSync(logPath, 'w');
    const started = Date.now();
    // `detached` (undocumented for spawnSync, but honoured) puts the script in its own process group,
    // so that whatever it leaves behind can be found and killed.
    const options: SpawnSyncOptions & { detached: boolean } = {
      cwd: home,
      env: {
        PATH: `${this.awsDir()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: home,
        TMPDIR: tmp,
        SAGEMAKER_VOLUME: volume,
        RESOURCE_METADATA: metadataPath,
        FAKE_S3_ROOT: s3Root,
        FAKE_ROLE_ID: roleIdFor(request.roleArn),
        BACKUP_FOREGROUND: '1',
        AWS_REGION: this.region,
        AWS_DEFAULT_REGION: this.region,
        BACKUP_LOG: join(runDir, 'script.log'),
        ...this.extraEnv,
      },
      stdio: ['ignore', log, log],
      timeout: this.scriptTimeoutMs,
      killSignal: 'SIGKILL',
      detached: true,
    };
    let result: ReturnType<typeof spawnSync>;
    try {
      result = spawnSync('bash', [scriptPath], options);
    } finally {
      closeSync(log);
    }
    const realDurationMs = Date.now() - started;
    const leftBackgroundProcesses = killGroup(result.pid);
    const timedOut =
      result.error !== undefined && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    if (result.error !== undefined && !timedOut) {
      throw new Error(`Could not run the lifecycle script with bash: ${result.error.message}`);
    }
    this.stampWrites(s3Root, before, request.atMs);
    const run: LifecycleScriptRun = {
      notebookName: request.notebookName,
      lifecycleConfigName: request.lifecycleConfigName,
      hook: request.hook,
      at: new Date(request.atMs),
      exitCode: timedOut ? null : result.status,
      timedOut,
      leftBackgroundProcesses,
      output: readFileSync(logPath, 'utf8'),
      realDurationMs,
    };
    this.scriptRuns.push(run);
    return run;
  }

  /** The stand-in's directory, or a guard whose `aws` fails while the stand-in is missing. */
  private awsDir(): string {
    if (this.fakeAwsAvailable) {
      return this.fakeAwsDir;
    }
    if (this.guardDir === undefined) {
      this.guardDir = this.storage.newScratchDir('aws-guard');
      const guard = join(this.guardDir, 'aws');
      writeFileSync(
        guard,
        '#!/usr/bin/env bash\n' +
          `echo "aws: the stand-in CLI is not installed (${this.fakeAwsDir}aws); the real one is never used" >&2\n` +
          'exit 127\n',
      );
      chmodSync(guard, 0o755);
    }
    return this.guardDir;
  }

  private stampWrites(s3Root: string, before: ReadonlyMap<string, bigint>, atMs: number): void {
    const seconds = Math.floor(atMs / 1000);
    for (const [file, changed] of changeTimes(s3Root)) {
      if (before.get(file) !== changed) {
        utimesSync(join(s3Root, file), seconds, seconds);
      }
    }
  }
}

const LEFTOVER_GRACE_MS = 100;

/**
 * Whether a process group has members that still run. Zombies do not count: a `tee` the script started
 * has exited but waits for init to reap it, which can take a second. Without /proc, any member counts.
 */
function groupHasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) {
    return true;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') {
      return true;
    }
  }
  return false;
}

/** Kills what is left of a script's process group after a short grace. Returns whether anything was left. */
function killGroup(pid: number | undefined): boolean {
  if (pid === undefined || pid <= 0) {
    return false;
  }
  const alive = () => groupHasLiveMembers(pid);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + LEFTOVER_GRACE_MS;
  while (alive()) {
    if (Date.now() >= deadline) {
      break;
    }
    Atomics.wait(pause, 0, 0, 5);
  }
  if (!alive()) {
    return false;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
  return true;
}
