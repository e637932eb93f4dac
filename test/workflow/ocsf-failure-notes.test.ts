/**
 * OCSF findings of the new Security Hub on the paths that go wrong, end to end against the deployed
 * template's policies: a failed remediation, a plan decided by a custom action or the approvals
 * command, and a lock or plan left behind that the scheduled sweep clears. Each time the OCSF finding
 * gets its note through BatchUpdateFindingsV2 (status_id and comment), whoever writes it: the state
 * machine's V2 twins, or a Lambda through handlers/shared/finding-notes.ts.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { EXIT_OK } from '../../bin/approvals/arguments.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';
import type { OcsfFindingRecord } from '../../simulation/account/security-hub-v2.js';
import { createApprovalOperator } from '../../simulation/runner/approval-operator.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { clickLater, findingsFor, givenExposedNotebook } from './recreation-fixtures.js';
import {
  alertOutcomes,
  changesMade,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  onlyExecution,
  statesOf,
} from './workflow-fixtures.js';

const ocsfFinding = (controlId: string): OcsfFindingRecord =>
  ocsfControlFinding({ controlId, resourceName: NOTEBOOK });

const ocsfNow = (deployment: LocalDeployment, finding: OcsfFindingRecord) =>
  deployment.account.securityHub.ocsf.getFinding(finding.finding_info.uid);

/** The identifiers of every BatchUpdateFindingsV2 call naming the finding, as made. */
function v2CallsFor(deployment: LocalDeployment, finding: OcsfFindingRecord) {
  return deployment.account
    .callsTo('SecurityHub', 'BatchUpdateFindingsV2')
    .filter((call) => JSON.stringify(call.input).includes(finding.finding_info.uid));
}

const v1CallsFor = (deployment: LocalDeployment, finding: OcsfFindingRecord) =>
  deployment.account
    .callsTo('SecurityHub', 'BatchUpdateFindings')
    .filter((call) => JSON.stringify(call.input).includes(finding.finding_info.uid));

/** A plan for the ASFF SageMaker.1 finding, which the OCSF SageMaker.2 finding of the notebook joins a minute later. */
function givenMixedPlan(deployment: LocalDeployment): { asff: AwsSecurityFinding; ocsf: OcsfFindingRecord } {
  const [asff] = findingsFor(['SageMaker.1']) as [AwsSecurityFinding];
  const ocsf = ocsfFinding('SageMaker.2');
  deployment.importFinding(asff);
  void deployment.account.clock
    .sleep(60_000)
    .then(() => deployment.account.securityHub.ocsf.importFinding(ocsf));
  return { asff, ocsf };
}

describe('a failed remediation of an OCSF finding', () => {
  it('Given a running notebook whose UpdateNotebookInstance is refused, When its OCSF SageMaker.3 finding is imported, Then the notebook runs again and the OCSF finding reads In Progress with the failure note ReportFailure worded, written with BatchUpdateFindingsV2 only', async () => {
    // Given
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Enabled' });
    deployment.account.faults.onNotebook(NOTEBOOK, {
      rejectUpdate: { code: 'ValidationException', message: 'Instance type not supported in this zone' },
    });
    const finding = ocsfFinding('SageMaker.3');

    // When
    deployment.account.securityHub.ocsf.importFinding(finding);
    const execution = onlyExecution(await deployment.settle());

    // Then the failure was handled as for an ASFF finding, its note through the V2 twin
    expect(execution.status).toBe('FAILED');
    expect(statesOf(execution)).toEqual(expect.arrayContaining(['ReportFailure', 'AnnotateFailureOcsf']));
    expect(statesOf(execution)).not.toContain('AnnotateFailure');
    expect(notebookNow(deployment)).toMatchObject({ NotebookInstanceStatus: 'InService' });
    const noted = ocsfNow(deployment, finding);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toMatch(
      new RegExp(
        `^Remediation of SageMaker\\.3 on notebook instance Research-Notebook failed\\. It was running before; the workflow restarted it and it is InService again\\. RootAccess is Enabled\\. Execution ${execution.name}\\. Error: ValidationException: Instance type not supported in this zone`,
      ),
    );
    expect(deployment.account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
    expect(alertOutcomes(deployment)).toEqual(['FAILED']);
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given a plan holding an ASFF and an OCSF finding approved with the custom action, When the create fails for good after the delete, Then both findings get the failure note with the restore command, each through the API of its format', async () => {
    // Given
    const { deployment } = givenExposedNotebook({
      modes: { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' },
    });
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateNotebookInstance',
      code: 'InternalFailure',
      times: 6,
    });
    const { asff, ocsf } = givenMixedPlan(deployment);

    // When the approver clicks Approve on the ASFF finding
    clickLater(deployment, 'approve', asff, 10);
    const executions = await deployment.settle();

    // Then the recreation failed after the delete
    expect(executions.map((execution) => execution.status)).toContain('FAILED');
    expect(deployment.account.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    const restore = /npx tsx bin\/restore-notebook\.ts --snapshot s3:\/\/\S+ --wait/;
    expect(findingNow(deployment, asff)).toMatchObject({ Workflow: { Status: 'NOTIFIED' } });
    expect(findingNow(deployment, asff).Note?.Text).toMatch(restore);
    const noted = ocsfNow(deployment, ocsf);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toBe(findingNow(deployment, asff).Note?.Text);
    expect(v1CallsFor(deployment, ocsf)).toEqual([]);
  });
});

describe('a custom action or the approvals command deciding a plan that holds an OCSF finding', () => {
  it('Given a plan holding an ASFF and an OCSF finding, When the approver clicks Reject on the ASFF finding, Then nothing changes and the OCSF finding reads In Progress with the rejection, written with BatchUpdateFindingsV2', async () => {
    // Given
    const { deployment } = givenExposedNotebook({
      modes: { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' },
    });
    const { asff, ocsf } = givenMixedPlan(deployment);

    // When
    clickLater(deployment, 'reject', asff, 10);
    await deployment.settle();

    // Then
    expect(changesMade(deployment)).toEqual([]);
    const noted = ocsfNow(deployment, ocsf);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toContain('was rejected');
    expect(noted?.comment).toBe(findingNow(deployment, asff).Note?.Text);
    expect(v2CallsFor(deployment, ocsf).at(-1)?.input).toMatchObject({ StatusId: 2 });
    expect(v1CallsFor(deployment, ocsf)).toEqual([]);
    expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'REJECTED']);
  });

  it('Given a plan holding an ASFF and an OCSF finding, When the approver rejects it with the approvals command naming the OCSF finding, Then both findings read the rejection, the OCSF one through BatchUpdateFindingsV2', async () => {
    // Given
    const { deployment } = givenExposedNotebook({
      modes: { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' },
    });
    const { asff, ocsf } = givenMixedPlan(deployment);
    const { settings } = deployment;

    // When, ten minutes later, as the approval operator
    const operator = createApprovalOperator(deployment);
    const rejected = deployment.account.clock
      .sleep(600_000)
      .then(() =>
        operator.run([
          'reject',
          '--finding',
          ocsf.finding_info.uid,
          '--table',
          settings.recreate?.approvalTableName ?? '',
          '--region',
          deployment.account.region,
          '--reason',
          'not this week',
        ]),
      );
    await deployment.settle();
    const run = await rejected;

    // Then
    expect(run.exitCode).toBe(EXIT_OK);
    expect(changesMade(deployment)).toEqual([]);
    const noted = ocsfNow(deployment, ocsf);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toContain('not this week');
    expect(findingNow(deployment, asff).Note?.Text).toBe(noted?.comment);
    expect(v1CallsFor(deployment, ocsf)).toEqual([]);
  });
});

/**
 * The operator stops the execution once `ready` holds, and DynamoDB refuses the clean-up's takeover
 * for as long as it tries: what the execution held is left for the scheduled sweep.
 */
async function whenStoppedAndCleanUpFails(deployment: LocalDeployment, ready: () => boolean): Promise<void> {
  while (!ready()) await deployment.account.clock.sleep(5);
  const running = deployment.stateMachine.executions.find((execution) => execution.status === 'RUNNING');
  if (!running) throw new Error('no execution is running');
  deployment.account.faults.failNext({
    service: 'DynamoDB',
    operation: 'UpdateItem',
    code: 'InternalServerError',
    times: 10_000,
  });
  deployment.stateMachine.stop(running.executionArn, 'Operator.Stop', 'Stopped from the console.');
  await deployment.settle();
  deployment.account.faults.reset();
}

/** The plan item's status, or undefined while there is none. */
function planStatus(deployment: LocalDeployment): string | undefined {
  const table = deployment.settings.recreate?.approvalTableName ?? '';
  return deployment.account.dynamodb.scanTable(table)[0]?.status?.S;
}

describe('the scheduled sweep clearing what an OCSF finding held', () => {
  it('Given the PENDING plan of an OCSF SageMaker.1 finding whose execution was stopped and whose clean-up failed, When the scheduled sweep runs, Then the plan is cleared and the OCSF finding is told through BatchUpdateFindingsV2, In Progress', async () => {
    // Given
    const { deployment } = givenExposedNotebook({ modes: { 'SageMaker.1': 'approval' } });
    const ocsf = ocsfFinding('SageMaker.1');
    deployment.account.securityHub.ocsf.importFinding(ocsf);
    await whenStoppedAndCleanUpFails(deployment, () => planStatus(deployment) === 'PENDING');
    expect(planStatus(deployment)).toBe('PENDING');
    const writesBefore = v2CallsFor(deployment, ocsf).length;

    // When
    deployment.account.clock.advance(deployment.scheduledSweep.intervalSeconds * 1000);
    const sweep = await deployment.runScheduledSweep();

    // Then
    expect(sweep).toMatchObject({ ok: true, plansCleared: 1, findingsNoted: 1, problems: [] });
    expect(planStatus(deployment)).toBeUndefined();
    const noted = ocsfNow(deployment, ocsf);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toMatch(
      /^The recreation plan of notebook instance research-notebook \(PENDING\) was cleared at .*, which had ended ABORTED, had not released it\. It was never approved, so nothing was changed\. Set this finding back to NEW to plan again\.$/,
    );
    expect(v2CallsFor(deployment, ocsf)).toHaveLength(writesBefore + 1);
    expect(v1CallsFor(deployment, ocsf)).toEqual([]);
    expect(changesMade(deployment)).toEqual([]);
  });

  it('Given the lock of an OCSF SageMaker.3 finding left by an execution stopped while planning, When the scheduled sweep runs, Then the lock is cleared and the OCSF finding is told through BatchUpdateFindingsV2', async () => {
    // Given
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Enabled' });
    const ocsf = ocsfFinding('SageMaker.3');
    deployment.account.securityHub.ocsf.importFinding(ocsf);
    await whenStoppedAndCleanUpFails(deployment, () => lockItems(deployment).length > 0);
    expect(lockItems(deployment)).toHaveLength(1);

    // When
    deployment.account.clock.advance(deployment.scheduledSweep.intervalSeconds * 1000);
    const sweep = await deployment.runScheduledSweep();

    // Then
    expect(sweep).toMatchObject({ ok: true, locksCleared: 1, findingsNoted: 1, problems: [] });
    expect(lockItems(deployment)).toEqual([]);
    const noted = ocsfNow(deployment, ocsf);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toMatch(
      /^The lock on notebook instance research-notebook \(update-notebook for this finding\) was cleared at .*, which had ended ABORTED, had not released it\./,
    );
    expect(v1CallsFor(deployment, ocsf)).toEqual([]);
  });
});
