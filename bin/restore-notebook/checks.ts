/**
 * What the restore tool checks before it writes anything: no notebook by that name (it never
 * overwrites one), the restore lifecycle configuration that configuration.json names is this bucket's,
 * the notebook's own lifecycle configuration and code repositories still exist (they are put back at
 * the end), and its role still has the id the snapshot prefix is under (the restore script looks there).
 */
import { GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeCodeRepositoryCommand,
  DescribeNotebookInstanceCommand,
  type DescribeNotebookInstanceCommandOutput,
  DescribeNotebookInstanceLifecycleConfigCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { errorName, isSageMakerNotFound } from '../../handlers/shared/aws-errors.js';
import type { ConfigurationSnapshot } from '../../handlers/shared/configuration-snapshot.js';
import { NOTEBOOK_ROLE_SESSION_NAME } from '../../handlers/shared/notebook-backup-layout.js';
import { type NotebookSettings, SAGEMAKER_NAME_PATTERN } from '../../handlers/shared/notebook-recreation.js';
import type { SnapshotLocation } from '../../handlers/shared/restore-command.js';
import { EXIT_USAGE } from './arguments.js';
import { Refusal } from './refusal.js';
import { deleteCommands, notebookCommand } from './shell.js';

export interface CheckClients {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly iam: Pick<IAMClient, 'send'>;
}

export async function describeNotebook(
  sagemaker: Pick<SageMakerClient, 'send'>,
  name: string,
): Promise<DescribeNotebookInstanceCommandOutput | undefined> {
  try {
    return await sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }));
  } catch (error) {
    if (isSageMakerNotFound(error)) return undefined;
    throw error;
  }
}

/** Refuses when a notebook of that name exists, saying why and the ways forward. */
export async function checkNameFree(
  sagemaker: Pick<SageMakerClient, 'send'>,
  name: string,
  hasData: boolean,
  region: string | undefined,
): Promise<void> {
  const existing = await describeNotebook(sagemaker, name);
  if (!existing) return;
  const status = existing.NotebookInstanceStatus ?? 'Unknown';
  if (status === 'Deleting') {
    throw new Refusal(
      `refused: notebook instance ${name} is being deleted: wait until it is gone, then run this again:\n      ${notebookCommand('wait notebook-instance-deleted', name, region)}`,
    );
  }
  throw new Refusal(
    [
      `refused: notebook instance ${name} already exists (${status}, ${existing.NotebookInstanceArn ?? 'no ARN'}). This tool never overwrites a notebook. Either:`,
      '  - delete it, if it is an incomplete recreation or restore nobody needs (deleting destroys its volume: check nothing on it is needed), then run this again:',
      ...deleteCommands(name, status, region).map((command) => `      ${command}`),
      hasData
        ? '  - (--name <new name> restores beside it only for a snapshot without data: the restore script only restores a snapshot into a notebook of the same name.)'
        : '  - or restore beside it under another name: add --name <new name>.',
    ].join('\n'),
  );
}

/**
 * The restore lifecycle configuration configuration.json names must exist, be the restore script,
 * and restore from this bucket (the stack bakes its bucket into the script): another bucket's would
 * never find the request, and the wait would only time out.
 */
export async function checkRestoreLifecycleConfig(
  sagemaker: Pick<SageMakerClient, 'send'>,
  name: string,
  bucket: string,
): Promise<void> {
  let onCreate: string | undefined;
  try {
    const config = await sagemaker.send(
      new DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }),
    );
    onCreate = config.OnCreate?.[0]?.Content;
  } catch (error) {
    if (!isSageMakerNotFound(error)) throw error;
    throw new Refusal(
      `refused: configuration.json names the restore lifecycle configuration ${name}, which no longer exists: the stack that took the snapshot must be deployed in this account and region (its restore configuration copies the data back)`,
    );
  }
  const script = onCreate === undefined ? '' : Buffer.from(onCreate, 'base64').toString('utf8');
  // What lifecycle/restore-on-create.sh reads and where, as the stack deploys it (lifecycle-scripts.ts).
  if (!script.includes('read_request restore') || !script.includes(`BACKUP_BUCKET:-${bucket}}`)) {
    throw new Refusal(
      `lifecycle configuration ${name} (named by configuration.json) does not restore from bucket ${bucket}: the snapshot URI names another bucket than the one this deployment restores from. Use the --snapshot URI of the finding note. Nothing was changed.`,
      EXIT_USAGE,
    );
  }
}

/**
 * The original lifecycle configuration and named code repositories are attached at the end (or at
 * creation): one that is gone would fail there, after the notebook exists. Say so up front, with what
 * configuration.json keeps to recreate it.
 */
export async function checkOriginalResources(
  sagemaker: Pick<SageMakerClient, 'send'>,
  snapshot: ConfigurationSnapshot,
  settings: NotebookSettings,
): Promise<void> {
  const lifecycle = settings.NotebookInstanceLifecycleConfigName;
  if (lifecycle) {
    try {
      await sagemaker.send(
        new DescribeNotebookInstanceLifecycleConfigCommand({
          NotebookInstanceLifecycleConfigName: lifecycle,
        }),
      );
    } catch (error) {
      if (!isSageMakerNotFound(error)) throw error;
      throw new Refusal(
        `refused: the notebook's lifecycle configuration ${lifecycle} no longer exists. configuration.json keeps its scripts (lifecycleConfig.onCreate and onStart, base64): recreate it with aws sagemaker create-notebook-instance-lifecycle-config --notebook-instance-lifecycle-config-name ${lifecycle} --on-create Content=<onCreate> --on-start Content=<onStart>, then run this again`,
      );
    }
  }
  const repositories = [settings.DefaultCodeRepository, ...(settings.AdditionalCodeRepositories ?? [])];
  for (const repository of repositories) {
    // A name is a repository of the account; a Git URL needs nothing created.
    if (repository === undefined || !SAGEMAKER_NAME_PATTERN.test(repository)) continue;
    try {
      await sagemaker.send(new DescribeCodeRepositoryCommand({ CodeRepositoryName: repository }));
    } catch (error) {
      if (!isSageMakerNotFound(error)) throw error;
      const kept = snapshot.codeRepositories.find((entry) => entry.name === repository);
      const git = kept
        ? ` --git-config RepositoryUrl=${kept.repositoryUrl}${kept.branch ? `,Branch=${kept.branch}` : ''}${kept.secretArn ? `,SecretArn=${kept.secretArn}` : ''}`
        : ' --git-config RepositoryUrl=<url>';
      throw new Refusal(
        `refused: the notebook's code repository ${repository} no longer exists: recreate it with aws sagemaker create-code-repository --code-repository-name ${repository}${git}, then run this again`,
      );
    }
  }
}

/**
 * The restore script finds its request under `roles/<its role's id>:SageMaker/`: a role deleted and
 * created again under the same name has a new id, and would never find this snapshot.
 */
export async function checkRoleId(
  iam: Pick<IAMClient, 'send'>,
  roleArn: string,
  location: SnapshotLocation,
): Promise<void> {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  let roleId: string | undefined;
  try {
    roleId = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.RoleId;
  } catch (error) {
    if (errorName(error) !== 'NoSuchEntity') throw error;
  }
  if (roleId === location.roleId) return;
  throw new Refusal(
    `refused: the notebook's role ${roleArn} ${roleId ? `now has the id ${roleId}` : 'no longer exists'}, and the snapshot is under its old id ${location.roleId} (roles/${location.roleId}:${NOTEBOOK_ROLE_SESSION_NAME}/): a notebook with this role would never find it. Recreate the notebook by hand from configuration.json, and copy the data out of data/archive.tar yourself (docs/restore.md, Refusals)`,
  );
}
