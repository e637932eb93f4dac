/**
 * The core of bin/restore-resource.ts: puts a resource other than a notebook back as it was before
 * the workflow's approved change, from the snapshot taken before that change. Everything it talks to
 * comes in as dependencies, so the tests run it against the simulated account, as an operator role.
 *
 * It reads the snapshot (with the operator's own credentials: the bucket is the deployment's), checks
 * it is of the account and region the calls go to, and sends the calls of the change engine's own
 * `restore` step with the engines' own sender: exactly what the workflow's RollBackResourceChange does
 * (handlers/change-resource.ts), for whichever engine took the snapshot. For a resource in another
 * account, those calls are made as a session of --role-arn there. It writes nothing to the bucket and
 * deletes nothing.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { errorName, isNoSuchKey } from '../../handlers/shared/aws-errors.js';
import { sendRequest } from '../../handlers/shared/changes/sagemaker-requests.js';
import { parseResourceSnapshot, type ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import { describeError, Refusal } from '../restore-notebook/refusal.js';
import {
  type RoleSessions,
  restoreSessionName,
  roleSession,
  sessionClient,
} from '../restore-notebook/role-session.js';
import { noRegionMessage } from '../restore-notebook/sdk-setup.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  parseResourceRestoreArguments,
  printHelpOrUsageError,
  type ResourceRestoreOptions,
  type ResourceSnapshotLocation,
  USAGE,
} from './arguments.js';
import { buildResourceRestorePlan, checkPlace, type ResourceRestorePlan } from './plan.js';
import { failureReport, nextChecks, printPlan, printRequests, requestTarget } from './report.js';

/** The SageMaker client of a session of --role-arn. */
export interface ResourceRestoreClients {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
}

/** Written into the role session's name, so CloudTrail in the resource's account names this tool. */
export const RESOURCE_RESTORE_SESSION_TOOL = 'restore-resource';

export interface ResourceRestoreDependencies {
  /** SageMaker as the operator's own credentials (without --role-arn). */
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  /** S3 as the operator's own credentials: the snapshot bucket is the deployment's. */
  readonly s3: Pick<S3Client, 'send'>;
  /** How a session of --role-arn is assumed; without it, --role-arn is refused. */
  readonly roleSessions?: RoleSessions<ResourceRestoreClients>;
  /** The session's name says when the tool ran (default: now). */
  readonly now?: () => Date;
  /** The report (stdout). */
  readonly print: (line: string) => void;
  /** Errors and refusals (stderr); `print` when not given. */
  readonly printError?: (line: string) => void;
  /** The region the clients call, checked against the snapshot's; without --region, none is refused. */
  readonly region?: () => Promise<string | undefined>;
  /** The account of the operator's credentials, when known (checked against the snapshot's). */
  readonly account?: () => Promise<string | undefined>;
}

export interface ResourceRestoreCommand {
  /** Runs the tool with these command-line arguments; resolves with the exit status. */
  run(args: readonly string[]): Promise<number>;
}

export function createResourceRestoreCommand(deps: ResourceRestoreDependencies): ResourceRestoreCommand {
  const { s3, print } = deps;
  const printError = deps.printError ?? print;

  async function run(args: readonly string[]): Promise<number> {
    const parsed = parseResourceRestoreArguments(args);
    if (parsed.kind !== 'options') return printHelpOrUsageError(parsed, USAGE, { print, printError });
    try {
      return await restore(parsed.options);
    } catch (error) {
      if (error instanceof Refusal) {
        printError(`error: ${error.message}`);
        if (error.exitCode === EXIT_USAGE) printError('Run with --help for the options.');
        return error.exitCode;
      }
      printError(`error: ${describeError(error)}`);
      return EXIT_FAILED;
    }
  }

  async function restore(options: ResourceRestoreOptions): Promise<number> {
    const { snapshot: location } = options;
    const uri = `s3://${location.bucket}/${location.key}`;
    // Before any call: without a Region the SDK's first call fails with "Region is missing".
    const clientRegion = options.region ?? (await optional(deps.region));
    if (clientRegion === undefined && deps.region) {
      throw new Refusal(noRegionMessage(location.region, "the resource's Region"), EXIT_USAGE);
    }
    const account = await optional(deps.account);

    // 1. The snapshot, and the restore step's calls worked out from it by the engine that took it.
    const snapshot = await readSnapshot(location, uri, account);
    const plan = buildResourceRestorePlan(snapshot, location, uri);

    // 2. The account and region: the calls must change this resource, not a namesake elsewhere.
    checkPlace(plan, { options, callerAccount: account, clientRegion });
    const sagemaker = await sageMakerFor(options, plan);
    printPlan(print, options, snapshot, plan, uri);

    if (options.dryRun) {
      printRequests(print, plan);
      print('');
      print('Dry run: nothing was changed.');
      return EXIT_OK;
    }

    // 3. In order, as the roll-back sends them; the first failure stops the rest.
    print('');
    for (const [index, request] of plan.requests.entries()) {
      let response: Readonly<Record<string, unknown>> | undefined;
      try {
        response = await sendRequest(sagemaker, request);
      } catch (error) {
        printError(`error: ${requestTarget(request)} failed: ${describeError(error)}`);
        for (const line of failureReport(plan, index, options, uri)) printError(line);
        return EXIT_FAILED;
      }
      // The engines' requests say when their effect is there already (a step run again): then skipped.
      print(`- ${requestTarget(request)}: ${response === undefined ? 'already so, skipped' : 'done'}`);
    }
    print('');
    print(
      `Put back ${plan.label} ${plan.name} from its snapshot (${plan.requests.length} ${plan.requests.length === 1 ? 'call' : 'calls'}).`,
    );
    print('Check next:');
    for (const line of nextChecks(snapshot, plan, uri)) print(line);
    return EXIT_OK;
  }

  /**
   * SageMaker in the resource's account: the operator's own client, or a session of --role-arn in the
   * snapshot's Region, assumed now so a role that cannot be assumed stops the run before any change.
   */
  async function sageMakerFor(
    options: ResourceRestoreOptions,
    plan: ResourceRestorePlan,
  ): Promise<Pick<SageMakerClient, 'send'>> {
    if (options.roleArn === undefined) return deps.sagemaker;
    if (!deps.roleSessions) throw new Error('this build of the tool cannot assume --role-arn');
    const now = deps.now ?? (() => new Date());
    const session = roleSession(
      deps.roleSessions,
      {
        roleArn: options.roleArn,
        region: plan.region,
        sessionName: restoreSessionName(RESOURCE_RESTORE_SESSION_TOOL, now()),
      },
      now,
    );
    await session();
    return sessionClient(async () => (await session()).sagemaker);
  }

  /**
   * snapshot.json, parsed. The URI is all the operator gives: when it leads to nothing readable, that
   * is bad input (exit 2), with each likely cause.
   */
  async function readSnapshot(
    location: ResourceSnapshotLocation,
    uri: string,
    account: string | undefined,
  ): Promise<ResourceSnapshot> {
    let text: string;
    try {
      const response = await s3.send(
        new GetObjectCommand({
          Bucket: location.bucket,
          Key: location.key,
          // The snapshot bucket is the deployment's, in the account the restore changes.
          ...(account ? { ExpectedBucketOwner: account } : {}),
        }),
      );
      text = (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      const name = errorName(error);
      if (isNoSuchKey(error)) {
        throw new Refusal(
          `no snapshot at ${uri}: use the --snapshot URI of the alert or the finding note, as it is. Nothing was changed.`,
          EXIT_USAGE,
        );
      }
      if (name === 'NoSuchBucket') {
        throw new Refusal(
          `bucket ${location.bucket} does not exist: use the --snapshot URI of the alert or the finding note`,
          EXIT_USAGE,
        );
      }
      if (name === 'AccessDenied' || name === 'AccessDeniedException') {
        throw new Refusal(
          `access denied reading ${uri}: either the URI names another bucket than the deployment's snapshot bucket (stack output NotebookBackupBucketName${account ? `, in this account ${account}` : ''}), or the role running this tool lacks the stack policy RestoreOperatorPolicyArn (docs/restore.md). Nothing was changed.`,
          EXIT_USAGE,
        );
      }
      throw error;
    }
    try {
      return parseResourceSnapshot(text);
    } catch (error) {
      throw new Refusal(`refused: ${(error as Error).message} (${uri})`);
    }
  }

  return { run };
}

/** A value the SDK may not know (no region configured, credentials without an account): not compared then. */
async function optional(read: (() => Promise<string | undefined>) | undefined): Promise<string | undefined> {
  try {
    return await read?.();
  } catch {
    return undefined;
  }
}
