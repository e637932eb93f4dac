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
 *   PATH                the stand-ins' directory (simulation/fake-aws: `aws`, `mount`), the script's
 *                       python3 (script-interpreter.ts), then guards
 *                       `aws` and `mount` that fail, then the test process's PATH: a script never
 *                       reaches the real AWS CLI nor the machine's mounts, even with a stand-in missing.
 *   FAKE_MOUNT_STATE    a file in the run's directory where the stand-in `mount` records the binds and
 *                       remounts (read-only, read-write) the script made; the host reads it after the run
 *   RESTORE_WRITE_PATH  a directory in the run's directory, for the restore's second mount of the volume
 *                       (stands for /run/notebook-restore/volume)
 *   HOME, TMPDIR        fresh directories for each run
 *   BACKUP_LOG          a file in the run's directory: the project's scripts log there instead of
 *                       /var/log (not part of the contract; it keeps test runs off the host)
 *
 * and, when the host is given the account's IAM (`iam`), the stand-in's IAM check: FAKE_AWS_AUTHORIZER and
 * FAKE_AWS_NODE (the built check and the node to run it), FAKE_AWS_IAM_CONTEXT (the notebook role's
 * policies, the bucket and key policies, at the run's simulated time), FAKE_AWS_AUTHORIZATIONS (where
 * the decisions go; the host hands them to the account after the run), FAKE_AWS_DECISION_CACHE (the
 * decisions already taken under that context) and, while this process's check server runs
 * (fake-aws/authorizer-server.ts), FAKE_AWS_AUTHORIZER_PORT and FAKE_AWS_AUTHORIZER_TOKEN (where to ask it,
 * and its secret) instead of a `node` start per check. Without `iam` the check is `none`.
 *
 * plus `extraEnv` (fault injection for the stand-in, e.g. FAKE_AWS_FAIL_ON), which wins over the above.
 *
 * A run that remounts the volume read-only (`mount -o remount,bind,ro <volume>`) and does not remount it
 * read-write before it ends freezes it: `userWrite` then fails with EROFS, as a save in Jupyter would, until
 * the notebook stops (`unfreeze`, called by the
 * simulated SageMaker when a stop completes or a start boots the machine again) or the volume is destroyed.
 *
 * A script runs in a moment of simulated time, but what it writes to S3 appears only when a copy of the
 * volume would have finished on the instance (copy-throughput.ts), given the host's clock: the objects wait
 * in a scratch directory until then. A volume may stand for more bytes than it holds (`setModelledBytes`:
 * the 50 GB of a large notebook), which its backup's largest object carries on to the restore.
 *
 * Scripts run with a real-time timeout (default 300 s), AWS's 5-minute limit; the copy, in the foreground
 * here, counts against it (on an instance it runs in the background). Processes a
 * script leaves behind when it exits are given 100 ms (a `tee` flushing its last lines), then killed:
 * their effects would race the test.
 */

import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StandInAuthorization, StandInIamContext } from '../fake-aws/authorize.js';
import { authorizerServer } from '../fake-aws/authorizer-server.js';
import { standInAuthorizer } from '../fake-aws/cli-build.js';
import { scriptInterpreterDir } from '../script-interpreter.js';
import { readsRequestTime } from './authorizer.js';
import { type CopySize, type CopyThroughput, copySeconds } from './copy-throughput.js';
import { roleIdFor } from './iam.js';
import { killGroup } from './process-group.js';
import { changeTimes, fileSize, listFiles, measureTree, type SimulatedStorage } from './storage.js';

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
  /**
   * Real-time limit of one script run: AWS's 5 minutes (default 300 000 ms). The simulation runs the copy in
   * the foreground (BACKUP_FOREGROUND=1), so it counts here, where on an instance it runs in the background.
   */
  readonly scriptTimeoutMs?: number;
  /** Variables added to every script's environment (they win over the contract's). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** The account's IAM, for the stand-in CLI's checks (simulation/fake-aws/authorize.ts). */
  readonly iam?: NotebookHostIam;
  /**
   * The rates of a script's copy: its S3 writes then appear when a copy that size would have finished,
   * once `landDue` is called at or after that time (the account calls it before any S3 access).
   * Default: they appear at once, at the run's time.
   */
  readonly throughput?: CopyThroughput;
}

/** What the host needs of the account to let the stand-in authorize a script's calls. */
export interface NotebookHostIam {
  /** The notebook role session's policies, the bucket and key policies, at the run's time. */
  contextFor(roleArn: string, at: Date): StandInIamContext;
  /** The decisions the stand-in took during one run. */
  record(roleArn: string, at: Date, decisions: readonly StandInAuthorization[]): void;
}

export const DEFAULT_FAKE_AWS_DIR = fileURLToPath(new URL('../fake-aws/', import.meta.url));

export type VolumeFiles = Readonly<Record<string, string | Uint8Array>>;

export class NotebookHost {
  readonly region: string;
  readonly fakeAwsDir: string;
  readonly scriptTimeoutMs: number;
  /** Variables added to every script's environment, e.g. `FAKE_AWS_FAIL_ON` to make a copy fail. */
  readonly extraEnv: Record<string, string>;
  private readonly iam: NotebookHostIam | undefined;
  private readonly throughput: CopyThroughput | undefined;
  /** Script writes still being copied: out of the bucket until `dueMs`. */
  private readonly inFlight: {
    readonly dueMs: number;
    readonly dir: string;
    readonly paths: readonly string[];
  }[] = [];
  /** Bytes a volume stands for beyond its real files, by volume id. */
  private readonly modelledVolumeBytes = new Map<string, number>();
  /** Bytes an S3 object stands for beyond its real content, by its path under the S3 root. */
  private readonly modelledObjectBytes = new Map<string, number>();
  private readonly storage: SimulatedStorage;
  private readonly scriptRuns: LifecycleScriptRun[] = [];
  private guardDir: string | undefined;
  /** Volumes a script made read-only, until the notebook stops. */
  private readonly frozenVolumes = new Set<string>();

  constructor(options: NotebookHostOptions) {
    this.storage = options.storage;
    this.region = options.region ?? 'eu-west-1';
    this.fakeAwsDir = options.fakeAwsDir ?? DEFAULT_FAKE_AWS_DIR;
    this.scriptTimeoutMs = options.scriptTimeoutMs ?? 300_000;
    this.extraEnv = { ...options.extraEnv };
    this.iam = options.iam;
    this.throughput = options.throughput;
  }

  /** Lets a volume stand for `bytes` more than its real files (a large notebook, modelled). */
  setModelledBytes(volumeId: string, bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new Error(`modelled bytes must be a whole number >= 0: ${bytes}`);
    this.modelledVolumeBytes.set(volumeId, bytes);
  }

  /** The volume's size as a copy sees it: its entries, and its bytes real and modelled. */
  volumeSize(volumeId: string): CopySize {
    const real = this.hasVolume(volumeId) ? measureTree(this.volumePath(volumeId)) : { files: 0, bytes: 0 };
    return { files: real.files, bytes: real.bytes + (this.modelledVolumeBytes.get(volumeId) ?? 0) };
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

  /**
   * A user of the notebook writing a file on its volume (Jupyter saving a notebook, a terminal, a kernel):
   * refused with EROFS while a lifecycle script holds the volume read-only.
   */
  userWrite(volumeId: string, relativePath: string, content: string | Uint8Array): void {
    if (this.frozenVolumes.has(volumeId)) {
      const path = join(this.volumePath(volumeId), relativePath);
      throw Object.assign(new Error(`EROFS: read-only file system, open '${path}'`), {
        code: 'EROFS',
        errno: -30,
        syscall: 'open',
        path,
      });
    }
    this.writeFiles(volumeId, { [relativePath]: content });
  }

  /** Whether a lifecycle script made the volume read-only since the notebook last stopped. */
  isFrozen(volumeId: string): boolean {
    return this.frozenVolumes.has(volumeId);
  }

  /** The machine stopped (or boots again): the read-only mount is gone with it. */
  unfreeze(volumeId: string): void {
    this.frozenVolumes.delete(volumeId);
  }

  destroyVolume(volumeId: string): void {
    this.frozenVolumes.delete(volumeId);
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
    const mountState = join(runDir, 'mounts');
    const writePath = join(runDir, 'restore-mount', 'volume');
    // A script sees what earlier copies have finished writing, and nothing more.
    this.landDue(request.atMs);
    const before = changeTimes(s3Root);
    const sizeBefore = this.volumeSize(request.volumeId);
    const log = openSync(logPath, 'w');
    const started = Date.now();
    // `detached` (undocumented for spawnSync, but honoured) puts the script in its own process group,
    // so that whatever it leaves behind can be found and killed.
    const options: SpawnSyncOptions & { detached: boolean } = {
      cwd: home,
      env: {
        PATH: `${this.toolPath()}:${process.env.PATH ?? '/usr/bin:/bin'}`,
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
        FAKE_MOUNT_STATE: mountState,
        RESTORE_WRITE_PATH: writePath,
        ...this.iamEnvironment(runDir, request),
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
    const readOnly = readOnlyMounts(mountState);
    if (readOnly.includes(volume) || readOnly.includes(realpathSync(volume))) {
      this.frozenVolumes.add(request.volumeId);
    }
    const decisions = this.collectDecisions(runDir, request);
    const written = this.writesSince(s3Root, before);
    this.settleCopy(request, written, decisions, sizeBefore);
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

  /** The stand-in's IAM check for this run (or none, for a host without the account's IAM). */
  private iamEnvironment(runDir: string, request: ScriptRequest): Record<string, string> {
    if (!this.iam) return { FAKE_AWS_AUTHORIZER: 'none' };
    const contextFile = join(runDir, 'iam-context.json');
    const context = this.iam.contextFor(request.roleArn, new Date(request.atMs));
    writeFileSync(contextFile, JSON.stringify(context));
    const authorizer = standInAuthorizer();
    const server = authorizerServer();
    return {
      FAKE_AWS_AUTHORIZER: authorizer,
      FAKE_AWS_NODE: process.execPath,
      FAKE_AWS_IAM_CONTEXT: contextFile,
      FAKE_AWS_AUTHORIZATIONS: join(runDir, 'authorizations.jsonl'),
      FAKE_AWS_DECISION_CACHE: decisionCacheFor(authorizer, context),
      ...(server && {
        FAKE_AWS_AUTHORIZER_PORT: String(server.port),
        FAKE_AWS_AUTHORIZER_TOKEN: server.token,
      }),
    };
  }

  private collectDecisions(runDir: string, request: ScriptRequest): StandInAuthorization[] {
    const file = join(runDir, 'authorizations.jsonl');
    if (!this.iam || !existsSync(file)) return [];
    const decisions = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as StandInAuthorization);
    this.iam.record(request.roleArn, new Date(request.atMs), decisions);
    return decisions;
  }

  /**
   * Carries the modelled bytes along (a backup's onto its largest object, a restore's onto the volume)
   * and holds the run's S3 writes back until its copy would have finished.
   */
  private settleCopy(
    request: ScriptRequest,
    written: readonly string[],
    decisions: readonly StandInAuthorization[],
    sizeBefore: CopySize,
  ): void {
    const downloaded = decisions
      .filter((entry) => entry.action === 's3:GetObject' && entry.decision === 'Allowed')
      .map((entry) => entry.resource.replace(/^arn:aws[a-z-]*:s3:::/, ''));
    const restoredBytes = downloaded.reduce(
      (total, path) => total + (this.modelledObjectBytes.get(path) ?? 0),
      0,
    );
    if (restoredBytes > 0) {
      this.modelledVolumeBytes.set(
        request.volumeId,
        (this.modelledVolumeBytes.get(request.volumeId) ?? 0) + restoredBytes,
      );
    }
    const s3Root = this.storage.s3Root();
    const largest = [...written].sort((a, b) => fileSize(join(s3Root, b)) - fileSize(join(s3Root, a)))[0];
    const carried = this.modelledVolumeBytes.get(request.volumeId) ?? 0;
    if (largest !== undefined && carried > 0 && request.hook === 'OnStart') {
      this.modelledObjectBytes.set(largest, carried);
    }
    const sizeAfter = this.volumeSize(request.volumeId);
    const size = {
      files: Math.max(sizeBefore.files, sizeAfter.files),
      bytes: Math.max(sizeBefore.bytes, sizeAfter.bytes),
    };
    const direction = request.hook === 'OnStart' ? 'backup' : 'restore';
    const dueMs =
      this.throughput === undefined
        ? request.atMs
        : request.atMs + Math.ceil(copySeconds(size, direction, this.throughput) * 1000);
    if (written.length === 0 || dueMs === request.atMs) {
      this.stamp(written, request.atMs);
      return;
    }
    // In flight: out of the bucket until the copy is done, then in with that time (landDue).
    const dir = this.storage.newScratchDir('in-flight');
    for (const path of written) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      renameSync(join(s3Root, path), join(dir, path));
    }
    this.inFlight.push({ dueMs, dir, paths: written });
  }

  /** Puts the script writes whose copy is done by `nowMs` into the bucket, stamped with that time. */
  landDue(nowMs: number): void {
    const due = this.inFlight.filter((batch) => batch.dueMs <= nowMs).sort((a, b) => a.dueMs - b.dueMs);
    if (due.length === 0) return;
    const s3Root = this.storage.s3Root();
    for (const batch of due) {
      this.inFlight.splice(this.inFlight.indexOf(batch), 1);
      for (const path of batch.paths) {
        mkdirSync(dirname(join(s3Root, path)), { recursive: true });
        renameSync(join(batch.dir, path), join(s3Root, path));
      }
      this.stamp(batch.paths, batch.dueMs);
    }
  }

  private writesSince(s3Root: string, before: ReadonlyMap<string, bigint>): string[] {
    return [...changeTimes(s3Root)]
      .filter(([file, changed]) => before.get(file) !== changed)
      .map(([file]) => file);
  }

  private stamp(paths: readonly string[], atMs: number): void {
    const seconds = Math.floor(atMs / 1000);
    for (const path of paths) utimesSync(join(this.storage.s3Root(), path), seconds, seconds);
  }

  /**
   * The stand-ins' directory, the python3 a notebook's script would run (script-interpreter.ts), then
   * guards: an `aws` and a `mount` that fail, found only when a stand-in is missing. The real ones are
   * never reached (tests may run as root, where a real `mount` would work).
   */
  private toolPath(): string {
    if (this.guardDir === undefined) {
      this.guardDir = this.storage.newScratchDir('tool-guard');
      for (const tool of ['aws', 'mount']) {
        const guard = join(this.guardDir, tool);
        writeFileSync(
          guard,
          '#!/usr/bin/env bash\n' +
            `echo "${tool}: the stand-in ${tool === 'aws' ? 'CLI' : tool} is not installed (${this.fakeAwsDir}${tool}); the real one is never used" >&2\n` +
            'exit 127\n',
        );
        chmodSync(guard, 0o755);
      }
    }
    return `${this.fakeAwsDir}:${scriptInterpreterDir(this.guardDir)}:${this.guardDir}`;
  }
}

/**
 * The paths a run's stand-in `mount` left read-only (its state file: tab-separated lines, in order): those
 * whose last remount was `ro`, not `rw` (a failed run lifting its freeze).
 */
function readOnlyMounts(stateFile: string): string[] {
  if (!existsSync(stateFile)) return [];
  const last = new Map<string, string>();
  for (const line of readFileSync(stateFile, 'utf8').split('\n')) {
    const [kind = '', path = ''] = line.split('\t');
    if (kind === 'ro' || kind === 'rw') last.set(path, kind);
  }
  return [...last].filter(([, kind]) => kind === 'ro').map(([path]) => path);
}

/** The evaluator packages the built check loads at run time (cli-build.ts leaves them out of it). */
const EVALUATOR_PACKAGES = fileURLToPath(new URL('../../node_modules/@cloud-copilot/', import.meta.url));
let evaluatorManifests: string | undefined;

/**
 * Where the stand-in keeps the decisions made under one IAM context, so that the same call under the
 * same policies is decided once rather than by one more `node` start (most of a script run's time).
 * Named after the built check, the evaluator packages it loads (an upgrade may decide differently) and
 * the context, which is fixed for the run: the script runs while the account waits (spawnSync), so no
 * policy can change under it. The context's time is left out only when no policy reads the time (a
 * date condition would make the same call decide differently later).
 */
function decisionCacheFor(authorizer: string, context: { readonly at: string }): string {
  const text = JSON.stringify(context);
  const timeMatters = readsRequestTime(text);
  const { at: _at, ...timeless } = context;
  evaluatorManifests ??= (existsSync(EVALUATOR_PACKAGES) ? readdirSync(EVALUATOR_PACKAGES).sort() : [])
    .map((name) => join(EVALUATOR_PACKAGES, name, 'package.json'))
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const digest = createHash('sha256')
    .update(authorizer)
    .update(evaluatorManifests)
    .update(JSON.stringify(timeMatters ? context : timeless))
    .digest('hex')
    .slice(0, 32);
  return join(dirname(authorizer), 'decisions', digest);
}
