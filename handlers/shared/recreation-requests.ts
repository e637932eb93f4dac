/**
 * What the snapshot step (handlers/snapshot-notebook.ts) hands the state machine once configuration.json
 * is verified: the exact requests that recreate the notebook, where the scripts leave their status, how
 * long to wait for them, and what the pre-flight checks. Pure: built from what the handler read.
 *
 * Also the errors the step throws; the state machine catches them by name.
 */
import type { DataWait } from './data-wait.js';
import { restoreLayout, type StatusKeys, snapshotLayout } from './notebook-backup-layout.js';
import {
  buildCreateNotebookRequest,
  type NotebookSettings,
  type Tag,
  withoutUndefined,
} from './notebook-recreation.js';
import type { SnapshotResult } from './remediation-plan.js';
import { type RestorePlacement, restoreCommandFor } from './restore-command.js';

/** Code repositories left out of the CreateNotebookInstance request, for UpdateNotebookInstance after the restore. */
export interface CodeRepositoriesToRestore {
  readonly DefaultCodeRepository?: string;
  readonly AdditionalCodeRepositories?: readonly string[];
}

/** What the pre-flight checks before anything changes: the new notebook's subnet, groups and key. */
export interface PreflightTargets {
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
  /** The number of groups, which a Choice state compares with the number DescribeSecurityGroups found. */
  readonly securityGroupCount: number;
  readonly kmsKeyId?: string;
}

export type SnapshotNotebookResult = SnapshotResult & {
  /** Whether the data on the volume is copied and restored (false: every immutable fix is in acceptDataLoss). */
  readonly keepData: boolean;
  /** Empty when the create request already has them (data not kept, or no repositories). */
  readonly codeRepositoriesToRestore: CodeRepositoriesToRestore;
  /** UpdateNotebookInstance that puts the original lifecycle configuration back (or none). */
  readonly lifecycleRestoreRequest: Readonly<Record<string, unknown>>;
  /** UpdateNotebookInstance for the recreated notebook once its data is back: lifecycle and repositories. */
  readonly finalUpdateRequest: Readonly<Record<string, unknown>>;
  /** Where the backup and the restore scripts leave their status (listed by the state machine). */
  readonly backupStatus: StatusKeys;
  readonly restoreStatus: StatusKeys;
  /** The workflow's own restore of the snapshot (the restore tool's attempts have other ids). */
  readonly restoreAttempt: string;
  /** How long the state machine waits for each of the two copies, from the volume's size. */
  readonly dataWait: DataWait;
  readonly preflight: PreflightTargets;
  /**
   * Only when the recreation took the notebook's lock over from an execution that had ended: a
   * sentence saying so, for the finding's note (at most 179 characters).
   */
  readonly lockTakeover?: string;
};

/** The deployment lacks what the recreation needs; the message says what to configure. */
export class RecreationNotConfigured extends Error {
  override readonly name = 'RecreationNotConfigured';
}

/** The notebook no longer fails any control that only a recreation fixes: nothing to do. */
export class RecreationNotNeeded extends Error {
  override readonly name = 'RecreationNotNeeded';
}

/** The recreation cannot be done safely with what there is (a volume too large to copy in time). */
export class RecreationTargetUnusable extends Error {
  override readonly name = 'RecreationTargetUnusable';
}

/** An in-place fix holds the notebook's lock: the state machine retries this step later. */
export class NotebookBusy extends Error {
  override readonly name = 'NotebookBusy';
}

/** configuration.json did not read back as written: nothing may be deleted. */
export class SnapshotNotVerified extends Error {
  override readonly name = 'SnapshotNotVerified';
  readonly problems: readonly string[];

  constructor(location: string, problems: readonly string[]) {
    super(`Snapshot ${location} not verified: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** `2026-11-23T09:00:00.000Z` -> `20261123T090000Z`. */
export function compactUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** UpdateNotebookInstance putting a lifecycle configuration back, or removing any when there was none. */
export function lifecycleRequest(
  notebookName: string,
  lifecycleConfigName: string | undefined,
): Record<string, unknown> {
  return lifecycleConfigName
    ? { NotebookInstanceName: notebookName, LifecycleConfigName: lifecycleConfigName }
    : { NotebookInstanceName: notebookName, DisassociateLifecycleConfig: true };
}

export interface RecreationInput {
  /** The notebook as Describe reports it now. */
  readonly notebook: NotebookSettings;
  /** The settings the recreation creates it with (planRecreation). */
  readonly planned: NotebookSettings;
  readonly keepData: boolean;
  readonly tags: readonly Tag[];
  /** The notebook's data bucket: its own account's and Region's (notebook-data-placement.ts). */
  readonly bucket: string;
  readonly snapshotPrefix: string;
  /** The restore's attempt id: the execution's name. */
  readonly restoreAttempt: string;
  /** The lifecycle configuration whose OnCreate script restores the data. */
  readonly restoreLifecycleConfigName: string;
  readonly dataWait: DataWait;
  /** sha256 of configuration.json as written and read back. */
  readonly configurationDigest: string;
  /**
   * Where the notebook is, and where the deployment is: the restore command names the account, Region
   * and a role to act as there when they are not the deployment's own.
   */
  readonly placement?: RestorePlacement;
}

/**
 * The replacement and everything around it. Keeping the data: the restore lifecycle configuration, and
 * no code repositories (a clone at creation would collide with the restored files; they come back
 * with the original lifecycle configuration once the data is restored).
 */
export function recreationRequests(input: RecreationInput): SnapshotNotebookResult {
  const { notebook, planned, keepData } = input;
  const createSettings: NotebookSettings = {
    ...planned,
    NotebookInstanceLifecycleConfigName: undefined,
    ...(keepData ? { DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined } : {}),
  };
  const createRequest = buildCreateNotebookRequest(createSettings, {
    lifecycleConfigName: keepData
      ? input.restoreLifecycleConfigName
      : notebook.NotebookInstanceLifecycleConfigName,
    tags: input.tags,
    recreatedBy: input.restoreAttempt,
  });
  const codeRepositoriesToRestore: CodeRepositoriesToRestore = keepData
    ? withoutUndefined<CodeRepositoriesToRestore>({
        DefaultCodeRepository: planned.DefaultCodeRepository,
        AdditionalCodeRepositories: planned.AdditionalCodeRepositories?.length
          ? [...planned.AdditionalCodeRepositories]
          : undefined,
      })
    : {};
  const create = createRequest as { SubnetId?: string; SecurityGroupIds?: string[]; KmsKeyId?: string };
  const putBackLifecycle = lifecycleRequest(
    planned.NotebookInstanceName,
    notebook.NotebookInstanceLifecycleConfigName,
  );
  return {
    snapshotPrefix: input.snapshotPrefix,
    configurationKey: snapshotLayout(input.snapshotPrefix).configuration,
    backupStatus: snapshotLayout(input.snapshotPrefix).backupStatus,
    restoreStatus: restoreLayout(input.snapshotPrefix, input.restoreAttempt).status,
    restoreAttempt: input.restoreAttempt,
    dataWait: input.dataWait,
    preflight: {
      subnetId: create.SubnetId ?? '',
      securityGroupIds: create.SecurityGroupIds ?? [],
      securityGroupCount: create.SecurityGroupIds?.length ?? 0,
      ...(create.KmsKeyId ? { kmsKeyId: create.KmsKeyId } : {}),
    },
    configurationDigest: input.configurationDigest,
    createRequest,
    originalLifecycleConfigName: notebook.NotebookInstanceLifecycleConfigName ?? '',
    // Exactly what the operator runs if the recreation fails after the delete (docs/restore.md).
    restoreCommand: restoreCommandFor(input.bucket, input.snapshotPrefix, input.placement),
    keepData,
    codeRepositoriesToRestore,
    lifecycleRestoreRequest: putBackLifecycle,
    finalUpdateRequest: { ...putBackLifecycle, ...codeRepositoriesToRestore },
  };
}
