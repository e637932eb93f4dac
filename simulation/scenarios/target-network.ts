/**
 * The private network a recreated notebook goes into, seeded in a simulated account before the stack is
 * deployed (its ids go into the recreate target): a VPC, a subnet, a security group and an enabled key.
 */
import type { SimulatedAccount } from '../account/account.js';

export interface TargetNetwork {
  readonly vpcId: string;
  readonly subnetId: string;
  readonly securityGroupId: string;
  /** An enabled customer managed key, for targets that encrypt the new volume. */
  readonly key: { readonly keyId: string; readonly arn: string };
  /** The recreate target naming the subnet and group, for the deployment's configuration. */
  readonly target: {
    readonly account: string;
    readonly region: string;
    readonly subnetId: string;
    readonly securityGroupIds: readonly string[];
  };
}

export function seedTargetNetwork(account: SimulatedAccount): TargetNetwork {
  const vpcId = account.ec2.seedVpc();
  const subnetId = account.ec2.seedSubnet({ vpcId });
  const securityGroupId = account.ec2.seedSecurityGroup({ vpcId, groupName: 'notebooks' });
  return {
    vpcId,
    subnetId,
    securityGroupId,
    key: account.kms.seedKey(),
    target: {
      account: account.accountId,
      region: account.region,
      subnetId,
      securityGroupIds: [securityGroupId],
    },
  };
}
