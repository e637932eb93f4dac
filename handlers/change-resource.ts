/**
 * ChangeResource: one step of an approved change of a resource other than a notebook, from its
 * snapshot: `apply` makes the fix, `restore` puts the definition back as the snapshot has it (after a
 * failure, and in the restore tool). The snapshot is read from the bucket and its digest checked, so
 * the request is built from exactly what was verified before the approval's change began; the state
 * carries only the key and the digest.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { sendRequest } from './shared/changes/sagemaker-requests.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { MemberSessions } from './shared/member-access.js';
import {
  deployedMemberSessions,
  type MemberSageMaker,
  memberTargetSchema,
  sageMakerOnly,
} from './shared/member-clients.js';
import { changeEngineFor, changeRequests } from './shared/resource-changes.js';
import {
  parseResourceSnapshot,
  RESOURCE_SNAPSHOTS_PREFIX,
  resourceSnapshotDigest,
} from './shared/resource-snapshot.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { describeIssues } from './shared/validation.js';

export interface ChangeResourceDependencies {
  /** SageMaker as the member role of the request's target (shared/member-access.ts). */
  readonly members: MemberSessions<MemberSageMaker>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly settings: RuntimeSettings;
  readonly logger: Logger;
}

export interface ChangeResourceResult {
  readonly step: string;
  /** The SageMaker operations made, in order. */
  readonly operations: readonly string[];
  /** What the state machine watches after this step (the engine's `watched`: moved endpoints...). */
  readonly watched: readonly Readonly<Record<string, string>>[];
}

/** The snapshot is not the one the change was planned on: nothing is called. */
export class SnapshotChanged extends Error {
  override readonly name = 'SnapshotChanged';
}

const changeRequestSchema = z.object({
  // The engine's own steps (handlers/shared/changes/): checked against them once the snapshot is read.
  step: z.string().check(z.regex(/^[a-z][a-z-]{0,40}$/)),
  snapshot: z.object({
    snapshotKey: z.string().check(z.startsWith(RESOURCE_SNAPSHOTS_PREFIX)),
    digest: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  }),
  /** The resource's account and Region (`$.plan.target`), and the execution the member session is named after. */
  target: memberTargetSchema,
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
});

export function createChangeResourceHandler(
  dependencies: ChangeResourceDependencies,
): (request: unknown) => Promise<ChangeResourceResult> {
  const { members, s3, settings, logger } = dependencies;
  return async function changeResource(request: unknown): Promise<ChangeResourceResult> {
    const parsed = changeRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw new Error(`Invalid change request: ${describeIssues(parsed.error, 'request.').join('; ')}`);
    }
    const { step, snapshot, target, executionName } = parsed.data;
    const bucket = settings.recreate?.backupBucket;
    if (!bucket) throw new Error('The snapshot bucket is not configured (settings.recreate)');
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: snapshot.snapshotKey,
        ExpectedBucketOwner: settings.accountId,
      }),
    );
    const text = (await response.Body?.transformToString('utf-8')) ?? '';
    if (resourceSnapshotDigest(text) !== snapshot.digest) {
      throw new SnapshotChanged(
        `s3://${bucket}/${snapshot.snapshotKey} is not the snapshot verified before the change`,
      );
    }
    const verified = parseResourceSnapshot(text);
    const requests = changeRequests(verified, step);
    const { sagemaker } = await members.clientsFor(target, executionName);
    // In order: a step that fails half-way is put back by the roll-back (the `restore` step).
    for (const request of requests) await sendRequest(sagemaker, request);
    const operations = requests.map((request) => request.operation);
    logger.info('resource changed', { step, operations, key: snapshot.snapshotKey });
    return { step, operations, watched: changeEngineFor(verified.fixes).engine.watched?.(verified) ?? [] };
  };
}

// Created once per container and reused across invocations.
const s3Client = new S3Client({ maxAttempts: 5 });
let deployedHandler: ((request: unknown) => Promise<ChangeResourceResult>) | undefined;
const logger = lambdaLogger('change-resource');

export async function handler(request: unknown, context?: LambdaContext): Promise<ChangeResourceResult> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createChangeResourceHandler({
      members: deployedMemberSessions(settings.members, sageMakerOnly),
      s3: s3Client,
      settings,
      logger,
    });
  }
  return deployedHandler(request);
}
