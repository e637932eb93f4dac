/**
 * The commands the restore tool prints for a person to paste: AWS CLI steps it did not do (no --wait,
 * or a failure part of the way), the deletes it never does itself, and itself again for a retry.
 */
import type { UpdateNotebookInstanceCommandInput } from '@aws-sdk/client-sagemaker';
import { RESTORE_TOOL, snapshotUri } from '../../handlers/shared/restore-command.js';
import type { RestoreOptions } from './arguments.js';
import { placementArguments } from './placement.js';

/** Arguments as a shell takes them: the printed commands must paste as they are. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** `aws sagemaker <command> --notebook-instance-name <name> [--region <region>]`. */
export function notebookCommand(command: string, name: string, region: string | undefined): string {
  return `aws sagemaker ${command} --notebook-instance-name ${shellWord(name)}${regionFlag(region)}`;
}

export function regionFlag(region: string | undefined): string {
  return region ? ` --region ${shellWord(region)}` : '';
}

/** Deleting a notebook that is `status` now: only a Stopped or Failed one can be deleted. */
export function deleteCommands(name: string, status: string, region: string | undefined): string[] {
  const aws = (command: string) => notebookCommand(command, name, region);
  const stop = [aws('stop-notebook-instance'), aws('wait notebook-instance-stopped')];
  let settle: string[] = [];
  if (status === 'InService') settle = stop;
  else if (status !== 'Stopped' && status !== 'Failed') {
    // Pending, Updating, Stopping: it must settle before it can be stopped or deleted.
    settle = [`(it is ${status} now: let it settle; stop it if it becomes InService)`, ...stop];
  }
  return [...settle, aws('delete-notebook-instance'), aws('wait notebook-instance-deleted')];
}

/** The AWS CLI form of the final UpdateNotebookInstance. */
export function updateCommand(base: string, update: UpdateNotebookInstanceCommandInput): string {
  const parts = [base];
  if (update.LifecycleConfigName)
    parts.push(`--lifecycle-config-name ${shellWord(update.LifecycleConfigName)}`);
  if (update.DisassociateLifecycleConfig) parts.push('--disassociate-lifecycle-config');
  if (update.DefaultCodeRepository)
    parts.push(`--default-code-repository ${shellWord(update.DefaultCodeRepository)}`);
  if (update.AdditionalCodeRepositories?.length) {
    parts.push(
      `--additional-code-repositories ${update.AdditionalCodeRepositories.map(shellWord).join(' ')}`,
    );
  }
  return parts.join(' ');
}

/** This tool's command line for the same restore, to run again once the cause of a failure is fixed. */
export function rerunCommand(options: RestoreOptions): string {
  const { bucket, snapshotPrefix } = options.snapshot;
  const parts = ['--snapshot', snapshotUri(bucket, snapshotPrefix)];
  if (options.settings !== 'original') parts.push('--settings', options.settings);
  if (options.name) parts.push('--name', options.name);
  parts.push(...placementArguments(options));
  if (options.wait) parts.push('--wait');
  if (options.waitMinutes !== undefined) parts.push('--wait-minutes', String(options.waitMinutes));
  return `${RESTORE_TOOL} ${parts.map(shellWord).join(' ')}`;
}
