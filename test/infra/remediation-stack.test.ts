import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_IDS } from '../../handlers/shared/controls-catalogue.js';
import {
  runtimeSettingsSchema,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from '../../handlers/shared/runtime-settings.js';
import { BUNDLE_FILE_NAME, LAMBDA_HANDLERS, toEsbuildOptions } from '../../stacks/lambda-bundling.js';
import {
  assertSubstitutionsMatch,
  type SageMakerRemediationStack,
  WORKFLOW_STATUSES_WRITTEN,
} from '../../stacks/remediation-stack.js';
import { placeholdersIn } from '../../statemachines/amazon-states-language.js';
import {
  buildRemediationDefinition,
  EXECUTION_TIMEOUT_SECONDS,
  PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';
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
  // Given the stack with two alert addresses, synthesised once for the whole file
  stack = buildStack({ alertEmails: ['secops@example.com', 'oncall@example.com'] });
  template = Template.fromStack(stack);
  Object.assign(ids, {
    key: logicalId(stack, stack.encryptionKey),
    topic: logicalId(stack, stack.alertTopic),
    table: logicalId(stack, stack.lockTable),
    plan: logicalId(stack, stack.planRemediationFunction),
    planLogs: logicalId(stack, stack.planRemediationLogGroup),
    planRole: logicalId(stack, stack.planRemediationFunction.role ?? stack),
    report: logicalId(stack, stack.reportFailureFunction),
    reportLogs: logicalId(stack, stack.reportFailureLogGroup),
    reportRole: logicalId(stack, stack.reportFailureFunction.role ?? stack),
    stateMachine: logicalId(stack, stack.stateMachine),
    stateMachineRole: logicalId(stack, stack.stateMachineRole),
    stateMachineLogs: logicalId(stack, stack.stateMachineLogGroup),
    queue: logicalId(stack, stack.deadLetterQueue),
    rule: logicalId(stack, stack.findingRule),
    ruleRole: logicalId(stack, stack.findingRuleRole),
  });
});

const NOTEBOOKS = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance/*`;
const XRAY_FOR_LAMBDA = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: ['*'],
};

describe('IAM: state machine role', () => {
  it('has exactly the derived Task permissions, each on its scoped resources', () => {
    // When the role's inline policy is read
    const policies = inlinePolicies(template, ids.stateMachineRole as string);

    // Then it is exactly one statement per service plus the key, nothing else
    expect(Object.keys(policies)).toEqual(['RemediationTasks']);
    expect(policies.RemediationTasks).toEqual([
      {
        Sid: 'DynamodbTasks',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem'],
        Resource: [`${ids.table}.Arn`],
      },
      {
        Sid: 'LambdaTasks',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [`${ids.plan}.Arn`, `${ids.report}.Arn`],
      },
      {
        Sid: 'SagemakerTasks',
        Effect: 'Allow',
        Action: [
          'sagemaker:DescribeNotebookInstance',
          'sagemaker:StartNotebookInstance',
          'sagemaker:StopNotebookInstance',
          'sagemaker:UpdateNotebookInstance',
        ],
        Resource: [NOTEBOOKS],
        Condition: { StringEqualsIfExists: { 'sagemaker:RootAccess': 'Disabled' } },
      },
      {
        Sid: 'SecurityhubTasks',
        Effect: 'Allow',
        Action: ['securityhub:BatchUpdateFindings'],
        Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hub/default`],
        Condition: {
          StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED', 'RESOLVED'] },
        },
      },
      { Sid: 'SnsTasks', Effect: 'Allow', Action: ['sns:Publish'], Resource: [`ref:${ids.topic}`] },
      {
        Sid: 'KmsForEncryptedResources',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: {
          StringEquals: {
            'kms:ViaService': [`dynamodb.${TEST_REGION}.amazonaws.com`, `sns.${TEST_REGION}.amazonaws.com`],
          },
        },
      },
    ]);
  });

  it('allows BatchUpdateFindings for every workflow status the definition writes literally', () => {
    // Given each literal Workflow.Status in the definition (the others come from Annotation['workflowStatus'])
    const literal = [
      ...JSON.stringify(buildRemediationDefinition()).matchAll(/"Workflow":\{"Status":"([A-Z]+)"\}/g),
    ].map((match) => match[1]);

    // Then the condition's list covers them
    expect(new Set(literal)).toEqual(new Set(WORKFLOW_STATUSES_WRITTEN));
  });

  it('gets from CDK only the log delivery and X-Ray statements, which support no resource scoping', () => {
    expect(attachedPolicyStatements(template, ids.stateMachineRole as string)).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:DescribeResourcePolicies',
          'logs:DescribeLogGroups',
        ],
        Resource: ['*'],
      },
      {
        Effect: 'Allow',
        Action: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        Resource: ['*'],
      },
    ]);
  });

  it('can be assumed only by Step Functions on behalf of this account', () => {
    const role = template.toJSON().Resources[ids.stateMachineRole as string];
    const trust = readable(role.Properties.AssumeRolePolicyDocument) as { Statement: unknown[] };
    expect(trust.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT } },
      },
    ]);
  });
});

describe('IAM: Lambda roles', () => {
  it('plan-remediation may write its own logs, read notebooks and tags, and take and release locks', () => {
    expect(inlinePolicies(template, ids.planRole as string)).toEqual({
      PlanRemediationPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.planLogs}.Arn`],
        },
        {
          Sid: 'ObserveNotebooks',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeNotebookInstance', 'sagemaker:ListTags'],
          Resource: [NOTEBOOKS],
        },
        {
          Sid: 'NotebookLocks',
          Effect: 'Allow',
          Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          Resource: [`${ids.table}.Arn`],
        },
        {
          Sid: 'LockTableKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: [`${ids.key}.Arn`],
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
        },
      ],
    });
    expect(attachedPolicyStatements(template, ids.planRole as string)).toEqual([XRAY_FOR_LAMBDA]);
  });

  it('report-failure may write its own logs and traces, nothing else', () => {
    expect(inlinePolicies(template, ids.reportRole as string)).toEqual({
      ReportFailurePermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.reportLogs}.Arn`],
        },
      ],
    });
    expect(attachedPolicyStatements(template, ids.reportRole as string)).toEqual([XRAY_FOR_LAMBDA]);
  });

  it('no role uses an AWS managed policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('IAM: finding rule role', () => {
  it('may only start executions of the remediation state machine', () => {
    expect(inlinePolicies(template, ids.ruleRole as string)).toEqual({});
    expect(attachedPolicyStatements(template, ids.ruleRole as string)).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [`ref:${ids.stateMachine}`] },
    ]);
  });
});

describe('state machine', () => {
  it('deploys the definition unchanged, with every placeholder substituted', () => {
    const resource = template.toJSON().Resources[ids.stateMachine as string].Properties;
    const definition = buildRemediationDefinition();

    expect(JSON.parse(resource.DefinitionString)).toEqual(definition);
    expect(Object.keys(resource.DefinitionSubstitutions).sort()).toEqual(placeholdersIn(definition));
    expect(readable(resource.DefinitionSubstitutions)).toEqual({
      [PLACEHOLDERS.planFunctionArn]: `${ids.plan}.Arn`,
      [PLACEHOLDERS.reportFailureFunctionArn]: `${ids.report}.Arn`,
      [PLACEHOLDERS.alertTopicArn]: `ref:${ids.topic}`,
      [PLACEHOLDERS.lockTableName]: `ref:${ids.table}`,
    });
    expect(definition.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS);
  });

  it('is a Standard workflow logging ALL events with execution data to an encrypted log group, traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [ids.stateMachineLogs, 'Arn'] } } },
        ],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('rejects substitutions that do not match the definition’s placeholders, listing each difference', () => {
    expect(() => assertSubstitutionsMatch(['A', 'B'], ['B', 'C'])).toThrow(
      `State machine placeholders and substitutions differ:\n- \${A} is in the definition but not substituted\n- \${C} is substituted but not in the definition`,
    );
  });
});

describe('Lambda functions', () => {
  it('run on the latest Node.js runtime, arm64, 256 MB, traced, with their own log group', () => {
    const expectations = [
      { id: ids.plan, logs: ids.planLogs, timeout: 60 },
      { id: ids.report, logs: ids.reportLogs, timeout: 10 },
    ];
    for (const { id, logs, timeout } of expectations) {
      const fn = template.toJSON().Resources[id as string].Properties;
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: timeout,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: logs } },
      });
    }
    expect(LAMBDA_HANDLERS.map((source) => source.name)).toEqual(['plan-remediation', 'report-failure']);
  });

  it('are bundled byte for byte as a direct esbuild call with toEsbuildOptions (what the benchmark runs)', async () => {
    // Given the bundles NodejsFunction put in the cloud assembly
    const assembly = (stack.node.root as App).synth();
    for (const source of LAMBDA_HANDLERS) {
      const fnId = source.name === 'plan-remediation' ? ids.plan : ids.report;
      const s3Key = template.toJSON().Resources[fnId as string].Properties.Code.S3Key as string;
      const deployed = readFileSync(
        join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`, BUNDLE_FILE_NAME),
      );

      // When the same handler is bundled with esbuild directly
      const outfile = join(mkdtempSync(join(tmpdir(), 'bundle-')), BUNDLE_FILE_NAME);
      await build(toEsbuildOptions(source, outfile));

      // Then the two bundles are identical
      expect(readFileSync(outfile).equals(deployed), source.name).toBe(true);
    }
  });

  it('plan-remediation gets REMEDIATION_SETTINGS that pass the runtime schema once deployed', () => {
    // Given the environment variable as CloudFormation will resolve it
    const fn = template.toJSON().Resources[ids.plan as string].Properties;
    const text = readable(fn.Environment.Variables[SETTINGS_ENVIRONMENT_VARIABLE]) as string;

    // When the Lambda parses it
    const settings = runtimeSettingsSchema.parse(JSON.parse(text.replace(`ref:${ids.table}`, 'LockTable-1')));

    // Then it names this account, region, table and every control
    expect(settings).toMatchObject({
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
      lockTableName: 'LockTable-1',
      lockSeconds: EXECUTION_TIMEOUT_SECONDS,
      dryRun: false,
    });
    expect(Object.keys(settings.modes).sort()).toEqual([...CONTROL_IDS].sort());
  });
});

describe('security settings', () => {
  it('the customer managed key rotates and is retained with the log groups it protects', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('the key policy lets CloudWatch Logs, alarm actions and EventBridge dead letters use the key', () => {
    const key = readable(template.toJSON().Resources[ids.key as string].Properties.KeyPolicy) as {
      Statement: Array<{ Sid?: string; Principal: Record<string, string> }>;
    };
    expect(key.Statement.map((statement) => [statement.Sid, statement.Principal])).toEqual([
      [undefined, { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }],
      ['AllowCloudWatchLogsLogGroups', { Service: `logs.${TEST_REGION}.amazonaws.com` }],
      ['AllowCloudWatchAlarmsToPublish', { Service: 'cloudwatch.amazonaws.com' }],
      ['AllowEventBridgeDeadLetters', { Service: 'events.amazonaws.com' }],
    ]);
  });

  it('the alert topic is KMS-encrypted, refuses publishing without TLS, and has the e-mail subscriptions', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (subscription) => subscription.Properties,
    );
    expect(subscriptions).toEqual([
      { Protocol: 'email', Endpoint: 'secops@example.com', TopicArn: { Ref: ids.topic } },
      { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: ids.topic } },
    ]);
  });

  it('the lock table is on-demand, keyed by lockKey, expires locks by TTL, has PITR and the customer key', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'lockKey', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'lockKey', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] },
        },
      },
      // Locks are transient (see the stack): the table goes with the stack.
      DeletionPolicy: 'Delete',
    });
  });

  it('every log group is encrypted with the key, keeps logs 365 days by default, and is retained', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(logGroups).sort()).toEqual(
      [ids.planLogs, ids.reportLogs, ids.stateMachineLogs].sort(),
    );
    for (const logGroup of Object.values(logGroups)) {
      expect(logGroup).toMatchObject({
        Properties: { KmsKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] }, RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    }
  });

  it('the rule targets the state machine through its role, with retries and an encrypted TLS-only DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { Ref: ids.stateMachine },
          RoleArn: { 'Fn::GetAtt': [ids.ruleRole, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
          Id: Match.anyValue(),
        },
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] } });
    const queuePolicy = readable(
      Object.values(template.findResources('AWS::SQS::QueuePolicy'))[0]?.Properties.PolicyDocument,
    ) as { Statement: unknown[] };
    expect(queuePolicy.Statement).toEqual([
      {
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: `${ids.queue}.Arn`,
      },
      {
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': `${ids.rule}.Arn` } },
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: `${ids.queue}.Arn`,
        Sid: expect.any(String),
      },
    ]);
  });

  it('alarms on failed, timed-out and aborted executions, undelivered findings and Lambda errors', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => ({
      metric: `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`,
      statistic: alarm.Properties.Statistic,
      period: alarm.Properties.Period,
      threshold: `${alarm.Properties.ComparisonOperator} ${alarm.Properties.Threshold}`,
      actions: alarm.Properties.AlarmActions,
    }));
    const toTopic = [{ Ref: ids.topic }];
    const gte1 = 'GreaterThanOrEqualToThreshold 1';
    expect(alarms).toEqual([
      {
        metric: 'AWS/States/ExecutionsFailed',
        statistic: 'Sum',
        period: 300,
        threshold: gte1,
        actions: toTopic,
      },
      {
        metric: 'AWS/States/ExecutionsTimedOut',
        statistic: 'Sum',
        period: 300,
        threshold: gte1,
        actions: toTopic,
      },
      {
        metric: 'AWS/States/ExecutionsAborted',
        statistic: 'Sum',
        period: 300,
        threshold: gte1,
        actions: toTopic,
      },
      {
        metric: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        period: 300,
        threshold: gte1,
        actions: toTopic,
      },
      { metric: 'AWS/Lambda/Errors', statistic: 'Sum', period: 300, threshold: gte1, actions: toTopic },
      { metric: 'AWS/Lambda/Errors', statistic: 'Sum', period: 300, threshold: gte1, actions: toTopic },
    ]);
  });

  it('outputs the state machine ARN, the topic ARN and the lock table name', () => {
    expect(template.toJSON().Outputs).toMatchObject({
      StateMachineArn: { Value: { Ref: ids.stateMachine } },
      AlertTopicArn: { Value: { Ref: ids.topic } },
      LockTableName: { Value: { Ref: ids.table } },
    });
  });
});

describe('configuration reaches the stack', () => {
  it('a control switched off leaves the rule, a retention override reaches every log group', () => {
    // Given SageMaker.1 off and 30-day retention
    const custom = Template.fromStack(
      buildStack({ modes: { 'SageMaker.1': 'off' }, logRetentionDays: 30 }, appWithoutBundling()),
    );

    // Then
    const rule = Object.values(custom.findResources('AWS::Events::Rule'))[0];
    expect(rule?.Properties.EventPattern.detail.findings.Compliance.SecurityControlId).toEqual(
      CONTROL_IDS.filter((id) => id !== 'SageMaker.1'),
    );
    for (const logGroup of Object.values(custom.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBe(30);
    }
  });

  it('an invalid configuration handed to the stack directly fails synthesis with every error', () => {
    expect(() =>
      buildStack({ modes: { 'SageMaker.1': 'auto' }, logRetentionDays: 2 }, appWithoutBundling()),
    ).toThrow(/Invalid remediation configuration:\n- modes\.SageMaker\.1: .*\n- logRetentionDays: /);
  });
});
