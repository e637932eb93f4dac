/**
 * The Step Functions limits the synthesised stack must respect, read from the template as it would be
 * deployed: each Task that invokes a Lambda function waits longer than the function may run, and an
 * approval window that would take an execution past the one-year limit is refused at synth.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { InlineCode, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_APPROVAL_TIMEOUT_DAYS } from '../../stacks/configuration.js';
import { LAMBDA_TASK_TIMEOUT_MARGIN_SECONDS } from '../../stacks/lambda-bundling.js';
import { RemediationWorkflow } from '../../stacks/remediation-workflow.js';
import { LAMBDA_INVOKE, taskStates } from '../../statemachines/amazon-states-language.js';
import {
  EXECUTION_TIMEOUT_SECONDS,
  MAX_STANDARD_EXECUTION_SECONDS,
} from '../../statemachines/remediation-definition.js';
import { appWithoutBundling, buildStack, logicalId, TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

const DAY = 24 * 60 * 60;

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('Task timeouts against Lambda timeouts', () => {
  let rows: Array<{ task: string; taskTimeout: unknown; functionTimeout: unknown }>;

  beforeAll(() => {
    // Given the stack as deployed (with required tags, so the resource engines are in it too): the
    // definition, its substitutions and the functions
    const stack = buildStack({ requiredTags: { owner: 'ml-platform' } }, appWithoutBundling());
    const resources = Template.fromStack(stack).toJSON().Resources as Record<
      string,
      { Properties: Record<string, unknown> }
    >;
    const stateMachine = resources[logicalId(stack, stack.stateMachine)]?.Properties as {
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, { 'Fn::GetAtt'?: [string, string] }>;
    };
    const definition = JSON.parse(stateMachine.DefinitionString);

    // When each lambda:invoke Task is paired with the function its FunctionName resolves to
    rows = taskStates(definition)
      .filter(([, task]) => task.Resource === LAMBDA_INVOKE)
      .map(([task, state]) => {
        const placeholder = /^\$\{(\w+)\}$/.exec(String(state.Parameters?.FunctionName))?.[1] as string;
        const [functionId] = stateMachine.DefinitionSubstitutions[placeholder]?.['Fn::GetAtt'] ?? [];
        return {
          task,
          taskTimeout: (state as { TimeoutSeconds?: number }).TimeoutSeconds,
          functionTimeout: resources[functionId as string]?.Properties.Timeout,
        };
      });
  });

  it('Given every Task that invokes a function, Then its TimeoutSeconds is longer than the function’s Timeout', () => {
    // Then a Task never gives up while its function still runs (and may still write)
    expect(rows.length).toBeGreaterThanOrEqual(12);
    for (const { task, taskTimeout, functionTimeout } of rows) {
      expect(typeof functionTimeout, task).toBe('number');
      expect(taskTimeout as number, task).toBeGreaterThan(functionTimeout as number);
    }
  });

  it('Given the Tasks, Then each waits its function’s Timeout plus the invocation margin, exactly', () => {
    const margin = LAMBDA_TASK_TIMEOUT_MARGIN_SECONDS;
    for (const { task, taskTimeout, functionTimeout } of rows) {
      expect(taskTimeout, task).toBe((functionTimeout as number) + margin);
    }
    // The notebook engines' and the shared resource states' own, with their functions' timeouts
    expect(rows.filter(({ task }) => CORE_TASKS.some(([name]) => name === task))).toEqual(
      CORE_TASKS.map(([task, seconds]) => ({
        task,
        taskTimeout: seconds + margin,
        functionTimeout: seconds,
      })),
    );
    expect(margin).toBeGreaterThan(0);
  });
});

/** The Lambda Tasks every deployment with the resource engines has, in definition order, with their functions' timeouts. */
const CORE_TASKS: ReadonlyArray<readonly [string, number]> = [
  // A clean-up's first step (plan-cleanup), then the remediation's own
  ['PlanCleanup', 60],
  ['PlanRemediation', 60],
  // The planning-failure alert is built by report-failure too (bounded below 256 KiB)
  ['AlertPlanningFailed', 10],
  ['ReportFailure', 10],
  // The two that had a Task timeout equal to their Lambda timeout
  ['PrepareRecreation', 120],
  ['VerifyRecreation', 300],
  // The resource engines' verification and failure report, snapshot, verification and roll-back
  ['VerifyResource', 30],
  ['ReportResourceFailure', 10],
  ['SnapshotResource', 60],
  ['VerifyChangedResource', 30],
  ['RollBackResourceChange', 60],
];

describe('the approval window against the one-year limit of a Standard execution', () => {
  it('Given approvalTimeoutDays one day past the longest window and another invalid key, When the stack is built, Then synthesis fails listing both', () => {
    // Given
    const days = MAX_APPROVAL_TIMEOUT_DAYS + 1;
    const timeout = EXECUTION_TIMEOUT_SECONDS + days * DAY;

    // When
    const message = errorOf(() =>
      buildStack({ recreate: { approvalTimeoutDays: days }, logRetentionDays: 2 }, appWithoutBundling()),
    );

    // Then
    expect(message.split('\n')).toEqual([
      'Invalid remediation configuration:',
      `- recreate.approvalTimeoutDays: ${days} days plus the ${EXECUTION_TIMEOUT_SECONDS} s work budget make a ${timeout} s execution timeout, more than the ${MAX_STANDARD_EXECUTION_SECONDS} s (one year) a Standard execution may run; at most ${MAX_APPROVAL_TIMEOUT_DAYS} days`,
      expect.stringMatching(/^- logRetentionDays: /),
    ]);
  });

  it('Given the workflow construct handed a window beyond the year directly, When built, Then it refuses it with the bound', () => {
    // Given the construct's resources, all under one key
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ConstructUnderTest', {
      env: { account: TEST_ACCOUNT, region: TEST_REGION },
    });
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const table = (id: string) =>
      new Table(stack, id, {
        partitionKey: { name: 'id', type: AttributeType.STRING },
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: key,
      });
    const fn = (id: string) =>
      new LambdaFunction(stack, id, {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: new InlineCode('exports.handler = async () => {};'),
      });
    const seconds = MAX_STANDARD_EXECUTION_SECONDS - EXECUTION_TIMEOUT_SECONDS + 1;

    // When / Then
    expect(
      () =>
        new RemediationWorkflow(stack, 'Workflow', {
          definitionOptions: { recreate: { approvalTimeoutSeconds: seconds } },
          functions: {
            planRemediation: fn('Plan'),
            reportFailure: fn('Report'),
            snapshotNotebook: fn('Snapshot'),
            verifyRecreation: fn('Verify'),
            planCleanup: fn('Cleanup'),
            verifyResource: fn('VerifyResource'),
            snapshotResource: fn('SnapshotResource'),
            changeResource: fn('ChangeResource'),
            memberApiCall: fn('MemberApiCall'),
          },
          alertTopic: new Topic(stack, 'Topic', { masterKey: key }),
          lockTable: table('Locks'),
          approvalTable: table('Approvals'),
          encryptionKey: key,
        }),
    ).toThrow(
      `Invalid RemediationWorkflow 'Workflow':\ndefinitionOptions.recreate.approvalTimeoutSeconds must be a whole number from 60 to ${seconds - 1}, not ${seconds}`,
    );
  });
});
