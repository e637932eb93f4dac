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
import { allAcknowledgementsIn, synthesizeKeepingReport } from './construct-harness.js';
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
    reportDirectory = synthesizeKeepingReport(app).directory;
  } catch (error) {
    synthesisError = error;
  }
});

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
    const memberRoles = wildcard(
      'arn:<AWS::Partition>:iam::*:role/sagemaker-remediation/SageMakerRemediationMember-*',
    );
    const bucketId = stack.getLogicalId(stack.notebookBackups.bucket.node.defaultChild as CfnElement);
    const resourceSnapshots = wildcard(`<${bucketId}.Arn>/resources/*`);
    const xray = 'AwsSolutions-IAM5[Resource::*]';
    // This state machine's executions: only known at run time to the functions that ask about them
    const stateMachineId = logicalId(stack, stack.stateMachine);
    const executions = wildcard(
      `arn:<AWS::Partition>:states:${TEST_REGION}:${TEST_ACCOUNT}:execution:<${stateMachineId}.Name>:*`,
    );
    // The restore and approval operators' policies (restore-operator-policy.ts,
    // approval-operator-policy.ts) are pinned by their own tests
    const restoreOperator = `${stack.node.path}/RestoreOperator/`;
    const approvalOperator = `${stack.node.path}/ApprovalOperator/`;

    expect(
      acknowledgements
        .filter(({ path }) => !path.startsWith(restoreOperator) && !path.startsWith(approvalOperator))
        .map(({ path, id }) => `${path} ${id}`)
        .sort(),
    ).toEqual(
      [
        // The member role of a finding's account and Region, which is what reads and changes its resource
        `SageMakerRemediation/Functions/PlanRemediationRole ${memberRoles}`,
        `SageMakerRemediation/Functions/PlanRemediationRole ${xray}`,
        `SageMakerRemediation/Functions/ReportFailureRole ${xray}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${memberRoles}`,
        `SageMakerRemediation/Functions/SnapshotNotebookRole ${xray}`,
        `SageMakerRemediation/Functions/VerifyRecreationRole ${memberRoles}`,
        `SageMakerRemediation/Functions/VerifyRecreationRole ${xray}`,
        `SageMakerRemediation/Functions/VerifyResourceRole ${memberRoles}`,
        `SageMakerRemediation/Functions/VerifyResourceRole ${xray}`,
        // The approval-gated change of a monitoring schedule (SageMaker.14/.22, approval by default)
        `SageMakerRemediation/Functions/SnapshotResourceRole ${memberRoles}`,
        `SageMakerRemediation/Functions/SnapshotResourceRole ${resourceSnapshots}`,
        `SageMakerRemediation/Functions/SnapshotResourceRole ${xray}`,
        `SageMakerRemediation/Functions/ChangeResourceRole ${memberRoles}`,
        `SageMakerRemediation/Functions/ChangeResourceRole ${resourceSnapshots}`,
        `SageMakerRemediation/Functions/ChangeResourceRole ${xray}`,
        // The member calls Step Functions cannot make (member-api-routing.ts)
        `SageMakerRemediation/Functions/MemberApiCallRole ${memberRoles}`,
        `SageMakerRemediation/Functions/MemberApiCallRole ${xray}`,
        `SageMakerRemediation/Functions/CustomActionRole ${xray}`,
        // DescribeExecution of a lock's or plan's holder (plan-remediation, snapshot-notebook)
        `SageMakerRemediation/Functions/LockTakeoverPermissions ${executions}`,
        `SageMakerRemediation/ExecutionCleanup/PlanCleanupRole ${memberRoles}`,
        `SageMakerRemediation/ExecutionCleanup/PlanCleanupRole ${xray}`,
        `SageMakerRemediation/ExecutionCleanup/ReadExecutionHistory ${executions}`,
        `SageMakerRemediation/StaleRecordSweeper/SweepStaleRecordsRole ${executions}`,
        `SageMakerRemediation/StaleRecordSweeper/SweepStaleRecordsRole ${xray}`,
        // DescribeExecution of the execution a RESOLVED alert names (stacks/outcome-recorder.ts)
        `SageMakerRemediation/OutcomeRecorder/RecordOutcomeRole ${executions}`,
        `SageMakerRemediation/OutcomeRecorder/RecordOutcomeRole ${xray}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${memberRoles}`,
        `SageMakerRemediation/Workflow/StateMachineRole ${xray}`,
        // The new Security Hub's hubv2 id is generated when it is enabled (BatchUpdateFindingsV2): the
        // state machine's notes, the planner's "joined" note and the sweeper's (ocsf-note-permissions.ts).
        'SageMakerRemediation/Workflow/StateMachineRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:eu-west-1:123456789012:hubv2/*]',
        'SageMakerRemediation/Functions/PlanRemediationRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:eu-west-1:123456789012:hubv2/*]',
        'SageMakerRemediation/StaleRecordSweeper/SweepStaleRecordsRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:securityhub:eu-west-1:123456789012:hubv2/*]',
        'SageMakerRemediation/FindingIntake/FindingRuleDeadLetterQueue AwsSolutions-SQS3',
        // DescribeExecution of the executions holding an account's slots (stacks/finding-buffer.ts)
        `SageMakerRemediation/FindingIntake/Buffer/StartRemediationRole ${executions}`,
        `SageMakerRemediation/FindingIntake/Buffer/StartRemediationRole ${xray}`,
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
      // (the SageMaker and EC2 calls without a resource type are the member role's: member-stack.test.ts)
      [],
      [],
      [],
      [],
      [],
      [],
      ['states:SendTaskFailure', 'states:SendTaskSuccess'],
      [],
      [],
      [],
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
