import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../stacks/configuration.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { appWithoutBundling, buildStack, TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded in the construct tree, as Validations.acknowledge stores them. */
function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

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

describe('cdk-nag AWS Solutions checks', () => {
  it('synthesis passes the validation plugin', () => {
    // Then synth did not throw, and the validation report lists no plugin failures
    expect(synthesisError).toBeUndefined();
    const report = JSON.parse(
      readFileSync(join(reportDirectory as string, 'validation-report.json'), 'utf8'),
    ) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
  });

  it('reports no unacknowledged finding at all, warnings included', () => {
    // When the pack is run directly over the tree (this also returns warning-level findings)
    const { violations } = new AwsSolutionsChecks().validateScope(app);

    // Then there is nothing
    expect(violations.map((violation) => `${violation.ruleName}: ${violation.description}`)).toEqual([]);
  });

  it('acknowledges only the findings that cannot be fixed, each on the construct concerned, with a real reason', () => {
    const acknowledgements = acknowledgementsIn(stack);
    const notebookWildcard = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance/*]`;

    expect(acknowledgements.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [
        `SageMakerRemediation/PlanRemediationRole ${notebookWildcard}`,
        'SageMakerRemediation/PlanRemediationRole AwsSolutions-IAM5[Resource::*]',
        'SageMakerRemediation/ReportFailureRole AwsSolutions-IAM5[Resource::*]',
        `SageMakerRemediation/StateMachineRole ${notebookWildcard}`,
        'SageMakerRemediation/StateMachineRole AwsSolutions-IAM5[Resource::*]',
        'SageMakerRemediation/FindingRuleDeadLetterQueue AwsSolutions-SQS3',
      ].sort(),
    );
    for (const { id, reason } of acknowledgements) {
      expect(reason.length, `reason for ${id}`).toBeGreaterThanOrEqual(40);
    }
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
