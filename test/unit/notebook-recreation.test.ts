import { describe, expect, it } from 'vitest';
import {
  buildCreateNotebookRequest,
  describePlan,
  failingNotebookControls,
  type NotebookSettings,
  planRecreation,
  RECREATED_BY_TAG,
  verifyRecreation,
} from '../../handlers/shared/notebook-recreation.js';

const exposed: NotebookSettings = {
  NotebookInstanceName: 'Research-Notebook',
  NotebookInstanceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
  NotebookInstanceStatus: 'InService',
  InstanceType: 'ml.t3.medium',
  RoleArn: 'arn:aws:iam::111122223333:role/research',
  IpAddressType: 'ipv4',
  NotebookInstanceLifecycleConfigName: 'install-packages',
  DirectInternetAccess: 'Enabled',
  VolumeSizeInGB: 50,
  DefaultCodeRepository: 'https://example.com/team/notebooks.git',
  AdditionalCodeRepositories: ['shared-utils'],
  RootAccess: 'Enabled',
  PlatformIdentifier: 'notebook-al2-v2',
  InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
};

const target = {
  subnetId: 'subnet-0private',
  securityGroupIds: ['sg-0notebooks'],
  kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
};

describe('planRecreation', () => {
  it('SageMaker.1, .2 and .3 on one notebook: one plan, into the configured subnet, everything else kept', () => {
    // Given a notebook with direct internet access, no VPC and root access
    // When the failing controls are planned together
    const plan = planRecreation(exposed, ['SageMaker.1', 'SageMaker.2', 'SageMaker.3'], target);
    // Then one recreation fixes all three and keeps every other setting
    expect(plan.kind).toBe('recreate');
    if (plan.kind !== 'recreate') return;
    expect(plan.fixes).toEqual(['SageMaker.1', 'SageMaker.2', 'SageMaker.3']);
    expect(plan.changes).toEqual([
      { field: 'SubnetId', from: '(none)', to: 'subnet-0private' },
      { field: 'SecurityGroups', from: '(none)', to: 'sg-0notebooks' },
      { field: 'KmsKeyId', from: '(none)', to: 'arn:aws:kms:eu-west-1:111122223333:key/abc' },
      { field: 'DirectInternetAccess', from: 'Enabled', to: 'Disabled' },
      { field: 'RootAccess', from: 'Enabled', to: 'Disabled' },
      { field: 'PlatformIdentifier', from: 'notebook-al2-v2', to: 'notebook-al2023-v1' },
    ]);
    expect(plan.settings).toMatchObject({
      InstanceType: 'ml.t3.medium',
      RoleArn: 'arn:aws:iam::111122223333:role/research',
      VolumeSizeInGB: 50,
      DefaultCodeRepository: 'https://example.com/team/notebooks.git',
      AdditionalCodeRepositories: ['shared-utils'],
      NotebookInstanceLifecycleConfigName: 'install-packages',
    });
  });

  it('a notebook already in a VPC keeps its subnet and security groups when only SageMaker.1 fails', () => {
    const inVpc = { ...exposed, SubnetId: 'subnet-0team', SecurityGroups: ['sg-0team'] };
    const plan = planRecreation(inVpc, ['SageMaker.1'], {
      subnetId: 'subnet-0private',
      securityGroupIds: ['sg-x'],
    });
    expect(plan.kind === 'recreate' && plan.settings.SubnetId).toBe('subnet-0team');
    expect(plan.kind === 'recreate' && plan.settings.SecurityGroups).toEqual(['sg-0team']);
  });

  it('no subnet configured for a notebook outside a VPC: names exactly what to configure, plans nothing', () => {
    const plan = planRecreation(exposed, ['SageMaker.2'], undefined);
    expect(plan).toEqual({
      kind: 'needs-configuration',
      missing: [
        'a private subnet (recreate target subnetId) for this account and region',
        'security groups (recreate target securityGroupIds) for this account and region',
      ],
    });
    expect(describePlan('Research-Notebook', plan)).toBe(
      'Notebook instance Research-Notebook can only be fixed by recreating it, and this deployment lacks a private subnet (recreate target subnetId) for this account and region; security groups (recreate target securityGroupIds) for this account and region. Nothing was changed.',
    );
  });

  it('SageMaker.21 without a configured KMS key cannot be fixed: asks for the key', () => {
    const inVpc = { ...exposed, SubnetId: 'subnet-0team', SecurityGroups: ['sg-0team'] };
    const plan = planRecreation(inVpc, ['SageMaker.21'], undefined);
    expect(plan).toEqual({
      kind: 'needs-configuration',
      missing: ['a customer-managed KMS key (recreate target kmsKeyId) for this account and region'],
    });
  });

  it('more than five security groups configured: refused before anything changes', () => {
    const plan = planRecreation(exposed, ['SageMaker.2'], {
      subnetId: 'subnet-1',
      securityGroupIds: ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5', 'sg-6'],
    });
    expect(plan.kind === 'needs-configuration' && plan.missing).toEqual([
      'at most 5 security groups (6 configured)',
    ]);
  });
});

describe('buildCreateNotebookRequest', () => {
  it('copies every setting faithfully, with the restore lifecycle config and a recreated-by tag', () => {
    const plan = planRecreation(exposed, ['SageMaker.1', 'SageMaker.2'], target);
    if (plan.kind !== 'recreate') throw new Error('expected a plan');
    const request = buildCreateNotebookRequest(plan.settings, {
      lifecycleConfigName: 'sagemaker-remediation-restore',
      tags: [
        { Key: 'team', Value: 'research' },
        { Key: 'aws:cloudformation:stack-name', Value: 'x' },
      ],
      recreatedBy: 'execution-0001',
    });
    expect(request).toEqual({
      NotebookInstanceName: 'Research-Notebook',
      InstanceType: 'ml.t3.medium',
      RoleArn: 'arn:aws:iam::111122223333:role/research',
      SubnetId: 'subnet-0private',
      SecurityGroupIds: ['sg-0notebooks'],
      IpAddressType: 'ipv4',
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
      LifecycleConfigName: 'sagemaker-remediation-restore',
      DirectInternetAccess: 'Disabled',
      VolumeSizeInGB: 50,
      DefaultCodeRepository: 'https://example.com/team/notebooks.git',
      AdditionalCodeRepositories: ['shared-utils'],
      RootAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2023-v1',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
      Tags: [
        { Key: 'team', Value: 'research' },
        { Key: RECREATED_BY_TAG, Value: 'execution-0001' },
      ],
    });
    // Never AcceleratorTypes (deprecated), never nulls.
    expect(JSON.stringify(request)).not.toContain('null');
  });

  it('50 user tags plus the recreated-by tag would exceed the limit: refused', () => {
    const tags = Array.from({ length: 50 }, (_, index) => ({ Key: `k${index}`, Value: 'v' }));
    expect(() => buildCreateNotebookRequest(exposed, { tags, recreatedBy: 'x' })).toThrow('at most 50');
  });
});

describe('verifyRecreation', () => {
  it('the recreated notebook as planned: no problem; any drift is named', () => {
    const plan = planRecreation(exposed, ['SageMaker.1', 'SageMaker.2'], target);
    if (plan.kind !== 'recreate') throw new Error('expected a plan');
    expect(verifyRecreation(plan.settings, { ...plan.settings, SecurityGroups: ['sg-0notebooks'] })).toEqual(
      [],
    );
    expect(
      verifyRecreation(plan.settings, {
        ...plan.settings,
        DirectInternetAccess: 'Enabled',
        VolumeSizeInGB: 5,
      }),
    ).toEqual(['DirectInternetAccess is "Enabled", expected "Disabled"', 'VolumeSizeInGB is 5, expected 50']);
  });
});

describe('describePlan', () => {
  it('says what changes and what is kept, for the approval note', () => {
    const plan = planRecreation(exposed, ['SageMaker.1', 'SageMaker.2', 'SageMaker.3'], target);
    const text = describePlan('Research-Notebook', plan);
    expect(text).toMatch(
      /^Recreate notebook instance Research-Notebook to fix SageMaker\.1, SageMaker\.2, SageMaker\.3: SubnetId \(none\) -> subnet-0private;/,
    );
    expect(text).toContain('Kept: name, instance type, IAM role');
    expect(text).toContain('data on /home/ec2-user/SageMaker');
  });
});

describe('failingNotebookControls', () => {
  it('reads every notebook control from the settings', () => {
    expect(failingNotebookControls(exposed)).toEqual([
      'SageMaker.1',
      'SageMaker.2',
      'SageMaker.3',
      'SageMaker.8',
      'SageMaker.21',
    ]);
    const hardened = {
      ...exposed,
      DirectInternetAccess: 'Disabled',
      SubnetId: 'subnet-1',
      RootAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2023-v1',
      KmsKeyId: 'key',
    };
    expect(failingNotebookControls(hardened)).toEqual([]);
  });
});
