/**
 * The recreation of a large notebook, end to end in the simulated account: a volume of many real, small
 * files (a project, its virtual environment, its git history), which stands for many more bytes through
 * the copy's throughput model (copy-throughput.ts), approved and recreated by the deployed workflow. The
 * tests prove it passes; the bench reports its figures (recreate.largeVolume).
 */

import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseStatusSummary } from '../../handlers/shared/notebook-backup-layout.js';
import { SimulatedAccount } from '../account/account.js';
import type { CopyThroughput } from '../account/copy-throughput.js';
import { customActionEvent, notebookControlFinding } from '../account/sample-findings.js';
import { LocalDeployment } from '../runner/local-deployment.js';
import type { ExecutionRecord } from '../runner/local-state-machine.js';
import { mulberry32 } from '../seeded-random.js';
import { seedTargetNetwork } from './target-network.js';
import { volumeTreeDigest } from './volume-tree.js';

export const LARGE_VOLUME_NOTEBOOK = 'Large-Notebook';

export interface LargeVolumeOptions {
  /** Real files on the volume (default 100,000). */
  readonly files?: number;
  /** Bytes the volume holds in all, real and modelled (default 50 GB). */
  readonly bytes?: number;
  /** Seed of the file sizes (default 1). */
  readonly seed?: number;
  readonly throughput?: CopyThroughput;
}

export interface LargeVolumeRun {
  readonly files: number;
  readonly bytes: number;
  /** Bytes really written to the volume (the rest is modelled). */
  readonly realBytes: number;
  readonly status: string;
  readonly error?: string;
  readonly maxStatePayloadBytes: number;
  /** Simulated seconds from the backup script's start to its complete status landing. */
  readonly backupSeconds: number;
  /** Simulated seconds from the restore script's start to its complete status landing. */
  readonly restoreSeconds: number;
  /** State transitions of every execution the findings started. */
  readonly stateTransitions: number;
  /** Whether the recreated volume is entry for entry the old one (types, modes, times, bytes, links). */
  readonly restoredExactly: boolean;
  readonly entriesBefore: number;
  readonly entriesAfter: number;
  readonly deniedCalls: readonly string[];
  /** The manifests the scripts wrote to S3: the backup's and, after the restore, the new volume's. */
  readonly manifests: ManifestFacts;
  readonly executions: readonly ExecutionRecord[];
  readonly realSeconds: number;
}

export interface ManifestFacts {
  /** Lines of the backup's data/manifest.jsonl: one per entry. */
  readonly backupLines: number;
  /** Files, as the backup's complete status counts them. */
  readonly backupFiles: number;
  /** Whether the restore's manifest of the new volume is byte for byte the backup's. */
  readonly restoreSameBytes: boolean;
}

/** Sizes a project and its environment have: mostly small sources and metadata, a few larger files. */
function* fileSizes(count: number, seed: number): Generator<number> {
  // Deterministic, so every run measures the same volume.
  const random = mulberry32(seed);
  for (let index = 0; index < count; index += 1) {
    const roll = random();
    // 10% empty (__init__.py, markers), 60% under 512 B, 25% under 2 KiB, 5% up to 8 KiB.
    yield roll < 0.1
      ? 0
      : roll < 0.7
        ? Math.floor(random() * 512)
        : roll < 0.95
          ? 512 + Math.floor(random() * 1536)
          : 2048 + Math.floor(random() * 6144);
  }
}

/** Writes `count` files in folders of at most 100, three levels deep, as a package tree would be. */
export function writeProjectVolume(root: string, count: number, seed = 1): { files: number; bytes: number } {
  let bytes = 0;
  let index = 0;
  const time = new Date('2026-10-01T12:00:00.000Z');
  for (const size of fileSizes(count, seed)) {
    const folder = Math.floor(index / 100);
    const path = join(
      root,
      'env',
      `lib-${Math.floor(folder / 100)}`,
      `package-${folder % 100}`,
      `module_${index % 100}.py`,
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.alloc(size, 97 + (index % 26)));
    utimesSync(path, time, time);
    bytes += size;
    index += 1;
  }
  return { files: count, bytes };
}

/** Deploys the stack, seeds the large notebook, plans, approves and recreates it; returns the figures. */
export async function runLargeVolumeRecreation(options: LargeVolumeOptions = {}): Promise<LargeVolumeRun> {
  const files = options.files ?? 100_000;
  const bytes = options.bytes ?? 50_000_000_000;
  const started = Date.now();
  const account = new SimulatedAccount({
    strictReferences: true,
    ...(options.throughput ? { copyThroughput: options.throughput } : {}),
  });
  try {
    const network = seedTargetNetwork(account);
    const deployment = new LocalDeployment({
      account,
      configuration: { modes: { 'SageMaker.1': 'approval' }, recreate: { targets: [network.target] } },
    });
    account.sagemaker.seedNotebook({
      name: LARGE_VOLUME_NOTEBOOK,
      status: 'InService',
      directInternetAccess: 'Enabled',
      rootAccess: 'Disabled',
      // 5 GB is the smallest volume SageMaker creates.
      volumeSizeInGB: Math.max(5, Math.ceil((bytes * 1.25) / 2 ** 30)),
    });
    const volume = account.sagemaker.volumePath(LARGE_VOLUME_NOTEBOOK);
    const written = writeProjectVolume(volume, files, options.seed ?? 1);
    if (written.bytes > bytes)
      throw new Error(`${files} files hold ${written.bytes} bytes, more than ${bytes}`);
    account.notebookHost.setModelledBytes(
      account.sagemaker.volumeIdOf(LARGE_VOLUME_NOTEBOOK),
      bytes - written.bytes,
    );
    const before = volumeTreeDigest(volume);

    const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: LARGE_VOLUME_NOTEBOOK });
    deployment.importFinding(finding);
    void account.clock.sleep(10 * 60_000).then(() => {
      const current = account.securityHub.getFinding(finding.Id ?? '') ?? finding;
      account.bus.putEvent(
        customActionEvent([current], { actionId: deployment.customActionIds.approve, id: 'approve' }),
      );
    });
    const executions = await deployment.settle();

    const after = account.sagemaker.hasNotebook(LARGE_VOLUME_NOTEBOOK)
      ? volumeTreeDigest(account.sagemaker.volumePath(LARGE_VOLUME_NOTEBOOK))
      : { entries: 0, sha256: '' };
    const [plan] = executions;
    const manifests = manifestFacts(deployment);
    return {
      files,
      bytes,
      realBytes: written.bytes,
      status: plan?.status ?? 'NONE',
      ...(plan?.error ? { error: `${plan.error}: ${plan.cause ?? ''}` } : {}),
      maxStatePayloadBytes: Math.max(0, ...executions.map((execution) => execution.maxPayloadBytes)),
      backupSeconds: copySecondsOf(deployment, 'OnStart', '/backup-status/complete'),
      restoreSeconds: copySecondsOf(deployment, 'OnCreate', '/status/complete'),
      stateTransitions: executions.reduce((total, execution) => total + execution.transitions.length, 0),
      restoredExactly: before.sha256 === after.sha256,
      entriesBefore: before.entries,
      entriesAfter: after.entries,
      deniedCalls: account.authorizations
        .filter((entry) => entry.decision !== 'Allowed')
        .map((entry) => `${entry.caller.roleArn} ${entry.action} ${entry.resource}`),
      manifests,
      executions,
      realSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    account.dispose();
  }
}

/** From a copy script's start to its status landing, in simulated seconds (NaN if it never did). */
function copySecondsOf(
  deployment: LocalDeployment,
  hook: 'OnStart' | 'OnCreate',
  statusSuffix: string,
): number {
  const { account } = deployment;
  const run = account.sagemaker
    .lifecycleRuns(LARGE_VOLUME_NOTEBOOK)
    .find((entry) => entry.hook === hook && entry.exitCode === 0);
  const key = account.s3
    .keys(deployment.backupBucket)
    .find(
      (candidate) =>
        candidate.endsWith(statusSuffix) && (hook === 'OnCreate') === candidate.includes('/restores/'),
    );
  if (!run || !key) return Number.NaN;
  const landed = account.s3.headObject({ Bucket: deployment.backupBucket, Key: key }).LastModified;
  return (landed.getTime() - run.at.getTime()) / 1000;
}

/** The manifests and the backup's summary, read from the backup bucket as the scripts left them. */
function manifestFacts(deployment: LocalDeployment): ManifestFacts {
  const { s3 } = deployment.account;
  const bucket = deployment.backupBucket;
  const keys = s3.keys(bucket);
  const read = (suffix: string, restore: boolean): Buffer => {
    const key = keys.find(
      (candidate) => candidate.endsWith(suffix) && candidate.includes('/restores/') === restore,
    );
    return key === undefined ? Buffer.alloc(0) : readFileSync(s3.objectPath(bucket, key));
  };
  const backup = read('/data/manifest.jsonl', false);
  const complete = read('/backup-status/complete', false).toString('utf8');
  return {
    backupLines: backup.reduce((lines, byte) => lines + (byte === 0x0a ? 1 : 0), 0),
    backupFiles: complete === '' ? 0 : parseStatusSummary(complete, 'backup-status/complete').files,
    restoreSameBytes: backup.length > 0 && read('/manifest.jsonl', true).equals(backup),
  };
}
