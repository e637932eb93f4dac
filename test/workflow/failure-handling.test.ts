import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STATUS_CHECKS } from '../../handlers/shared/runtime-settings.js';
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

describe('failure handling: the notebook back in its prior run state, the finding annotated, an alert', () => {
  it('update rejected: retried, then the notebook is restarted, the finding says why, the lock is released', async () => {
    // Given a running notebook whose UpdateNotebookInstance is refused
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, {
      rejectUpdate: { code: 'ValidationException', message: 'Instance type not supported in this zone' },
    });

    // When its SageMaker.3 finding is imported
    const execution = onlyExecution(await whenImported(deployment));

    // Then the update was tried 1 + 5 times (the generic SageMakerException is what AWS raises)
    expect(deployment.account.callsTo('SageMaker', 'UpdateNotebookInstance')).toHaveLength(6);
    expect(execution.retries).toBe(5);
    // And the notebook was started again: it was running before
    expect(changesMade(deployment)).toEqual(['StopNotebookInstance', 'StartNotebookInstance']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Enabled',
    });
    // And the finding is NOTIFIED with a note naming the real error and the recovery
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toMatch(
      new RegExp(
        `^Remediation of SageMaker\\.3 on notebook instance Research-Notebook failed\\. It was running before; the workflow restarted it and it is InService again\\. RootAccess is Enabled\\. Execution ${execution.name}\\. Error: ValidationException: Instance type not supported in this zone`,
      ),
    );
    // And one alert, the lock released, and the execution failed with the original error
    expect(alertOutcomes(deployment)).toEqual(['FAILED']);
    expect(alerts(deployment)[0]?.Subject).toBe('SageMaker.3 remediation failed: Research-Notebook');
    expect(lockItems(deployment)).toEqual([]);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('SageMaker.SageMakerException');
    // (an in-place fix has no plan: its one finding is annotated and no plan is closed)
    // (the loop looks at the notebook again directly; CheckNotebookAfterFailure was its first step)
    expect(statesOf(execution).slice(-10)).toEqual([
      'DescribeNotebookAfterFailure',
      'DecideRecovery',
      'ReportFailure',
      'DecideFailureFindings',
      'AnnotateFailure',
      'PublishFailureAlert',
      'DecidePlanAfterFailure',
      'ReleaseLockAfterFailure',
      'DecideFailureEnd',
      'RemediationFailed',
    ]);
  });

  it('throttled twice on StopNotebookInstance: retried with backoff, then the remediation succeeds', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.throttle({ service: 'SageMaker', operation: 'StopNotebookInstance', times: 2 });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.retries).toBe(2);
    expect(
      deployment.account.callsTo('SageMaker', 'StopNotebookInstance').map((call) => call.outcome),
    ).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status).toBe('RESOLVED');
  });

  it('throttling that does not let up: retries run out, the notebook was never stopped and is left running', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.throttle({
      service: 'SageMaker',
      operation: 'StopNotebookInstance',
      times: 100,
    });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('FAILED');
    expect(changesMade(deployment)).toEqual([]);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('InService');
    const note = findingNow(deployment, sageMaker3Finding()).Note?.Text;
    expect(note).toContain('It is InService, as it was before.');
    expect(note).toContain('Error: ThrottlingException');
  });

  it('a Security Hub 5xx on resolve is retried and the finding still ends RESOLVED', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.failNext({
      service: 'SecurityHub',
      operation: 'BatchUpdateFindings',
      code: 'InternalException',
    });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('SUCCEEDED');
    expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status).toBe('RESOLVED');
  });

  it('Given a notebook stuck in Stopping for good, When its fix runs, Then the checks are bounded, the recovery tries for its 30 minutes, and the finding and alert ask a human with what to do', async () => {
    // Given a notebook whose stop never completes
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, { stuckInStopping: true });
    const execution = onlyExecution(await whenImported(deployment));
    // Then it gave up after the bounded checks (55 in the run, 30 minutes), then the recovery's 10 attempts
    expect(statesOf(execution).filter((state) => state === 'CountStatusCheck')).toHaveLength(
      DEFAULT_MAX_STATUS_CHECKS,
    );
    expect(DEFAULT_MAX_STATUS_CHECKS).toBe(55);
    expect(statesOf(execution).filter((state) => state === 'CountRunStateRecovery')).toHaveLength(10);
    expect(execution.error).toBe('NotebookStatusTimeout');
    // And the finding and the alert ask for a human
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toContain(
      "It was running before and is Stopping now, after the recovery's time ran out: once it is Stopped or Failed, start it (it may be stuck: see the SageMaker console).",
    );
    expect(alerts(deployment)[0]?.Subject).toBe(
      'SageMaker.3 remediation failed - ACTION NEEDED: Research-Notebook',
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('notebook deleted by someone else mid-run: no further change, the finding says there is nothing to restore', async () => {
    // Given a notebook that someone deletes 10 s after the workflow stops it
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, {
      externalDeletion: { afterOperation: 'StopNotebookInstance', delayMs: 10_000 },
    });
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('FAILED');
    expect(changesMade(deployment)).toEqual(['StopNotebookInstance']);
    expect(deployment.account.sagemaker.statusOf(NOTEBOOK)).toBe('Deleting');
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toContain(
      'It was deleted outside this workflow, so there is nothing to restore.',
    );
    expect(execution.error).toBe('UnexpectedNotebookStatus');
    expect(lockItems(deployment)).toEqual([]);
  });

  it('the restart fails (the notebook ends Failed): restarted once more and back InService', async () => {
    // Given a notebook whose next start ends Failed
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, { startFailureReason: 'Insufficient capacity' });
    const execution = onlyExecution(await whenImported(deployment));
    // Then the recovery started it again, and the finding says so
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    expect(execution.error).toBe('UnexpectedNotebookStatus');
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toContain(
      'the workflow restarted it and it is InService again',
    );
  });

  it('the finding cannot be updated (UnprocessedFindings): reported as a failure, never silently dropped', async () => {
    const deployment = givenNotebook();
    deployment.account.securityHub.injectUnprocessed(sageMaker3Finding().Id ?? '', 'FindingNotFound');
    const execution = onlyExecution(await whenImported(deployment));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('FindingNotUpdated');
    expect(alertOutcomes(deployment)).toEqual(['FAILED']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
  });

  it('the notebook is left in its prior state whatever step fails (wasRunning: InService again)', async () => {
    // Given each SageMaker call of the happy path failing for good in turn
    for (const operation of ['StopNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance']) {
      const deployment = givenNotebook();
      deployment.account.faults.failNext({
        service: 'SageMaker',
        operation,
        code: 'InternalFailure',
        times: 6,
      });
      const execution = onlyExecution(await whenImported(deployment));
      // Then the execution failed, yet the notebook runs again and the finding is annotated
      expect(execution.status, operation).toBe('FAILED');
      expect(notebookNow(deployment).NotebookInstanceStatus, operation).toBe('InService');
      expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status, operation).toBe('NOTIFIED');
      expect(alertOutcomes(deployment), operation).toEqual(['FAILED']);
    }
  });
});

describe('planning failures', () => {
  it('Given DescribeNotebookInstance failing for the planning Lambda once, When the finding arrives, Then the Lambda task is retried and the fix goes ahead', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      code: 'InternalFailure',
      times: 1,
    });

    const execution = onlyExecution(await whenImported(deployment));

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution).slice(0, 2)).toEqual(['PlanRemediation', 'DecideNextStep']);
    expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status).toBe('RESOLVED');
  });

  it('Given DescribeNotebookInstance failing for the planning Lambda on every try, When the finding arrives, Then after the retries nothing changed, the finding stays NEW and an alert says so', async () => {
    // Given DescribeNotebookInstance failing beyond the Lambda task's retries
    const deployment = givenNotebook();
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      code: 'InternalFailure',
      times: 100,
    });
    const execution = onlyExecution(await whenImported(deployment));
    // Then the execution failed at planning, after 8 retries, and changed nothing
    expect(statesOf(execution)).toEqual([
      'PlanRemediation',
      'AlertPlanningFailed',
      'PublishPlanningFailure',
      'PlanningFailed',
    ]);
    expect(execution.retries).toBe(8);
    expect(execution.error).toBe('InternalFailure');
    expect(changesMade(deployment)).toEqual([]);
    expect(lockItems(deployment)).toEqual([]);
    // And the finding stays NEW, so Security Hub's next import of it tries again
    expect(findingNow(deployment, sageMaker3Finding()).Workflow?.Status).toBe('NEW');
    expect(alerts(deployment)[0]?.Subject).toBe('SageMaker remediation could not start');
    expect(alerts(deployment)[0]?.Message).toContain('Error: InternalFailure');
  });
});
