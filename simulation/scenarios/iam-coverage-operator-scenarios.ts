/**
 * The IAM coverage scenarios of what people and subscribers do beside the custom actions: plans decided
 * with bin/approvals.ts as a role holding only the stack's approval operator policy, and the outcome
 * recorder (handlers/record-outcome.ts) given the alerts as SNS would deliver them.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { createRecordOutcomeHandler, STATE_MACHINE_ARN_VARIABLE } from '../../handlers/record-outcome.js';
import type { StepFunctionsClient } from '../../handlers/shared/execution-status.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { notebookControlFinding } from '../account/sample-findings.js';
import { createApprovalOperator } from '../runner/approval-operator.js';
import {
  type CoverageScenario,
  check,
  NOTEBOOK,
  RECREATE_WITHOUT_DATA,
  type Stage,
  seedNotebook,
  statuses,
} from './iam-coverage-stage.js';

/** The notebook whose plan the approver rejects; NOTEBOOK's is approved. */
const REJECTED_NOTEBOOK = 'Iam-Notebook-Rejected';

/**
 * SNS's delivery of every alert published so far to the topic's Lambda subscriber, which LocalDeployment
 * does not run: each alert as one `Records[].Sns` notification, handled by the recorder's real code as
 * its execution role. What it recorded: alerts counted, and RESOLVED ones timed.
 */
async function deliverAlertsToOutcomeRecorder(
  stage: Stage,
): Promise<{ readonly counted: number; readonly timed: number }> {
  const { account, deployment } = stage;
  const recorder = deployment.deployedFunction('RecordOutcome');
  const handle = createRecordOutcomeHandler({
    sfn: deployment.stepFunctionsClient(
      deployment.functionCaller(recorder),
    ) as unknown as StepFunctionsClient,
    stateMachineArn: recorder.environment[STATE_MACHINE_ARN_VARIABLE] ?? '',
    emitMetrics: () => {},
    logger: silentLogger,
  });
  let counted = 0;
  let timed = 0;
  for (const alert of account.sns.messages(deployment.alertTopicArn)) {
    const result = await handle({
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            Type: 'Notification',
            Timestamp: alert.at.toISOString(),
            Message: alert.Message,
            MessageAttributes: Object.fromEntries(
              Object.entries(alert.MessageAttributes).map(([name, value]) => [
                name,
                { Type: value.DataType, Value: value.StringValue },
              ]),
            ),
          },
        },
      ],
    });
    counted += result.counted;
    timed += result.timed;
  }
  return { counted, timed };
}

export const OPERATOR_COVERAGE_SCENARIOS: readonly CoverageScenario[] = [
  {
    name: 'recreations decided with the approval CLI as a role with only its policy: one rejected, one approved; the alerts recorded',
    configuration: RECREATE_WITHOUT_DATA,
    async run(stage) {
      const { account, deployment } = stage;
      seedNotebook(stage);
      seedNotebook(stage, { name: REJECTED_NOTEBOOK });
      const approved = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: NOTEBOOK });
      const rejected = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: REJECTED_NOTEBOOK });
      deployment.importFinding(approved);
      deployment.importFinding(rejected);
      const operator = createApprovalOperator(deployment);
      const options = [
        '--table',
        deployment.settings.recreate?.approvalTableName ?? '',
        '--region',
        account.region,
      ];
      const decide = (verdict: string, finding: AwsSecurityFinding, ...more: string[]) =>
        operator.run([verdict, '--finding', finding.Id ?? '', ...more, ...options]);
      const decided = account.clock
        .sleep(10 * 60_000)
        .then(async () => [
          await operator.run(['list-pending', ...options]),
          await decide('reject', rejected, '--reason', 'the notebook is retired next week'),
          await decide('approve', approved),
        ]);
      const executions = await deployment.settle();
      const failed = (await decided).filter((run) => run.exitCode !== 0);
      check(failed.length === 0, `the approval CLI failed: ${failed.map((run) => run.err).join('\n')}`);
      check(
        statuses(executions) === 'SUCCEEDED, SUCCEEDED',
        `expected two successes, got ${statuses(executions)}`,
      );
      const directInternetAccess = (name: string) =>
        account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name }).DirectInternetAccess;
      check(directInternetAccess(NOTEBOOK) === 'Disabled', 'the approved notebook was not recreated');
      check(directInternetAccess(REJECTED_NOTEBOOK) === 'Enabled', 'the rejected notebook was changed');
      const recorded = await deliverAlertsToOutcomeRecorder(stage);
      check(
        recorded.counted > 0 && recorded.timed === 1,
        `expected the RESOLVED alert timed, got ${JSON.stringify(recorded)}`,
      );
    },
  },
];
