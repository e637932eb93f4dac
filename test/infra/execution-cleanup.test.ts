/**
 * The clean-up after an execution that ended without its own failure handling, as synthesized: the rule
 * on the state machine's own status changes, the role it starts the clean-up with, and exactly what the
 * plan-cleanup function may do. That the function needs no more is proven by running it under these
 * policies in the simulated account (test/workflow/execution-cleanup.test.ts).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { nagAcknowledgementsIn } from './construct-harness.js';
import {
  appWithoutBundling,
  attachedPolicyStatements,
  buildStack,
  inlinePolicies,
  logicalId,
  readable,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

let stack: SageMakerRemediationStack;
let template: Template;
let ids: Record<
  'key' | 'stateMachine' | 'lockTable' | 'approvalTable' | 'function' | 'role' | 'rule',
  string
>;

beforeAll(() => {
  // Given the stack with its defaults (no bundling: only the template is looked at)
  stack = buildStack({}, appWithoutBundling());
  template = Template.fromStack(stack);
  const cleanup = stack.executionCleanup;
  ids = {
    key: logicalId(stack, stack.encryptionKey),
    stateMachine: logicalId(stack, stack.workflow.stateMachine),
    lockTable: logicalId(stack, stack.lockTable),
    approvalTable: logicalId(stack, stack.approvalTable.table),
    function: logicalId(stack, cleanup.planCleanup.fn),
    role: logicalId(stack, cleanup.planCleanup.role),
    rule: logicalId(stack, cleanup.statusRule ?? stack),
  };
});

describe('execution clean-up: the status change rule', () => {
  it("Given the stack, When synthesized, Then a rule matches only the state machine's own ABORTED, TIMED_OUT and FAILED ends and starts the state machine with which execution ended and how", () => {
    const rule = readable(template.toJSON().Resources[ids.rule].Properties) as Record<string, unknown>;

    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [`ref:${ids.stateMachine}`], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
    expect(rule.State).toBe('ENABLED');
    const targets = rule.Targets as Array<Record<string, unknown>>;
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ Arn: `ref:${ids.stateMachine}` });
    // Only which execution ended and how: its input and output would not fit the clean-up's own input.
    expect(targets[0]?.InputTransformer).toEqual({
      InputPathsMap: {
        'detail-executionArn': '$.detail.executionArn',
        'detail-stateMachineArn': '$.detail.stateMachineArn',
        'detail-name': '$.detail.name',
        'detail-status': '$.detail.status',
      },
      InputTemplate:
        '{"source":"aws.states","detail-type":"Step Functions Execution Status Change","detail":{"executionArn":<detail-executionArn>,"stateMachineArn":<detail-stateMachineArn>,"name":<detail-name>,"status":<detail-status>}}',
    });
  });

  it('Given the rule, When its role is read, Then only EventBridge of this account may assume it and it may only start this state machine', () => {
    const target = (
      readable(template.toJSON().Resources[ids.rule].Properties) as { Targets: Array<{ RoleArn: string }> }
    ).Targets[0];
    const roleId = String(target?.RoleArn).replace(/\.Arn$/, '');
    const role = readable(template.toJSON().Resources[roleId].Properties) as {
      AssumeRolePolicyDocument: unknown;
    };

    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT } },
        },
      ],
    });
    expect(attachedPolicyStatements(template, roleId)).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [`ref:${ids.stateMachine}`] },
    ]);
  });
});

describe('execution clean-up: the plan-cleanup function', () => {
  it('Given the function, When its policies are read, Then it may read the history of this state machine only, assume the member roles (to observe notebooks), and update the two tables under their key', () => {
    const statements = [
      ...Object.values(inlinePolicies(template, ids.role)).flat(),
      ...attachedPolicyStatements(template, ids.role),
    ];
    const executions = `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:${ids.stateMachine}.Name:*`;

    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'AssumeMemberRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: ['arn:aws:iam::*:role/sagemaker-remediation/SageMakerRemediationMember-*'],
        },
        {
          Sid: 'TakeOverLocks',
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem'],
          Resource: [`${ids.lockTable}.Arn`],
        },
        {
          Sid: 'TakeOverPlans',
          Effect: 'Allow',
          Action: ['dynamodb:UpdateItem'],
          Resource: [`${ids.approvalTable}.Arn`],
        },
        {
          Sid: 'ReadEndedExecutions',
          Effect: 'Allow',
          Action: ['states:GetExecutionHistory'],
          Resource: [executions],
        },
      ]),
    );
    const actions = statements.flatMap((statement) => statement.Action).sort();
    // Nothing beyond what the handler calls (plus logs and the tables' key, checked in their own tests).
    const beyondLogsAndKey = actions.filter((action) => !/^(logs|kms|xray):/.test(action));
    expect(beyondLogsAndKey).toEqual([
      'dynamodb:UpdateItem',
      'dynamodb:UpdateItem',
      'states:GetExecutionHistory',
      'sts:AssumeRole',
    ]);
  });

  it('Given the function, When its wildcards are acknowledged, Then each names the wildcard and why it is needed', () => {
    const acknowledged = nagAcknowledgementsIn(stack.executionCleanup).map(({ id, reason }) => ({
      id,
      reason,
    }));

    expect(acknowledged).toEqual(
      expect.arrayContaining([
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/sagemaker-remediation/SageMakerRemediationMember-*]',
          reason: expect.stringMatching(/member role of its account and Region is only known at run time/),
        },
        {
          id: expect.stringMatching(
            /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:.*:execution:.*:\*\]$/,
          ),
          reason: expect.stringMatching(/only known at run time.*reading their history/),
        },
      ]),
    );
  });
});
