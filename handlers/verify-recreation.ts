/**
 * VerifyRecreation: runs once the recreated notebook is InService (and, when the data is kept, once
 * its restore wrote its `complete` marker). Checks the notebook against the settings configuration.json
 * planned and the restored volume against the backup, and lists every difference at once.
 *
 * The data is compared through the two scripts' summaries (backup-status/complete and
 * restores/<attempt>/status/complete): counts, bytes, the archive's digest and the manifest's digest.
 * Only when the manifest digests differ are both manifests streamed, side by side, to name the paths
 * that differ; nothing of them goes into the state (a volume may hold hundreds of thousands of files).
 *
 * The lifecycle configuration and, when the data is kept, the code repositories are not checked: the
 * notebook is created with the restore lifecycle configuration and without code repositories, and
 * the state machine puts the originals back afterwards.
 *
 * Everything is read as the member role of the notebook's account and Region: the notebook, and the
 * snapshot in that account's and Region's data bucket (notebook-data-placement.ts).
 *
 * Throws RecreationNotVerified (the state machine catches it; the snapshot stays where it is).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import { isNoSuchKey, isSageMakerNotFound } from './shared/aws-errors.js';
import {
  type ConfigurationSnapshot,
  parseSnapshot,
  snapshotDigest,
} from './shared/configuration-snapshot.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import type { MemberSessions } from './shared/member-access.js';
import {
  deployedMemberSessions,
  type MemberS3,
  type MemberSageMaker,
  memberS3Client,
  memberSageMakerClient,
  memberTargetSchema,
} from './shared/member-clients.js';
import {
  manifestLines,
  parseStatusSummary,
  RESTORE_ATTEMPT_PATTERN,
  restoreLayout,
  type StatusSummary,
  snapshotLayout,
} from './shared/notebook-backup-layout.js';
import { notebookDataPlacement } from './shared/notebook-data-placement.js';
import {
  type NotebookSettings,
  settingsFromDescribe,
  verifyRecreation,
} from './shared/notebook-recreation.js';
import type { VerificationResult } from './shared/remediation-plan.js';
import { manifestDifferences, summaryDifferences } from './shared/restore-differences.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from './shared/runtime-settings.js';
import { describeIssues } from './shared/validation.js';

export interface VerifyDependencies {
  /** SageMaker and S3 (the data bucket) as the member role of the plan's target (shared/member-access.ts). */
  readonly members: MemberSessions<MemberSageMaker & MemberS3>;
  readonly settings: RuntimeSettings;
  readonly logger: Logger;
}

/** Step Functions shows at most this much of an error message comfortably (and alerts quote it). */
export const MAX_PROBLEMS_MESSAGE_LENGTH = 4000;

/** The recreated notebook is not what was planned, or its data is not what was backed up. */
export class RecreationNotVerified extends Error {
  override readonly name = 'RecreationNotVerified';
  /** Every problem, even those the message had no room for. */
  readonly problems: readonly string[];

  constructor(notebookName: string, problems: readonly string[]) {
    super(problemsMessage(`Recreated notebook instance ${notebookName} not verified`, problems));
    this.problems = problems;
  }
}

/** `<header>: a; b; c`, keeping whole problems within the limit and saying how many were left out. */
function problemsMessage(header: string, problems: readonly string[]): string {
  const full = `${header}: ${problems.join('; ')}`;
  if (full.length <= MAX_PROBLEMS_MESSAGE_LENGTH) return full;
  for (let kept = problems.length - 1; kept >= 1; kept--) {
    const candidate = `${header}: ${problems.slice(0, kept).join('; ')}; and ${problems.length - kept} more`;
    if (candidate.length <= MAX_PROBLEMS_MESSAGE_LENGTH) return candidate;
  }
  return `${full.slice(0, MAX_PROBLEMS_MESSAGE_LENGTH - 3)}...`;
}

const verifyRequest = z.object({
  plan: z.object({
    notebook: z.object({ name: z.string().check(z.minLength(1), z.maxLength(63)), arn: z.string() }),
    target: memberTargetSchema,
  }),
  snapshot: z.object({
    snapshotPrefix: z.string().check(z.regex(/^roles\/[^/]+\/[^/]+\/[^/]+$/, 'must be a snapshot prefix')),
    configurationKey: z.string().check(z.minLength(1)),
    restoreAttempt: z.string().check(z.regex(RESTORE_ATTEMPT_PATTERN, 'must be a restore attempt id')),
    configurationDigest: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256')),
    keepData: z.boolean(),
  }),
  execution: z.object({ id: z.string().check(z.minLength(1)), name: z.string().check(z.minLength(1)) }),
});

/** The target's data bucket, read as its member role (S3 refuses it if another account owns it). */
interface DataBucket {
  readonly s3: Pick<S3Client, 'send'>;
  readonly bucket: string;
  readonly owner: string;
}

/** Code repositories come back after the restore (UpdateNotebookInstance): not part of the check. */
function withoutCodeRepositories(settings: NotebookSettings): NotebookSettings {
  return { ...settings, DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined };
}

type Read<T> = { readonly value: T } | { readonly problem: string };

/** An object without a body: an empty manifest. */
async function* emptyLines(): AsyncGenerator<string> {}

export function createVerifyHandler(
  dependencies: VerifyDependencies,
): (request: unknown) => Promise<VerificationResult> {
  const { members, settings, logger } = dependencies;
  if (!settings.recreate) {
    throw new Error(
      `${SETTINGS_ENVIRONMENT_VARIABLE} has no recreate block: the approval-gated recreation of notebooks is not deployed`,
    );
  }

  /** The object's text, or a problem when it does not exist. */
  async function readText(
    { s3, bucket, owner }: DataBucket,
    key: string,
    what: string,
  ): Promise<Read<string>> {
    try {
      const response = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: owner }),
      );
      return { value: (await response.Body?.transformToString('utf-8')) ?? '' };
    } catch (error) {
      if (isNoSuchKey(error)) return { problem: `${what} not found at s3://${bucket}/${key}` };
      throw error;
    }
  }

  async function readConfiguration(
    data: DataBucket,
    key: string,
    digest: string,
  ): Promise<Read<ConfigurationSnapshot>> {
    const text = await readText(data, key, 'configuration.json');
    if ('problem' in text) return text;
    if (snapshotDigest(text.value) !== digest) {
      return { problem: 'configuration.json differs from the snapshot that was verified (digest mismatch)' };
    }
    try {
      return { value: parseSnapshot(text.value) };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }

  async function readSummary(
    data: DataBucket,
    key: string,
    what: string,
    notebookName: string,
  ): Promise<Read<StatusSummary>> {
    const text = await readText(data, key, what);
    if ('problem' in text) return text;
    let summary: StatusSummary;
    try {
      summary = parseStatusSummary(text.value, what);
    } catch (error) {
      return { problem: (error as Error).message };
    }
    if (summary.notebookName !== notebookName) {
      return { problem: `${what} is for notebook ${summary.notebookName}, not ${notebookName}` };
    }
    return { value: summary };
  }

  /**
   * A manifest's lines, streamed from S3 (a volume may list hundreds of thousands of entries), or a
   * problem when it does not exist.
   */
  async function openManifest(
    { s3, bucket, owner }: DataBucket,
    key: string,
    what: string,
  ): Promise<Read<AsyncIterable<string>>> {
    try {
      const response = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ExpectedBucketOwner: owner }),
      );
      // In Node.js the SDK's Body is a readable stream: async-iterable, read one chunk at a time.
      const body = response.Body as unknown as AsyncIterable<Uint8Array> | undefined;
      return { value: body ? manifestLines(body) : emptyLines() };
    } catch (error) {
      if (isNoSuchKey(error)) return { problem: `${what} not found at s3://${bucket}/${key}` };
      throw error;
    }
  }

  /** What differs between the backup and the restore, from their summaries, then their manifests. */
  async function dataProblems(
    data: DataBucket,
    prefix: string,
    attempt: string,
    notebookName: string,
  ): Promise<{ problems: string[]; restored?: StatusSummary }> {
    const layout = snapshotLayout(prefix);
    const restoreKeys = restoreLayout(prefix, attempt);
    const backup = await readSummary(
      data,
      layout.backupStatus.complete,
      'backup-status/complete',
      notebookName,
    );
    const restore = await readSummary(
      data,
      restoreKeys.status.complete,
      `restores/${attempt}/status/complete`,
      notebookName,
    );
    const problems = [
      ...('problem' in backup ? [backup.problem] : []),
      ...('problem' in restore ? [restore.problem] : []),
    ];
    if ('problem' in backup || 'problem' in restore) return { problems };
    const after = restore.value;
    const summaries = summaryDifferences(backup.value, after);
    problems.push(...summaries.problems);
    if (summaries.manifestsDiffer) {
      // The digests differ: say exactly what, in one pass over both manifests.
      const backupManifest = await openManifest(data, layout.manifest, 'the backup manifest');
      const restoreManifest = await openManifest(data, restoreKeys.manifest, 'the restore manifest');
      if ('problem' in backupManifest || 'problem' in restoreManifest) {
        for (const read of [backupManifest, restoreManifest])
          if ('problem' in read) problems.push(read.problem);
        return { problems, restored: after };
      }
      problems.push(...(await manifestDifferences(backupManifest.value, restoreManifest.value)));
    }
    return { problems, restored: after };
  }

  /** The recreated notebook's settings, or a problem when it does not exist. */
  async function describe({ sagemaker }: MemberSageMaker, name: string): Promise<Read<NotebookSettings>> {
    try {
      const described = await sagemaker.send(
        new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }),
      );
      return { value: settingsFromDescribe(described, name) };
    } catch (error) {
      if (isSageMakerNotFound(error)) return { problem: `notebook instance ${name} does not exist` };
      throw error;
    }
  }

  return async function verifyRecreatedNotebook(request: unknown): Promise<VerificationResult> {
    const parsed = verifyRequest.safeParse(request);
    if (!parsed.success) {
      throw new Error(`Invalid verification request: ${describeIssues(parsed.error, 'request.').join('; ')}`);
    }
    const { plan, snapshot, execution } = parsed.data;
    const problems: string[] = [];
    const clients = await members.clientsFor(plan.target, execution.name);
    const data: DataBucket = {
      s3: clients.s3,
      bucket: notebookDataPlacement(settings.members, plan.target).bucket,
      owner: plan.target.accountId,
    };

    const configuration = await readConfiguration(
      data,
      snapshot.configurationKey,
      snapshot.configurationDigest,
    );
    const name =
      'value' in configuration
        ? configuration.value.plannedSettings.NotebookInstanceName
        : plan.notebook.name;
    if ('problem' in configuration) problems.push(configuration.problem);

    const notebook = await describe(clients, name);
    if ('problem' in notebook) problems.push(notebook.problem);
    else {
      if (notebook.value.NotebookInstanceStatus === 'Failed') {
        problems.push(`notebook instance ${name} is Failed`);
      }
      if ('value' in configuration) {
        const planned = configuration.value.plannedSettings;
        problems.push(
          ...(snapshot.keepData
            ? verifyRecreation(withoutCodeRepositories(planned), withoutCodeRepositories(notebook.value))
            : verifyRecreation(planned, notebook.value)),
        );
      }
    }

    let restored: StatusSummary | undefined;
    if (snapshot.keepData) {
      const checked = await dataProblems(data, snapshot.snapshotPrefix, snapshot.restoreAttempt, name);
      problems.push(...checked.problems);
      restored = checked.restored;
    }

    const context = { execution: execution.id, notebook: name, snapshotPrefix: snapshot.snapshotPrefix };
    if (problems.length > 0) {
      logger.error('recreation not verified', { ...context, problems });
      throw new RecreationNotVerified(name, problems);
    }
    const result: VerificationResult = {
      verified: true,
      fileCount: restored?.files ?? 0,
      entries: restored?.entries ?? 0,
      totalBytes: restored?.totalBytes ?? 0,
    };
    logger.info('recreation verified', { ...context, ...result, keepData: snapshot.keepData });
    return result;
  };
}

let deployedHandler: ((request: unknown) => Promise<VerificationResult>) | undefined;

const logger = lambdaLogger('verify-recreation');

export async function handler(request: unknown, context?: LambdaContext): Promise<VerificationResult> {
  logger.addContext(context);
  if (!deployedHandler) {
    const settings = parseRuntimeSettings(process.env[SETTINGS_ENVIRONMENT_VARIABLE]);
    deployedHandler = createVerifyHandler({
      members: deployedMemberSessions(settings.members, (region, credentials) => ({
        sagemaker: memberSageMakerClient(region, credentials),
        s3: memberS3Client(region, credentials),
      })),
      settings,
      logger,
    });
  }
  return deployedHandler(request);
}
