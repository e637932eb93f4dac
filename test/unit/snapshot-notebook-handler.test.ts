import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigurationSnapshot } from '../../handlers/shared/configuration-snapshot.js';
import { failingNotebookControls, type NotebookSettings } from '../../handlers/shared/notebook-recreation.js';
import { WORK_BUDGET_SECONDS } from '../../handlers/shared/work-budget.js';
import { SnapshotNotVerified } from '../../handlers/snapshot-notebook.js';
import type { SimulatedSdkClient } from '../../simulation/account/account.js';
import { rejectionOf } from './caught-errors.js';
import { EXECUTION, RESTORE_LIFECYCLE_CONFIG, runtimeSettings } from './runtime-settings-fixture.js';
import {
  ALL_NOTEBOOK_FIXES,
  BUCKET,
  changingCalls,
  disposeAccounts,
  exposedNotebookAccount,
  json,
  KMS_KEY,
  lockHolder,
  NOTEBOOK,
  NOTEBOOK_ARN,
  ON_CREATE,
  ON_START,
  PLAN,
  PUBLIC_REPOSITORY,
  REQUEST,
  ROLE,
  ROLE_ID,
  SNAPSHOT_PREFIX,
  settings,
  snapshotHandler,
} from './snapshot-fixtures.js';

afterEach(disposeAccounts);

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
      version: 2,
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
      // The data is kept: the restore tool recreates the notebook with the restore script too.
      restoreLifecycleConfigName: RESTORE_LIFECYCLE_CONFIG,
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

    // And the backup and restore requests point the lifecycle scripts at the snapshot, the restore
    // under this execution's own attempt id
    const notebookPrefix = `roles/${ROLE_ID}:SageMaker/${NOTEBOOK}`;
    const backupRequest = { version: 2, snapshotPrefix: SNAPSHOT_PREFIX, requestedBy: EXECUTION.id };
    expect(json(account, `${notebookPrefix}/backup-request.json`)).toEqual(backupRequest);
    expect(json(account, `${notebookPrefix}/restore-request.json`)).toEqual({
      ...backupRequest,
      attempt: EXECUTION.name,
    });
    expect(account.s3.keys(BUCKET)).toEqual([
      configurationKey,
      `${notebookPrefix}/backup-request.json`,
      `${notebookPrefix}/restore-request.json`,
    ]);

    // And the replacement keeps the data: restore LCC, no code repositories until after the restore
    expect(result).toEqual({
      snapshotPrefix: SNAPSHOT_PREFIX,
      configurationKey,
      // Where the scripts leave their status markers, which the state machine lists
      backupStatus: {
        prefix: `${SNAPSHOT_PREFIX}/backup-status/`,
        complete: `${SNAPSHOT_PREFIX}/backup-status/complete`,
        failed: `${SNAPSHOT_PREFIX}/backup-status/failed`,
      },
      restoreStatus: {
        prefix: `${SNAPSHOT_PREFIX}/restores/${EXECUTION.name}/status/`,
        complete: `${SNAPSHOT_PREFIX}/restores/${EXECUTION.name}/status/complete`,
        failed: `${SNAPSHOT_PREFIX}/restores/${EXECUTION.name}/status/failed`,
      },
      restoreAttempt: EXECUTION.name,
      // 50 GiB at the worst-case copy rate: about 46 minutes per copy, checked every 30 s
      dataWait: { firstWaitSeconds: 10, intervalSeconds: 10, maxChecks: 274, budgetSeconds: 2750 },
      // What the pre-flight checks before anything is deleted
      preflight: {
        subnetId: 'subnet-0private',
        securityGroupIds: ['sg-0notebooks'],
        securityGroupCount: 1,
        kmsKeyId: KMS_KEY,
      },
      configurationDigest: result.configurationDigest,
      createRequest: {
        NotebookInstanceName: NOTEBOOK,
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE,
        SubnetId: 'subnet-0private',
        SecurityGroupIds: ['sg-0notebooks'],
        IpAddressType: 'ipv4',
        KmsKeyId: KMS_KEY,
        LifecycleConfigName: RESTORE_LIFECYCLE_CONFIG,
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
      restoreCommand: `npx tsx bin/restore-notebook.ts --snapshot s3://${BUCKET}/${SNAPSHOT_PREFIX} --wait`,
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

    // And nothing but the lock and the three objects was written: the notebook is untouched
    expect(changingCalls(account)).toEqual([
      'DynamoDB PutItem',
      'S3 PutObject',
      'S3 PutObject',
      'S3 PutObject',
    ]);
    // And the lock is the recreation's, for the whole work budget (approved at once, the execution has it all)
    expect(lockHolder(account)).toEqual({
      owner: EXECUTION.id,
      remediation: 'recreate-notebook',
      expiresAt: Date.parse('2026-11-23T09:00:00.000Z') / 1000 + WORK_BUDGET_SECONDS,
    });
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
    // And the lock stays held: this is a failure, whose handling releases it after checking the notebook
    expect(lockHolder(account)?.owner).toBe(EXECUTION.id);
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
    expect(result.createRequest.LifecycleConfigName).toBe(RESTORE_LIFECYCLE_CONFIG);
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
