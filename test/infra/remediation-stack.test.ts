import { mkdtempSync, readFileSync } from 'node:fs';
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
import {
  backupOnStartScript,
  restoreOnCreateScript,
  toLifecycleContent,
} from '../../lifecycle/lifecycle-scripts.js';
import { MAX_APPROVAL_TIMEOUT_DAYS } from '../../stacks/configuration.js';
import { buildCustomActionEventPattern } from '../../stacks/custom-action-event-pattern.js';
import { BUNDLE_FILE_NAME, LAMBDA_HANDLERS, toEsbuildOptions } from '../../stacks/lambda-bundling.js';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { assertSubstitutionsMatch, WORKFLOW_STATUSES_WRITTEN } from '../../stacks/remediation-workflow.js';
import { placeholdersIn } from '../../statemachines/amazon-states-language.js';
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
    customAction: logicalId(stack, stack.customActionFunction),
    sweeper: logicalId(stack, stack.staleRecordSweeper.sweeper.fn),
    planCleanup: logicalId(stack, stack.executionCleanup.planCleanup.fn),
    planCleanupLogs: logicalId(stack, stack.executionCleanup.planCleanup.logGroup),
    sweeperLogs: logicalId(stack, stack.staleRecordSweeper.sweeper.logGroup),
    sweeperSchedule: logicalId(stack, stack.staleRecordSweeper.schedule),
    customActionLogs: logicalId(stack, stack.customActionLogGroup),
    customActionRole: logicalId(stack, stack.customActionFunction.role ?? stack),
    customActionRule: logicalId(stack, stack.customActionRule),
    approvalTable: logicalId(stack, stack.approvalTable.table),
    bucket: logicalId(stack, stack.notebookBackups.bucket),
    backupConfig: logicalId(stack, stack.backupLifecycleConfig),
    restoreConfig: logicalId(stack, stack.restoreLifecycleConfig),
    stateMachine: logicalId(stack, stack.stateMachine),
    stateMachineRole: logicalId(stack, stack.stateMachineRole),
    stateMachineLogs: logicalId(stack, stack.stateMachineLogGroup),
    queue: logicalId(stack, stack.deadLetterQueue),
    failureQueue: logicalId(stack, stack.customActionFailureQueue),
    rule: logicalId(stack, stack.findingRule),
    ruleRole: logicalId(stack, stack.findingRuleRole),
  });
});

const NOTEBOOKS = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance/*`;
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

    // Then the derived one is exactly one statement per service and table, plus the key per service
    expect(Object.keys(policies)).toEqual(['RemediationTasks', 'RecreationDependencies']);
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
        // The pre-flight check of the target subnet and security groups (no resource types)
        Sid: 'Ec2Tasks',
        Effect: 'Allow',
        Action: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets'],
        Resource: ['*'],
      },
      {
        // The pre-flight check of the target key (enabled?)
        Sid: 'KmsTasks',
        Effect: 'Allow',
        Action: ['kms:DescribeKey'],
        Resource: [`arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/*`],
      },
      {
        // The five functions the definition invokes, plan-cleanup (a clean-up's first step) included
        Sid: 'LambdaTasks',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        // With the approval-gated resource engines' functions, in the derivation's (sorted) order
        Resource: [
          `${ids.changeResource}.Arn`,
          `${ids.planCleanup}.Arn`,
          `${ids.plan}.Arn`,
          `${ids.report}.Arn`,
          `${ids.snapshot}.Arn`,
          `${ids.snapshotResource}.Arn`,
          `${ids.verify}.Arn`,
          `${ids.verifyResource}.Arn`,
        ],
      },
      {
        // The first KiB of a failure marker
        Sid: 'S3Tasks',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`${ids.bucket}.Arn/roles/*`],
      },
      {
        // The status markers (ListObjectsV2 KeyCount), under the notebook roles' prefixes only
        Sid: 'S3TasksStatusListing',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`${ids.bucket}.Arn`],
        Condition: { StringLike: { 's3:prefix': ['roles/*'] } },
      },
      {
        Sid: 'SagemakerTasks',
        Effect: 'Allow',
        Action: [
          'sagemaker:CreateNotebookInstance',
          'sagemaker:DeleteNotebookInstance',
          'sagemaker:DescribeNotebookInstance',
          'sagemaker:StartNotebookInstance',
          'sagemaker:StopNotebookInstance',
          'sagemaker:UpdateNotebookInstance',
        ],
        Resource: [NOTEBOOKS],
        Condition: {
          StringEqualsIfExists: {
            'sagemaker:RootAccess': 'Disabled',
            'sagemaker:DirectInternetAccess': 'Disabled',
          },
        },
      },
      // The resource engines' waits, each on the kind it watches (derived from the control modules)
      ...(
        [
          ['DescribeEndpoint', 'endpoint'],
          ['DescribeMonitoringSchedule', 'monitoring-schedule'],
        ] as const
      ).map(([operation, arnType]) => ({
        Sid: `SagemakerTasks${operation}`,
        Effect: 'Allow',
        Action: [`sagemaker:${operation}`],
        Resource: [`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:${arnType}/*`],
      })),
      {
        Sid: 'SagemakerTasksListMonitoringSchedules',
        Effect: 'Allow',
        Action: ['sagemaker:ListMonitoringSchedules'],
        Resource: ['*'],
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
      // The key through each service, for what its Tasks make that service do with it
      {
        Sid: 'KmsThroughDynamodb',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Sid: 'KmsThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `s3.${TEST_REGION}.amazonaws.com` } },
      },
      {
        Sid: 'KmsThroughSns',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `sns.${TEST_REGION}.amazonaws.com` } },
      },
    ]);
  });

  it('has exactly the statements its SageMaker calls need besides their own actions', () => {
    const ec2 = (resource: string) => `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:${resource}/*`;
    expect(inlinePolicies(template, ids.stateMachineRole as string).RecreationDependencies).toEqual([
      {
        // CreateNotebookInstance passes the notebook's own role (RoleArn)
        Sid: 'PassNotebookRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [`arn:aws:iam::${TEST_ACCOUNT}:role/*`],
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      },
      {
        // CreateNotebookInstance with Tags: tag on create only, never retagging an existing notebook
        Sid: 'TagNotebooksOnCreate',
        Effect: 'Allow',
        Action: ['sagemaker:AddTags'],
        Resource: [NOTEBOOKS],
        Condition: { StringEquals: { 'sagemaker:TaggingAction': 'CreateNotebookInstance' } },
      },
      {
        Sid: 'CreateNotebookNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface'],
        Resource: [ec2('network-interface'), ec2('subnet'), ec2('security-group')],
      },
      {
        // Create in a VPC needs the last three; Start also DescribeNetworkInterfaces
        Sid: 'DescribeNotebookNetwork',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        Resource: ['*'],
      },
      {
        // Create and Start of a notebook whose Git repository is backed by a secret read it as the
        // caller; SageMaker wants "sagemaker" in the name, IAM matches ARNs case-sensitively
        Sid: 'ReadNotebookRepositorySecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: ['sagemaker', 'SageMaker', 'Sagemaker'].map(
          (name) => `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:*${name}*`,
        ),
      },
      // A notebook that keeps its own key: grants only through SageMaker, only for AWS resources.
      {
        Sid: 'GrantExistingNotebookVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [`arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/*`],
        Condition: {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': `sagemaker.${TEST_REGION}.amazonaws.com` },
        },
      },
      {
        Sid: 'DescribeExistingNotebookVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:DescribeKey'],
        Resource: [`arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/*`],
        Condition: { StringEquals: { 'kms:ViaService': `sagemaker.${TEST_REGION}.amazonaws.com` } },
      },
      {
        // A request that omits DirectInternetAccess gets Enabled: the negated operator denies that too
        Sid: 'DenyInternetAccessOnCreate',
        Effect: 'Deny',
        Action: ['sagemaker:CreateNotebookInstance'],
        Resource: ['*'],
        Condition: { StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' } },
      },
      {
        Sid: 'DenyRootAccessOnCreate',
        Effect: 'Deny',
        Action: ['sagemaker:CreateNotebookInstance'],
        Resource: ['*'],
        Condition: { StringNotEquals: { 'sagemaker:RootAccess': 'Disabled' } },
      },
      {
        Sid: 'DeleteNotebookNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:DeleteNetworkInterface'],
        Resource: [ec2('network-interface')],
      },
    ]);
  });

  it('may let SageMaker use the configured volume keys of this account and region, and no other key', () => {
    // Given a key id for this account and region, and a key ARN for another account
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const foreignKey = 'arn:aws:kms:eu-west-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
    const configured = buildStack(
      {
        recreate: {
          targets: [
            {
              account: TEST_ACCOUNT,
              region: TEST_REGION,
              subnetId: 'subnet-0123456789abcdef0',
              securityGroupIds: ['sg-0123456789abcdef0'],
              kmsKeyId: keyId,
            },
            { account: '111122223333', region: TEST_REGION, kmsKeyId: foreignKey },
          ],
        },
      },
      appWithoutBundling(),
    );
    const statements = inlinePolicies(
      Template.fromStack(configured),
      logicalId(configured, configured.stateMachineRole),
    ).RecreationDependencies;

    // Then the own key, completed to an ARN, may be granted to SageMaker (for AWS resources only) and described
    const ownKey = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/${keyId}`;
    expect(statements?.slice(-2)).toEqual([
      {
        Sid: 'GrantNotebookVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [ownKey],
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      { Sid: 'DescribeNotebookVolumeKeys', Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: [ownKey] },
    ]);
    expect(JSON.stringify(statements)).not.toContain('111122223333');
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

/** The kinds beside notebooks whose controls are in scope by default, by Describe call (sorted by it). */
const OBSERVED_KINDS: ReadonlyArray<readonly [string, string]> = [
  ['DescribeAppImageConfig', 'app-image-config'],
  ['DescribeDataQualityJobDefinition', 'data-quality-job-definition'],
  ['DescribeEndpointConfig', 'endpoint-config'],
  ['DescribeFeatureGroup', 'feature-group'],
  ['DescribeImage', 'image'],
  ['DescribeInferenceExperiment', 'inference-experiment'],
  ['DescribeModel', 'model'],
  ['DescribeModelBiasJobDefinition', 'model-bias-job-definition'],
  ['DescribeModelExplainabilityJobDefinition', 'model-explainability-job-definition'],
  ['DescribeModelQualityJobDefinition', 'model-quality-job-definition'],
  ['DescribeMonitoringSchedule', 'monitoring-schedule'],
];

/** What plan-remediation reads beside notebooks, by action (sorted), and on which ARN type ("*": no type). */
const PLANNER_READS: ReadonlyArray<readonly [string, string]> = [
  ...OBSERVED_KINDS.slice(0, 2),
  ['DescribeEndpoint', 'endpoint'],
  ...OBSERVED_KINDS.slice(2),
  ['ListEndpointConfigs', '*'],
  ['ListEndpoints', '*'],
  ['ListMonitoringSchedules', '*'],
];

describe('IAM: Lambda roles', () => {
  it('plan-remediation may write its own logs, read notebooks and tags, take and release locks, record and join plans, and note a finding that joins one', () => {
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
          // Item calls make DynamoDB decrypt the table key as the caller
          Sid: 'TablesKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [`${ids.key}.Arn`],
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
        },
        // Derived from the control modules: each in-scope kind's Describe (an endpoint's too: what a change
        // of its configuration or model also touches), the List calls of those reads, the tags of every kind
        ...PLANNER_READS.map(([operation, resource]) => ({
          Sid: `ObserveResources${operation}`,
          Effect: 'Allow',
          Action: [`sagemaker:${operation}`],
          Resource: [
            resource === '*' ? '*' : `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:${resource}/*`,
          ],
        })),
        {
          Sid: 'ObserveResourcesListTags',
          Effect: 'Allow',
          Action: ['sagemaker:ListTags'],
          Resource: OBSERVED_KINDS.map(
            ([, arnType]) => `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:${arnType}/*`,
          ).sort(),
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

  it('snapshot-notebook may describe notebooks, their lifecycle configs, repositories and roles, take the lock, and write snapshots', () => {
    expect(inlinePolicies(template, ids.snapshotRole as string)).toEqual({
      SnapshotNotebookPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.snapshotLogs}.Arn`],
        },
        {
          Sid: 'DescribeNotebooks',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeNotebookInstance', 'sagemaker:ListTags'],
          Resource: [NOTEBOOKS],
        },
        {
          Sid: 'ReadLifecycleConfigs',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeNotebookInstanceLifecycleConfig'],
          Resource: [`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance-lifecycle-config/*`],
        },
        {
          Sid: 'ReadCodeRepositories',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeCodeRepository'],
          Resource: [`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:code-repository/*`],
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
        {
          Sid: 'ReadNotebookRoleIds',
          Effect: 'Allow',
          Action: ['iam:GetRole'],
          Resource: [`arn:aws:iam::${TEST_ACCOUNT}:role/*`],
        },
      ],
    });
    // And, from NotebookBackupBucket.grantWorkflowAccess, the snapshot objects and the key through S3
    const bucketName = template.toJSON().Resources[ids.bucket as string].Properties.BucketName as string;
    expect(attachedPolicyStatements(template, ids.snapshotRole as string)).toEqual([
      XRAY_FOR_LAMBDA,
      {
        Sid: 'NotebookSnapshotObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`${ids.bucket}.Arn/roles/*`],
      },
      {
        // Unconditioned: a configuration.json not written yet reads as NoSuchKey, not AccessDenied
        Sid: 'NotebookSnapshotListing',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`${ids.bucket}.Arn`],
      },
      {
        Sid: 'NotebookSnapshotKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: {
          StringEquals: {
            'kms:ViaService': `s3.${TEST_REGION}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${bucketName}`,
          },
        },
      },
      DESCRIBE_LOCK_HOLDERS,
    ]);
  });

  it('verify-recreation may describe notebooks and read (never write) snapshots', () => {
    expect(inlinePolicies(template, ids.verifyRole as string)).toEqual({
      VerifyRecreationPermissions: [
        {
          Sid: 'WriteOwnLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${ids.verifyLogs}.Arn`],
        },
        {
          Sid: 'DescribeNotebooks',
          Effect: 'Allow',
          Action: ['sagemaker:DescribeNotebookInstance'],
          Resource: [NOTEBOOKS],
        },
        {
          Sid: 'ReadSnapshots',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [`${ids.bucket}.Arn/roles/*`],
        },
        {
          // Unconditioned: a manifest not written reads as NoSuchKey, not AccessDenied
          Sid: 'MissingObjectIsNoSuchKey',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [`${ids.bucket}.Arn`],
        },
        {
          Sid: 'SnapshotKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: [`${ids.key}.Arn`],
          Condition: {
            StringEquals: {
              'kms:ViaService': `s3.${TEST_REGION}.amazonaws.com`,
              'kms:EncryptionContext:aws:s3:arn': `${ids.bucket}.Arn`,
            },
          },
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

describe('IAM: finding rule role', () => {
  it('may only start executions of the remediation state machine', () => {
    expect(inlinePolicies(template, ids.ruleRole as string)).toEqual({});
    expect(attachedPolicyStatements(template, ids.ruleRole as string)).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [`ref:${ids.stateMachine}`] },
    ]);
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
      [RECREATE_PLACEHOLDERS.backupBucketName]: `ref:${ids.bucket}`,
      [RECREATE_PLACEHOLDERS.backupLifecycleConfigName]: `${ids.backupConfig}.NotebookInstanceLifecycleConfigName`,
      // The approval-gated resource engines' functions
      [PLACEHOLDERS.verifyResourceFunctionArn]: `${ids.verifyResource}.Arn`,
      [PLACEHOLDERS.snapshotResourceFunctionArn]: `${ids.snapshotResource}.Arn`,
      [PLACEHOLDERS.changeResourceFunctionArn]: `${ids.changeResource}.Arn`,
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
      'custom-action',
      'sweep-stale-records',
      'plan-cleanup',
    ]);
  });

  it('are bundled byte for byte as a direct esbuild call with toEsbuildOptions (what the benchmark runs)', async () => {
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
      'custom-action': ids.customAction,
      'sweep-stale-records': ids.sweeper,
      'plan-cleanup': ids.planCleanup,
    };
    for (const source of LAMBDA_HANDLERS) {
      const fnId = functionIds[source.name];
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

  it('plan-remediation gets REMEDIATION_SETTINGS with the recreate facts that pass the runtime schema once deployed', () => {
    // Given the environment variable as CloudFormation will resolve it
    const fn = template.toJSON().Resources[ids.plan as string].Properties;
    const text = deployedText(fn.Environment.Variables[SETTINGS_ENVIRONMENT_VARIABLE]);

    // When the Lambda parses it
    const settings = runtimeSettingsSchema.parse(JSON.parse(text));

    // Then it names this account, region, tables, bucket, lifecycle configurations and every control
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
        backupLifecycleConfigName: 'SageMakerRemediation-backup-on-start',
        restoreLifecycleConfigName: 'SageMakerRemediation-restore-on-create',
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
    [`${ids.backupConfig}.NotebookInstanceLifecycleConfigName`, 'SageMakerRemediation-backup-on-start'],
    [`${ids.restoreConfig}.NotebookInstanceLifecycleConfigName`, 'SageMakerRemediation-restore-on-create'],
    [`ref:${ids.stateMachine}`, `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:Remediation-1`],
    ...Object.entries(actionIds).map(([logical, id]): [string, string] => [
      `ref:${logical}`,
      `arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/${id}`,
    ]),
  ];
  for (const [from, to] of replacements) text = text.replaceAll(`"${from}"`, JSON.stringify(to));
  expect(text).not.toMatch(/"ref:|\.Arn"|NotebookInstanceLifecycleConfigName"/);
  return text;
}

describe('security settings', () => {
  it('the customer managed key rotates and is retained with the log groups it protects', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('the key policy lets CloudWatch Logs, alarm actions, EventBridge dead letters and notebook roles (S3) use the key', () => {
    const key = readable(template.toJSON().Resources[ids.key as string].Properties.KeyPolicy) as {
      Statement: Array<{ Sid?: string; Principal: Record<string, string> | string }>;
    };
    expect(key.Statement.map((statement) => [statement.Sid, statement.Principal])).toEqual([
      [undefined, { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }],
      ['AllowCloudWatchLogsLogGroups', { Service: `logs.${TEST_REGION}.amazonaws.com` }],
      ['AllowCloudWatchAlarmsToPublish', { Service: 'cloudwatch.amazonaws.com' }],
      ['AllowEventBridgeDeadLetters', { Service: 'events.amazonaws.com' }],
      // NotebookBackupBucket's statement: every role of the account, through S3 on the snapshot bucket only
      [expect.stringMatching(/^NotebookRolesViaS3/), { AWS: '*' }],
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
      [
        ids.planLogs,
        ids.reportLogs,
        ids.snapshotLogs,
        ids.verifyLogs,
        ids.verifyResourceLogs,
        ids.snapshotResourceLogs,
        ids.changeResourceLogs,
        ids.customActionLogs,
        ids.planCleanupLogs,
        ids.sweeperLogs,
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
      Object.values(template.findResources('AWS::SQS::QueuePolicy')).find(
        (policy) => policy.Properties.Queues[0].Ref === ids.queue,
      )?.Properties.PolicyDocument,
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
      {
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': `${ids.customActionRule}.Arn` } },
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: `${ids.queue}.Arn`,
        Sid: expect.any(String),
      },
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
    ]);
  });

  it('alarms on failed, timed-out and aborted executions, undelivered findings, failed clicks and Lambda errors', () => {
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
    ]);
    // And no function of the stack goes without one
    expect([...functionsAlarmedOn].sort()).toEqual(
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

  it('names the lifecycle configurations after the stack, within the SageMaker name rules', () => {
    const names = [ids.backupConfig, ids.restoreConfig].map(
      (id) => template.toJSON().Resources[id as string].Properties.NotebookInstanceLifecycleConfigName,
    );
    expect(names).toEqual(['SageMakerRemediation-backup-on-start', 'SageMakerRemediation-restore-on-create']);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
    }
  });

  it("deploys the backup script as OnStart and the restore script as OnCreate, each with the bucket's name as a deploy-time value", () => {
    const resources = template.toJSON().Resources;
    const cases = [
      { id: ids.backupConfig, hook: 'OnStart', absent: 'OnCreate', script: backupOnStartScript },
      { id: ids.restoreConfig, hook: 'OnCreate', absent: 'OnStart', script: restoreOnCreateScript },
    ];
    for (const { id, hook, absent, script } of cases) {
      const properties = resources[id as string].Properties;
      expect(properties[absent], `${id} ${absent}`).toBeUndefined();
      const hooks = properties[hook] as Array<{ Content: unknown }>;
      expect(hooks).toHaveLength(1);

      // Base64 is applied by CloudFormation to a join of the script around the bucket's Ref: encoding
      // the token's placeholder text at synthesis would bake that text into the notebook instead
      const content = hooks[0]?.Content as { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } };
      expect(Object.keys(content)).toEqual(['Fn::Base64']);
      const [separator, parts] = content['Fn::Base64']['Fn::Join'];
      expect(separator).toBe('');
      const bucketRefs = parts.filter((part) => typeof part !== 'string');
      expect(bucketRefs.length).toBeGreaterThan(0);
      for (const ref of bucketRefs) expect(ref).toEqual({ Ref: ids.bucket });

      // Once deployed, the content decodes to the script with the bucket's name
      const deployedName = 'sagemakerremediation-notebookbackups-123456789012-eu-west-1';
      const resolved = parts.map((part) => (typeof part === 'string' ? part : deployedName)).join('');
      expect(resolved).toBe(script(deployedName));
      expect(Buffer.from(toLifecycleContent(resolved), 'base64').toString('utf8')).toBe(resolved);
    }
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
    // Seven functions' and the state machine's
    expect(logGroups).toHaveLength(11);
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
