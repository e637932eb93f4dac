/**
 * Spacing of finding executions per account and Region: the start-remediation Lambda
 * (handlers/start-remediation.ts) takes one slot per execution it starts, and at most
 * `concurrencyPerAccountRegion` slots of an account and Region are held at once, so a burst (a standard
 * enabled on an account full of resources) never has more executions acting on one account's APIs.
 *
 * The slots of an account and Region are one DynamoDB item: the execution names holding one, each with
 * when it took it, and a version for optimistic concurrency (every write is conditional on the version
 * read). A slot is released when its execution is seen ended (DescribeExecution, asked only when the
 * account and Region are full), or when its lease lapses: an execution still running after
 * SLOT_LEASE_SECONDS is waiting for a person (a recreation's approval) or polling slowly, not calling
 * APIs in a burst, and must not keep the account's other findings waiting for days.
 *
 * No AWS calls here: the decisions only, so they are unit tested on their own.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';

/** The environment variable holding the start-remediation Lambda's StartSettings as JSON. */
export const START_SETTINGS_VARIABLE = 'START_SETTINGS';

const startSettingsSchema = z.strictObject({
  stateMachineArn: z.string().check(z.minLength(1)),
  slotTableName: z.string().check(z.minLength(1)),
  concurrencyPerAccountRegion: z.int().check(z.minimum(1)),
});
export type StartSettings = z.infer<typeof startSettingsSchema>;

export function parseStartSettings(raw: string | undefined): StartSettings {
  return startSettingsSchema.parse(JSON.parse(raw ?? '{}'));
}

/** How long a slot counts at most: longer than an in-place fix takes at the default timings. */
export const SLOT_LEASE_SECONDS = 15 * 60;

/** Key attribute of the slot table: `<account>/<region>`. */
export const SLOT_TABLE_KEY = 'accountRegion';
/** Map of execution name to the epoch milliseconds it took its slot. */
export const SLOT_LEASES_ATTRIBUTE = 'leases';
/** Incremented by every write; each write is conditional on the one read. */
export const SLOT_VERSION_ATTRIBUTE = 'version';
/** TTL (epoch seconds): an account and Region that is quiet for a day loses its item. */
export const SLOT_EXPIRY_ATTRIBUTE = 'expiresAt';

/** Execution name of each slot holder, to when (epoch ms) it took the slot. */
export type SlotLeases = Readonly<Record<string, number>>;

/** Where a finding event's resource is: the account and Region its execution acts in. */
export interface SpacingTarget {
  readonly account: string;
  readonly region: string;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The account and Region of the event's first finding: ASFF `AwsAccountId` and `Region`, OCSF
 * `cloud.account.uid` and `cloud.region`; else the event's own (an event the state machine will
 * reject still gets its slot, under the account that sent it).
 */
export function spacingTarget(event: unknown): SpacingTarget {
  const detail = isRecord(event) && isRecord(event.detail) ? event.detail : {};
  const first = Array.isArray(detail.findings) && isRecord(detail.findings[0]) ? detail.findings[0] : {};
  const cloud = isRecord(first.cloud) ? first.cloud : {};
  const cloudAccount = isRecord(cloud.account) ? cloud.account.uid : undefined;
  const candidates: ReadonlyArray<readonly [unknown, unknown]> = [
    [first.AwsAccountId, first.Region],
    [cloudAccount, cloud.region],
    [isRecord(event) ? event.account : undefined, isRecord(event) ? event.region : undefined],
  ];
  for (const [account, region] of candidates) {
    if (typeof account === 'string' && ACCOUNT.test(account)) {
      const home = isRecord(event) && typeof event.region === 'string' ? event.region : '';
      const inRegion = typeof region === 'string' && REGION.test(region) ? region : home;
      return { account, region: inRegion };
    }
  }
  return { account: 'unknown', region: 'unknown' };
}

/** The slot table key of an account and Region. */
export function spacingKey(target: SpacingTarget): string {
  return `${target.account}/${target.region}`;
}

/**
 * The execution name of a finding event: derived from the event id alone, so a redelivered message
 * (or EventBridge delivering the event twice) never starts a second execution. 1-80 of [0-9A-Za-z-_].
 */
export function findingExecutionName(eventId: string): string {
  return `finding-${createHash('sha256').update(eventId).digest('hex').slice(0, 40)}`;
}

/** The slots that still count at `nowMs`: those whose lease has not lapsed. */
export function liveLeases(leases: SlotLeases, nowMs: number): Record<string, number> {
  const cutoff = nowMs - SLOT_LEASE_SECONDS * 1000;
  return Object.fromEntries(Object.entries(leases).filter(([, takenMs]) => takenMs > cutoff));
}

/** What a request for slots gets: who may start, who waits, and the leases to write. */
export interface SlotGrant {
  /** Names that hold a slot now (a name that already held one keeps it, unchanged). */
  readonly granted: readonly string[];
  /** Names that must wait: the account and Region is full. */
  readonly denied: readonly string[];
  /** The live leases with the granted names added. */
  readonly leases: Record<string, number>;
}

/**
 * Grants slots to `names`, in order, while fewer than `limit` are held: a name already holding one
 * keeps it (a redelivered message restarts nothing and takes no second slot). Lapsed leases are dropped.
 */
export function grantSlots(
  leases: SlotLeases,
  names: readonly string[],
  limit: number,
  nowMs: number,
): SlotGrant {
  const next = liveLeases(leases, nowMs);
  const granted: string[] = [];
  const denied: string[] = [];
  for (const name of new Set(names)) {
    if (next[name] !== undefined) {
      granted.push(name);
    } else if (Object.keys(next).length < limit) {
      next[name] = nowMs;
      granted.push(name);
    } else {
      denied.push(name);
    }
  }
  return { granted, denied, leases: next };
}

/** The leases without `names` (ended executions, or ones that could not start). */
export function releaseSlots(leases: SlotLeases, names: Iterable<string>): Record<string, number> {
  const drop = new Set(names);
  return Object.fromEntries(Object.entries(leases).filter(([name]) => !drop.has(name)));
}

/**
 * Whether a slot holder has ended, from what DescribeExecution said: an ended status (or CLEANING_UP,
 * an end so recent that its clean-up runs), or not found once its slot is older than `graceSeconds`
 * (DescribeExecution is eventually consistent: a just-started execution may not be found yet).
 */
export function holderHasEnded(
  status: string,
  takenMs: number,
  nowMs: number,
  graceSeconds: number,
): boolean {
  if (['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'CLEANING_UP'].includes(status)) return true;
  return status === 'NOT_FOUND' && nowMs - takenMs >= graceSeconds * 1000;
}

/** The slot table's TTL for leases written at `nowMs`: a day after the last lease could lapse. */
export function slotExpirySeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000) + SLOT_LEASE_SECONDS + 24 * 60 * 60;
}

/**
 * The most receives a message of a burst of `findings` in one account and Region can take before it
 * starts, when every execution holds its slot for the whole lease: the burst starts in
 * ceil(findings / limit) generations, each lasting at most a lease plus one visibility timeout (until
 * the waiting message is received again), and a waiting message is received once per visibility
 * timeout. docs/architecture.md ("Bursts") works it through; configuration.ts checks it at synth.
 */
export function worstCaseReceives(findings: number, limit: number, visibilitySeconds: number): number {
  const generations = Math.ceil(findings / limit);
  return generations * Math.ceil((SLOT_LEASE_SECONDS + visibilitySeconds) / visibilitySeconds);
}
