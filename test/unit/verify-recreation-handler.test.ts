import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateNotebookInstanceCommand,
  type CreateNotebookInstanceCommandInput,
  DeleteNotebookInstanceCommand,
  StopNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../handlers/shared/logger.js';
import {
  type ManifestEntry,
  restoreLayout,
  snapshotLayout,
} from '../../handlers/shared/notebook-backup-layout.js';
import type { RemediationPlan } from '../../handlers/shared/remediation-plan.js';
import type { RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { createSnapshotHandler, type SnapshotNotebookResult } from '../../handlers/snapshot-notebook.js';
import {
  createVerifyHandler,
  MAX_PROBLEMS_MESSAGE_LENGTH,
  RecreationNotVerified,
} from '../../handlers/verify-recreation.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { simulatedDynamoDbClient } from '../../simulation/account/dynamodb-wire.js';
import { rejectionOf } from './caught-errors.js';
import { fakeMembers } from './member-fixtures.js';
import {
  BACKUP_BUCKET,
  EXECUTION,
  RESTORE_LIFECYCLE_CONFIG,
  recreationSettings,
} from './runtime-settings-fixture.js';
import { keysRead, sha256, volumeEntries, writeScriptOutputs } from './script-outputs.js';
import { memberClientsOf } from './snapshot-fixtures.js';

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
const BUCKET = BACKUP_BUCKET;
const NOTEBOOK = 'Research-Notebook';
const NOTEBOOK_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const ALL_NOTEBOOK_FIXES = ['SageMaker.1', 'SageMaker.2', 'SageMaker.3', 'SageMaker.8', 'SageMaker.21'];
const FILES: Readonly<Record<string, string>> = {
  'analysis.ipynb': '{"cells": []}\n',
  'data/raw.csv': 'a,b\n1,2\n',
};
const FILE_BYTES = Object.values(FILES).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
const SECOND = 1000;

/** The handlers read only these fields of the plan. */
const PLAN: Pick<RemediationPlan, 'controlId' | 'finding' | 'notebook' | 'lock' | 'target'> = {
  controlId: 'SageMaker.1',
  finding: {
    id: 'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/7a3c',
    productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
  },
  notebook: { name: NOTEBOOK, arn: NOTEBOOK_ARN },
  lock: { key: NOTEBOOK_ARN },
  target: {
    accountId: '111122223333',
    region: 'eu-west-1',
    roleArn: 'arn:aws:iam::111122223333:role/sagemaker-remediation/SageMakerRemediationMember-eu-west-1',
  },
};

function settings(acceptDataLoss: string[] = []): RuntimeSettings {
  return recreationSettings({ acceptDataLoss });
}

const accounts: SimulatedAccount[] = [];

afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

/** An exposed notebook with data, a lifecycle configuration, a named repository, and the restore LCC. */
function exposedNotebookAccount(): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.s3.seedBucket(BUCKET);
  account.dynamodb.createTable({
    TableName: 'locks',
    partitionKey: 'lockKey',
    timeToLiveAttribute: 'expiresAt',
  });
  account.sagemaker.seedLifecycleConfig({ name: 'install-packages', onStart: '#!/bin/bash\necho start\n' });
  account.sagemaker.seedLifecycleConfig({
    name: RESTORE_LIFECYCLE_CONFIG,
    onCreate: '#!/bin/bash\nexit 0\n',
  });
  account.sagemaker.seedCodeRepository({
    name: 'shared-utils',
    repositoryUrl: 'https://github.com/example/shared-utils.git',
  });
  account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    roleArn: ROLE,
    platformIdentifier: 'notebook-al2-v3',
    volumeSizeInGB: 50,
    lifecycleConfigName: 'install-packages',
    defaultCodeRepository: 'shared-utils',
    tags: [
      { Key: 'team', Value: 'research' },
      { Key: 'aws:cloudformation:stack-name', Value: 'research-notebooks' },
    ],
    files: FILES,
  });
  return account;
}

async function snapshot(account: SimulatedAccount, acceptDataLoss: string[] = []) {
  return createSnapshotHandler({
    members: memberClientsOf(account),
    dynamodb: DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, account.administrator)),
    settings: settings(acceptDataLoss),
    now: () => account.clock.now(),
    logger: silentLogger,
  })({ plan: PLAN, execution: EXECUTION });
}

/** What the state machine does between the snapshot and the verification: stop, delete, create. */
async function recreate(account: SimulatedAccount, createRequest: Readonly<Record<string, unknown>>) {
  const { sagemaker } = account.sdkClients();
  await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
  account.clock.advance(60 * SECOND);
  await sagemaker.send(new DeleteNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
  account.clock.advance(60 * SECOND);
  await sagemaker.send(
    new CreateNotebookInstanceCommand(createRequest as unknown as CreateNotebookInstanceCommandInput),
  );
  account.clock.advance(180 * SECOND);
  expect(account.sagemaker.statusOf(NOTEBOOK)).toBe('InService');
}

/** The lifecycle configurations that ran on the recreated notebook, as `<config> <hook> <exit code>`. */
function scriptsRun(account: SimulatedAccount): string[] {
  return account.sagemaker
    .lifecycleRuns(NOTEBOOK)
    .map((run) => `${run.lifecycleConfigName} ${run.hook} ${String(run.exitCode)}`);
}

function verify(account: SimulatedAccount, acceptDataLoss: string[] = []) {
  const clients = account.sdkClients();
  return createVerifyHandler({
    members: fakeMembers({
      sagemaker: clients.sagemaker,
      // The simulated client has the minimal `send` shape the real one is used through.
      s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
    }),
    settings: settings(acceptDataLoss),
    logger: silentLogger,
  });
}

const VOLUME = volumeEntries(FILES);
const request = (result: SnapshotNotebookResult) => ({ plan: PLAN, snapshot: result, execution: EXECUTION });

describe('VerifyRecreation handler: the notebook and its data', () => {
  it('Given a notebook recreated as planned and summaries with the same digests, When it is verified, Then it passes on the summaries alone, without reading a manifest', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeScriptOutputs(account, result, { backup: VOLUME, restore: VOLUME });
    const readsBefore = account.callsTo('S3', 'GetObject').length;

    // When
    const verified = await verify(account)(request(result));

    // Then the counts are the restore's: two files, a folder and a link
    expect(scriptsRun(account)).toEqual([`${RESTORE_LIFECYCLE_CONFIG} OnCreate 0`]);
    expect(verified).toEqual({ verified: true, fileCount: 2, entries: 4, totalBytes: FILE_BYTES });
    // And only configuration.json and the two summaries were read
    const layout = snapshotLayout(result.snapshotPrefix);
    expect(keysRead(account, readsBefore)).toEqual([
      result.configurationKey,
      layout.backupStatus.complete,
      restoreLayout(result.snapshotPrefix, EXECUTION.name).status.complete,
    ]);
  });

  it('Given manifests whose digests differ in a mode and a content of the same size, When it is verified, Then both manifests are streamed and the differing paths are named', async () => {
    // Given a restore that lost a file's mode and changed another file's bytes (counts and sizes equal)
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    const restored = VOLUME.map((entry): ManifestEntry => {
      if (entry.path === 'analysis.ipynb' && entry.type === 'file') return { ...entry, mode: 0o600 };
      if (entry.path === 'data/raw.csv' && entry.type === 'file')
        return { ...entry, sha256: sha256('a,b\n1,3\n') };
      return entry;
    });
    writeScriptOutputs(account, result, { backup: VOLUME, restore: restored });
    const readsBefore = account.callsTo('S3', 'GetObject').length;

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    expect(error.problems).toEqual([
      'analysis.ipynb differs: mode 644 vs 600',
      `data/raw.csv differs: sha256 ${sha256(FILES['data/raw.csv'] ?? '').slice(0, 12)}… vs ${sha256('a,b\n1,3\n').slice(0, 12)}…`,
    ]);
    const layout = snapshotLayout(result.snapshotPrefix);
    expect(keysRead(account, readsBefore).slice(3)).toEqual([
      layout.manifest,
      restoreLayout(result.snapshotPrefix, EXECUTION.name).manifest,
    ]);
  });

  it('Given wrong DirectInternetAccess and a restore that missed a file, When it is verified, Then RecreationNotVerified lists every problem: the setting, the counts and the path', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, { ...result.createRequest, DirectInternetAccess: 'Enabled' });
    const missing = VOLUME.filter((entry) => entry.path !== 'data/raw.csv');
    writeScriptOutputs(account, result, { backup: VOLUME, restore: missing });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    const rawBytes = Buffer.byteLength(FILES['data/raw.csv'] ?? '');
    expect(error.name).toBe('RecreationNotVerified');
    expect(error.problems).toEqual([
      'DirectInternetAccess is "Enabled", expected "Disabled"',
      'entries: 4 backed up, 3 restored',
      'files: 2 backed up, 1 restored',
      `totalBytes: ${FILE_BYTES} backed up, ${FILE_BYTES - rawBytes} restored`,
      'data/raw.csv was not restored',
    ]);
    expect(error.message).toBe(
      `Recreated notebook instance Research-Notebook not verified: ${error.problems.join('; ')}`,
    );
  });

  it('Given a restore that unpacked another archive than the backup wrote, When it is verified, Then that is a problem even though the entries match', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeScriptOutputs(account, result, {
      backup: VOLUME,
      restore: VOLUME,
      restoreSummary: { archiveSha256: sha256('another archive') },
    });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    expect(error.problems).toEqual([
      'the restore unpacked another archive than the backup wrote (size or SHA-256 differ)',
    ]);
  });

  it('Given a restore summary written for another notebook, When it is verified, Then the summary is not trusted', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeScriptOutputs(account, result, {
      backup: VOLUME,
      restore: VOLUME,
      restoreSummary: { notebookName: 'Other-Notebook' },
    });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    expect(error.problems).toEqual([
      `restores/${EXECUTION.name}/status/complete is for notebook Other-Notebook, not ${NOTEBOOK}`,
    ]);
  });

  it('Given the restore has not written its complete marker, When it is verified, Then the missing summary is a problem, not a crash', async () => {
    // Given only the backup's outputs
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeScriptOutputs(account, result, { backup: VOLUME, restore: VOLUME });
    const restoreStatus = restoreLayout(result.snapshotPrefix, EXECUTION.name).status.complete;
    account.s3.deleteObject({ Bucket: BUCKET, Key: restoreStatus });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    expect(error.problems).toEqual([
      `restores/${EXECUTION.name}/status/complete not found at s3://${BUCKET}/${restoreStatus}`,
    ]);
  });

  it('Given manifests that differ but one of them is gone, When it is verified, Then the missing manifest is named instead of a crash', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeScriptOutputs(account, result, { backup: VOLUME, restore: VOLUME.slice(1) });
    const restoreManifest = restoreLayout(result.snapshotPrefix, EXECUTION.name).manifest;
    account.s3.deleteObject({ Bucket: BUCKET, Key: restoreManifest });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    expect(error.problems.at(-1)).toBe(`the restore manifest not found at s3://${BUCKET}/${restoreManifest}`);
  });

  it('Given configuration.json changed after it was verified, When it is verified, Then the digest mismatch is reported', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeScriptOutputs(account, result, { backup: VOLUME, restore: VOLUME });
    const original = account.s3.objectText(BUCKET, result.configurationKey) ?? '';
    account.s3.putObject({
      Bucket: BUCKET,
      Key: result.configurationKey,
      Body: original.replace('"Disabled"', '"Enabled"'),
    });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    expect(error.problems).toEqual([
      'configuration.json differs from the snapshot that was verified (digest mismatch)',
    ]);
  });

  it('Given 500 files backed up and none restored, When it is verified, Then the first 20 paths are named with how many more, and the message stays within 4000 characters', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    const many = Object.fromEntries(
      Array.from({ length: 500 }, (_, index) => [
        `experiment-${String(index).padStart(3, '0')}.ipynb`,
        `${index}`,
      ]),
    );
    const backup = volumeEntries(many).filter((entry) => entry.type === 'file');
    writeScriptOutputs(account, result, { backup, restore: [] });

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then the counts, then 20 paths in manifest order, then the rest counted
    expect(error.problems.slice(0, 3)).toEqual([
      'entries: 500 backed up, 0 restored',
      'files: 500 backed up, 0 restored',
      expect.stringMatching(/^totalBytes: \d+ backed up, 0 restored$/),
    ]);
    expect(error.problems.slice(3, 5)).toEqual([
      'experiment-000.ipynb was not restored',
      'experiment-001.ipynb was not restored',
    ]);
    expect(error.problems).toHaveLength(3 + 20 + 1);
    expect(error.problems.at(-1)).toBe('480 more differences');
    expect(error.message.length).toBeLessThanOrEqual(MAX_PROBLEMS_MESSAGE_LENGTH);
  });
});

describe('VerifyRecreation handler: a recreation without the data', () => {
  it('Given data loss accepted, When it is verified, Then Describe alone decides, code repositories and the original lifecycle configuration included', async () => {
    // Given a recreation without the data, created with the original LCC and repositories
    const account = exposedNotebookAccount();
    const result = await snapshot(account, ALL_NOTEBOOK_FIXES);
    expect(result.keepData).toBe(false);
    await recreate(account, result.createRequest);
    const readsBefore = account.callsTo('S3', 'GetObject').length;

    // When
    const verified = await verify(account, ALL_NOTEBOOK_FIXES)(request(result));

    // Then the original lifecycle configuration ran, and no summary or manifest was read
    expect(scriptsRun(account)).toEqual(['install-packages OnStart 0']);
    expect(verified).toEqual({ verified: true, fileCount: 0, entries: 0, totalBytes: 0 });
    expect(keysRead(account, readsBefore)).toEqual([result.configurationKey]);
  });

  it('Given data loss accepted but the code repository not attached, When it is verified, Then the difference is reported', async () => {
    // Given a recreation without the data whose create request lost the default code repository
    const account = exposedNotebookAccount();
    const result = await snapshot(account, ALL_NOTEBOOK_FIXES);
    const { DefaultCodeRepository, ...withoutRepository } = result.createRequest;
    expect(DefaultCodeRepository).toBe('shared-utils');
    await recreate(account, withoutRepository);

    // When
    const error = await rejectionOf(
      verify(account, ALL_NOTEBOOK_FIXES)(request(result)),
      RecreationNotVerified,
    );

    // Then
    expect(error.problems).toEqual(['DefaultCodeRepository is undefined, expected "shared-utils"']);
  });

  it('Given the notebook deleted and never recreated, When it is verified, Then that and the missing summaries are reported, not thrown as a SageMaker error', async () => {
    // Given
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    const { sagemaker } = account.sdkClients();
    await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
    account.clock.advance(60 * SECOND);
    await sagemaker.send(new DeleteNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
    account.clock.advance(60 * SECOND);

    // When
    const error = await rejectionOf(verify(account)(request(result)), RecreationNotVerified);

    // Then
    const layout = snapshotLayout(result.snapshotPrefix);
    const restoreStatus = restoreLayout(result.snapshotPrefix, EXECUTION.name).status.complete;
    expect(error.problems).toEqual([
      `notebook instance ${NOTEBOOK} does not exist`,
      `backup-status/complete not found at s3://${BUCKET}/${layout.backupStatus.complete}`,
      `restores/${EXECUTION.name}/status/complete not found at s3://${BUCKET}/${restoreStatus}`,
    ]);
  });
});
