/**
 * What is left once the notebook is created, in the workflow's order (lifecycle/README.md, "How the
 * workflow uses them"): InService with the requested settings; restore attempt A complete and its
 * volume the backup's; stop; the notebook's own lifecycle configuration and code repositories back;
 * started again if it was running. --wait runs each step; without it, or after a failure, the tool
 * prints them as the commands a person would run.
 */
import {
  type DescribeNotebookInstanceCommandOutput,
  type SageMakerClient,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { dataWaitFor } from '../../handlers/shared/data-wait.js';
import { restoreLayout, snapshotLayout } from '../../handlers/shared/notebook-backup-layout.js';
import {
  type NotebookSettings,
  settingsFromDescribe,
  verifyRecreation,
} from '../../handlers/shared/notebook-recreation.js';
import { DEFAULT_WAIT_MINUTES, type RestoreOptions } from './arguments.js';
import { describeNotebook } from './checks.js';
import type { RestorePlan } from './plan.js';
import { NotebookFailed, Refusal, RestoreFailed } from './refusal.js';
import { notebookCommand, plural, regionFlag, shellWord, updateCommand } from './shell.js';
import type { SnapshotStore } from './snapshot-store.js';
import { restoreDifferences } from './verify-data.js';

/** Between two checks of a status with --wait. */
export const POLL_INTERVAL_MS = 15_000;

export interface FollowUpStep {
  readonly title: string;
  readonly commands: readonly string[];
  readonly run: () => Promise<void>;
}

export interface FollowUpContext {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly store: SnapshotStore;
  /** Waits between polls; the tests pass the simulated clock's. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly print: (line: string) => void;
  readonly options: RestoreOptions;
  readonly plan: RestorePlan;
  readonly region: string | undefined;
}

export function followUpSteps(context: FollowUpContext): FollowUpStep[] {
  const { sagemaker, store, sleep, print, options, plan, region } = context;
  const { notebookName, data, finalUpdate } = plan;
  const aws = (command: string) => notebookCommand(command, notebookName, region);
  const statusMinutes = options.waitMinutes ?? DEFAULT_WAIT_MINUTES;

  /** Polls until `check` answers, or `minutes` have passed (then undefined). */
  async function poll<T>(minutes: number, check: (first: boolean) => Promise<T | undefined>) {
    const polls = Math.ceil((minutes * 60_000) / POLL_INTERVAL_MS);
    for (let count = 0; count <= polls; count++) {
      if (count > 0) await sleep(POLL_INTERVAL_MS);
      const answer = await check(count === 0);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  async function waitForStatus(
    reached: string,
    after: string,
  ): Promise<DescribeNotebookInstanceCommandOutput> {
    let last = '';
    const described = await poll(statusMinutes, async () => {
      const now = await describeNotebook(sagemaker, notebookName);
      const status = now?.NotebookInstanceStatus ?? 'gone';
      if (status === reached) return now;
      if (status === 'Failed') await failed(now?.FailureReason, after);
      if (status === 'gone') throw new Refusal(`notebook instance ${notebookName} is gone after ${after}`);
      if (status !== last) print(`    ${status}, waiting for ${reached}`);
      last = status;
      return undefined;
    });
    if (described) return described;
    throw new Refusal(
      `notebook instance ${notebookName} is still ${last} ${plural(statusMinutes, 'minute')} after ${after} (--wait-minutes)`,
    );
  }

  /** A Failed notebook: when the restore script failed too, its reason is the one that matters. */
  async function failed(reason: string | undefined, after: string): Promise<never> {
    if (data && after === 'its creation') {
      const status = restoreLayout(store.location.snapshotPrefix, data.attempt).status;
      if ((await store.statusOf(status)) === 'failed') {
        throw new RestoreFailed(
          `restore attempt ${data.attempt} failed: ${await store.failureReason(status)}`,
        );
      }
    }
    throw new NotebookFailed(
      `notebook instance ${notebookName} is Failed after ${after}: ${reason ?? 'no reason given'}`,
    );
  }

  const steps: FollowUpStep[] = [
    {
      title: `Wait until ${notebookName} is InService, and check its settings`,
      commands: [aws('wait notebook-instance-in-service'), aws('describe-notebook-instance')],
      run: async () => {
        const described = await waitForStatus('InService', 'its creation');
        // The lifecycle configuration and, with data, the code repositories are put back afterwards.
        const compared = (settings: NotebookSettings) =>
          data
            ? { ...settings, DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined }
            : settings;
        const problems = verifyRecreation(
          compared(plan.createSettings),
          compared(settingsFromDescribe(described, notebookName)),
        );
        if (problems.length > 0)
          throw new Refusal(`the notebook is not as requested: ${problems.join('; ')}`);
        print('    InService, settings as requested');
      },
    },
  ];
  const stop: FollowUpStep = {
    title: `Stop ${notebookName}${data ? ' to put its own lifecycle configuration and code repositories back' : ': it was not running when the workflow took the snapshot'}`,
    commands: [aws('stop-notebook-instance'), aws('wait notebook-instance-stopped')],
    run: async () => {
      await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: notebookName }));
      await waitForStatus('Stopped', 'StopNotebookInstance');
    },
  };
  if (!data) {
    // CreateNotebookInstance always starts the notebook; it was not running before.
    return plan.wasRunning ? steps : [...steps, stop];
  }

  const prefix = store.location.snapshotPrefix;
  const attempt = restoreLayout(prefix, data.attempt);
  const s3 = (key: string) => shellWord(store.uri(key));
  const restoreMinutes =
    options.waitMinutes ?? Math.ceil(dataWaitFor(plan.settings.VolumeSizeInGB ?? 5).budgetSeconds / 60);
  steps.push({
    title: `Wait for restore attempt ${data.attempt} to complete, and check the volume is the backup's`,
    commands: [
      `aws s3 ls ${s3(attempt.status.prefix)}${regionFlag(region)}   # complete, or failed`,
      `aws s3 cp ${s3(attempt.status.failed)} -${regionFlag(region)}   # the reason, if failed`,
      `diff <(aws s3 cp ${s3(snapshotLayout(prefix).manifest)} -${regionFlag(region)}) <(aws s3 cp ${s3(attempt.manifest)} -${regionFlag(region)}) && echo identical`,
    ],
    run: async () => {
      const outcome = await poll(restoreMinutes, async (first) => {
        const status = await store.statusOf(attempt.status);
        if (status === 'pending' && first) print(`    waiting for ${store.uri(attempt.status.prefix)}`);
        return status === 'pending' ? undefined : status;
      });
      if (outcome === undefined) {
        throw new Refusal(
          `restore attempt ${data.attempt} wrote no status in ${plural(restoreMinutes, 'minute')} (--wait-minutes): it is still copying, or it could not start. Its log is /var/log/notebook-restore.log on the instance, and CloudWatch /aws/sagemaker/NotebookInstances ${notebookName}/LifecycleConfigOnCreate`,
        );
      }
      if (outcome === 'failed') {
        throw new RestoreFailed(
          `restore attempt ${data.attempt} failed: ${await store.failureReason(attempt.status)}`,
        );
      }
      if (outcome === 'ambiguous') {
        throw new RestoreFailed(
          `restore attempt ${data.attempt} left an ambiguous status (both complete and failed, or other keys) under ${store.uri(attempt.status.prefix)}`,
        );
      }
      const restored = await store.readRestoreSummary(attempt.status);
      const problems = await restoreDifferences(store, data.attempt, data.backup, restored);
      if (problems.length > 0) {
        throw new Refusal(
          `the restored volume is not the backup's: ${problems.join('; ')}. The lifecycle configuration stays the restore one; see /var/log/notebook-restore.log on the instance`,
        );
      }
      print(
        `    ${plural(restored.files, 'file')}, ${restored.totalBytes} bytes, ${restored.entries} ${restored.entries === 1 ? 'entry' : 'entries'} restored and verified (manifest SHA-256 ${restored.manifestSha256.slice(0, 12)}…)`,
      );
    },
  });
  steps.push(stop);
  if (finalUpdate) {
    steps.push({
      title: `Put back ${finalUpdate.LifecycleConfigName ? `lifecycle configuration ${finalUpdate.LifecycleConfigName}` : 'no lifecycle configuration (it had none)'}${finalUpdate.DefaultCodeRepository ? ' and its code repositories' : ''}`,
      commands: [
        updateCommand(aws('update-notebook-instance'), finalUpdate),
        aws('wait notebook-instance-stopped'),
      ],
      run: async () => {
        await sagemaker.send(new UpdateNotebookInstanceCommand(finalUpdate));
        await waitForStatus('Stopped', 'UpdateNotebookInstance');
      },
    });
  }
  if (plan.wasRunning) {
    steps.push({
      title: `Start ${notebookName} again: it was running when the workflow took the snapshot`,
      commands: [aws('start-notebook-instance'), aws('wait notebook-instance-in-service')],
      run: async () => {
        await sagemaker.send(new StartNotebookInstanceCommand({ NotebookInstanceName: notebookName }));
        await waitForStatus('InService', 'StartNotebookInstance');
      },
    });
  }
  return steps;
}

export function printSteps(steps: readonly FollowUpStep[], out: (line: string) => void): void {
  for (const [index, step] of steps.entries()) {
    out(`  ${index + 1}. ${step.title}`);
    for (const command of step.commands) out(`       ${command}`);
  }
}
