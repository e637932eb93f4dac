/**
 * The IAM coverage scenarios of the controls beside notebook instances: the planner's reads of every
 * kind, and each resource engine's calls. Resources come from failing-resources.ts, as in the control
 * test matrix.
 */

import {
  createResourceRestoreCommand,
  type ResourceRestoreDependencies,
} from '../../bin/restore-resource/command.js';
import { fixedDescription } from '../../handlers/shared/changes/fixed-description.js';
import { CONTROLS } from '../../handlers/shared/controls-catalogue.js';
import { customActionEvent, resourceControlFinding } from '../account/sample-findings.js';
import {
  createRestoreOperator,
  memberRestoreRoleArn,
  restoreRoleSessions,
} from '../runner/restore-operator.js';
import { seedFailingResource } from './failing-resources.js';
import { type CoverageScenario, check, type Stage, statuses } from './iam-coverage-stage.js';

/** One control of every kind beside notebooks (the first in the catalogue). */
const ONE_PER_KIND = CONTROLS.filter(
  (control, index) =>
    control.kind !== 'notebook-instance' &&
    CONTROLS.findIndex((other) => other.kind === control.kind) === index,
);

async function importFor(stage: Stage, controlIds: readonly string[]) {
  const findings = controlIds.map((controlId) => {
    seedFailingResource(stage.account, controlId, `Iam-${controlId.replace('.', '-')}`);
    return resourceControlFinding({ controlId, resourceName: `Iam-${controlId.replace('.', '-')}` });
  });
  for (const finding of findings) stage.deployment.importFinding(finding);
  const executions = await stage.deployment.settle();
  return { findings, executions };
}

const workflowStatusOf = (stage: Stage, id: string | undefined) =>
  stage.account.securityHub.getFinding(id ?? '')?.Workflow?.Status;

/** The data-capture key SageMaker.24 sets, seeded before the findings arrive. */
const CAPTURE_KEY_ID = '7e1d2c3b-4a5f-4e6d-8c7b-6a5f4e3d2c1b';
const CAPTURE_KEY = (account: string) => `arn:aws:kms:eu-west-1:${account}:key/${CAPTURE_KEY_ID}`;

/** One control of every kind an approval-gated engine changes (the first in the catalogue). */
const APPROVAL_ONE_PER_KIND = CONTROLS.filter(
  (control, index) =>
    control.kind !== 'notebook-instance' &&
    control.remediation?.modes[0] === 'approval' &&
    CONTROLS.findIndex(
      (other) => other.kind === control.kind && other.remediation?.modes[0] === 'approval',
    ) === index,
);

/** A failing resource of the control's kind, tagged, and served by an endpoint where its kind is served. */
function seedChangedKind(stage: Stage, controlId: string, name: string): void {
  const { account } = stage;
  const arn = seedFailingResource(account, controlId, name);
  // A tag to carry over: a Create with Tags also needs sagemaker:AddTags.
  account.sagemaker.addTags({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'ml' }] });
  const kind = CONTROLS.find((control) => control.id === controlId)?.kind;
  if (kind === 'endpoint-config') {
    account.sagemaker.inference.seedEndpoint({ name: `${name}-endpoint`, endpointConfigName: name });
  }
  if (kind === 'model') {
    account.sagemaker.inference.seedEndpointConfig({ name: `${name}-config`, modelName: name });
    account.sagemaker.inference.seedEndpoint({
      name: `${name}-endpoint`,
      endpointConfigName: `${name}-config`,
    });
  }
  if (kind === 'data-quality-job-definition') {
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: `${name}-schedule`,
      config: {
        ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
        MonitoringJobDefinitionName: name,
        MonitoringType: 'DataQuality',
      },
    });
  }
}

/**
 * An approved change of two resources of the control's kind (served by an endpoint where the kind is
 * served), then the restore tool run as the operator role on each snapshot: one with the operator's
 * own credentials, the other with --role-arn, as the restore role the member stack deploys in the
 * account (assumed with the stack's policies): the engine's Lambdas, the state machine's waits, and
 * for that kind both the operator policy's and the restore role's calls.
 */
function approvedChangeThenRestore(controlId: string): CoverageScenario {
  return {
    name: `${controlId}: an approved change, then its restore by the operator, directly and as the restore role`,
    configuration: () => ({ dataCaptureKmsKeyId: CAPTURE_KEY('111122223333') }),
    async run(stage) {
      const { account, deployment } = stage;
      account.kms.seedKey({ keyId: CAPTURE_KEY_ID });
      const direct = `Iam-${controlId.replace('.', '-')}`;
      const asRole = `${direct}-Role`;
      const findings = [direct, asRole].map((name) => {
        seedChangedKind(stage, controlId, name);
        const finding = resourceControlFinding({ controlId, resourceName: name });
        deployment.importFinding(finding);
        return finding;
      });
      void account.clock.sleep(5 * 60_000).then(() => {
        const current = findings.map(
          (finding) => account.securityHub.getFinding(finding.Id ?? '') ?? finding,
        );
        account.bus.putEvent(customActionEvent(current, { actionId: deployment.customActionIds.approve }));
      });
      const executions = await deployment.settle();
      for (const finding of findings) {
        check(workflowStatusOf(stage, finding.Id) === 'RESOLVED', `${controlId}: ${statuses(executions)}`);
      }
      const messages = account.sns.messages(deployment.alertTopicArn).map((message) => message.Message);
      const snapshotOf = (name: string) =>
        messages
          .map((message) => /--snapshot (s3:\/\/\S+)/.exec(message)?.[1])
          .find((uri) => uri?.includes(`/${name}/`));
      const operator = createRestoreOperator(deployment);
      const clients = account.sdkClients(operator);
      const output: string[] = [];
      const restore = (name: string, placement: readonly string[] = []) =>
        createResourceRestoreCommand({
          sagemaker: clients.sagemaker,
          s3: clients.s3 as unknown as ResourceRestoreDependencies['s3'],
          roleSessions: restoreRoleSessions(deployment, operator),
          now: () => account.clock.now(),
          print: (line) => output.push(line),
          printError: (line) => output.push(line),
          region: async () => account.region,
          account: async () => account.accountId,
        }).run(['--snapshot', snapshotOf(name) ?? '', ...placement]);
      const restoreRole = [
        '--account',
        account.accountId,
        '--region',
        account.region,
        '--role-arn',
        memberRestoreRoleArn(deployment, account),
      ];
      check(
        snapshotOf(direct) !== undefined && snapshotOf(asRole) !== undefined,
        `${controlId}: no restore command in the alerts`,
      );
      // Right after a change the resource may still be settling: the tool says to run it again, so it is
      // run again later (each step is idempotent), which also deletes what the first run had to leave.
      await restore(direct);
      await restore(asRole, restoreRole);
      await account.clock.sleep(30 * 60_000);
      const exitCodes = [await restore(direct), await restore(asRole, restoreRole)];
      check(
        exitCodes.every((code) => code === 0),
        `${controlId}: the restores did not end cleanly: ${output.join(' | ')}`,
      );
    },
  };
}

/** An approved plan for a resource someone fixed meanwhile: the snapshot step releases the lock it took. */
const fixedBeforeTheChange: CoverageScenario = {
  name: 'an approved plan for a schedule fixed meanwhile: nothing changed, the lock released',
  async run(stage) {
    const { account, deployment } = stage;
    const name = 'Iam-Fixed-Meanwhile';
    seedFailingResource(account, 'SageMaker.14', name);
    const finding = resourceControlFinding({ controlId: 'SageMaker.14', resourceName: name });
    deployment.importFinding(finding);
    void account.clock.sleep(5 * 60_000).then(async () => {
      const schedule = account.sagemaker.operations().DescribeMonitoringSchedule?.({
        MonitoringScheduleName: name,
      }) as { MonitoringScheduleConfig: Record<string, unknown> };
      const config = fixedDescription({ MonitoringScheduleConfig: schedule.MonitoringScheduleConfig }, [
        'SageMaker.14',
        'SageMaker.22',
      ]).MonitoringScheduleConfig;
      account.sagemaker.operations().UpdateMonitoringSchedule?.({
        MonitoringScheduleName: name,
        MonitoringScheduleConfig: config,
      });
      await account.clock.sleep(60_000);
      const current = account.securityHub.getFinding(finding.Id ?? '') ?? finding;
      account.bus.putEvent(customActionEvent([current], { actionId: deployment.customActionIds.approve }));
    });
    const executions = await deployment.settle();
    check(
      executions.some((execution) =>
        execution.transitions.some((step) => step.state === 'PrepareNothingChangedClosing'),
      ),
      `expected the approved plan to find nothing to change, got ${statuses(executions)}`,
    );
  },
};

export const RESOURCE_COVERAGE_SCENARIOS: readonly CoverageScenario[] = [
  fixedBeforeTheChange,
  ...APPROVAL_ONE_PER_KIND.map((control) => approvedChangeThenRestore(control.id)),
  {
    name: 'every kind beside notebooks is read before planning, and its finding told what to do',
    async run(stage) {
      const { findings, executions } = await importFor(
        stage,
        ONE_PER_KIND.map((control) => control.id),
      );
      check(
        executions.every((execution) => execution.status === 'SUCCEEDED'),
        `expected every planning to succeed, got ${statuses(executions)}`,
      );
      for (const finding of findings) {
        check(workflowStatusOf(stage, finding.Id) === 'NOTIFIED', `${finding.Id} was not told`);
      }
    },
  },
  {
    name: 'required tags added in place to an image and an app image configuration',
    configuration: () => ({ requiredTags: { owner: 'ml-platform' } }),
    async run(stage) {
      const { findings, executions } = await importFor(stage, ['SageMaker.6', 'SageMaker.7']);
      check(
        executions.every((execution) => execution.status === 'SUCCEEDED'),
        `expected two successes, got ${statuses(executions)}`,
      );
      for (const finding of findings) {
        check(workflowStatusOf(stage, finding.Id) === 'RESOLVED', `${finding.Id} was not resolved`);
      }
    },
  },
];
