/**
 * A recreation that fails: never a delete without a verified snapshot, never a lost snapshot, the
 * notebook back as it was where it can be, and every finding of the plan told what happened.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  deniedCalls,
  FILES,
  findingsFor,
  givenExposedNotebook,
  type TargetNetwork,
  whenImportedAndClicked,
} from './recreation-fixtures.js';
import {
  alertOutcomes,
  alerts,
  changesMade,
  findingNow,
  lockItems,
  NOTEBOOK,
  notebookNow,
  statesOf,
} from './workflow-fixtures.js';

const APPROVE_AFTER_5_MINUTES = [{ action: 'approve', afterMinutes: 5 }] as const;
const RESTORE_COMMAND = /npx tsx bin\/restore-notebook\.ts --snapshot s3:\/\/\S+\/roles\/\S+ --wait/;

/** The notebook as it was before: running, exposed, its own (no) lifecycle configuration, its data. */
function expectUntouched(target: LocalDeployment): void {
  expect(notebookNow(target)).toMatchObject({
    NotebookInstanceStatus: 'InService',
    DirectInternetAccess: 'Enabled',
  });
  expect(notebookNow(target).NotebookInstanceLifecycleConfigName).toBeUndefined();
  expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
}

describe('before the delete, the notebook is put back as it was', () => {
  it.each([
    'StopNotebookInstance',
    'UpdateNotebookInstance',
    'StartNotebookInstance',
    'DeleteNotebookInstance',
  ])(
    'Given an approved recreation, When %s fails for good, Then nothing is created, the notebook runs again with its own lifecycle configuration and data, and the finding says so',
    async (operation) => {
      const { deployment: target } = givenExposedNotebook();
      target.account.faults.failNext({ service: 'SageMaker', operation, code: 'InternalFailure', times: 6 });
      const findings = findingsFor(['SageMaker.1']);

      const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

      expect(plan?.status).toBe('FAILED');
      expect(changesMade(target)).not.toContain('CreateNotebookInstance');
      expectUntouched(target);
      expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('NOTIFIED');
      expect(lockItems(target)).toEqual([]);
      expect(deniedCalls(target)).toEqual([]);
    },
  );

  it('Given an approved recreation, When the backup fails on the instance (its archive upload refused), Then the workflow sees the failure marker at its next check, deletes nothing and puts the notebook back at once', async () => {
    const { deployment: target } = givenExposedNotebook();
    target.account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = 'data/archive.tar';
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(plan?.error).toBe('DataBackupFailed');
    expect(plan?.cause).toContain(
      'The backup on the notebook failed: cannot back up the volume: upload failed',
    );
    expect(plan?.cause).toContain('data/archive.tar An error occurred (AccessDenied)');
    const states = plan?.transitions ?? [];
    const started = states.find((transition) => transition.state === 'AwaitBackup')?.at.getTime() ?? 0;
    const seen = states.find((transition) => transition.state === 'AwaitBackupFailed')?.at.getTime() ?? 0;
    // The marker lands with the copy (seconds); one check later, not the whole 800 s budget.
    expect(seen - started).toBeLessThan(2 * 60_000);
    expect(statesOf(plan as never).filter((state) => state === 'AwaitBackupList').length).toBeLessThan(5);
    expect(changesMade(target)).not.toContain('DeleteNotebookInstance');
    expectUntouched(target);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toContain('DataBackupFailed');
  });

  it('Given an approved recreation, When nothing the backup writes ever reaches the bucket, Then it times out within its budget, deletes nothing and the notebook runs again', async () => {
    const { deployment: target } = givenExposedNotebook();
    // Every copy under the plan's snapshot (its prefix ends with the execution's name) fails: set once
    // the execution has started (within its first minute), well before the approval at 5 minutes.
    void target.account.clock.sleep(60_000).then(() => {
      const [started] = target.stateMachine.executions;
      if (started) target.account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = `${started.name}/`;
    });
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(plan?.error).toBe('DataBackupTimeout');
    expect(changesMade(target)).not.toContain('DeleteNotebookInstance');
    expectUntouched(target);
    expect(lockItems(target)).toEqual([]);
  });

  it('Given an approved recreation, When configuration.json cannot be written (S3 refuses), Then nothing changes at all and the finding names the error', async () => {
    const { deployment: target } = givenExposedNotebook();
    target.account.faults.failNext({
      service: 'S3',
      operation: 'PutObject',
      code: 'AccessDenied',
      times: 100,
    });
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(plan?.status).toBe('FAILED');
    expect(changesMade(target)).toEqual([]);
    expectUntouched(target);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toContain('AccessDenied');
    expect(lockItems(target)).toEqual([]);
  });
});

describe('the pre-flight check: nothing is deleted for a target that cannot be used', () => {
  it.each([
    [
      'its subnet was deleted',
      'Subnet',
      (t: LocalDeployment, n: TargetNetwork) => t.account.ec2.removeSubnet(n.subnetId),
    ],
    [
      'its security group was deleted',
      'Security groups',
      (t: LocalDeployment, n: TargetNetwork) => t.account.ec2.removeSecurityGroup(n.securityGroupId),
    ],
  ] as const)(
    'Given an approved recreation whose target %s, When it is prepared, Then nothing changes, the lock is released and every finding of the plan says nothing was changed',
    async (_case, noun, breakTarget) => {
      const { deployment: target, network } = givenExposedNotebook();
      breakTarget(target, network);
      const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);

      const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

      expect(plan?.status).toBe('SUCCEEDED');
      expect(statesOf(plan as never)).toContain('PrepareNothingChangedClosing');
      expect(changesMade(target)).toEqual([]);
      expectUntouched(target);
      for (const finding of findings) {
        const now = findingNow(target, finding);
        expect(now.Workflow?.Status).toBe('NOTIFIED');
        expect(now.Note?.Text).toContain('did not happen and nothing was changed (RecreationTargetUnusable)');
      }
      // The note points to the alert, which names what cannot be used
      expect(alerts(target).at(-1)?.Message).toContain(noun);
      expect(lockItems(target)).toEqual([]);
      expect(deniedCalls(target)).toEqual([]);
    },
  );

  it('Given a recreation into a customer managed key that was disabled while the plan waited, When it is prepared, Then nothing changes and the finding says the key cannot be used', async () => {
    const { deployment: target, network } = givenExposedNotebook({
      recreate: (n) => ({ targets: [{ ...n.target, kmsKeyId: n.key.arn }] }),
    });
    target.account.kms.setKeyState(network.key.arn, 'Disabled');
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(statesOf(plan as never)).toContain('PrepareNothingChangedClosing');
    expect(changesMade(target)).toEqual([]);
    expectUntouched(target);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      'did not happen and nothing was changed (RecreationTargetUnusable)',
    );
    const message = alerts(target).at(-1)?.Message ?? '';
    expect(message).toContain(network.key.arn);
    expect(message).toContain('Disabled');
    expect(lockItems(target)).toEqual([]);
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given a recreation into an enabled customer managed key, When it is approved, Then the new notebook is encrypted with it and no call is refused', async () => {
    const { deployment: target, network } = givenExposedNotebook({
      recreate: (n) => ({ targets: [{ ...n.target, kmsKeyId: n.key.arn }] }),
    });
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(plan?.status).toBe('SUCCEEDED');
    expect(notebookNow(target).KmsKeyId).toBe(network.key.arn);
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(deniedCalls(target)).toEqual([]);
  });
});

describe('after the delete, the snapshot is the way back', () => {
  it('Given an approved recreation of a notebook failing SageMaker.1 and .2, When the create fails for good after the delete, Then the snapshot is kept and both findings give the full restore command', async () => {
    const { deployment: target } = givenExposedNotebook();
    target.account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateNotebookInstance',
      code: 'InternalFailure',
      times: 6,
    });
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(plan?.status).toBe('FAILED');
    expect(target.account.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    for (const finding of findings) {
      const now = findingNow(target, finding);
      expect(now.Workflow?.Status).toBe('NOTIFIED');
      expect(now.Note?.Text).toMatch(RESTORE_COMMAND);
    }
    const keys = target.account.s3.keys(target.backupBucket);
    expect(keys.filter((key) => key.endsWith('/configuration.json'))).toHaveLength(1);
    expect(keys.filter((key) => key.endsWith('/data/archive.tar'))).toHaveLength(1);
    expect(keys.filter((key) => key.endsWith('/backup-status/complete'))).toHaveLength(1);
    expect(alerts(target).at(-1)?.Subject).toContain('ACTION NEEDED');
    expect(alertOutcomes(target)).toContain('FAILED');
    expect(lockItems(target)).toEqual([]);
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given an approved recreation, When the restore on the new notebook cannot read the archive, Then the workflow sees its failure marker, keeps the new notebook and the snapshot, and the finding gives the restore command', async () => {
    const { deployment: target } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1']);
    // Once the backup is done and the new notebook is being created, its restore's download is refused.
    const check = target.account.faults.check.bind(target.account.faults);
    target.account.faults.check = (service, operation, input) => {
      if (service === 'SageMaker' && operation === 'CreateNotebookInstance') {
        target.account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = 'data/archive.tar';
      }
      return check(service, operation, input);
    };

    const [plan] = await whenImportedAndClicked(target, findings, APPROVE_AFTER_5_MINUTES);

    expect(plan?.error).toBe('DataRestoreFailed');
    expect(plan?.cause).toContain('The restore on the notebook failed: cannot restore the archive');
    expect(target.account.sagemaker.statusOf(NOTEBOOK)).toBe('InService');
    const note = findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
    expect(note).toContain('It was recreated and is InService, but the recreation did not finish');
    expect(note).toMatch(RESTORE_COMMAND);
    const keys = target.account.s3.keys(target.backupBucket);
    expect(keys.filter((key) => key.endsWith('/data/archive.tar'))).toHaveLength(1);
    expect(keys.filter((key) => /\/restores\/[^/]+\/status\/failed$/.test(key))).toHaveLength(1);
    expect(alerts(target).at(-1)?.Subject).toContain('ACTION NEEDED');
    expect(lockItems(target)).toEqual([]);
  });
});
