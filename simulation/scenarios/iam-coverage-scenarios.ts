/**
 * The scenarios of the IAM coverage suite (iam-coverage.ts): together they use every grant the stack
 * makes that an API call can use. Each checks that it reached the outcome it is there for: a scenario
 * that went another way would leave grants unused for the wrong reason.
 */
import { ocsfControlFinding } from '../account/sample-ocsf-findings.js';
import { HANDLER_SDK_MAX_ATTEMPTS } from '../runner/local-deployment.js';
import { stopWhenSageMakerCalled } from '../runner/operator-stop.js';
import { OPERATOR_COVERAGE_SCENARIOS } from './iam-coverage-operator-scenarios.js';
import { RESOURCE_COVERAGE_SCENARIOS } from './iam-coverage-resource-scenarios.js';
import {
  APPROVAL,
  type CoverageScenario,
  changed,
  check,
  click,
  DATA_LOSS_ACCEPTED,
  finding,
  imported,
  NOTEBOOK,
  notebookNow,
  RECREATE,
  RECREATE_WITHOUT_DATA,
  type Stage,
  seedNotebook,
  seedSecretRepository,
  statuses,
  workflowStatus,
} from './iam-coverage-stage.js';

export const IAM_COVERAGE_SCENARIOS: readonly CoverageScenario[] = [
  ...RESOURCE_COVERAGE_SCENARIOS,
  ...OPERATOR_COVERAGE_SCENARIOS,
  {
    name: 'root access fixed in place: running, in a VPC, own volume key, secret-backed repository',
    async run(stage) {
      const { network } = stage;
      seedNotebook(stage, {
        directInternetAccess: 'Disabled',
        subnetId: network.subnetId,
        securityGroupIds: [network.securityGroupId],
        kmsKeyId: network.key.arn,
        defaultCodeRepository: seedSecretRepository(stage),
      });
      const executions = await imported(stage, ['SageMaker.3']);
      check(statuses(executions) === 'SUCCEEDED', `expected one success, got ${statuses(executions)}`);
      check(notebookNow(stage).RootAccess === 'Disabled', 'root access still enabled');
    },
  },
  {
    name: 'root access fixed in place: stopped, from an OCSF finding of the new Security Hub',
    async run(stage) {
      seedNotebook(stage, { status: 'Stopped' });
      const ocsf = ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: NOTEBOOK });
      stage.account.securityHub.ocsf.importFinding(ocsf);
      const executions = await stage.deployment.settle();
      check(statuses(executions) === 'SUCCEEDED', `expected one success, got ${statuses(executions)}`);
      // Written back with BatchUpdateFindingsV2: status_id 4 is Resolved.
      const resolved = stage.account.securityHub.ocsf.getFinding(ocsf.finding_info.uid)?.status_id;
      check(resolved === 4, `the OCSF finding was not resolved: status_id ${resolved}`);
    },
  },
  {
    name: 'root access: the update fails for good, the recovery restarts the notebook',
    async run(stage) {
      seedNotebook(stage);
      stage.account.faults.onNotebook(NOTEBOOK, {
        rejectUpdate: { code: 'ValidationException', message: 'no' },
      });
      const executions = await imported(stage, ['SageMaker.3']);
      check(executions[0]?.status === 'FAILED', `expected a failure, got ${statuses(executions)}`);
      check(notebookNow(stage).NotebookInstanceStatus === 'InService', 'the notebook was not restarted');
    },
  },
  {
    name: 'root access already disabled: resolved without a change, the lock given back',
    async run(stage) {
      seedNotebook(stage, { rootAccess: 'Disabled' });
      await imported(stage, ['SageMaker.3']);
      check(!changed(stage, 'StopNotebookInstance'), 'the notebook was changed');
      check(workflowStatus(stage, 'SageMaker.3') === 'RESOLVED', 'the finding was not resolved');
    },
  },
  {
    name: 'notify mode',
    configuration: () => ({ modes: { 'SageMaker.1': 'notify' } }),
    async run(stage) {
      seedNotebook(stage);
      const executions = await imported(stage, ['SageMaker.1']);
      check(statuses(executions) === 'SUCCEEDED', `expected one success, got ${statuses(executions)}`);
      check(workflowStatus(stage, 'SageMaker.1') === 'NOTIFIED', 'the finding was not notified');
    },
  },
  {
    name: 'exempt tag',
    async run(stage) {
      seedNotebook(stage, { tags: [{ Key: 'securityhub-remediation', Value: 'skip' }] });
      await imported(stage, ['SageMaker.3']);
      check(!changed(stage, 'StopNotebookInstance'), 'an exempt notebook was changed');
      check(workflowStatus(stage, 'SageMaker.3') === 'NOTIFIED', 'the finding was not notified');
    },
  },
  {
    name: 'recreation approved: SageMaker.1, .2 and .3 together, data, own lifecycle configuration and repository',
    configuration: RECREATE,
    async run(stage) {
      stage.account.sagemaker.seedLifecycleConfig({
        name: 'install-packages',
        onStart: '#!/bin/bash\necho ok\n',
      });
      stage.account.sagemaker.seedCodeRepository({
        name: 'shared-utils',
        repositoryUrl: 'https://github.com/example/shared-utils.git',
      });
      seedNotebook(stage, { lifecycleConfigName: 'install-packages', defaultCodeRepository: 'shared-utils' });
      const executions = await imported(
        stage,
        ['SageMaker.1', 'SageMaker.2', 'SageMaker.3'],
        [['approve', 30]],
      );
      check(
        statuses(executions) === 'SUCCEEDED, SUCCEEDED, SUCCEEDED',
        `expected three successes, got ${statuses(executions)}`,
      );
      check(changed(stage, 'CreateNotebookInstance'), 'the notebook was not recreated');
      check(workflowStatus(stage, 'SageMaker.1') === 'RESOLVED', 'the plan finding is not resolved');
    },
  },
  {
    name: 'recreation approved into a customer managed key (no copy), of a notebook in a VPC with its own key',
    configuration: (network) => ({
      modes: APPROVAL,
      recreate: {
        targets: [{ ...network.target, kmsKeyId: network.key.arn }],
        acceptDataLoss: DATA_LOSS_ACCEPTED,
      },
    }),
    async run(stage) {
      const { network } = stage;
      const ownKey = stage.account.kms.seedKey({ description: 'the old volume key' });
      seedNotebook(stage, {
        subnetId: network.subnetId,
        securityGroupIds: [network.securityGroupId],
        kmsKeyId: ownKey.arn,
      });
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(statuses(executions) === 'SUCCEEDED', `expected one success, got ${statuses(executions)}`);
      check(
        notebookNow(stage).KmsKeyId === network.key.arn,
        'the new notebook is not encrypted with the target key',
      );
    },
  },
  {
    name: "recreation approved with data loss accepted, into the stack's own private network",
    configuration: () => ({
      modes: APPROVAL,
      recreate: { createPrivateNetwork: true, acceptDataLoss: DATA_LOSS_ACCEPTED },
    }),
    async run(stage) {
      seedNotebook(stage);
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(statuses(executions) === 'SUCCEEDED', `expected one success, got ${statuses(executions)}`);
      check(Object.keys(stage.account.sagemaker.volumeFiles(NOTEBOOK)).length === 0, 'data was kept');
      const subnet = notebookNow(stage).SubnetId;
      check(
        subnet !== undefined && subnet !== stage.network.subnetId,
        `not in the stack's network: ${subnet}`,
      );
    },
  },
  {
    name: 'recreation rejected',
    configuration: RECREATE,
    async run(stage) {
      seedNotebook(stage);
      await imported(stage, ['SageMaker.1', 'SageMaker.2'], [['reject', 60]]);
      check(!changed(stage, 'StopNotebookInstance'), 'a rejected plan changed the notebook');
      check(
        /rejected/.test(
          stage.account.securityHub.getFinding(finding('SageMaker.2').Id ?? '')?.Note?.Text ?? '',
        ),
        'the sibling finding was not told',
      );
    },
  },
  {
    name: 'recreation expired',
    configuration: (network) => ({
      modes: APPROVAL,
      recreate: { targets: [network.target], approvalTimeoutDays: 1 },
    }),
    async run(stage) {
      seedNotebook(stage);
      const executions = await imported(stage, ['SageMaker.1']);
      check(
        executions[0]?.transitions.some((transition) => transition.state === 'PrepareExpiredClosing') ===
          true,
        'the plan did not expire',
      );
      // A late approval is answered on the finding itself.
      click(stage, 'approve', finding('SageMaker.1'), 10);
      await stage.deployment.settle();
      const note = stage.account.securityHub.getFinding(finding('SageMaker.1').Id ?? '')?.Note?.Text ?? '';
      check(/^(Nothing|Too late) to approve/.test(note), `the late approval was not answered: ${note}`);
    },
  },
  {
    name: 'the notebook is deleted while its plan waits: nothing to recreate at approval',
    configuration: RECREATE,
    async run(stage) {
      const { account } = stage;
      seedNotebook(stage, { status: 'Stopped' });
      void account.clock
        .sleep(2 * 60_000)
        .then(() => account.sagemaker.deleteNotebookInstance({ NotebookInstanceName: NOTEBOOK }));
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 30]]);
      check(
        executions[0]?.transitions.some(
          (transition) => transition.state === 'PrepareNothingChangedClosing',
        ) === true,
        `the recreation did not end as nothing changed: ${statuses(executions)}`,
      );
    },
  },
  {
    name: 'the backup fails on the instance: its failure reason is read from the marker',
    configuration: RECREATE,
    async run(stage) {
      seedNotebook(stage);
      stage.account.notebookHost.extraEnv.FAKE_AWS_FAIL_ON = 'data/archive.tar';
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(
        executions[0]?.error === 'DataBackupFailed',
        `expected DataBackupFailed, got ${statuses(executions)}`,
      );
      check(!changed(stage, 'DeleteNotebookInstance'), 'the notebook was deleted');
    },
  },
  {
    name: 'the snapshot is missing when read back: nothing is deleted',
    configuration: RECREATE,
    async run(stage) {
      const { account } = stage;
      seedNotebook(stage);
      // The first object read after the approval is the snapshot's read-back of configuration.json.
      void account.clock
        .sleep(4 * 60_000)
        .then(() => account.faults.failNext({ service: 'S3', operation: 'GetObject', code: 'NoSuchKey' }));
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(executions[0]?.status === 'FAILED', `expected a failure, got ${statuses(executions)}`);
      check(!changed(stage, 'StopNotebookInstance'), 'the notebook was changed');
    },
  },
  {
    name: 'the verification finds the snapshot missing after the create',
    configuration: RECREATE_WITHOUT_DATA,
    async run(stage) {
      const { account } = stage;
      seedNotebook(stage);
      // Once the new notebook is created, the next object read (the verification's) finds nothing.
      const check_ = account.faults.check.bind(account.faults);
      account.faults.check = (service, operation, input) => {
        if (service === 'SageMaker' && operation === 'CreateNotebookInstance') {
          account.faults.failNext({ service: 'S3', operation: 'GetObject', code: 'NoSuchKey' });
        }
        return check_(service, operation, input);
      };
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(executions[0]?.status === 'FAILED', `expected a failure, got ${statuses(executions)}`);
      check(changed(stage, 'CreateNotebookInstance'), 'the notebook was not recreated');
    },
  },
  {
    name: 'remediate now on a notified SageMaker.3',
    configuration: (network) => ({
      modes: { 'SageMaker.3': 'notify' },
      recreate: { targets: [network.target] },
    }),
    async run(stage) {
      seedNotebook(stage, { directInternetAccess: 'Disabled' });
      const executions = await imported(stage, ['SageMaker.3'], [['remediate-now', 10]]);
      check(
        statuses(executions) === 'SUCCEEDED, SUCCEEDED',
        `expected two successes, got ${statuses(executions)}`,
      );
      check(notebookNow(stage).RootAccess === 'Disabled', 'root access still enabled');
    },
  },
  {
    name: 'an approval click whose handling fails goes to the on-failure queue',
    configuration: (network) => ({
      modes: APPROVAL,
      recreate: { targets: [network.target], approvalTimeoutDays: 1 },
    }),
    async run(stage) {
      const { account, deployment } = stage;
      seedNotebook(stage);
      void account.clock.sleep(9 * 60_000).then(() =>
        account.faults.failNext({
          service: 'DynamoDB',
          operation: 'GetItem',
          code: 'InternalServerError',
          // Every try of the click: Lambda's three (the first and two asynchronous retries), each the
          // SDK's attempts (HANDLER_SDK_MAX_ATTEMPTS) before the handler sees the error.
          times: 3 * HANDLER_SDK_MAX_ATTEMPTS,
          resourceName: deployment.settings.recreate?.approvalTableName ?? '',
        }),
      );
      await imported(stage, ['SageMaker.1'], [['approve', 10]]);
      const outcome = deployment.asyncInvocations.map((invocation) => invocation.outcome).join(', ');
      check(outcome === 'DestinationDelivered', `expected the click in the queue, got ${outcome}`);
    },
  },
  {
    name: 'pre-flight failure: the target subnet is gone',
    configuration: RECREATE,
    async run(stage) {
      seedNotebook(stage);
      stage.account.ec2.removeSubnet(stage.network.subnetId);
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(
        executions[0]?.transitions.some(
          (transition) => transition.state === 'PrepareNothingChangedClosing',
        ) === true,
        `the pre-flight check did not stop the recreation: ${statuses(executions)}`,
      );
      check(!changed(stage, 'StopNotebookInstance'), 'the notebook was changed');
    },
  },
  {
    name: 'an operator stops a recreation as it starts the backup: the clean-up takes over and puts everything back',
    configuration: RECREATE,
    async run(stage) {
      seedNotebook(stage);
      stopWhenSageMakerCalled(stage.deployment, 'StartNotebookInstance');
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(
        statuses(executions) === 'ABORTED Operator, SUCCEEDED',
        `expected the stop and its clean-up, got ${statuses(executions)}`,
      );
      check(notebookNow(stage).NotebookInstanceStatus === 'InService', 'the notebook was not restarted');
      check(
        notebookNow(stage).NotebookInstanceLifecycleConfigName === undefined,
        'the backup lifecycle configuration is still attached',
      );
    },
  },
  {
    name: 'a lock and a waiting plan (with an OCSF finding that joined it) left by stopped executions whose clean-ups fail are swept',
    configuration: RECREATE,
    async run(stage) {
      seedNotebook(stage);
      // A recreation waits for approval; an OCSF finding of the notebook joins it (its note written by
      // the planner with BatchUpdateFindingsV2); the execution is stopped and its clean-up cannot take over.
      stage.deployment.importFinding(finding('SageMaker.1'));
      await stage.account.clock.sleep(60_000);
      const ocsf = ocsfControlFinding({ controlId: 'SageMaker.2', resourceName: NOTEBOOK });
      stage.account.securityHub.ocsf.importFinding(ocsf);
      await stage.account.clock.sleep(9 * 60_000);
      await stopWithFailingCleanUp(stage);
      // A root access fix is stopped while it plans, its lock taken; its clean-up fails the same way.
      stage.deployment.importFinding(finding('SageMaker.3'));
      await untilLocked(stage);
      await stopWithFailingCleanUp(stage);
      stage.account.clock.advance(stage.deployment.scheduledSweep.intervalSeconds * 1000);
      const sweep = await stage.deployment.runScheduledSweep();
      check(
        sweep.ok && sweep.locksCleared === 1 && sweep.plansCleared === 1,
        `expected one lock and one plan cleared, got ${JSON.stringify(sweep)}`,
      );
      // The sweeper told the OCSF finding of the plan with BatchUpdateFindingsV2.
      const comment = stage.account.securityHub.ocsf.getFinding(ocsf.finding_info.uid)?.comment ?? '';
      check(comment.startsWith('The recreation plan'), `the OCSF finding was not told: ${comment}`);
    },
  },
  {
    name: 'an approved recreation takes over the lock of a stopped execution whose clean-up failed',
    configuration: RECREATE,
    async run(stage) {
      seedNotebook(stage);
      stage.deployment.importFinding(finding('SageMaker.3'));
      await untilLocked(stage);
      await stopWithFailingCleanUp(stage);
      const executions = await imported(stage, ['SageMaker.1'], [['approve', 5]]);
      check(
        changed(stage, 'CreateNotebookInstance'),
        `the notebook was not recreated: ${statuses(executions)}`,
      );
    },
  },
];

/** Until the running execution's planning has taken the notebook's lock. */
async function untilLocked(stage: Stage): Promise<void> {
  const table = stage.deployment.settings.lockTableName;
  while (stage.account.dynamodb.scanTable(table).length === 0) await stage.account.clock.sleep(5);
}

/** Stops the running execution while DynamoDB refuses every UpdateItem, so its clean-up cannot take over. */
async function stopWithFailingCleanUp(stage: Stage): Promise<void> {
  const { account, deployment } = stage;
  const running = deployment.stateMachine.executions.find((run) => run.status === 'RUNNING');
  check(running !== undefined, 'no execution is running');
  account.faults.failNext({
    service: 'DynamoDB',
    operation: 'UpdateItem',
    code: 'InternalServerError',
    times: 10_000,
  });
  deployment.stateMachine.stop(running?.executionArn ?? '', 'Operator', 'stopped');
  await deployment.settle();
  account.faults.reset();
}
