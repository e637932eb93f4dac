/**
 * configuration.json: everything needed to recreate a notebook instance as it was, written to the
 * backup bucket before anything is deleted, read back and compared byte for byte, and the input of
 * the restore tool. Describe does not include tags, so they come from ListTags (all pages).
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { NOTEBOOK_CONTROL_IDS } from './controls-catalogue.js';
import { BACKUP_FORMAT_VERSION } from './notebook-backup-layout.js';
import type { NotebookControl, NotebookSettings, Tag } from './notebook-recreation.js';
import { describeIssues } from './validation.js';

export interface CodeRepositorySnapshot {
  readonly name: string;
  readonly repositoryUrl: string;
  readonly branch?: string;
  readonly secretArn?: string;
}

export interface LifecycleConfigSnapshot {
  readonly name: string;
  /** Base64 script contents, as the API stores them. */
  readonly onCreate?: string;
  readonly onStart?: string;
}

export interface ConfigurationSnapshot {
  readonly version: typeof BACKUP_FORMAT_VERSION;
  readonly takenAt: string;
  readonly executionArn: string;
  /** Status when the snapshot was taken: the run state to return to. */
  readonly status: string;
  readonly notebook: NotebookSettings;
  /** User tags (ListTags, `aws:` tags excluded: they cannot be set by anyone but AWS). */
  readonly tags: readonly Tag[];
  readonly lifecycleConfig?: LifecycleConfigSnapshot;
  /** Repositories referenced by name (URLs need no lookup). */
  readonly codeRepositories: readonly CodeRepositorySnapshot[];
  /** Controls the recreation fixes, and the settings it will create the notebook with. */
  readonly fixes: readonly NotebookControl[];
  readonly plannedSettings: NotebookSettings;
  /** Present when the data is kept: the lifecycle configuration whose OnCreate script restores it. */
  readonly restoreLifecycleConfigName?: string;
}

const optionalString = z.optional(z.string());
const settingsSchema = z.looseObject({
  NotebookInstanceName: z.string().check(z.minLength(1), z.maxLength(63)),
  InstanceType: z.string(),
  RoleArn: z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\//, 'must be an IAM role ARN')),
  SubnetId: optionalString,
  SecurityGroups: z.optional(z.array(z.string())),
  IpAddressType: optionalString,
  KmsKeyId: optionalString,
  NotebookInstanceLifecycleConfigName: optionalString,
  DirectInternetAccess: optionalString,
  VolumeSizeInGB: z.optional(z.number()),
  DefaultCodeRepository: optionalString,
  AdditionalCodeRepositories: z.optional(z.array(z.string())),
  RootAccess: optionalString,
  PlatformIdentifier: optionalString,
});

const snapshotSchema = z.object({
  version: z.literal(BACKUP_FORMAT_VERSION),
  takenAt: z.string(),
  executionArn: z.string(),
  status: z.string(),
  notebook: settingsSchema,
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
  lifecycleConfig: z.optional(
    z.object({ name: z.string(), onCreate: optionalString, onStart: optionalString }),
  ),
  codeRepositories: z.array(
    z.object({
      name: z.string(),
      repositoryUrl: z.string(),
      branch: optionalString,
      secretArn: optionalString,
    }),
  ),
  fixes: z.array(z.enum(NOTEBOOK_CONTROL_IDS)),
  plannedSettings: settingsSchema,
  restoreLifecycleConfigName: optionalString,
});

/** Stable text: the same snapshot always serialises to the same bytes, so a digest can verify it. */
export function serialiseSnapshot(snapshot: ConfigurationSnapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

export function snapshotDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Parses configuration.json, or throws with every problem listed. */
export function parseSnapshot(text: string): ConfigurationSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`configuration.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`configuration.json is invalid: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data as ConfigurationSnapshot;
}

/**
 * The read-back check before anything is deleted: what S3 returns must be exactly what was written
 * and must parse. Returns the problems (empty when verified).
 */
export function verifySnapshotReadBack(written: string, readBack: string): string[] {
  if (snapshotDigest(written) !== snapshotDigest(readBack)) {
    return ['configuration.json read back from S3 differs from what was written'];
  }
  try {
    parseSnapshot(readBack);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/** User tags only: `aws:` tags are AWS's own and cannot be written back. */
export function userTags(tags: readonly { Key?: string; Value?: string }[]): Tag[] {
  return tags
    .filter((tag): tag is Tag => typeof tag.Key === 'string' && typeof tag.Value === 'string')
    .filter((tag) => !tag.Key.startsWith('aws:'));
}
