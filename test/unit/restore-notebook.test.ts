/**
 * bin/restore-notebook.ts restoring what the workflow leaves when CreateNotebookInstance fails after the
 * delete (restore-notebook-fixture.ts): run with exactly the finding note's arguments, as an operator
 * role holding only the stack's restore operator policy, the restore lifecycle script running for real
 * on the new notebook.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK } from '../../bin/restore-notebook/arguments.js';
import { RESTORE_REQUESTED_BY } from '../../bin/restore-notebook/plan.js';
import { RESTORE_ATTEMPT_PATTERN } from '../../handlers/shared/notebook-backup-layout.js';
import { RECREATED_BY_TAG } from '../../handlers/shared/notebook-recreation.js';
import { restoreOperatorPolicyArn } from '../../simulation/runner/restore-operator.js';
import {
  disposeAccounts,
  givenRecreationFailedAfterDelete,
  NOTEBOOK,
  notebookNow,
  ORIGINAL_LIFECYCLE,
  operatorPolicySids,
  PUBLIC_REPOSITORY,
  restoreRequest,
  TAGS,
  volumeEntries,
  whenRestoreRuns,
} from './restore-notebook-fixture.js';

afterEach(disposeAccounts);

describe('restore-notebook: after a recreation that failed after the delete', () => {
  it('Given the note of a create that failed after the delete, When the operator runs its command, Then the notebook is back as it was, its volume byte for byte, with its own lifecycle configuration, repositories and run state', async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const { account, operator } = scenario;

    const result = await whenRestoreRuns(account, operator, scenario.noteArgs);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    // The workflow's remaining steps, in its order: request, create, then stop, re-attach, start
    expect(result.changes).toEqual([
      'S3 PutObject',
      'SageMaker CreateNotebookInstance',
      'SageMaker StopNotebookInstance',
      'SageMaker UpdateNotebookInstance',
      'SageMaker StartNotebookInstance',
    ]);
    expect(result.denied).toEqual([]);
    expect(notebookNow(account)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Enabled',
      RootAccess: 'Enabled',
      PlatformIdentifier: 'notebook-al2-v3',
      VolumeSizeInGB: 50,
      NotebookInstanceLifecycleConfigName: ORIGINAL_LIFECYCLE,
      DefaultCodeRepository: 'shared-utils',
      AdditionalCodeRepositories: [PUBLIC_REPOSITORY],
    });
    expect(
      account.sagemaker.listTags({ ResourceArn: notebookNow(account).NotebookInstanceArn }).Tags,
    ).toEqual([...TAGS, { Key: RECREATED_BY_TAG, Value: RESTORE_REQUESTED_BY }]);
    expect(volumeEntries(account.sagemaker.volumePath(NOTEBOOK))).toEqual(scenario.volume);
    // And the restore ran under the tool's own attempt id, never the workflow's
    const request = restoreRequest(scenario);
    expect(request).toMatchObject({
      version: 2,
      snapshotPrefix: scenario.snapshotPrefix,
      requestedBy: RESTORE_REQUESTED_BY,
    });
    expect(request.attempt).toMatch(RESTORE_ATTEMPT_PATTERN);
    expect(request.attempt).toMatch(/^restore-\d{8}T\d{6}Z$/);
    expect(request.attempt).not.toBe(scenario.executionName);
    expect(account.s3.keys(scenario.bucket, `${scenario.snapshotPrefix}/restores/`)).toEqual([
      `${scenario.snapshotPrefix}/restores/${request.attempt}/manifest.jsonl`,
      `${scenario.snapshotPrefix}/restores/${request.attempt}/status/complete`,
    ]);
    expect(result.out).toContain('restored and verified');
    expect(result.out).toContain(`Restored notebook instance ${NOTEBOOK} (original settings).`);
  });

  it('Given a VPC target with a volume key and a repository behind a secret, When restored with --settings planned, Then it has the planned fixes and its data, and every statement of the operator policy was needed', async () => {
    const scenario = await givenRecreationFailedAfterDelete({ keyAndSecret: true });
    const { account, operator } = scenario;

    const result = await whenRestoreRuns(account, operator, [...scenario.noteArgs, '--settings', 'planned']);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    expect(notebookNow(account)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Disabled',
      SubnetId: scenario.subnetId,
      SecurityGroups: [scenario.securityGroupId],
      KmsKeyId: scenario.keyArn,
      RootAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2023-v1',
      DefaultCodeRepository: 'private-models',
    });
    expect(volumeEntries(account.sagemaker.volumePath(NOTEBOOK))).toEqual(scenario.volume);
    expect(result.out).toContain('DirectInternetAccess Enabled -> Disabled');
    // And the operator policy lacks nothing, and holds nothing these two restores did not use
    expect(result.denied).toEqual([]);
    const policyArn = restoreOperatorPolicyArn(scenario.deployment);
    const used = new Set(
      account.authorizations
        .filter((record) => record.caller.roleArn === operator.roleArn)
        .flatMap((record) => record.allowedBy)
        .filter((statement) => statement.startsWith(`${policyArn}#`))
        .map((statement) => statement.slice(policyArn.length + 1)),
    );
    // (but the restore roles of other accounts', used with --role-arn: member-recreation.test.ts)
    expect([...used].sort()).toEqual(
      operatorPolicySids(scenario.deployment).filter((sid) => sid !== 'AssumeRestoreRoles'),
    );
  });

  it("Given the restore script fails on the instance, When restored with --wait, Then it exits failed with the script's reason; And a retry after deleting the notebook succeeds under a new attempt", async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const { account, operator } = scenario;
    // The stand-in aws CLI refuses the archive's download, as an AccessDenied would.
    account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = 'data/archive.tar';

    const failed = await whenRestoreRuns(account, operator, scenario.noteArgs);

    expect(failed.exitCode).toBe(EXIT_FAILED);
    const firstAttempt = restoreRequest(scenario).attempt;
    expect(failed.err).toContain(`restore attempt ${firstAttempt} failed: `);
    expect(failed.err).toContain('AccessDenied');
    expect(failed.err).toContain(
      `aws sagemaker delete-notebook-instance --notebook-instance-name ${NOTEBOOK}`,
    );
    expect(failed.err).toContain(`npx tsx bin/restore-notebook.ts ${scenario.noteArgs.join(' ')}`);
    expect(failed.changes).toEqual(['S3 PutObject', 'SageMaker CreateNotebookInstance']);
    expect(failed.denied).toEqual([]);

    // When the cause is fixed, the operator deletes the Failed notebook and runs the command again
    delete account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON;
    // (the notebook is InService, with the restore lifecycle configuration: the restore runs detached)
    expect(notebookNow(account).NotebookInstanceStatus).toBe('InService');
    account.sagemaker.stopNotebookInstance({ NotebookInstanceName: NOTEBOOK });
    await account.clock.sleep(5 * 60_000);
    account.sagemaker.deleteNotebookInstance({ NotebookInstanceName: NOTEBOOK });
    await account.clock.sleep(5 * 60_000);
    const retried = await whenRestoreRuns(account, operator, scenario.noteArgs);

    expect(retried.err).toBe('');
    expect(retried.exitCode).toBe(EXIT_OK);
    const secondAttempt = restoreRequest(scenario).attempt;
    expect(secondAttempt).not.toBe(firstAttempt);
    expect(volumeEntries(account.sagemaker.volumePath(NOTEBOOK))).toEqual(scenario.volume);
    // And the first attempt's status stays as it was, beside the second's
    const statuses = account.s3
      .keys(scenario.bucket, `${scenario.snapshotPrefix}/restores/`)
      .filter((key) => key.includes('/status/'));
    expect(statuses).toEqual([
      `${scenario.snapshotPrefix}/restores/${firstAttempt}/status/failed`,
      `${scenario.snapshotPrefix}/restores/${secondAttempt}/status/complete`,
    ]);
  });

  it('Given the same situation, When run without --wait, Then the notebook is created with the restore lifecycle configuration and the remaining commands are printed', async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const { account, operator } = scenario;

    const result = await whenRestoreRuns(account, operator, scenario.noteArgs.slice(0, 2));

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.changes).toEqual(['S3 PutObject', 'SageMaker CreateNotebookInstance']);
    expect(notebookNow(account).NotebookInstanceLifecycleConfigName).toBe(
      scenario.deployment.notebookData().restoreLifecycleConfigName,
    );
    const { attempt } = restoreRequest(scenario);
    expect(result.out).toContain(
      `aws s3 ls s3://${scenario.bucket}/${scenario.snapshotPrefix}/restores/${attempt}/status/`,
    );
    expect(result.out).toContain(
      `aws sagemaker update-notebook-instance --notebook-instance-name ${NOTEBOOK} --region eu-west-1 --lifecycle-config-name ${ORIGINAL_LIFECYCLE} --default-code-repository shared-utils --additional-code-repositories ${PUBLIC_REPOSITORY}`,
    );
  });

  it('Given a recreation that accepted data loss of a Stopped notebook, When restored under another name with --wait, Then it is created with its own lifecycle configuration and repositories, without restore, and stopped again', async () => {
    const scenario = await givenRecreationFailedAfterDelete({ keepData: false, status: 'Stopped' });
    const { account, operator } = scenario;

    const result = await whenRestoreRuns(account, operator, [
      ...scenario.noteArgs,
      '--name',
      'Research-Notebook-2',
    ]);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.changes).toEqual(['SageMaker CreateNotebookInstance', 'SageMaker StopNotebookInstance']);
    expect(notebookNow(account, 'Research-Notebook-2')).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      NotebookInstanceLifecycleConfigName: ORIGINAL_LIFECYCLE,
      DefaultCodeRepository: 'shared-utils',
    });
    expect(result.out).toContain('none: the recreation accepted data loss');
    expect(result.denied).toEqual([]);
  });
});
