import { createHash } from 'node:crypto';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateNotebookInstanceCommand,
  type CreateNotebookInstanceCommandInput,
  DeleteNotebookInstanceCommand,
  StopNotebookInstanceCommand,
} from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../handlers/shared/logger.js';
import type { DataManifest } from '../../handlers/shared/notebook-backup-layout.js';
import type { RemediationPlan } from '../../handlers/shared/remediation-plan.js';
import type { RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { createSnapshotHandler, type SnapshotNotebookResult } from '../../handlers/snapshot-notebook.js';
import {
  createVerifyHandler,
  MAX_PROBLEMS_MESSAGE_LENGTH,
  RecreationNotVerified,
} from '../../handlers/verify-recreation.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { rejectionOf } from './caught-errors.js';
import { BACKUP_BUCKET, EXECUTION, recreationSettings, TARGET_KMS_KEY } from './runtime-settings-fixture.js';

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
const BUCKET = BACKUP_BUCKET;
const NOTEBOOK = 'Research-Notebook';
const NOTEBOOK_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const _KMS_KEY = TARGET_KMS_KEY;
const ALL_NOTEBOOK_FIXES = ['SageMaker.1', 'SageMaker.2', 'SageMaker.3', 'SageMaker.8', 'SageMaker.21'];
const FILES: Readonly<Record<string, string>> = {
  'analysis.ipynb': '{"cells": []}\n',
  'data/raw.csv': 'a,b\n1,2\n',
};
const SECOND = 1000;

/** The handlers read only these fields of the plan. */
const PLAN: Pick<RemediationPlan, 'controlId' | 'finding' | 'notebook'> = {
  controlId: 'SageMaker.1',
  finding: {
    id: 'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/7a3c',
    productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
  },
  notebook: { name: NOTEBOOK, arn: NOTEBOOK_ARN },
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
  account.sagemaker.seedLifecycleConfig({ name: 'install-packages', onStart: '#!/bin/bash\necho start\n' });
  account.sagemaker.seedLifecycleConfig({ name: 'remediation-restore', onCreate: '#!/bin/bash\nexit 0\n' });
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
  const clients = account.sdkClients();
  return createSnapshotHandler({
    sagemaker: clients.sagemaker,
    s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
    iam: clients.iam as unknown as Pick<IAMClient, 'send'>,
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

function manifest(files: Readonly<Record<string, string>>): DataManifest {
  const entries = Object.entries(files)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, text]) => ({
      path,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    }));
  return {
    version: 1,
    notebookName: NOTEBOOK,
    completedAt: '2026-11-23T09:10:00.000Z',
    fileCount: entries.length,
    totalBytes: entries.reduce((sum, file) => sum + file.bytes, 0),
    files: entries,
  };
}

/** What the lifecycle scripts write last: the backup's and the restore's manifests. */
function writeManifests(
  account: SimulatedAccount,
  result: SnapshotNotebookResult,
  backup: DataManifest,
  restore: DataManifest,
) {
  account.s3.putObject({ Bucket: BUCKET, Key: result.dataManifestKey, Body: JSON.stringify(backup) });
  account.s3.putObject({ Bucket: BUCKET, Key: result.restoreManifestKey, Body: JSON.stringify(restore) });
}

function verify(account: SimulatedAccount, acceptDataLoss: string[] = []) {
  const clients = account.sdkClients();
  return createVerifyHandler({
    sagemaker: clients.sagemaker,
    s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
    settings: settings(acceptDataLoss),
    logger: silentLogger,
  });
}

describe('VerifyRecreation handler', () => {
  it('recreated as planned with every file restored: verified, with the restored file count and bytes', async () => {
    // Given a snapshot, a notebook recreated with its create request, and matching manifests
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeManifests(account, result, manifest(FILES), manifest(FILES));

    // When
    const verified = await verify(account)({ plan: PLAN, snapshot: result, execution: EXECUTION });

    // Then
    expect(scriptsRun(account)).toEqual(['remediation-restore OnCreate 0']);
    expect(verified).toEqual({
      verified: true,
      fileCount: 2,
      totalBytes:
        Buffer.byteLength(FILES['analysis.ipynb'] ?? '') + Buffer.byteLength(FILES['data/raw.csv'] ?? ''),
    });
  });

  it('wrong DirectInternetAccess and a missing restored file: RecreationNotVerified lists every problem', async () => {
    // Given a notebook recreated with direct internet access, and a restore that missed a file
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, { ...result.createRequest, DirectInternetAccess: 'Enabled' });
    writeManifests(
      account,
      result,
      manifest(FILES),
      manifest({ 'analysis.ipynb': FILES['analysis.ipynb'] ?? '' }),
    );

    // When
    const error = await rejectionOf(
      verify(account)({ plan: PLAN, snapshot: result, execution: EXECUTION }),
      RecreationNotVerified,
    );

    // Then
    expect(error.name).toBe('RecreationNotVerified');
    expect(error.problems).toEqual([
      'DirectInternetAccess is "Enabled", expected "Disabled"',
      'data/raw.csv was not restored',
    ]);
    expect(error.message).toBe(
      'Recreated notebook instance Research-Notebook not verified: DirectInternetAccess is "Enabled", expected "Disabled"; data/raw.csv was not restored',
    );
  });

  it('restore manifest not written yet: the missing manifest is a problem, not a crash', async () => {
    // Given a recreated notebook whose restore never wrote its manifest
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    account.s3.putObject({
      Bucket: BUCKET,
      Key: result.dataManifestKey,
      Body: JSON.stringify(manifest(FILES)),
    });

    // When
    const error = await rejectionOf(
      verify(account)({ plan: PLAN, snapshot: result, execution: EXECUTION }),
      RecreationNotVerified,
    );

    // Then
    expect(error.problems).toEqual([
      `restore-manifest.json not found at s3://${BUCKET}/${result.restoreManifestKey}`,
    ]);
  });

  it('configuration.json changed after it was verified: the digest mismatch is reported', async () => {
    // Given a configuration.json overwritten after the snapshot step verified it
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    writeManifests(account, result, manifest(FILES), manifest(FILES));
    const original = account.s3.objectText(BUCKET, result.configurationKey) ?? '';
    account.s3.putObject({
      Bucket: BUCKET,
      Key: result.configurationKey,
      Body: original.replace('"Disabled"', '"Enabled"'),
    });

    // When
    const error = await rejectionOf(
      verify(account)({ plan: PLAN, snapshot: result, execution: EXECUTION }),
      RecreationNotVerified,
    );

    // Then
    expect(error.problems).toEqual([
      'configuration.json differs from the snapshot that was verified (digest mismatch)',
    ]);
  });

  it('thousands of unrestored files: the message stays within 4000 characters, the problems keep them all', async () => {
    // Given a backup of 500 files of which none came back
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    await recreate(account, result.createRequest);
    const many = Object.fromEntries(
      Array.from({ length: 500 }, (_, index) => [`notebooks/experiment-${index}/results.ipynb`, `${index}`]),
    );
    writeManifests(account, result, manifest(many), manifest({}));

    // When
    const error = await rejectionOf(
      verify(account)({ plan: PLAN, snapshot: result, execution: EXECUTION }),
      RecreationNotVerified,
    );

    // Then
    expect(error.problems).toHaveLength(500);
    expect(error.message.length).toBeLessThanOrEqual(MAX_PROBLEMS_MESSAGE_LENGTH);
    expect(error.message).toMatch(/; and \d+ more$/);
  });

  it('data loss accepted: verified by Describe alone, code repositories and the original LCC included', async () => {
    // Given a recreation without the data, created with the original LCC and repositories
    const account = exposedNotebookAccount();
    const result = await snapshot(account, ALL_NOTEBOOK_FIXES);
    expect(result.keepData).toBe(false);
    await recreate(account, result.createRequest);

    // When
    const verified = await verify(
      account,
      ALL_NOTEBOOK_FIXES,
    )({
      plan: PLAN,
      snapshot: result,
      execution: EXECUTION,
    });

    // Then the original lifecycle configuration ran, and no manifest was read
    expect(scriptsRun(account)).toEqual(['install-packages OnStart 0']);
    expect(verified).toEqual({ verified: true, fileCount: 0, totalBytes: 0 });
    expect(account.callsTo('S3', 'GetObject').map((call) => (call.input as { Key: string }).Key)).toEqual([
      result.configurationKey,
      result.configurationKey,
    ]);
  });

  it('data loss accepted but the code repository not attached: the difference is reported', async () => {
    // Given a recreation without the data whose create request lost the default code repository
    const account = exposedNotebookAccount();
    const result = await snapshot(account, ALL_NOTEBOOK_FIXES);
    const { DefaultCodeRepository, ...withoutRepository } = result.createRequest;
    expect(DefaultCodeRepository).toBe('shared-utils');
    await recreate(account, withoutRepository);

    // When
    const error = await rejectionOf(
      verify(account, ALL_NOTEBOOK_FIXES)({ plan: PLAN, snapshot: result, execution: EXECUTION }),
      RecreationNotVerified,
    );

    // Then
    expect(error.problems).toEqual(['DefaultCodeRepository is undefined, expected "shared-utils"']);
  });

  it('recreated notebook missing: reported with the manifests problems, not thrown as a SageMaker error', async () => {
    // Given a snapshot whose notebook was deleted and never recreated
    const account = exposedNotebookAccount();
    const result = await snapshot(account);
    const { sagemaker } = account.sdkClients();
    await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
    account.clock.advance(60 * SECOND);
    await sagemaker.send(new DeleteNotebookInstanceCommand({ NotebookInstanceName: NOTEBOOK }));
    account.clock.advance(60 * SECOND);

    // When
    const error = await rejectionOf(
      verify(account)({ plan: PLAN, snapshot: result, execution: EXECUTION }),
      RecreationNotVerified,
    );

    // Then
    expect(error.problems).toEqual([
      `notebook instance ${NOTEBOOK} does not exist`,
      `data-manifest.json not found at s3://${BUCKET}/${result.dataManifestKey}`,
      `restore-manifest.json not found at s3://${BUCKET}/${result.restoreManifestKey}`,
    ]);
  });
});
