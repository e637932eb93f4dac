/**
 * The approval-gated recreation as security ops see it: one plan per notebook, approved, rejected or
 * expired in the Security Hub console; root access fixed at once beside it. Every call is authorized
 * against the deployed template's policies, so each scenario also proves the IAM.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { customActionEvent } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';
import {
  clickLater,
  deniedCalls,
  FILES,
  findingsFor,
  givenExposedNotebook,
  whenImportedAndClicked,
} from './recreation-fixtures.js';
import {
  alertOutcomes,
  changesMade,
  findingNow,
  lockItems,
  NOTEBOOK,
  notebookNow,
  statesOf,
} from './workflow-fixtures.js';

const IN_PLACE_FIX = ['StopNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance'];

/** The approval records of the deployment (one per plan). */
function plans(target: LocalDeployment) {
  return target.account.dynamodb
    .scanTable(target.settings.recreate?.approvalTableName ?? '')
    .map((item) => unmarshall(item as Record<string, AttributeValue>));
}

describe('one plan per notebook, approved in the console', () => {
  it('Given a running notebook failing SageMaker.1, .2 and .3, When the three findings arrive together and ops approve 30 minutes later, Then root access is fixed at once, one plan recreates the notebook with its settings, tags and data, and all three findings are RESOLVED', async () => {
    // Given
    const { deployment: target, network } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2', 'SageMaker.3']);

    // When
    const executions = await whenImportedAndClicked(target, findings, [
      { action: 'approve', afterMinutes: 30 },
    ]);

    // Then every execution ended well, and no call was refused
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(deniedCalls(target)).toEqual([]);
    // And root access was fixed in place before anyone approved anything
    const approvalTime = Date.parse('2026-11-23T09:30:00.000Z');
    const beforeApproval = target.account.calls.filter(
      (call) =>
        call.at.getTime() < approvalTime && call.outcome === 'ok' && IN_PLACE_FIX.includes(call.operation),
    );
    expect(beforeApproval.map((call) => call.operation)).toEqual(IN_PLACE_FIX);
    // And the notebook was recreated exactly once, after the approval
    const deletes = target.account.calls.filter(
      (call) => call.operation === 'DeleteNotebookInstance' && call.outcome === 'ok',
    );
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.at.getTime()).toBeGreaterThan(approvalTime);
    expect(changesMade(target).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    // And it has the fixes, root access still off, the same settings, tags and data, and runs again
    expect(notebookNow(target)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Disabled',
      SubnetId: network.subnetId,
      SecurityGroups: [network.securityGroupId],
      RootAccess: 'Disabled',
      InstanceType: 'ml.t3.medium',
    });
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    const tags = target.account.sagemaker.listTags({
      ResourceArn: notebookNow(target).NotebookInstanceArn,
    }).Tags;
    expect(tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'research' }]));
    // And all three findings are RESOLVED, with one approval request
    for (const finding of findings) expect(findingNow(target, finding).Workflow?.Status).toBe('RESOLVED');
    expect(alertOutcomes(target).filter((outcome) => outcome === 'AWAITING_APPROVAL')).toHaveLength(1);
    expect(lockItems(target)).toEqual([]);
    // And no state carried more than a few kilobytes
    expect(Math.max(...executions.map((execution) => execution.maxPayloadBytes))).toBeLessThan(16_384);
  });

  it('Given a plan waiting for approval, When ops reject it, Then nothing changes, every finding of the plan says it was rejected, and no lock is held', async () => {
    const { deployment: target } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);

    const [plan] = await whenImportedAndClicked(target, findings, [{ action: 'reject', afterMinutes: 60 }]);

    expect(plan?.status).toBe('SUCCEEDED');
    expect(deniedCalls(target)).toEqual([]);
    expect(changesMade(target)).toEqual([]);
    for (const finding of findings) {
      expect(findingNow(target, finding).Workflow?.Status).toBe('NOTIFIED');
      expect(findingNow(target, finding).Note?.Text).toMatch(
        /^The recreation of notebook instance Research-Notebook was rejected/,
      );
    }
    expect(alertOutcomes(target)).toContain('REJECTED');
    expect(lockItems(target)).toEqual([]);
  });

  it('Given a plan nobody answers, When the two-day approval window ends, Then it expires, nothing changes, and a late approval says it is too late', async () => {
    const { deployment: target } = givenExposedNotebook({
      recreate: (network) => ({ targets: [network.target], approvalTimeoutDays: 2 }),
    });
    const findings = findingsFor(['SageMaker.1']);
    const finding = findings[0] as AwsSecurityFinding;

    const [plan] = await whenImportedAndClicked(target, findings, []);

    const expiredAt = plan?.transitions.find(
      (transition) => transition.state === 'PrepareExpiredClosing',
    )?.at;
    expect(expiredAt?.toISOString()).toMatch(/^2026-11-25T09:00:0/);
    expect(changesMade(target)).toEqual([]);
    expect(findingNow(target, finding).Note?.Text).toContain('the plan expired and nothing was changed');
    clickLater(target, 'approve', finding, 10);
    await target.settle();
    await target.account.bus.settled();
    expect(findingNow(target, finding).Note?.Text).toMatch(/^Nothing to approve|^Too late to approve/);
    expect(changesMade(target)).toEqual([]);
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given a plan waiting for approval, When someone clicks a custom action of another deployment, Then it is not delivered here and the plan still expires', async () => {
    const { deployment: target } = givenExposedNotebook({
      recreate: (network) => ({ targets: [network.target], approvalTimeoutDays: 1 }),
    });
    const findings = findingsFor(['SageMaker.1']);

    const [plan] = await whenImportedAndClicked(target, findings, [
      { action: 'SomeoneElsesAction', afterMinutes: 5 },
    ]);

    expect(
      target.account.bus.deliveries.filter((delivery) => delivery.rule.includes('CustomAction')),
    ).toEqual([]);
    expect(statesOf(plan as ExecutionRecord)).toContain('PrepareExpiredClosing');
    expect(changesMade(target)).toEqual([]);
  });

  it('Given a plan, When ops approve it twice, Then the second click says it was already approved and the notebook is recreated once', async () => {
    const { deployment: target } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1']);

    const executions = await whenImportedAndClicked(target, findings, [
      { action: 'approve', afterMinutes: 10 },
      { action: 'approve', afterMinutes: 11 },
    ]);

    expect(executions).toHaveLength(1);
    expect(changesMade(target).filter((call) => call === 'DeleteNotebookInstance')).toHaveLength(1);
    const notes = target.account.securityHub
      .updateHistory(findings[0]?.Id ?? '')
      .map((entry) => entry.finding.Note?.Text ?? '');
    expect(notes.some((note) => note.includes('was already approved'))).toBe(true);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('RESOLVED');
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given data loss accepted for every fix, When the plan is approved, Then there is no backup, the notebook is recreated empty and the finding is RESOLVED', async () => {
    const { deployment: target } = givenExposedNotebook({
      recreate: (network) => ({ targets: [network.target], acceptDataLoss: ['SageMaker.1', 'SageMaker.2'] }),
    });
    const findings = findingsFor(['SageMaker.1']);

    await whenImportedAndClicked(target, findings, [{ action: 'approve', afterMinutes: 5 }]);

    expect(target.account.s3.keys(target.backupBucket).filter((key) => key.includes('/data/'))).toEqual([]);
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual({});
    expect(notebookNow(target).NotebookInstanceStatus).toBe('InService');
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('RESOLVED');
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given SageMaker.1 and .2 findings of one notebook, When both are planned, Then one plan record, waiting for approval, lists both findings', async () => {
    const { deployment: target } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);

    for (const finding of findings) target.importFinding(finding);
    await target.account.clock.sleep(10 * 60_000);

    const [record] = plans(target);
    expect(record?.findings).toEqual(
      findings.map((finding) => ({ Id: finding.Id, ProductArn: finding.ProductArn })),
    );
    expect(record?.status).toBe('PENDING');
  });
});

describe('remediate now (custom action)', () => {
  it('Given SageMaker.3 in notify mode, already NOTIFIED, When someone picks Remediate now, Then an execution named after the click fixes it in place and resolves it', async () => {
    const { deployment: target } = givenExposedNotebook({
      modes: { 'SageMaker.3': 'notify' },
      notebook: { directInternetAccess: 'Disabled', files: {} },
    });
    const finding = findingsFor(['SageMaker.3'])[0] as AwsSecurityFinding;
    target.importFinding(finding);
    await target.settle();
    expect(findingNow(target, finding).Workflow?.Status).toBe('NOTIFIED');
    expect(changesMade(target)).toEqual([]);

    clickLater(target, 'remediate-now', finding, 10);
    const executions = await target.settle();

    expect(executions[1]?.name).toMatch(/^remediate-now-[0-9a-f]{12}-[0-9a-f]{12}$/);
    expect(changesMade(target)).toEqual(IN_PLACE_FIX);
    expect(findingNow(target, finding).Workflow?.Status).toBe('RESOLVED');
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given SageMaker.1 in notify mode, When someone picks Remediate now and later approves, Then the recreation waited for the approval and keeps the data', async () => {
    const { deployment: target, network } = givenExposedNotebook({ modes: {} });
    const finding = findingsFor(['SageMaker.1'])[0] as AwsSecurityFinding;
    target.importFinding(finding);
    clickLater(target, 'remediate-now', finding, 10);
    clickLater(target, 'approve', finding, 60);

    await target.settle();

    expect(changesMade(target).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(notebookNow(target)).toMatchObject({
      DirectInternetAccess: 'Disabled',
      SubnetId: network.subnetId,
    });
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(findingNow(target, finding).Workflow?.Status).toBe('RESOLVED');
    expect(deniedCalls(target)).toEqual([]);
  });

  it('Given one Remediate now event, When EventBridge delivers it twice, Then one execution runs', async () => {
    const { deployment: target } = givenExposedNotebook({
      modes: { 'SageMaker.3': 'notify' },
      notebook: { directInternetAccess: 'Disabled' },
    });
    const finding = findingsFor(['SageMaker.3'])[0] as AwsSecurityFinding;
    target.importFinding(finding);
    await target.settle();
    const event = customActionEvent([findingNow(target, finding)], {
      actionId: target.customActionIds['remediate-now'],
      id: 'one-click',
    });

    target.account.bus.putEvent(event);
    target.account.bus.putEvent(event);
    const executions = await target.settle();

    expect(executions).toHaveLength(2);
    expect(changesMade(target).filter((call) => call === 'StopNotebookInstance')).toHaveLength(1);
  });
});

describe('root access beside an immutable control that cannot be fixed', () => {
  it('Given a notebook in a private subnet whose only other failing control is SageMaker.21, with no KMS key configured, When its SageMaker.3 finding arrives, Then root access is fixed in place at once and no recreation is planned', async () => {
    const { deployment: target } = givenExposedNotebook({
      notebook: (network) => ({
        directInternetAccess: 'Disabled',
        subnetId: network.subnetId,
        securityGroupIds: [network.securityGroupId],
        files: {},
      }),
    });
    const finding = findingsFor(['SageMaker.3'])[0] as AwsSecurityFinding;

    target.importFinding(finding);
    await target.settle();

    expect(changesMade(target)).toEqual(IN_PLACE_FIX);
    expect(findingNow(target, finding).Workflow?.Status).toBe('RESOLVED');
    expect(plans(target)).toEqual([]);
    expect(deniedCalls(target)).toEqual([]);
  });
});
