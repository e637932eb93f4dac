import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateNotebookInstanceInput } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { notebookPrefix, requestKeys } from '../../handlers/shared/notebook-backup-layout.js';
import { SimulatedAccount, type SimulatedAccountOptions } from '../../simulation/account/account.js';
import { roleIdFor } from '../../simulation/account/iam.js';
import { errorOf } from '../unit/caught-errors.js';

const SECOND = 1_000;
const START_MS = Date.parse('2026-11-23T09:00:00.000Z');
const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
const BUCKET = 'remediation-backups-111122223333';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) {
    cleanup();
  }
});

function setup(options: SimulatedAccountOptions = {}) {
  const account = new SimulatedAccount({ latencyMs: 0, ...options });
  cleanups.push(() => account.dispose());
  return { account, sagemaker: account.sagemaker, clock: account.clock };
}

/** A stopped notebook whose OnStart copies notes.txt from its volume to `bucket` with the stand-in CLI. */
function givenNotebookCopyingTo(bucket: string) {
  const world = setup();
  world.account.s3.seedBucket(bucket);
  world.sagemaker.seedLifecycleConfig({
    name: 'copy',
    onStart: `aws s3 cp "$SAGEMAKER_VOLUME/notes.txt" "s3://${bucket}/copied/notes.txt"`,
  });
  world.sagemaker.seedNotebook({
    name: 'research',
    status: 'Stopped',
    lifecycleConfigName: 'copy',
    files: { 'notes.txt': 'my notes' },
  });
  return world;
}

function b64(script: string): string {
  return Buffer.from(script, 'utf8').toString('base64');
}

function createRequest(
  name: string,
  extra: Partial<CreateNotebookInstanceInput> = {},
): CreateNotebookInstanceInput {
  return { NotebookInstanceName: name, InstanceType: 'ml.t3.medium', RoleArn: ROLE, ...extra };
}

describe('Notebook instance lifecycle configurations (API)', () => {
  it('Create then Describe: lowercased ARN, times, and the hooks as given', () => {
    // Given
    const { sagemaker } = setup();
    const onCreate = b64('echo restore');

    // When
    const created = sagemaker.resources.createNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'Remediation-Restore',
      OnCreate: [{ Content: onCreate }],
    });
    const described = sagemaker.resources.describeNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'remediation-restore',
    });

    // Then
    const arn =
      'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance-lifecycle-config/remediation-restore';
    expect(created).toEqual({ NotebookInstanceLifecycleConfigArn: arn });
    expect(described).toEqual({
      NotebookInstanceLifecycleConfigArn: arn,
      NotebookInstanceLifecycleConfigName: 'Remediation-Restore',
      OnCreate: [{ Content: onCreate }],
      CreationTime: new Date(START_MS),
      LastModifiedTime: new Date(START_MS),
    });
  });

  it.each([
    [
      'two OnStart scripts',
      { OnStart: [{ Content: b64('a') }, { Content: b64('b') }] },
      "at 'onStart' failed to satisfy constraint: Member must have length less than or equal to 1",
    ],
    [
      'a script over 16384 characters',
      { OnStart: [{ Content: 'A'.repeat(16388) }] },
      "at 'onStart.1.member.content' failed to satisfy constraint: Member must have length less than or equal to 16384",
    ],
    ['a script that is not base64', { OnCreate: [{ Content: 'echo hi' }] }, 'must be base64-encoded'],
    [
      'an invalid name',
      { NotebookInstanceLifecycleConfigName: 'bad_name' },
      "at 'notebookInstanceLifecycleConfigName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
  ])('Create with %s: ValidationException', (_, change, message) => {
    // Given
    const { sagemaker } = setup();

    // When
    const error = errorOf(() =>
      sagemaker.resources.createNotebookInstanceLifecycleConfig({
        NotebookInstanceLifecycleConfigName: 'config',
        ...change,
      }),
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(message);
  });

  it('Update replaces the hooks it is given and keeps the others; Delete removes the configuration', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({ name: 'config', onCreate: 'echo create', onStart: 'echo start' });
    clock.advance(10 * SECOND);

    // When
    sagemaker.resources.updateNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'config',
      OnStart: [{ Content: b64('echo new start') }],
    });
    const updated = sagemaker.resources.describeNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'config',
    });
    sagemaker.resources.deleteNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'config',
    });
    const afterDelete = errorOf(() =>
      sagemaker.resources.describeNotebookInstanceLifecycleConfig({
        NotebookInstanceLifecycleConfigName: 'config',
      }),
    );

    // Then
    expect(updated.OnCreate).toEqual([{ Content: b64('echo create') }]);
    expect(updated.OnStart).toEqual([{ Content: b64('echo new start') }]);
    expect(updated.LastModifiedTime).toEqual(new Date(START_MS + 10 * SECOND));
    expect(updated.CreationTime).toEqual(new Date(START_MS));
    expect(afterDelete.name).toBe('ValidationException');
    expect(afterDelete.message).toContain('notebook-instance-lifecycle-config/config');
  });

  it('List filters by name, sorts and pages', () => {
    // Given
    const { sagemaker } = setup();
    for (const name of ['restore-b', 'restore-a', 'other', 'restore-c']) {
      sagemaker.seedLifecycleConfig({ name, onStart: 'true' });
    }

    // When
    const first = sagemaker.resources.listNotebookInstanceLifecycleConfigs({
      NameContains: 'restore',
      SortBy: 'Name',
      SortOrder: 'Ascending',
      MaxResults: 2,
    });
    const second = sagemaker.resources.listNotebookInstanceLifecycleConfigs({
      NameContains: 'restore',
      SortBy: 'Name',
      SortOrder: 'Ascending',
      MaxResults: 2,
      NextToken: first.NextToken,
    });

    // Then
    const names = (page: typeof first) =>
      page.NotebookInstanceLifecycleConfigs.map((config) => config.NotebookInstanceLifecycleConfigName);
    expect(names(first)).toEqual(['restore-a', 'restore-b']);
    expect(names(second)).toEqual(['restore-c']);
    expect(second.NextToken).toBeUndefined();
  });

  it('a notebook can only name a configuration that exists; DisassociateLifecycleConfig removes it', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({ name: 'restore', onStart: 'true' });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped' });

    // When
    const unknownOnCreate = errorOf(() =>
      sagemaker.createNotebookInstance(createRequest('fresh', { LifecycleConfigName: 'missing' })),
    );
    const unknownOnUpdate = errorOf(() =>
      sagemaker.updateNotebookInstance({ NotebookInstanceName: 'research', LifecycleConfigName: 'missing' }),
    );
    sagemaker.updateNotebookInstance({ NotebookInstanceName: 'research', LifecycleConfigName: 'restore' });
    clock.advance(60 * SECOND);
    const associated = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' });
    sagemaker.updateNotebookInstance({ NotebookInstanceName: 'research', DisassociateLifecycleConfig: true });
    clock.advance(60 * SECOND);
    const disassociated = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' });

    // Then
    for (const error of [unknownOnCreate, unknownOnUpdate]) {
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe(
        "Unable to describe Notebook Instance Lifecycle Config 'arn:aws:sagemaker:eu-west-1:111122223333:" +
          "notebook-instance-lifecycle-config/missing'. (Reason: RecordNotFound)",
      );
    }
    expect(sagemaker.hasNotebook('fresh')).toBe(false);
    expect(associated.NotebookInstanceLifecycleConfigName).toBe('restore');
    expect(disassociated).not.toHaveProperty('NotebookInstanceLifecycleConfigName');
  });

  it('through Step Functions, a missing configuration is the generic SageMaker.SageMakerException', async () => {
    // Given
    const { account } = setup();

    // When
    let error: unknown;
    try {
      await account.callStepFunctionsIntegration(
        'arn:aws:states:::aws-sdk:sagemaker:describeNotebookInstanceLifecycleConfig',
        { NotebookInstanceLifecycleConfigName: 'missing' },
      );
    } catch (caught) {
      error = caught;
    }

    // Then
    expect(error).toMatchObject({ name: 'SageMaker.SageMakerException' });
    expect((error as Error).message).toContain('Error Code: ValidationException');
  });
});

describe('Code repositories', () => {
  it('Create then Describe: GitConfig as given, for a configuration snapshot to record', () => {
    // Given
    const { sagemaker } = setup();
    const gitConfig = {
      RepositoryUrl: 'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/shared-utils',
      Branch: 'main',
      SecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:git-credentials-AbCdEf',
    };

    // When
    const created = sagemaker.resources.createCodeRepository({
      CodeRepositoryName: 'Shared-Utils',
      GitConfig: gitConfig,
    });
    const described = sagemaker.resources.describeCodeRepository({ CodeRepositoryName: 'Shared-Utils' });

    // Then
    const arn = 'arn:aws:sagemaker:eu-west-1:111122223333:code-repository/shared-utils';
    expect(created).toEqual({ CodeRepositoryArn: arn });
    expect(described).toEqual({
      CodeRepositoryName: 'Shared-Utils',
      CodeRepositoryArn: arn,
      CreationTime: new Date(START_MS),
      LastModifiedTime: new Date(START_MS),
      GitConfig: gitConfig,
    });
  });

  it('GitConfig must have an https URL; Describe of an unknown repository is a ValidationException', () => {
    // Given
    const { sagemaker } = setup();

    // When
    const badUrl = errorOf(() =>
      sagemaker.resources.createCodeRepository({
        CodeRepositoryName: 'repo',
        GitConfig: { RepositoryUrl: 'http://example.com/repo.git' },
      }),
    );
    const unknown = errorOf(() =>
      sagemaker.resources.describeCodeRepository({ CodeRepositoryName: 'nothing' }),
    );

    // Then
    expect(badUrl.message).toContain("at 'gitConfig.repositoryUrl' failed to satisfy constraint");
    expect(unknown.name).toBe('ValidationException');
  });

  it('a notebook takes repositories by URL or by the name of a code repository, not an unknown name', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedCodeRepository({
      name: 'shared-utils',
      repositoryUrl: 'https://example.com/team/utils.git',
    });

    // When
    sagemaker.createNotebookInstance(
      createRequest('research', {
        DefaultCodeRepository: 'https://example.com/team/notebooks.git',
        AdditionalCodeRepositories: ['shared-utils'],
      }),
    );
    const unknownOnCreate = errorOf(() =>
      sagemaker.createNotebookInstance(createRequest('other', { DefaultCodeRepository: 'not-a-repository' })),
    );
    clock.advance(180 * SECOND);
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(60 * SECOND);
    const unknownOnUpdate = errorOf(() =>
      sagemaker.updateNotebookInstance({
        NotebookInstanceName: 'research',
        AdditionalCodeRepositories: ['nope'],
      }),
    );

    // Then
    expect(sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' })).toMatchObject({
      DefaultCodeRepository: 'https://example.com/team/notebooks.git',
      AdditionalCodeRepositories: ['shared-utils'],
    });
    expect(unknownOnCreate.name).toBe('ValidationException');
    expect(unknownOnCreate.message).toContain('not-a-repository');
    expect(unknownOnUpdate.name).toBe('ValidationException');
  });
});

describe('Notebook storage volumes and lifecycle scripts', () => {
  it('a notebook created with a lifecycle config runs OnCreate then OnStart at the end of Pending', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.resources.createNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'restore',
      OnCreate: [
        {
          Content: b64(
            'echo restored > "$SAGEMAKER_VOLUME/restored.txt"\necho OnCreate >> "$SAGEMAKER_VOLUME/order.log"\n',
          ),
        },
      ],
      OnStart: [{ Content: b64('echo OnStart >> "$SAGEMAKER_VOLUME/order.log"\n') }],
    });

    // When
    sagemaker.createNotebookInstance(createRequest('research', { LifecycleConfigName: 'restore' }));
    const whilePending = sagemaker.volumeFiles('research');
    clock.advance(180 * SECOND);
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' });

    // Then
    expect(whilePending).toEqual({});
    expect(described.NotebookInstanceStatus).toBe('InService');
    expect(sagemaker.volumeFiles('research')).toEqual({
      'order.log': 'OnCreate\nOnStart\n',
      'restored.txt': 'restored\n',
    });
    expect(sagemaker.lifecycleRuns('research')).toEqual([
      expect.objectContaining({ hook: 'OnCreate', exitCode: 0, at: new Date(START_MS + 180 * SECOND) }),
      expect.objectContaining({ hook: 'OnStart', exitCode: 0, lifecycleConfigName: 'restore' }),
    ]);
  });

  it('OnStart runs on every start, OnCreate only at creation', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({
      name: 'log',
      onCreate: 'echo OnCreate >> "$SAGEMAKER_VOLUME/order.log"',
      onStart: 'echo OnStart >> "$SAGEMAKER_VOLUME/order.log"',
    });
    sagemaker.createNotebookInstance(createRequest('research', { LifecycleConfigName: 'log' }));
    clock.advance(180 * SECOND);

    // When
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(60 * SECOND);
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('InService');
    expect(sagemaker.volumeFiles('research')).toEqual({ 'order.log': 'OnCreate\nOnStart\nOnStart\n' });
  });

  it('a failing OnStart ends the start in Failed, with the reason AWS gives', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({ name: 'backup', onStart: 'echo "copy failed" >&2\nexit 3\n' });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'backup' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' });

    // Then
    expect(described.NotebookInstanceStatus).toBe('Failed');
    expect(described.FailureReason).toBe(
      "Notebook Instance Lifecycle Config 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance-lifecycle-config/backup' " +
        "for Notebook Instance 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research' took longer than " +
        '5 minutes. Please check your CloudWatch logs for more details if your Notebook Instance has Internet access.',
    );
    expect(sagemaker.lifecycleRuns('research')).toEqual([
      expect.objectContaining({ hook: 'OnStart', exitCode: 3, timedOut: false, output: 'copy failed\n' }),
    ]);
  });

  it('a failing OnCreate fails the creation, and OnStart does not run', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({
      name: 'restore',
      onCreate: 'exit 1',
      onStart: 'touch "$SAGEMAKER_VOLUME/started"',
    });

    // When
    sagemaker.createNotebookInstance(createRequest('research', { LifecycleConfigName: 'restore' }));
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('Failed');
    expect(sagemaker.volumeFiles('research')).toEqual({});
    expect(sagemaker.lifecycleRuns('research').map((run) => run.hook)).toEqual(['OnCreate']);
  });

  it('a script running past the time limit is killed and the start ends Failed', () => {
    // Given
    const { sagemaker, clock } = setup({ lifecycleScriptTimeoutMs: 150 });
    sagemaker.seedLifecycleConfig({ name: 'slow', onStart: 'sleep 20' });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'slow' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('Failed');
    const [run] = sagemaker.lifecycleRuns('research');
    expect(run).toMatchObject({ timedOut: true, exitCode: null });
    expect(run?.realDurationMs).toBeLessThan(5_000);
  });

  it('processes a script leaves behind are killed and reported', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({
      name: 'background',
      onStart: 'nohup sleep 30 >/dev/null 2>&1 &\necho started',
    });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'background' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('InService');
    expect(sagemaker.lifecycleRuns('research')).toEqual([
      expect.objectContaining({ exitCode: 0, leftBackgroundProcesses: true, output: 'started\n' }),
    ]);
  });

  it('scripts get the environment contract: volume, resource metadata, S3 root, role id, foreground backup', () => {
    // Given
    const { account, sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({
      name: 'env',
      onStart: [
        'cd "$SAGEMAKER_VOLUME"',
        'printf "%s\\n" "$FAKE_ROLE_ID" "$BACKUP_FOREGROUND" "$FAKE_S3_ROOT" "$AWS_REGION" > env.txt',
        'cp "$RESOURCE_METADATA" metadata.json',
        'test -d "$HOME" && test -d "$TMPDIR" && echo ok > dirs.txt',
        'test -z "$AWS_PROFILE$AWS_ACCESS_KEY_ID" && echo clean > credentials.txt',
      ].join('\n'),
    });
    sagemaker.seedNotebook({
      name: 'Research',
      status: 'Stopped',
      lifecycleConfigName: 'env',
      roleArn: ROLE,
    });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'Research' });
    clock.advance(180 * SECOND);

    // Then
    const files = sagemaker.volumeFiles('Research');
    expect(files['env.txt']).toBe(`${roleIdFor(ROLE)}\n1\n${account.s3.root}\neu-west-1\n`);
    expect(roleIdFor(ROLE)).toBe(
      account.iam.getRole({ RoleName: 'AmazonSageMaker-ExecutionRole-20261101T000000' }).Role.RoleId,
    );
    expect(JSON.parse(files['metadata.json'] ?? '')).toEqual({
      ResourceName: 'Research',
      ResourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research',
    });
    expect(files['dirs.txt']).toBe('ok\n');
    expect(files['credentials.txt']).toBe('clean\n');
  });

  it('lifecycleScriptEnv adds variables to every run (fault injection for the stand-in aws)', () => {
    // Given
    const { account, sagemaker, clock } = setup({ lifecycleScriptEnv: { FAKE_AWS_FAIL_ON: 'data/' } });
    account.notebookHost.extraEnv.EXTRA = 'later';
    sagemaker.seedLifecycleConfig({
      name: 'env',
      onStart: 'echo "$FAKE_AWS_FAIL_ON $EXTRA" > "$SAGEMAKER_VOLUME/env"',
    });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'env' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.volumeFiles('research')).toEqual({ env: 'data/ later\n' });
  });

  it('Given a script that copies the volume into FAKE_S3_ROOT, When the notebook starts, Then the objects appear through the S3 API once the modelled copy is done, stamped with that time', async () => {
    // Given: a backup request put through the API, at the notebook's prefix of the backup layout
    const { account, sagemaker, clock } = setup();
    account.s3.seedBucket(BUCKET);
    const prefix = notebookPrefix(roleIdFor(ROLE), 'research');
    account.s3.putObject({ Bucket: BUCKET, Key: requestKeys(prefix).backup, Body: '{"snapshot":"snap-1"}' });
    sagemaker.seedLifecycleConfig({
      name: 'backup',
      onStart: [
        'set -euo pipefail',
        `base="$FAKE_S3_ROOT/${BUCKET}/roles/$FAKE_ROLE_ID:SageMaker/research"`,
        'snapshot=$(sed -E \'s/.*"snapshot":"([^"]+)".*/\\1/\' "$base/backup-request.json")',
        'mkdir -p "$base/$snapshot/data"',
        'cp -R "$SAGEMAKER_VOLUME/." "$base/$snapshot/data/"',
      ].join('\n'),
    });
    sagemaker.seedNotebook({
      name: 'research',
      status: 'Stopped',
      lifecycleConfigName: 'backup',
      roleArn: ROLE,
      files: { 'notebooks/analysis.ipynb': '{"cells":[]}', 'data/raw.bin': new Uint8Array([0, 1, 2]) },
    });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);
    // The listing itself lets the due start (and its script) happen first; the copy is then in flight.
    const inFlight = account.s3.listObjectsV2({ Bucket: BUCKET, Prefix: `${prefix}/snap-1/` });
    // 10 s fixed, 4 entries at 0.5 ms, 15 bytes at 32 MB/s: the objects land in the 10th second.
    clock.advance(11 * SECOND);
    const listed = account.s3.listObjectsV2({ Bucket: BUCKET, Prefix: `${prefix}/snap-1/` });

    // Then
    expect(inFlight.KeyCount).toBe(0);
    expect(listed.Contents?.map((object) => [object.Key, object.Size, object.LastModified])).toEqual([
      [`${prefix}/snap-1/data/data/raw.bin`, 3, new Date(START_MS + 190 * SECOND)],
      [`${prefix}/snap-1/data/notebooks/analysis.ipynb`, 12, new Date(START_MS + 190 * SECOND)],
    ]);
    const notebook = account.s3.getObject({
      Bucket: BUCKET,
      Key: `${prefix}/snap-1/data/notebooks/analysis.ipynb`,
    });
    expect(await notebook.Body.transformToString()).toBe('{"cells":[]}');
    expect(sagemaker.statusOf('research')).toBe('InService');
  });

  it('delete destroys the volume once the delete completes; a new notebook of that name starts empty', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', files: { 'work.ipynb': 'precious' } });
    const volume = sagemaker.volumePath('research');

    // When
    sagemaker.deleteNotebookInstance({ NotebookInstanceName: 'research' });
    const whileDeleting = sagemaker.volumeFiles('research');
    clock.advance(60 * SECOND);
    const gone = errorOf(() => sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' }));
    sagemaker.createNotebookInstance(createRequest('research'));

    // Then
    expect(whileDeleting).toEqual({ 'work.ipynb': 'precious' });
    expect(gone.message).toBe('RecordNotFound');
    expect(existsSync(volume)).toBe(false);
    expect(sagemaker.volumeFiles('research')).toEqual({});
    expect(sagemaker.volumePath('research')).not.toBe(volume);
  });

  it('seeded files read back as text or bytes', () => {
    // Given
    const { sagemaker } = setup();

    // When
    sagemaker.seedNotebook({
      name: 'research',
      files: { 'a/b.txt': 'text', 'c.bin': new Uint8Array([255, 0]) },
    });

    // Then
    expect(Object.keys(sagemaker.volumeFiles('research'))).toEqual(['a/b.txt', 'c.bin']);
    expect([...(sagemaker.volumeFileBytes('research')['c.bin'] ?? [])]).toEqual([255, 0]);
  });

  it('a configuration deleted while a notebook names it: the notebook starts and runs nothing', () => {
    // Given
    const { sagemaker, clock } = setup();
    sagemaker.seedLifecycleConfig({ name: 'gone', onStart: 'exit 1' });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'gone' });
    sagemaker.resources.deleteNotebookInstanceLifecycleConfig({
      NotebookInstanceLifecycleConfigName: 'gone',
    });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('InService');
    expect(sagemaker.lifecycleRuns('research')).toEqual([]);
  });

  it('without the stand-in aws CLI, `aws` is a guard that fails: a script never reaches the real CLI', () => {
    // Given
    const emptyDir = mkdtempSync(join(tmpdir(), 'no-fake-aws-'));
    cleanups.push(() => rmSync(emptyDir, { recursive: true, force: true }));
    const { sagemaker, clock } = setup({ fakeAwsDir: emptyDir });
    sagemaker.seedLifecycleConfig({ name: 'uses-aws', onStart: 'aws sts get-caller-identity' });
    sagemaker.seedNotebook({ name: 'research', status: 'Stopped', lifecycleConfigName: 'uses-aws' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    expect(sagemaker.statusOf('research')).toBe('Failed');
    const [run] = sagemaker.lifecycleRuns('research');
    expect(run?.exitCode).toBe(127);
    expect(run?.output).toContain('stand-in CLI is not installed');
  });

  it('Given a bucket named for SageMaker, which the typical notebook role may write, When `aws s3 cp` copies from the volume, Then the object lands in the simulated bucket as the role session', async () => {
    // Given
    const bucket = 'sagemaker-notes-111122223333';
    const { account, sagemaker, clock } = givenNotebookCopyingTo(bucket);

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);
    sagemaker.statusOf('research');
    clock.advance(11 * SECOND);

    // Then
    expect(sagemaker.lifecycleRuns('research')).toEqual([expect.objectContaining({ exitCode: 0 })]);
    const object = account.s3.getObject({ Bucket: bucket, Key: 'copied/notes.txt' });
    expect(await object.Body.transformToString()).toBe('my notes');
    expect(account.authorizations.filter((entry) => entry.caller.sessionName === 'SageMaker')).toEqual([
      expect.objectContaining({ action: 's3:PutObject', decision: 'Allowed' }),
    ]);
  });

  it('Given a bucket the notebook role has no grant on, When `aws s3 cp` copies into it, Then the script fails with the AccessDenied AWS gives and nothing lands', () => {
    // Given
    const { account, sagemaker, clock } = givenNotebookCopyingTo(BUCKET);

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });
    clock.advance(180 * SECOND);

    // Then
    const [run] = sagemaker.lifecycleRuns('research');
    expect(run?.exitCode).not.toBe(0);
    expect(run?.output).toContain(
      `An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/AmazonSageMaker-ExecutionRole-20261101T000000/SageMaker is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${BUCKET}/copied/notes.txt because no identity-based policy allows the s3:PutObject action`,
    );
    expect(account.s3.listObjectsV2({ Bucket: BUCKET }).KeyCount).toBe(0);
    expect(sagemaker.statusOf('research')).toBe('Failed');
  });
});
