/**
 * The core of bin/restore-notebook.ts: recreates a notebook instance the remediation workflow deleted
 * and could not recreate, from its snapshot. Everything it talks to comes in as dependencies, so the
 * tests run it against the simulated account, as an operator role, in virtual time.
 *
 * It does what the workflow would have done after its delete (lifecycle/README.md): write the
 * notebook's restore-request.json with this run's own attempt id, create the notebook with the restore
 * lifecycle configuration that configuration.json names and without code repositories, and, with
 * --wait, wait for the attempt's status, compare the restore with the backup, then put the original
 * lifecycle configuration, code repositories and run state back. It never overwrites a notebook and
 * never deletes anything; the only object it writes is the request. The snapshot is in the notebook's
 * own account's and Region's data bucket (its member stack's): everything, S3 included, is called with
 * the operator's own credentials in the notebook's account, or as a session of --role-arn when that
 * account is another.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateNotebookInstanceCommand,
  type CreateNotebookInstanceCommandInput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { NOTEBOOK_ROLE_SESSION_NAME, restoreLayout } from '../../handlers/shared/notebook-backup-layout.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  parseRestoreArguments,
  printHelpOrUsageError,
  type RestoreOptions,
  USAGE,
} from './arguments.js';
import {
  checkNameFree,
  checkOriginalResources,
  checkRestoreLifecycleConfig,
  checkRoleId,
  describeNotebook,
} from './checks.js';
import { followUpSteps, printSteps } from './follow-up.js';
import { checkPlacement } from './placement.js';
import { buildPlan, type DataRestore, printPlan, RESTORE_REQUESTED_BY, restoreAttemptId } from './plan.js';
import { describeError, NotebookFailed, Refusal, RestoreFailed } from './refusal.js';
import { type RoleSessions, restoreSessionName, roleSession, sessionClient } from './role-session.js';
import { noRegionMessage } from './sdk-setup.js';
import { deleteCommands, plural, rerunCommand } from './shell.js';
import { SnapshotStore } from './snapshot-store.js';

/** What the tool calls in the notebook's account. */
export interface RestoreClients {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly iam: Pick<IAMClient, 'send'>;
}

/** What a session of --role-arn calls: the notebook's account's SageMaker and IAM, and its data bucket. */
export interface RestoreSessionClients extends RestoreClients {
  readonly s3: Pick<S3Client, 'send'>;
}

export interface RestoreDependencies extends RestoreClients {
  /** S3 as the operator's own credentials: the data bucket of a notebook of their own account. */
  readonly s3: Pick<S3Client, 'send'>;
  /** How a session of --role-arn is assumed; without it, --role-arn is refused. */
  readonly roleSessions?: RoleSessions<RestoreSessionClients>;
  /** The account of the operator's own credentials, when known (checked against the snapshot's). */
  readonly account?: () => Promise<string | undefined>;
  /** Waits between polls; the tests pass the simulated clock's, so nothing waits in real time. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** The report (stdout). */
  readonly print: (line: string) => void;
  /** Errors and refusals (stderr); `print` when not given. */
  readonly printError?: (line: string) => void;
  /**
   * The region the clients call, checked against the snapshot's (a notebook belongs to one region);
   * without --region, none (undefined) is refused before any call, naming --region.
   */
  readonly region?: () => Promise<string | undefined>;
}

export interface RestoreCommand {
  /** Runs the tool with these command-line arguments; resolves with the exit status. */
  run(args: readonly string[]): Promise<number>;
}

export function createRestoreCommand(deps: RestoreDependencies): RestoreCommand {
  const { s3, sleep, now, print } = deps;
  const printError = deps.printError ?? print;

  async function run(args: readonly string[]): Promise<number> {
    const parsed = parseRestoreArguments(args);
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

  async function restore(options: RestoreOptions): Promise<number> {
    // Before any call: without a Region the SDK's first call fails with "Region is missing".
    const clientRegion = options.region ?? (await optional(deps.region));
    if (clientRegion === undefined && deps.region) {
      throw new Refusal(noRegionMessage('<region>', "the notebook's Region"), EXIT_USAGE);
    }
    const callerAccount = await optional(deps.account);
    // With --role-arn everything is called as that role, the bucket (the notebook's account's) included:
    // assumed now, so a role that cannot be assumed stops the run before anything is read or written.
    const session = options.roleArn === undefined ? undefined : await sessionOf(options);
    // The bucket is the notebook's account's: --account with --role-arn, else the operator's own.
    const store = new SnapshotStore(
      session?.s3 ?? s3,
      options.snapshot,
      session ? { account: options.account } : callerAccount ? { account: callerAccount } : undefined,
    );
    const { snapshotPrefix } = options.snapshot;
    const location = `${store.uri(snapshotPrefix)}/`;

    // 1. configuration.json: everything about the notebook comes from it, the restore configuration too.
    const snapshot = await store.readConfiguration();
    const chosen = options.settings === 'planned' ? snapshot.plannedSettings : snapshot.notebook;
    const notebookName = options.name ?? chosen.NotebookInstanceName;
    const restoreLifecycleConfig = snapshot.restoreLifecycleConfigName;
    if (restoreLifecycleConfig && notebookName !== chosen.NotebookInstanceName) {
      throw new Refusal(
        `--name cannot be used for this snapshot: its data was kept, and the restore lifecycle script only accepts a snapshot under roles/<role id>:${NOTEBOOK_ROLE_SESSION_NAME}/<its own notebook name>/ (lifecycle/restore-on-create.sh), so a notebook named ${notebookName} would never restore a snapshot of ${chosen.NotebookInstanceName}. Restore it under its own name.`,
        EXIT_USAGE,
      );
    }

    // 2. The account and region: a snapshot is of a notebook in one of each, and must come back there.
    const arnParts = snapshot.notebook.NotebookInstanceArn?.split(':') ?? [];
    const snapshotRegion = arnParts[3] || undefined;
    const snapshotAccount = arnParts[4] || snapshot.notebook.RoleArn.split(':')[4] || undefined;
    if (snapshotRegion && snapshotAccount) {
      checkPlacement({
        what: 'a notebook',
        act: 'create it',
        snapshot: { accountId: snapshotAccount, region: snapshotRegion },
        options,
        callerAccount,
        clientRegion,
      });
    }
    const region = snapshotRegion ?? clientRegion;
    const { sagemaker, iam } = session ?? deps;

    // 3. The data: kept when configuration.json names the restore configuration; then it must be complete.
    const backup = restoreLifecycleConfig ? await store.readBackupSummary() : undefined;

    // 4. Never overwrite; and what the notebook will reference must exist before anything is written.
    await checkNameFree(sagemaker, notebookName, Boolean(restoreLifecycleConfig), region);
    if (restoreLifecycleConfig) {
      await checkRestoreLifecycleConfig(sagemaker, restoreLifecycleConfig, store.bucket);
      await checkRoleId(iam, chosen.RoleArn, options.snapshot);
    }
    await checkOriginalResources(sagemaker, snapshot, chosen);

    // 5. This run's own restore attempt: its status prefix must be empty (the script refuses otherwise).
    let data: DataRestore | undefined;
    if (restoreLifecycleConfig && backup) {
      const attempt = restoreAttemptId(now());
      if ((await store.statusOf(restoreLayout(snapshotPrefix, attempt).status)) !== 'pending') {
        throw new Refusal(
          `refused: restore attempt ${attempt} already has a status: another run of this tool started in the same second. Let it finish`,
        );
      }
      const { key: requestKey, request } = store.restoreRequest(RESTORE_REQUESTED_BY, attempt);
      data = { backup, restoreLifecycleConfig, attempt, requestKey, request };
    }
    const plan = buildPlan(snapshot, chosen, notebookName, data);
    printPlan(print, options, snapshot, plan, location);

    if (options.dryRun) {
      print('');
      print('CreateNotebookInstance request:');
      print(JSON.stringify(plan.createRequest, null, 2));
      if (plan.data) {
        print('');
        print(`restore-request.json (${store.uri(plan.data.requestKey)}):`);
        print(JSON.stringify(plan.data.request, null, 2));
      }
      print('');
      print('Dry run: nothing was changed.');
      return EXIT_OK;
    }

    // 6. The request first: OnCreate runs once, soon after creation, and reads it.
    print('');
    if (plan.data) {
      await store.writeJson(plan.data.requestKey, plan.data.request);
      print(`Wrote ${store.uri(plan.data.requestKey)} (restore attempt ${plan.data.attempt})`);
    }
    let arn: string | undefined;
    try {
      // The request is the API's own shape (PascalCase), built and checked by buildCreateNotebookRequest.
      const created = await sagemaker.send(
        new CreateNotebookInstanceCommand(
          plan.createRequest as unknown as CreateNotebookInstanceCommandInput,
        ),
      );
      arn = created.NotebookInstanceArn;
    } catch (error) {
      throw new Refusal(
        `CreateNotebookInstance failed: ${describeError(error)}. Nothing else was changed${plan.data ? ' (restore-request.json only names the snapshot; it is harmless)' : ''}; the snapshot is untouched. Fix the cause and run this again.`,
      );
    }
    print(`Created notebook instance ${notebookName}${arn ? ` (${arn})` : ''}`);

    const steps = followUpSteps({ sagemaker, store, sleep, print, options, plan, region });
    if (!options.wait) {
      print('');
      print('Still to do (what --wait would have done):');
      printSteps(steps, print);
      return EXIT_OK;
    }
    for (const [index, step] of steps.entries()) {
      print(`- ${step.title}`);
      try {
        await step.run();
      } catch (error) {
        printError(`error: ${error instanceof Refusal ? error.message : describeError(error)}`);
        printError('');
        if (error instanceof RestoreFailed || error instanceof NotebookFailed) {
          // OnCreate runs only at creation and never overwrites: a retry needs a new notebook.
          const status =
            (await describeNotebook(sagemaker, notebookName))?.NotebookInstanceStatus ?? 'Failed';
          printError(
            `Notebook instance ${notebookName} is ${status} and ${plan.data ? 'does not have all of its data' : 'was never ready'}; the snapshot is untouched. Fix the cause above, delete the notebook, and run this again (${plan.data ? 'a new restore attempt, into a fresh volume' : 'a new creation'}):`,
          );
          for (const command of deleteCommands(notebookName, status, region)) printError(`      ${command}`);
          printError(`      ${rerunCommand(options)}`);
          return EXIT_FAILED;
        }
        printError(
          `Notebook instance ${notebookName} exists; the snapshot is untouched. What is left to do:`,
        );
        printSteps(steps.slice(index), printError);
        return EXIT_FAILED;
      }
    }
    print('');
    print(`Restored notebook instance ${notebookName} (${options.settings} settings).`);
    if (plan.data) {
      print(
        `  Its volume is the backup's: ${plural(plan.data.backup.files, 'file')}, ${plan.data.backup.entries} entries in all, verified (restore attempt ${plan.data.attempt}).`,
      );
    }
    print(`  It is ${plan.wasRunning ? 'InService' : 'Stopped'}, as it was when the snapshot was taken.`);
    print(`  The snapshot stays in ${location} until the bucket's retention expires it.`);
    return EXIT_OK;
  }

  /**
   * SageMaker, IAM and S3 in the notebook's account as a session of --role-arn, in the Region of
   * --region (the parser requires it with --role-arn, and checkPlacement holds it to the snapshot's),
   * assumed now so that a role that cannot be assumed stops the run before anything is read.
   */
  async function sessionOf(options: RestoreOptions): Promise<RestoreSessionClients> {
    if (!deps.roleSessions) throw new Error('this build of the tool cannot assume --role-arn');
    const session = roleSession(
      deps.roleSessions,
      {
        roleArn: options.roleArn ?? '',
        region: options.region ?? '',
        sessionName: restoreSessionName(RESTORE_REQUESTED_BY, now()),
      },
      now,
    );
    await session();
    return {
      sagemaker: sessionClient(async () => (await session()).sagemaker),
      iam: sessionClient(async () => (await session()).iam),
      s3: sessionClient(async () => (await session()).s3),
    };
  }

  return { run };
}

/** A value the SDK may not know (no region configured, no identity): not compared then. */
async function optional(read: (() => Promise<string | undefined>) | undefined): Promise<string | undefined> {
  try {
    return await read?.();
  } catch {
    return undefined;
  }
}
