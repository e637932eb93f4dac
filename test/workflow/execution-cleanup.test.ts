/**
 * Clean-up after an execution that ended without its own failure handling: an operator's StopExecution,
 * the execution's timeout. Step Functions runs nothing more of such an execution; its status change
 * starts a clean-up execution that reads where it was from its history, brings the notebook back,
 * releases the lock and writes the outcome on every finding of its plan. Before the clean-up existed,
 * a notebook stopped mid-fix stayed stopped with its finding NEW, and one stopped after the delete was
 * gone with its finding still "Awaiting approval" and no word on the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { stopWhenSageMakerCalled } from '../../simulation/runner/operator-stop.js';
import { findingsFor, givenExposedNotebook, whenImportedAndClicked } from './recreation-fixtures.js';
import {
  alerts,
  changesMade,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  sageMaker3Finding,
} from './workflow-fixtures.js';

describe('StopExecution in the middle of an in-place fix', () => {
  it('Given a running notebook whose root access fix is stopped by an operator after the notebook was stopped, When the execution ends ABORTED, Then a clean-up starts it again, annotates the finding, alerts and releases the lock', async () => {
    const deployment = givenNotebook();
    stopWhenSageMakerCalled(deployment, 'UpdateNotebookInstance');

    deployment.importFinding(sageMaker3Finding());
    const executions = await deployment.settle();

    expect(executions.map((execution) => execution.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    const cleanup = executions[1];
    expect(cleanup?.transitions.slice(0, 3).map((transition) => transition.state)).toEqual([
      'DecideEntry',
      'PlanCleanup',
      'DecideCleanUp',
    ]);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('InService');
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toContain(
      `Error: ExecutionAborted: Execution ${executions[0]?.name} was stopped at DisableRootAccess; a clean-up took over.`,
    );
    expect(finding.Note?.Text).toContain('the workflow restarted it and it is InService again');
    expect(alerts(deployment).at(-1)?.Subject).toBe(`SageMaker.3 remediation failed: ${NOTEBOOK}`);
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('an execution that times out', () => {
  it('Given a running notebook whose fix reaches the execution timeout while it is being stopped, When the execution ends TIMED_OUT, Then a clean-up starts it again and says the execution ran out of time', async () => {
    const deployment = givenNotebook();
    stopWhenSageMakerCalled(deployment, 'StopNotebookInstance', 'timeOut');

    deployment.importFinding(sageMaker3Finding());
    const executions = await deployment.settle();

    expect(executions.map((execution) => execution.status)).toEqual(['TIMED_OUT', 'SUCCEEDED']);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('InService');
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toContain(
      `Error: ExecutionTimedOut: Execution ${executions[0]?.name} ran out of time at StopNotebook; a clean-up took over.`,
    );
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('StopExecution after the approved delete', () => {
  it('Given an approved recreation stopped by an operator after the notebook was deleted, When the execution ends ABORTED, Then every finding of the plan says where the snapshot is and how to restore it, and the lock and plan are released', async () => {
    const { deployment } = givenExposedNotebook();
    stopWhenSageMakerCalled(deployment, 'DeleteNotebookInstance');
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);

    const executions = await whenImportedAndClicked(deployment, findings, [
      { action: 'approve', afterMinutes: 5 },
    ]);

    const aborted = executions.filter((execution) => execution.status === 'ABORTED');
    expect(aborted).toHaveLength(1);
    const abortedName = aborted[0]?.name ?? '';
    // The delete it sent as it was stopped is under way: the data is only in the snapshot now.
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('Deleting');
    const restore = new RegExp(
      `restore it with: npx tsx bin/restore-notebook\\.ts --snapshot s3://[a-z0-9-]+/roles/[A-Z0-9]+:SageMaker/Research-Notebook/\\d{8}T\\d{6}Z-${abortedName} --wait`,
    );
    for (const finding of findings) {
      const note = findingNow(deployment, finding).Note?.Text ?? '';
      expect(note).toMatch(restore);
      expect(note).toContain(
        `Error: ExecutionAborted: Execution ${abortedName} was stopped at DeleteNotebook; a clean-up took over.`,
      );
      expect(findingNow(deployment, finding).Workflow?.Status).toBe('NOTIFIED');
    }
    const alert = alerts(deployment).at(-1);
    expect(alert?.Subject).toBe(`SageMaker.1 remediation failed - ACTION NEEDED: ${NOTEBOOK}`);
    expect(alert?.Message).toMatch(restore);
    expect(
      deployment.account.dynamodb.scanTable(deployment.settings.recreate?.approvalTableName ?? ''),
    ).toEqual([]);
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('StopExecution during the backup', () => {
  it('Given an approved recreation stopped as it starts the notebook with the backup lifecycle configuration, When the execution ends ABORTED, Then the clean-up puts its own lifecycle configuration back and it ends running, as it was', async () => {
    const { deployment } = givenExposedNotebook({ notebook: { lifecycleConfigName: 'team-setup' } });
    deployment.account.sagemaker.seedLifecycleConfig({ name: 'team-setup', onStart: 'echo ready' });
    stopWhenSageMakerCalled(deployment, 'StartNotebookInstance');

    const executions = await whenImportedAndClicked(deployment, findingsFor(['SageMaker.1']), [
      { action: 'approve', afterMinutes: 5 },
    ]);

    expect(executions.map((execution) => execution.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    const notebook = notebookNow(deployment);
    expect(notebook.NotebookInstanceStatus).toBe('InService');
    expect(notebook.NotebookInstanceLifecycleConfigName).toBe('team-setup');
    expect(findingNow(deployment, findingsFor(['SageMaker.1'])[0] as never).Note?.Text).toContain(
      'was stopped at StartForBackup; a clean-up took over.',
    );
    expect(alerts(deployment).at(-1)?.Subject).not.toContain('ACTION NEEDED');
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('StopExecution while a recreation waits for approval', () => {
  it('Given a recreation waiting for approval whose execution is stopped, When it ends ABORTED, Then nothing is changed, the plan is closed and its finding says so', async () => {
    const { deployment } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1']);
    void deployment.account.clock.sleep(10 * 60_000).then(() => {
      const waiting = deployment.stateMachine.executions.find((execution) => execution.status === 'RUNNING');
      if (waiting) deployment.stateMachine.stop(waiting.executionArn, 'Operator', 'not now');
    });

    const executions = await whenImportedAndClicked(deployment, findings, []);

    expect(executions.map((execution) => execution.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    expect(changesMade(deployment)).toEqual([]);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('InService');
    expect(findingNow(deployment, findings[0] as never).Note?.Text).toContain(
      'was stopped at WaitForApproval; a clean-up took over.',
    );
    expect(
      deployment.account.dynamodb.scanTable(deployment.settings.recreate?.approvalTableName ?? ''),
    ).toEqual([]);
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('StopExecution while planning', () => {
  it('Given an execution stopped while its planning reads the notebook, When it ends ABORTED, Then nothing is changed and its finding says so and how to try again', async () => {
    const deployment = givenNotebook();
    stopWhenSageMakerCalled(deployment, 'ListTags');

    deployment.importFinding(sageMaker3Finding());
    const executions = await deployment.settle();

    expect(executions.map((execution) => execution.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    expect(changesMade(deployment)).toEqual([]);
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toBe(
      `Execution ${executions[0]?.name} was stopped while it was planning, before any change to the notebook: nothing was changed. To remediate it, use Remediate now, or set this finding back to NEW.`,
    );
    expect(alerts(deployment).at(-1)?.Subject).toBe('SageMaker remediation stopped before any change');
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('StopExecution while the backup lifecycle configuration is being attached', () => {
  it('Given an approved recreation stopped as it attaches the backup lifecycle configuration, When the clean-up sees the notebook still Updating, Then it still puts the notebook’s own configuration back', async () => {
    const { deployment } = givenExposedNotebook({ notebook: { lifecycleConfigName: 'team-setup' } });
    deployment.account.sagemaker.seedLifecycleConfig({ name: 'team-setup', onStart: 'echo ready' });
    // The first update after the approval is the attach (the stop before it is a stop, not an update)
    stopWhenSageMakerCalled(deployment, 'UpdateNotebookInstance');

    const executions = await whenImportedAndClicked(deployment, findingsFor(['SageMaker.1']), [
      { action: 'approve', afterMinutes: 5 },
    ]);

    expect(executions.map((execution) => execution.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    // Before, the clean-up read the Updating notebook's old configuration and left the backup one on.
    const notebook = notebookNow(deployment);
    expect(notebook.NotebookInstanceLifecycleConfigName).toBe('team-setup');
    expect(notebook.NotebookInstanceStatus).toBe('InService');
    expect(lockItems(deployment)).toEqual([]);
  });
});
