/**
 * How long a fix keeps a resource out of use, estimated from SageMaker's typical times below
 * (docs/preview.md). An estimate, not a bound: the configuration's timing
 * check bounds the worst case.
 */

/** The typical notebook transitions (SageMaker's usual figures; the workflow sees each within a check interval). */
export const DEFAULT_NOTEBOOK_SECONDS = { stop: 60, update: 60, start: 180, delete: 60 } as const;

/**
 * The rate a notebook's data is assumed to copy at, to S3 and back: the rate the workflow budgets its
 * copies with (handlers/shared/data-wait.ts). The used bytes cannot be seen from outside the instance,
 * so the whole volume is counted: an upper estimate of the copies.
 */
export const COPY_BYTES_PER_SECOND = 25 * 1000 * 1000;

/** An UpdateEndpoint: SageMaker starts the new fleet, shifts the traffic, then retires the old one. */
export const ENDPOINT_UPDATE_SECONDS = 420;

export interface NotebookSeconds {
  readonly stop: number;
  readonly update: number;
  readonly start: number;
  readonly delete: number;
  /** Where the stop, update and start figures come from. */
  readonly source: 'typical SageMaker times';
}

/**
 * The typical transitions. The configuration's `timing` holds the workflow's first waits, which are
 * SageMaker's shortest times (the workflow then looks every check interval), so they would under-estimate.
 */
export function notebookSeconds(): NotebookSeconds {
  return { ...DEFAULT_NOTEBOOK_SECONDS, source: 'typical SageMaker times' };
}

export interface Downtime {
  /** Seconds the resource cannot be used; 0 when nothing it serves stops. */
  readonly seconds: number;
  /** How the figure is made up, in words. */
  readonly basis: string;
}

export const NO_DOWNTIME = (basis: string): Downtime => ({ seconds: 0, basis });

/** Stop, update, start: a running notebook is unusable from the stop until it is InService again. */
export function inPlaceNotebookDowntime(times: NotebookSeconds, running: boolean): Downtime {
  if (!running) {
    return NO_DOWNTIME(`the notebook is stopped: it is updated (about ${times.update} s) and left stopped`);
  }
  return {
    seconds: times.stop + times.update + times.start,
    basis: `stop ${times.stop} s + update ${times.update} s + start ${times.start} s (${times.source})`,
  };
}

/** Seconds to copy a full volume of `volumeSizeInGB` GiB once. */
export function copySeconds(volumeSizeInGB: number): number {
  return Math.ceil((Math.max(volumeSizeInGB, 1) * 1024 ** 3) / COPY_BYTES_PER_SECOND);
}

/**
 * A recreation: the backup (the notebook stopped, given the backup script, started to copy its data
 * out), the deletion, the creation (provisioned as a start), then the restore (the data copied back,
 * the notebook's own lifecycle configuration put back with a stop, an update and a start).
 */
export function recreationDowntime(
  times: NotebookSeconds,
  volumeSizeInGB: number,
  copiesData: boolean,
  running: boolean,
): Downtime {
  const copy = copiesData ? copySeconds(volumeSizeInGB) : 0;
  const backup = copiesData ? times.stop + times.update + times.start + copy : 0;
  const deletion = times.stop + times.delete;
  const creation = times.start;
  const restore = copiesData ? copy + times.stop + times.update + times.start : 0;
  const total = backup + deletion + creation + restore;
  const parts = [
    ...(copiesData ? [`backup ${backup} s (copy of ${volumeSizeInGB} GiB: ${copy} s)`] : []),
    `delete ${deletion} s`,
    `create ${creation} s`,
    ...(copiesData ? [`restore ${restore} s`] : []),
  ].join(' + ');
  if (!running) {
    return NO_DOWNTIME(
      `the notebook is stopped, so nobody is using it; the recreation takes about ${total} s: ${parts}`,
    );
  }
  return { seconds: total, basis: `${parts} (${times.source}; the whole volume counted)` };
}

/** Endpoints moved to a new configuration keep serving: SageMaker shifts the traffic once the new fleet is up. */
export function endpointMoveDowntime(endpoints: readonly string[]): Downtime {
  if (endpoints.length === 0) return NO_DOWNTIME('no endpoint uses it: nothing serving is touched');
  return NO_DOWNTIME(
    `UpdateEndpoint on ${endpoints.join(', ')}: each keeps serving while its new fleet starts (about ${ENDPOINT_UPDATE_SECONDS} s each)`,
  );
}
