import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { afterEach, describe, expect, it } from 'vitest';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';
import {
  alertOutcomes,
  alerts,
  changesMade,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  statesOf,
} from './workflow-fixtures.js';

const SUBNET = 'subnet-0123456789abcdef0';
const SECURITY_GROUP = 'sg-0123456789abcdef0';
const TARGET = {
  account: '111122223333',
  region: 'eu-west-1',
  subnetId: SUBNET,
  securityGroupIds: [SECURITY_GROUP],
};
const APPROVAL_MODES = { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' };
const FILES = {
  'analysis.ipynb': '{"cells": []}\n',
  'data/train.csv': 'a,b\n1,2\n',
  'notes with spaces.md': '# notes\n',
};

let deployment: LocalDeployment | undefined;
afterEach(() => deployment?.account.dispose());

/** A running notebook failing .1, .2 and .3, with tags and data, in a deployment that recreates notebooks. */
function givenExposedNotebook(recreate: Record<string, unknown> = { targets: [TARGET] }): LocalDeployment {
  deployment = givenNotebook(
    { directInternetAccess: 'Enabled', tags: [{ Key: 'team', Value: 'research' }], files: FILES },
    { configuration: { modes: APPROVAL_MODES, recreate } },
  );
  return deployment;
}

const findingsFor = (controls: readonly string[]): AwsSecurityFinding[] =>
  controls.map((controlId) => notebookControlFinding({ controlId, notebookName: NOTEBOOK }));

/** A person clicks a custom action on a finding, `afterMinutes` of simulated time from now. */
function clickLater(
  target: LocalDeployment,
  actionId: string,
  finding: AwsSecurityFinding,
  afterMinutes: number,
) {
  void target.account.clock.sleep(afterMinutes * 60_000).then(() => {
    const current = target.account.securityHub.getFinding(finding.Id ?? '') ?? finding;
    // Each click is its own event (EventBridge redeliveries reuse the id; separate clicks do not).
    target.account.bus.putEvent(
      customActionEvent([current], { actionId, id: `click-${actionId}-${afterMinutes}` }),
    );
  });
}

async function whenImportedAndClicked(
  target: LocalDeployment,
  findings: readonly AwsSecurityFinding[],
  clicks: ReadonlyArray<{ action: string; afterMinutes: number }>,
): Promise<ExecutionRecord[]> {
  for (const finding of findings) target.importFinding(finding);
  for (const click of clicks)
    clickLater(target, click.action, findings[0] as AwsSecurityFinding, click.afterMinutes);
  return target.settle();
}

describe('approval-gated recreation', () => {
  it('SageMaker.1, .2 and .3 at once: one plan, approved, snapshotted, recreated with its data, all RESOLVED', async () => {
    // Given a running notebook failing .1, .2 and .3, with tags and files
    const target = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2', 'SageMaker.3']);

    // When the three findings arrive together and security ops approve 30 minutes later
    const executions = await whenImportedAndClicked(target, findings, [
      { action: 'ApprovePlan', afterMinutes: 30 },
    ]);

    // Then one execution did the work; the two others joined its plan
    const [plan, ...joined] = executions;
    expect(plan?.status).toBe('SUCCEEDED');
    expect(joined.map((execution) => statesOf(execution).at(-1))).toEqual([
      'PublishOutcomeAlert',
      'PublishOutcomeAlert',
    ]);
    // And nothing changed before the approval, and the notebook was recreated exactly once
    const approvalTime = Date.parse('2026-11-23T09:30:00.000Z');
    const firstChange = target.account.calls.find((call) => call.operation === 'StopNotebookInstance');
    expect(firstChange?.at.getTime()).toBeGreaterThanOrEqual(approvalTime);
    expect(changesMade(target).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    // And it has the fixes, the same settings, tags and data, and runs again
    expect(notebookNow(target)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Disabled',
      SubnetId: SUBNET,
      SecurityGroups: [SECURITY_GROUP],
      RootAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2023-v1',
      InstanceType: 'ml.t3.medium',
    });
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    const tags = target.account.sagemaker.listTags({
      ResourceArn: notebookNow(target).NotebookInstanceArn,
    }).Tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'research' },
        { Key: 'securityhub-remediation:recreated-by', Value: plan?.name },
      ]),
    );
    // And all three findings are RESOLVED, with one approval request and one success alert
    for (const finding of findings) expect(findingNow(target, finding).Workflow?.Status).toBe('RESOLVED');
    expect(alertOutcomes(target).filter((outcome) => outcome !== 'JOINED_PLAN')).toEqual([
      'AWAITING_APPROVAL',
      'RESOLVED',
    ]);
    expect(lockItems(target)).toEqual([]);
  });

  it('rejected: nothing changes, every finding of the plan says so, the lock is released', async () => {
    const target = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);
    const [plan] = await whenImportedAndClicked(target, findings, [
      { action: 'RejectPlan', afterMinutes: 60 },
    ]);
    expect(plan?.status).toBe('SUCCEEDED');
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

  it('nobody answers: the plan expires after the approval window and nothing changes', async () => {
    const target = givenExposedNotebook({ targets: [TARGET], approvalTimeoutDays: 2 });
    const findings = findingsFor(['SageMaker.1']);
    const [plan] = await whenImportedAndClicked(target, findings, []);
    expect(
      plan?.transitions.find((transition) => transition.state === 'PrepareExpiredClosing')?.at.toISOString(),
    ).toMatch(/^2026-11-25T09:00:0/); // two days after the approval request (half a second in)
    expect(changesMade(target)).toEqual([]);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      'the plan expired and nothing was changed',
    );
    // And a late approval says it is too late, and changes nothing
    clickLater(target, 'ApprovePlan', findings[0] as AwsSecurityFinding, 10);
    await target.settle();
    await target.account.bus.settled();
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toMatch(
      /^Nothing to approve|^Too late to approve/,
    );
    expect(changesMade(target)).toEqual([]);
  });

  it('a custom action that is not this deployment’s: ignored; the plan still waits and then expires', async () => {
    const target = givenExposedNotebook({ targets: [TARGET], approvalTimeoutDays: 1 });
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

  it('approving twice: the second click says it was already approved and changes nothing more', async () => {
    const target = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1']);
    const executions = await whenImportedAndClicked(target, findings, [
      { action: 'ApprovePlan', afterMinutes: 10 },
      { action: 'ApprovePlan', afterMinutes: 11 },
    ]);
    expect(executions).toHaveLength(1);
    expect(changesMade(target).filter((call) => call === 'DeleteNotebookInstance')).toHaveLength(1);
    const notes = target.account.securityHub
      .updateHistory(findings[0]?.Id ?? '')
      .map((entry) => entry.finding.Note?.Text ?? '');
    expect(notes.some((note) => note.includes('was already approved'))).toBe(true);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('RESOLVED');
  });

  it('no target configured for this account and region: the finding says exactly what to configure', async () => {
    const target = givenExposedNotebook({ targets: [] });
    const findings = findingsFor(['SageMaker.2']);
    await whenImportedAndClicked(target, findings, []);
    expect(changesMade(target)).toEqual([]);
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      'this deployment lacks a private subnet (recreate target subnetId) for this account and region',
    );
    expect(alertOutcomes(target)).toEqual(['NEEDS_CONFIGURATION']);
  });

  it('data loss accepted explicitly for every fix: no backup, recreated empty, still resolved', async () => {
    const target = givenExposedNotebook({
      targets: [TARGET],
      acceptDataLoss: ['SageMaker.1', 'SageMaker.2'],
    });
    const findings = findingsFor(['SageMaker.1']);
    await whenImportedAndClicked(target, findings, [{ action: 'ApprovePlan', afterMinutes: 5 }]);
    expect(changesMade(target)).not.toContain('UpdateNotebookInstance');
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual({});
    expect(notebookNow(target).NotebookInstanceStatus).toBe('InService');
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('RESOLVED');
  });
});

describe('recreation failures: never a delete without a verified snapshot, never a lost snapshot', () => {
  it.each([
    ['StopNotebookInstance', 'InService'],
    ['UpdateNotebookInstance', 'InService'],
    ['StartNotebookInstance', 'InService'],
    ['DeleteNotebookInstance', 'InService'],
  ])(
    '%s fails for good before the delete: the notebook is back as it was, with its own lifecycle config',
    async (operation, status) => {
      const target = givenExposedNotebook();
      target.account.faults.failNext({ service: 'SageMaker', operation, code: 'InternalFailure', times: 6 });
      const findings = findingsFor(['SageMaker.1']);
      const [plan] = await whenImportedAndClicked(target, findings, [
        { action: 'ApprovePlan', afterMinutes: 5 },
      ]);
      expect(plan?.status).toBe('FAILED');
      expect(changesMade(target)).not.toContain('CreateNotebookInstance');
      expect(notebookNow(target)).toMatchObject({
        NotebookInstanceStatus: status,
        DirectInternetAccess: 'Enabled',
      });
      expect(notebookNow(target).NotebookInstanceLifecycleConfigName).toBeUndefined();
      expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
      expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('NOTIFIED');
      expect(lockItems(target)).toEqual([]);
    },
  );

  it('the backup never completes: no delete, the original lifecycle config is back, the notebook runs again', async () => {
    const target = givenExposedNotebook();
    // The backup script cannot write to the bucket: no manifest ever appears.
    target.account.faults.onNotebook(NOTEBOOK, {});
    target.account.s3.root && target.account.storage;
    const findings = findingsFor(['SageMaker.1']);
    target.account.faults.failNext({
      service: 'S3',
      operation: 'GetObject',
      code: 'NoSuchKey',
      times: 1000,
      resourceName: 'data-manifest.json',
    });
    const [plan] = await whenImportedAndClicked(target, findings, [
      { action: 'ApprovePlan', afterMinutes: 5 },
    ]);
    expect(plan?.error).toBe('DataBackupTimeout');
    expect(changesMade(target)).not.toContain('DeleteNotebookInstance');
    expect(notebookNow(target)).toMatchObject({ NotebookInstanceStatus: 'InService' });
    expect(notebookNow(target).NotebookInstanceLifecycleConfigName).toBeUndefined();
    expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
  });

  it('the create fails after the delete: the snapshot is kept and the finding gives the restore command', async () => {
    const target = givenExposedNotebook();
    target.account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateNotebookInstance',
      code: 'InternalFailure',
      times: 6,
    });
    const findings = findingsFor(['SageMaker.1']);
    const [plan] = await whenImportedAndClicked(target, findings, [
      { action: 'ApprovePlan', afterMinutes: 5 },
    ]);
    expect(plan?.status).toBe('FAILED');
    expect(target.account.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    const note = findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
    expect(note).toContain(
      'It was deleted to be recreated and is not back: restore it with: npx tsx bin/restore-notebook.ts --bucket',
    );
    // And the snapshot, configuration and data, is all still in the bucket
    const keys = target.account.s3.keys(target.backupBucket);
    expect(keys.filter((key) => key.endsWith('/configuration.json'))).toHaveLength(1);
    expect(keys.filter((key) => key.endsWith('/data-manifest.json'))).toHaveLength(1);
    expect(keys.filter((key) => key.includes('/data/'))).toHaveLength(Object.keys(FILES).length);
    expect(alerts(target).at(-1)?.Subject).toContain('ACTION NEEDED');
  });
});

describe('remediate now (custom action)', () => {
  it('SageMaker.3 in notify mode, already annotated: Remediate now fixes it in place and resolves it', async () => {
    // Given root access on a notebook whose SageMaker.3 is only notified, and its finding already NOTIFIED
    deployment = givenNotebook({}, { configuration: { modes: { 'SageMaker.3': 'notify' } } });
    const finding = findingsFor(['SageMaker.3'])[0] as AwsSecurityFinding;
    deployment.importFinding(finding);
    await deployment.settle();
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('NOTIFIED');
    expect(changesMade(deployment)).toEqual([]);

    // When someone picks Remediate now on it
    clickLater(deployment, 'RemediateNow', finding, 10);
    const executions = await deployment.settle();

    // Then a second execution, named after the click, fixed it
    expect(executions[1]?.name).toMatch(/^remediate-now-[0-9a-f]{12}-[0-9a-f]{12}$/);
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });

  it('SageMaker.1 in notify mode: Remediate now plans the recreation, which still waits for approval', async () => {
    deployment = givenNotebook(
      { directInternetAccess: 'Enabled', files: FILES },
      { configuration: { recreate: { targets: [TARGET] } } },
    );
    const finding = findingsFor(['SageMaker.1'])[0] as AwsSecurityFinding;
    deployment.importFinding(finding);
    clickLater(deployment, 'RemediateNow', finding, 10);
    clickLater(deployment, 'ApprovePlan', finding, 60);
    await deployment.settle();
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({ DirectInternetAccess: 'Disabled', SubnetId: SUBNET });
    expect(deployment.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });

  it('the same Remediate now event delivered twice starts one execution only', async () => {
    deployment = givenNotebook({}, { configuration: { modes: { 'SageMaker.3': 'notify' } } });
    const finding = findingsFor(['SageMaker.3'])[0] as AwsSecurityFinding;
    deployment.importFinding(finding);
    await deployment.settle();
    const event = customActionEvent([findingNow(deployment, finding)], {
      actionId: 'RemediateNow',
      id: 'one-click',
    });
    deployment.account.bus.putEvent(event);
    deployment.account.bus.putEvent(event);
    const executions = await deployment.settle();
    expect(executions).toHaveLength(2);
    expect(changesMade(deployment).filter((call) => call === 'StopNotebookInstance')).toHaveLength(1);
  });
});

describe('root access beside an immutable control that cannot be fixed', () => {
  it('only SageMaker.21 fails besides .3 and no KMS key is configured: root access is fixed in place at once', async () => {
    // Given a notebook in a VPC, no internet access, root access on, no customer-managed key
    deployment = givenNotebook(
      {
        directInternetAccess: 'Disabled',
        subnetId: 'subnet-0team0000000000001',
        securityGroupIds: ['sg-0team0000000000001'],
      },
      { configuration: { recreate: { targets: [TARGET] } } },
    );
    const finding = findingsFor(['SageMaker.3'])[0] as AwsSecurityFinding;
    // When its SageMaker.3 finding arrives
    deployment.importFinding(finding);
    await deployment.settle();
    // Then no recreation was planned: the in-place fix ran
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });
});

/** The calls that change the notebook during a recreation with data, in the order they happen. */
const RECREATION_CHANGES = [
  'StopNotebookInstance',
  'UpdateNotebookInstance',
  'StartNotebookInstance',
  'StopNotebookInstance',
  'UpdateNotebookInstance',
  'DeleteNotebookInstance',
  'CreateNotebookInstance',
  'StopNotebookInstance',
  'UpdateNotebookInstance',
  'StartNotebookInstance',
] as const;

describe('a failure at every step of the recreation', () => {
  it.each(RECREATION_CHANGES.map((operation, index) => [index + 1, operation] as const))(
    'change %i (%s) fails for good: no delete without a verified snapshot, no snapshot lost, never left stopped unrecoverably',
    async (step) => {
      // Given the approved recreation of a running notebook with data
      const target = givenExposedNotebook();
      const findings = findingsFor(['SageMaker.1']);
      // And the step-th change (and its retries) failing
      let changes = 0;
      const check = target.account.faults.check.bind(target.account.faults);
      target.account.faults.check = (service, operation, input) => {
        if (service === 'SageMaker' && (RECREATION_CHANGES as readonly string[]).includes(operation)) {
          changes += 1;
          if (changes === step) {
            target.account.faults.failNext({ service, operation, code: 'InternalFailure', times: 6 });
          }
        }
        return check(service, operation, input);
      };

      // When it runs
      const [plan] = await whenImportedAndClicked(target, findings, [
        { action: 'ApprovePlan', afterMinutes: 5 },
      ]);

      // Then it failed, and said so on the finding and in an alert
      expect(plan?.status).toBe('FAILED');
      expect(findingNow(target, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('NOTIFIED');
      expect(alertOutcomes(target)).toContain('FAILED');
      const calls = target.account.calls;
      const deleted = calls.find(
        (call) => call.operation === 'DeleteNotebookInstance' && call.outcome === 'ok',
      );
      // The notebook was deleted exactly when the failing change came after the delete
      const deleteStep = RECREATION_CHANGES.indexOf('DeleteNotebookInstance') + 1;
      expect(deleted !== undefined).toBe(step > deleteStep);
      if (deleted) {
        // No delete before the configuration snapshot verified and the data manifest appeared
        const manifestSeen = calls.find(
          (call) =>
            call.operation === 'GetObject' &&
            call.outcome === 'ok' &&
            JSON.stringify(call.input).includes('data-manifest'),
        );
        expect(manifestSeen && manifestSeen.at <= deleted.at).toBe(true);
        // No snapshot lost
        const keys = target.account.s3.keys(target.backupBucket);
        expect(keys.filter((key) => key.endsWith('/configuration.json'))).toHaveLength(1);
        expect(keys.filter((key) => key.includes('/data/'))).toHaveLength(Object.keys(FILES).length);
        // And either the notebook is running again, or the finding gives the restore command
        const note = findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
        const running = target.account.sagemaker.statusOf(NOTEBOOK) === 'InService';
        expect(running || note.includes('npx tsx bin/restore-notebook.ts --bucket')).toBe(true);
        if (!running) expect(note).toContain('restore');
      } else {
        // Nothing deleted: the notebook is as it was, running, with its own settings and data
        expect(notebookNow(target)).toMatchObject({
          NotebookInstanceStatus: 'InService',
          DirectInternetAccess: 'Enabled',
        });
        expect(notebookNow(target).NotebookInstanceLifecycleConfigName).toBeUndefined();
        expect(target.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
      }
      expect(lockItems(target)).toEqual([]);
    },
  );
});

describe('failures outside the notebook calls', () => {
  it('the snapshot cannot be written (S3 refuses): nothing is changed at all', async () => {
    const target = givenExposedNotebook();
    target.account.faults.failNext({
      service: 'S3',
      operation: 'PutObject',
      code: 'AccessDenied',
      times: 100,
    });
    const findings = findingsFor(['SageMaker.1']);
    const [plan] = await whenImportedAndClicked(target, findings, [
      { action: 'ApprovePlan', afterMinutes: 5 },
    ]);
    expect(plan?.status).toBe('FAILED');
    expect(changesMade(target)).toEqual([]);
    expect(notebookNow(target)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Enabled',
    });
    expect(findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text).toContain('AccessDenied');
  });

  it('the restored data never verifies: the new notebook stays, the snapshot is kept, the finding says how to restore', async () => {
    const target = givenExposedNotebook();
    target.account.faults.failNext({
      service: 'S3',
      operation: 'GetObject',
      code: 'NoSuchKey',
      times: 1000,
      resourceName: 'restore-manifest.json',
    });
    const findings = findingsFor(['SageMaker.1']);
    const [plan] = await whenImportedAndClicked(target, findings, [
      { action: 'ApprovePlan', afterMinutes: 5 },
    ]);
    expect(plan?.error).toBe('DataRestoreTimeout');
    expect(target.account.sagemaker.statusOf(NOTEBOOK)).toBe('InService');
    const note = findingNow(target, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
    expect(note).toContain(
      'It was recreated and is InService, but the recreation did not finish; its snapshot is kept',
    );
    expect(target.account.s3.keys(target.backupBucket).filter((key) => key.includes('/data/'))).toHaveLength(
      3,
    );
    expect(alerts(target).at(-1)?.Subject).toContain('ACTION NEEDED');
  });
});
