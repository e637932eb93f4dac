import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { InterfaceVpcEndpointAwsService, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PrivateNotebookNetwork,
  type PrivateNotebookNetworkProps,
} from '../../stacks/private-notebook-network.js';
import {
  type ConstructStack,
  nagAcknowledgementsIn,
  nagFindings,
  onlyResource,
  synthesiseConstruct,
} from './construct-harness.js';
import {
  attachedPolicyStatements,
  logicalId,
  readable,
  readableStatements,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

type Json = Parameters<typeof readable>[0];
type Properties = Record<string, unknown>;

let built: ConstructStack;
let network: PrivateNotebookNetwork;
const ids: Record<string, string> = {};

beforeAll(() => {
  // Given the network construct creating its own VPC, with every default
  built = synthesiseConstruct((stack) => {
    network = new PrivateNotebookNetwork(stack, 'NotebookNetwork');
    Object.assign(ids, {
      vpc: logicalId(stack, network.vpc),
      notebookSg: logicalId(stack, network.notebookSecurityGroup),
      endpointSg: logicalId(stack, network.endpointSecurityGroup),
      flowLogGroup: logicalId(stack, network.flowLogGroup ?? stack),
      flowLogKey: logicalId(stack, network.flowLogKey ?? stack),
      flowLogRole: logicalId(stack, network.flowLogRole ?? stack),
    });
  });
});

const resourcesOfType = (type: string): Array<[string, Properties]> =>
  Object.entries(built.template.findResources(type)).map(([id, resource]) => [
    id,
    resource.Properties as Properties,
  ]);

function subnetIds(): string[] {
  return resourcesOfType('AWS::EC2::Subnet').map(([id]) => id);
}

describe('PrivateNotebookNetwork: the VPC it creates', () => {
  it('has two isolated /24 subnets in two AZs, DNS on, and no way out: no NAT, no internet gateway, no routes', () => {
    expect(onlyResource(built.template, 'AWS::EC2::VPC').resource.Properties).toEqual(
      expect.objectContaining({ CidrBlock: '10.0.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true }),
    );
    const subnets = resourcesOfType('AWS::EC2::Subnet').map(([, properties]) => properties);
    expect(subnets).toHaveLength(2);
    expect(subnets.map((subnet) => subnet.CidrBlock)).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    expect(subnets.map((subnet) => subnet.MapPublicIpOnLaunch)).toEqual([false, false]);
    expect(new Set(subnets.map((subnet) => JSON.stringify(subnet.AvailabilityZone))).size).toBe(2);
    built.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    built.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    built.template.resourceCountIs('AWS::EC2::EgressOnlyInternetGateway', 0);
    built.template.resourceCountIs('AWS::EC2::Route', 0);
  });

  it('restricts the default security group (Security Hub EC2.2)', () => {
    built.template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
    built.template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
      DefaultSecurityGroupId: { 'Fn::GetAtt': [ids.vpc, 'DefaultSecurityGroup'] },
    });
  });

  it('exposes the two subnets and the notebook security group for the configuration', () => {
    expect(network.subnetIds.map((subnet) => built.stack.resolve(subnet))).toEqual(
      subnetIds().map((id) => ({ Ref: id })),
    );
    expect(built.stack.resolve(network.securityGroupId)).toEqual({
      'Fn::GetAtt': [ids.notebookSg, 'GroupId'],
    });
    expect(built.stack.resolve(network.vpc.vpcId)).toEqual({ Ref: ids.vpc });
  });
});

describe('PrivateNotebookNetwork: security groups', () => {
  it('notebooks: no inbound rule; outbound HTTPS to the endpoint group and the S3 prefix list, nothing else', () => {
    const notebook = built.template.toJSON().Resources[ids.notebookSg as string].Properties as Properties;
    expect(notebook.SecurityGroupIngress).toBeUndefined();
    expect(notebook.SecurityGroupEgress).toBeUndefined();
    const ingress = resourcesOfType('AWS::EC2::SecurityGroupIngress').filter(
      ([, rule]) =>
        JSON.stringify(rule.GroupId) === JSON.stringify({ 'Fn::GetAtt': [ids.notebookSg, 'GroupId'] }),
    );
    expect(ingress).toEqual([]);

    const egress = resourcesOfType('AWS::EC2::SecurityGroupEgress').map(([, rule]) => rule);
    expect(egress).toEqual([
      {
        GroupId: { 'Fn::GetAtt': [ids.notebookSg, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [ids.endpointSg, 'GroupId'] },
        Description: 'HTTPS to the VPC interface endpoints',
      },
      {
        GroupId: { 'Fn::GetAtt': [ids.notebookSg, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        DestinationPrefixListId: {
          'Fn::GetAtt': [onlyResource(built.template, 'Custom::AWS').logicalId, 'PrefixLists.0.PrefixListId'],
        },
        Description: 'HTTPS to Amazon S3 through the gateway endpoint (snapshots)',
      },
    ]);
  });

  it('endpoints: inbound HTTPS from the notebook group only, no outbound traffic', () => {
    expect(resourcesOfType('AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule)).toEqual([
      {
        GroupId: { 'Fn::GetAtt': [ids.endpointSg, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [ids.notebookSg, 'GroupId'] },
        Description: 'HTTPS from SageMaker notebooks',
      },
    ]);
    const endpointGroup = built.template.toJSON().Resources[ids.endpointSg as string]
      .Properties as Properties;
    expect(endpointGroup.SecurityGroupIngress).toBeUndefined();
    // CDK's rendering of "no egress": one ICMP rule to 255.255.255.255/32 that matches no traffic
    expect(endpointGroup.SecurityGroupEgress).toEqual([
      {
        CidrIp: '255.255.255.255/32',
        Description: 'Disallow all traffic',
        FromPort: 252,
        IpProtocol: 'icmp',
        ToPort: 86,
      },
    ]);
  });
});

describe('PrivateNotebookNetwork: VPC endpoints', () => {
  it('creates the four interface endpoints with their exact service names, private DNS, in both subnets', () => {
    const interfaces = resourcesOfType('AWS::EC2::VPCEndpoint')
      .map(([, endpoint]) => endpoint)
      .filter((endpoint) => endpoint.VpcEndpointType === 'Interface');
    expect(interfaces.map((endpoint) => endpoint.ServiceName)).toEqual([
      `com.amazonaws.${TEST_REGION}.sagemaker.api`,
      `com.amazonaws.${TEST_REGION}.sagemaker.runtime`,
      // The notebook endpoint is the odd one out: aws.sagemaker.<region>.notebook
      `aws.sagemaker.${TEST_REGION}.notebook`,
      `com.amazonaws.${TEST_REGION}.sts`,
    ]);
    for (const endpoint of interfaces) {
      expect(endpoint).toEqual(
        expect.objectContaining({
          PrivateDnsEnabled: true,
          VpcId: { Ref: ids.vpc },
          SecurityGroupIds: [{ 'Fn::GetAtt': [ids.endpointSg, 'GroupId'] }],
          SubnetIds: subnetIds().map((id) => ({ Ref: id })),
        }),
      );
    }
  });

  it('adds an S3 gateway endpoint to the route tables of the notebook subnets', () => {
    const gateways = resourcesOfType('AWS::EC2::VPCEndpoint')
      .map(([, endpoint]) => endpoint)
      .filter((endpoint) => endpoint.VpcEndpointType === 'Gateway');
    const routeTables = resourcesOfType('AWS::EC2::RouteTable').map(([id]) => ({ Ref: id }));
    expect(routeTables).toHaveLength(2);
    expect(gateways).toEqual([
      {
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
        VpcEndpointType: 'Gateway',
        VpcId: { Ref: ids.vpc },
        RouteTableIds: routeTables,
      },
    ]);
  });

  it('looks up the id of the com.amazonaws.<region>.s3 prefix list at deploy time, read-only', () => {
    const { resource } = onlyResource(built.template, 'Custom::AWS');
    const call = JSON.parse(resource.Properties.Create as string) as Record<string, unknown>;
    expect(call).toEqual({
      service: 'EC2',
      action: 'DescribeManagedPrefixLists',
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${TEST_REGION}.s3`] }] },
      physicalResourceId: { id: `s3-prefix-list-${TEST_REGION}` },
      outputPaths: ['PrefixLists.0.PrefixListId'],
    });
    expect(resource.Properties.InstallLatestAwsSdk).toBe(false);
    const policies = resourcesOfType('AWS::IAM::Policy').filter(([id]) => id.includes('S3PrefixListLookup'));
    expect(policies.map(([, policy]) => readableStatements(policy.PolicyDocument as Json))).toEqual([
      [{ Effect: 'Allow', Action: ['ec2:DescribeManagedPrefixLists'], Resource: ['*'] }],
    ]);
  });
});

describe('PrivateNotebookNetwork: flow logs', () => {
  it('logs ALL traffic of the VPC to CloudWatch Logs through its own role', () => {
    expect(onlyResource(built.template, 'AWS::EC2::FlowLog').resource.Properties).toEqual(
      expect.objectContaining({
        ResourceId: { Ref: ids.vpc },
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: { Ref: ids.flowLogGroup },
        DeliverLogsPermissionArn: { 'Fn::GetAtt': [ids.flowLogRole, 'Arn'] },
      }),
    );
  });

  it('writes to a KMS-encrypted, retained log group kept one year', () => {
    const group = built.template.toJSON().Resources[ids.flowLogGroup as string];
    expect(group.Properties).toEqual({
      LogGroupName: expect.stringMatching(/^\/vpc-flow-logs\/[A-Za-z0-9_-]+$/),
      KmsKeyId: { 'Fn::GetAtt': [ids.flowLogKey, 'Arn'] },
      RetentionInDays: 365,
    });
    expect(group.DeletionPolicy).toBe('Retain');
  });

  it('lets CloudWatch Logs use the new, rotated key for this log group only', () => {
    const key = built.template.toJSON().Resources[ids.flowLogKey as string];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const name = (built.template.toJSON().Resources[ids.flowLogGroup as string].Properties as Properties)
      .LogGroupName as string;
    const statements = readableStatements(key.Properties.KeyPolicy as Json);
    expect(statements[1]).toEqual({
      Sid: expect.stringMatching(/^FlowLogs[A-Za-z0-9]+$/),
      Effect: 'Allow',
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: ['*'],
      Condition: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:${name}`,
        },
      },
    });
    expect(statements).toHaveLength(2);
  });

  it('trusts VPC Flow Logs for this account only, and writes to its own log group only', () => {
    const role = built.template.toJSON().Resources[ids.flowLogRole as string].Properties as Properties;
    expect(readable(role.AssumeRolePolicyDocument as Json)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
            ArnLike: { 'aws:SourceArn': `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:vpc-flow-log/*` },
          },
        },
      ],
    });
    expect(role.Policies).toBeUndefined();
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(attachedPolicyStatements(built.template, ids.flowLogRole as string)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: [`${ids.flowLogGroup}.Arn`],
      },
    ]);
  });
});

describe('PrivateNotebookNetwork: cdk-nag and validation', () => {
  it('has no unacknowledged AwsSolutions finding and passes CloudFormation validation', () => {
    expect(nagFindings(built.app)).toEqual([]);
    expect(built.validationFindings).toEqual([]);
  });

  it('acknowledges only the look-up function: its managed log policy and the unscoped describe call', () => {
    const acknowledgements = nagAcknowledgementsIn(built.stack);
    expect(acknowledgements.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [
        'ConstructUnderTest/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'ConstructUnderTest/NotebookNetwork/S3PrefixListLookup AwsSolutions-IAM5[Resource::*]',
      ].sort(),
    );
    for (const { id, reason } of acknowledgements) {
      expect(reason.length, `reason for ${id}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('is also clean in an environment-agnostic stack, with region-token service names', () => {
    const agnostic = synthesiseConstruct((stack) => new PrivateNotebookNetwork(stack, 'NotebookNetwork'), {
      agnostic: true,
    });
    expect(nagFindings(agnostic.app)).toEqual([]);
    expect(agnostic.validationFindings).toEqual([]);
    agnostic.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['aws.sagemaker.', { Ref: 'AWS::Region' }, '.notebook']] },
    });
  });
});

describe('PrivateNotebookNetwork: an existing VPC', () => {
  let existing: ConstructStack;
  let wrapped: PrivateNotebookNetwork;
  let vpcId: string;

  beforeAll(() => {
    // Given a VPC the user already has (private subnets with NAT here), and the S3 prefix list id
    existing = synthesiseConstruct((stack) => {
      const vpc = new Vpc(stack, 'TeamVpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'Public', subnetType: SubnetType.PUBLIC },
          { name: 'Private', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        ],
        restrictDefaultSecurityGroup: false,
      });
      vpc.addFlowLog('FlowLog');
      vpcId = logicalId(stack, vpc);
      wrapped = new PrivateNotebookNetwork(stack, 'NotebookNetwork', {
        vpc,
        subnets: { subnetGroupName: 'Private' },
        s3PrefixListId: 'pl-6da54004',
        additionalInterfaceEndpoints: { Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS },
      });
    });
  });

  it('puts the endpoints and groups in it, in the chosen subnets, and creates no VPC, flow log or look-up', () => {
    // (the one VPC and flow log are the fixture's own)
    existing.template.resourceCountIs('AWS::EC2::VPC', 1);
    existing.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    existing.template.resourceCountIs('Custom::AWS', 0);
    expect([wrapped.flowLog, wrapped.flowLogGroup, wrapped.flowLogKey, wrapped.flowLogRole]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(existing.stack.resolve(wrapped.vpc.vpcId)).toEqual({ Ref: vpcId });
    const privateSubnets = Object.keys(existing.template.findResources('AWS::EC2::Subnet')).filter((id) =>
      id.includes('Private'),
    );
    expect(wrapped.subnetIds.map((subnet) => existing.stack.resolve(subnet))).toEqual(
      privateSubnets.map((id) => ({ Ref: id })),
    );
    existing.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: `com.amazonaws.${TEST_REGION}.logs`,
      SubnetIds: privateSubnets.map((id) => ({ Ref: id })),
    });
  });

  it('uses the given prefix list id for the S3 egress rule', () => {
    existing.template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      DestinationPrefixListId: 'pl-6da54004',
      FromPort: 443,
      ToPort: 443,
    });
    expect(wrapped.s3PrefixListId).toBe('pl-6da54004');
  });

  it('is cdk-nag clean (flow logs are the owner of that VPC to decide)', () => {
    const findings = nagFindings(existing.app).filter((finding) => finding.includes('NotebookNetwork'));
    expect(findings).toEqual([]);
    existing.template.hasResourceProperties(
      'AWS::EC2::VPCEndpoint',
      Match.objectLike({ PrivateDnsEnabled: true }),
    );
  });
});

describe('PrivateNotebookNetwork: props', () => {
  const construct = (props: PrivateNotebookNetworkProps) => () => {
    const stack = new Stack(new App(), 'ConstructUnderTest', {
      env: { account: TEST_ACCOUNT, region: TEST_REGION },
    });
    return new PrivateNotebookNetwork(stack, 'NotebookNetwork', props);
  };

  it('rejects options that only apply to a VPC it creates, when given a VPC, listing each', () => {
    const stack = new Stack(new App(), 'Other', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
    const vpc = Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      isolatedSubnetIds: ['subnet-0123456789abcdef0'],
      isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0'],
    });
    expect(
      () =>
        new PrivateNotebookNetwork(stack, 'NotebookNetwork', {
          vpc,
          vpcCidr: '10.1.0.0/16',
          flowLogKey: new Key(stack, 'Key'),
          flowLogRetention: RetentionDays.ONE_MONTH,
        }),
    ).toThrow(
      [
        "Invalid PrivateNotebookNetwork 'NotebookNetwork':",
        'vpcCidr applies only to a VPC this construct creates; it cannot be used with vpc',
        'flowLogKey applies only to a VPC this construct creates; it cannot be used with vpc',
        'flowLogRetention applies only to a VPC this construct creates; it cannot be used with vpc',
      ].join('\n'),
    );
  });

  it('rejects subnets without a VPC, a bad CIDR, a bad prefix list id and a clashing endpoint name at once', () => {
    expect(
      construct({
        subnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
        vpcCidr: '10.0.0.0/24',
        s3PrefixListId: 'prefix-s3',
        additionalInterfaceEndpoints: {
          Sts: InterfaceVpcEndpointAwsService.STS,
          'cloud-watch': InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
        },
      }),
    ).toThrow(
      [
        "Invalid PrivateNotebookNetwork 'NotebookNetwork':",
        'subnets selects subnets of an existing vpc; without vpc the construct picks its own',
        "vpcCidr '10.0.0.0/24' must be an IPv4 CIDR from /16 to /23 (it holds two /24 subnets)",
        "s3PrefixListId 'prefix-s3' is not a prefix list id (pl-…)",
        'additionalInterfaceEndpoints.Sts clashes with a required endpoint of that name',
        'additionalInterfaceEndpoints.cloud-watch: names must be alphanumeric (they become construct ids)',
      ].join('\n'),
    );
  });

  it('accepts a custom CIDR and flow log key', () => {
    const custom = synthesiseConstruct((stack) => {
      const flowLogKey = new Key(stack, 'SharedKey', { enableKeyRotation: true });
      new PrivateNotebookNetwork(stack, 'NotebookNetwork', {
        vpcCidr: '10.42.0.0/20',
        flowLogKey,
        flowLogRetention: RetentionDays.THREE_MONTHS,
      });
    });
    custom.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/20' });
    custom.template.resourceCountIs('AWS::KMS::Key', 1);
    custom.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    expect(nagFindings(custom.app)).toEqual([]);
  });
});
