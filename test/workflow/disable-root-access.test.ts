import { describe, expect, it } from 'vitest';
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

describe('SageMaker.3 remediation from each starting status', () => {
  it('root access on, InService: stops, updates, restarts, resolves the finding', async () => {
    // Given a running notebook with root access, and its SageMaker.3 finding
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Enabled' });
    const finding = sageMaker3Finding();

    // When Security Hub imports the finding
    const execution = onlyExecution(await whenImported(deployment, finding));

    // Then the workflow took exactly the happy path, one check per transition
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toEqual([
      'PlanRemediation',
      'DecideNextStep',
      'StopNotebook',
      'WaitForNotebookToStop',
      'DescribeNotebook',
      'DecideNextStep',
      'DisableRootAccess',
      'WaitForUpdateToFinish',
      'DescribeNotebook',
      'DecideNextStep',
      'StartNotebook',
      'WaitForNotebookToStart',
      'DescribeNotebook',
      'DecideNextStep',
      'ResolveFinding',
      'CheckFindingResolved',
      'PublishResolvedAlert',
      'ReleaseNotebookLock',
    ]);
    expect(execution.lambdaInvocations).toBe(1);
    // And the notebook is back InService with root access disabled
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    const update = deployment.account.callsTo('SageMaker', 'UpdateNotebookInstance')[0];
    expect(update?.input).toEqual({ NotebookInstanceName: NOTEBOOK, RootAccess: 'Disabled' });
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    // And the finding is RESOLVED with a note naming what was done and by which execution
    const resolved = findingNow(deployment, finding);
    expect(resolved.Workflow?.Status).toBe('RESOLVED');
    expect(resolved.Note?.Text).toBe(
      `Remediated by ${execution.name}: RootAccess=Disabled verified on notebook instance ${NOTEBOOK} (was running before: true; status now: InService).`,
    );
    expect(resolved.Note?.UpdatedBy).toBe('sagemaker-remediation');
    // And one alert says so, with attributes subscribers can filter on
    const [alert] = alerts(deployment);
    expect(alerts(deployment)).toHaveLength(1);
    expect(alert?.Subject).toBe(`SageMaker.3 remediated: ${NOTEBOOK}`);
    expect(alert?.MessageAttributes).toEqual({
      outcome: { DataType: 'String', StringValue: 'RESOLVED' },
      control: { DataType: 'String', StringValue: 'SageMaker.3' },
    });
    expect(alert?.Message).toContain(`Execution: ${execution.executionArn}`);
    // And the notebook lock is released
    expect(lockItems(deployment)).toEqual([]);
  });

  it('root access on, Stopped: updates, leaves it stopped, resolves the finding', async () => {
    const deployment = givenNotebook({ status: 'Stopped' });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual(['UpdateNotebookInstance']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      RootAccess: 'Disabled',
    });
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toContain('was running before: false');
  });

  it('Pending: waits until it is InService, then stops, updates and restarts it', async () => {
    // Given a notebook that is starting (Pending -> InService takes 180 s)
    const deployment = givenNotebook({ status: 'Pending' });
    const execution = onlyExecution(await whenImported(deployment));
    // Then it waited with status checks before stopping, and ended running
    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution).slice(0, 6)).toEqual([
      'PlanRemediation',
      'DecideNextStep',
      'CountStatusCheck',
      'WaitBeforeCheckingAgain',
      'DescribeNotebook',
      'DecideNextStep',
    ]);
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
  });

  it('Stopping: waits until it is Stopped, updates, and leaves it stopped (it was being stopped)', async () => {
    const deployment = givenNotebook({ status: 'Stopping' });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual(['UpdateNotebookInstance']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      RootAccess: 'Disabled',
    });
  });

  it('Updating: waits for the other update to finish, then updates, and leaves it stopped', async () => {
    const deployment = givenNotebook({ status: 'Updating' });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual(['UpdateNotebookInstance']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      RootAccess: 'Disabled',
    });
  });

  it('Failed: changes nothing, sets the finding NOTIFIED with the failure reason, alerts', async () => {
    const deployment = givenNotebook({
      status: 'Failed',
      failureReason: 'Lifecycle configuration script failed',
    });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual([]);
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toContain('is Failed (Lifecycle configuration script failed)');
    expect(alertOutcomes(deployment)).toEqual(['NEEDS_ATTENTION']);
    expect(lockItems(deployment)).toEqual([]);
  });

  it('root access already disabled: resolves the finding without touching the notebook', async () => {
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Disabled' });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual([]);
    expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status).toBe('RESOLVED');
    expect(alertOutcomes(deployment)[0]).toBe('ALREADY_COMPLIANT');
  });

  it.each([
    ['stop', { stopSeconds: 100 }],
    ['update', { updateSeconds: 90 }],
  ])(
    'a slower %s than usual: checks back off (+10, +15, +20 s), the counter restarts per phase',
    async (_, durations) => {
      // Given a notebook whose transition takes longer than the typical 60 s the first wait assumes
      const deployment = givenNotebook({ durations });
      const execution = onlyExecution(await whenImported(deployment));
      // Then it checked three more times and carried on to the end
      expect(execution.status).toBe('SUCCEEDED');
      expect(statesOf(execution).filter((state) => state === 'CountStatusCheck')).toHaveLength(3);
      expect(notebookNow(deployment)).toMatchObject({
        NotebookInstanceStatus: 'InService',
        RootAccess: 'Disabled',
      });
    },
  );

  it('the remediation runs in about the time SageMaker itself takes: 300 s of transitions', async () => {
    const deployment = givenNotebook();
    const execution = onlyExecution(await whenImported(deployment));
    const elapsed = (execution.stoppedAt?.getTime() ?? 0) - execution.startedAt.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(300_000);
    expect(elapsed).toBeLessThan(302_000);
  });
});
