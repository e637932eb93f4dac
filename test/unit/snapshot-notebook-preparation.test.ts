import { DeleteNotebookInstanceCommand, StopNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigurationSnapshot } from '../../handlers/shared/configuration-snapshot.js';
import { dataWaitFor } from '../../handlers/shared/data-wait.js';
import { DEFAULT_TIMING } from '../../handlers/shared/runtime-settings.js';
import { nonCopyWorkSeconds } from '../../handlers/shared/work-budget.js';

/** The waits of a recreation besides its copies, with the default timing (31,290 s). */
const NON_COPY = nonCopyWorkSeconds(DEFAULT_TIMING);

import { WORK_BUDGET_SECONDS } from '../../handlers/shared/work-budget.js';
import {
  NotebookBusy,
  RecreationNotConfigured,
  RecreationNotNeeded,
  RecreationTargetUnusable,
} from '../../handlers/snapshot-notebook.js';
import { rejectionOf } from './caught-errors.js';
import { EXECUTION } from './runtime-settings-fixture.js';
import {
  ALL_NOTEBOOK_FIXES,
  BUCKET,
  changingCalls,
  disposeAccounts,
  exposedNotebookAccount,
  json,
  KMS_KEY,
  lockedByInPlaceFix,
  lockHolder,
  NOTEBOOK,
  PLAN,
  REQUEST,
  settings,
  snapshotHandler,
} from './snapshot-fixtures.js';

afterEach(disposeAccounts);

/** The approval window of the fixture's settings (recreationSettings): 7 days. */
const APPROVAL_SECONDS = 604_800;

/**
 * The preparation of an approved recreation takes the notebook's lock first. What makes it end with
 * nothing changed releases the lock; an in-place fix holding it makes it wait.
 */
describe('SnapshotNotebook handler: the lock, and recreations that do not happen', () => {
  it('no recreate target configured: RecreationNotConfigured says what to configure and nothing is written', async () => {
    // Given an exposed notebook and a deployment without a recreate target
    const account = exposedNotebookAccount();
    const handler = snapshotHandler(account, { settings: settings({ targets: [] }) });

    // When
    const error = await rejectionOf(handler(REQUEST));

    // Then
    expect(error).toBeInstanceOf(RecreationNotConfigured);
    expect(error.name).toBe('RecreationNotConfigured');
    expect(error.message).toBe(
      'Notebook instance Research-Notebook can only be fixed by recreating it, and this deployment lacks ' +
        'a private subnet (recreate target subnetId) for this account and region; ' +
        'security groups (recreate target securityGroupIds) for this account and region. Nothing was changed.',
    );
    expect(account.callsTo('S3')).toEqual([]);
    expect(account.s3.keys(BUCKET)).toEqual([]);
    // And the lock taken first is released: nothing changes, so nothing needs it
    expect(changingCalls(account)).toEqual(['DynamoDB PutItem', 'DynamoDB DeleteItem']);
    expect(lockHolder(account)).toBeUndefined();
  });

  it('notebook already fixed since the plan (only root access left): RecreationNotNeeded, nothing written', async () => {
    // Given a notebook that now passes .1, .2, .8 and .21 and fails only .3 (fixed in place, not by recreating)
    const account = exposedNotebookAccount({
      subnetId: 'subnet-0private',
      securityGroupIds: ['sg-0notebooks'],
      directInternetAccess: 'Disabled',
      platformIdentifier: 'notebook-al2023-v1',
      kmsKeyId: KMS_KEY,
    });

    // When
    const error = await rejectionOf(snapshotHandler(account)(REQUEST));

    // Then
    expect(error).toBeInstanceOf(RecreationNotNeeded);
    expect(error.name).toBe('RecreationNotNeeded');
    expect(account.s3.keys(BUCKET)).toEqual([]);
    expect(lockHolder(account)).toBeUndefined();
  });

  it('Given an in-place fix of root access holding the lock, When the approved recreation prepares, Then it fails with NotebookBusy naming the holder, and reads and writes nothing', async () => {
    // Given
    const account = exposedNotebookAccount();
    const fix = 'arn:aws:states:eu-west-1:111122223333:execution:remediation:root-access';
    await lockedByInPlaceFix(account, fix);
    const callsBefore = account.calls.length;

    // When
    const error = await rejectionOf(snapshotHandler(account)(REQUEST), NotebookBusy);

    // Then the state machine retries the step later; the lock is still the fix's
    expect(error.name).toBe('NotebookBusy');
    expect(error.message).toBe(
      `Notebook instance ${NOTEBOOK} is being changed by execution ${fix} (update-notebook): the recreation waits for it.`,
    );
    expect(account.calls.slice(callsBefore).map((call) => `${call.service} ${call.operation}`)).toEqual([
      'DynamoDB PutItem',
    ]);
    expect(account.s3.keys(BUCKET)).toEqual([]);
    expect(lockHolder(account)).toMatchObject({ owner: fix, remediation: 'update-notebook' });
  });

  it('Given root access was fixed in place while the recreation waited for approval, When the approved recreation prepares, Then it keeps the fix: created with root access disabled, .3 no longer among its fixes', async () => {
    // Given the plan approved for .1, .2 and .3, and the notebook's root access disabled since
    const account = exposedNotebookAccount({ rootAccess: 'Disabled' });
    const approved = { ...PLAN, recreate: { fixes: ['SageMaker.1', 'SageMaker.2', 'SageMaker.3'] } };

    // When
    const result = await snapshotHandler(account)({ plan: approved, execution: EXECUTION });

    // Then
    const snapshot = json(account, result.configurationKey) as ConfigurationSnapshot;
    expect(snapshot.fixes).toEqual(['SageMaker.1', 'SageMaker.2']);
    expect(result.createRequest.RootAccess).toBe('Disabled');
  });

  it('Given a 1,100 GiB volume whose data is kept, When the recreation prepares, Then RecreationTargetUnusable says the copies would not fit the work budget, nothing is written and the lock is released', async () => {
    // Given two worst-case copies of 1,100 GiB (over 13 hours each) and the rest: over 24 hours
    const account = exposedNotebookAccount({ volumeSizeInGB: 1100 });
    expect(2 * dataWaitFor(1100).budgetSeconds + NON_COPY).toBeGreaterThan(WORK_BUDGET_SECONDS);

    // When
    const error = await rejectionOf(snapshotHandler(account)(REQUEST), RecreationTargetUnusable);

    // Then
    expect(error.name).toBe('RecreationTargetUnusable');
    expect(error.message).toBe(
      'Notebook instance Research-Notebook has a 1100 GiB volume, which could take up to 26.6 hours to copy out and back: with the rest of the recreation that is more than the 24.0-hour work budget of a recreation. Nothing was changed. Back the data up yourself and accept data loss for its controls (recreate.acceptDataLoss), or recreate it by hand.',
    );
    expect(account.s3.keys(BUCKET)).toEqual([]);
    expect(changingCalls(account)).toEqual(['DynamoDB PutItem', 'DynamoDB DeleteItem']);
    expect(lockHolder(account)).toBeUndefined();
  });

  it('Given the same 1,100 GiB volume with data loss accepted for every fix, When the recreation prepares, Then nothing is copied and it goes ahead', async () => {
    // Given
    const account = exposedNotebookAccount({ volumeSizeInGB: 1100 });
    const handler = snapshotHandler(account, { settings: settings({ acceptDataLoss: ALL_NOTEBOOK_FIXES }) });

    // When
    const result = await handler(REQUEST);

    // Then
    expect(result.keepData).toBe(false);
    expect(result.createRequest.VolumeSizeInGB).toBe(1100);
  });

  it('Given a 607 GiB volume (23.99 hours of work), When the plan is approved at once, Then the recreation goes ahead holding the lock for the 24-hour work budget', async () => {
    // Given an execution that started when the clock did: the whole work budget is left
    const account = exposedNotebookAccount({ volumeSizeInGB: 607 });
    expect(2 * dataWaitFor(607).budgetSeconds + NON_COPY).toBe(86_360);

    // When
    const result = await snapshotHandler(account)(REQUEST);

    // Then
    expect(result.keepData).toBe(true);
    expect(lockHolder(account)).toEqual({
      owner: EXECUTION.id,
      remediation: 'recreate-notebook',
      expiresAt: account.clock.now().getTime() / 1000 + WORK_BUDGET_SECONDS,
    });
  });

  it('Given the same 607 GiB volume, When the approval came at the end of the 7-day window, Then only 23.75 hours are left and RecreationTargetUnusable says to plan again and approve sooner, nothing changed', async () => {
    // Given an execution that started 7 days ago: what is left is the work budget less the closing reserve
    const account = exposedNotebookAccount({ volumeSizeInGB: 607 });
    const sevenDaysAgo = new Date(account.clock.now().getTime() - APPROVAL_SECONDS * 1000);
    const late = { ...REQUEST, execution: { ...EXECUTION, startTime: sevenDaysAgo.toISOString() } };

    // When
    const error = await rejectionOf(snapshotHandler(account)(late), RecreationTargetUnusable);

    // Then
    expect(error.message).toBe(
      'Notebook instance Research-Notebook has a 607 GiB volume, which could take up to 14.8 hours to copy out and back: with the rest of the recreation that is more than the 23.8 hours left of this execution after its wait for approval. Nothing was changed. Plan it again with the Remediate now action and approve it sooner, or back the data up yourself and accept data loss for its controls (recreate.acceptDataLoss), or recreate it by hand.',
    );
    expect(account.s3.keys(BUCKET)).toEqual([]);
    expect(changingCalls(account)).toEqual(['DynamoDB PutItem', 'DynamoDB DeleteItem']);
    expect(lockHolder(account)).toBeUndefined();
  });

  it('Given a 50 GiB volume, When the approval came at the end of the 7-day window, Then it goes ahead and its lock lapses when the execution must have ended, 23.75 hours on', async () => {
    // Given
    const account = exposedNotebookAccount();
    const sevenDaysAgo = new Date(account.clock.now().getTime() - APPROVAL_SECONDS * 1000);
    const late = { ...REQUEST, execution: { ...EXECUTION, startTime: sevenDaysAgo.toISOString() } };

    // When
    await snapshotHandler(account)(late);

    // Then the work budget less the 15-minute closing reserve
    expect(lockHolder(account)?.expiresAt).toBe(account.clock.now().getTime() / 1000 + 85_500);
  });

  it('Given the notebook was deleted while its plan waited for approval, When the approved recreation prepares, Then RecreationNotNeeded says it is gone, nothing is written and the lock is released', async () => {
    // Given an account with the backup bucket and the tables, but no notebook
    const account = exposedNotebookAccount();
    const { sagemaker } = account.sdkClients();
    await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
    account.clock.advance(120_000);
    await sagemaker.send(new DeleteNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
    account.clock.advance(120_000);

    // When
    const error = await rejectionOf(snapshotHandler(account)(REQUEST), RecreationNotNeeded);

    // Then
    expect(error.message).toBe(
      'Notebook instance Research-Notebook no longer exists: there is nothing to recreate. Nothing was changed.',
    );
    expect(account.s3.keys(BUCKET)).toEqual([]);
    expect(lockHolder(account)).toBeUndefined();
  });
});
