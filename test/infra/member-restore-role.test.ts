/**
 * The member stack's restore role, as a StackSet deploys it (an environment-agnostic template): its
 * name, which the administrator side computes for any account and Region, its trust (the administrator
 * account in the organization, not the deployment's own roles), and its permissions: the statements of
 * the administrator stack's restore operator policies, built by the same functions, in the account and
 * Region it is deployed to, on that account's notebook data bucket and nothing of the administrator's
 * bucket. And the administrator's two policies may assume those roles, and no other.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { memberRoleName } from '../../handlers/shared/member-access.js';
import { restoreRoleArn, restoreRoleName } from '../../handlers/shared/restore-command.js';
import { MAX_ROLE_NAME_LENGTH } from '../../stacks/member-configuration.js';
import { nagAcknowledgementsIn } from './construct-harness.js';
import { synthesizedMemberStack } from './member-synthesis.js';
import {
  appWithoutBundling,
  buildStack,
  logicalId,
  type ReadableStatement,
  readable,
  readableStatements,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

type Json = Parameters<typeof readable>[0];

/** The member stack as the StackSet deploys it: no account or Region of its own, cdk-nag on. */
function memberStack(raw: unknown = {}) {
  const { stack, template } = synthesizedMemberStack(raw);
  const resources = template().toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, Json> }
  >;
  const resource = (construct: Parameters<typeof logicalId>[1]) => {
    const found = resources[logicalId(stack, construct)];
    if (!found) throw new Error(`no resource for ${construct.node.path}`);
    return found;
  };
  // The pseudo parameters read as the test account and Region: a literal in the template would not.
  const statementsOf = (construct: Parameters<typeof logicalId>[1]) =>
    readableStatements(resource(construct).Properties.PolicyDocument as Json);
  return { stack, resources, resource, statementsOf };
}

/** The administrator stack's restore operator policies, in the test account and Region. */
function administratorPolicies(raw: unknown = {}) {
  const stack = buildStack(raw, appWithoutBundling());
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Properties: Record<string, Json> }
  >;
  const policy = (suffix: 'Policy' | 'ResourcePolicy') => {
    const found = Object.entries(resources).find(([id]) =>
      new RegExp(`^RestoreOperator${suffix}[0-9A-F]{8}$`).test(id),
    );
    if (!found) throw new Error(`no RestoreOperator${suffix}`);
    return readableStatements(found[1].Properties.PolicyDocument as Json);
  };
  return { notebook: policy('Policy'), resource: policy('ResourcePolicy') };
}

const DATA_BUCKET = `arn:aws:s3:::remediation-notebook-data-${TEST_ACCOUNT}-${TEST_REGION}`;
const without = (statements: ReadableStatement[], ...sids: string[]) =>
  statements.filter((statement) => !sids.includes(statement.Sid ?? ''));

describe('MemberStack: the restore role', () => {
  it('Given the default configuration, When synthesized, Then the restore role is /sagemaker-remediation/<roleName>-restore-<region>, trusting the administrator account in the organization but not its remediation roles', () => {
    const { stack, resource } = memberStack();

    const role = resource(stack.restoreRole.role);

    expect(role.Type).toBe('AWS::IAM::Role');
    expect(readable(role.Properties.RoleName as Json)).toBe(
      `SageMakerRemediationMember-restore-${TEST_REGION}`,
    );
    expect(role.Properties.Path).toBe('/sagemaker-remediation/');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: {
            AWS: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AdministratorAccountId' }, ':root'],
              ],
            },
          },
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
            // The remediation's own roles may assume `<roleName>-*`, which this name matches too
            ArnNotLike: {
              'aws:PrincipalArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':iam::',
                    { Ref: 'AdministratorAccountId' },
                    ':role/sagemaker-remediation/administrator/*',
                  ],
                ],
              },
            },
          },
        },
      ],
    });
    // Its own name, beside the member role's
    expect(readable(resource(stack.memberRole).Properties.RoleName as Json)).toBe(
      `SageMakerRemediationMember-${TEST_REGION}`,
    );
  });

  it("Given the administrator stack's restore operator policies, When the member stack is synthesized, Then the restore role holds the same statements in its own account and Region: all of the notebook tool's but sts:AssumeRole, and the resource tool's but its snapshot's S3 and KMS", () => {
    const { stack, statementsOf } = memberStack();
    const administrator = administratorPolicies();

    const notebook = statementsOf(stack.restoreRole.notebookPolicy);
    const resource = statementsOf(stack.restoreRole.resourcePolicy);

    expect(notebook).toEqual(without(administrator.notebook, 'AssumeRestoreRoles'));
    expect(resource).toEqual(
      without(
        administrator.resource,
        'ResourceRestoreSnapshotReads',
        'ResourceRestoreSnapshotListing',
        'ResourceRestoreSnapshotKey',
        'ResourceRestoreAssumeRestoreRoles',
      ),
    );
    // The notebook data bucket of this account and Region, its snapshot files and requests only
    expect(
      notebook.filter((statement) => statement.Action.some((action) => action.startsWith('s3:'))),
    ).toEqual([
      {
        Sid: 'ReadSnapshots',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: ['configuration.json', 'backup-status/complete', 'data/manifest.jsonl', 'restores/*'].map(
          (file) => `${DATA_BUCKET}/roles/*/${file}`,
        ),
      },
      {
        Sid: 'WriteRestoreRequests',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [`${DATA_BUCKET}/roles/*/restore-request.json`],
      },
      { Sid: 'ListSnapshots', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [DATA_BUCKET] },
    ]);
  });

  it('Given the restore role, When its statements are read, Then every resource is of its account and Region, nothing is of the administrator bucket or its key, no SageMaker action is a wildcard, and nothing is denied or assumed', () => {
    const { stack, resources, statementsOf } = memberStack();
    const statements = [stack.restoreRole.notebookPolicy, stack.restoreRole.resourcePolicy].flatMap(
      statementsOf,
    );
    const actions = statements.flatMap((statement) => statement.Action);

    for (const arn of statements.flatMap((statement) => statement.Resource)) {
      expect(
        arn === '*' ||
          arn.startsWith(`${DATA_BUCKET}/roles/*/`) ||
          arn === DATA_BUCKET ||
          arn.startsWith(`arn:aws:iam::${TEST_ACCOUNT}:role/`) ||
          new RegExp(`^arn:aws:(sagemaker|ec2|kms|secretsmanager):${TEST_REGION}:${TEST_ACCOUNT}:`).test(arn),
        arn,
      ).toBe(true);
    }
    // (`*`: the EC2 Describe calls of a notebook in a VPC, which have no resource type)
    expect(
      statements
        .filter((statement) => statement.Resource.includes('*'))
        .flatMap((statement) => statement.Action),
    ).toEqual([
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
    ]);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(
      actions.filter((action) => /^(sts|kms:Decrypt|s3:(?!GetObject$|PutObject$|ListBucket$))/.test(action)),
    ).toEqual([]);
    expect(statements.filter((statement) => statement.Effect !== 'Allow')).toEqual([]);
    // Environment-agnostic: the account and Region are the pseudo parameters, never a literal
    const raw = JSON.stringify(
      [stack.restoreRole.notebookPolicy, stack.restoreRole.resourcePolicy].map(
        (policy) => resources[logicalId(stack, policy)],
      ),
    );
    expect(raw).not.toMatch(/\d{12}|eu-west-1/);
    expect(raw).toContain('"Ref":"AWS::AccountId"');
    expect(raw).toContain('"Ref":"AWS::Region"');
  });

  it("Given the longest role name, bucket prefix, Region and partition, When the restore role's policies are deployed, Then each is within IAM's 6,144 characters and the role name within 64", () => {
    const roleName = 'r'.repeat(MAX_ROLE_NAME_LENGTH);
    const { stack, resource } = memberStack({
      members: { roleName, dataBucketPrefix: `p${'0'.repeat(34)}` },
    });
    const longest = (value: Json): Json => {
      if (Array.isArray(value)) return value.map(longest);
      if (value === null || typeof value !== 'object') return value;
      if ('Ref' in value) {
        const pseudo: Record<string, string> = {
          'AWS::Partition': 'aws-us-gov',
          'AWS::URLSuffix': 'amazonaws.com.cn',
          'AWS::AccountId': TEST_ACCOUNT,
          'AWS::Region': 'ap-southeast-5',
        };
        return pseudo[String(value.Ref)] ?? String(value.Ref);
      }
      if ('Fn::Join' in value) {
        const [separator, parts] = value['Fn::Join'] as [string, Json[]];
        return parts.map((part) => String(longest(part))).join(separator);
      }
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, longest(inner)]));
    };

    const sizes = [stack.restoreRole.notebookPolicy, stack.restoreRole.resourcePolicy].map(
      (policy) =>
        JSON.stringify(longest(resource(policy).Properties.PolicyDocument as Json)).replace(/\s/g, '').length,
    );

    for (const size of sizes) expect(size).toBeLessThanOrEqual(6144);
    const name = String(longest(resource(stack.restoreRole.role).Properties.RoleName as Json));
    expect(name).toBe(`${roleName}-restore-ap-southeast-5`);
    expect(name).toHaveLength(64);
  });

  it('Given the AWS Solutions checks, When the member stack is synthesized, Then every wildcard of the restore policies is acknowledged on its policy with a reason', () => {
    // (synthesis throws on an unacknowledged finding: the validation plugin is on)
    const { stack, statementsOf } = memberStack();

    const acknowledged = nagAcknowledgementsIn(stack.restoreRole);

    const on = (name: string) =>
      acknowledged.filter(({ path }) => path === `SageMakerRemediationMember/RestoreRole/${name}`);
    // 5 object patterns, 3 SageMaker types, roles, 3 EC2 types, `*`, keys, 3 secrets
    expect(on('NotebookPolicy')).toHaveLength(17);
    // the roles, and each kind the engines' restore steps change: every resource of the policy
    expect(on('ResourcePolicy')).toHaveLength(
      statementsOf(stack.restoreRole.resourcePolicy).flatMap((statement) => statement.Resource).length,
    );
    expect(acknowledged).toHaveLength(on('NotebookPolicy').length + on('ResourcePolicy').length);
    for (const { id, reason } of acknowledged) expect(reason.length, id).toBeGreaterThanOrEqual(60);
  });
});

describe('the restore roles, from the administrator side', () => {
  it("Given members.roleName Acme, When both stacks are synthesized, Then the administrator's two restore policies may assume exactly the member stacks' restore roles, whose ARN the note's command computes", () => {
    const administrator = administratorPolicies({ members: { roleName: 'Acme' } });
    const { stack, resource } = memberStack({ members: { roleName: 'Acme' } });

    const assume = [...administrator.notebook, ...administrator.resource].filter((statement) =>
      statement.Action.some((action) => action.startsWith('sts:')),
    );

    expect(assume).toEqual([
      {
        Sid: 'AssumeRestoreRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::*:role/sagemaker-remediation/Acme-restore-*'],
      },
      {
        Sid: 'ResourceRestoreAssumeRestoreRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: ['arn:aws:iam::*:role/sagemaker-remediation/Acme-restore-*'],
      },
    ]);
    // The role the member stack deploys is the one the command names, and the pattern matches it
    const deployed = `arn:aws:iam::444455556666:role${String(resource(stack.restoreRole.role).Properties.Path)}${String(
      readable(resource(stack.restoreRole.role).Properties.RoleName as Json),
    )}`;
    const named = restoreRoleArn({ roleName: 'Acme' }, { accountId: '444455556666', region: TEST_REGION });
    expect(named).toBe(deployed);
    expect(named).toMatch(/^arn:aws:iam::\d{12}:role\/sagemaker-remediation\/Acme-restore-[a-z0-9-]+$/);
  });

  it.each(['eu-west-1', 'ap-southeast-5', 'us-gov-west-1', 'cn-north-1'])(
    'Given the member role and the restore role in %s, Then their names differ, and the member role is not a restore role',
    (region) => {
      const settings = { roleName: 'SageMakerRemediationMember' };

      expect(restoreRoleName(settings, region)).not.toBe(memberRoleName(settings, region));
      expect(memberRoleName(settings, region)).not.toMatch(/^SageMakerRemediationMember-restore-/);
    },
  );
});
