import { createHash } from 'node:crypto';
import type { IAMClient } from '@aws-sdk/client-iam';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigurationSnapshot } from '../../handlers/shared/configuration-snapshot.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { failingNotebookControls, type NotebookSettings } from '../../handlers/shared/notebook-recreation.js';
import type { RemediationPlan } from '../../handlers/shared/remediation-plan.js';
import type { RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import {
  createSnapshotHandler,
  RecreationNotConfigured,
  RecreationNotNeeded,
  SnapshotNotVerified,
} from '../../handlers/snapshot-notebook.js';
import { SimulatedAccount, type SimulatedSdkClient } from '../../simulation/account/account.js';
import { roleIdFor } from '../../simulation/account/iam.js';
import { rejectionOf } from './caught-errors.js';
import {
  BACKUP_BUCKET,
  EXECUTION,
  recreationSettings,
  runtimeSettings,
  TARGET_KMS_KEY,
} from './runtime-settings-fixture.js';

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
const ROLE_ID = roleIdFor(ROLE);
const BUCKET = BACKUP_BUCKET;
const NOTEBOOK = 'Research-Notebook';
const NOTEBOOK_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const KMS_KEY = TARGET_KMS_KEY;
const ON_START = '#!/bin/bash\necho "installing packages"\n';
const ON_CREATE = '#!/bin/bash\necho "first start"\n';
const PUBLIC_REPOSITORY = 'https://github.com/example/public-data.git';
const SNAPSHOT_PREFIX = `roles/${ROLE_ID}:SageMaker/${NOTEBOOK}/20261123T090000Z-${EXECUTION.name}`;
const ALL_NOTEBOOK_FIXES = ['SageMaker.1', 'SageMaker.2', 'SageMaker.3', 'SageMaker.8', 'SageMaker.21'];

/** The handler reads only these fields of the plan. */
const PLAN: Pick<RemediationPlan, 'controlId' | 'finding' | 'notebook'> = {
  controlId: 'SageMaker.1',
  finding: {
    id: 'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/7a3c',
    productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
  },
  notebook: { name: NOTEBOOK, arn: NOTEBOOK_ARN },
};
const REQUEST = { plan: PLAN, execution: EXECUTION };

const settings = recreationSettings;

const accounts: SimulatedAccount[] = [];

afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

/** An account with a notebook failing every notebook control, its lifecycle config, repository and data. */
function exposedNotebookAccount(
  notebook: Partial<Parameters<SimulatedAccount['sagemaker']['seedNotebook']>[0]> = {},
): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.s3.seedBucket(BUCKET);
  account.sagemaker.seedLifecycleConfig({ name: 'install-packages', onCreate: ON_CREATE, onStart: ON_START });
  account.sagemaker.seedLifecycleConfig({ name: 'remediation-restore', onCreate: '#!/bin/bash\nexit 0\n' });
  account.sagemaker.seedCodeRepository({
    name: 'shared-utils',
    repositoryUrl: 'https://github.com/example/shared-utils.git',
    branch: 'main',
  });
  account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    roleArn: ROLE,
    directInternetAccess: 'Enabled',
    rootAccess: 'Enabled',
    platformIdentifier: 'notebook-al2-v3',
    volumeSizeInGB: 50,
    lifecycleConfigName: 'install-packages',
    defaultCodeRepository: 'shared-utils',
    additionalCodeRepositories: [PUBLIC_REPOSITORY],
    tags: [
      { Key: 'team', Value: 'research' },
      { Key: 'aws:cloudformation:stack-name', Value: 'research-notebooks' },
      { Key: 'cost-centre', Value: 'cc-42' },
    ],
    files: { 'analysis.ipynb': '{"cells": []}\n', 'data/raw.csv': 'a,b\n1,2\n' },
    ...notebook,
  });
  return account;
}

function snapshotHandler(
  account: SimulatedAccount,
  options: { settings?: RuntimeSettings; s3?: SimulatedSdkClient } = {},
) {
  const clients = account.sdkClients();
  return createSnapshotHandler({
    sagemaker: clients.sagemaker,
    // The simulated S3 and IAM clients have the minimal `send` shape the real ones are used through.
    s3: (options.s3 ?? clients.s3) as unknown as Pick<S3Client, 'send'>,
    iam: clients.iam as unknown as Pick<IAMClient, 'send'>,
    settings: options.settings ?? settings(),
    now: () => account.clock.now(),
    logger: silentLogger,
  });
}

function json(account: SimulatedAccount, key: string): unknown {
  const text = account.s3.objectText(BUCKET, key);
  if (text === undefined) throw new Error(`no object ${key}`);
  return JSON.parse(text);
}

/** Calls that change something (anything but Describe, List and Get). */
function changingCalls(account: SimulatedAccount): string[] {
  return account.calls
    .filter((call) => !/^(Describe|List|Get)/.test(call.operation))
    .map((call) => `${call.service} ${call.operation}`);
}

describe('failingNotebookControls', () => {
  const compliant: NotebookSettings = {
    NotebookInstanceName: NOTEBOOK,
    InstanceType: 'ml.t3.medium',
    RoleArn: ROLE,
    SubnetId: 'subnet-0private',
    SecurityGroups: ['sg-0notebooks'],
    KmsKeyId: KMS_KEY,
    DirectInternetAccess: 'Disabled',
    RootAccess: 'Disabled',
    PlatformIdentifier: 'notebook-al2023-v1',
  };

  it('a compliant notebook fails nothing', () => {
    // Given a notebook in a subnet, without internet access or root, on AL2023, with a KMS key
    // When / Then
    expect(failingNotebookControls(compliant)).toEqual([]);
  });

  it('an exposed notebook fails every notebook control, in control order', () => {
    // Given a notebook with the service defaults: internet access, root, no subnet, no key, AL2
    const exposed: NotebookSettings = {
      NotebookInstanceName: NOTEBOOK,
      InstanceType: 'ml.t3.medium',
      RoleArn: ROLE,
      DirectInternetAccess: 'Enabled',
      RootAccess: 'Enabled',
      PlatformIdentifier: 'notebook-al2-v3',
    };
    // When / Then
    expect(failingNotebookControls(exposed)).toEqual(ALL_NOTEBOOK_FIXES);
  });

  it('each setting fails exactly its own control', () => {
    // Given one deviation from the compliant notebook at a time
    // When / Then
    expect(failingNotebookControls({ ...compliant, DirectInternetAccess: 'Enabled' })).toEqual([
      'SageMaker.1',
    ]);
    expect(failingNotebookControls({ ...compliant, SubnetId: undefined })).toEqual(['SageMaker.2']);
    expect(failingNotebookControls({ ...compliant, RootAccess: 'Enabled' })).toEqual(['SageMaker.3']);
    expect(failingNotebookControls({ ...compliant, PlatformIdentifier: 'notebook-al2-v2' })).toEqual([
      'SageMaker.8',
    ]);
    expect(failingNotebookControls({ ...compliant, KmsKeyId: undefined })).toEqual(['SageMaker.21']);
  });

  it('settings Describe leaves out count as the API defaults (Enabled) and an unknown platform fails', () => {
    // Given a notebook in a subnet with a key whose access settings and platform are not reported
    const { DirectInternetAccess, RootAccess, PlatformIdentifier, ...unreported } = compliant;
    // When / Then
    expect(failingNotebookControls(unreported)).toEqual(['SageMaker.1', 'SageMaker.3', 'SageMaker.8']);
  });
});

describe('SnapshotNotebook handler', () => {
  it('exposed notebook: writes a verified configuration.json and both requests, returns the exact create request', async () => {
    // Given an InService notebook failing SageMaker.1, .2, .3, .8 and .21, and a configured target
    const account = exposedNotebookAccount();

    // When the approved recreation is snapshotted
    const result = await snapshotHandler(account)(REQUEST);

    // Then configuration.json holds the notebook as Describe, ListTags, the LCC and the repository say
    const configurationKey = `${SNAPSHOT_PREFIX}/configuration.json`;
    const notebook = {
      NotebookInstanceName: NOTEBOOK,
      NotebookInstanceArn: NOTEBOOK_ARN,
      NotebookInstanceStatus: 'InService',
      InstanceType: 'ml.t3.medium',
      RoleArn: ROLE,
      IpAddressType: 'ipv4',
      NotebookInstanceLifecycleConfigName: 'install-packages',
      DirectInternetAccess: 'Enabled',
      VolumeSizeInGB: 50,
      DefaultCodeRepository: 'shared-utils',
      AdditionalCodeRepositories: [PUBLIC_REPOSITORY],
      RootAccess: 'Enabled',
      PlatformIdentifier: 'notebook-al2-v3',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
    };
    const expected: ConfigurationSnapshot = {
      version: 1,
      takenAt: '2026-11-23T09:00:00.000Z',
      executionArn: EXECUTION.id,
      status: 'InService',
      notebook,
      tags: [
        { Key: 'team', Value: 'research' },
        { Key: 'cost-centre', Value: 'cc-42' },
      ],
      lifecycleConfig: {
        name: 'install-packages',
        onCreate: Buffer.from(ON_CREATE).toString('base64'),
        onStart: Buffer.from(ON_START).toString('base64'),
      },
      codeRepositories: [
        {
          name: 'shared-utils',
          repositoryUrl: 'https://github.com/example/shared-utils.git',
          branch: 'main',
        },
      ],
      fixes: ['SageMaker.1', 'SageMaker.2', 'SageMaker.3', 'SageMaker.8', 'SageMaker.21'],
      plannedSettings: {
        ...notebook,
        SubnetId: 'subnet-0private',
        SecurityGroups: ['sg-0notebooks'],
        KmsKeyId: KMS_KEY,
        DirectInternetAccess: 'Disabled',
        RootAccess: 'Disabled',
        PlatformIdentifier: 'notebook-al2023-v1',
      },
    };
    expect(json(account, configurationKey)).toEqual(expected);
    const written = account.s3.objectText(BUCKET, configurationKey) ?? '';
    expect(result.configurationDigest).toBe(createHash('sha256').update(written).digest('hex'));
    for (const call of account.callsTo('S3', 'PutObject')) {
      expect(call.input).toMatchObject({
        ContentType: 'application/json',
        ExpectedBucketOwner: '111122223333',
      });
    }

    // And the backup and restore requests point the lifecycle scripts at the snapshot
    const notebookPrefix = `roles/${ROLE_ID}:SageMaker/${NOTEBOOK}`;
    const backupRequest = { version: 1, snapshotPrefix: SNAPSHOT_PREFIX, requestedBy: EXECUTION.id };
    expect(json(account, `${notebookPrefix}/backup-request.json`)).toEqual(backupRequest);
    expect(json(account, `${notebookPrefix}/restore-request.json`)).toEqual(backupRequest);
    expect(account.s3.keys(BUCKET)).toEqual([
      configurationKey,
      `${notebookPrefix}/backup-request.json`,
      `${notebookPrefix}/restore-request.json`,
    ]);

    // And the replacement keeps the data: restore LCC, no code repositories until after the restore
    expect(result).toEqual({
      snapshotPrefix: SNAPSHOT_PREFIX,
      configurationKey,
      dataManifestKey: `${SNAPSHOT_PREFIX}/data-manifest.json`,
      restoreManifestKey: `${SNAPSHOT_PREFIX}/restore-manifest.json`,
      configurationDigest: result.configurationDigest,
      createRequest: {
        NotebookInstanceName: NOTEBOOK,
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE,
        SubnetId: 'subnet-0private',
        SecurityGroupIds: ['sg-0notebooks'],
        IpAddressType: 'ipv4',
        KmsKeyId: KMS_KEY,
        LifecycleConfigName: 'remediation-restore',
        DirectInternetAccess: 'Disabled',
        VolumeSizeInGB: 50,
        RootAccess: 'Disabled',
        PlatformIdentifier: 'notebook-al2023-v1',
        InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
        Tags: [
          { Key: 'team', Value: 'research' },
          { Key: 'cost-centre', Value: 'cc-42' },
          { Key: 'securityhub-remediation:recreated-by', Value: EXECUTION.name },
        ],
      },
      originalLifecycleConfigName: 'install-packages',
      restoreCommand: `npx tsx bin/restore-notebook.ts --bucket ${BUCKET} --snapshot ${SNAPSHOT_PREFIX} --restore-lifecycle-config remediation-restore --wait`,
      keepData: true,
      codeRepositoriesToRestore: {
        DefaultCodeRepository: 'shared-utils',
        AdditionalCodeRepositories: [PUBLIC_REPOSITORY],
      },
      // Before the delete: the original lifecycle configuration goes back on the old notebook.
      lifecycleRestoreRequest: { NotebookInstanceName: NOTEBOOK, LifecycleConfigName: 'install-packages' },
      // After the restore: the original lifecycle configuration and the repositories on the new one.
      finalUpdateRequest: {
        NotebookInstanceName: NOTEBOOK,
        LifecycleConfigName: 'install-packages',
        DefaultCodeRepository: 'shared-utils',
        AdditionalCodeRepositories: [PUBLIC_REPOSITORY],
      },
    });

    // And nothing but the three objects was written: the notebook is untouched
    expect(changingCalls(account)).toEqual(['S3 PutObject', 'S3 PutObject', 'S3 PutObject']);
    expect(account.sagemaker.statusOf(NOTEBOOK)).toBe('InService');
    expect(account.callsTo('IAM', 'GetRole')[0]?.input).toEqual({
      RoleName: 'AmazonSageMaker-ExecutionRole-20261101T000000',
    });
  });

  it('reads every page of tags: the user tags on the second page are kept', async () => {
    // Given a notebook with 2 aws: tags and 49 user tags: 51 tags, two pages of ListTags
    const tags = Array.from({ length: 49 }, (_, index) => ({ Key: `tag-${index}`, Value: `${index}` }));
    const account = exposedNotebookAccount({
      tags: [
        { Key: 'aws:cloudformation:stack-name', Value: 'research-notebooks' },
        { Key: 'aws:cloudformation:logical-id', Value: 'Notebook' },
        ...tags,
      ],
    });

    // When
    const result = await snapshotHandler(account)(REQUEST);

    // Then every user tag is in the snapshot and the create request, with the recreated-by tag
    expect(account.callsTo('SageMaker', 'ListTags')).toHaveLength(2);
    expect((json(account, result.configurationKey) as ConfigurationSnapshot).tags).toEqual(tags);
    expect(result.createRequest.Tags).toEqual([
      ...tags,
      { Key: 'securityhub-remediation:recreated-by', Value: EXECUTION.name },
    ]);
  });

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
    expect(changingCalls(account)).toEqual([]);
  });

  it('configuration.json reads back different: SnapshotNotVerified, and no backup or restore request is written', async () => {
    // Given an S3 that returns other content than was written
    const account = exposedNotebookAccount();
    const s3 = account.sdkClients().s3;
    const tampering: SimulatedSdkClient = {
      async send(command) {
        const output = await s3.send(command);
        if (!(command instanceof GetObjectCommand)) return output;
        const body = (output as { Body: { transformToString(): Promise<string> } }).Body;
        const text = (await body.transformToString()).replace('"ml.t3.medium"', '"ml.t3.large"');
        return { ...(output as object), Body: { transformToString: async () => text } };
      },
    };

    // When
    const error = await rejectionOf(snapshotHandler(account, { s3: tampering })(REQUEST));

    // Then
    expect(error).toBeInstanceOf(SnapshotNotVerified);
    expect(error.name).toBe('SnapshotNotVerified');
    expect(error.message).toBe(
      `Snapshot s3://${BUCKET}/${SNAPSHOT_PREFIX} not verified: configuration.json read back from S3 differs from what was written`,
    );
    expect(account.s3.keys(BUCKET)).toEqual([`${SNAPSHOT_PREFIX}/configuration.json`]);
  });

  it('data loss accepted for every fix: keepData false, the original LCC and repositories in the create request', async () => {
    // Given a deployment that accepts losing the data for every control the plan fixes
    const account = exposedNotebookAccount();
    const handler = snapshotHandler(account, { settings: settings({ acceptDataLoss: ALL_NOTEBOOK_FIXES }) });

    // When
    const result = await handler(REQUEST);

    // Then
    expect(result.keepData).toBe(false);
    expect(result.createRequest).toMatchObject({
      LifecycleConfigName: 'install-packages',
      DefaultCodeRepository: 'shared-utils',
      AdditionalCodeRepositories: [PUBLIC_REPOSITORY],
    });
    expect(result.codeRepositoriesToRestore).toEqual({});
    expect(result.originalLifecycleConfigName).toBe('install-packages');
  });

  it('data loss accepted for only some fixes: the data is still kept', async () => {
    // Given a deployment that accepts data loss for SageMaker.1 and .2, but the plan also fixes .8 and .21
    const account = exposedNotebookAccount();
    const handler = snapshotHandler(account, {
      settings: settings({ acceptDataLoss: ['SageMaker.1', 'SageMaker.2', 'SageMaker.3'] }),
    });

    // When
    const result = await handler(REQUEST);

    // Then
    expect(result.keepData).toBe(true);
    expect(result.createRequest.LifecycleConfigName).toBe('remediation-restore');
    expect(result.createRequest).not.toHaveProperty('DefaultCodeRepository');
  });

  it('notebook without a lifecycle configuration or code repositories: none looked up, none recorded', async () => {
    // Given
    const account = exposedNotebookAccount({
      lifecycleConfigName: undefined,
      defaultCodeRepository: undefined,
      additionalCodeRepositories: [],
    });
    const handler = snapshotHandler(account, { settings: settings({ acceptDataLoss: ALL_NOTEBOOK_FIXES }) });

    // When
    const result = await handler(REQUEST);

    // Then
    expect(result.lifecycleRestoreRequest).toEqual({
      NotebookInstanceName: NOTEBOOK,
      DisassociateLifecycleConfig: true,
    });
    const snapshot = json(account, result.configurationKey) as ConfigurationSnapshot;
    expect(snapshot.lifecycleConfig).toBeUndefined();
    expect(snapshot.codeRepositories).toEqual([]);
    expect(result.originalLifecycleConfigName).toBe('');
    expect(result.createRequest).not.toHaveProperty('LifecycleConfigName');
    expect(account.callsTo('SageMaker', 'DescribeNotebookInstanceLifecycleConfig')).toEqual([]);
    expect(account.callsTo('SageMaker', 'DescribeCodeRepository')).toEqual([]);
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
  });

  it('a deployment without the recreate block is refused when the handler is created', () => {
    // Given settings with no recreate block
    const account = exposedNotebookAccount();
    // When / Then
    expect(() => snapshotHandler(account, { settings: runtimeSettings() })).toThrow(
      'REMEDIATION_SETTINGS has no recreate block: the approval-gated recreation of notebooks is not deployed',
    );
  });

  it('a request without the execution is rejected before any call', async () => {
    // Given
    const account = exposedNotebookAccount();
    // When
    const error = await rejectionOf(snapshotHandler(account)({ plan: PLAN }));
    // Then
    expect(error.message).toContain('request.execution');
    expect(account.calls).toEqual([]);
  });
});
