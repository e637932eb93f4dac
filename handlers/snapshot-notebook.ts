/**
 * SnapshotNotebook: the first step after a recreation is approved, before anything changes.
 *
 * Reads everything needed to recreate the notebook as it was (Describe, every page of tags, the
 * lifecycle configuration's scripts, the named code repositories, the role id that prefixes its
 * place in the backup bucket), plans the recreation from what Describe reports now, writes
 * configuration.json, reads it back and verifies it, then writes the backup and restore requests the
 * lifecycle scripts follow. Returns the exact CreateNotebookInstance request for the state machine.
 *
 * Errors the state machine catches (nothing has changed when any of them is thrown):
 * - RecreationNotConfigured: the deployment lacks a subnet, security groups or KMS key.
 * - RecreationNotNeeded: the notebook no longer fails any control only a recreation can fix.
 * - SnapshotNotVerified: configuration.json did not read back exactly as written.
 */
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeCodeRepositoryCommand,
  DescribeNotebookInstanceCommand,
  type DescribeNotebookInstanceCommandOutput,
  DescribeNotebookInstanceLifecycleConfigCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import { isNoSuchKey } from './shared/aws-errors.js';
import {
  type CodeRepositorySnapshot,
  type ConfigurationSnapshot,
  type LifecycleConfigSnapshot,
  serialiseSnapshot,
  snapshotDigest,
  userTags,
  verifySnapshotReadBack,
} from './shared/configuration-snapshot.js';
import { jsonLogger, type Logger } from './shared/logger.js';
import {
  BACKUP_FORMAT_VERSION,
  type BackupRequest,
  notebookPrefix,
  requestKeys,
  snapshotKeys,
  snapshotPrefix,
} from './shared/notebook-backup-layout.js';
import {
  buildCreateNotebookRequest,
  describePlan,
  failingNotebookControls,
  IMMUTABLE_NOTEBOOK_CONTROLS,
  type NotebookSettings,
  planRecreation,
  SAGEMAKER_NAME_PATTERN,
  settingsFromDescribe,
  withoutUndefined,
} from './shared/notebook-recreation.js';
import type { SnapshotResult } from './shared/remediation-plan.js';
import {
  controlsToFix,
  parseRuntimeSettings,
  type RuntimeSettings,
  recreateTarget,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { listAllTags } from './shared/sagemaker-tags.js';
import { describeIssues } from './shared/validation.js';

export interface SnapshotDependencies {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly iam: Pick<IAMClient, 'send'>;
  readonly settings: RuntimeSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** Describe's settings, refusing a response without the fields a recreation cannot do without. */
function notebookSettings(described: DescribeNotebookInstanceCommandOutput): NotebookSettings {
  if (!described.NotebookInstanceName || !described.InstanceType || !described.RoleArn) {
    throw new Error('DescribeNotebookInstance returned no NotebookInstanceName, InstanceType or RoleArn');
  }
  return settingsFromDescribe(described, described.NotebookInstanceName);
}

/** Code repositories left out of the CreateNotebookInstance request, for UpdateNotebookInstance after the restore. */
export interface CodeRepositoriesToRestore {
  readonly DefaultCodeRepository?: string;
  readonly AdditionalCodeRepositories?: readonly string[];
}

export type SnapshotNotebookResult = SnapshotResult & {
  /** Whether the data on the volume is copied and restored (false: every immutable fix is in acceptDataLoss). */
  readonly keepData: boolean;
  /** Empty when the create request already has them (data not kept, or no repositories). */
  readonly codeRepositoriesToRestore: CodeRepositoriesToRestore;
  /** UpdateNotebookInstance that puts the original lifecycle configuration back (or none). */
  readonly lifecycleRestoreRequest: Readonly<Record<string, unknown>>;
  /** UpdateNotebookInstance for the recreated notebook once its data is back: lifecycle and repositories. */
  readonly finalUpdateRequest: Readonly<Record<string, unknown>>;
};

/** The deployment lacks what the recreation needs; the message says what to configure. */
export class RecreationNotConfigured extends Error {
  override readonly name = 'RecreationNotConfigured';
}

/** The notebook no longer fails any control that only a recreation fixes: nothing to do. */
export class RecreationNotNeeded extends Error {
  override readonly name = 'RecreationNotNeeded';
}

/** configuration.json did not read back as written: nothing may be deleted. */
export class SnapshotNotVerified extends Error {
  override readonly name = 'SnapshotNotVerified';
  readonly problems: readonly string[];

  constructor(location: string, problems: readonly string[]) {
    super(`Snapshot ${location} not verified: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Execution names become part of an S3 key: the characters Step Functions recommends, nothing else. */
const EXECUTION_NAME = /^[0-9A-Za-z_-]{1,80}$/;

const snapshotRequest = z.object({
  plan: z.object({
    controlId: z.string().check(z.minLength(1)),
    finding: z.object({ id: z.string().check(z.minLength(1)), productArn: z.string() }),
    notebook: z.object({
      name: z.string().check(z.minLength(1), z.maxLength(63)),
      arn: z.string().check(z.regex(/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:notebook-instance\/.+$/)),
    }),
    /** The approved plan: the controls it fixes (when absent, those the deployment remediates). */
    recreate: z.optional(z.object({ fixes: z.array(z.string()) })),
  }),
  execution: z.object({
    id: z.string().check(z.minLength(1)),
    name: z.string().check(z.regex(EXECUTION_NAME, 'must be 1-80 characters of 0-9A-Za-z-_')),
  }),
});

/** Unique role ids: `AROA` and upper-case alphanumerics; they become part of an S3 key. */
const ROLE_ID = /^AROA[A-Z0-9]{1,124}$/;

const JSON_CONTENT_TYPE = 'application/json';

/** `2026-11-23T09:00:00.000Z` -> `20261123T090000Z`. */
function compactUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function createSnapshotHandler(
  dependencies: SnapshotDependencies,
): (request: unknown) => Promise<SnapshotNotebookResult> {
  const { sagemaker, s3, iam, settings, now, logger } = dependencies;
  const recreate = settings.recreate;
  if (!recreate) {
    throw new Error(
      `${SETTINGS_ENVIRONMENT_VARIABLE} has no recreate block: the approval-gated recreation of notebooks is not deployed`,
    );
  }
  const bucket = recreate.backupBucket;

  async function lifecycleConfig(name: string | undefined): Promise<LifecycleConfigSnapshot | undefined> {
    if (!name) return undefined;
    const response = await sagemaker.send(
      new DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }),
    );
    return withoutUndefined<LifecycleConfigSnapshot>({
      name,
      onCreate: response.OnCreate?.[0]?.Content,
      onStart: response.OnStart?.[0]?.Content,
    });
  }

  async function codeRepositories(notebook: NotebookSettings): Promise<CodeRepositorySnapshot[]> {
    const referenced = [notebook.DefaultCodeRepository, ...(notebook.AdditionalCodeRepositories ?? [])];
    const names = [
      ...new Set(
        referenced.filter((name): name is string => name !== undefined && SAGEMAKER_NAME_PATTERN.test(name)),
      ),
    ];
    const repositories: CodeRepositorySnapshot[] = [];
    for (const name of names) {
      const response = await sagemaker.send(new DescribeCodeRepositoryCommand({ CodeRepositoryName: name }));
      const git = response.GitConfig;
      if (!git?.RepositoryUrl) throw new Error(`DescribeCodeRepository ${name} returned no RepositoryUrl`);
      repositories.push(
        withoutUndefined<CodeRepositorySnapshot>({
          name,
          repositoryUrl: git.RepositoryUrl,
          branch: git.Branch,
          secretArn: git.SecretArn,
        }),
      );
    }
    return repositories;
  }

  async function roleIdOf(roleArn: string): Promise<string> {
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const response = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const roleId = response.Role?.RoleId;
    if (!roleId || !ROLE_ID.test(roleId)) {
      throw new Error(`GetRole ${roleName} returned no usable RoleId (${String(roleId)})`);
    }
    return roleId;
  }

  async function putJson(key: string, text: string): Promise<void> {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: text,
        ContentType: JSON_CONTENT_TYPE,
        ExpectedBucketOwner: settings.accountId,
      }),
    );
  }

  /** The object's text, or undefined when it does not exist. */
  async function readText(key: string): Promise<string | undefined> {
    try {
      const response = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: settings.accountId }),
      );
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  return async function snapshotNotebook(request: unknown): Promise<SnapshotNotebookResult> {
    const parsed = snapshotRequest.safeParse(request);
    if (!parsed.success) {
      throw new Error(`Invalid snapshot request: ${describeIssues(parsed.error, 'request.').join('; ')}`);
    }
    const { plan: remediation, execution } = parsed.data;
    const context = {
      execution: execution.id,
      findingId: remediation.finding.id,
      control: remediation.controlId,
      notebook: remediation.notebook.name,
    };

    // 1. The notebook as it is now.
    const described = await sagemaker.send(
      new DescribeNotebookInstanceCommand({ NotebookInstanceName: remediation.notebook.name }),
    );
    const notebook = notebookSettings(described);
    if (
      notebook.NotebookInstanceArn &&
      notebook.NotebookInstanceArn.toLowerCase() !== remediation.notebook.arn.toLowerCase()
    ) {
      throw new Error(
        `Notebook ${notebook.NotebookInstanceName} is ${notebook.NotebookInstanceArn}, not the planned ${remediation.notebook.arn}`,
      );
    }

    // 2-3. One plan for every failing notebook control, from what the notebook is now.
    // What was approved, of what still fails now (someone may have fixed part of it meanwhile).
    const approved = remediation.recreate?.fixes;
    const failing = approved
      ? failingNotebookControls(notebook).filter((control) => approved.includes(control))
      : controlsToFix(failingNotebookControls(notebook), settings);
    if (!failing.some((control) => IMMUTABLE_NOTEBOOK_CONTROLS.includes(control))) {
      logger.info('recreation not needed', { ...context, failing });
      throw new RecreationNotNeeded(
        `Notebook instance ${notebook.NotebookInstanceName} no longer fails ${IMMUTABLE_NOTEBOOK_CONTROLS.join(', ')}: it is not recreated. Nothing was changed.`,
      );
    }
    const plan = planRecreation(notebook, failing, recreateTarget(settings));
    if (plan.kind === 'needs-configuration') {
      logger.warn('recreation not configured', { ...context, missing: plan.missing });
      throw new RecreationNotConfigured(describePlan(notebook.NotebookInstanceName, plan));
    }
    // What Describe does not say: tags, scripts, repositories, and the role id that prefixes the snapshot.
    const tags = userTags(
      await listAllTags(sagemaker, notebook.NotebookInstanceArn ?? remediation.notebook.arn),
    );
    const originalLifecycle = await lifecycleConfig(notebook.NotebookInstanceLifecycleConfigName);
    const repositories = await codeRepositories(notebook);
    const roleId = await roleIdOf(notebook.RoleArn);

    // 4. configuration.json, read back and verified before the state machine may delete anything.
    const takenAt = now();
    const snapshotId = `${compactUtc(takenAt)}-${execution.name}`;
    const prefix = snapshotPrefix(roleId, notebook.NotebookInstanceName, snapshotId);
    const keys = snapshotKeys(prefix);
    const snapshot: ConfigurationSnapshot = {
      version: BACKUP_FORMAT_VERSION,
      takenAt: takenAt.toISOString(),
      executionArn: execution.id,
      status: notebook.NotebookInstanceStatus ?? 'Unknown',
      notebook,
      tags,
      ...(originalLifecycle ? { lifecycleConfig: originalLifecycle } : {}),
      codeRepositories: repositories,
      fixes: plan.fixes,
      plannedSettings: plan.settings,
    };
    const written = serialiseSnapshot(snapshot);
    await putJson(keys.configuration, written);
    const readBack = await readText(keys.configuration);
    const problems =
      readBack === undefined
        ? ['configuration.json was not found when read back from S3']
        : verifySnapshotReadBack(written, readBack);
    if (problems.length > 0) {
      logger.error('snapshot not verified', { ...context, snapshotPrefix: prefix, problems });
      throw new SnapshotNotVerified(`s3://${bucket}/${prefix}`, problems);
    }
    const backupRequest: BackupRequest = {
      version: BACKUP_FORMAT_VERSION,
      snapshotPrefix: prefix,
      requestedBy: execution.id,
    };
    const requestText = `${JSON.stringify(backupRequest, null, 2)}\n`;
    const requests = requestKeys(notebookPrefix(roleId, notebook.NotebookInstanceName));
    await putJson(requests.backup, requestText);
    await putJson(requests.restore, requestText);

    // 5. The replacement. Keeping the data: the restore lifecycle configuration, and no code
    // repositories (a clone at creation would collide with the restored files; they are put back after).
    // The data is lost because of the immutable controls; SageMaker.3 only rides along.
    const keepData = !plan.fixes
      .filter((control) => IMMUTABLE_NOTEBOOK_CONTROLS.includes(control))
      .every((control) => recreate.acceptDataLoss.includes(control));
    const createSettings: NotebookSettings = {
      ...plan.settings,
      NotebookInstanceLifecycleConfigName: undefined,
      ...(keepData ? { DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined } : {}),
    };
    const createRequest = buildCreateNotebookRequest(createSettings, {
      lifecycleConfigName: keepData
        ? recreate.restoreLifecycleConfigName
        : notebook.NotebookInstanceLifecycleConfigName,
      tags,
      recreatedBy: execution.name,
    });
    const codeRepositoriesToRestore: CodeRepositoriesToRestore = keepData
      ? withoutUndefined<CodeRepositoriesToRestore>({
          DefaultCodeRepository: plan.settings.DefaultCodeRepository,
          AdditionalCodeRepositories: plan.settings.AdditionalCodeRepositories?.length
            ? [...plan.settings.AdditionalCodeRepositories]
            : undefined,
        })
      : {};

    const configurationDigest = snapshotDigest(written);
    logger.info('snapshot verified', {
      ...context,
      snapshotPrefix: prefix,
      configurationDigest,
      fixes: plan.fixes,
      keepData,
    });
    return {
      snapshotPrefix: prefix,
      configurationKey: keys.configuration,
      dataManifestKey: keys.dataManifest,
      restoreManifestKey: keys.restoreManifest,
      configurationDigest,
      createRequest,
      originalLifecycleConfigName: notebook.NotebookInstanceLifecycleConfigName ?? '',
      // Exactly what the operator runs if the recreation fails after the delete (docs/restore.md).
      restoreCommand: `npx tsx bin/restore-notebook.ts --bucket ${bucket} --snapshot ${prefix}${
        keepData ? ` --restore-lifecycle-config ${recreate.restoreLifecycleConfigName}` : ''
      } --wait`,
      keepData,
      codeRepositoriesToRestore,
      lifecycleRestoreRequest: lifecycleRequest(
        plan.settings.NotebookInstanceName,
        notebook.NotebookInstanceLifecycleConfigName,
      ),
      finalUpdateRequest: {
        ...lifecycleRequest(plan.settings.NotebookInstanceName, notebook.NotebookInstanceLifecycleConfigName),
        ...codeRepositoriesToRestore,
      },
    };
  };
}

/** UpdateNotebookInstance putting a lifecycle configuration back, or removing any when there was none. */
function lifecycleRequest(
  notebookName: string,
  lifecycleConfigName: string | undefined,
): Record<string, unknown> {
  return lifecycleConfigName
    ? { NotebookInstanceName: notebookName, LifecycleConfigName: lifecycleConfigName }
    : { NotebookInstanceName: notebookName, DisassociateLifecycleConfig: true };
}

// Created once per container and reused across invocations.
const sagemakerClient = new SageMakerClient({ maxAttempts: 5 });
const s3Client = new S3Client({ maxAttempts: 5 });
const iamClient = new IAMClient({ maxAttempts: 5 });
let deployedHandler: ((request: unknown) => Promise<SnapshotNotebookResult>) | undefined;

export async function handler(request: unknown): Promise<SnapshotNotebookResult> {
  deployedHandler ??= createSnapshotHandler({
    sagemaker: sagemakerClient,
    s3: s3Client,
    iam: iamClient,
    settings: parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]),
    now: () => new Date(),
    logger: jsonLogger('snapshot-notebook'),
  });
  return deployedHandler(request);
}
