/**
 * The restore operator policies as synthesized: bin/restore-notebook.ts's and bin/restore-resource.ts's
 * statements, the cdk-nag findings they acknowledge (the stack's cdk-nag test leaves them to this file),
 * their size against IAM's quota, and the stack outputs that name them. That the policies are enough for
 * the tools, and no more, is proven by running them under them: test/unit/restore-notebook.test.ts and
 * test/workflow/restore-resource.test.ts.
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { CONTROLS } from '../../handlers/shared/controls-catalogue.js';
import { CHANGE_ENGINES } from '../../handlers/shared/resource-changes.js';
import { EncryptionKey } from '../../stacks/encryption-key.js';
import { NotebookBackupBucket } from '../../stacks/notebook-backup-bucket.js';
import { RestoreOperatorPolicy } from '../../stacks/restore-operator-policy.js';
import { nagAcknowledgementsIn, nagFindings, synthesiseConstruct } from './construct-harness.js';
import { appWithoutBundling, buildStack, readable, TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

/** IAM's quota of a managed policy: characters, whitespace not counted (IAM and AWS STS quotas). */
const MANAGED_POLICY_MAX_CHARACTERS = 6144;

type Tool = 'notebook' | 'resource';

/**
 * What the change engines' restore steps call, read from the control modules themselves: each
 * SageMaker call a control fixed by a registered engine declares for the change-resource Lambda, by
 * the ARN type it is on.
 */
function restoreCalls(): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  for (const control of CONTROLS) {
    const fix = control.module.fix;
    if (!control.remediation || !(control.remediation.name in CHANGE_ENGINES) || !('calls' in fix)) continue;
    for (const call of fix.calls) {
      if (call.by !== 'change-resource' || !call.action.startsWith('sagemaker:')) continue;
      const type = call.on === '*' || call.on === 'endpoint' ? call.on : resourceKind(call.on).arnType;
      calls.set(type, (calls.get(type) ?? new Set()).add(call.action));
    }
  }
  return calls;
}

/** The member stacks' restore roles, in every account and Region (`<members.roleName>-restore-<region>`). */
const RESTORE_ROLES = 'arn:aws:iam::*:role/sagemaker-remediation/SageMakerRemediationMember-restore-*';

/** The member stack's data bucket of the policy's account and Region: its notebooks' snapshots. */
const NOTEBOOK_DATA_BUCKET = `remediation-notebook-data-${TEST_ACCOUNT}-${TEST_REGION}`;

function buildPolicy(stack: Stack): RestoreOperatorPolicy {
  const key = new EncryptionKey(stack, 'EncryptionKey').key;
  const notebookBackups = new NotebookBackupBucket(stack, 'NotebookBackups', { encryptionKey: key });
  return new RestoreOperatorPolicy(stack, 'RestoreOperator', {
    notebookBackups,
    notebookDataBucketName: NOTEBOOK_DATA_BUCKET,
    memberRoleName: 'SageMakerRemediationMember',
  });
}

/** The policy for one tool: its description names the tool. */
function policyOf(template: Template, tool: Tool) {
  const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([, resource]) =>
    String(resource.Properties.Description).startsWith(`Runs bin/restore-${tool}.ts`),
  );
  expect(policies).toHaveLength(1);
  const [logicalId, resource] = policies[0] as [string, { Properties: { PolicyDocument: unknown } }];
  return { logicalId, document: resource.Properties.PolicyDocument };
}

function policyStatements(template: Template, tool: Tool) {
  const document = readable(policyOf(template, tool).document as never) as {
    Statement: Array<{ Sid: string; Action: string | string[]; Resource: string | string[] }>;
  };
  return document.Statement.map(({ Sid, Action, Resource }) => ({ Sid, Action, Resource }));
}

/**
 * The document as IAM would count it, with the longest names a deployment may have: the partition,
 * a 14-character region, a 63-character bucket name and the key's ARN.
 */
function deployedSize(document: unknown): number {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') {
      return typeof value === 'string' ? value.replaceAll(TEST_REGION, 'ap-southeast-2') : value;
    }
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(delimiter);
    }
    if ('Ref' in node) return node.Ref === 'AWS::URLSuffix' ? 'amazonaws.com.cn' : 'aws-us-gov';
    if ('Fn::GetAtt' in node) {
      const [logicalId] = node['Fn::GetAtt'] as [string];
      return logicalId.startsWith('EncryptionKey')
        ? `arn:aws-us-gov:kms:ap-southeast-2:${TEST_ACCOUNT}:key/12345678-1234-1234-1234-123456789012`
        : `arn:aws-us-gov:s3:::${'b'.repeat(63)}`;
    }
    return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, resolve(inner)]));
  };
  return JSON.stringify(resolve(document)).replace(/\s/g, '').length;
}

describe('RestoreOperatorPolicy', () => {
  it("Given the construct, When synthesized, Then the notebook tool's policy grants exactly what it calls, statement by statement", () => {
    const { template } = synthesiseConstruct(buildPolicy);

    const statements = policyStatements(template, 'notebook');

    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:${TEST_REGION}:${TEST_ACCOUNT}:${resource}`;
    // The notebook's own account's data bucket (the member stack's), whose aws/s3 key needs no grant
    const bucketArn = `arn:aws:s3:::${NOTEBOOK_DATA_BUCKET}`;
    const objects = (pattern: string) =>
      expect.stringMatching(new RegExp(`^${bucketArn}/roles/\\*/${pattern}$`));
    expect(statements).toEqual([
      {
        Sid: 'ReadSnapshots',
        Action: 's3:GetObject',
        Resource: [
          objects('configuration\\.json'),
          objects('backup-status/complete'),
          objects('data/manifest\\.jsonl'),
          objects('restores/\\*'),
        ],
      },
      { Sid: 'WriteRestoreRequests', Action: 's3:PutObject', Resource: objects('restore-request\\.json') },
      { Sid: 'ListSnapshots', Action: 's3:ListBucket', Resource: bucketArn },
      {
        Sid: 'RestoreNotebooks',
        Action: [
          'sagemaker:DescribeNotebookInstance',
          'sagemaker:CreateNotebookInstance',
          'sagemaker:StopNotebookInstance',
          'sagemaker:StartNotebookInstance',
          'sagemaker:UpdateNotebookInstance',
        ],
        Resource: arn('sagemaker', 'notebook-instance/*'),
      },
      {
        Sid: 'DescribeLifecycleConfigs',
        Action: 'sagemaker:DescribeNotebookInstanceLifecycleConfig',
        Resource: arn('sagemaker', 'notebook-instance-lifecycle-config/*'),
      },
      {
        Sid: 'DescribeCodeRepositories',
        Action: 'sagemaker:DescribeCodeRepository',
        Resource: arn('sagemaker', 'code-repository/*'),
      },
      { Sid: 'ReadNotebookRoles', Action: 'iam:GetRole', Resource: `arn:aws:iam::${TEST_ACCOUNT}:role/*` },
      // What SageMaker checks of whoever creates or starts a notebook (shared with the state machine)
      { Sid: 'PassNotebookRoles', Action: 'iam:PassRole', Resource: `arn:aws:iam::${TEST_ACCOUNT}:role/*` },
      {
        Sid: 'TagNotebooksOnCreate',
        Action: 'sagemaker:AddTags',
        Resource: arn('sagemaker', 'notebook-instance/*'),
      },
      {
        Sid: 'CreateNotebookNetworkInterfaces',
        Action: 'ec2:CreateNetworkInterface',
        Resource: ['network-interface/*', 'subnet/*', 'security-group/*'].map((resource) =>
          arn('ec2', resource),
        ),
      },
      {
        Sid: 'DescribeNotebookNetwork',
        Action: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        Resource: '*',
      },
      {
        Sid: 'ReadNotebookRepositorySecrets',
        Action: 'secretsmanager:GetSecretValue',
        Resource: ['sagemaker', 'SageMaker', 'Sagemaker'].map((name) =>
          arn('secretsmanager', `secret:*${name}*`),
        ),
      },
      { Sid: 'GrantExistingNotebookVolumeKeys', Action: 'kms:CreateGrant', Resource: arn('kms', 'key/*') },
      { Sid: 'DescribeExistingNotebookVolumeKeys', Action: 'kms:DescribeKey', Resource: arn('kms', 'key/*') },
      // The member stacks' restore roles, for a notebook of another account (--role-arn)
      { Sid: 'AssumeRestoreRoles', Action: 'sts:AssumeRole', Resource: RESTORE_ROLES },
    ]);
  });

  it("Given every registered change engine, When synthesized, Then the resource tool's policy grants the snapshot, its key through S3, PassRole to SageMaker and, kind by kind, each SageMaker call the engines' controls declare for the change", () => {
    const { template } = synthesiseConstruct(buildPolicy);

    const statements = policyStatements(template, 'resource');

    const roles = `arn:aws:iam::${TEST_ACCOUNT}:role/*`;
    expect(statements.slice(0, 4)).toEqual([
      {
        Sid: 'ResourceRestoreSnapshotReads',
        Action: 's3:GetObject',
        Resource: expect.stringMatching(/\.Arn\/resources\/\*$/),
      },
      {
        Sid: 'ResourceRestoreSnapshotListing',
        Action: 's3:ListBucket',
        Resource: expect.stringMatching(/\.Arn$/),
      },
      {
        Sid: 'ResourceRestoreSnapshotKey',
        Action: 'kms:Decrypt',
        Resource: expect.stringMatching(/^EncryptionKey.*\.Arn$/),
      },
      { Sid: 'ResourceRestorePassRoles', Action: 'iam:PassRole', Resource: roles },
    ]);
    // Last, the member stacks' restore roles, for a resource of another account (--role-arn)
    expect(statements.at(-1)).toEqual({
      Sid: 'ResourceRestoreAssumeRestoreRoles',
      Action: 'sts:AssumeRole',
      Resource: RESTORE_ROLES,
    });
    const granted = new Map(
      statements.slice(4, -1).map(({ Action, Resource }) => {
        const arn = [Resource].flat()[0] ?? '';
        const type =
          arn === '*'
            ? '*'
            : arn.replace(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:`, '').replace(/\/\*$/, '');
        return [type, new Set([Action].flat())];
      }),
    );
    expect(granted).toEqual(restoreCalls());
    // The monitoring schedule engine's restore: UpdateMonitoringSchedule with the snapshot's definition
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'ResourceRestoreMonitoringSchedule',
        Action: expect.arrayContaining(['sagemaker:UpdateMonitoringSchedule']),
        Resource: `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:monitoring-schedule/*`,
      }),
    );
  });

  it.each(['notebook', 'resource'] as const)(
    "Given the longest names a deployment may have, When synthesized, Then the %s tool's policy is within IAM's 6,144 characters",
    (tool) => {
      const { template } = synthesiseConstruct(buildPolicy);

      expect(deployedSize(policyOf(template, tool).document)).toBeLessThanOrEqual(
        MANAGED_POLICY_MAX_CHARACTERS,
      );
    },
  );

  it.each([
    ['in an account and region', false],
    ['environment-agnostic', true],
  ])(
    'Given the construct %s, When cdk-nag checks it, Then every wildcard is acknowledged on its policy with a reason',
    (_case, agnostic) => {
      const { app, stack } = synthesiseConstruct(buildPolicy, { agnostic });

      expect(nagFindings(app)).toEqual([]);
      const acknowledged = nagAcknowledgementsIn(stack).filter(({ path }) =>
        path.includes('/RestoreOperator/'),
      );
      const onPolicy = (name: string) =>
        acknowledged
          .filter(({ path }) => path === `ConstructUnderTest/RestoreOperator/${name}`)
          .map(({ id }) => id.replace(/\[Resource::.*\]$/, ''));
      expect(acknowledged.length).toBe(onPolicy('Policy').length + onPolicy('ResourcePolicy').length);
      // One per wildcard resource: 5 object patterns, 3 SageMaker types, roles, 3 EC2 types, `*`, keys,
      // 3 secrets, the restore roles
      expect(onPolicy('Policy')).toEqual(Array(18).fill('AwsSolutions-IAM5'));
      // the resource snapshots, the roles, each kind the engines' restore steps change, the restore roles
      expect(onPolicy('ResourcePolicy')).toEqual(Array(3 + restoreCalls().size).fill('AwsSolutions-IAM5'));
      for (const { id, reason } of acknowledged) expect(reason.length, id).toBeGreaterThanOrEqual(60);
    },
  );

  it('Given the stack, When synthesized, Then the outputs RestoreOperatorPolicyArn and RestoreResourceOperatorPolicyArn name the two policies', () => {
    const stack = buildStack({}, appWithoutBundling());
    const template = Template.fromStack(stack);

    const outputs = template.toJSON().Outputs;
    expect(outputs.RestoreOperatorPolicyArn).toMatchObject({
      Value: { Ref: policyOf(template, 'notebook').logicalId },
    });
    expect(outputs.RestoreResourceOperatorPolicyArn).toMatchObject({
      Value: { Ref: policyOf(template, 'resource').logicalId },
    });
  });
});
