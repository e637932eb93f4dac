/**
 * The restore operator policy as synthesized: its statements, the cdk-nag findings it acknowledges (the
 * stack's cdk-nag test leaves them to this file), and the stack output that names it. That the policy is
 * enough for the tool, and no more, is proven by running the tool under it: test/unit/restore-notebook.test.ts.
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EncryptionKey } from '../../stacks/encryption-key.js';
import { NotebookBackupBucket } from '../../stacks/notebook-backup-bucket.js';
import { RestoreOperatorPolicy } from '../../stacks/restore-operator-policy.js';
import {
  nagAcknowledgementsIn,
  nagFindings,
  onlyResource,
  synthesiseConstruct,
} from './construct-harness.js';
import { appWithoutBundling, buildStack, readable, TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

function buildPolicy(stack: Stack): RestoreOperatorPolicy {
  const key = new EncryptionKey(stack, 'EncryptionKey').key;
  const notebookBackups = new NotebookBackupBucket(stack, 'NotebookBackups', { encryptionKey: key });
  return new RestoreOperatorPolicy(stack, 'RestoreOperator', { notebookBackups });
}

describe('RestoreOperatorPolicy', () => {
  it('Given the construct, When synthesized, Then it grants exactly what the restore tool calls, statement by statement', () => {
    const { template } = synthesiseConstruct(buildPolicy);

    const { resource } = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    const statements = (
      readable(resource.Properties.PolicyDocument as never) as {
        Statement: Array<{ Sid: string; Action: string | string[]; Resource: string | string[] }>;
      }
    ).Statement.map(({ Sid, Action, Resource }) => ({ Sid, Action, Resource }));

    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:${TEST_REGION}:${TEST_ACCOUNT}:${resource}`;
    const objects = (pattern: string) => expect.stringMatching(new RegExp(`\\.Arn/roles/\\*/${pattern}$`));
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
      { Sid: 'ListSnapshots', Action: 's3:ListBucket', Resource: expect.stringMatching(/\.Arn$/) },
      {
        Sid: 'SnapshotKeyThroughS3',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: expect.stringMatching(/^EncryptionKey.*\.Arn$/),
      },
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
    ]);
  });

  it.each([
    ['in an account and region', false],
    ['environment-agnostic', true],
  ])(
    'Given the construct %s, When cdk-nag checks it, Then every wildcard is acknowledged on the policy with a reason',
    (_case, agnostic) => {
      const { app, stack } = synthesiseConstruct(buildPolicy, { agnostic });

      expect(nagFindings(app)).toEqual([]);
      const acknowledged = nagAcknowledgementsIn(stack).filter(({ path }) =>
        path.includes('/RestoreOperator/'),
      );
      expect(new Set(acknowledged.map(({ path }) => path))).toEqual(
        new Set(['ConstructUnderTest/RestoreOperator/Policy']),
      );
      // One per wildcard resource: 5 object patterns, 3 SageMaker types, roles, 3 EC2 types, `*`, keys, 3 secrets
      expect(acknowledged.map(({ id }) => id.replace(/\[Resource::.*\]$/, ''))).toEqual(
        Array(17).fill('AwsSolutions-IAM5'),
      );
      for (const { id, reason } of acknowledged) expect(reason.length, id).toBeGreaterThanOrEqual(60);
    },
  );

  it('Given the stack, When synthesized, Then the output RestoreOperatorPolicyArn names the policy', () => {
    const stack = buildStack({}, appWithoutBundling());
    const template = Template.fromStack(stack);

    const { logicalId } = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    expect(template.toJSON().Outputs.RestoreOperatorPolicyArn).toMatchObject({ Value: { Ref: logicalId } });
  });
});
