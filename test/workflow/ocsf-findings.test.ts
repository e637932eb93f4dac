/**
 * The new Security Hub end to end: an OCSF finding on `Findings Imported V2` starts the same workflow
 * as an ASFF one, and its outcome is written back with BatchUpdateFindingsV2 (status_id and comment),
 * every call authorized against the deployed template's policies.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { EXIT_OK } from '../../bin/approvals/arguments.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';
import type { OcsfFindingRecord } from '../../simulation/account/security-hub-v2.js';
import { createApprovalOperator } from '../../simulation/runner/approval-operator.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { findingsFor, givenExposedNotebook } from './recreation-fixtures.js';
import {
  alertOutcomes,
  alerts,
  changesMade,
  deniedCalls,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  onlyExecution,
  statesOf,
} from './workflow-fixtures.js';

function ocsfFinding(controlId: string): OcsfFindingRecord {
  return ocsfControlFinding({ controlId, resourceName: NOTEBOOK });
}

async function whenImportedV2(deployment: LocalDeployment, finding: OcsfFindingRecord) {
  deployment.account.securityHub.ocsf.importFinding(finding);
  return deployment.settle();
}

function ocsfNow(deployment: LocalDeployment, finding: OcsfFindingRecord): OcsfFindingRecord | undefined {
  return deployment.account.securityHub.ocsf.getFinding(finding.finding_info.uid);
}

describe('OCSF findings of the new Security Hub', () => {
  it('Given a running notebook with root access and its OCSF SageMaker.3 finding, When Security Hub imports it (Findings Imported V2), Then root access is disabled, the notebook runs again, and the finding reads Resolved with the note, written with BatchUpdateFindingsV2', async () => {
    // Given
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Enabled' });
    const finding = ocsfFinding('SageMaker.3');

    // When
    const executions = await whenImportedV2(deployment, finding);

    // Then one execution fixed it in place, through the V2 note
    const execution = onlyExecution(executions);
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toContain('ResolveFindingOcsf');
    expect(statesOf(execution)).not.toContain('ResolveFinding');
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    // And the OCSF finding is Resolved (status_id 4) with the note as its comment
    const resolved = ocsfNow(deployment, finding);
    expect(resolved?.status_id).toBe(4);
    expect(resolved?.status).toBe('Resolved');
    expect(resolved?.comment).toBe(
      `Remediated by ${execution.name}: RootAccess=Disabled verified on notebook instance ${NOTEBOOK} (was running before: true; status now: InService).`,
    );
    // And the write went through the V2 API only, naming the finding by its OCSF identifiers
    expect(deployment.account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
    const [update] = deployment.account.callsTo('SecurityHub', 'BatchUpdateFindingsV2');
    expect(update?.input).toMatchObject({
      FindingIdentifiers: [
        {
          CloudAccountUid: finding.cloud.account.uid,
          FindingInfoUid: finding.finding_info.uid,
          MetadataProductUid: finding.metadata.product.uid,
        },
      ],
      StatusId: 4,
    });
  });

  it('Given an OCSF SageMaker.3 finding the workflow resolves, When its own BatchUpdateFindingsV2 causes a Findings Imported V2 event, Then that echo starts no second execution', async () => {
    // Given
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Enabled' });
    const finding = ocsfFinding('SageMaker.3');

    // When the workflow runs and writes its outcome back
    const executions = await whenImportedV2(deployment, finding);

    // Then the update did produce an event (Security Hub sends one per change)...
    const history = deployment.account.securityHub.ocsf.updateHistory(finding.finding_info.uid);
    expect(history.map((entry) => entry.source)).toEqual(['import', 'BatchUpdateFindingsV2']);
    // ...and it started nothing: one execution in all
    expect(executions).toHaveLength(1);
  });

  it('Given an OCSF SageMaker.1 finding under approval mode, When Security Hub imports it, Then nothing changes before approval and the finding gets the approval request as its comment, In Progress', async () => {
    // Given
    const { deployment } = givenExposedNotebook();
    const finding = ocsfFinding('SageMaker.1');

    // When (the plan waits for an approval nobody gives and expires)
    const executions = await whenImportedV2(deployment, finding);

    // Then the request was written with BatchUpdateFindingsV2 before anything changed
    expect(executions.flatMap(statesOf)).toContain('RequestApprovalOcsf');
    const request = deployment.account.securityHub.ocsf
      .updateHistory(finding.finding_info.uid)
      .find((entry) => entry.source === 'BatchUpdateFindingsV2');
    expect(request?.finding.status_id).toBe(2);
    expect(request?.finding.comment).toContain('approv');
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([]);
    // And the expired plan closed through V2 too: the finding says so, and the execution succeeded
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(ocsfNow(deployment, finding)?.comment).toContain('Nobody approved');
  });
});

/** The arguments of the approval alert's `approve` or `reject` command, exactly as it gives them. */
function alertCommand(deployment: LocalDeployment, verdict: 'approve' | 'reject'): string[] {
  const message = alerts(deployment).find(
    (alert) => alert.MessageAttributes?.outcome?.StringValue === 'AWAITING_APPROVAL',
  )?.Message;
  const line = new RegExp(`npx tsx bin/approvals\\.ts (${verdict} .*)$`, 'm').exec(message ?? '')?.[1];
  if (!line) throw new Error(`no ${verdict} command in the approval alert: ${message}`);
  return line.split(' ');
}

/** The approver runs the alert's command `afterMinutes` of simulated time from now, as the approval operator. */
function decidedLater(deployment: LocalDeployment, verdict: 'approve' | 'reject', afterMinutes: number) {
  const operator = createApprovalOperator(deployment);
  return deployment.account.clock
    .sleep(afterMinutes * 60_000)
    .then(() =>
      operator.run([
        ...alertCommand(deployment, verdict),
        ...(verdict === 'reject' ? ['--reason', 'not now'] : []),
      ]),
    );
}

/** The V2 writes of the finding, as Security Hub recorded them. */
function v2Writes(deployment: LocalDeployment, finding: OcsfFindingRecord) {
  return deployment.account.securityHub.ocsf
    .updateHistory(finding.finding_info.uid)
    .filter((entry) => entry.source === 'BatchUpdateFindingsV2')
    .map((entry) => entry.finding);
}

describe('OCSF findings of an approval-gated plan', () => {
  it('Given an OCSF SageMaker.1 finding whose recreation waits for approval, When the approver approves it with the approvals command, Then the notebook is recreated, the finding reads Resolved through BatchUpdateFindingsV2 and the execution succeeds', async () => {
    // Given
    const { deployment } = givenExposedNotebook({ modes: { 'SageMaker.1': 'approval' } });
    const finding = ocsfFinding('SageMaker.1');
    deployment.account.securityHub.ocsf.importFinding(finding);

    // When
    const approved = decidedLater(deployment, 'approve', 10);
    const executions = await deployment.settle();
    const run = await approved;

    // Then
    expect(run.exitCode).toBe(EXIT_OK);
    const execution = onlyExecution(executions);
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toEqual(
      expect.arrayContaining(['CollectOcsfPlanFindings', 'ClosePlanFindingsOcsf', 'ClosePlan']),
    );
    expect(statesOf(execution)).not.toContain('ClosePlanFindings');
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({ DirectInternetAccess: 'Disabled' });
    const resolved = ocsfNow(deployment, finding);
    expect(resolved?.status_id).toBe(4);
    expect(resolved?.comment).toContain(`Recreated by ${execution.name}`);
    // The plan's notes went through V2 only, and the plan's item is gone
    expect(deployment.account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
    expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'RESOLVED']);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('Given an OCSF SageMaker.1 finding whose recreation waits for approval, When the approver rejects it, Then nothing changes and the finding reads In Progress with the rejection, written with BatchUpdateFindingsV2', async () => {
    // Given
    const { deployment } = givenExposedNotebook({ modes: { 'SageMaker.1': 'approval' } });
    const finding = ocsfFinding('SageMaker.1');
    deployment.account.securityHub.ocsf.importFinding(finding);

    // When
    const rejected = decidedLater(deployment, 'reject', 10);
    const executions = await deployment.settle();
    const run = await rejected;

    // Then
    expect(run.exitCode).toBe(EXIT_OK);
    expect(onlyExecution(executions).status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual([]);
    const noted = ocsfNow(deployment, finding);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toContain('was rejected (Rejected by');
    expect(noted?.comment).toContain('not now');
    expect(v2Writes(deployment, finding).map((write) => write.status_id)).toEqual([2, 2]);
    expect(deployment.account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
    expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'REJECTED']);
  });

  it('Given a SageMaker.1 plan holding an ASFF finding and an OCSF finding of the same notebook, When it is approved, Then both findings are resolved, each through the API of its format, and the plan is closed', async () => {
    // Given the ASFF finding plans, the OCSF one of the same notebook joins its plan
    const { deployment } = givenExposedNotebook({ modes: { 'SageMaker.1': 'approval' } });
    const [asff] = findingsFor(['SageMaker.1']) as [AwsSecurityFinding];
    const ocsf = ocsfFinding('SageMaker.1');
    deployment.importFinding(asff);
    void deployment.account.clock
      .sleep(60_000)
      .then(() => deployment.account.securityHub.ocsf.importFinding(ocsf));

    // When
    const approved = decidedLater(deployment, 'approve', 10);
    const executions = await deployment.settle();
    const run = await approved;

    // Then one recreation, and both findings resolved
    expect(run.exitCode).toBe(EXIT_OK);
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const planner = executions.find((execution) => statesOf(execution).includes('ClosePlan'));
    expect(statesOf(planner as never)).toEqual(
      expect.arrayContaining(['ClosePlanFindingsOcsf', 'CollectPlanFindings', 'ClosePlanFindings']),
    );
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(findingNow(deployment, asff).Workflow?.Status).toBe('RESOLVED');
    expect(ocsfNow(deployment, ocsf)?.status_id).toBe(4);
    const v1 = deployment.account.callsTo('SecurityHub', 'BatchUpdateFindings').at(-1);
    expect(v1?.input).toMatchObject({ FindingIdentifiers: [{ Id: asff.Id }] });
    const v2 = deployment.account.callsTo('SecurityHub', 'BatchUpdateFindingsV2').at(-1);
    expect(v2?.input).toMatchObject({
      FindingIdentifiers: [{ FindingInfoUid: ocsf.finding_info.uid }],
      StatusId: 4,
    });
    expect(lockItems(deployment)).toEqual([]);
    expect(deniedCalls(deployment)).toEqual([]);
  });
});
