/**
 * The scheduled sweeper of stale locks and plans, as synthesized: its schedule, exactly what its role
 * may do (each grant is a call handlers/sweep-stale-records.ts makes; the Service Authorization
 * Reference gives each action's resource type), the alarm on its errors, and the cdk-nag
 * acknowledgements with their reasons. That the role needs no more is proven by the sweep running
 * under it in the simulated account (test/workflow/lock-leaks.test.ts).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { SWEEP_INTERVAL_MINUTES } from '../../stacks/stale-record-sweeper.js';
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
const ids: Record<string, string> = {};

beforeAll(() => {
  // Given the stack with its defaults (no bundling: only the template is looked at)
  stack = buildStack({}, appWithoutBundling());
  template = Template.fromStack(stack);
  const sweeper = stack.staleRecordSweeper;
  Object.assign(ids, {
    key: logicalId(stack, stack.encryptionKey),
    topic: logicalId(stack, stack.alertTopic),
    stateMachine: logicalId(stack, stack.workflow.stateMachine),
    lockTable: logicalId(stack, stack.lockTable),
    approvalTable: logicalId(stack, stack.approvalTable.table),
    function: logicalId(stack, sweeper.sweeper.fn),
    role: logicalId(stack, sweeper.sweeper.role),
    schedule: logicalId(stack, sweeper.schedule),
    alarm: logicalId(stack, sweeper.errorsAlarm),
  });
});

const resource = (id: string | undefined) =>
  readable(template.toJSON().Resources[id ?? ''].Properties) as Record<string, unknown>;

describe('stale record sweeper: the schedule', () => {
  it('Given the stack, When synthesized, Then a rule runs the sweeper every 15 minutes, without retries', () => {
    const rule = resource(ids.schedule);

    expect(SWEEP_INTERVAL_MINUTES).toBe(15);
    expect(rule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toEqual([
      { Arn: `${ids.function}.Arn`, Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 0 } },
    ]);
  });

  it('Given the function, When its resource policy is read, Then only this rule may invoke it', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'))
      .map((permission) => readable(permission.Properties) as Record<string, unknown>)
      .filter((permission) => permission.FunctionName === `${ids.function}.Arn`);

    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: `${ids.function}.Arn`,
        Principal: 'events.amazonaws.com',
        SourceArn: `${ids.schedule}.Arn`,
      },
    ]);
  });
});

describe('stale record sweeper: its role', () => {
  it('Given the role, When its policies are read, Then it holds exactly the calls the sweeper makes, each on its own resources', () => {
    const statements = [
      ...Object.values(inlinePolicies(template, ids.role ?? '')).flat(),
      ...attachedPolicyStatements(template, ids.role ?? ''),
    ].filter((statement) => statement.Sid !== undefined);

    expect(statements).toEqual([
      {
        Sid: 'WriteOwnLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${logicalId(stack, stack.staleRecordSweeper.sweeper.logGroup)}.Arn`],
      },
      {
        Sid: 'SweepLocks',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:Scan'],
        Resource: [`${ids.lockTable}.Arn`],
      },
      {
        Sid: 'SweepPlans',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:Scan'],
        Resource: [`${ids.approvalTable}.Arn`],
      },
      {
        Sid: 'TablesKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Sid: 'DescribeHolders',
        Effect: 'Allow',
        Action: ['states:DescribeExecution'],
        Resource: [`arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:${ids.stateMachine}.Name:*`],
      },
      {
        Sid: 'NoteFindings',
        Effect: 'Allow',
        Action: ['securityhub:BatchUpdateFindings'],
        Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hub/default`],
        Condition: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED'] } },
      },
      {
        // The same note on OCSF findings (BatchUpdateFindingsV2): status_id 2 only
        Sid: 'NoteOcsfFindings',
        Effect: 'Allow',
        Action: ['securityhub:BatchUpdateFindings'],
        Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hubv2/*`],
        Condition: { StringEquals: { 'securityhub:OCSFSyntaxPath/StatusId': ['2'] } },
      },
      { Sid: 'PublishAlert', Effect: 'Allow', Action: ['sns:Publish'], Resource: [`ref:${ids.topic}`] },
      {
        Sid: 'AlertTopicKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `sns.${TEST_REGION}.amazonaws.com` } },
      },
    ]);
  });

  it('Given the role, When every action it may take is listed, Then nothing is there the handler does not call (beyond its logs)', () => {
    const actions = [
      ...Object.values(inlinePolicies(template, ids.role ?? '')).flat(),
      ...attachedPolicyStatements(template, ids.role ?? ''),
    ]
      .flatMap((statement) => statement.Action)
      .filter((action) => !/^(logs|xray):/.test(String(action)));

    expect([...new Set(actions)].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
      'states:DescribeExecution',
    ]);
  });

  it('Given the wildcards on the executions and on the new Security Hub, When cdk-nag is acknowledged, Then it names each wildcard and why', () => {
    const acknowledged = nagAcknowledgementsIn(stack.staleRecordSweeper).map(({ id, reason }) => ({
      id,
      reason,
    }));

    // (cdk-nag names the state machine by its construct path, not the logical id the stack keeps)
    expect(acknowledged).toEqual([
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: expect.stringMatching(
          /^Added by CDK for active X-Ray tracing .*no resource-level permissions\.$/,
        ),
      },
      {
        id: expect.stringMatching(
          new RegExp(
            `^AwsSolutions-IAM5\\[Resource::arn:<AWS::Partition>:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:<\\w*RemediationStateMachine\\w+\\.Name>:\\*\\]$`,
          ),
        ),
        reason:
          "The execution holding a lock or plan is only known at run time; read-only DescribeExecution, on this stack's state machine's executions only.",
      },
      {
        // The notes on OCSF findings: the new Security Hub's hubv2 id is only known once it is enabled
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hubv2/*]`,
        reason: expect.stringMatching(
          /^The new Security Hub's hubv2 resource id is generated when it is enabled/,
        ),
      },
    ]);
  });
});

describe('stale record sweeper: its alarm', () => {
  it('Given the alarm, When synthesized, Then any error of the sweeper in five minutes alerts the topic', () => {
    const alarm = resource(ids.alarm);

    expect(alarm).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: `ref:${ids.function}` }],
      Period: 300,
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [`ref:${ids.topic}`],
    });
  });
});
