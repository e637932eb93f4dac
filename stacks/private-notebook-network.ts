/**
 * An optional private network for recreated notebooks, for users who do not have one: subnets with
 * no route to the internet, a notebook security group, and the VPC endpoints a notebook without
 * direct internet access needs (SageMaker API, runtime and notebook, STS, and S3 for snapshots).
 *
 * Either wraps an existing VPC (endpoints and security groups only) or creates a small one: isolated
 * subnets in two Availability Zones, no NAT gateway, VPC flow logs to an encrypted log group.
 */
import { Annotations, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import {
  FlowLog,
  FlowLogDestination,
  FlowLogResourceType,
  FlowLogTrafficType,
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from './nag-acknowledgements.js';

export const DEFAULT_VPC_CIDR = '10.0.0.0/16';
export const NOTEBOOK_SUBNET_GROUP_NAME = 'Notebooks';

/**
 * The interface endpoints every private notebook needs (sagemaker-controls.md): the SageMaker API
 * and runtime, the notebook (Jupyter) endpoint, whose service name is `aws.sagemaker.<region>.notebook`
 * rather than `com.amazonaws.…`, and STS.
 */
export const REQUIRED_INTERFACE_ENDPOINTS = {
  SageMakerApi: InterfaceVpcEndpointAwsService.SAGEMAKER_API,
  SageMakerRuntime: InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
  SageMakerNotebook: InterfaceVpcEndpointAwsService.SAGEMAKER_NOTEBOOK,
  Sts: InterfaceVpcEndpointAwsService.STS,
} as const;

export interface PrivateNotebookNetworkProps {
  /**
   * An existing VPC to put the endpoints and security groups in. It needs DNS support and DNS
   * hostnames enabled (private DNS of the endpoints), route tables on the chosen subnets, and no
   * interface endpoint of its own with private DNS for these services (the DNS names would clash).
   *
   * @default - a new VPC: isolated subnets in 2 Availability Zones, no NAT gateway, flow logs on
   */
  readonly vpc?: IVpc;
  /**
   * The subnets of `vpc` for the notebooks and the interface endpoints (also the route tables the
   * S3 gateway endpoint is added to). Only with `vpc`.
   *
   * @default - the isolated subnets of the VPC
   */
  readonly subnets?: SubnetSelection;
  /**
   * CIDR of the new VPC. Only without `vpc`.
   *
   * @default '10.0.0.0/16'
   */
  readonly vpcCidr?: string;
  /**
   * Key for the flow log group of the new VPC. Its key policy gets a statement for CloudWatch Logs
   * on that log group. Only without `vpc`.
   *
   * @default - a new key with yearly rotation
   */
  readonly flowLogKey?: IKey;
  /**
   * Retention of the flow log group. Only without `vpc`.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: RetentionDays;
  /**
   * Id of the AWS-managed prefix list `com.amazonaws.<region>.s3`. Traffic to an S3 gateway endpoint
   * goes to S3's public addresses, so the notebook security group needs egress to this prefix list;
   * pass the id (`aws ec2 describe-managed-prefix-lists`) to avoid the deploy-time look-up.
   *
   * @default - looked up at deploy time by a custom resource (ec2:DescribeManagedPrefixLists)
   */
  readonly s3PrefixListId?: string;
  /**
   * More interface endpoints, e.g. `InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS` so lifecycle
   * script output reaches CloudWatch Logs, or ECR for custom images.
   *
   * @default - none
   */
  readonly additionalInterfaceEndpoints?: Readonly<Record<string, InterfaceVpcEndpointAwsService>>;
}

export class PrivateNotebookNetwork extends Construct {
  public readonly vpc: IVpc;
  /** The subnets to recreate notebooks in (configuration: subnet per account and region). */
  public readonly subnetIds: string[];
  /** The notebook security group: no ingress, egress HTTPS to the endpoints and S3 only. */
  public readonly notebookSecurityGroup: SecurityGroup;
  /** Id of notebookSecurityGroup (configuration: security groups per account and region). */
  public readonly securityGroupId: string;
  /** Shared by the interface endpoints: HTTPS in from the notebook security group, nothing out. */
  public readonly endpointSecurityGroup: SecurityGroup;
  /** Keyed by the names of REQUIRED_INTERFACE_ENDPOINTS and additionalInterfaceEndpoints. */
  public readonly interfaceEndpoints: Readonly<Record<string, InterfaceVpcEndpoint>>;
  public readonly s3GatewayEndpoint: GatewayVpcEndpoint;
  /** The id the S3 egress rule uses: the given id or the deploy-time look-up's result. */
  public readonly s3PrefixListId: string;
  /** Only when the construct creates the VPC. */
  public readonly flowLog?: FlowLog;
  public readonly flowLogGroup?: LogGroup;
  public readonly flowLogKey?: IKey;
  public readonly flowLogRole?: Role;

  constructor(scope: Construct, id: string, props: PrivateNotebookNetworkProps = {}) {
    super(scope, id);
    validate(id, props);
    const stack = Stack.of(this);

    const ownVpc = props.vpc === undefined;
    const vpc =
      props.vpc ??
      new Vpc(this, 'Vpc', {
        ipAddresses: IpAddresses.cidr(props.vpcCidr ?? DEFAULT_VPC_CIDR),
        maxAzs: 2,
        // Isolated subnets only: with no NAT gateway and no internet gateway route, a notebook can
        // reach nothing but the endpoints below, whatever its security group says.
        natGateways: 0,
        subnetConfiguration: [
          { name: NOTEBOOK_SUBNET_GROUP_NAME, subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ],
        enableDnsHostnames: true,
        enableDnsSupport: true,
        // Security Hub control EC2.2: the default security group must allow no traffic. Set
        // explicitly, not left to the app's feature flags.
        restrictDefaultSecurityGroup: true,
      });
    this.vpc = vpc;
    const subnets: SubnetSelection = props.subnets ?? { subnetType: SubnetType.PRIVATE_ISOLATED };
    this.subnetIds = vpc.selectSubnets(subnets).subnetIds;

    this.notebookSecurityGroup = new SecurityGroup(this, 'NotebookSecurityGroup', {
      vpc,
      description: 'SageMaker notebooks: no inbound; outbound HTTPS to the VPC endpoints and S3 only',
      allowAllOutbound: false,
    });
    this.securityGroupId = this.notebookSecurityGroup.securityGroupId;
    this.endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'VPC interface endpoints for SageMaker notebooks: HTTPS from the notebook group only',
      // Endpoints only answer; CDK renders "no egress" as a rule matching no traffic.
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(
      this.notebookSecurityGroup,
      Port.tcp(443),
      'HTTPS from SageMaker notebooks',
    );
    this.notebookSecurityGroup.addEgressRule(
      this.endpointSecurityGroup,
      Port.tcp(443),
      'HTTPS to the VPC interface endpoints',
    );

    const endpoints = { ...REQUIRED_INTERFACE_ENDPOINTS, ...props.additionalInterfaceEndpoints };
    this.interfaceEndpoints = Object.fromEntries(
      Object.entries(endpoints).map(([name, service]) => [
        name,
        new InterfaceVpcEndpoint(this, `${name}Endpoint`, {
          vpc,
          service,
          subnets,
          privateDnsEnabled: true,
          securityGroups: [this.endpointSecurityGroup],
          // Not `open`: CDK would allow 443 from the whole VPC CIDR; only the notebook group may connect.
          open: false,
        }),
      ]),
    );

    this.s3GatewayEndpoint = new GatewayVpcEndpoint(this, 'S3Endpoint', {
      vpc,
      service: GatewayVpcEndpointAwsService.S3,
      // The notebooks' subnets' route tables get the S3 route.
      subnets: [subnets],
    });
    this.s3PrefixListId = props.s3PrefixListId ?? this.lookUpS3PrefixList(stack);
    this.notebookSecurityGroup.addEgressRule(
      Peer.prefixList(this.s3PrefixListId),
      Port.tcp(443),
      'HTTPS to Amazon S3 through the gateway endpoint (snapshots)',
    );

    if (ownVpc) {
      this.flowLogKey =
        props.flowLogKey ??
        new Key(this, 'FlowLogKey', {
          description: 'Encrypts the flow logs of the private SageMaker notebook VPC.',
          enableKeyRotation: true,
          // The flow logs are retained (audit trail) and stay readable only with this key.
          removalPolicy: RemovalPolicy.RETAIN,
        });
      // A fixed name, so the key policy can name the log group without a circular dependency.
      const logGroupName = `/vpc-flow-logs/${Names.uniqueResourceName(this, { maxLength: 200, allowedSpecialCharacters: '-_' })}`;
      const { statementAdded } = this.flowLogKey.addToResourcePolicy(
        new PolicyStatement({
          sid: `FlowLogs${Names.uniqueId(this)}`,
          principals: [new ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
          actions: [
            'kms:Encrypt*',
            'kms:Decrypt*',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:Describe*',
          ],
          resources: ['*'],
          conditions: {
            ArnEquals: {
              'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${logGroupName}`,
            },
          },
        }),
      );
      if (!statementAdded) {
        // An imported key's policy cannot be changed here; it may already allow CloudWatch Logs.
        Annotations.of(this).addWarningV2(
          'sagemaker-remediation:flowLogKeyPolicy',
          `flowLogKey is imported: its key policy must allow logs.${stack.region}.amazonaws.com to use it for ${logGroupName}, or the flow log group cannot be created`,
        );
      }
      this.flowLogGroup = new LogGroup(this, 'FlowLogGroup', {
        logGroupName,
        encryptionKey: this.flowLogKey,
        retention: props.flowLogRetention ?? RetentionDays.ONE_YEAR,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // An explicit role instead of CDK's default, whose trust policy has no conditions: trusted by
      // VPC Flow Logs for this account's flow logs only (confused deputy). FlowLogDestination grants
      // it CreateLogStream, PutLogEvents and DescribeLogStreams on this log group only.
      this.flowLogRole = new Role(this, 'FlowLogRole', {
        description: 'VPC Flow Logs of the private SageMaker notebook VPC: writes its own log group only.',
        assumedBy: new ServicePrincipal('vpc-flow-logs.amazonaws.com').withConditions({
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:vpc-flow-log/*`,
          },
        }),
      });
      this.flowLog = new FlowLog(this, 'FlowLog', {
        resourceType: FlowLogResourceType.fromVpc(vpc),
        destination: FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, this.flowLogRole),
        trafficType: FlowLogTrafficType.ALL,
      });
    }
  }

  /** ec2:DescribeManagedPrefixLists for `com.amazonaws.<region>.s3`, at deploy time. */
  private lookUpS3PrefixList(stack: Stack): string {
    const lookup = new AwsCustomResource(this, 'S3PrefixListLookup', {
      onUpdate: {
        service: 'EC2',
        action: 'DescribeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${stack.region}.s3`] }] },
        // Re-run only if the region changes (it cannot, in one stack): the id of a managed list is fixed.
        physicalResourceId: PhysicalResourceId.of(`s3-prefix-list-${stack.region}`),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
      // The look-up needs nothing newer than the SDK in the Lambda runtime; installing it at deploy
      // time would need internet access from the function and slow every deployment.
      installLatestAwsSdk: false,
    });
    // The look-up runs in CDK's singleton AwsCustomResource function; its role is the grant principal.
    if (Construct.isConstruct(lookup.grantPrincipal)) {
      acknowledge(
        lookup.grantPrincipal,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The role of the AwsCustomResource function CDK provides (shared by the stack); the managed policy only lets it write its own CloudWatch Logs, and the function runs once per deployment.',
      );
    }
    acknowledge(
      lookup,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeManagedPrefixLists, the only action of this deploy-time look-up (read-only), supports no resource-level permissions.',
    );
    return lookup.getResponseField('PrefixLists.0.PrefixListId');
  }
}

function validate(id: string, props: PrivateNotebookNetworkProps): void {
  const problems: string[] = [];
  if (props.vpc) {
    for (const name of ['vpcCidr', 'flowLogKey', 'flowLogRetention'] as const) {
      if (props[name] !== undefined) {
        problems.push(`${name} applies only to a VPC this construct creates; it cannot be used with vpc`);
      }
    }
  } else if (props.subnets !== undefined) {
    problems.push('subnets selects subnets of an existing vpc; without vpc the construct picks its own');
  }
  if (props.vpcCidr !== undefined && !Token.isUnresolved(props.vpcCidr)) {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(props.vpcCidr);
    const octetsValid = match?.slice(1, 5).every((octet) => Number(octet) <= 255) ?? false;
    const mask = Number(match?.[5]);
    if (!match || !octetsValid || mask < 16 || mask > 23) {
      // Two /24 subnets need a /23 at least; AWS allows no VPC larger than a /16.
      problems.push(
        `vpcCidr '${props.vpcCidr}' must be an IPv4 CIDR from /16 to /23 (it holds two /24 subnets)`,
      );
    }
  }
  if (props.s3PrefixListId !== undefined && !Token.isUnresolved(props.s3PrefixListId)) {
    if (!/^pl-[0-9a-f]{8,17}$/.test(props.s3PrefixListId)) {
      problems.push(`s3PrefixListId '${props.s3PrefixListId}' is not a prefix list id (pl-…)`);
    }
  }
  const extra = Object.keys(props.additionalInterfaceEndpoints ?? {});
  for (const name of extra) {
    if (name in REQUIRED_INTERFACE_ENDPOINTS) {
      problems.push(`additionalInterfaceEndpoints.${name} clashes with a required endpoint of that name`);
    } else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      problems.push(
        `additionalInterfaceEndpoints.${name}: names must be alphanumeric (they become construct ids)`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid PrivateNotebookNetwork '${id}':\n${problems.join('\n')}`);
  }
}
