/**
 * EC2, as far as notebooks in a VPC need it: VPCs, subnets, security groups and network interfaces,
 * seeded by tests, described with EC2's ids, filters and pagination, and the interfaces SageMaker
 * creates in a notebook's subnet.
 *
 * API references (EC2 speaks the query protocol; its model declares no errors per operation):
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSubnets.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNetworkInterface.html
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html (codes)
 *
 * Messages seen from AWS (public reports): `The subnet ID 'subnet-…' does not exist` (also for ids
 * that are not subnet ids), `The security group 'sg-…' does not exist`, `The vpc ID 'vpc-…' does not
 * exist`, `The networkInterface ID 'eni-…' does not exist`, `Invalid id: "…" (expecting "sg-...")`,
 * `Security group sg-… and subnet subnet-… belong to different networks.` (RunInstances),
 * `Value ( 1 ) for parameter maxResults is invalid. Expecting a value greater than 5.` Others are
 * marked "wording not confirmed" where they are built.
 */

import { deterministicHex } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';
import { InputReader, isRecord } from './input-reader.js';

/** Where a record lives: owner and ARNs. */
type Place = { readonly accountId: string; readonly region: string };

function vpcRecord(place: Place, VpcId: string, CidrBlock: string) {
  return {
    VpcId,
    CidrBlock,
    State: 'available' as const,
    IsDefault: false,
    InstanceTenancy: 'default' as const,
    OwnerId: place.accountId,
  };
}

function subnetRecord(place: Place, vpc: Vpc, SubnetId: string, index: number, zone: string | undefined) {
  const [a = '10', b = '0'] = vpc.CidrBlock.split('.');
  return {
    SubnetId,
    SubnetArn: `arn:aws:ec2:${place.region}:${place.accountId}:subnet/${SubnetId}`,
    VpcId: vpc.VpcId,
    CidrBlock: `${a}.${b}.${index % 256}.0/24`,
    AvailabilityZone: zone ?? `${place.region}a`,
    AvailableIpAddressCount: 251,
    State: 'available' as const,
    DefaultForAz: false,
    MapPublicIpOnLaunch: false,
    OwnerId: place.accountId,
  };
}

function groupRecord(place: Place, VpcId: string, GroupId: string, name?: string, description?: string) {
  return {
    GroupId,
    GroupName: name ?? GroupId,
    Description: description ?? `Security group ${name ?? GroupId}`,
    VpcId,
    OwnerId: place.accountId,
    SecurityGroupArn: `arn:aws:ec2:${place.region}:${place.accountId}:security-group/${GroupId}`,
    IpPermissions: [] as unknown[],
    // A new group allows all outbound traffic.
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] as unknown[],
  };
}

function interfaceRecord(
  place: Place,
  subnet: Subnet,
  id: string,
  groups: readonly SecurityGroup[],
  description: string,
  requesterManaged: boolean,
  index: number,
) {
  return {
    NetworkInterfaceId: id,
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    AvailabilityZone: subnet.AvailabilityZone,
    Description: description,
    Groups: groups.map((group) => ({ GroupId: group.GroupId, GroupName: group.GroupName })),
    InterfaceType: 'interface' as const,
    OwnerId: place.accountId,
    PrivateIpAddress: `${subnet.CidrBlock.split('.').slice(0, 3).join('.')}.${10 + (index % 240)}`,
    RequesterManaged: requesterManaged,
    Status: (requesterManaged ? 'in-use' : 'available') as 'in-use' | 'available',
    SourceDestCheck: true,
    TagSet: [] as { Key: string; Value: string }[],
  };
}

export type Vpc = ReturnType<typeof vpcRecord>;
export type Subnet = ReturnType<typeof subnetRecord>;
export type SecurityGroup = ReturnType<typeof groupRecord>;
export type NetworkInterface = ReturnType<typeof interfaceRecord>;

type FilterMatchers<T> = Readonly<Record<string, (item: T) => readonly string[]>>;

/** How a describe call names its ids, filters them, and answers an unknown one. */
interface Kind<T> {
  readonly idsMember: string;
  readonly filters: FilterMatchers<T>;
  readonly notFound: string;
  readonly noun: string;
  readonly shape?: { readonly prefix: string; readonly code: string };
}

// EC2 answers any subnet or VPC id it does not know, shaped like one or not, with NotFound.
const SUBNETS: Kind<Subnet> = {
  idsMember: 'SubnetIds',
  notFound: 'InvalidSubnetID.NotFound',
  noun: 'subnet ID',
  filters: {
    'vpc-id': (s) => [s.VpcId],
    'subnet-id': (s) => [s.SubnetId],
    'availability-zone': (s) => [s.AvailabilityZone],
    'cidr-block': (s) => [s.CidrBlock],
    state: (s) => [s.State],
  },
};
const GROUPS: Kind<SecurityGroup> = {
  idsMember: 'GroupIds',
  notFound: 'InvalidGroup.NotFound',
  noun: 'security group',
  shape: { prefix: 'sg', code: 'InvalidGroupId.Malformed' },
  filters: {
    'vpc-id': (g) => [g.VpcId],
    'group-id': (g) => [g.GroupId],
    'group-name': (g) => [g.GroupName],
  },
};
const VPCS: Kind<Vpc> = {
  idsMember: 'VpcIds',
  notFound: 'InvalidVpcID.NotFound',
  noun: 'vpc ID',
  filters: { 'vpc-id': (v) => [v.VpcId], 'cidr-block': (v) => [v.CidrBlock], state: (v) => [v.State] },
};
const INTERFACES: Kind<NetworkInterface> = {
  idsMember: 'NetworkInterfaceIds',
  notFound: 'InvalidNetworkInterfaceID.NotFound',
  noun: 'networkInterface ID',
  shape: { prefix: 'eni', code: 'InvalidNetworkInterfaceID.Malformed' },
  filters: {
    'network-interface-id': (n) => [n.NetworkInterfaceId],
    'subnet-id': (n) => [n.SubnetId],
    'vpc-id': (n) => [n.VpcId],
    'group-id': (n) => n.Groups.map((group) => group.GroupId),
    status: (n) => [n.Status],
  },
};

export class SimulatedEc2 {
  private readonly vpcs = new Map<string, Vpc>();
  private readonly subnets = new Map<string, Subnet>();
  private readonly groups = new Map<string, SecurityGroup>();
  private readonly interfaces = new Map<string, NetworkInterface>();
  private counter = 0;
  private seeded = false;

  /**
   * @param beforeAccess brings due notebook transitions about before interfaces are read (a deleted
   *   notebook's interface goes when its deletion completes, which the simulated SageMaker settles lazily).
   */
  constructor(
    readonly accountId = '111122223333',
    readonly region = 'eu-west-1',
    private readonly beforeAccess: () => void = () => undefined,
  ) {}

  /**
   * Whether the test models the network (it seeded something, or asked for strict checks). Until then
   * SageMaker takes any subnet and security group it is given as existing and creates them here.
   */
  get modelled(): boolean {
    return this.seeded;
  }

  /** Makes SageMaker check subnets and security groups even before anything is seeded. */
  checkReferencesStrictly(): void {
    this.seeded = true;
  }

  /** A VPC (default CIDR 10.<n>.0.0/16) with its `default` security group, as AWS creates one. */
  seedVpc(options: { readonly cidr?: string } = {}): string {
    this.seeded = true;
    return this.addVpc(options.cidr);
  }

  /** A subnet (default CIDR: the next /24 of the VPC's). */
  seedSubnet(options: {
    readonly vpcId: string;
    readonly availabilityZone?: string;
    readonly cidr?: string;
  }): string {
    this.seeded = true;
    if (!this.vpcs.has(options.vpcId)) throw new Error(`seedSubnet: no VPC ${options.vpcId}`);
    return this.addSubnet(options.vpcId, undefined, options.availabilityZone, options.cidr);
  }

  /** The id of a VPC's `default` security group. */
  defaultSecurityGroupOf(vpcId: string): string | undefined {
    return this.defaultGroupOf(vpcId)[0];
  }

  seedSecurityGroup(options: {
    readonly vpcId: string;
    readonly groupName?: string;
    readonly description?: string;
  }): string {
    this.seeded = true;
    if (!this.vpcs.has(options.vpcId)) throw new Error(`seedSecurityGroup: no VPC ${options.vpcId}`);
    const taken = [...this.groups.values()].some(
      (g) => g.VpcId === options.vpcId && g.GroupName === options.groupName,
    );
    if (taken)
      throw new Error(`seedSecurityGroup: ${options.vpcId} has a group ${options.groupName} already`);
    return this.addGroup(options.vpcId, undefined, options.groupName, options.description);
  }

  /**
   * Deletes a subnet, as its owner might while a plan waits. Like EC2's DeleteSubnet, refused while a
   * network interface is in it (DependencyViolation).
   */
  removeSubnet(subnetId: string): void {
    this.beforeAccess();
    if (!this.subnets.has(subnetId)) throw new Error(`removeSubnet: no subnet ${subnetId}`);
    if ([...this.interfaces.values()].some((eni) => eni.SubnetId === subnetId)) {
      throw new Error(
        `removeSubnet: ${subnetId} has dependencies and cannot be deleted (DependencyViolation)`,
      );
    }
    this.subnets.delete(subnetId);
  }

  /** Deletes a security group (not a VPC's default); refused while an interface uses it, as in EC2. */
  removeSecurityGroup(groupId: string): void {
    this.beforeAccess();
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`removeSecurityGroup: no security group ${groupId}`);
    if (group.GroupName === 'default')
      throw new Error(`removeSecurityGroup: ${groupId} is a VPC's default group`);
    if ([...this.interfaces.values()].some((eni) => eni.Groups.some((g) => g.GroupId === groupId))) {
      throw new Error(`removeSecurityGroup: ${groupId} has a dependent object (DependencyViolation)`);
    }
    this.groups.delete(groupId);
  }

  /** Network interfaces, for assertions (DescribeNetworkInterfaces without the API call). */
  networkInterfaces(): NetworkInterface[] {
    this.beforeAccess();
    return [...this.interfaces.values()].map((eni) => structuredClone(eni));
  }

  hasNetworkInterface(id: string): boolean {
    return this.interfaces.has(id);
  }

  /** Deletes an interface even if in use, as someone with the console might after detaching it. */
  removeNetworkInterface(id: string): void {
    this.interfaces.delete(id);
  }

  /**
   * What SageMaker finds wrong with a notebook's subnet and security groups, in EC2's words (which
   * SageMaker is assumed to relay), or undefined.
   */
  networkProblem(subnetId: string, groupIds: readonly string[]): string | undefined {
    return this.networkIssue(subnetId, groupIds)?.message;
  }

  /** Creates the missing ones of a subnet and its groups, in one VPC (the subnet's, a group's, or a new one). */
  materialiseNetwork(subnetId: string, groupIds: readonly string[]): void {
    const known = this.subnets.get(subnetId)?.VpcId ?? groupIds.map((id) => this.groups.get(id)?.VpcId)[0];
    const vpcId = known ?? this.addVpc(undefined);
    if (!this.subnets.has(subnetId)) this.addSubnet(vpcId, subnetId, undefined);
    for (const groupId of groupIds) {
      if (!this.groups.has(groupId)) this.addGroup(vpcId, groupId);
    }
  }

  /** The requester-managed, in-use interface SageMaker attaches to a notebook. Returns its id. */
  attachInterface(request: { subnetId: string; groupIds: readonly string[]; description: string }): string {
    return this.createInterface(request.subnetId, request.groupIds, request.description, true)
      .NetworkInterfaceId;
  }

  describeSubnets(input: unknown): { Subnets: Subnet[]; NextToken?: string } {
    const [Subnets, more] = this.describe(input, 'DescribeSubnets', this.subnets, SUBNETS);
    return { Subnets, ...more };
  }

  describeSecurityGroups(input: unknown): { SecurityGroups: SecurityGroup[]; NextToken?: string } {
    if (isRecord(input) && input.GroupNames !== undefined) {
      throw new Error('The simulated EC2 does not look groups up by GroupNames');
    }
    const [SecurityGroups, more] = this.describe(input, 'DescribeSecurityGroups', this.groups, GROUPS);
    return { SecurityGroups, ...more };
  }

  describeVpcs(input: unknown): { Vpcs: Vpc[]; NextToken?: string } {
    const [Vpcs, more] = this.describe(input, 'DescribeVpcs', this.vpcs, VPCS);
    return { Vpcs, ...more };
  }

  describeNetworkInterfaces(input: unknown): { NetworkInterfaces: NetworkInterface[]; NextToken?: string } {
    this.beforeAccess();
    const [NetworkInterfaces, more] = this.describe(
      input,
      'DescribeNetworkInterfaces',
      this.interfaces,
      INTERFACES,
    );
    return { NetworkInterfaces, ...more };
  }

  createNetworkInterface(input: unknown): { NetworkInterface: NetworkInterface } {
    const operation = 'CreateNetworkInterface';
    const reader = this.reader(input, operation, ['SubnetId', 'Description', 'Groups', 'ClientToken'], false);
    const subnetId = this.required(reader, operation, 'SubnetId');
    const groupIds = reader.optionalStringList('Groups') ?? [];
    this.checkShape(groupIds, GROUPS.shape, operation);
    const issue = this.networkIssue(subnetId, groupIds);
    if (issue !== undefined) throw this.error(operation, issue.code, issue.message);
    const description = reader.optionalString('Description', { maxLength: 255 }) ?? '';
    const eni = this.createInterface(subnetId, groupIds, description, false);
    return { NetworkInterface: structuredClone(eni) };
  }

  deleteNetworkInterface(input: unknown): Record<string, never> {
    const operation = 'DeleteNetworkInterface';
    this.beforeAccess();
    const reader = this.reader(input, operation, ['NetworkInterfaceId'], false);
    const id = this.required(reader, operation, 'NetworkInterfaceId');
    this.checkShape([id], INTERFACES.shape, operation);
    const eni = this.interfaces.get(id);
    const message = `The networkInterface ID '${id}' does not exist`;
    if (eni === undefined) throw this.error(operation, 'InvalidNetworkInterfaceID.NotFound', message);
    if (eni.Status === 'in-use') {
      // Wording not confirmed; the code is in EC2's error list.
      const inUse = `Network interface '${id}' is currently in use.`;
      throw this.error(operation, 'InvalidNetworkInterface.InUse', inUse);
    }
    this.interfaces.delete(id);
    return {};
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      DescribeSubnets: (input) => this.describeSubnets(input),
      DescribeSecurityGroups: (input) => this.describeSecurityGroups(input),
      DescribeVpcs: (input) => this.describeVpcs(input),
      DescribeNetworkInterfaces: (input) => this.describeNetworkInterfaces(input),
      CreateNetworkInterface: (input) => this.createNetworkInterface(input),
      DeleteNetworkInterface: (input) => this.deleteNetworkInterface(input),
    };
  }

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${deterministicHex(`${prefix}/${this.accountId}/${this.region}/${this.counter}`, 17)}`;
  }

  private addVpc(cidr: string | undefined): string {
    const id = this.nextId('vpc');
    this.vpcs.set(id, vpcRecord(this, id, cidr ?? `10.${this.vpcs.size % 256}.0.0/16`));
    this.addGroup(id, undefined, 'default', 'default VPC security group');
    return id;
  }

  private addSubnet(vpcId: string, id: string | undefined, zone: string | undefined, cidr?: string): string {
    const vpc = this.vpcs.get(vpcId);
    if (vpc === undefined) throw new Error(`SimulatedEc2: no VPC ${vpcId}`);
    const subnetId = id ?? this.nextId('subnet');
    const index = [...this.subnets.values()].filter((subnet) => subnet.VpcId === vpcId).length;
    this.subnets.set(subnetId, {
      ...subnetRecord(this, vpc, subnetId, index, zone),
      ...(cidr ? { CidrBlock: cidr } : {}),
    });
    return subnetId;
  }

  private addGroup(vpcId: string, id: string | undefined, name?: string, description?: string): string {
    const groupId = id ?? this.nextId('sg');
    this.groups.set(groupId, groupRecord(this, vpcId, groupId, name, description));
    return groupId;
  }

  private createInterface(
    subnetId: string,
    groupIds: readonly string[],
    description: string,
    requesterManaged: boolean,
  ): NetworkInterface {
    const subnet = this.subnets.get(subnetId);
    if (subnet === undefined) throw new Error(`SimulatedEc2: no subnet ${subnetId}`);
    // Without groups, the interface gets the VPC's default group.
    const groups = (groupIds.length > 0 ? groupIds : this.defaultGroupOf(subnet.VpcId))
      .map((id) => this.groups.get(id))
      .filter((group): group is SecurityGroup => group !== undefined);
    const index = [...this.interfaces.values()].filter((eni) => eni.SubnetId === subnetId).length;
    const eni = interfaceRecord(
      this,
      subnet,
      this.nextId('eni'),
      groups,
      description,
      requesterManaged,
      index,
    );
    this.interfaces.set(eni.NetworkInterfaceId, eni);
    return eni;
  }

  /** The subnet must exist, and the groups in its VPC (messages seen from RunInstances). */
  private networkIssue(
    subnetId: string,
    groupIds: readonly string[],
  ): { code: string; message: string } | undefined {
    const subnet = this.subnets.get(subnetId);
    if (subnet === undefined) {
      return { code: 'InvalidSubnetID.NotFound', message: `The subnet ID '${subnetId}' does not exist` };
    }
    for (const groupId of groupIds) {
      const group = this.groups.get(groupId);
      if (group === undefined) {
        const message = `The security group '${groupId}' does not exist in VPC '${subnet.VpcId}'`;
        return { code: 'InvalidGroup.NotFound', message };
      }
      if (group.VpcId !== subnet.VpcId) {
        const message = `Security group ${groupId} and subnet ${subnetId} belong to different networks.`;
        return { code: 'InvalidParameter', message };
      }
    }
    return undefined;
  }

  private defaultGroupOf(vpcId: string): string[] {
    const group = [...this.groups.values()].find((g) => g.VpcId === vpcId && g.GroupName === 'default');
    return group === undefined ? [] : [group.GroupId];
  }

  private error(operation: string, code: string, message: string): AwsServiceError {
    return new AwsServiceError({ service: 'EC2', operation, code, message });
  }

  /** Reads the common members; describe calls also take Filters, MaxResults and NextToken. */
  private reader(input: unknown, operation: string, members: readonly string[], paged = true): InputReader {
    const fail = (message: string) => this.error(operation, 'InvalidParameterValue', message);
    const reader = InputReader.of(input, fail);
    const allowed = [...members, ...(paged ? ['Filters', 'MaxResults', 'NextToken'] : [])];
    const unknown = Object.keys(reader.fields).find((key) => !allowed.includes(key));
    if (unknown !== undefined) {
      // Wording not confirmed; UnknownParameter is in EC2's list of common errors.
      throw this.error(operation, 'UnknownParameter', `The parameter ${unknown} is not recognized`);
    }
    return reader;
  }

  private checkShape(ids: readonly string[], shape: Kind<unknown>['shape'], operation: string): void {
    const malformed = shape && ids.find((id) => !new RegExp(`^${shape.prefix}-[0-9a-f]+$`).test(id));
    if (shape !== undefined && malformed !== undefined) {
      throw this.error(operation, shape.code, `Invalid id: "${malformed}" (expecting "${shape.prefix}-...")`);
    }
  }

  /** Wording not confirmed; the MissingParameter code is in EC2's list of common errors. */
  private required(reader: InputReader, operation: string, member: string): string {
    const value = reader.optionalString(member);
    if (value === undefined) {
      throw this.error(operation, 'MissingParameter', `The request must contain the parameter ${member}`);
    }
    return value;
  }

  /**
   * Ids (each must exist: `The <noun> '<id>' does not exist`; the plural form for several is not
   * confirmed), then Filters (every filter must match; any value of one filter may), then a page.
   */
  private describe<T>(
    input: unknown,
    operation: string,
    store: ReadonlyMap<string, T>,
    kind: Kind<T>,
  ): [T[], { NextToken?: string }] {
    const reader = this.reader(input, operation, [kind.idsMember]);
    const ids = reader.optionalStringList(kind.idsMember) ?? [];
    if (kind.shape !== undefined) this.checkShape(ids, kind.shape, operation);
    const missing = ids.filter((id) => !store.has(id));
    if (missing.length > 0) {
      const message =
        missing.length === 1
          ? `The ${kind.noun} '${missing[0]}' does not exist`
          : `The ${kind.noun}s '${missing.join(', ')}' do not exist`;
      throw this.error(operation, kind.notFound, message);
    }
    const filters = this.readFilters(reader, operation, kind.filters);
    const maxResults = reader.optionalInteger('MaxResults');
    if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
      const expecting = maxResults < 5 ? 'greater than 5' : 'less than 1000'; // The latter not confirmed.
      const message = `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value ${expecting}.`;
      throw this.error(operation, 'InvalidParameterValue', message);
    }
    const token = reader.optionalString('NextToken');
    const offset = token === undefined ? 0 : this.decodeToken(token, operation);
    const all = (ids.length > 0 ? ids.map((id) => store.get(id) as T) : [...store.values()]).filter((item) =>
      filters.every(({ values, read }) => read(item).some((value) => values.some((p) => p.test(value)))),
    );
    const end = maxResults === undefined ? all.length : Math.min(all.length, offset + maxResults);
    const items = all.slice(offset, end).map((item) => structuredClone(item));
    return [items, end < all.length ? { NextToken: this.encodeToken(operation, end) } : {}];
  }

  private readFilters<T>(
    reader: InputReader,
    operation: string,
    matchers: FilterMatchers<T>,
  ): { values: RegExp[]; read: (item: T) => readonly string[] }[] {
    return (reader.optionalList('Filters') ?? []).map((raw) => {
      if (!isRecord(raw) || typeof raw.Name !== 'string') {
        throw this.error(operation, 'InvalidParameterValue', 'A filter must have a Name'); // Wording not confirmed.
      }
      const read = matchers[raw.Name];
      if (read === undefined) {
        // A limit of the simulation, not necessarily an invalid filter for AWS.
        throw new Error(`The simulated EC2 does not support the filter ${raw.Name} in ${operation}`);
      }
      const values = Array.isArray(raw.Values) ? raw.Values.map(String) : [];
      return { values: values.map(wildcard), read };
    });
  }

  /** Tokens are opaque to callers: the operation and the offset, base64-encoded. */
  private encodeToken(operation: string, offset: number): string {
    return Buffer.from(`${operation}:${offset}`, 'utf8').toString('base64');
  }

  private decodeToken(token: string, operation: string): number {
    const match = new RegExp(`^${operation}:(\\d+)$`).exec(Buffer.from(token, 'base64').toString('utf8'));
    if (match !== null) return Number(match[1]);
    // Wording not confirmed; the code is in EC2's error list.
    const message = 'The specified pagination token is not valid or is expired.';
    throw this.error(operation, 'InvalidPaginationToken', message);
  }
}

/** EC2 filter values take `*` (any characters) and `?` (one character); `\` escapes them. */
function wildcard(value: string): RegExp {
  const source = value.replace(/\\(.)|([*?])|([.+^${}()|[\]\\])/gs, (_, escaped?: string, wild?: string) => {
    if (escaped !== undefined) return escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (wild !== undefined) return wild === '*' ? '.*' : '.';
    return `\\${_}`;
  });
  return new RegExp(`^${source}$`, 's');
}
