/**
 * The backup is a point-in-time image of the volume (issue: "Silent data loss in the backup"). The backup's
 * OnStart script copies the volume while the notebook is InService, and the workflow stops the notebook
 * only once the copy's status lands. A user who saved in that window used to lose the save without anyone
 * knowing: the copy had already listed the volume, the recreated notebook had the old version, and the
 * finding said "data kept". Now the script makes the volume read-only before the notebook is InService, so
 * the save fails in front of the user (EROFS), and the snapshot is the volume as it is at the stop.
 *
 * Failed before the fix: run against the scripts of the last commit (lifecycle/*.sh from `git show HEAD:`
 * into a copy of the tree, this test and the simulation as they are now), the first test fails at its
 * first data assertion: both saves land ('saved') after the copy listed the volume, and the recreated
 * notebook lacks them, so `lostUnseen` is ['analysis.ipynb', 'results/new.csv'], not []. The second test
 * passes there too (without a freeze the saves land anyway): it guards the freeze being lifted, and fails
 * (saves 'EROFS') when the current scripts' `finish` does not call `thaw`.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { FILES, findingsFor, givenExposedNotebook, whenImportedAndClicked } from './recreation-fixtures.js';
import { alerts, changesMade, findingNow, NOTEBOOK, notebookNow } from './workflow-fixtures.js';

const SAVED_BEFORE = '{"cells": ["saved while the plan waited for approval"]}\n';
const SAVED_DURING_COPY = '{"cells": ["saved while the backup copy was in flight"]}\n';

/** What the user saw while the backup copy was in flight, and the volume when the workflow stopped it. */
interface DuringBackup {
  /** The notebook's status, the backup script's configuration, and the backup statuses landed, at the saves. */
  readonly statusAtSaves: string | undefined;
  readonly scriptConfiguration: string;
  readonly backupStatusKeysAtSaves: number;
  /** The error code of each save, or 'saved'. */
  readonly saves: Record<string, string>;
  /** The volume when the notebook stopped being InService after the backup. */
  readonly volumeAtStop: Record<string, string>;
}

/** The backup-status keys that have landed in the snapshot bucket so far. */
function backupStatusKeys(deployment: LocalDeployment): number {
  const listed = deployment.account.s3.listObjectsV2({ Bucket: deployment.backupBucket, Prefix: 'roles/' });
  return (listed.Contents ?? []).filter((object) => object.Key?.includes('/backup-status/')).length;
}

function saveOutcome(save: () => void): string {
  try {
    save();
    return 'saved';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/**
 * A user of the notebook: saves a new version during the approval wait, then, as soon as the backup's
 * OnStart script has run (the copy in flight, the notebook InService), saves a newer version and creates a
 * file; then notes the volume once the workflow has stopped the notebook.
 */
async function userOfTheNotebook(deployment: LocalDeployment): Promise<DuringBackup | undefined> {
  const { sagemaker, clock } = deployment.account;
  await clock.sleep(10 * 60_000);
  sagemaker.userWrite(NOTEBOOK, 'analysis.ipynb', SAVED_BEFORE);
  // Checks every 5 simulated seconds, for at most 6 hours.
  for (let checks = 0; checks < 4_320; checks += 1) {
    await clock.sleep(5_000);
    const backup = sagemaker.lifecycleRuns(NOTEBOOK).find((run) => run.hook === 'OnStart');
    if (backup === undefined) continue;
    const statusAtSaves = sagemaker.statusOf(NOTEBOOK);
    const backupStatusKeysAtSaves = backupStatusKeys(deployment);
    const saves = {
      'analysis.ipynb': saveOutcome(() => sagemaker.userWrite(NOTEBOOK, 'analysis.ipynb', SAVED_DURING_COPY)),
      'results/new.csv': saveOutcome(() => sagemaker.userWrite(NOTEBOOK, 'results/new.csv', 'x,y\n3,4\n')),
    };
    while (sagemaker.statusOf(NOTEBOOK) === 'InService') await clock.sleep(5_000);
    return {
      statusAtSaves,
      scriptConfiguration: backup.lifecycleConfigName,
      backupStatusKeysAtSaves,
      saves,
      volumeAtStop: sagemaker.volumeFiles(NOTEBOOK),
    };
  }
  return undefined;
}

describe('a consistent backup', () => {
  it('Given a running notebook whose recreation is approved, When a user saves a new version of a notebook and creates a file while the backup copy is in flight, Then both saves fail with EROFS, nothing is lost unseen, the recreated volume equals the volume at the stop, and the finding is RESOLVED with its data kept', async () => {
    // Given a notebook standing for 1.6 GB, so that its copy is in flight for about a minute
    const { deployment: target } = givenExposedNotebook({ notebook: { modelledVolumeBytes: 1_600_000_000 } });
    const findings = findingsFor(['SageMaker.1']);
    const user = userOfTheNotebook(target);

    // When
    const executions = await whenImportedAndClicked(target, findings, [
      { action: 'approve', afterMinutes: 30 },
    ]);
    const seen = await user;

    // Then no save that was accepted is missing from the recreated notebook: each was refused or kept
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    const recreated = target.account.sagemaker.volumeFiles(NOTEBOOK);
    const written: Record<string, string> = {
      'analysis.ipynb': SAVED_DURING_COPY,
      'results/new.csv': 'x,y\n3,4\n',
    };
    const lostUnseen = Object.entries(seen?.saves ?? {})
      .filter(([path, outcome]) => outcome === 'saved' && recreated[path] !== written[path])
      .map(([path]) => path);
    expect(lostUnseen).toEqual([]);
    // And the approval request told ops the notebook would be read-only
    const request = alerts(target).find(
      (alert) => alert.MessageAttributes?.outcome?.StringValue === 'AWAITING_APPROVAL',
    );
    expect(request?.Message).toContain(
      'The notebook is read-only from the start of its backup until it is stopped (the new one until its data is back).',
    );
    // And the saves came while the copy was in flight on the notebook InService, and were refused
    expect(seen).toMatchObject({
      statusAtSaves: 'InService',
      scriptConfiguration: target.notebookData().backupLifecycleConfigName,
      backupStatusKeysAtSaves: 0,
      saves: { 'analysis.ipynb': 'EROFS', 'results/new.csv': 'EROFS' },
    });
    // And the volume at the stop is the one before the copy, with the save made before it
    const atStop = { ...FILES, 'analysis.ipynb': SAVED_BEFORE };
    expect(seen?.volumeAtStop).toEqual(atStop);
    // And the recreated notebook has exactly that volume, and the finding says so truthfully
    expect(recreated).toEqual(atStop);
    const finding = findingNow(target, findings[0] as AwsSecurityFinding);
    expect(finding.Workflow?.Status).toBe('RESOLVED');
    expect(finding.Note?.Text).toContain('with its settings, tags and data kept (3 files verified)');
    // And once the workflow has stopped it and started it again, the volume is writable
    expect(notebookNow(target).NotebookInstanceStatus).toBe('InService');
    target.account.sagemaker.userWrite(NOTEBOOK, 'analysis.ipynb', SAVED_DURING_COPY);
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)['analysis.ipynb']).toBe(SAVED_DURING_COPY);
  });

  it('Given a running notebook whose recreation is approved, When the backup copy fails (its archive upload refused) and a user saves meanwhile, Then the script has lifted the freeze: the saves land, nothing is deleted and the notebook keeps them', async () => {
    // Given
    const { deployment: target } = givenExposedNotebook({ notebook: { modelledVolumeBytes: 1_600_000_000 } });
    target.account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = 'data/archive.tar';
    const findings = findingsFor(['SageMaker.1']);
    const user = userOfTheNotebook(target);

    // When
    const [execution] = await whenImportedAndClicked(target, findings, [
      { action: 'approve', afterMinutes: 30 },
    ]);
    const seen = await user;

    // Then the saves on the InService notebook landed: a failed backup holds nothing read-only
    expect(execution?.error).toBe('DataBackupFailed');
    expect(seen).toMatchObject({
      statusAtSaves: 'InService',
      saves: { 'analysis.ipynb': 'saved', 'results/new.csv': 'saved' },
    });
    // And the notebook was not deleted, and has them
    expect(changesMade(target)).not.toContain('DeleteNotebookInstance');
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual({
      ...FILES,
      'analysis.ipynb': SAVED_DURING_COPY,
      'results/new.csv': 'x,y\n3,4\n',
    });
  });
});
