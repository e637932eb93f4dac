/**
 * A finding as large as Security Hub accepts (240 KB per finding): the notebook control finding plus
 * related resources (at most 32 in all), here security groups with many rules, as Security Hub copies
 * from AWS Config. Short, quoted values are the hard case: each quote counts twice once the finding is
 * itself a string inside JSON (an alert message in a Step Functions task's input).
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';

/** Security Hub's limit on one finding. */
export const SECURITY_HUB_MAX_FINDING_BYTES = 240 * 1024;

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

interface Rule {
  readonly IpProtocol: string;
  readonly FromPort: number;
  readonly ToPort: number;
  readonly IpRanges: { readonly CidrIp: string; readonly Description: string }[];
}

/** `base` grown with security groups of the notebook's VPC to just under `targetBytes` of JSON. */
export function largeFinding(
  base: AwsSecurityFinding,
  targetBytes = SECURITY_HUB_MAX_FINDING_BYTES,
): AwsSecurityFinding {
  const resources = [...(base.Resources ?? [])];
  const grown: AwsSecurityFinding = { ...base, Resources: resources };
  for (let group = 0; resources.length < 32; group += 1) {
    const rules: Rule[] = [];
    const id = `sg-0${String(group).padStart(16, '0')}`;
    resources.push({
      Type: 'AwsEc2SecurityGroup',
      Id: `arn:aws:ec2:eu-west-1:111122223333:security-group/${id}`,
      Details: { AwsEc2SecurityGroup: { GroupId: id, GroupName: `team-${group}`, IpPermissions: rules } },
    });
    // Counted as it grows (a rule, and a comma after the first): measuring the whole each time is slow.
    let size = bytesOf(grown);
    for (let rule = 0; rule < 1000; rule += 1) {
      const next: Rule = {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        IpRanges: [{ CidrIp: `10.${group}.${rule % 256}.0/24`, Description: 'team' }],
      };
      const added = bytesOf(next) + (rules.length > 0 ? 1 : 0);
      if (size + added > targetBytes) return grown;
      rules.push(next);
      size += added;
    }
  }
  return grown;
}
