import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../stacks/configuration.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { allAcknowledgementsIn } from './construct-harness.js';
import {
  appWithoutBundling,
  buildStack,
  inlinePolicies,
  logicalId,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

let app: App;
let stack: SageMakerRemediationStack;
let synthesisError: unknown;
let reportDirectory: string | undefined;

beforeAll(() => {
  // Given the app as bin/app.ts builds it: the stack plus the AWS Solutions pack as a validation plugin
  app = new App();
  stack = buildStack({ alertEmails: ['secops@example.com'] }, app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  // When it is synthesised (an unacknowledged error-level finding makes this throw)
  try {
    reportDirectory = app.synth().directory;
  } catch (error) {
    synthesisError = error;
  }
});

/** The ARN types the approval-gated resource engines change or watch (an endpoint while it is updated). */
const ENGINE_ARN_TYPES = [
  'data-quality-job-definition',
  'endpoint',
  'endpoint-config',
  'inference-experiment',
  'model',
  'model-bias-job-definition',
  'model-explainability-job-definition',
  'model-quality-job-definition',
  'monitoring-schedule',
];

/** The ARN types of the kinds beside notebooks whose controls are in scope by default. */
const OBSERVED_ARN_TYPES = [
  'app-image-config',
  'data-quality-job-definition',
  'endpoint-config',
  'feature-group',
  'image',
  'inference-experiment',
  'model',
  'model-bias-job-definition',
  'model-explainability-job-definition',
  'model-quality-job-definition',
  'monitoring-schedule',
];

describe('cdk-nag AWS Solutions checks', () => {
  it('synthesis passes the validation plugins; the only report is the ActionTarget region warning', () => {
    // Then synth did not throw
    expect(synthesisError).toBeUndefined();
    const report = JSON.parse(
      readFileSync(join(reportDirectory as string, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: Array<{
        pluginName: string;
        conclusion: string;
        violations: Array<{
          ruleName: string;
          description: string;
          severity: string;
          violatingConstructs: Array<{ constructPath: string }>;
        }>;
      }>;
    };

    // And cdk-nag reports nothing. The one tolerated report: CDK's own CloudFormation validator (on by
    // default) warns that its bundled region data lacks AWS::SecurityHub::ActionTarget in eu-west-1.
    // It is a warning (conclusion success: synth and `cdk synth` pass; only the feature flag
    // @aws-cdk/core:validateAgainstDefaultRules would make it an error), it names exactly the three
    // custom actions, and no other rule, severity, resource type or construct is accepted here.
    // Whether CloudFormation really lacks the type there is checked at deploy time (or with
    // `aws cloudformation describe-type --type RESOURCE --type-name AWS::SecurityHub::ActionTarget`).
    expect(
      report.pluginReports.map(({ pluginName, conclusion, violations }) => ({
        pluginName,
        conclusion,
        violations: violations.map(({ ruleName, description, severity, violatingConstructs }) => ({
          ruleName,
          description,
          severity,
          constructs: violatingConstructs.map(({ constructPath }) => constructPath).sort(),
        })),
      })),
    ).toEqual([
      {
        pluginName: 'CloudFormation Validate',
        conclusion: 'success',
        violations: [
          {
            ruleName: 'F3006',
            description: `Type: Resource type 'AWS::SecurityHub::ActionTarget' does not exist in '${TEST_REGION}'`,
            severity: 'warning',
            constructs: ['ApproveAction', 'RejectAction', 'RemediateNowAction'].map(
              (action) => `SageMakerRemediation/CustomActions/${action}`,
            ),
          },
        ],
      },
    ]);
  });

  it('reports no unacknowledged finding at all, warnings included', () => {
    // When the pack is run directly over the tree (this also returns warning-level findings)
    const { violations } = new AwsSolutionsChecks().validateScope(app);

    // Then there is nothing
    expect(violations.map((violation) => `${violation.ruleName}: ${violation.description}`)).toEqual([]);
  });

  it('acknowledges only the findings that cannot be fixed, each on the construct concerned, with a real reason', () => {
    const acknowledgements = allAcknowledgementsIn(stack);
    const wildcard = (arn: string) => `AwsSolutions-IAM5[Resource::${arn}]`;
    const sagemaker = (resource: string) =>
      wildcard(`arn:<AWS::Partition>:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:${resource}/*`);
    const ec2 = (resource: string) =>
      wildcard(`arn:<AWS::Partition>:ec2:${TEST_REGION}:${TEST_ACCOUNT}:${resource}/*`);
    const notebookWildcard = sagemaker('notebook-instance');
    const accountRoles = wildcard(`arn:<AWS::Partition>:iam::${TEST_ACCOUNT}:role/*`);
    const bucketId = stack.getLogicalId(stack.notebookBackups.bucket.node.defaultChild as CfnElement);
    const snapshotObjects = wildcard(`<${bucketId}.Arn>/roles/*`);
    const resourceSnapshots = wildcard(`<${bucketId}.Arn>/resources/*`);
    const xray = 'AwsSolutions-IAM5[Resource::*]';
    const secrets = (name: string) =>
      wildcard(`arn:<AWS::Partition>:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:*${name}*`);
    // This state machine's executions: only known at run time to the functions that ask about them
    const stateMachineId = logicalId(stack, stack.stateMachine);
    const executions = wildcard(
      `arn:<AWS::Partition>:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:<${stateMachineId}.Name>:*`,
    );
    // The restore operator's policy (restore-operator-policy.ts) is pinned by its own tests
    const restoreOperator = `${stack.node.path}/RestoreOperator/`;

    // The resource engines' kinds, derived from the control modules: checked below, by their reasons.
    const engineKinds = new RegExp(
      `^SageMakerRemediation/(Functions/(SnapshotResource|ChangeResource|VerifyResource)Role|Workflow/StateMachineRole) AwsSolutions-IAM5\\[Resource::(arn:<AWS::Partition>:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:(${ENGINE_ARN_TYPES.join('|')})/\\*)\\]$`,
    );
    const engineAcknowledgements = acknowledgements.filter(({ path, id }) =>
      engineKinds.test(`${path} ${id}`),
    );
    for (const { id, reason } of engineAcknowledgements) {
      expect(reason, id).toMatch(/only known at run time|support no resource-level permissions/);
    }
    expect(
      acknowledgements
        .filter(({ path }) => !path.startsWith(restoreOperator))
        .filter((acknowledgement) => !engineAcknowledgements.includes(acknowledgement))
        .map(({ path, id }) => `${path} ${id}`)
        .sort(),
    ).toEqual(
      [
        `SageMakerRemediation/Functions/PlanRemediationRole ${notebookWildcard}`,
        // The resources beside notebooks a finding may name, read-only (derived from the control modules)
        ...[...OBSERVED_ARN_TYPES, 'endpoint'].map(
          (arnType) => `SageMakerRemediation/Functions/PlanRemediationRole ${sagemaker(arnType)}`,
        ),
        `SageMakerRemediation/Functions/PlanRemediationRole ${xray}`,
        `SageMakerRemediation/Functions/ReportFailureRole ${xray}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${notebookWildcard}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${sagemaker('notebook-instance-lifecycle-config')}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${sagemaker('code-repository')}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${accountRoles}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${snapshotObjects}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${xray}`,
        `SageMakerRemediation/Functions/VerifyRecreationRole ${notebookWildcard}`,
        `SageMakerRemediation/Functions/VerifyRecreationRole ${snapshotObjects}`,
        `SageMakerRemediation/Functions/VerifyRecreationRole ${xray}`,
        `SageMakerRemediation/Functions/VerifyResourceRole ${xray}`,
        // The approval-gated change of a monitoring schedule (SageMaker.14/.22, approval by default)
        `SageMakerRemediation/Functions/SnapshotResourceRole ${resourceSnapshots}`,
        `SageMakerRemediation/Functions/SnapshotResourceRole ${xray}`,
        `SageMakerRemediation/Functions/ChangeResourceRole ${resourceSnapshots}`,
        `SageMakerRemediation/Functions/ChangeResourceRole ${accountRoles}`,
        `SageMakerRemediation/Functions/ChangeResourceRole ${xray}`,
        `SageMakerRemediation/Functions/CustomActionRole ${xray}`,
        // DescribeExecution of a lock's or plan's holder (plan-remediation, snapshot-notebook)
        `SageMakerRemediation/Functions/LockTakeoverPermissions ${executions}`,
        `SageMakerRemediation/ExecutionCleanup/PlanCleanupRole ${notebookWildcard}`,
        `SageMakerRemediation/ExecutionCleanup/PlanCleanupRole ${xray}`,
        `SageMakerRemediation/ExecutionCleanup/ReadExecutionHistory ${executions}`,
        `SageMakerRemediation/StaleRecordSweeper/SweepStaleRecordsRole ${executions}`,
        `SageMakerRemediation/StaleRecordSweeper/SweepStaleRecordsRole ${xray}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${notebookWildcard}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${snapshotObjects}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${accountRoles}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${ec2('network-interface')}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${ec2('subnet')}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${ec2('security-group')}`,
        'SageMakerRemediation/Workflow/StateMachineRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:eu-west-1:123456789012:key/*]',
        ...['sagemaker', 'SageMaker', 'Sagemaker'].map(
          (name) => `SageMakerRemediation/Workflow/StateMachineRole ${secrets(name)}`,
        ),
        `SageMakerRemediation/Workflow/StateMachineRole ${xray}`,
        'SageMakerRemediation/FindingIntake/FindingRuleDeadLetterQueue AwsSolutions-SQS3',
        'SageMakerRemediation/Functions/CustomActionFailureQueue AwsSolutions-SQS3',
        'SageMakerRemediation/NotebookBackups/AccessLogs AwsSolutions-S1',
      ].sort(),
    );
    for (const { id, reason } of acknowledgements) {
      expect(reason.length, `reason for ${id}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('Given a role acknowledged for Resource::*, Then the reason names every action its own statements allow on "*"', () => {
    // Given each role's inline statements (CDK's X-Ray and log-delivery statements are attached ones)
    const template = Template.fromStack(stack);
    const roles = [
      stack.planRemediationFunction.role,
      stack.reportFailureFunction.role,
      stack.snapshotNotebookFunction.role,
      stack.verifyRecreationFunction.role,
      stack.functions.snapshotResource.role,
      stack.functions.changeResource.role,
      stack.customActionFunction.role,
      stack.executionCleanup.planCleanup.role,
      stack.staleRecordSweeper.sweeper.role,
      stack.stateMachineRole,
    ];
    const named: Record<string, string[]> = {};
    for (const role of roles) {
      if (!role) throw new Error('a function without a role');
      const reason = allAcknowledgementsIn(role).find(
        ({ id }) => id === 'AwsSolutions-IAM5[Resource::*]',
      )?.reason;
      const everywhere = Object.values(inlinePolicies(template, logicalId(stack, role)))
        .flat()
        .filter(({ Effect, Resource }) => Effect === 'Allow' && Resource.includes('*'))
        .flatMap(({ Action }) => Action);

      // When the reason is searched for each action's name
      named[role.node.path] = everywhere.filter(
        (action) => !reason?.includes(action.split(':')[1] as string),
      );
    }

    // Then none is missing, and these are the ones there are
    expect(Object.values(named).flat()).toEqual([]);
    expect(
      roles.map((role) =>
        Object.values(inlinePolicies(template, logicalId(stack, role as IConstruct)))
          .flat()
          .filter(({ Effect, Resource }) => Effect === 'Allow' && Resource.includes('*'))
          .flatMap(({ Action }) => Action)
          .sort(),
      ),
    ).toEqual([
      // plan-remediation lists what a change also touches (the schedules of a definition, the endpoints of a configuration)
      ['sagemaker:ListEndpointConfigs', 'sagemaker:ListEndpoints', 'sagemaker:ListMonitoringSchedules'],
      [],
      [],
      [],
      ['sagemaker:ListEndpointConfigs', 'sagemaker:ListEndpoints', 'sagemaker:ListMonitoringSchedules'],
      [],
      ['states:SendTaskFailure', 'states:SendTaskSuccess'],
      [],
      [],
      [
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'sagemaker:ListMonitoringSchedules',
      ],
    ]);
  });

  it('is also clean for an environment-agnostic stack, whose wildcard ARNs carry <AWS::Region> tokens', () => {
    // Given the stack as `npx cdk synth` builds it without credentials
    const agnostic = appWithoutBundling();
    new SageMakerRemediationStack(agnostic, 'SageMakerRemediation', { configuration: loadConfiguration({}) });

    // When / Then
    expect(new AwsSolutionsChecks().validateScope(agnostic).violations).toEqual([]);
  });

  it('an unacknowledged finding does fail synthesis (the check is not silently off)', () => {
    // Given an app with a queue that breaks AwsSolutions-SQS3 and SQS4
    const failing = new App();
    new Queue(new Stack(failing, 'Failing'), 'PlainQueue');
    Validations.of(failing).addPlugins(new AwsSolutionsChecks(failing));

    // When / Then synthesis throws, naming the rules
    expect(() => failing.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
