/**
 * The snapshot of a resource other than a notebook, taken before an approved change: its full
 * definition (the Describe output) and its tags, as one JSON object in the snapshot bucket under
 * `resources/<account>/<region>/<arn type>/<name>/<compact UTC>-<execution>/snapshot.json`. The change
 * reads it back (checking its digest), and the restore tool puts the resource back from it. The account
 * and Region are the resource's (from its ARN): one deployment snapshots every member account, and two
 * accounts with a resource of the same name must never share a prefix.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { RESOURCE_KINDS, type ResourceKind, resourceKind } from './controls/resource-kinds.js';
import { placementOptions, type RestorePlacement } from './restore-command.js';
import { describeIssues } from './validation.js';

export const RESOURCE_SNAPSHOT_VERSION = 1;

/** The prefix every resource snapshot is under (the workflow's roles may read and write only there). */
export const RESOURCE_SNAPSHOTS_PREFIX = 'resources/';

export interface ResourceSnapshot {
  readonly version: typeof RESOURCE_SNAPSHOT_VERSION;
  readonly kind: ResourceKind;
  readonly arn: string;
  readonly name: string;
  readonly takenAt: string;
  readonly executionArn: string;
  /** The controls the approved change fixes. */
  readonly fixes: readonly string[];
  /** Describe's output, whole: what a restore recreates or updates from. */
  readonly description: Readonly<Record<string, unknown>>;
  /** ListTags, `aws:` tags included (they cannot be written back and are not). */
  readonly tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  /** What the change also touches, read before it by the engine (the schedules running a definition...). */
  readonly related: Readonly<Record<string, unknown>>;
}

const kinds = [...RESOURCE_KINDS.keys()] as [ResourceKind, ...ResourceKind[]];

const snapshotSchema = z.object({
  version: z.literal(RESOURCE_SNAPSHOT_VERSION),
  kind: z.enum(kinds),
  arn: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1), z.maxLength(120)),
  takenAt: z.string(),
  executionArn: z.string(),
  fixes: z.array(z.string()),
  description: z.record(z.string(), z.unknown()),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
  related: z.record(z.string(), z.unknown()),
});

/** The account and Region a resource is in, as its ARN names them. */
export interface ResourcePlace {
  readonly accountId: string;
  readonly region: string;
}

/** `resources/<account>/<region>/<arn type>/<name>/<snapshot id>/snapshot.json`. */
export function resourceSnapshotKey(
  place: ResourcePlace,
  kind: ResourceKind,
  name: string,
  snapshotId: string,
): string {
  return `${RESOURCE_SNAPSHOTS_PREFIX}${place.accountId}/${place.region}/${resourceKind(kind).arnType}/${name}/${snapshotId}/snapshot.json`;
}

export function serialiseResourceSnapshot(snapshot: ResourceSnapshot): string {
  // Dates (CreationTime...) become ISO strings: what the restore reads back is what was written.
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

export function resourceSnapshotDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Parses a snapshot, or throws with every problem listed. */
export function parseResourceSnapshot(text: string): ResourceSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`snapshot.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`snapshot.json is not a resource snapshot: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data as ResourceSnapshot;
}

/** The command that puts the resource back from its snapshot (docs/restore.md). */
export function resourceRestoreCommand(bucket: string, key: string, where?: RestorePlacement): string {
  return `npx tsx bin/restore-resource.ts --snapshot s3://${bucket}/${key}${placementOptions(where)}`;
}
