/**
 * The approval operator policy as synthesized: bin/approvals.ts's statements exactly, the cdk-nag
 * finding it acknowledges (the stack's cdk-nag test leaves it to this file), and the stack output that
 * names it. That the policy is enough for the command, and no more, is proven by running it under it:
 * test/workflow/approval-cli.test.ts.
 */
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ApprovalOperatorPolicy } from '../../stacks/approval-operator-policy.js';
import { ApprovalTable } from '../../stacks/approval-table.js';
import { EncryptionKey } from '../../stacks/encryption-key.js';
import {
  nagAcknowledgementsIn,
  nagFindings,
  onlyResource,
  synthesiseConstruct,
} from './construct-harness.js';
import { appWithoutBundling, buildStack, logicalId, readable, TEST_REGION } from './synthesis.js';

function buildPolicy(stack: Stack): void {
  const encryptionKey = new EncryptionKey(stack, 'EncryptionKey').key;
  const approvalTable = new ApprovalTable(stack, 'ApprovalTable', { encryptionKey }).table;
  new ApprovalOperatorPolicy(stack, 'ApprovalOperator', { approvalTable, encryptionKey });
}

describe('ApprovalOperatorPolicy', () => {
  it('Given the construct, When synthesized, Then the policy grants exactly the table calls, its key through DynamoDB, and the two task answers', () => {
    const { template } = synthesiseConstruct(buildPolicy);

    const { resource } = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    const document = readable(resource.Properties.PolicyDocument as never) as {
      Statement: Array<Record<string, unknown>>;
    };

    expect(resource.Properties.Description).toMatch(/^Runs bin\/approvals\.ts: /);
    expect(document.Statement).toEqual([
      {
        Sid: 'ApprovalRecords',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        Resource: expect.stringMatching(/^ApprovalTable.*\.Arn$/),
      },
      {
        Sid: 'ApprovalTableKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: expect.stringMatching(/^EncryptionKey.*\.Arn$/),
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Sid: 'AnswerApprovalTasks',
        Effect: 'Allow',
        Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
        Resource: '*',
      },
    ]);
    // Nothing but the policy: no role, no user, no key policy change
    expect(Object.keys(template.findResources('AWS::IAM::Role'))).toEqual([]);
  });

  it.each([
    ['in an account and region', false],
    ['environment-agnostic', true],
  ])(
    'Given the construct %s, When cdk-nag checks it, Then its one wildcard is acknowledged on the policy with a reason',
    (_case, agnostic) => {
      const { app, stack } = synthesiseConstruct(buildPolicy, { agnostic });

      expect(nagFindings(app)).toEqual([]);
      const acknowledged = nagAcknowledgementsIn(stack).filter(({ path }) =>
        path.includes('/ApprovalOperator/'),
      );
      expect(acknowledged.map(({ path, id }) => [path, id])).toEqual([
        ['ConstructUnderTest/ApprovalOperator/Policy', 'AwsSolutions-IAM5[Resource::*]'],
      ]);
      expect(acknowledged[0]?.reason).toMatch(/no resource type in the Service Authorization Reference/);
    },
  );

  it("Given the stack, When synthesized, Then the output ApprovalOperatorPolicyArn names the policy, on the stack's approval table", () => {
    const stack = buildStack({}, appWithoutBundling());
    const template = Template.fromStack(stack);

    const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(
      ([, resource]) => String(resource.Properties.Description).startsWith('Runs bin/approvals.ts'),
    );
    expect(policies).toHaveLength(1);
    const [policyId, resource] = policies[0] as [string, { Properties: { PolicyDocument: never } }];
    expect(template.toJSON().Outputs.ApprovalOperatorPolicyArn).toMatchObject({ Value: { Ref: policyId } });
    const statements = (
      readable(resource.Properties.PolicyDocument) as { Statement: Array<{ Resource: unknown }> }
    ).Statement;
    expect(statements[0]?.Resource).toBe(`${logicalId(stack, stack.approvalTable.table)}.Arn`);
  });
});
