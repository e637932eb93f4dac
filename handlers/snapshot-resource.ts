/**
 * SnapshotResource: the first step after an approval of a change to a resource other than a notebook.
 * Takes the resource's lock, reads it as it is now, keeps the controls it still fails, and writes its
 * snapshot (full definition and tags) to the bucket, reading it back to verify it before anything
 * changes. Returns the snapshot's key and digest (the state carries no definition).
 *
 * Errors the state machine tells apart:
 * - NotebookBusy: another execution holds the resource's lock (or the resource is mid-transition):
 *   retried with backoff.
 * - RecreationNotNeeded: the resource is gone or passes by now: nothing changes, the plan is closed.
 * - SnapshotNotVerified: the snapshot did not read back as written: nothing changes.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { parseSageMakerArn, RESOURCE_KINDS, type ResourceKind } from './shared/controls/resource-kinds.js';
import { findControl } from './shared/controls-catalogue.js';
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
  type MemberSageMaker,
  memberTargetSchema,
  sageMakerOnly,
} from './shared/member-clients.js';
import { acquireLock, type DocumentClient, releaseLock } from './shared/notebook-locks.js';
import {
  compactUtc,
  NotebookBusy,
  RecreationNotNeeded,
  SnapshotNotVerified,
} from './shared/recreation-requests.js';
import { changeEngineFor } from './shared/resource-changes.js';
import { observeResource } from './shared/resource-observation.js';
import {
  RESOURCE_SNAPSHOT_VERSION,
  type ResourceSnapshot,
  resourceRestoreCommand,
  resourceSnapshotDigest,
  resourceSnapshotKey,
  serialiseResourceSnapshot,
} from './shared/resource-snapshot.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { readTextIfExists } from './shared/s3-text.js';
import { describeIssues } from './shared/validation.js';

export interface SnapshotResourceDependencies {
  /** SageMaker as the member role of the plan's target (shared/member-access.ts). */
  readonly members: MemberSessions<MemberSageMaker>;
  readonly dynamodb: DocumentClient;
  readonly sfn?: StepFunctionsClient;
  readonly s3: Pick<S3Client, 'send'>;
  readonly settings: RuntimeSettings;
  readonly now: () => Date;
  readonly logger: Logger;
}

export interface SnapshotResourceResult {
  readonly snapshotKey: string;
  readonly digest: string;
  readonly restoreCommand: string;
  /** The controls the change fixes: those of the plan the resource still fails. */
  readonly fixes: readonly string[];
  /** '' or the sentence of a lock taken over from an ended execution. */
  readonly lockTakeover: string;
  /** The resource that passes once the change is done (a recreation's new one), for the verification. */
  readonly target: { readonly name: string; readonly arn: string };
}

const kinds = [...RESOURCE_KINDS.keys()] as [ResourceKind, ...ResourceKind[]];
const EXECUTION_NAME = /^[0-9A-Za-z_-]{1,80}$/;

const snapshotRequest = z.object({
  plan: z.object({
    controlId: z.string(),
    remediation: z.string(),
    finding: z.object({ id: z.string() }),
    lock: z.object({ key: z.string().check(z.minLength(1)) }),
    resource: z.object({
      kind: z.enum(kinds),
      // SageMaker names: 63 characters, or 120 for an inference experiment.
      name: z.string().check(z.regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}$/)),
      arn: z.string(),
      fixes: z.array(z.string()).check(z.minLength(1)),
    }),
    target: memberTargetSchema,
  }),
  execution: z.object({ id: z.string(), name: z.string().check(z.regex(EXECUTION_NAME)) }),
});

/** Resource statuses in which SageMaker refuses a change: the step is tried again later. */
const SETTLING_STATUSES = ['Pending', 'Creating', 'Updating', 'Starting', 'Stopping', 'Deleting'];

function statusOf(description: Readonly<Record<string, unknown>>): string | undefined {
  const status = description.MonitoringScheduleStatus ?? description.Status ?? description.EndpointStatus;
  return typeof status === 'string' ? status : undefined;
}

export function createSnapshotResourceHandler(
  dependencies: SnapshotResourceDependencies,
): (request: unknown) => Promise<SnapshotResourceResult> {
  const { members, dynamodb, sfn, s3, settings, now, logger } = dependencies;
  const bucket = settings.recreate?.backupBucket;

  return async function snapshotResource(request: unknown): Promise<SnapshotResourceResult> {
    const parsed = snapshotRequest.safeParse(request);
    if (!parsed.success) {
      throw new Error(`Invalid snapshot request: ${describeIssues(parsed.error, 'request.').join('; ')}`);
    }
    if (!bucket) throw new Error('The snapshot bucket is not configured (settings.recreate)');
    const { plan, execution } = parsed.data;
    const { resource } = plan;
    const context = { execution: execution.id, arn: resource.arn, control: plan.controlId };
    // Before the lock: a member role that cannot be assumed fails the step with nothing held or changed.
    const { sagemaker } = await members.clientsFor(plan.target, execution.name);

    const lock = { table: settings.lockTableName, key: plan.lock.key, owner: execution.id };
    const taken = await acquireLock(
      dynamodb,
      {
        ...lock,
        remediation: plan.remediation,
        findingId: plan.finding.id,
        controlId: plan.controlId,
        now: now(),
        seconds: settings.lockSeconds,
      },
      sfn ? describeHolder(sfn, executionPrefix(execution.id), now, logger.warn.bind(logger)) : undefined,
    );
    if (!taken.acquired) {
      throw new NotebookBusy(
        `The ${resource.kind} ${resource.name} is being changed by execution ${taken.holder.executionArn}: this change waits for it.`,
      );
    }
    const release = async () => {
      try {
        await releaseLock(dynamodb, lock);
      } catch (error) {
        logger.warn('lock not released', { ...context, error: (error as Error).name });
      }
    };

    const observed = await observeResource(sagemaker, resource, true);
    if (!observed) {
      await release();
      throw new RecreationNotNeeded(`The ${resource.kind} ${resource.name} no longer exists.`);
    }
    const controlContext = { requiredTagKeys: Object.keys(settings.requiredTags) };
    const fixes = resource.fixes.filter((id) => findControl(id)?.module.fails(observed, controlContext));
    if (fixes.length === 0) {
      await release();
      throw new RecreationNotNeeded(
        `The ${resource.kind} ${resource.name} passes ${resource.fixes.join(', ')} by now.`,
      );
    }
    const status = statusOf(observed.description);
    if (status !== undefined && SETTLING_STATUSES.includes(status)) {
      await release();
      throw new NotebookBusy(
        `The ${resource.kind} ${resource.name} is ${status}: the change waits until it settles.`,
      );
    }

    const takenAt = now();
    // Under the resource's own account and Region: namesakes in other accounts never share a prefix.
    const place = parseSageMakerArn(resource.arn) ?? plan.target;
    const key = resourceSnapshotKey(
      place,
      resource.kind,
      resource.name,
      `${compactUtc(takenAt)}-${execution.name}`,
    );
    const { engine } = changeEngineFor(fixes);
    const snapshot: ResourceSnapshot = {
      version: RESOURCE_SNAPSHOT_VERSION,
      kind: resource.kind,
      arn: resource.arn,
      name: resource.name,
      takenAt: takenAt.toISOString(),
      executionArn: execution.id,
      fixes,
      description: observed.description,
      tags: [...(observed.tags ?? [])],
      related: (await engine.related?.(sagemaker, observed.description, settings)) ?? {},
    };
    const written = serialiseResourceSnapshot(snapshot);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: written,
        ContentType: 'application/json',
        ExpectedBucketOwner: settings.accountId,
      }),
    );
    const readBack = await readTextIfExists(s3, { bucket, key, owner: settings.accountId });
    if (readBack !== written) {
      logger.error('snapshot not verified', { ...context, key });
      throw new SnapshotNotVerified(`s3://${bucket}/${key}`, [
        `it ${readBack === undefined ? 'was not found' : 'differed'} when read back, so nothing was changed`,
      ]);
    }
    logger.info('resource snapshot written', { ...context, key, fixes });
    return {
      snapshotKey: key,
      digest: resourceSnapshotDigest(written),
      restoreCommand: resourceRestoreCommand(bucket, key, {
        resource: place,
        deployment: { accountId: settings.accountId, region: settings.region },
        members: settings.members,
      }),
      fixes,
      lockTakeover: taken.tookOver ? ` ${takeoverSentence('lock', taken.tookOver)}` : '',
      target: engine.target?.(snapshot) ?? { name: resource.name, arn: resource.arn },
    };
  };
}

// Created once per container and reused across invocations.
const dynamodbClient = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }));
const sfnClient = new SFNClient({ maxAttempts: 5 });
const s3Client = new S3Client({ maxAttempts: 5 });
let deployedHandler: ((request: unknown) => Promise<SnapshotResourceResult>) | undefined;
const logger = lambdaLogger('snapshot-resource');

export async function handler(request: unknown, context?: LambdaContext): Promise<SnapshotResourceResult> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createSnapshotResourceHandler({
      members: deployedMemberSessions(settings.members, sageMakerOnly),
      dynamodb: dynamodbClient,
      sfn: sfnClient,
      s3: s3Client,
      settings,
      now: () => new Date(),
      logger,
    });
  }
  return deployedHandler(request);
}
