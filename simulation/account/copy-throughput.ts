/**
 * How long a lifecycle script's copy takes in simulated time. The scripts run for real, but in a moment
 * of simulated time; what they write to S3 appears only once a copy of that size would have finished on
 * a notebook instance. The figures are stated in docs/performance.md; the bench reports what they give.
 *
 * The default instance type, ml.t3.medium, sustains about 32 MB/s of network (its 256 Mbit/s baseline;
 * bursts are faster but run out on a long copy), below what its gp3 volume reads (125 MB/s), so both
 * copies are bound by the network. Per file, the volume pays random I/O and metadata: about 0.5 ms to
 * read a small file into the archive, 1 ms to create, write, chmod, timestamp and re-read one on restore.
 */

/** One copy's size: its files and bytes, real and modelled. */
export interface CopySize {
  readonly files: number;
  readonly bytes: number;
}

/** The rates a copy runs at. */
export interface CopyThroughput {
  /** Bytes per second through the network (both directions). */
  readonly bytesPerSecond: number;
  /** Seconds per file, backup side (read, hash, archive). */
  readonly backupSecondsPerFile: number;
  /** Seconds per file, restore side (extract, then the verifying walk). */
  readonly restoreSecondsPerFile: number;
  /** Seconds every run costs: the CLI starting, STS, the request, the manifest and the status. */
  readonly fixedSeconds: number;
}

export const DEFAULT_COPY_THROUGHPUT: CopyThroughput = {
  bytesPerSecond: 32_000_000,
  backupSecondsPerFile: 0.000_5,
  restoreSecondsPerFile: 0.001,
  fixedSeconds: 10,
};

/** Which way the data goes: OnStart backs up, OnCreate restores. */
export type CopyDirection = 'backup' | 'restore';

/** Seconds of simulated time a copy of `size` takes. */
export function copySeconds(
  size: CopySize,
  direction: CopyDirection,
  throughput: CopyThroughput = DEFAULT_COPY_THROUGHPUT,
): number {
  const perFile = direction === 'backup' ? throughput.backupSecondsPerFile : throughput.restoreSecondsPerFile;
  return throughput.fixedSeconds + size.files * perFile + size.bytes / throughput.bytesPerSecond;
}
