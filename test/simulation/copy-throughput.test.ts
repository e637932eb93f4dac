import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { copySeconds, DEFAULT_COPY_THROUGHPUT } from '../../simulation/account/copy-throughput.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const SECOND = 1000;
const BUCKET = 'sagemaker-copies-111122223333';

function setup() {
  const account = new SimulatedAccount({ latencyMs: 0 });
  cleanups.push(() => account.dispose());
  account.s3.seedBucket(BUCKET);
  return account;
}

describe('the copy model', () => {
  it('Given 100,000 entries and 50 GB, When the copies are timed, Then the backup takes 10 s + 50 s + 1,562.5 s and the restore 10 s + 100 s + 1,562.5 s', () => {
    const size = { files: 100_000, bytes: 50_000_000_000 };

    expect(copySeconds(size, 'backup')).toBe(1_622.5);
    expect(copySeconds(size, 'restore')).toBe(1_672.5);
    expect(DEFAULT_COPY_THROUGHPUT.bytesPerSecond).toBe(32_000_000);
  });
});

describe('a lifecycle script’s copy takes simulated time', () => {
  it('Given a notebook standing for 3.2 GB, When its OnStart copies the volume to S3, Then the object appears only 110 s later, stamped with that time, and carries the modelled bytes to a restore that reads it', () => {
    // Given a volume of one small file that stands for 3.2 GB
    const account = setup();
    const { sagemaker, clock } = account;
    sagemaker.seedLifecycleConfig({
      name: 'backup',
      onStart: `tar -cf - -C "$SAGEMAKER_VOLUME" . | aws s3 cp - "s3://${BUCKET}/archive.tar"`,
    });
    sagemaker.seedLifecycleConfig({
      name: 'restore',
      onCreate: `aws s3 cp "s3://${BUCKET}/archive.tar" - | tar -xf - -C "$SAGEMAKER_VOLUME"`,
    });
    sagemaker.seedNotebook({
      name: 'source',
      status: 'Stopped',
      lifecycleConfigName: 'backup',
      volumeSizeInGB: 5,
      files: { 'notes.txt': 'my notes' },
      modelledVolumeBytes: 3_200_000_000,
    });
    const started = clock.nowMs();

    // When it starts (180 s of Pending, then the script) and the copy runs
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'source' });
    clock.advance(180 * SECOND);
    const during = account.s3.keys(BUCKET);
    clock.advance(111 * SECOND);
    const after = account.s3.keys(BUCKET);

    // Then: 10 s + 1 entry × 0.5 ms + 3.2 GB at 32 MB/s = 110.0005 s, landing in its 110th second
    expect(during).toEqual([]);
    expect(after).toEqual(['archive.tar']);
    const landed = account.s3.headObject({ Bucket: BUCKET, Key: 'archive.tar' }).LastModified.getTime();
    expect((landed - started) / SECOND).toBe(290);

    // And a notebook restoring that archive stands for the same bytes
    sagemaker.createNotebookInstance({
      NotebookInstanceName: 'copy',
      InstanceType: 'ml.t3.medium',
      RoleArn: 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000',
      LifecycleConfigName: 'restore',
    });
    clock.advance(600 * SECOND);
    expect(sagemaker.statusOf('copy')).toBe('InService');
    expect(sagemaker.volumeFiles('copy')).toEqual({ 'notes.txt': 'my notes' });
    const volume = account.notebookHost.volumeSize(sagemaker.volumeIdOf('copy'));
    expect(volume.bytes).toBe(3_200_000_000 + 'my notes'.length);
  });
});
