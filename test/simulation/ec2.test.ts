import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { SimulatedEc2 } from '../../simulation/account/ec2.js';
import { errorOf, rejectionOf } from '../unit/caught-errors.js';

/** A VPC with two subnets and a group, and a second VPC with a group of its own. */
function setup() {
  const ec2 = new SimulatedEc2();
  const vpcId = ec2.seedVpc({ cidr: '10.20.0.0/16' });
  const subnetA = ec2.seedSubnet({ vpcId, availabilityZone: 'eu-west-1a' });
  const subnetB = ec2.seedSubnet({ vpcId, availabilityZone: 'eu-west-1b' });
  const groupId = ec2.seedSecurityGroup({ vpcId, groupName: 'notebooks' });
  const otherVpcId = ec2.seedVpc();
  const otherGroupId = ec2.seedSecurityGroup({ vpcId: otherVpcId, groupName: 'elsewhere' });
  return { ec2, vpcId, subnetA, subnetB, groupId, otherVpcId, otherGroupId };
}

describe('SimulatedEc2 seeding', () => {
  it('ids are shaped like AWS ids and deterministic', () => {
    // Given / When
    const { ec2: _first, ...first } = setup();
    const { ec2: _second, ...second } = setup();

    // Then
    expect(first.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(first.subnetA).toMatch(/^subnet-[0-9a-f]{17}$/);
    expect(first.groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(second).toEqual(first);
  });

  it('a VPC comes with its default security group, as AWS creates one', () => {
    // Given
    const { ec2, vpcId } = setup();

    // When
    const { SecurityGroups } = ec2.describeSecurityGroups({
      Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
    });

    // Then
    expect(SecurityGroups.map((group) => group.GroupName)).toEqual(['default', 'notebooks']);
    expect(SecurityGroups[0]).toMatchObject({ Description: 'default VPC security group', VpcId: vpcId });
  });
});

describe('SimulatedEc2 DescribeSubnets', () => {
  it('by id: the subnet with its VPC, zone and a /24 of the VPC CIDR', () => {
    // Given
    const { ec2, vpcId, subnetB } = setup();

    // When
    const { Subnets } = ec2.describeSubnets({ SubnetIds: [subnetB] });

    // Then
    expect(Subnets).toEqual([
      expect.objectContaining({
        SubnetId: subnetB,
        VpcId: vpcId,
        AvailabilityZone: 'eu-west-1b',
        CidrBlock: '10.20.1.0/24',
        State: 'available',
        SubnetArn: `arn:aws:ec2:eu-west-1:111122223333:subnet/${subnetB}`,
      }),
    ]);
  });

  it('filters by vpc-id and subnet-id, with wildcards', () => {
    // Given
    const { ec2, vpcId, otherVpcId, subnetA, subnetB } = setup();

    // When
    const inVpc = ec2.describeSubnets({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }).Subnets;
    const inOther = ec2.describeSubnets({ Filters: [{ Name: 'vpc-id', Values: [otherVpcId] }] }).Subnets;
    const both = ec2.describeSubnets({
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-*'] },
        { Name: 'subnet-id', Values: [subnetA, 'subnet-0000'] },
      ],
    }).Subnets;

    // Then
    expect(inVpc.map((subnet) => subnet.SubnetId)).toEqual([subnetA, subnetB]);
    expect(inOther).toEqual([]);
    expect(both.map((subnet) => subnet.SubnetId)).toEqual([subnetA]);
  });

  it('pages with MaxResults and NextToken', () => {
    // Given
    const { ec2, vpcId } = setup();
    const ids = Array.from({ length: 6 }, () => ec2.seedSubnet({ vpcId }));

    // When
    const first = ec2.describeSubnets({ MaxResults: 5 });
    const second = ec2.describeSubnets({ MaxResults: 5, NextToken: first.NextToken });

    // Then
    expect(first.Subnets).toHaveLength(5);
    expect(second.Subnets.map((subnet) => subnet.SubnetId)).toEqual(ids.slice(3));
    expect(second).not.toHaveProperty('NextToken');
  });

  it.each([
    [['subnet-0123456789abcdef0'], "The subnet ID 'subnet-0123456789abcdef0' does not exist"],
    [['not-a-subnet'], "The subnet ID 'not-a-subnet' does not exist"],
  ])('an unknown id %j: InvalidSubnetID.NotFound', (ids, message) => {
    // Given
    const { ec2 } = setup();

    // When
    const error = errorOf(() => ec2.describeSubnets({ SubnetIds: ids }));

    // Then
    expect(error.name).toBe('InvalidSubnetID.NotFound');
    expect(error.message).toBe(message);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$fault).toBe('client');
  });

  it('MaxResults under 5: InvalidParameterValue as EC2 words it', () => {
    // Given
    const { ec2 } = setup();

    // When
    const error = errorOf(() => ec2.describeSubnets({ MaxResults: 1 }));

    // Then
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe(
      'Value ( 1 ) for parameter maxResults is invalid. Expecting a value greater than 5.',
    );
  });

  it('a filter the simulation does not know is refused as a limit of the simulation', () => {
    // Given
    const { ec2 } = setup();

    // When / Then
    expect(() => ec2.describeSubnets({ Filters: [{ Name: 'tag:Name', Values: ['x'] }] })).toThrow(
      'The simulated EC2 does not support the filter tag:Name in DescribeSubnets',
    );
  });
});

describe('SimulatedEc2 DescribeSecurityGroups and DescribeVpcs', () => {
  it('by group id, and filtered by group-id', () => {
    // Given
    const { ec2, groupId, vpcId } = setup();

    // When
    const byId = ec2.describeSecurityGroups({ GroupIds: [groupId] }).SecurityGroups;
    const byFilter = ec2.describeSecurityGroups({ Filters: [{ Name: 'group-id', Values: [groupId] }] });

    // Then
    expect(byId).toEqual([
      expect.objectContaining({ GroupId: groupId, GroupName: 'notebooks', VpcId: vpcId }),
    ]);
    expect(byFilter.SecurityGroups).toEqual(byId);
  });

  it('an unknown group: InvalidGroup.NotFound; a malformed one: InvalidGroupId.Malformed', () => {
    // Given
    const { ec2 } = setup();

    // When
    const unknown = errorOf(() => ec2.describeSecurityGroups({ GroupIds: ['sg-0123456789abcdef0'] }));
    const malformed = errorOf(() => ec2.describeSecurityGroups({ GroupIds: ['notebooks'] }));

    // Then
    expect(unknown.name).toBe('InvalidGroup.NotFound');
    expect(unknown.message).toBe("The security group 'sg-0123456789abcdef0' does not exist");
    expect(malformed.name).toBe('InvalidGroupId.Malformed');
    expect(malformed.message).toBe('Invalid id: "notebooks" (expecting "sg-...")');
  });

  it('DescribeVpcs by id, and an unknown id: InvalidVpcID.NotFound', () => {
    // Given
    const { ec2, vpcId } = setup();

    // When
    const { Vpcs } = ec2.describeVpcs({ VpcIds: [vpcId] });
    const error = errorOf(() => ec2.describeVpcs({ VpcIds: ['vpc-0123456789abcdef0'] }));

    // Then
    expect(Vpcs).toEqual([
      expect.objectContaining({ VpcId: vpcId, CidrBlock: '10.20.0.0/16', IsDefault: false }),
    ]);
    expect(error.name).toBe('InvalidVpcID.NotFound');
    expect(error.message).toBe("The vpc ID 'vpc-0123456789abcdef0' does not exist");
  });
});

describe('SimulatedEc2 network interfaces', () => {
  it('create in a subnet with a group, describe by filter, delete', () => {
    // Given
    const { ec2, subnetA, groupId, vpcId } = setup();

    // When
    const { NetworkInterface } = ec2.createNetworkInterface({
      SubnetId: subnetA,
      Groups: [groupId],
      Description: 'test',
    });
    const described = ec2.describeNetworkInterfaces({
      Filters: [{ Name: 'subnet-id', Values: [subnetA] }],
    }).NetworkInterfaces;
    ec2.deleteNetworkInterface({ NetworkInterfaceId: NetworkInterface.NetworkInterfaceId });

    // Then
    expect(NetworkInterface).toMatchObject({
      SubnetId: subnetA,
      VpcId: vpcId,
      Groups: [{ GroupId: groupId, GroupName: 'notebooks' }],
      Status: 'available',
      RequesterManaged: false,
      PrivateIpAddress: '10.20.0.10',
    });
    expect(NetworkInterface.NetworkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(described).toEqual([NetworkInterface]);
    expect(ec2.networkInterfaces()).toEqual([]);
  });

  it('without groups, the interface gets the VPC default group', () => {
    // Given
    const { ec2, subnetA } = setup();

    // When
    const { NetworkInterface } = ec2.createNetworkInterface({ SubnetId: subnetA });

    // Then
    expect(NetworkInterface.Groups.map((group) => group.GroupName)).toEqual(['default']);
  });

  it('create in an unknown subnet: InvalidSubnetID.NotFound', () => {
    // Given
    const { ec2 } = setup();

    // When
    const error = errorOf(() => ec2.createNetworkInterface({ SubnetId: 'subnet-0123456789abcdef0' }));

    // Then
    expect(error.name).toBe('InvalidSubnetID.NotFound');
    expect(error.message).toBe("The subnet ID 'subnet-0123456789abcdef0' does not exist");
    expect(ec2.networkInterfaces()).toEqual([]);
  });

  it('create with a group of another VPC: InvalidParameter, different networks', () => {
    // Given
    const { ec2, subnetA, otherGroupId } = setup();

    // When
    const error = errorOf(() => ec2.createNetworkInterface({ SubnetId: subnetA, Groups: [otherGroupId] }));

    // Then
    expect(error.name).toBe('InvalidParameter');
    expect(error.message).toBe(
      `Security group ${otherGroupId} and subnet ${subnetA} belong to different networks.`,
    );
    expect(ec2.networkInterfaces()).toEqual([]);
  });

  it('create with an unknown group: InvalidGroup.NotFound naming the VPC', () => {
    // Given
    const { ec2, subnetA, vpcId } = setup();

    // When
    const error = errorOf(() =>
      ec2.createNetworkInterface({ SubnetId: subnetA, Groups: ['sg-0123456789abcdef0'] }),
    );

    // Then
    expect(error.name).toBe('InvalidGroup.NotFound');
    expect(error.message).toBe(`The security group 'sg-0123456789abcdef0' does not exist in VPC '${vpcId}'`);
  });

  it('delete of an unknown interface: InvalidNetworkInterfaceID.NotFound', () => {
    // Given
    const { ec2 } = setup();

    // When
    const error = errorOf(() => ec2.deleteNetworkInterface({ NetworkInterfaceId: 'eni-0123456789abcdef0' }));

    // Then
    expect(error.name).toBe('InvalidNetworkInterfaceID.NotFound');
    expect(error.message).toBe("The networkInterface ID 'eni-0123456789abcdef0' does not exist");
  });

  it('an interface a service attached is in use and cannot be deleted', () => {
    // Given
    const { ec2, subnetA, groupId } = setup();
    const id = ec2.attachInterface({ subnetId: subnetA, groupIds: [groupId], description: 'notebook' });

    // When
    const error = errorOf(() => ec2.deleteNetworkInterface({ NetworkInterfaceId: id }));

    // Then
    expect(error.name).toBe('InvalidNetworkInterface.InUse');
    expect(ec2.hasNetworkInterface(id)).toBe(true);
  });

  it('an unknown parameter: UnknownParameter', () => {
    // Given
    const { ec2, subnetA } = setup();

    // When
    const error = errorOf(() => ec2.createNetworkInterface({ SubnetId: subnetA, SecondaryIps: 2 }));

    // Then
    expect(error.name).toBe('UnknownParameter');
  });
});

describe('EC2 through the account', () => {
  it('Step Functions: EC2 errors are undeclared, so they arrive as Ec2.Ec2Exception with the code in the Cause', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:ec2:describeSubnets', {
        SubnetIds: ['subnet-0123456789abcdef0'],
      }),
    );

    // Then
    expect(error.name).toBe('Ec2.Ec2Exception');
    expect(error.message).toMatch(
      /^The subnet ID 'subnet-0123456789abcdef0' does not exist \(Service: Ec2, Status Code: 400, Error Code: InvalidSubnetID\.NotFound, Request ID: /,
    );
  });

  it('SDK: DescribeSubnetsCommand through the minimal client', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    const vpcId = account.ec2.seedVpc();
    const subnetId = account.ec2.seedSubnet({ vpcId });
    class DescribeSubnetsCommand {
      constructor(readonly input: unknown) {}
    }

    // When
    const result = (await account
      .sdkClients()
      .ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))) as {
      Subnets: { SubnetId: string }[];
    };

    // Then
    expect(result.Subnets.map((subnet) => subnet.SubnetId)).toEqual([subnetId]);
  });
});

describe('someone deleting the network a plan relies on', () => {
  it('Given an unused subnet and group, When their owner deletes them, Then DescribeSubnets and DescribeSecurityGroups no longer find them', () => {
    // Given
    const { ec2, subnetB, groupId } = setup();

    // When
    ec2.removeSubnet(subnetB);
    ec2.removeSecurityGroup(groupId);

    // Then
    expect(errorOf(() => ec2.describeSubnets({ SubnetIds: [subnetB] })).name).toBe(
      'InvalidSubnetID.NotFound',
    );
    expect(errorOf(() => ec2.describeSecurityGroups({ GroupIds: [groupId] })).name).toBe(
      'InvalidGroup.NotFound',
    );
  });

  it('Given a subnet and group a network interface uses, When their owner tries to delete them, Then EC2 refuses (DependencyViolation) and both stay', () => {
    // Given
    const { ec2, subnetA, groupId } = setup();
    ec2.attachInterface({ subnetId: subnetA, groupIds: [groupId], description: 'notebook' });

    // When / Then
    expect(() => ec2.removeSubnet(subnetA)).toThrow(/DependencyViolation/);
    expect(() => ec2.removeSecurityGroup(groupId)).toThrow(/DependencyViolation/);
    expect(ec2.describeSubnets({ SubnetIds: [subnetA] }).Subnets).toHaveLength(1);
  });

  it("Given a VPC's default group, When someone tries to delete it, Then that is refused, as in EC2", () => {
    const { ec2, vpcId } = setup();
    const defaultGroup = ec2.defaultSecurityGroupOf(vpcId) ?? '';

    expect(() => ec2.removeSecurityGroup(defaultGroup)).toThrow(/default group/);
  });
});
