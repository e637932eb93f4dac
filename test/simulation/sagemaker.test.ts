import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { FaultInjector } from '../../simulation/account/faults.js';
import {
  type NotebookInstanceStatus,
  SimulatedSageMaker,
  type Tag,
} from '../../simulation/account/sagemaker.js';
import { errorOf } from '../unit/caught-errors.js';

const SECOND = 1_000;

function setup() {
  const clock = new SimulatedClock();
  const faults = new FaultInjector(clock);
  const sagemaker = new SimulatedSageMaker(clock, { faults });
  return { clock, faults, sagemaker };
}

function statusOf(sagemaker: SimulatedSageMaker, name: string): NotebookInstanceStatus {
  return sagemaker.describeNotebookInstance({ NotebookInstanceName: name }).NotebookInstanceStatus;
}

/** Runs the call and returns the AwsServiceError it throws. */

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';

describe('SimulatedSageMaker notebook lifecycle', () => {
  it('create: Pending, then InService after 180 s, with the ARN lowercasing the name', () => {
    // Given
    const { clock, sagemaker } = setup();

    // When
    const { NotebookInstanceArn } = sagemaker.createNotebookInstance({
      NotebookInstanceName: 'Research-Notebook',
      InstanceType: 'ml.t3.medium',
      RoleArn: ROLE,
    });

    // Then
    expect(NotebookInstanceArn).toBe(
      'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
    );
    expect(statusOf(sagemaker, 'Research-Notebook')).toBe('Pending');
    clock.advance(180 * SECOND - 1);
    expect(statusOf(sagemaker, 'Research-Notebook')).toBe('Pending');
    clock.advance(1);
    expect(statusOf(sagemaker, 'Research-Notebook')).toBe('InService');
  });

  it('describe returns the real response shape, with the defaults AWS applies and Dates', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.createNotebookInstance({
      NotebookInstanceName: 'Shape',
      InstanceType: 'ml.t3.medium',
      RoleArn: ROLE,
      SubnetId: 'subnet-0123456789abcdef0',
      SecurityGroupIds: ['sg-0123456789abcdef0'],
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      DefaultCodeRepository: 'https://github.com/example/repo.git',
    });

    // When
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'shape' });

    // Then
    expect(described).toMatchObject({
      NotebookInstanceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/shape',
      NotebookInstanceName: 'Shape',
      NotebookInstanceStatus: 'Pending',
      Url: 'shape.notebook.eu-west-1.sagemaker.aws',
      InstanceType: 'ml.t3.medium',
      SubnetId: 'subnet-0123456789abcdef0',
      SecurityGroups: ['sg-0123456789abcdef0'],
      RoleArn: ROLE,
      DirectInternetAccess: 'Enabled',
      VolumeSizeInGB: 5,
      RootAccess: 'Enabled',
      PlatformIdentifier: 'notebook-al2023-v1',
      DefaultCodeRepository: 'https://github.com/example/repo.git',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
    });
    expect(described.NetworkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.LastModifiedTime).toBeInstanceOf(Date);
    expect(described).not.toHaveProperty('FailureReason');
    expect(described).not.toHaveProperty('AdditionalCodeRepositories');
  });

  it('names are looked up case-insensitively', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'MixedCase' });

    // When
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'mixedcase' });

    // Then
    expect(described.NotebookInstanceName).toBe('MixedCase');
  });

  it('describe of an unknown notebook: ValidationException RecordNotFound', () => {
    // Given
    const { sagemaker } = setup();

    // When
    const error = errorOf(() => sagemaker.describeNotebookInstance({ NotebookInstanceName: 'missing' }));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('RecordNotFound');
    expect(error.$fault).toBe('client');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('stop from InService: Stopping, then Stopped after 60 s', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'InService' });

    // When
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'nb' });

    // Then
    expect(statusOf(sagemaker, 'nb')).toBe('Stopping');
    clock.advance(60 * SECOND - 1);
    expect(statusOf(sagemaker, 'nb')).toBe('Stopping');
    clock.advance(1);
    expect(statusOf(sagemaker, 'nb')).toBe('Stopped');
    expect(
      sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' }).LastModifiedTime.toISOString(),
    ).toBe('2026-11-23T09:01:00.000Z');
  });

  it('start from Stopped: Pending, then InService after 180 s', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'nb' });

    // Then
    expect(statusOf(sagemaker, 'nb')).toBe('Pending');
    clock.advance(180 * SECOND);
    expect(statusOf(sagemaker, 'nb')).toBe('InService');
  });

  it('start from Failed clears the FailureReason', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Failed', failureReason: 'Lifecycle script timed out' });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'nb' });
    clock.advance(180 * SECOND);

    // Then
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    expect(described.NotebookInstanceStatus).toBe('InService');
    expect(described).not.toHaveProperty('FailureReason');
  });

  it('update from Stopped: Updating, then Stopped after 60 s, the change applied only then', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped', rootAccess: 'Enabled' });

    // When
    sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', RootAccess: 'Disabled' });

    // Then
    const during = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    expect(during.NotebookInstanceStatus).toBe('Updating');
    expect(during.RootAccess).toBe('Enabled');
    clock.advance(60 * SECOND);
    const after = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    expect(after.NotebookInstanceStatus).toBe('Stopped');
    expect(after.RootAccess).toBe('Disabled');
  });

  it('delete from Stopped: Deleting, then RecordNotFound after 60 s, and the name is free again', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped' });

    // When
    sagemaker.deleteNotebookInstance({ NotebookInstanceName: 'nb' });

    // Then
    expect(statusOf(sagemaker, 'nb')).toBe('Deleting');
    const whileDeleting = errorOf(() =>
      sagemaker.createNotebookInstance({
        NotebookInstanceName: 'nb',
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE,
      }),
    );
    expect(whileDeleting.message).toBe(
      'Cannot create a duplicate Notebook Instance (arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb)',
    );
    clock.advance(60 * SECOND);
    expect(errorOf(() => statusOf(sagemaker, 'nb')).message).toBe('RecordNotFound');
    expect(() =>
      sagemaker.createNotebookInstance({
        NotebookInstanceName: 'nb',
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE,
      }),
    ).not.toThrow();
  });

  it.each([
    ['Pending', 'InService', 180],
    ['Stopping', 'Stopped', 60],
    ['Updating', 'Stopped', 60],
    ['InMaintenance', 'InService', 600],
  ] as const)('a notebook seeded %s becomes %s after %i s', (seeded, expected, seconds) => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: seeded });

    // When
    clock.advance(seconds * SECOND - 1);
    const before = statusOf(sagemaker, 'nb');
    clock.advance(1);

    // Then
    expect(before).toBe(seeded);
    expect(statusOf(sagemaker, 'nb')).toBe(expected);
  });

  it('a notebook seeded Deleting disappears after 60 s', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Deleting' });

    // When
    clock.advance(60 * SECOND);

    // Then
    expect(sagemaker.hasNotebook('nb')).toBe(false);
  });

  it.each(['InService', 'Stopped', 'Failed', 'PendingMaintenance'] as const)(
    'a notebook seeded %s stays so',
    (status) => {
      // Given
      const { clock, sagemaker } = setup();
      sagemaker.seedNotebook({ name: 'nb', status });

      // When
      clock.advance(24 * 3_600 * SECOND);

      // Then
      expect(statusOf(sagemaker, 'nb')).toBe(status);
    },
  );

  it('durations are configurable per account and per notebook', () => {
    // Given
    const clock = new SimulatedClock();
    const sagemaker = new SimulatedSageMaker(clock, { durations: { stopSeconds: 120 } });
    sagemaker.seedNotebook({ name: 'account-default', status: 'InService' });
    sagemaker.seedNotebook({ name: 'fast', status: 'InService', durations: { stopSeconds: 5 } });

    // When
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'account-default' });
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'fast' });
    clock.advance(60 * SECOND);

    // Then
    expect(statusOf(sagemaker, 'fast')).toBe('Stopped');
    expect(statusOf(sagemaker, 'account-default')).toBe('Stopping');
  });
});

describe('SimulatedSageMaker wrong-state errors', () => {
  const arn = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb';

  it.each([
    [
      'stop',
      'Stopping',
      `Status (Stopping) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (${arn})`,
    ],
    [
      'stop',
      'Stopped',
      `Status (Stopped) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (${arn})`,
    ],
    [
      'stop',
      'Pending',
      `Status (Pending) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (${arn})`,
    ],
    [
      'start',
      'InService',
      `Status (InService) not in ([Stopped, Failed]). Unable to transition to (Pending) for Notebook Instance (${arn})`,
    ],
    [
      'start',
      'Stopping',
      `Status (Stopping) not in ([Stopped, Failed]). Unable to transition to (Pending) for Notebook Instance (${arn})`,
    ],
    [
      'delete',
      'InService',
      `Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance (${arn})`,
    ],
    [
      'delete',
      'Updating',
      `Status (Updating) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance (${arn})`,
    ],
    [
      'update',
      'InService',
      `Status (InService) not in ([Stopped]). Unable to transition to (Updating) for Notebook Instance (${arn})`,
    ],
    [
      'update',
      'Failed',
      `Status (Failed) not in ([Stopped]). Unable to transition to (Updating) for Notebook Instance (${arn})`,
    ],
  ] as const)('%s from %s: ValidationException with the exact AWS message', (action, status, message) => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status });
    const calls = {
      stop: () => sagemaker.stopNotebookInstance({ NotebookInstanceName: 'nb' }),
      start: () => sagemaker.startNotebookInstance({ NotebookInstanceName: 'nb' }),
      delete: () => sagemaker.deleteNotebookInstance({ NotebookInstanceName: 'nb' }),
      update: () => sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', RootAccess: 'Disabled' }),
    };

    // When
    const error = errorOf(calls[action]);

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(message);
    expect(statusOf(sagemaker, 'nb')).toBe(status);
  });
});

describe('SimulatedSageMaker update rules', () => {
  it.each([
    ['DirectInternetAccess', 'Disabled'],
    ['SubnetId', 'subnet-0123456789abcdef0'],
    ['SecurityGroupIds', ['sg-0123456789abcdef0']],
    ['KmsKeyId', 'alias/notebooks'],
    ['NotebookInstanceNameNew', 'renamed'],
  ])('update with the immutable %s is rejected, naming it, and changes nothing', (field, value) => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped' });

    // When
    const error = errorOf(() =>
      sagemaker.updateNotebookInstance({
        NotebookInstanceName: 'nb',
        RootAccess: 'Disabled',
        [field]: value,
      } as never),
    );
    clock.advance(3_600 * SECOND);

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(`Unknown parameter in input: "${field}"`);
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    expect(described.NotebookInstanceStatus).toBe('Stopped');
    expect(described.RootAccess).toBe('Enabled');
  });

  it('the volume can grow but not shrink', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped', volumeSizeInGB: 20 });

    // When
    const shrink = errorOf(() =>
      sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', VolumeSizeInGB: 10 }),
    );
    sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', VolumeSizeInGB: 50 });
    clock.advance(60 * SECOND);

    // Then
    expect(shrink.name).toBe('ValidationException');
    expect(sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' }).VolumeSizeInGB).toBe(50);
  });

  it('updatable fields all apply at completion, and Disassociate flags clear theirs', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({
      name: 'nb',
      status: 'Stopped',
      lifecycleConfigName: 'sync-to-s3',
      additionalCodeRepositories: ['https://github.com/example/a.git'],
      platformIdentifier: 'notebook-al2-v2',
    });

    // When
    sagemaker.updateNotebookInstance({
      NotebookInstanceName: 'nb',
      InstanceType: 'ml.m5.xlarge',
      PlatformIdentifier: 'notebook-al2023-v1',
      DisassociateLifecycleConfig: true,
      DisassociateAdditionalCodeRepositories: true,
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
    });
    clock.advance(60 * SECOND);

    // Then
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    expect(described.InstanceType).toBe('ml.m5.xlarge');
    expect(described.PlatformIdentifier).toBe('notebook-al2023-v1');
    expect(described).not.toHaveProperty('NotebookInstanceLifecycleConfigName');
    expect(described).not.toHaveProperty('AdditionalCodeRepositories');
  });

  it('an unsupported platform is refused with the AWS message', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped' });

    // When
    const error = errorOf(() =>
      sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', PlatformIdentifier: 'notebook-al1-v1' }),
    );

    // Then
    expect(error.message).toBe('Platform identifier (notebook-al1-v1) is not supported for this service.');
  });

  it('create validates the name pattern and length as the API does', () => {
    // Given
    const { sagemaker } = setup();

    // When
    const badPattern = errorOf(() =>
      sagemaker.createNotebookInstance({
        NotebookInstanceName: 'bad_name',
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE,
      }),
    );
    const tooLong = errorOf(() =>
      sagemaker.createNotebookInstance({
        NotebookInstanceName: 'a'.repeat(64),
        InstanceType: 'ml.t3.medium',
        RoleArn: ROLE,
      }),
    );

    // Then
    expect(badPattern.message).toBe(
      "1 validation error detected: Value 'bad_name' at 'notebookInstanceName' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*',
    );
    expect(tooLong.message).toContain('Member must have length less than or equal to 63');
  });
});

describe('SimulatedSageMaker tags', () => {
  const arn = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb';

  function manyTags(): Tag[] {
    const user = Array.from({ length: 50 }, (_, index) => ({ Key: `team-${index}`, Value: `v${index}` }));
    const system = Array.from({ length: 70 }, (_, index) => ({ Key: `aws:system-${index}`, Value: 's' }));
    return [...user, ...system];
  }

  it('ListTags pages 120 tags as 50, 50 and 20 with an opaque NextToken', () => {
    // Given: 50 user tags (the limit) and 70 aws: system tags, which do not count
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', tags: manyTags() });

    // When
    const first = sagemaker.listTags({ ResourceArn: arn });
    const second = sagemaker.listTags({ ResourceArn: arn, NextToken: first.NextToken });
    const third = sagemaker.listTags({ ResourceArn: arn, NextToken: second.NextToken });

    // Then
    expect([first.Tags.length, second.Tags.length, third.Tags.length]).toEqual([50, 50, 20]);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(third).not.toHaveProperty('NextToken');
    expect([...first.Tags, ...second.Tags, ...third.Tags]).toEqual(manyTags());
  });

  it('ListTags MaxResults below 50 is refused, as the API model sets its minimum to 50', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb' });

    // When
    const error = errorOf(() => sagemaker.listTags({ ResourceArn: arn, MaxResults: 10 }));

    // Then
    expect(error.message).toBe(
      "1 validation error detected: Value '10' at 'maxResults' failed to satisfy constraint: " +
        'Member must have value greater than or equal to 50',
    );
  });

  it('ListTags on an unknown ARN or with a forged token: ValidationException', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb' });

    // When
    const unknown = errorOf(() =>
      sagemaker.listTags({ ResourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/other' }),
    );
    const forged = errorOf(() => sagemaker.listTags({ ResourceArn: arn, NextToken: 'garbage' }));

    // Then
    expect(unknown.name).toBe('ValidationException');
    expect(forged.name).toBe('ValidationException');
  });

  it('AddTags overwrites existing keys, refuses aws: keys and more than 50 user tags', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', tags: [{ Key: 'owner', Value: 'alice' }] });

    // When
    sagemaker.addTags({ ResourceArn: arn, Tags: [{ Key: 'owner', Value: 'bob' }] });
    const reserved = errorOf(() =>
      sagemaker.addTags({ ResourceArn: arn, Tags: [{ Key: 'aws:x', Value: 'y' }] }),
    );
    const tooMany = errorOf(() =>
      sagemaker.addTags({
        ResourceArn: arn,
        Tags: Array.from({ length: 50 }, (_, index) => ({ Key: `k${index}`, Value: 'v' })),
      }),
    );

    // Then
    expect(sagemaker.listTags({ ResourceArn: arn }).Tags).toEqual([{ Key: 'owner', Value: 'bob' }]);
    expect(reserved.name).toBe('ValidationException');
    expect(tooMany.name).toBe('ValidationException');
  });

  it('DeleteTags removes the named keys', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({
      name: 'nb',
      tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });

    // When
    sagemaker.deleteTags({ ResourceArn: arn, TagKeys: ['a'] });

    // Then
    expect(sagemaker.listTags({ ResourceArn: arn }).Tags).toEqual([{ Key: 'b', Value: '2' }]);
  });
});

describe('SimulatedSageMaker notebook faults', () => {
  it('a notebook stuck in Stopping never reaches Stopped', () => {
    // Given
    const { clock, faults, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'InService' });
    faults.onNotebook('nb', { stuckInStopping: true });

    // When
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'nb' });
    clock.advance(24 * 3_600 * SECOND);

    // Then
    expect(statusOf(sagemaker, 'nb')).toBe('Stopping');
  });

  it('a start that fails ends in Failed with the FailureReason, once', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({
      name: 'nb',
      status: 'Stopped',
      faults: { startFailureReason: 'Unable to mount the ML storage volume' },
    });

    // When
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'nb' });
    clock.advance(180 * SECOND);
    const failed = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    sagemaker.startNotebookInstance({ NotebookInstanceName: 'nb' });
    clock.advance(180 * SECOND);

    // Then
    expect(failed.NotebookInstanceStatus).toBe('Failed');
    expect(failed.FailureReason).toBe('Unable to mount the ML storage volume');
    expect(statusOf(sagemaker, 'nb')).toBe('InService');
  });

  it('a rejected update leaves the notebook Stopped and unchanged', () => {
    // Given
    const { sagemaker } = setup();
    sagemaker.seedNotebook({
      name: 'nb',
      status: 'Stopped',
      faults: { rejectUpdate: { message: 'Denied by SCP' } },
    });

    // When
    const error = errorOf(() =>
      sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', RootAccess: 'Disabled' }),
    );

    // Then
    expect(error.message).toBe('Denied by SCP');
    expect(statusOf(sagemaker, 'nb')).toBe('Stopped');
  });

  it('a notebook deleted by someone else after StopNotebookInstance: Deleting once Stopped, then gone', () => {
    // Given: the other party asks for the deletion 10 s after the stop, while it is still Stopping
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({
      name: 'nb',
      status: 'InService',
      faults: { externalDeletion: { afterOperation: 'StopNotebookInstance', delayMs: 10 * SECOND } },
    });

    // When
    sagemaker.stopNotebookInstance({ NotebookInstanceName: 'nb' });
    clock.advance(10 * SECOND);
    const whileStopping = statusOf(sagemaker, 'nb');
    clock.advance(50 * SECOND);
    const onceStopped = statusOf(sagemaker, 'nb');
    clock.advance(60 * SECOND);

    // Then: AWS deletes only Stopped or Failed notebooks, so the deletion waited for the stop
    expect(whileStopping).toBe('Stopping');
    expect(onceStopped).toBe('Deleting');
    expect(errorOf(() => statusOf(sagemaker, 'nb')).message).toBe('RecordNotFound');
  });

  it('a running notebook deleted by someone else is stopped by them first', () => {
    // Given
    const { clock, faults, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'InService' });
    faults.onNotebook('nb', { externalDeletion: { at: new Date('2026-11-23T09:01:00.000Z') } });

    // When
    clock.advance(60 * SECOND);
    const first = statusOf(sagemaker, 'nb');
    clock.advance(60 * SECOND);
    const second = statusOf(sagemaker, 'nb');
    clock.advance(60 * SECOND);

    // Then
    expect([first, second]).toEqual(['Stopping', 'Deleting']);
    expect(sagemaker.hasNotebook('nb')).toBe(false);
  });

  it('an update that fails ends in Failed with the FailureReason and leaves the fields unchanged', () => {
    // Given
    const { clock, sagemaker } = setup();
    sagemaker.seedNotebook({
      name: 'nb',
      status: 'Stopped',
      faults: { updateFailureReason: 'Internal error' },
    });

    // When
    sagemaker.updateNotebookInstance({ NotebookInstanceName: 'nb', RootAccess: 'Disabled' });
    clock.advance(60 * SECOND);

    // Then
    const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: 'nb' });
    expect(described.NotebookInstanceStatus).toBe('Failed');
    expect(described.FailureReason).toBe('Internal error');
    expect(described.RootAccess).toBe('Enabled');
  });

  it('a notebook deleted by someone else at a given time goes Deleting then disappears', () => {
    // Given
    const { clock, faults, sagemaker } = setup();
    sagemaker.seedNotebook({ name: 'nb', status: 'Stopped', durations: { deleteSeconds: 0 } });
    faults.onNotebook('nb', { externalDeletion: { at: new Date('2026-11-23T09:05:00.000Z') } });

    // When
    clock.advance(5 * 60 * SECOND - 1);
    const before = sagemaker.hasNotebook('nb');
    clock.advance(1);

    // Then
    expect(before).toBe(true);
    expect(sagemaker.hasNotebook('nb')).toBe(false);
  });
});
