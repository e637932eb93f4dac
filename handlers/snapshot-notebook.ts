/**
 * SnapshotNotebook (the state machine's PrepareRecreation): the first step after a recreation is
 * approved, before anything changes.
 *
 * Takes the notebook's lock (an in-place fix holding it makes this step fail with NotebookBusy, which
 * the state machine retries), reads everything needed to recreate the notebook as it was (Describe,
 * every page of tags, the lifecycle configuration's scripts, the named code repositories, the role id
 * that prefixes its place in the data bucket), plans the recreation from what Describe reports now,
 * writes configuration.json, reads it back and verifies it, then writes the backup and restore
 * requests the lifecycle scripts follow, all as the member role of the notebook's account and Region,
 * in that account's and Region's data bucket (notebook-data-placement.ts). Returns the exact
 * CreateNotebookInstance request, what the pre-flight must check, and how long to wait for the data,
 * for the state machine.
 *
 * Errors the state machine catches by name; nothing has changed when any of them is thrown:
 * - NotebookBusy: an in-place fix that is still running holds the lock (one whose execution has
 *   ended is taken over, and the result's lockTakeover says so); the step is retried later.
 * - "nothing changed" (the lock is released first, and the plan's findings say why):
 *   RecreationNotConfigured (the deployment lacks a subnet, security groups or KMS key),
 *   RecreationNotNeeded (the notebook is gone, or no longer fails a control only a recreation fixes),
 *   RecreationTargetUnusable (the data cannot be copied within the time a recreation may take).
 * - SnapshotNotVerified: configuration.json did not read back exactly as written: a failure, whose
 *   handling checks the notebook and releases the lock.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeCodeRepositoryCommand,
  DescribeNotebookInstanceCommand,
  type DescribeNotebookInstanceCommandOutput,
  DescribeNotebookInstanceLifecycleConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { errorName, isSageMakerNotFound } from './shared/aws-errors.js';
import {
  type CodeRepositorySnapshot,
  type ConfigurationSnapshot,
  type LifecycleConfigSnapshot,
  serialiseSnapshot,
  snapshotDigest,
  userTags,
  verifySnapshotReadBack,
} from './shared/configuration-snapshot.js';
import { copyTimeProblem, dataWaitFor } from './shared/data-wait.js';
import {
  describeHolder,
  executionPrefix,
  type StepFunctionsClient,
  takeoverSentence,
} from './shared/execution-status.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { MemberSessions } from './shared/member-access.js';
import {
  deployedMemberSessions,
  type MemberS3,
  type MemberSageMakerAndIam,
  memberS3Client,
  memberSageMakerClient,
  memberTargetSchema,
  sessionCredentials,
} from './shared/member-clients.js';
import {
  BACKUP_FORMAT_VERSION,
  type BackupRequest,
  notebookPrefix,
  requestKeys,
  snapshotLayout,
  snapshotPrefix,
} from './shared/notebook-backup-layout.js';
import { notebookDataPlacement } from './shared/notebook-data-placement.js';
import { acquireLock, type DocumentClient, releaseLock } from './shared/notebook-locks.js';
import {
  describePlan,
  failingNotebookControls,
  IMMUTABLE_NOTEBOOK_CONTROLS,
  type NotebookSettings,
  planRecreation,
  SAGEMAKER_NAME_PATTERN,
  settingsFromDescribe,
  withoutUndefined,
} from './shared/notebook-recreation.js';
import {
  compactUtc,
  NotebookBusy,
  RecreationNotConfigured,
  RecreationNotNeeded,
  RecreationTargetUnusable,
  recreationRequests,
  type SnapshotNotebookResult,
  SnapshotNotVerified,
} from './shared/recreation-requests.js';
import {
  controlsToFix,
  parseRuntimeSettings,
  type RuntimeSettings,
  recreateTarget,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { readTextIfExists } from './shared/s3-text.js';
import { listAllTags } from './shared/sagemaker-tags.js';
import { describeIssues } from './shared/validation.js';
import { nonCopyWorkSeconds, recreationLockSeconds, secondsLeftForWork } from './shared/work-budget.js';

export interface SnapshotDependencies {
  /**
   * SageMaker, IAM (GetRole of the notebook's role) and S3 (the data bucket) as the member role of the
   * plan's target (shared/member-access.ts): the notebook, its role and its bucket live there.
   */
  readonly members: MemberSessions<MemberClients>;
  /** The lock table, through the document client. */
  readonly dynamodb: DocumentClient;
  /**
   * Step Functions (DescribeExecution): a lock whose execution has ended is taken over. Without it,
   * the recreation waits for the lock to expire.
   */
  readonly sfn?: StepFunctionsClient;
  readonly settings: RuntimeSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** What the snapshot calls in the notebook's account and Region. */
export type MemberClients = MemberSageMakerAndIam & MemberS3;

/** Describe's settings, refusing a response without the fields a recreation cannot do without. */
function notebookSettings(described: DescribeNotebookInstanceCommandOutput): NotebookSettings {
  if (!described.NotebookInstanceName || !described.InstanceType || !described.RoleArn) {
    throw new Error('DescribeNotebookInstance returned no NotebookInstanceName, InstanceType or RoleArn');
  }
  return settingsFromDescribe(described, described.NotebookInstanceName);
}

export type { CodeRepositoriesToRestore, SnapshotNotebookResult } from './shared/recreation-requests.js';
export {
  NotebookBusy,
  RecreationNotConfigured,
  RecreationNotNeeded,
  RecreationTargetUnusable,
  SnapshotNotVerified,
} from './shared/recreation-requests.js';

/** Execution names become part of an S3 key: the characters Step Functions recommends, nothing else. */
const EXECUTION_NAME = /^[0-9A-Za-z_-]{1,80}$/;

const snapshotRequest = z.object({
  plan: z.object({
    controlId: z.string().check(z.minLength(1)),
    lock: z.object({ key: z.string().check(z.minLength(1)) }),
    finding: z.object({ id: z.string().check(z.minLength(1)), productArn: z.string() }),
    notebook: z.object({
      name: z.string().check(z.minLength(1), z.maxLength(63)),
      arn: z.string().check(z.regex(/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:notebook-instance\/.+$/)),
    }),
    /** The approved plan: the controls it fixes (when absent, those the deployment remediates). */
    recreate: z.optional(z.object({ fixes: z.array(z.string()) })),
    /** The notebook's account and Region: read as the member role there. */
    target: memberTargetSchema,
  }),
  execution: z.object({
    id: z.string().check(z.minLength(1)),
    name: z.string().check(z.regex(EXECUTION_NAME, 'must be 1-80 characters of 0-9A-Za-z-_')),
    /** $$.Execution.StartTime: with the approval window, it dates the execution's timeout. */
    startTime: z.iso.datetime({ offset: true }),
  }),
});

/** Unique role ids: `AROA` and upper-case alphanumerics; they become part of an S3 key. */
const ROLE_ID = /^AROA[A-Z0-9]{1,124}$/;

const JSON_CONTENT_TYPE = 'application/json';

export function createSnapshotHandler(
  dependencies: SnapshotDependencies,
): (request: unknown) => Promise<SnapshotNotebookResult> {
  const { members, dynamodb, sfn, settings, now, logger } = dependencies;
  const configured = settings.recreate;
  if (!configured) {
    throw new Error(
      `${SETTINGS_ENVIRONMENT_VARIABLE} has no recreate block: the approval-gated recreation of notebooks is not deployed`,
    );
  }
  const recreate = configured;

  async function lifecycleConfig(
    { sagemaker }: MemberSageMakerAndIam,
    name: string | undefined,
  ): Promise<LifecycleConfigSnapshot | undefined> {
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

  async function codeRepositories(
    { sagemaker }: MemberSageMakerAndIam,
    notebook: NotebookSettings,
  ): Promise<CodeRepositorySnapshot[]> {
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

  async function roleIdOf({ iam }: MemberSageMakerAndIam, roleArn: string): Promise<string> {
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const response = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const roleId = response.Role?.RoleId;
    if (!roleId || !ROLE_ID.test(roleId)) {
      throw new Error(`GetRole ${roleName} returned no usable RoleId (${String(roleId)})`);
    }
    return roleId;
  }

  /** The target's data bucket, as its member role writes it: S3 refuses it if another account owns it. */
  function dataBucket(s3: Pick<S3Client, 'send'>, bucket: string, owner: string) {
    return {
      async putJson(key: string, text: string): Promise<void> {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: text,
            ContentType: JSON_CONTENT_TYPE,
            ExpectedBucketOwner: owner,
          }),
        );
      },
      /** The object's text, or undefined when it does not exist. */
      readText: (key: string) => readTextIfExists(s3, { bucket, key, owner }),
    };
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

    // Before the lock: a member role that cannot be assumed fails the step with nothing held or changed.
    const clients = await members.clientsFor(remediation.target, execution.name);

    // 0. The lock: nothing else changes the notebook from here on (an in-place fix finishes first). It
    // lapses when the execution must have ended (at most a work budget on), so a dead one frees it.
    const workSeconds = recreationLockSeconds(
      secondsLeftForWork(new Date(execution.startTime), recreate.approvalTimeoutSeconds, now()),
    );
    const lock = { table: settings.lockTableName, key: remediation.lock.key, owner: execution.id };
    // An in-place fix whose execution has ended (stopped, say) no longer holds it back.
    const holderStatus = sfn
      ? describeHolder(sfn, executionPrefix(execution.id), now, logger.warn.bind(logger))
      : undefined;
    const taken = await acquireLock(
      dynamodb,
      {
        ...lock,
        remediation: 'recreate-notebook',
        findingId: remediation.finding.id,
        controlId: remediation.controlId,
        now: now(),
        seconds: workSeconds,
      },
      holderStatus,
    );
    if (!taken.acquired) {
      logger.info('notebook busy', { ...context, holder: taken.holder.executionArn });
      throw new NotebookBusy(
        `Notebook instance ${remediation.notebook.name} is being changed by execution ${taken.holder.executionArn} (${taken.holder.remediation || 'a remediation'}): the recreation waits for it.`,
      );
    }
    if (taken.tookOver) {
      logger.warn('lock taken over', {
        ...context,
        from: taken.tookOver.executionArn,
        end: taken.tookOver.end,
      });
    }
    try {
      const prepared = await prepare(clients, remediation, execution, context, workSeconds);
      return taken.tookOver
        ? { ...prepared, lockTakeover: takeoverSentence('lock', taken.tookOver) }
        : prepared;
    } catch (error) {
      // Nothing has changed yet: the lock is not needed if the recreation does not happen.
      if (
        error instanceof RecreationNotNeeded ||
        error instanceof RecreationNotConfigured ||
        error instanceof RecreationTargetUnusable
      ) {
        // Not released (a throttle, say): it expires on its own, and the closing releases it too.
        await releaseLock(dynamodb, lock).catch((releaseError: unknown) =>
          logger.warn('lock not released', { ...context, error: errorName(releaseError) }),
        );
      }
      throw error;
    }
  };

  async function prepare(
    clients: MemberClients,
    remediation: z.infer<typeof snapshotRequest>['plan'],
    execution: z.infer<typeof snapshotRequest>['execution'],
    context: Record<string, string>,
    workSeconds: number,
  ): Promise<SnapshotNotebookResult> {
    // 1. The notebook as it is now (deleted by someone while the plan waited: nothing to recreate).
    let described: DescribeNotebookInstanceCommandOutput;
    try {
      described = await clients.sagemaker.send(
        new DescribeNotebookInstanceCommand({ NotebookInstanceName: remediation.notebook.name }),
      );
    } catch (error) {
      if (!isSageMakerNotFound(error)) throw error;
      logger.info('notebook gone', context);
      throw new RecreationNotNeeded(
        `Notebook instance ${remediation.notebook.name} no longer exists: there is nothing to recreate. Nothing was changed.`,
      );
    }
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
    const plan = planRecreation(notebook, failing, recreateTarget(settings, remediation.target));
    if (plan.kind === 'needs-configuration') {
      logger.warn('recreation not configured', { ...context, missing: plan.missing });
      throw new RecreationNotConfigured(describePlan(notebook.NotebookInstanceName, plan));
    }
    // The data is lost because of the immutable controls; SageMaker.3 only rides along.
    const keepData = !plan.fixes
      .filter((control) => IMMUTABLE_NOTEBOOK_CONTROLS.includes(control))
      .every((control) => recreate.acceptDataLoss.includes(control));
    // SageMaker's default volume when Describe leaves the size out.
    const volumeSizeInGB = notebook.VolumeSizeInGB ?? 5;
    // Backup and restore, each within its budget, and the rest of the work: all inside the lock.
    const tooLong = keepData
      ? copyTimeProblem(
          notebook.NotebookInstanceName,
          volumeSizeInGB,
          workSeconds,
          nonCopyWorkSeconds(settings.timing),
        )
      : undefined;
    if (tooLong) {
      logger.warn('volume too large to copy in time', { ...context, volumeSizeInGB });
      throw new RecreationTargetUnusable(tooLong);
    }
    // What Describe does not say: tags, scripts, repositories, and the role id that prefixes the snapshot.
    const tags = userTags(
      await listAllTags(clients.sagemaker, notebook.NotebookInstanceArn ?? remediation.notebook.arn),
    );
    const originalLifecycle = await lifecycleConfig(clients, notebook.NotebookInstanceLifecycleConfigName);
    const repositories = await codeRepositories(clients, notebook);
    const roleId = await roleIdOf(clients, notebook.RoleArn);
    // The notebook's own account's and Region's bucket and lifecycle configurations (its member stack's).
    const placement = notebookDataPlacement(settings.members, remediation.target);
    const bucket = placement.bucket;
    const { putJson, readText } = dataBucket(clients.s3, bucket, remediation.target.accountId);

    // 4. configuration.json, read back and verified before the state machine may delete anything.
    const takenAt = now();
    const snapshotId = `${compactUtc(takenAt)}-${execution.name}`;
    const prefix = snapshotPrefix(roleId, notebook.NotebookInstanceName, snapshotId);
    const keys = snapshotLayout(prefix);
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
      // The restore tool recreates the notebook with it, so the failure note need not name it.
      ...(keepData ? { restoreLifecycleConfigName: placement.restoreLifecycleConfigName } : {}),
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
    // The execution's name is its restore's attempt id: unique, and the restore tool uses others.
    const restoreRequest: BackupRequest = { ...backupRequest, attempt: execution.name };
    const requests = requestKeys(notebookPrefix(roleId, notebook.NotebookInstanceName));
    await putJson(requests.backup, `${JSON.stringify(backupRequest, null, 2)}\n`);
    await putJson(requests.restore, `${JSON.stringify(restoreRequest, null, 2)}\n`);
    const configurationDigest = snapshotDigest(written);
    logger.info('snapshot verified', {
      ...context,
      snapshotPrefix: prefix,
      configurationDigest,
      fixes: plan.fixes,
      keepData,
    });
    return recreationRequests({
      notebook,
      planned: plan.settings,
      keepData,
      tags,
      bucket,
      snapshotPrefix: prefix,
      restoreAttempt: execution.name,
      restoreLifecycleConfigName: placement.restoreLifecycleConfigName,
      dataWait: dataWaitFor(volumeSizeInGB),
      configurationDigest,
      // The restore command names the notebook's account and Region when they are not this deployment's
      // (and, for another account, the restore role its member stack deploys there).
      placement: {
        resource: remediation.target,
        deployment: { accountId: settings.accountId, region: settings.region },
        members: settings.members,
      },
    });
  }
}

// Created once per container and reused across invocations.
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
const sfnClient = new SFNClient({ maxAttempts: 5 });
let deployedHandler: ((request: unknown) => Promise<SnapshotNotebookResult>) | undefined;

const logger = lambdaLogger('snapshot-notebook');

export async function handler(request: unknown, context?: LambdaContext): Promise<SnapshotNotebookResult> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createSnapshotHandler({
      members: deployedMemberSessions(settings.members, (region, credentials) => ({
        sagemaker: memberSageMakerClient(region, credentials),
        iam: new IAMClient({ region, maxAttempts: 5, credentials: sessionCredentials(credentials) }),
        s3: memberS3Client(region, credentials),
      })),
      dynamodb: dynamodbClient,
      sfn: sfnClient,
      settings,
      now: () => new Date(),
      logger,
    });
  }
  return deployedHandler(request);
}
