import { describe, expect, it } from 'vitest';
import {
  type ConfigurationSnapshot,
  parseSnapshot,
  serialiseSnapshot,
  userTags,
  verifySnapshotReadBack,
} from '../../handlers/shared/configuration-snapshot.js';

const snapshot: ConfigurationSnapshot = {
  version: 2,
  takenAt: '2026-11-23T09:00:00.000Z',
  executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
  status: 'InService',
  notebook: {
    NotebookInstanceName: 'Research-Notebook',
    InstanceType: 'ml.t3.medium',
    RoleArn: 'arn:aws:iam::111122223333:role/research',
    DirectInternetAccess: 'Enabled',
    RootAccess: 'Enabled',
    VolumeSizeInGB: 50,
  },
  tags: [{ Key: 'team', Value: 'research' }],
  lifecycleConfig: {
    name: 'install-packages',
    onStart: Buffer.from('#!/bin/bash\necho hi\n').toString('base64'),
  },
  codeRepositories: [
    { name: 'shared-utils', repositoryUrl: 'https://example.com/shared-utils.git', branch: 'main' },
  ],
  fixes: ['SageMaker.1', 'SageMaker.2'],
  plannedSettings: {
    NotebookInstanceName: 'Research-Notebook',
    InstanceType: 'ml.t3.medium',
    RoleArn: 'arn:aws:iam::111122223333:role/research',
    SubnetId: 'subnet-0private',
    SecurityGroups: ['sg-0notebooks'],
    DirectInternetAccess: 'Disabled',
    RootAccess: 'Disabled',
    VolumeSizeInGB: 50,
  },
  restoreLifecycleConfigName: 'notebook-remediation-restore',
};

describe('configuration snapshot', () => {
  it('round-trips: what is written parses back to the same snapshot', () => {
    expect(parseSnapshot(serialiseSnapshot(snapshot))).toEqual(snapshot);
  });

  it('Given the data is not kept, When the snapshot has no restore lifecycle configuration, Then it round-trips without one', () => {
    const { restoreLifecycleConfigName: _kept, ...withoutData } = snapshot;
    const parsed = parseSnapshot(serialiseSnapshot(withoutData));
    expect(parsed).toEqual(withoutData);
    expect(parsed).not.toHaveProperty('restoreLifecycleConfigName');
  });

  it('read-back verification: identical bytes pass, any change fails before anything is deleted', () => {
    const written = serialiseSnapshot(snapshot);
    expect(verifySnapshotReadBack(written, written)).toEqual([]);
    expect(verifySnapshotReadBack(written, written.replace('ml.t3.medium', 'ml.t3.large'))).toEqual([
      'configuration.json read back from S3 differs from what was written',
    ]);
  });

  it('a snapshot missing the role or in the version-1 layout is rejected with every problem', () => {
    const broken = JSON.stringify({
      ...snapshot,
      version: 1,
      notebook: { ...snapshot.notebook, RoleArn: 'me' },
    });
    expect(() => parseSnapshot(broken)).toThrow(/version: .*; notebook\.RoleArn: must be an IAM role ARN/);
    expect(() => parseSnapshot('{')).toThrow('configuration.json is not JSON');
  });

  it('aws: tags are left out: only AWS can write them', () => {
    expect(
      userTags([
        { Key: 'team', Value: 'research' },
        { Key: 'aws:cloudformation:stack-name', Value: 'stack' },
        { Key: 'incomplete' },
      ]),
    ).toEqual([{ Key: 'team', Value: 'research' }]);
  });
});
