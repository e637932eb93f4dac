import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import {
  alertOutcomes,
  alerts,
  changesMade,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  onlyExecution,
  sageMaker3Finding,
  statesOf,
  whenImported,
} from './workflow-fixtures.js';

describe('finding intake', () => {
  it('consolidated and legacy findings for the same notebook arrive together: one stop/start cycle only', async () => {
    // Given a running notebook reported twice: the consolidated and the legacy per-standard finding
    const deployment = givenNotebook();
    const consolidated = sageMaker3Finding({ style: 'consolidated' });
    const legacy = sageMaker3Finding({ style: 'legacy' });

    // When both are imported at the same moment
    deployment.importFinding(consolidated);
    deployment.importFinding(legacy);
    const executions = await deployment.settle();

    // Then two executions ran but the notebook went through exactly one cycle
    expect(executions).toHaveLength(2);
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    // And the first finding is resolved, the second names the execution that did the work
    const [winner, loser] = executions;
    expect(findingNow(deployment, consolidated).Workflow?.Status).toBe('RESOLVED');
    const second = findingNow(deployment, legacy);
    expect(second.Workflow?.Status).toBe('NOTIFIED');
    expect(second.Note?.Text).toContain(`already being remediated by execution ${winner?.executionArn}`);
    expect(loser && statesOf(loser)).toEqual([
      'PlanRemediation',
      'DecideNextStep',
      'AnnotateFinding',
      'CheckFindingAnnotated',
      'PublishOutcomeAlert',
    ]);
    expect(lockItems(deployment)).toEqual([]);
  });

  it('the same finding re-imported while it is being remediated: the second execution does nothing', async () => {
    const deployment = givenNotebook();
    const finding = sageMaker3Finding();
    deployment.importFinding(finding);
    // When Security Hub re-imports it 30 s later, still NEW (its own periodic update)
    await deployment.account.clock.sleep(30_000);
    deployment.importFinding({ ...finding, UpdatedAt: deployment.account.clock.now().toISOString() });
    const executions = await deployment.settle();

    expect(executions.map((execution) => statesOf(execution).at(-1))).toEqual([
      'ReleaseNotebookLock',
      'NothingToDo',
    ]);
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });

  it('a finding for another notebook is remediated in parallel, not blocked by the first lock', async () => {
    const deployment = givenNotebook();
    deployment.account.sagemaker.seedNotebook({
      name: 'Other-Notebook',
      status: 'Stopped',
      rootAccess: 'Enabled',
    });
    deployment.importFinding(sageMaker3Finding());
    deployment.importFinding(
      notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Other-Notebook' }),
    );
    const executions = await deployment.settle();
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(notebookNow(deployment, 'Other-Notebook')).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      RootAccess: 'Disabled',
    });
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
  });

  it('exempt notebook (tag securityhub-remediation=skip): nothing changes, the finding says why', async () => {
    const deployment = givenNotebook({ tags: [{ Key: 'securityhub-remediation', Value: 'skip' }] });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual([]);
    // No lock taken (the starter's slot of the account and Region is not a lock)
    const lockCalls = deployment.account
      .callsTo('DynamoDB')
      .filter(
        (call) => (call.input as { TableName?: string }).TableName === deployment.settings.lockTableName,
      );
    expect(lockCalls).toEqual([]);
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toContain('has the exemption tag securityhub-remediation=skip');
    expect(alertOutcomes(deployment)[0]).toBe('SKIPPED_EXEMPT');
  });

  it('exemption tag key configured differently: the default tag no longer exempts', async () => {
    const deployment = givenNotebook(
      { tags: [{ Key: 'securityhub-remediation', Value: 'skip' }] },
      { configuration: { exemptionTag: { key: 'compliance-exempt', value: 'true' } } },
    );
    onlyExecution(await whenImported(deployment));
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
  });

  it('dry run: nothing changes, the finding carries the plan', async () => {
    const deployment = givenNotebook({}, { configuration: { dryRun: true } });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual([]);
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toMatch(
      /^Dry run: would remediate SageMaker\.3 on notebook instance Research-Notebook \(status InService\): stop it/,
    );
    expect(alertOutcomes(deployment)[0]).toBe('DRY_RUN');
  });

  it('SageMaker.1 in notify mode: annotated NOTIFIED with guidance and alerted, nothing changes', async () => {
    const deployment = givenNotebook(
      { directInternetAccess: 'Enabled' },
      { configuration: { modes: { 'SageMaker.1': 'notify' } } },
    );
    const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: NOTEBOOK });
    const execution = onlyExecution(await whenImported(deployment, finding));
    expect(execution.lambdaInvocations).toBe(1);
    expect(deployment.account.callsTo('SageMaker')).toEqual([]);
    const annotated = findingNow(deployment, finding);
    expect(annotated.Workflow?.Status).toBe('NOTIFIED');
    expect(annotated.Note?.Text).toContain('SageMaker.1 is in notify mode. What to do: DirectInternetAccess');
    expect(alerts(deployment)[0]?.Subject).toBe('SageMaker.1 needs attention: Research-Notebook');
  });

  it('SageMaker.3 in notify mode: annotated with guidance instead of remediated', async () => {
    const deployment = givenNotebook({}, { configuration: { modes: { 'SageMaker.3': 'notify' } } });
    onlyExecution(await whenImported(deployment));
    expect(changesMade(deployment)).toEqual([]);
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toContain('SageMaker.3 is in notify mode');
  });

  it('a control switched off: its findings do not even start the workflow', async () => {
    const deployment = givenNotebook({}, { configuration: { modes: { 'SageMaker.3': 'off' } } });
    const executions = await whenImported(deployment);
    expect(executions).toEqual([]);
    expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status).toBe('NEW');
  });

  it('loop guard: the workflow’s own finding update emits an Imported event that does not start it again', async () => {
    const deployment = givenNotebook();
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    // Then the bus saw the import and the RESOLVED update, and delivered only the first
    // (the execution's own status change goes to the bus too; no rule takes a SUCCEEDED one)
    const findingEvents = deployment.account.bus.events.filter((event) => event.source === 'aws.securityhub');
    const statuses = findingEvents.map((event) => {
      const [finding] = (event.detail as { findings: Array<{ Workflow: { Status: string } }> }).findings;
      return finding?.Workflow.Status;
    });
    expect(statuses).toEqual(['NEW', 'RESOLVED']);
    expect(deployment.account.bus.deliveries).toHaveLength(1);
  });

  it('a finding the control passes again (Security Hub resets nothing to NEW): no execution', async () => {
    const deployment = givenNotebook();
    const executions = await whenImported(deployment, sageMaker3Finding({ complianceStatus: 'PASSED' }));
    expect(executions).toEqual([]);
  });

  it('a finding for a notebook that no longer exists: annotated, nothing else happens', async () => {
    const deployment = givenNotebook();
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Deleted-Notebook' });
    const execution = onlyExecution(await whenImported(deployment, finding));
    expect(execution.status).toBe('SUCCEEDED');
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      'Notebook instance Deleted-Notebook no longer exists',
    );
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('a malformed event started by hand: rejected with the list of problems, no AWS call at all', async () => {
    const deployment = givenNotebook();
    const { done } = deployment.stateMachine.start({
      source: 'aws.securityhub',
      detail: { findings: 'nope' },
    });
    const execution = await done;
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidFindingEvent');
    expect(execution.cause).toContain('detail-type');
    expect(execution.cause).toContain('detail.findings');
    expect(deployment.account.calls).toEqual([]);
    expect(statesOf(execution)).toEqual(['PlanRemediation', 'RejectEvent']);
  });

  it('an event of another account (not the administrator account this is deployed in): rejected as foreign, no AWS call at all', async () => {
    const deployment = givenNotebook();
    const foreign = notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: NOTEBOOK,
      account: '999988887777',
    });
    const { done } = deployment.stateMachine.start(importedEvent(foreign));
    const execution = await done;
    expect(execution.error).toBe('InvalidFindingEvent');
    expect(execution.cause).toContain(
      "event account 999988887777 is not this deployment's account 111122223333",
    );
    expect(deployment.account.calls).toEqual([]);
  });

  it('a finding of a non-SageMaker control started by hand: rejected', async () => {
    const deployment = givenNotebook();
    const other: AwsSecurityFinding = {
      ...sageMaker3Finding(),
      Compliance: { Status: 'FAILED', SecurityControlId: 'S3.1' },
    };
    const { done } = deployment.stateMachine.start(importedEvent(other));
    const execution = await done;
    expect(execution.error).toBe('InvalidFindingEvent');
    expect(execution.cause).toContain('S3.1 is not a SageMaker control');
    expect(deployment.account.calls).toEqual([]);
  });
});

describe('recreate controls by default', () => {
  it('SageMaker.1 in its default approval mode, no recreate target: the finding says exactly what to configure', async () => {
    const deployment = givenNotebook({ directInternetAccess: 'Enabled' });
    const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: NOTEBOOK });
    onlyExecution(await whenImported(deployment, finding));
    expect(changesMade(deployment)).toEqual([]);
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      'this deployment lacks a private subnet (recreate target subnetId) for this account and region',
    );
    expect(alertOutcomes(deployment)[0]).toBe('NEEDS_CONFIGURATION');
  });

  it('SageMaker.3 on an exposed notebook with no recreate target: root access is still fixed at once, in place', async () => {
    const deployment = givenNotebook({ directInternetAccess: 'Enabled' });
    onlyExecution(await whenImported(deployment));
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
  });
});

describe('several controls of one notebook at once, no recreate target configured', () => {
  it('SageMaker.1, .2 and .3 together: root access is still fixed in place; .1 and .2 say what to configure', async () => {
    const deployment = givenNotebook({ directInternetAccess: 'Enabled' });
    const findings = ['SageMaker.1', 'SageMaker.2', 'SageMaker.3'].map((controlId) =>
      notebookControlFinding({ controlId, notebookName: NOTEBOOK }),
    );
    for (const finding of findings) deployment.importFinding(finding);
    await deployment.settle();
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(findings.map((finding) => findingNow(deployment, finding).Workflow?.Status)).toEqual([
      'NOTIFIED',
      'NOTIFIED',
      'RESOLVED',
    ]);
    expect(findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      'lacks a private subnet (recreate target subnetId)',
    );
  });
});
