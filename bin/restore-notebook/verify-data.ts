/**
 * Whether a restore attempt brought back the backup's volume, judged as the workflow's VerifyRecreation
 * judges it (handlers/shared/restore-differences.ts): the two status summaries, then, only when the
 * manifests' digests differ, the two manifests streamed side by side to say what differs.
 */
import {
  restoreLayout,
  type StatusSummary,
  snapshotLayout,
} from '../../handlers/shared/notebook-backup-layout.js';
import { manifestDifferences, summaryDifferences } from '../../handlers/shared/restore-differences.js';
import type { SnapshotStore } from './snapshot-store.js';

/** Every way the restore differs from the backup; empty when the volume came back exactly. */
export async function restoreDifferences(
  store: SnapshotStore,
  attempt: string,
  backup: StatusSummary,
  restored: StatusSummary,
): Promise<string[]> {
  const summaries = summaryDifferences(backup, restored);
  if (!summaries.manifestsDiffer) return [...summaries.problems];
  const prefix = store.location.snapshotPrefix;
  return [
    ...summaries.problems,
    ...(await manifestDifferences(
      store.manifestLines(snapshotLayout(prefix).manifest),
      store.manifestLines(restoreLayout(prefix, attempt).manifest),
    )),
  ];
}
