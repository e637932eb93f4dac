/**
 * What a notebook instance refers to in EC2, KMS and Secrets Manager: checked by Create and Start,
 * created (interface, grant) and released by Delete, through the simulated account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { errorOf } from '../unit/caught-errors.js';

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
const SECOND = 1_000;

const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

function newAccount(options: { strictReferences?: boolean } = {}): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0, ...options });
  accounts.push(account);
  return account;
}

/** An account whose EC2 models one VPC with a subnet and a group, and a second VPC with a group. */
function givenNetwork() {
  const account = newAccount();
  const vpcId = account.ec2.seedVpc();
  const subnetId = account.ec2.seedSubnet({ vpcId });
  const groupId = account.ec2.seedSecurityGroup({ vpcId, groupName: 'notebooks' });
  const otherVpcId = account.ec2.seedVpc();
  const otherGroupId = account.ec2.seedSecurityGroup({ vpcId: otherVpcId, groupName: 'other' });
  return { account, vpcId, subnetId, groupId, otherGroupId };
}

function create(account: SimulatedAccount, extra: Record<string, unknown>) {
  return account.sagemaker.createNotebookInstance({
    NotebookInstanceName: 'research',
    InstanceType: 'ml.t3.medium',
    RoleArn: ROLE,
    ...extra,
  });
}

/** Stop (if running) and delete, waiting for each transition. */
function deleteNotebook(account: SimulatedAccount, name: string) {
  const input = { NotebookInstanceName: name };
  if (account.sagemaker.statusOf(name) !== 'Stopped') {
    account.clock.advance(180 * SECOND);
    account.sagemaker.stopNotebookInstance(input);
    account.clock.advance(60 * SECOND);
  }
  account.sagemaker.deleteNotebookInstance(input);
  account.clock.advance(60 * SECOND);
}

describe('notebook network', () => {
  it('Create in a subnet: an in-use interface in the subnet with the groups, deleted with the notebook', () => {
    // Given
    const { account, subnetId, groupId, vpcId } = givenNetwork();

    // When
    create(account, { SubnetId: subnetId, SecurityGroupIds: [groupId] });
    const { NetworkInterfaceId } = account.sagemaker.describeNotebookInstance({
      NotebookInstanceName: 'research',
    });

    // Then
    expect(account.ec2.networkInterfaces()).toEqual([
      expect.objectContaining({
        NetworkInterfaceId,
        SubnetId: subnetId,
        VpcId: vpcId,
        Groups: [{ GroupId: groupId, GroupName: 'notebooks' }],
        RequesterManaged: true,
        Status: 'in-use',
      }),
    ]);
    deleteNotebook(account, 'research');
    expect(account.sagemaker.hasNotebook('research')).toBe(false);
    expect(account.ec2.networkInterfaces()).toEqual([]);
  });

  it.each([
    [
      'a subnet that does not exist',
      'missing-subnet',
      "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    ],
    [
      'a group that does not exist',
      'missing-group',
      "The security group 'sg-0123456789abcdef0' does not exist in VPC '{vpc}'",
    ],
    [
      'a group of another VPC',
      'other-vpc',
      'Security group {other} and subnet {subnet} belong to different networks.',
    ],
  ])('Create with %s: ValidationException, and nothing is created', (_, situation, message) => {
    // Given
    const { account, subnetId, groupId, otherGroupId, vpcId } = givenNetwork();
    const network = {
      'missing-subnet': { SubnetId: 'subnet-0123456789abcdef0', SecurityGroupIds: [groupId] },
      'missing-group': { SubnetId: subnetId, SecurityGroupIds: ['sg-0123456789abcdef0'] },
      'other-vpc': { SubnetId: subnetId, SecurityGroupIds: [otherGroupId] },
    }[situation];

    // When
    const error = errorOf(() => create(account, network ?? {}));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      message.replace('{vpc}', vpcId).replace('{other}', otherGroupId).replace('{subnet}', subnetId),
    );
    expect(account.sagemaker.hasNotebook('research')).toBe(false);
    expect(account.ec2.networkInterfaces()).toEqual([]);
  });

  it('Start re-creates the interface of a notebook in a VPC when it has gone', () => {
    // Given a stopped notebook whose interface someone deleted
    const { account, subnetId, groupId } = givenNetwork();
    account.sagemaker.seedNotebook({
      name: 'research',
      status: 'Stopped',
      subnetId,
      securityGroupIds: [groupId],
    });
    const before = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' });
    account.ec2.removeNetworkInterface(before.NetworkInterfaceId ?? '');

    // When
    account.sagemaker.startNotebookInstance({ NotebookInstanceName: 'research' });

    // Then
    const after = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' });
    expect(after.NetworkInterfaceId).not.toBe(before.NetworkInterfaceId);
    expect(account.ec2.hasNetworkInterface(after.NetworkInterfaceId ?? '')).toBe(true);
  });

  it('strictReferences checks the network even when the test seeded none', () => {
    // Given
    const account = newAccount({ strictReferences: true });

    // When
    const error = errorOf(() =>
      create(account, { SubnetId: 'subnet-0123456789abcdef0', SecurityGroupIds: ['sg-0123456789abcdef0'] }),
    );

    // Then
    expect(error.message).toBe("The subnet ID 'subnet-0123456789abcdef0' does not exist");
  });
});

describe('notebook KMS key', () => {
  it('Create with an enabled key: a grant for the notebook, retired when it is deleted', () => {
    // Given
    const account = newAccount();
    const key = account.kms.seedKey();
    account.kms.seedAlias('alias/notebooks', key.keyId);

    // When
    create(account, { KmsKeyId: 'alias/notebooks' });

    // Then
    expect(account.kms.grants(key.keyId)).toEqual([
      expect.objectContaining({
        GranteePrincipal: ROLE,
        Name: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research',
        Operations: expect.arrayContaining(['Decrypt', 'GenerateDataKeyWithoutPlaintext']),
      }),
    ]);
    expect(account.sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research' }).KmsKeyId).toBe(
      'alias/notebooks',
    );
    deleteNotebook(account, 'research');
    expect(account.kms.grants(key.keyId)).toEqual([]);
  });

  it.each([
    ['Disabled', 'is disabled.'],
    ['PendingDeletion', 'is pending deletion.'],
  ] as const)('Create with a %s key: ValidationException relaying KMS', (keyState, suffix) => {
    // Given
    const account = newAccount();
    const key = account.kms.seedKey({ keyState });

    // When
    const error = errorOf(() => create(account, { KmsKeyId: key.arn }));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(`${key.arn} ${suffix}`);
    expect(account.sagemaker.hasNotebook('research')).toBe(false);
    expect(account.kms.grants(key.keyId)).toEqual([]);
  });

  it('Create with a key that does not exist (KMS modelled): ValidationException', () => {
    // Given
    const account = newAccount();
    account.kms.seedKey();

    // When
    const error = errorOf(() =>
      create(account, {
        KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      }),
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "Key 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist",
    );
  });
});

describe('notebook repository secrets', () => {
  it('Create and Start refuse a repository whose secret does not exist (Secrets Manager modelled)', () => {
    // Given
    const account = newAccount();
    account.secretsManager.seedSecret({ name: 'other', value: 'x' });
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:git/gone-AbCdEf';
    account.sagemaker.seedCodeRepository({
      name: 'private-repo',
      repositoryUrl: 'https://github.com/example/private.git',
      secretArn,
    });
    account.sagemaker.seedNotebook({
      name: 'seeded',
      status: 'Stopped',
      defaultCodeRepository: 'private-repo',
    });

    // When
    const onCreate = errorOf(() => create(account, { DefaultCodeRepository: 'private-repo' }));
    const onStart = errorOf(() =>
      account.sagemaker.startNotebookInstance({ NotebookInstanceName: 'seeded' }),
    );

    // Then
    for (const error of [onCreate, onStart]) {
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    }
    expect(account.sagemaker.statusOf('seeded')).toBe('Stopped');
  });

  it('a repository whose secret exists is accepted', () => {
    // Given
    const account = newAccount();
    const secretArn = account.secretsManager.seedSecret({ name: 'git/private', value: '{}' });
    account.sagemaker.seedCodeRepository({
      name: 'private-repo',
      repositoryUrl: 'https://github.com/example/private.git',
      secretArn,
    });

    // When / Then
    expect(() => create(account, { DefaultCodeRepository: 'private-repo' })).not.toThrow();
  });
});

describe('unmodelled services and seeded notebooks', () => {
  it('while EC2 and KMS are unmodelled, Create takes the subnet, groups and key as given and creates them', () => {
    // Given an account where the test seeded nothing in EC2 or KMS
    const account = newAccount();

    // When
    create(account, {
      SubnetId: 'subnet-0private',
      SecurityGroupIds: ['sg-0notebooks'],
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });

    // Then the subnet and group exist, in one VPC, and the key is enabled with the notebook grant
    const [subnet] = account.ec2.describeSubnets({ SubnetIds: ['subnet-0private'] }).Subnets;
    const groups = account.ec2.describeSecurityGroups({
      Filters: [{ Name: 'group-id', Values: ['sg-0notebooks'] }],
    });
    expect(groups.SecurityGroups[0]?.VpcId).toBe(subnet?.VpcId);
    const key = account.kms.describeKey({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }).KeyMetadata;
    expect(key.KeyState).toBe('Enabled');
    expect(account.kms.grants(key.KeyId)).toHaveLength(1);
    expect(account.ec2.modelled).toBe(false);
  });

  it('seedNotebook creates a subnet it names in the VPC of the seeded groups, and refuses groups of two VPCs', () => {
    // Given
    const { account, groupId, otherGroupId, vpcId } = givenNetwork();

    // When
    account.sagemaker.seedNotebook({ name: 'seeded', subnetId: 'subnet-0team', securityGroupIds: [groupId] });
    const mixed = () =>
      account.sagemaker.seedNotebook({
        name: 'mixed',
        subnetId: 'subnet-0team',
        securityGroupIds: [otherGroupId],
      });

    // Then
    expect(account.ec2.describeSubnets({ SubnetIds: ['subnet-0team'] }).Subnets[0]?.VpcId).toBe(vpcId);
    expect(mixed).toThrow(
      `seedNotebook: Security group ${otherGroupId} and subnet subnet-0team belong to different networks.`,
    );
  });
});
