/**
 * The IAM coverage scenarios of what people and subscribers do beside the custom actions: plans decided
 * with bin/approvals.ts as a role holding only the stack's approval operator policy, notebooks brought
 * back with bin/restore-notebook.ts as a role holding only the stack's restore policies (directly, and
 * as the restore role the member stack deploys), and the outcome recorder (handlers/record-outcome.ts)
 * given the alerts as SNS would deliver them.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { createRecordOutcomeHandler, STATE_MACHINE_ARN_VARIABLE } from '../../handlers/record-outcome.js';
import type { StepFunctionsClient } from '../../handlers/shared/execution-status.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { customActionEvent, notebookControlFinding } from '../account/sample-findings.js';
import { createApprovalOperator } from '../runner/approval-operator.js';
import { createRestoreOperator, memberRestoreRoleArn } from '../runner/restore-operator.js';
import {
  type CoverageScenario,
  check,
  NOTEBOOK,
  RECREATE_INTO_KEY,
  RECREATE_WITHOUT_DATA,
  runRestoreTool,
  type Stage,
  seedNotebook,
  seedSecretRepository,
  statuses,
} from './iam-coverage-stage.js';

/** The notebook whose plan the approver rejects; NOTEBOOK's is approved. */
const REJECTED_NOTEBOOK = 'Iam-Notebook-Rejected';
/** The notebook restored as the member stack's restore role; NOTEBOOK's with the operator's own role. */
const ROLE_RESTORED_NOTEBOOK = 'Iam-Notebook-Role-Restored';

/**
 * Two notebooks (a VPC, a volume key, a secret-backed repository: every statement of the notebook
 * tool's policy) whose approved recreation deleted them and then failed for good; the restore tool run
 * on each note's command as the operator role holding only the stack's restore policies: NOTEBOOK's as
 * it is, the other's with --role-arn the restore role the member stack deploys in this account.
 */
const restoredAfterFailedCreate: CoverageScenario = {
  name: 'failure after the delete, then the restore tool as the operator role: directly, and as the restore role',
  configuration: RECREATE_INTO_KEY,
  async run(stage) {
    const { account, deployment } = stage;
    const repository = seedSecretRepository(stage);
    const names = [NOTEBOOK, ROLE_RESTORED_NOTEBOOK];
    const findings = names.map((name) => {
      seedNotebook(stage, { name, defaultCodeRepository: repository });
      const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: name });
      deployment.importFinding(finding);
      return finding;
    });
    account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateNotebookInstance',
      code: 'InternalFailure',
      times: 1000,
    });
    void account.clock.sleep(5 * 60_000).then(() => {
      const current = findings.map((finding) => account.securityHub.getFinding(finding.Id ?? '') ?? finding);
      account.bus.putEvent(customActionEvent(current, { actionId: deployment.customActionIds.approve }));
    });
    const executions = await deployment.settle();
    account.faults.reset();
    check(
      executions.filter((execution) => execution.status === 'FAILED').length === 2,
      `expected both recreations to fail, got ${statuses(executions)}`,
    );
    const commands = findings.map((finding) => {
      const note = account.securityHub.getFinding(finding.Id ?? '')?.Note?.Text ?? '';
      const command = /npx tsx bin\/restore-notebook\.ts (--snapshot \S+ --wait)/.exec(note)?.[1];
      check(command !== undefined, `no restore command in the note: ${note}`);
      return [...(command ?? '').split(' '), '--settings', 'planned'];
    });
    const operator = createRestoreOperator(deployment);
    const restoreRole = memberRestoreRoleArn(deployment, account);
    const [direct = [], asRole = []] = commands;
    await runRestoreTool(stage, direct, operator);
    await runRestoreTool(
      stage,
      [...asRole, '--account', account.accountId, '--region', account.region, '--role-arn', restoreRole],
      operator,
    );
    for (const name of names) {
      const status = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
      check(status.NotebookInstanceStatus === 'InService', `${name} was not restored`);
    }
  },
};

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
  restoredAfterFailedCreate,
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
