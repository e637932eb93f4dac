/**
 * bin/restore-notebook.ts against the simulated account, starting from what the workflow leaves when
 * CreateNotebookInstance fails after the delete (test/workflow/recreate-notebook.test.ts): a real
 * snapshot (the snapshot handler's configuration.json and requests, the backup script's files and
 * data manifest) and no notebook. The restore runs the real restore lifecycle script.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRestoreCommand,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  parseRestoreArguments,
  RESTORE_REQUESTED_BY,
} from '../../bin/restore-notebook-command.js';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { RECREATED_BY_TAG } from '../../handlers/shared/notebook-recreation.js';
import { createSnapshotHandler } from '../../handlers/snapshot-notebook.js';
import { backupOnStartScript, restoreOnCreateScript } from '../../lifecycle/lifecycle-scripts.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import {
  BACKUP_LIFECYCLE_CONFIG_NAME,
  RESTORE_LIFECYCLE_CONFIG_NAME,
} from '../../simulation/runner/local-deployment.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';

const ACCOUNT_ID = '111122223333';
const REGION = 'eu-west-1';
/** The local deployment's bucket name for this account and region. */
const BUCKET = `sagemaker-remediation-backups-${ACCOUNT_ID}-${REGION}`;
const NOTEBOOK = 'Research-Notebook';
const NOTEBOOK_ARN = `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:notebook-instance/research-notebook`;
const ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000`;
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TARGET = { subnetId: 'subnet-0private', securityGroupIds: ['sg-0notebooks'], kmsKeyId: KMS_KEY };
const ORIGINAL_LIFECYCLE = 'install-packages';
const PUBLIC_REPOSITORY = 'https://github.com/example/public-data.git';
const FILES = {
  'analysis.ipynb': '{"cells": []}\n',
  'data/train.csv': 'a,b\n1,2\n',
  'notes with spaces.md': '# notes\n',
  '.config/settings.json': '{"theme": "dark"}\n',
};
const IMMUTABLE_FIXES = ['SageMaker.1', 'SageMaker.2', 'SageMaker.8', 'SageMaker.21'] as const;

/** Operations that change something: anything but reads. */
const READ_ONLY = /^(Describe|List|Get|Head)/;

const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

interface DeletedNotebook {
  readonly account: SimulatedAccount;
  readonly snapshotPrefix: string;
}

/**
 * Given what the workflow leaves when the create fails after the delete: the snapshot handler's
 * configuration.json and requests, the backup script's copy of the volume (unless the recreation
 * accepted data loss), the original lifecycle configuration re-attached, then the notebook deleted.
 */
async function givenDeletedNotebook(
  options: { keepData?: boolean; status?: 'InService' | 'Stopped' } = {},
): Promise<DeletedNotebook> {
  const keepData = options.keepData ?? true;
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.s3.seedBucket(BUCKET);
  account.sagemaker.seedLifecycleConfig({
    name: BACKUP_LIFECYCLE_CONFIG_NAME,
    onStart: backupOnStartScript(BUCKET),
  });
  account.sagemaker.seedLifecycleConfig({
    name: RESTORE_LIFECYCLE_CONFIG_NAME,
    onCreate: restoreOnCreateScript(BUCKET),
  });
  account.sagemaker.seedLifecycleConfig({
    name: ORIGINAL_LIFECYCLE,
    onCreate: '#!/bin/bash\necho "first start"\n',
    onStart: '#!/bin/bash\necho "installing packages"\n',
  });
  account.sagemaker.seedCodeRepository({
    name: 'shared-utils',
    repositoryUrl: 'https://github.com/example/shared-utils.git',
    branch: 'main',
  });
  account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: options.status ?? 'InService',
    roleArn: ROLE,
    directInternetAccess: 'Enabled',
    rootAccess: 'Enabled',
    platformIdentifier: 'notebook-al2-v3',
    volumeSizeInGB: 50,
    lifecycleConfigName: ORIGINAL_LIFECYCLE,
    defaultCodeRepository: 'shared-utils',
    additionalCodeRepositories: [PUBLIC_REPOSITORY],
    tags: [
      { Key: 'team', Value: 'research' },
      { Key: 'aws:cloudformation:stack-name', Value: 'research-notebooks' },
      { Key: 'cost-centre', Value: 'cc-42' },
    ],
    files: FILES,
  });

  const clients = account.sdkClients();
  const snapshot = await createSnapshotHandler({
    sagemaker: clients.sagemaker,
    s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
    iam: clients.iam as unknown as Pick<IAMClient, 'send'>,
    settings: runtimeSettings({
      modes: resolveModes(Object.fromEntries(IMMUTABLE_FIXES.map((control) => [control, 'approval']))),
      recreate: {
        targets: [{ account: ACCOUNT_ID, region: REGION, ...TARGET }],
        backupBucket: BUCKET,
        approvalTableName: 'approvals',
        backupLifecycleConfigName: BACKUP_LIFECYCLE_CONFIG_NAME,
        restoreLifecycleConfigName: RESTORE_LIFECYCLE_CONFIG_NAME,
        approvalTimeoutSeconds: 604800,
        acceptDataLoss: keepData ? [] : [...IMMUTABLE_FIXES],
      },
    }),
    now: () => account.clock.now(),
    logger: silentLogger,
  })({
    plan: {
      controlId: 'SageMaker.1',
      finding: {
        id: `arn:aws:securityhub:${REGION}:${ACCOUNT_ID}:security-control/SageMaker.1/finding/7a3c`,
        productArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub`,
      },
      notebook: { name: NOTEBOOK, arn: NOTEBOOK_ARN },
    },
    execution: EXECUTION,
  });

  // The workflow's backup, then its delete (default durations: stop 60 s, update 60 s, start 180 s).
  const sagemaker = account.sagemaker;
  const name = { NotebookInstanceName: NOTEBOOK };
  const after = (seconds: number) => account.clock.advance(seconds * 1000);
  if (sagemaker.statusOf(NOTEBOOK) === 'InService') {
    sagemaker.stopNotebookInstance(name);
    after(60);
  }
  if (keepData) {
    sagemaker.updateNotebookInstance({ ...name, LifecycleConfigName: BACKUP_LIFECYCLE_CONFIG_NAME });
    after(60);
    sagemaker.startNotebookInstance(name);
    after(180);
    sagemaker.settleAll(); // the OnStart backup runs at the end of Pending
    expect(account.s3.objectText(BUCKET, `${snapshot.snapshotPrefix}/data-manifest.json`)).toBeDefined();
    sagemaker.stopNotebookInstance(name);
    after(60);
    sagemaker.updateNotebookInstance({ ...name, LifecycleConfigName: ORIGINAL_LIFECYCLE });
    after(60);
  }
  sagemaker.deleteNotebookInstance(name);
  after(60);
  expect(sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
  return { account, snapshotPrefix: snapshot.snapshotPrefix };
}

interface RunResult {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  /** Changing calls the tool made, `Service Operation`. */
  readonly changes: string[];
}

async function whenRestoreRuns(
  account: SimulatedAccount,
  args: readonly string[],
  options: { region?: string } = {},
): Promise<RunResult> {
  const clients = account.sdkClients();
  const out: string[] = [];
  const err: string[] = [];
  const before = account.calls.length;
  const command = createRestoreCommand({
    sagemaker: clients.sagemaker,
    s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
    // Virtual time: the 15-second polls jump the simulated clock instead of waiting.
    sleep: (ms) => account.clock.sleep(ms),
    now: () => account.clock.now(),
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
    region: async () => options.region ?? account.region,
  });
  const exitCode = await command.run(args);
  const changes = account.calls
    .slice(before)
    .filter((call) => !READ_ONLY.test(call.operation))
    .map((call) => `${call.service} ${call.operation}`);
  return { exitCode, out: out.join('\n'), err: err.join('\n'), changes };
}

const restoreArgs = (snapshotPrefix: string, ...extra: string[]) => [
  '--bucket',
  BUCKET,
  '--snapshot',
  snapshotPrefix,
  '--restore-lifecycle-config',
  RESTORE_LIFECYCLE_CONFIG_NAME,
  ...extra,
];

function notebookNow(account: SimulatedAccount, name = NOTEBOOK) {
  return account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
}

function tagsNow(account: SimulatedAccount, name = NOTEBOOK) {
  return account.sagemaker.listTags({ ResourceArn: notebookNow(account, name).NotebookInstanceArn }).Tags;
}

describe('restore-notebook: after a failed recreation', () => {
  it('Given the create failed after the delete, When restored with --wait, Then the notebook is back as it was: settings, tags, every file, its own lifecycle config and repositories, running', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix, '--wait'));

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
    expect(notebookNow(account)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RoleArn: ROLE,
      InstanceType: 'ml.t3.medium',
      DirectInternetAccess: 'Enabled',
      RootAccess: 'Enabled',
      PlatformIdentifier: 'notebook-al2-v3',
      VolumeSizeInGB: 50,
      NotebookInstanceLifecycleConfigName: ORIGINAL_LIFECYCLE,
      DefaultCodeRepository: 'shared-utils',
      AdditionalCodeRepositories: [PUBLIC_REPOSITORY],
    });
    expect(notebookNow(account).SubnetId).toBeUndefined();
    expect(tagsNow(account)).toEqual([
      { Key: 'team', Value: 'research' },
      { Key: 'cost-centre', Value: 'cc-42' },
      { Key: RECREATED_BY_TAG, Value: RESTORE_REQUESTED_BY },
    ]);
    expect(account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    // And the restore script followed this tool's request and verified every file
    expect(JSON.parse(account.s3.objectText(BUCKET, requestKey(snapshotPrefix)) ?? '')).toEqual({
      version: 1,
      snapshotPrefix,
      requestedBy: RESTORE_REQUESTED_BY,
    });
    const restoreManifest = JSON.parse(
      account.s3.objectText(BUCKET, `${snapshotPrefix}/restore-manifest.json`) ?? '{}',
    ) as { fileCount?: number };
    expect(restoreManifest.fileCount).toBe(Object.keys(FILES).length);
    expect(account.sagemaker.lifecycleRuns(NOTEBOOK).map((run) => [run.hook, run.exitCode])).toContainEqual([
      'OnCreate',
      0,
    ]);
    expect(result.out).toContain('4 files, ');
    expect(result.out).toContain('restored and verified');
    expect(result.out).toContain(`Restored notebook instance ${NOTEBOOK} (original settings).`);
  });

  it('Given the same situation, When restored with --settings planned, Then the notebook has the fixes the workflow meant to make, and its data', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(
      account,
      restoreArgs(snapshotPrefix, '--settings', 'planned', '--wait'),
    );

    expect(result.exitCode).toBe(EXIT_OK);
    expect(notebookNow(account)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Disabled',
      SubnetId: TARGET.subnetId,
      SecurityGroups: TARGET.securityGroupIds,
      KmsKeyId: KMS_KEY,
      RootAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2023-v1',
      VolumeSizeInGB: 50,
      NotebookInstanceLifecycleConfigName: ORIGINAL_LIFECYCLE,
      DefaultCodeRepository: 'shared-utils',
    });
    expect(account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(result.out).toContain(
      'planned: with the fixes for SageMaker.1, SageMaker.2, SageMaker.3, SageMaker.8',
    );
    expect(result.out).toContain('DirectInternetAccess Enabled -> Disabled');
  });

  it('Given the same situation, When restored without --wait, Then the notebook is created with the restore lifecycle config and the exact remaining commands are printed', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix));

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.changes).toEqual(['S3 PutObject', 'SageMaker CreateNotebookInstance']);
    expect(account.sagemaker.statusOf(NOTEBOOK)).toBe('Pending');
    expect(result.out).toContain(
      `aws sagemaker wait notebook-instance-in-service --notebook-instance-name ${NOTEBOOK} --region ${REGION}`,
    );
    expect(result.out).toContain(`${snapshotPrefix}/restore-manifest.json`);
    expect(result.out).toContain(
      `aws sagemaker update-notebook-instance --notebook-instance-name ${NOTEBOOK} --region ${REGION} --lifecycle-config-name ${ORIGINAL_LIFECYCLE} --default-code-repository shared-utils --additional-code-repositories ${PUBLIC_REPOSITORY}`,
    );
    expect(result.out).toContain(
      `aws sagemaker start-notebook-instance --notebook-instance-name ${NOTEBOOK}`,
    );
  });

  it('Given the restore script fails on one file, When restored with --wait, Then it stops with exit 1, says to delete the Failed notebook and run again, and the snapshot is untouched', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();
    const snapshotObjects = account.s3.keys(BUCKET, `${snapshotPrefix}/`);
    // The stand-in aws CLI fails this one download, as an AccessDenied would.
    account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = 'data/data/train.csv';

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix, '--wait'));

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain(`notebook instance ${NOTEBOOK} is Failed after its creation`);
    expect(result.err).toContain('is Failed and has none of its data');
    expect(result.err).toContain(
      `aws sagemaker delete-notebook-instance --notebook-instance-name ${NOTEBOOK}`,
    );
    expect(result.err).toContain(
      `npx tsx bin/restore-notebook.ts --bucket ${BUCKET} --snapshot ${snapshotPrefix} --restore-lifecycle-config ${RESTORE_LIFECYCLE_CONFIG_NAME} --wait`,
    );
    expect(result.changes).toEqual(['S3 PutObject', 'SageMaker CreateNotebookInstance']);
    expect(account.s3.keys(BUCKET, `${snapshotPrefix}/`)).toEqual(snapshotObjects);
  });

  it('Given a restore-manifest.json from an earlier attempt and a restore that never finishes, When restored with --wait, Then the old manifest does not count: the wait times out with exit 1 and what is left', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();
    // An earlier restore's manifest, identical to the backup's: only its age tells it apart.
    const backup = account.s3.objectText(BUCKET, `${snapshotPrefix}/data-manifest.json`) ?? '';
    account.s3.putObject({ Bucket: BUCKET, Key: `${snapshotPrefix}/restore-manifest.json`, Body: backup });
    account.clock.advance(60_000);
    // A restore configuration that passes the checks but copies nothing, as a restore still copying would.
    account.sagemaker.seedLifecycleConfig({
      name: 'stalled-restore',
      onCreate: `#!/bin/bash\n# reads restore-request.json from BUCKET="\${BACKUP_BUCKET:-${BUCKET}}" later\nexit 0\n`,
    });

    const result = await whenRestoreRuns(account, [
      '--bucket',
      BUCKET,
      '--snapshot',
      snapshotPrefix,
      '--restore-lifecycle-config',
      'stalled-restore',
      '--wait',
      // Long enough for the start (3 simulated minutes), not for a restore that never ends.
      '--wait-minutes',
      '5',
    ]);

    expect(result.out).toContain('a restore-manifest.json of 2026-11-23T09:');
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain('no restore-manifest.json after 5 minutes (--wait-minutes)');
    expect(result.err).toContain('What is left to do:');
    expect(result.changes).toEqual(['S3 PutObject', 'SageMaker CreateNotebookInstance']);
    expect(notebookNow(account).NotebookInstanceLifecycleConfigName).toBe('stalled-restore');
  });
});

describe('restore-notebook: a snapshot without data (the recreation accepted data loss)', () => {
  it('Given a notebook that was Stopped, When restored under another name with --wait, Then it is created with its own lifecycle config and repositories, and stopped again', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook({ keepData: false, status: 'Stopped' });

    const result = await whenRestoreRuns(account, [
      '--bucket',
      BUCKET,
      '--snapshot',
      snapshotPrefix,
      '--name',
      'Research-Notebook-Restored',
      '--wait',
    ]);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.changes).toEqual(['SageMaker CreateNotebookInstance', 'SageMaker StopNotebookInstance']);
    expect(notebookNow(account, 'Research-Notebook-Restored')).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      NotebookInstanceLifecycleConfigName: ORIGINAL_LIFECYCLE,
      DefaultCodeRepository: 'shared-utils',
      DirectInternetAccess: 'Enabled',
    });
    expect(account.sagemaker.volumeFiles('Research-Notebook-Restored')).toEqual({});
    expect(result.out).toContain('none: the snapshot has no data-manifest.json');
  });
});

describe('restore-notebook: changes nothing when it should not', () => {
  it('Given a snapshot with data, When run with --dry-run, Then it prints the plan and the exact request, and changes nothing', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix, '--dry-run'));

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.changes).toEqual([]);
    expect(account.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    const printed = result.out.split('CreateNotebookInstance request:\n')[1]?.split('\n\n')[0] ?? '';
    expect(JSON.parse(printed)).toEqual({
      NotebookInstanceName: NOTEBOOK,
      InstanceType: 'ml.t3.medium',
      RoleArn: ROLE,
      IpAddressType: 'ipv4',
      // The restore lifecycle configuration, and no code repositories until the data is back
      LifecycleConfigName: RESTORE_LIFECYCLE_CONFIG_NAME,
      DirectInternetAccess: 'Enabled',
      VolumeSizeInGB: 50,
      RootAccess: 'Enabled',
      PlatformIdentifier: 'notebook-al2-v3',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
      Tags: [
        { Key: 'team', Value: 'research' },
        { Key: 'cost-centre', Value: 'cc-42' },
        { Key: RECREATED_BY_TAG, Value: RESTORE_REQUESTED_BY },
      ],
    });
    expect(result.out).toContain(`restore-request.json (s3://${BUCKET}/${requestKey(snapshotPrefix)}):`);
    expect(result.out).toContain('Dry run: nothing was changed.');
  });

  it('Given a notebook with that name exists again, When restored, Then it is refused with the ways forward, and nothing changes', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();
    account.sagemaker.seedNotebook({ name: NOTEBOOK, status: 'InService', roleArn: ROLE });
    const request = account.s3.objectText(BUCKET, requestKey(snapshotPrefix));

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix, '--wait'));

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain(`notebook instance ${NOTEBOOK} already exists (InService`);
    expect(result.err).toContain('never overwrites a notebook');
    expect(result.err).toContain(
      `aws sagemaker delete-notebook-instance --notebook-instance-name ${NOTEBOOK}`,
    );
    expect(result.err).toContain('--name <new name> restores beside it only for a snapshot without data');
    expect(result.changes).toEqual([]);
    expect(account.s3.objectText(BUCKET, requestKey(snapshotPrefix))).toBe(request);
  });

  it('Given a snapshot with data, When restored under another name, Then it is refused: the restore script only restores into a notebook of the same name', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix, '--name', 'Other-Notebook'));

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain('--name cannot be used for this snapshot: it has data');
    expect(result.err).toContain('lifecycle/restore-on-create.sh');
    expect(result.changes).toEqual([]);
  });

  it('Given a snapshot with data, When run without --restore-lifecycle-config, Then it says the option is required and why', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(account, ['--bucket', BUCKET, '--snapshot', snapshotPrefix]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(
      '--restore-lifecycle-config <name> is required: this snapshot has data (4 files)',
    );
    expect(result.changes).toEqual([]);
  });

  it('Given a restore lifecycle configuration for another bucket, When restored with it, Then it is refused before anything is written', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();
    account.sagemaker.seedLifecycleConfig({
      name: 'other-restore',
      onCreate: restoreOnCreateScript('some-other-backup-bucket'),
    });

    const result = await whenRestoreRuns(account, [
      '--bucket',
      BUCKET,
      '--snapshot',
      snapshotPrefix,
      '--restore-lifecycle-config',
      'other-restore',
    ]);

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain(`other-restore is not the restore configuration for bucket ${BUCKET}`);
    expect(result.changes).toEqual([]);
  });

  it('Given clients in another region than the snapshot, When restored, Then it is refused and names the region', async () => {
    const { account, snapshotPrefix } = await givenDeletedNotebook();

    const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix), { region: 'us-east-1' });

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(`pass --region ${REGION}`);
    expect(result.changes).toEqual([]);
  });

  it.each([
    [
      'invalid',
      (text: string) => text.replace(`"RoleArn": "${ROLE}"`, '"RoleArn": "not-a-role"'),
      'configuration.json is invalid: notebook.RoleArn',
    ],
    ['not JSON', () => '{"version": 1,', 'configuration.json is not JSON'],
    ['missing', undefined, `no configuration.json in s3://${BUCKET}/`],
  ])(
    'Given a configuration.json that is %s, When restored, Then it is refused with the reason',
    async (_case, edit, reason) => {
      const { account, snapshotPrefix } = await givenDeletedNotebook();
      const key = `${snapshotPrefix}/configuration.json`;
      if (edit)
        account.s3.putObject({
          Bucket: BUCKET,
          Key: key,
          Body: edit(account.s3.objectText(BUCKET, key) ?? ''),
        });
      else account.s3.deleteObject({ Bucket: BUCKET, Key: key });
      const before = account.calls.length;

      const result = await whenRestoreRuns(account, restoreArgs(snapshotPrefix, '--wait'));

      expect(result.exitCode).toBe(EXIT_FAILED);
      expect(result.err).toContain(reason);
      expect(account.calls.slice(before).filter((call) => call.service === 'SageMaker')).toEqual([]);
      expect(account.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    },
  );
});

describe('restore-notebook: usage', () => {
  const SNAPSHOT = 'roles/AROAEXAMPLE:SageMaker/Research-Notebook/20261123T090000Z-run-1';

  it.each([
    ['no arguments', [], '--bucket <name> is required'],
    ['no --snapshot', ['--bucket', BUCKET], '--snapshot <prefix> is required'],
    [
      'a prefix that is not a snapshot',
      ['--bucket', BUCKET, '--snapshot', 'Research-Notebook'],
      'is not a snapshot prefix',
    ],
    [
      'an s3:// URL as prefix',
      ['--bucket', BUCKET, '--snapshot', `s3://${BUCKET}/${SNAPSHOT}`],
      'without s3://',
    ],
    [
      'unknown settings',
      ['--bucket', BUCKET, '--snapshot', SNAPSHOT, '--settings', 'fixed'],
      'original or planned',
    ],
    [
      'an unknown option',
      ['--bucket', BUCKET, '--snapshot', SNAPSHOT, '--force'],
      "Unknown option '--force'",
    ],
    [
      'a repeated option',
      ['--bucket', BUCKET, '--bucket', BUCKET, '--snapshot', SNAPSHOT],
      '--bucket is given twice',
    ],
    [
      'a bucket name with adjacent dots',
      ['--bucket', 'backups..example', '--snapshot', SNAPSHOT],
      'is not an S3 bucket name: it must not contain two adjacent dots',
    ],
    [
      'a bad --name',
      ['--bucket', BUCKET, '--snapshot', SNAPSHOT, '--name', 'has_underscore'],
      'not a notebook instance name',
    ],
    [
      '--wait with --dry-run',
      ['--bucket', BUCKET, '--snapshot', SNAPSHOT, '--wait', '--dry-run'],
      'nothing to --wait for',
    ],
    [
      'a bad --wait-minutes',
      ['--bucket', BUCKET, '--snapshot', SNAPSHOT, '--wait', '--wait-minutes', '0'],
      '--wait-minutes must be',
    ],
  ])(
    'Given %s, When run, Then it exits 2 with the reason and the usage text, calling nothing',
    async (_case, args, reason) => {
      const account = new SimulatedAccount({ latencyMs: 0 });
      accounts.push(account);

      const result = await whenRestoreRuns(account, args);

      expect(result.exitCode).toBe(EXIT_USAGE);
      expect(result.err).toContain(reason);
      expect(result.err).toContain(
        'Usage: npx tsx bin/restore-notebook.ts --bucket <bucket> --snapshot <snapshot prefix>',
      );
      expect(account.calls).toEqual([]);
    },
  );

  it('Given --help, When run, Then it prints the usage text and exits 0', async () => {
    const account = new SimulatedAccount({ latencyMs: 0 });
    accounts.push(account);

    const result = await whenRestoreRuns(account, ['--help']);

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.out).toContain('--settings original|planned');
    expect(account.calls).toEqual([]);
  });

  it('Given the command the finding note gives, When parsed, Then the defaults are original settings, no wait, 20-minute bound', () => {
    expect(parseRestoreArguments(['--bucket', BUCKET, '--snapshot', `${SNAPSHOT}/`])).toEqual({
      kind: 'options',
      options: {
        bucket: BUCKET,
        snapshotPrefix: SNAPSHOT,
        settings: 'original',
        wait: false,
        waitMinutes: 20,
        dryRun: false,
      },
    });
  });
});

/** The notebook prefix's restore-request.json: the parent of the snapshot prefix. */
function requestKey(snapshotPrefix: string): string {
  return `${snapshotPrefix.slice(0, snapshotPrefix.lastIndexOf('/'))}/restore-request.json`;
}
