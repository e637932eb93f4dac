/**
 * What the restore tool will do, worked out before it changes anything: the CreateNotebookInstance
 * request, the restore request with this run's own attempt id, and the UpdateNotebookInstance that puts
 * the notebook's own lifecycle configuration and code repositories back once the data is.
 */
import type { UpdateNotebookInstanceCommandInput } from '@aws-sdk/client-sagemaker';
import type { ConfigurationSnapshot } from '../../handlers/shared/configuration-snapshot.js';
import {
  type BackupRequest,
  RESTORE_ATTEMPT_PATTERN,
  type StatusSummary,
} from '../../handlers/shared/notebook-backup-layout.js';
import {
  buildCreateNotebookRequest,
  failingNotebookControls,
  type NotebookSettings,
  RECREATED_BY_TAG,
  settingChanges,
  withoutUndefined,
} from '../../handlers/shared/notebook-recreation.js';
import { isRunningStatus } from '../../handlers/shared/remediation-plan.js';
import type { RestoreOptions } from './arguments.js';
import { Refusal } from './refusal.js';
import { plural } from './shell.js';

/** Written into restore-request.json and the recreated-by tag, so the audit trail names this tool. */
export const RESTORE_REQUESTED_BY = 'restore-notebook';

/**
 * This run's restore attempt id, `restore-<UTC time to the second>`: never an execution's name (the
 * workflow's attempt), and new on every run, as the restore script refuses an id already used.
 */
export function restoreAttemptId(now: Date): string {
  const compact = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const attempt = `restore-${compact}`;
  if (!RESTORE_ATTEMPT_PATTERN.test(attempt)) throw new Error(`invalid restore attempt id ${attempt}`);
  return attempt;
}

export interface DataRestore {
  /** What the backup wrote (backup-status/complete): the restore must match it. */
  readonly backup: StatusSummary;
  readonly restoreLifecycleConfig: string;
  readonly attempt: string;
  readonly requestKey: string;
  readonly request: BackupRequest;
}

export interface RestorePlan {
  readonly notebookName: string;
  /** The settings chosen (original or planned), under the name it is created with. */
  readonly settings: NotebookSettings;
  readonly createSettings: NotebookSettings;
  readonly createRequest: Record<string, unknown>;
  readonly data?: DataRestore;
  /** UpdateNotebookInstance after the data is back: the lifecycle configuration and code repositories. */
  readonly finalUpdate?: UpdateNotebookInstanceCommandInput;
  /** The run state to return to: the snapshot's status. */
  readonly wasRunning: boolean;
}

export function buildPlan(
  snapshot: ConfigurationSnapshot,
  chosen: NotebookSettings,
  notebookName: string,
  data: DataRestore | undefined,
): RestorePlan {
  const settings: NotebookSettings = { ...chosen, NotebookInstanceName: notebookName };
  // Restoring data: no code repositories at creation (a clone would collide with the restored files,
  // which the script never overwrites) and the restore lifecycle configuration; both put back after.
  const createSettings: NotebookSettings = {
    ...settings,
    NotebookInstanceLifecycleConfigName: undefined,
    ...(data ? { DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined } : {}),
  };
  let createRequest: Record<string, unknown>;
  try {
    createRequest = buildCreateNotebookRequest(createSettings, {
      lifecycleConfigName: data ? data.restoreLifecycleConfig : settings.NotebookInstanceLifecycleConfigName,
      tags: snapshot.tags,
      recreatedBy: RESTORE_REQUESTED_BY,
    });
  } catch (error) {
    throw new Refusal(`refused: ${(error as Error).message}`);
  }
  const finalUpdate: UpdateNotebookInstanceCommandInput | undefined = data
    ? withoutUndefined<UpdateNotebookInstanceCommandInput>({
        NotebookInstanceName: notebookName,
        ...(settings.NotebookInstanceLifecycleConfigName
          ? { LifecycleConfigName: settings.NotebookInstanceLifecycleConfigName }
          : { DisassociateLifecycleConfig: true }),
        DefaultCodeRepository: settings.DefaultCodeRepository,
        AdditionalCodeRepositories: settings.AdditionalCodeRepositories?.length
          ? [...settings.AdditionalCodeRepositories]
          : undefined,
      })
    : undefined;
  return {
    notebookName,
    settings,
    createSettings,
    createRequest,
    ...(data ? { data } : {}),
    ...(finalUpdate ? { finalUpdate } : {}),
    wasRunning: isRunningStatus(snapshot.status),
  };
}

/** The plan in words, before anything changes (and all of a dry run). */
export function printPlan(
  print: (line: string) => void,
  options: RestoreOptions,
  snapshot: ConfigurationSnapshot,
  plan: RestorePlan,
  location: string,
): void {
  const { settings, data } = plan;
  const line = (label: string, text: string) => print(`  ${`${label}:`.padEnd(14)}${text}`);
  print(`${options.dryRun ? 'Dry run: would restore' : 'Restoring'} notebook instance ${plan.notebookName}`);
  line('Snapshot', `${location} (taken ${snapshot.takenAt} by ${snapshot.executionArn})`);
  if (options.roleArn) line('Calls as', `${options.roleArn} (STS AssumeRole with your credentials)`);
  if (options.settings === 'planned') {
    const changes = settingChanges(snapshot.notebook, snapshot.plannedSettings).map(
      (change) => `${change.field} ${change.from} -> ${change.to}`,
    );
    line(
      'Settings',
      `planned: with the fixes for ${snapshot.fixes.join(', ') || 'nothing'}${changes.length > 0 ? ` (${changes.join('; ')})` : ''}`,
    );
  } else {
    const failing = failingNotebookControls(settings);
    line(
      'Settings',
      `original: exactly as before the workflow${failing.length > 0 ? ` (so it fails ${failing.join(', ')} again)` : ''}`,
    );
  }
  if (plan.notebookName !== snapshot.notebook.NotebookInstanceName) {
    line('Name', `${plan.notebookName} (the snapshot is of ${snapshot.notebook.NotebookInstanceName})`);
  }
  line(
    'Data',
    data
      ? `${plural(data.backup.files, 'file')}, ${data.backup.directories} ${data.backup.directories === 1 ? 'directory' : 'directories'}, ${plural(data.backup.symlinks, 'symlink')}, ${data.backup.totalBytes} bytes (backed up ${data.backup.completedAt}), copied back by lifecycle configuration ${data.restoreLifecycleConfig} as restore attempt ${data.attempt}`
      : 'none: the recreation accepted data loss (configuration.json names no restore lifecycle configuration), so the volume starts empty',
  );
  const tags = snapshot.tags
    .filter((tag) => tag.Key !== RECREATED_BY_TAG)
    .map((tag) => `${tag.Key}=${tag.Value}`);
  line(
    'Tags',
    `${tags.length > 0 ? tags.join(', ') : '(none)'}, plus ${RECREATED_BY_TAG}=${RESTORE_REQUESTED_BY}`,
  );
  const repositories = [
    settings.DefaultCodeRepository,
    ...(settings.AdditionalCodeRepositories ?? []),
  ].filter((repository): repository is string => repository !== undefined);
  line(
    'Afterwards',
    `lifecycle configuration ${settings.NotebookInstanceLifecycleConfigName ?? '(none)'}; code repositories ${repositories.join(', ') || '(none)'}; ${plan.wasRunning ? 'running' : 'stopped'}, as when the snapshot was taken (${snapshot.status})`,
  );
}
