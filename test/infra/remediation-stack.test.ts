import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_IDS } from '../../handlers/shared/controls-catalogue.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  parseCustomActionSettings,
} from '../../handlers/shared/custom-action-settings.js';
import {
  runtimeSettingsSchema,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from '../../handlers/shared/runtime-settings.js';
import { IN_PLACE_LOCK_SECONDS } from '../../handlers/shared/work-budget.js';
import { MAX_APPROVAL_TIMEOUT_DAYS } from '../../stacks/configuration.js';
import { buildCustomActionEventPattern } from '../../stacks/custom-action-event-pattern.js';
import { BUNDLE_FILE_NAME, LAMBDA_HANDLERS, toEsbuildBatchOptions } from '../../stacks/lambda-bundling.js';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { assertSubstitutionsMatch, WORKFLOW_STATUSES_WRITTEN } from '../../stacks/remediation-workflow.js';
import { placeholdersIn } from '../../statemachines/amazon-states-language.js';
import { MEMBER_API_FUNCTION_PLACEHOLDER } from '../../statemachines/member-credentials.js';
import {
  buildRemediationDefinition,
  EXECUTION_TIMEOUT_SECONDS,
  executionTimeoutSeconds,
  MAX_STANDARD_EXECUTION_SECONDS,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';
import { RESOURCE_ENGINES } from '../../statemachines/resource-states.js';
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
    snapshot: logicalId(stack, stack.snapshotNotebookFunction),
    snapshotLogs: logicalId(stack, stack.snapshotNotebookLogGroup),
    snapshotRole: logicalId(stack, stack.snapshotNotebookFunction.role ?? stack),
    verify: logicalId(stack, stack.verifyRecreationFunction),
    verifyLogs: logicalId(stack, stack.verifyRecreationLogGroup),
    verifyRole: logicalId(stack, stack.verifyRecreationFunction.role ?? stack),
    verifyResource: logicalId(stack, stack.functions.verifyResource.fn),
    verifyResourceLogs: logicalId(stack, stack.functions.verifyResource.logGroup),
    snapshotResource: logicalId(stack, stack.functions.snapshotResource.fn),
    snapshotResourceLogs: logicalId(stack, stack.functions.snapshotResource.logGroup),
    changeResource: logicalId(stack, stack.functions.changeResource.fn),
    changeResourceLogs: logicalId(stack, stack.functions.changeResource.logGroup),
    memberApiCall: logicalId(stack, stack.functions.memberApiCall.fn),
    memberApiCallLogs: logicalId(stack, stack.functions.memberApiCall.logGroup),
    customAction: logicalId(stack, stack.customActionFunction),
    sweeper: logicalId(stack, stack.staleRecordSweeper.sweeper.fn),
    planCleanup: logicalId(stack, stack.executionCleanup.planCleanup.fn),
    recordOutcome: logicalId(stack, stack.outcomeRecorder.recorder.fn),
    startRemediation: logicalId(stack, stack.intake.buffer.starter.fn),
    startRemediationLogs: logicalId(stack, stack.intake.buffer.starter.logGroup),
    recordOutcomeLogs: logicalId(stack, stack.outcomeRecorder.recorder.logGroup),
    planCleanupLogs: logicalId(stack, stack.executionCleanup.planCleanup.logGroup),
    sweeperLogs: logicalId(stack, stack.staleRecordSweeper.sweeper.logGroup),
    sweeperSchedule: logicalId(stack, stack.staleRecordSweeper.schedule),
    customActionLogs: logicalId(stack, stack.customActionLogGroup),
    customActionRole: logicalId(stack, stack.customActionFunction.role ?? stack),
    customActionRule: logicalId(stack, stack.customActionRule),
    approvalTable: logicalId(stack, stack.approvalTable.table),
    bucket: logicalId(stack, stack.notebookBackups.bucket),
    stateMachine: logicalId(stack, stack.stateMachine),
    stateMachineRole: logicalId(stack, stack.stateMachineRole),
    stateMachineLogs: logicalId(stack, stack.stateMachineLogGroup),
    queue: logicalId(stack, stack.deadLetterQueue),
    failureQueue: logicalId(stack, stack.customActionFailureQueue),
    rule: logicalId(stack, stack.findingRule),
    findingQueue: logicalId(stack, stack.intake.buffer.queue),
    findingQueueDeadLetters: logicalId(stack, stack.intake.buffer.deadLetterQueue),
    ocsfRule: logicalId(stack, stack.intake.ocsfFindingRule),
  });
});

/** What the Lambdas and the state machine that act on a finding's resource may assume, and nothing else there. */
const MEMBER_ROLES = 'arn:aws:iam::*:role/sagemaker-remediation/SageMakerRemediationMember-*';
// The default configuration names no required tags nor data-capture key: those two engines are left out.
const DEFINITION_OPTIONS = {
  recreate: { approvalTimeoutSeconds: 7 * 24 * 60 * 60 },
  resourceEngines: RESOURCE_ENGINES.filter(
    (engine) => engine !== 'add-required-tags' && engine !== 'update-inference-experiment',
  ),
};
const XRAY_FOR_LAMBDA = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: ['*'],
};

/** The policy allowLockTakeover attaches to plan-remediation and snapshot-notebook (DescribeExecution's resource type is the execution). */
const DESCRIBE_LOCK_HOLDERS = {
  Sid: 'DescribeLockHolders',
  Effect: 'Allow',
  Action: ['states:DescribeExecution'],
  Resource: [
    `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:RemediationStateMachine769D94C7.Name:*`,
  ],
};

describe('IAM: state machine role', () => {
  it('has exactly the derived Task permissions, each on its scoped resources', () => {
    // When the role's inline policies are read
    const policies = inlinePolicies(template, ids.stateMachineRole as string);

    // Then the derived one is exactly one statement per service and table, plus the key per service;
    // the member Tasks (SageMaker, EC2, KMS) run as the member role, which the role may only assume
    expect(Object.keys(policies)).toEqual(['RemediationTasks']);
    expect(policies.RemediationTasks).toEqual([
      {
        Sid: 'DynamodbTasksApprovalTable',
        Effect: 'Allow',
        // DeleteItem: the plan closed; GetItem: the plan's findings; UpdateItem: the approval wait's token
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [`${ids.approvalTable}.Arn`],
      },
      {
        // The lock is only released here: plan-remediation and snapshot-notebook take it
        Sid: 'DynamodbTasksLockTable',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem'],
        Resource: [`${ids.table}.Arn`],
      },
      {
        // The five functions the definition invokes, plan-cleanup (a clean-up's first step) included
        Sid: 'LambdaTasks',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        // With the approval-gated resource engines' functions, in the derivation's (sorted) order
        Resource: [
          `${ids.changeResource}.Arn`,
          // The member calls with a whole-object request (member-api-routing.ts)
          `${ids.memberApiCall}.Arn`,
          `${ids.planCleanup}.Arn`,
          `${ids.plan}.Arn`,
          `${ids.report}.Arn`,
          `${ids.snapshot}.Arn`,
          `${ids.snapshotResource}.Arn`,
          `${ids.verify}.Arn`,
          `${ids.verifyResource}.Arn`,
        ],
      },
      // No S3: the lifecycle scripts' statuses are read as the member role, in the notebook's own
      // account's data bucket (member-notebook-data.test.ts)
      {
        Sid: 'SecurityhubTasks',
        Effect: 'Allow',
        Action: ['securityhub:BatchUpdateFindings'],
        Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hub/default`],
        Condition: {
          StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED', 'RESOLVED'] },
        },
      },
      {
        // The new Security Hub's findings: BatchUpdateFindingsV2 is authorized as BatchUpdateFindings on
        // the hubv2 resource (Service Authorization Reference), limited to the statuses written
        Sid: 'SecurityhubTasksOcsf',
        Effect: 'Allow',
        Action: ['securityhub:BatchUpdateFindings'],
        Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hubv2/*`],
        Condition: { StringEquals: { 'securityhub:OCSFSyntaxPath/StatusId': ['2', '4'] } },
      },
      { Sid: 'SnsTasks', Effect: 'Allow', Action: ['sns:Publish'], Resource: [`ref:${ids.topic}`] },
      // The key through each service, for what its Tasks make that service do with it
      {
        Sid: 'KmsThroughDynamodb',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Sid: 'KmsThroughSns',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `sns.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Sid: 'AssumeMemberRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: [MEMBER_ROLES],
      },
    ]);
  });

  it('allows BatchUpdateFindings for every workflow status the definition writes literally', () => {
    // Given each literal Workflow.Status in the definition (the others come from Annotation['workflowStatus'])
    const literal = [
      ...JSON.stringify(buildRemediationDefinition(DEFINITION_OPTIONS)).matchAll(
        /"Workflow":\{"Status":"([A-Z]+)"\}/g,
      ),
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
  it('plan-remediation may write its own logs, assume the member roles (to read notebooks and tags), take and release locks, record and join plans, and note a finding that joins one', () => {
    expect(inlinePolicies(template, ids.planRole as string)).toEqual({
      PlanRemediationPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.planLogs}.Arn`],
        },
        {
          // Its reads of the finding's resource are the member role's, in the resource's account and Region
          Sid: 'AssumeMemberRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: [MEMBER_ROLES],
        },
        {
          Sid: 'NotebookLocks',
          Effect: 'Allow',
          Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          Resource: [`${ids.table}.Arn`],
        },
        {
          // A plan is recorded, and a sibling finding of the same notebook joins it
          Sid: 'RecreationPlans',
          Effect: 'Allow',
          Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: [`${ids.approvalTable}.Arn`],
        },
        {
          // The joined note, written before the join (NOTIFIED only)
          Sid: 'NoteJoinedFindings',
          Effect: 'Allow',
          Action: ['securityhub:BatchUpdateFindings'],
          Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hub/default`],
          Condition: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED'] } },
        },
        {
          // The same note on an OCSF finding (BatchUpdateFindingsV2): status_id 2 only
          Sid: 'NoteJoinedOcsfFindings',
          Effect: 'Allow',
          Action: ['securityhub:BatchUpdateFindings'],
          Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hubv2/*`],
          Condition: { StringEquals: { 'securityhub:OCSFSyntaxPath/StatusId': ['2'] } },
        },
        {
          // Item calls make DynamoDB decrypt the table key as the caller
          Sid: 'TablesKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [`${ids.key}.Arn`],
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
        },
      ],
    });
    // And, from allowLockTakeover: whether a lock's or plan's holder still runs
    expect(attachedPolicyStatements(template, ids.planRole as string)).toEqual([
      XRAY_FOR_LAMBDA,
      DESCRIBE_LOCK_HOLDERS,
    ]);
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

  it('snapshot-notebook may assume the member roles (to describe notebooks, their lifecycle configs, repositories and roles, and write snapshots in their data bucket) and take the lock', () => {
    expect(inlinePolicies(template, ids.snapshotRole as string)).toEqual({
      SnapshotNotebookPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.snapshotLogs}.Arn`],
        },
        {
          // Its reads of the finding's resource are the member role's, in the resource's account and Region
          Sid: 'AssumeMemberRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: [MEMBER_ROLES],
        },
        {
          // The approved recreation takes the notebook's lock before anything changes
          Sid: 'NotebookLocks',
          Effect: 'Allow',
          Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          Resource: [`${ids.table}.Arn`],
        },
        {
          Sid: 'LockTableKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [`${ids.key}.Arn`],
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
        },
      ],
    });
    // Nothing of S3: the snapshot is the notebook's own account's, written as its member role
    expect(attachedPolicyStatements(template, ids.snapshotRole as string)).toEqual([
      XRAY_FOR_LAMBDA,
      DESCRIBE_LOCK_HOLDERS,
    ]);
  });

  it('verify-recreation may assume the member roles (to describe notebooks and read snapshots in their data bucket), nothing else', () => {
    expect(inlinePolicies(template, ids.verifyRole as string)).toEqual({
      VerifyRecreationPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.verifyLogs}.Arn`],
        },
        {
          Sid: 'AssumeMemberRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: [MEMBER_ROLES],
        },
      ],
    });
    expect(attachedPolicyStatements(template, ids.verifyRole as string)).toEqual([XRAY_FOR_LAMBDA]);
  });

  it('custom-action may decide approvals, answer or start executions, and write notes without changing a workflow status', () => {
    expect(inlinePolicies(template, ids.customActionRole as string)).toEqual({
      CustomActionPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.customActionLogs}.Arn`],
        },
        {
          Sid: 'ApprovalRecords',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: [`${ids.approvalTable}.Arn`],
        },
        {
          Sid: 'ApprovalTableKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [`${ids.key}.Arn`],
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
        },
        {
          // No resource type in the Service Authorization Reference: only "*" allows them
          Sid: 'AnswerApprovalTasks',
          Effect: 'Allow',
          Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
          Resource: ['*'],
        },
        {
          Sid: 'StartExecutions',
          Effect: 'Allow',
          Action: ['states:StartExecution'],
          Resource: [`ref:${ids.stateMachine}`],
        },
        {
          Sid: 'NoteFindings',
          Effect: 'Allow',
          Action: ['securityhub:BatchUpdateFindings'],
          Resource: [`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:hub/default`],
          // Workflow.Status absent from the request: the key is null
          Condition: { Null: { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'true' } },
        },
        {
          // Lambda sends a click that still failed after its retries to the on-failure queue
          Sid: 'SendFailedClicks',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: [`${ids.failureQueue}.Arn`],
        },
        {
          Sid: 'FailureQueueKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: [`${ids.key}.Arn`],
          Condition: { StringEquals: { 'kms:ViaService': `sqs.${TEST_REGION}.amazonaws.com` } },
        },
      ],
    });
    expect(attachedPolicyStatements(template, ids.customActionRole as string)).toEqual([XRAY_FOR_LAMBDA]);
  });

  it('no role uses an AWS managed policy', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('finding rules', () => {
  it('send each finding event to the finding queue, with no role: the queue policy allows each rule only', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(ids.findingQueue as string),
    );
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      const [target] = rule.Properties.Targets;
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [ids.findingQueue, 'Arn'] });
      expect(target.RoleArn).toBeUndefined();
      expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [ids.queue, 'Arn'] });
    }
  });
});

describe('state machine', () => {
  it('deploys the definition with the recreate branch unchanged, with every placeholder substituted', () => {
    const resource = template.toJSON().Resources[ids.stateMachine as string].Properties;
    const definition = buildRemediationDefinition(DEFINITION_OPTIONS);

    expect(JSON.parse(resource.DefinitionString)).toEqual(definition);
    expect(Object.keys(resource.DefinitionSubstitutions).sort()).toEqual(placeholdersIn(definition));
    expect(readable(resource.DefinitionSubstitutions)).toEqual({
      [PLACEHOLDERS.planFunctionArn]: `${ids.plan}.Arn`,
      [PLACEHOLDERS.reportFailureFunctionArn]: `${ids.report}.Arn`,
      [PLACEHOLDERS.planCleanupFunctionArn]: `${ids.planCleanup}.Arn`,
      [PLACEHOLDERS.alertTopicArn]: `ref:${ids.topic}`,
      [PLACEHOLDERS.lockTableName]: `ref:${ids.table}`,
      [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: `${ids.snapshot}.Arn`,
      [RECREATE_PLACEHOLDERS.verifyFunctionArn]: `${ids.verify}.Arn`,
      [RECREATE_PLACEHOLDERS.approvalTableName]: `ref:${ids.approvalTable}`,
      // The approval-gated resource engines' functions
      [PLACEHOLDERS.verifyResourceFunctionArn]: `${ids.verifyResource}.Arn`,
      [PLACEHOLDERS.snapshotResourceFunctionArn]: `${ids.snapshotResource}.Arn`,
      [PLACEHOLDERS.changeResourceFunctionArn]: `${ids.changeResource}.Arn`,
      // The member calls Step Functions cannot make (a whole-object request)
      [MEMBER_API_FUNCTION_PLACEHOLDER]: `${ids.memberApiCall}.Arn`,
    });
    // Six hours of work plus the 7-day approval window (the default approvalTimeoutDays)
    expect(definition.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS + 7 * 24 * 60 * 60);
    expect(definition.TimeoutSeconds).toBe(executionTimeoutSeconds(DEFINITION_OPTIONS));
  });

  it('waits for approval as long as approvalTimeoutDays says, and its timeout grows with it', () => {
    const custom = buildStack({ recreate: { approvalTimeoutDays: 2 } }, appWithoutBundling());
    const resource =
      Template.fromStack(custom).toJSON().Resources[logicalId(custom, custom.stateMachine)].Properties;
    const definition = JSON.parse(resource.DefinitionString);
    expect(definition.States.WaitForApproval.TimeoutSeconds).toBe(2 * 24 * 60 * 60);
    expect(definition.TimeoutSeconds).toBe(EXECUTION_TIMEOUT_SECONDS + 2 * 24 * 60 * 60);
  });

  it('Given the longest approval window the configuration accepts, When synthesised, Then the execution timeout is within the one-year limit', () => {
    const custom = buildStack(
      { recreate: { approvalTimeoutDays: MAX_APPROVAL_TIMEOUT_DAYS } },
      appWithoutBundling(),
    );
    const resource =
      Template.fromStack(custom).toJSON().Resources[logicalId(custom, custom.stateMachine)].Properties;
    const definition = JSON.parse(resource.DefinitionString);
    expect(definition.TimeoutSeconds).toBe(
      EXECUTION_TIMEOUT_SECONDS + MAX_APPROVAL_TIMEOUT_DAYS * 24 * 60 * 60,
    );
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(MAX_STANDARD_EXECUTION_SECONDS);
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
      { id: ids.snapshot, logs: ids.snapshotLogs, timeout: 120 },
      // It streams two manifests of up to hundreds of thousands of entries
      { id: ids.verify, logs: ids.verifyLogs, timeout: 300 },
      { id: ids.customAction, logs: ids.customActionLogs, timeout: 60 },
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
    expect(LAMBDA_HANDLERS.map((source) => source.name)).toEqual([
      'plan-remediation',
      'report-failure',
      'snapshot-notebook',
      'verify-recreation',
      'verify-resource',
      'snapshot-resource',
      'change-resource',
      'member-api-call',
      'custom-action',
      'sweep-stale-records',
      'plan-cleanup',
      'record-outcome',
      'start-remediation',
    ]);
  });

  it('are bundled byte for byte as one esbuild call with toEsbuildBatchOptions (what the benchmark runs)', async () => {
    // Given the bundles NodejsFunction put in the cloud assembly
    const assembly = (stack.node.root as App).synth();
    const functionIds: Record<(typeof LAMBDA_HANDLERS)[number]['name'], string | undefined> = {
      'plan-remediation': ids.plan,
      'report-failure': ids.report,
      'snapshot-notebook': ids.snapshot,
      'verify-recreation': ids.verify,
      'verify-resource': ids.verifyResource,
      'snapshot-resource': ids.snapshotResource,
      'change-resource': ids.changeResource,
      'member-api-call': ids.memberApiCall,
      'custom-action': ids.customAction,
      'sweep-stale-records': ids.sweeper,
      'plan-cleanup': ids.planCleanup,
      'record-outcome': ids.recordOutcome,
      'start-remediation': ids.startRemediation,
    };
    // When every handler is bundled with esbuild directly, in one call
    const directory = mkdtempSync(join(tmpdir(), 'bundles-'));
    try {
      await build(toEsbuildBatchOptions(LAMBDA_HANDLERS, directory));

      // Then each bundle is the one NodejsFunction put in the assembly
      for (const source of LAMBDA_HANDLERS) {
        const fnId = functionIds[source.name];
        const s3Key = template.toJSON().Resources[fnId as string].Properties.Code.S3Key as string;
        const deployed = readFileSync(
          join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`, BUNDLE_FILE_NAME),
        );
        const built = readFileSync(join(directory, source.name, BUNDLE_FILE_NAME));
        expect(built.equals(deployed), source.name).toBe(true);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('plan-remediation gets REMEDIATION_SETTINGS with the recreate facts that pass the runtime schema once deployed', () => {
    // Given the environment variable as CloudFormation will resolve it
    const fn = template.toJSON().Resources[ids.plan as string].Properties;
    const text = deployedText(fn.Environment.Variables[SETTINGS_ENVIRONMENT_VARIABLE]);

    // When the Lambda parses it
    const settings = runtimeSettingsSchema.parse(JSON.parse(text));

    // Then it names this account, region, tables, bucket and every control (the lifecycle
    // configurations are each member stack's, named from the members settings)
    expect(settings).toMatchObject({
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
      lockTableName: 'LockTable-1',
      // An in-place fix's lock (a recreation's lapses with its execution: work-budget.ts)
      lockSeconds: IN_PLACE_LOCK_SECONDS,
      dryRun: false,
      recreate: {
        targets: [],
        backupBucket: 'snapshot-bucket-1',
        approvalTableName: 'ApprovalTable-1',
        approvalTimeoutSeconds: 7 * 24 * 60 * 60,
        acceptDataLoss: [],
      },
    });
    expect(Object.keys(settings.modes).sort()).toEqual([...CONTROL_IDS].sort());
  });

  it('snapshot-notebook and verify-recreation get the very same REMEDIATION_SETTINGS', () => {
    const settingsOf = (id: string | undefined) =>
      template.toJSON().Resources[id as string].Properties.Environment.Variables;
    const planSettings = settingsOf(ids.plan);
    expect(settingsOf(ids.snapshot)).toEqual(planSettings);
    expect(settingsOf(ids.verify)).toEqual(planSettings);
  });

  it('custom-action gets CUSTOM_ACTION_SETTINGS its own parser accepts once deployed', () => {
    // Given the environment variable as CloudFormation will resolve it
    const fn = template.toJSON().Resources[ids.customAction as string].Properties;
    expect(Object.keys(fn.Environment.Variables)).toEqual([CUSTOM_ACTION_SETTINGS_VARIABLE]);
    const text = deployedText(fn.Environment.Variables[CUSTOM_ACTION_SETTINGS_VARIABLE]);

    // When the handler parses it (with the cross-field checks: every ARN in this account and region)
    const settings = parseCustomActionSettings(text);

    // Then it names the three actions, the approval table, the state machine and every control's mode
    expect(settings).toEqual({
      accountId: TEST_ACCOUNT,
      region: TEST_REGION,
      actionArns: {
        approve: `arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/ApprovePlan`,
        reject: `arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/RejectPlan`,
        'remediate-now': `arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/RemediateNow`,
      },
      approvalTableName: 'ApprovalTable-1',
      stateMachineArn: `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:Remediation-1`,
      modes: expect.any(Object),
    });
    expect(Object.keys(settings.modes).sort()).toEqual([...CONTROL_IDS].sort());
  });
});

/**
 * An environment variable as CloudFormation resolves it: each Ref and GetAtt replaced by the value
 * it has once deployed (ARNs of the custom actions and the state machine, table and bucket names).
 */
function deployedText(value: Parameters<typeof readable>[0]): string {
  const actionIds = Object.fromEntries(
    [
      stack.customActions.approveAction,
      stack.customActions.rejectAction,
      stack.customActions.remediateNowAction,
    ].map((action) => [logicalId(stack, action), action.id]),
  );
  let text = readable(value) as string;
  const replacements: Array<[string, string]> = [
    [`ref:${ids.table}`, 'LockTable-1'],
    [`ref:${ids.approvalTable}`, 'ApprovalTable-1'],
    [`ref:${ids.bucket}`, 'snapshot-bucket-1'],
    [`ref:${ids.stateMachine}`, `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:Remediation-1`],
    ...Object.entries(actionIds).map(([logical, id]): [string, string] => [
      `ref:${logical}`,
      `arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/${id}`,
    ]),
  ];
  for (const [from, to] of replacements) text = text.replaceAll(`"${from}"`, JSON.stringify(to));
  expect(text).not.toMatch(/"ref:|\.Arn"/);
  return text;
}

describe('security settings', () => {
  it('the customer managed key rotates and is retained with the log groups it protects', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('the key policy lets CloudWatch Logs, alarm actions and EventBridge (the finding queue and the dead letters) use the key, and no notebook role', () => {
    const key = readable(template.toJSON().Resources[ids.key as string].Properties.KeyPolicy) as {
      Statement: Array<{ Sid?: string; Principal: Record<string, string> | string }>;
    };
    expect(key.Statement.map((statement) => [statement.Sid, statement.Principal])).toEqual([
      [undefined, { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }],
      ['AllowCloudWatchLogsLogGroups', { Service: `logs.${TEST_REGION}.amazonaws.com` }],
      ['AllowCloudWatchAlarmsToPublish', { Service: 'cloudwatch.amazonaws.com' }],
      ['AllowEventBridgeDeadLetters', { Service: 'events.amazonaws.com' }],
    ]);
    // EventBridge's one statement, for this account's rules only: what sending to the encrypted finding
    // queue and dead-letter queue needs (no grant of CDK's SqsQueue target, which has no condition)
    expect(key.Statement.filter((statement) => JSON.stringify(statement).includes('events.'))).toEqual([
      {
        Sid: 'AllowEventBridgeDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT } },
      },
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
      // The outcome recorder (stacks/outcome-recorder.ts), which counts each alert for the dashboard.
      {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [ids.recordOutcome, 'Arn'] },
        TopicArn: { Ref: ids.topic },
      },
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
      [
        ids.planLogs,
        ids.reportLogs,
        ids.snapshotLogs,
        ids.verifyLogs,
        ids.verifyResourceLogs,
        ids.snapshotResourceLogs,
        ids.changeResourceLogs,
        ids.memberApiCallLogs,
        ids.customActionLogs,
        ids.planCleanupLogs,
        ids.sweeperLogs,
        ids.recordOutcomeLogs,
        ids.startRemediationLogs,
        ids.stateMachineLogs,
      ].sort(),
    );
    for (const logGroup of Object.values(logGroups)) {
      expect(logGroup).toMatchObject({
        Properties: { KmsKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] }, RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    }
  });

  it('the finding rules target the finding queue with retries and an encrypted TLS-only DLQ; each queue lets EventBridge send for its own rules only', () => {
    // The two finding rules (ASFF and OCSF) send to the finding queue, with no role (SQS is authorized by its policy)
    for (const rule of [ids.rule, ids.ocsfRule]) {
      expect(template.toJSON().Resources[rule as string].Properties.Targets).toEqual([
        {
          Arn: { 'Fn::GetAtt': [ids.findingQueue, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
          Id: expect.any(String),
        },
      ]);
    }
    for (const queue of [ids.queue, ids.findingQueue, ids.findingQueueDeadLetters]) {
      expect(template.toJSON().Resources[queue as string].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [ids.key, 'Arn'],
      });
    }
    const queuePolicy = (queue: string) =>
      (
        readable(
          Object.values(template.findResources('AWS::SQS::QueuePolicy')).find(
            (policy) => policy.Properties.Queues[0].Ref === queue,
          )?.Properties.PolicyDocument,
        ) as { Statement: unknown[] }
      ).Statement;
    const tlsOnly = (queue: string) => ({
      Action: 'sqs:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Resource: `${queue}.Arn`,
    });
    const sendFor = (queue: string, rule: string) => ({
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': `${rule}.Arn` } },
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Resource: `${queue}.Arn`,
    });
    // The finding queue: the two finding rules, nothing else (no other rule, no other action)
    expect(queuePolicy(ids.findingQueue as string)).toEqual([
      tlsOnly(ids.findingQueue as string),
      sendFor(ids.findingQueue as string, ids.rule as string),
      sendFor(ids.findingQueue as string, ids.ocsfRule as string),
    ]);
    // The rules' dead-letter queue: the three rules whose targets fall back to it
    expect(queuePolicy(ids.queue as string)).toEqual([
      tlsOnly(ids.queue as string),
      ...[ids.rule, ids.ocsfRule, ids.customActionRule].map((rule) => ({
        ...sendFor(ids.queue as string, rule as string),
        Sid: expect.any(String),
      })),
    ]);
    // The finding queue's own dead-letter queue: SQS redrives to it; nobody sends to it
    expect(queuePolicy(ids.findingQueueDeadLetters as string)).toEqual([
      tlsOnly(ids.findingQueueDeadLetters as string),
    ]);
  });

  it("the custom-action rule matches exactly this deployment's three actions and invokes the Lambda, with retries and the DLQ", () => {
    const rule = template.toJSON().Resources[ids.customActionRule as string].Properties;
    const actionRefs = [
      stack.customActions.approveAction,
      stack.customActions.rejectAction,
      stack.customActions.remediateNowAction,
    ].map((action) => ({ Ref: logicalId(stack, action) }));
    expect(rule.EventPattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Custom Action'],
      resources: actionRefs,
    });
    expect(rule.EventPattern).toEqual(
      stack.resolve(buildCustomActionEventPattern(Object.values(stack.customActions.actionArns))),
    );
    expect(rule.Targets).toEqual([
      {
        Arn: { 'Fn::GetAtt': [ids.customAction, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
        Id: expect.any(String),
      },
    ]);
    // EventBridge may invoke the function for this rule only (and the sweeper for its schedule only)
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).map((permission) =>
      readable(permission.Properties),
    );
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: `${ids.sweeper}.Arn`,
        Principal: 'events.amazonaws.com',
        SourceArn: `${ids.sweeperSchedule}.Arn`,
      },
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: `${ids.customAction}.Arn`,
        Principal: 'events.amazonaws.com',
        SourceArn: `${ids.customActionRule}.Arn`,
      },
      // SNS may invoke the outcome recorder for the alert topic only
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: `${ids.recordOutcome}.Arn`,
        Principal: 'sns.amazonaws.com',
        SourceArn: `ref:${ids.topic}`,
      },
    ]);
  });

  it('alarms on failed, timed-out and aborted executions, undelivered findings, failed clicks, findings that never started and Lambda errors', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => ({
      metric: `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`,
      statistic: alarm.Properties.Statistic,
      period: alarm.Properties.Period,
      threshold: `${alarm.Properties.ComparisonOperator} ${alarm.Properties.Threshold}`,
      actions: alarm.Properties.AlarmActions,
    }));
    const toTopic = [{ Ref: ids.topic }];
    const gte1 = 'GreaterThanOrEqualToThreshold 1';
    const lambdaErrors = {
      metric: 'AWS/Lambda/Errors',
      statistic: 'Sum',
      period: 300,
      threshold: gte1,
      actions: toTopic,
    };
    expect(alarms).toEqual([
      // the stale-record sweeper's own alarm (its construct is made before the others')
      lambdaErrors,
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
      // the dead-letter queue, then the custom-action failure queue
      ...Array.from({ length: 2 }, () => ({
        metric: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        period: 300,
        threshold: gte1,
        actions: toTopic,
      })),
      // plan-remediation, report-failure, snapshot-notebook, verify-recreation, verify-resource,
      // snapshot-resource, change-resource, custom-action, plan-cleanup
      ...Array.from({ length: 9 }, () => lambdaErrors),
      // the finding buffer's dead-letter queue (findings that never started), then its starter
      {
        metric: 'AWS/SQS/ApproximateNumberOfMessagesVisible',
        statistic: 'Maximum',
        period: 300,
        threshold: gte1,
        actions: toTopic,
      },
      lambdaErrors,
      // record-outcome
      lambdaErrors,
    ]);
    const functionsAlarmedOn = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm) => alarm.Properties.MetricName === 'Errors')
      .map((alarm) => (alarm.Properties.Dimensions as Array<{ Value: { Ref: string } }>)[0]?.Value.Ref);
    expect(functionsAlarmedOn).toEqual([
      ids.sweeper,
      ids.plan,
      ids.report,
      ids.snapshot,
      ids.verify,
      ids.verifyResource,
      ids.snapshotResource,
      ids.changeResource,
      ids.customAction,
      ids.planCleanup,
      ids.startRemediation,
      ids.recordOutcome,
    ]);
    // And no function of the stack goes without one, but member-api-call: its errors are the
    // integration's answers it passes on (a notebook already deleted), which the state machine handles
    expect([...functionsAlarmedOn, ids.memberApiCall].sort()).toEqual(
      Object.keys(template.findResources('AWS::Lambda::Function')).sort(),
    );
    // And stack.alarms is every alarm of the template
    expect(stack.alarms.map((alarm) => logicalId(stack, alarm)).sort()).toEqual(
      Object.keys(template.findResources('AWS::CloudWatch::Alarm')).sort(),
    );
    const queuesAlarmedOn = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .filter((alarm) => alarm.Properties.Namespace === 'AWS/SQS')
      .map((alarm) => readable(alarm.Properties.Dimensions));
    expect(queuesAlarmedOn).toEqual([
      [{ Name: 'QueueName', Value: `${ids.queue}.QueueName` }],
      [{ Name: 'QueueName', Value: `${ids.failureQueue}.QueueName` }],
      [{ Name: 'QueueName', Value: `${ids.findingQueueDeadLetters}.QueueName` }],
    ]);
  });

  it('outputs the state machine ARN, the topic ARN, the lock and approval tables, the snapshot bucket and the failure queue', () => {
    expect(template.toJSON().Outputs).toMatchObject({
      CustomActionFailureQueueUrl: { Value: { Ref: ids.failureQueue } },
      StateMachineArn: { Value: { Ref: ids.stateMachine } },
      AlertTopicArn: { Value: { Ref: ids.topic } },
      LockTableName: { Value: { Ref: ids.table } },
      ApprovalTableName: { Value: { Ref: ids.approvalTable } },
      NotebookBackupBucketName: { Value: { Ref: ids.bucket } },
    });
  });
});

describe('recreation resources (always deployed)', () => {
  it('deploys the snapshot bucket and the approval table with the stack key, and the three custom actions', () => {
    const resources = template.toJSON().Resources;
    expect(resources[ids.bucket as string].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [ids.key, 'Arn'] },
          },
        },
      ],
    });
    expect(resources[ids.approvalTable as string].Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] },
    });
    expect(
      Object.values(template.findResources('AWS::SecurityHub::ActionTarget')).map(
        (action) => action.Properties.Id,
      ),
    ).toEqual(['ApprovePlan', 'RejectPlan', 'RemediateNow']);
  });

  it('Given the administrator stack, Then it deploys no lifecycle configuration: a notebook is backed up and restored by the member stack of its own account and Region', () => {
    template.resourceCountIs('AWS::SageMaker::NotebookInstanceLifecycleConfig', 0);
  });
});

describe('configuration reaches the stack', () => {
  it('a control switched off leaves the rule, a retention override reaches every log group', () => {
    // Given SageMaker.1 off and 30-day retention
    const customStack = buildStack(
      { modes: { 'SageMaker.1': 'off' }, logRetentionDays: 30 },
      appWithoutBundling(),
    );
    const custom = Template.fromStack(customStack);

    // Then
    const rule = custom.toJSON().Resources[logicalId(customStack, customStack.findingRule)];
    expect(rule?.Properties.EventPattern.detail.findings.Compliance.SecurityControlId).toEqual(
      CONTROL_IDS.filter((id) => id !== 'SageMaker.1'),
    );
    const logGroups = Object.values(custom.findResources('AWS::Logs::LogGroup'));
    // The functions' (the finding buffer's starter included) and the state machine's
    expect(logGroups).toHaveLength(14);
    for (const logGroup of logGroups) {
      expect(logGroup.Properties.RetentionInDays).toBe(30);
    }
    // And the custom-action Lambda judges Remediate now clicks by the same modes
    const customAction = custom.toJSON().Resources[logicalId(customStack, customStack.customActionFunction)];
    expect(
      readable(customAction.Properties.Environment.Variables[CUSTOM_ACTION_SETTINGS_VARIABLE]),
    ).toContain('"SageMaker.1":"off"');
  });

  it('an invalid configuration handed to the stack directly fails synthesis with every error', () => {
    expect(() =>
      buildStack({ modes: { 'SageMaker.1': 'auto' }, logRetentionDays: 2 }, appWithoutBundling()),
    ).toThrow(/Invalid remediation configuration:\n- modes\.SageMaker\.1: .*\n- logRetentionDays: /);
  });
});
