import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../../handlers/shared/runtime-settings.js';
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

/** SageMaker at its fastest: each transition takes the workflow's first wait (DEFAULT_TIMING). */
const FASTEST = {
  stopSeconds: DEFAULT_TIMING.stopSeconds,
  updateSeconds: DEFAULT_TIMING.updateSeconds,
  startSeconds: DEFAULT_TIMING.startSeconds,
};

describe('SageMaker.3 remediation from each starting status', () => {
  it('root access on, InService, SageMaker at its fastest: stops, updates, restarts, resolves the finding', async () => {
    // Given a running notebook with root access whose transitions take the first waits (SageMaker's
    // shortest times), and its SageMaker.3 finding
    const deployment = givenNotebook({ status: 'InService', rootAccess: 'Enabled', durations: FASTEST });
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
    ['stop', { stopSeconds: 100 }, 6],
    ['update', { updateSeconds: 90 }, 8],
  ])(
    'a slower %s than the first wait: looked at every 10 s until it settles, the counter restarts per phase',
    async (_, slower, checks) => {
      // Given a notebook whose one transition takes longer than SageMaker's shortest time (the first wait)
      const deployment = givenNotebook({ durations: { ...FASTEST, ...slower } });
      const execution = onlyExecution(await whenImported(deployment));
      // Then it looked again every 10 s, just long enough to see it settled, and carried on to the end
      expect(execution.status).toBe('SUCCEEDED');
      expect(statesOf(execution).filter((state) => state === 'CountStatusCheck')).toHaveLength(checks);
      expect(notebookNow(deployment)).toMatchObject({
        NotebookInstanceStatus: 'InService',
        RootAccess: 'Disabled',
      });
    },
  );

  it("the remediation takes SageMaker's own 300 s and at most one check interval more per phase", async () => {
    // Given SageMaker's typical times in the simulated account: stop 60 s, update 60 s, start 180 s
    const deployment = givenNotebook();
    const execution = onlyExecution(await whenImported(deployment));
    const elapsed = (execution.stoppedAt?.getTime() ?? 0) - execution.startedAt.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(300_000);
    // Three phases, each seen settled within 10 s, and the API and Lambda latency
    expect(elapsed).toBeLessThan(300_000 + 3 * 10_000 + 2_000);
  });
});
