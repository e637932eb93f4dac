/**
 * Recovery that outlasts transient faults: after a failure the notebook is brought back to its prior
 * run state, and its own lifecycle configuration put back, each within a budget of its own, retried
 * with backoff; a Failed notebook is started first, as SageMaker allows.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { FILES, findingsFor, givenExposedNotebook, whenImportedAndClicked } from './recreation-fixtures.js';
import {
  alerts,
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

describe('the run state comes back through transient faults', () => {
  it('Given a running notebook whose update is refused and whose next two starts end Failed, When its root access fix fails, Then the recovery starts it a third time and it is InService again, with nothing to do by hand', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, {
      rejectUpdate: { code: 'ValidationException', message: 'Not now' },
      startFailureReason: 'InsufficientInstanceCapacity: retry later',
      startFailureTimes: 2,
    });

    const execution = onlyExecution(await whenImported(deployment));

    expect(execution.status).toBe('FAILED');
    expect(statesOf(execution).filter((state) => state === 'RestartNotebook')).toHaveLength(3);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('InService');
    expect(alerts(deployment).at(-1)?.Subject).not.toContain('ACTION NEEDED');
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toContain(
      'the workflow restarted it and it is InService again',
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given a running notebook whose update is refused and whose restart is refused by SageMaker for five minutes, When its fix fails, Then the recovery keeps trying with backoff and it is InService again', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, {
      rejectUpdate: { code: 'ValidationException', message: 'Not now' },
    });
    // Each RestartNotebook task tries 1 + 5 times: 14 failures outlast two attempts (about five minutes)
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'StartNotebookInstance',
      code: 'ServiceUnavailable',
      times: 14,
    });

    const execution = onlyExecution(await whenImported(deployment));

    expect(
      statesOf(execution).filter((state) => state === 'CountRunStateRecovery').length,
    ).toBeGreaterThanOrEqual(2);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('InService');
    expect(alerts(deployment).at(-1)?.Subject).not.toContain('ACTION NEEDED');
  });

  it('Given a notebook that was Stopped and whose update ends Failed, When its fix fails, Then the recovery starts it (Failed accepts only Start) and stops it again: it ends Stopped, as it was', async () => {
    const deployment = givenNotebook({ status: 'Stopped' });
    deployment.account.faults.onNotebook(NOTEBOOK, { updateFailureReason: 'Internal error' });

    const execution = onlyExecution(await whenImported(deployment));

    expect(execution.status).toBe('FAILED');
    expect(statesOf(execution)).toEqual(expect.arrayContaining(['RestartNotebook', 'StopAfterRecovery']));
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('Stopped');
    expect(alerts(deployment).at(-1)?.Subject).not.toContain('ACTION NEEDED');
  });
});

describe('a refusal that outlasts the budget', () => {
  it('Given a running notebook whose update is refused and whose every start is accepted and ends Failed, When its fix fails, Then the budget runs out (each accepted start spends it) and the alert says it is Failed and what to run', async () => {
    const deployment = givenNotebook();
    deployment.account.faults.onNotebook(NOTEBOOK, {
      rejectUpdate: { code: 'ValidationException', message: 'Not now' },
      startFailureReason: 'InsufficientInstanceCapacity: no capacity',
      startFailureTimes: 1000,
    });

    const execution = onlyExecution(await whenImported(deployment));

    // Before each accepted start counted, this looped until the 25,000-event history limit (78 h).
    expect(execution.status).toBe('FAILED');
    const restarts = statesOf(execution).filter((state) => state === 'RestartNotebook').length;
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(restarts).toBeLessThanOrEqual(20);
    expect(notebookNow(deployment).NotebookInstanceStatus).toBe('Failed');
    const alert = alerts(deployment).at(-1);
    expect(alert?.Subject).toBe(`SageMaker.3 remediation failed - ACTION NEEDED: ${NOTEBOOK}`);
    expect(alert?.Message).toContain(
      `start it: aws sagemaker start-notebook-instance --notebook-instance-name ${NOTEBOOK}`,
    );
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('the lifecycle configuration has a budget of its own', () => {
  it('Given an approved recreation whose backup start ends Failed once, When the backup cannot run, Then the recovery starts it from Failed, stops it, puts its own lifecycle configuration back and starts it: running, as before, data untouched', async () => {
    const { deployment } = givenExposedNotebook();
    const findings = findingsFor(['SageMaker.1']);
    // The first start after the backup lifecycle configuration is attached ends Failed
    const { faults } = deployment.account;
    const check = faults.check.bind(faults);
    let updates = 0;
    faults.check = (service, operation, input) => {
      if (service === 'SageMaker' && operation === 'UpdateNotebookInstance' && ++updates === 1) {
        faults.onNotebook(NOTEBOOK, { startFailureReason: 'InsufficientInstanceCapacity: retry later' });
      }
      return check(service, operation, input);
    };

    const [plan] = await whenImportedAndClicked(deployment, findings, [
      { action: 'approve', afterMinutes: 5 },
    ]);

    expect(plan?.status).toBe('FAILED');
    expect(statesOf(plan as never)).toEqual(
      expect.arrayContaining([
        'StartToPutBackLifecycle',
        'StopToPutBackLifecycle',
        'PutBackLifecycleAfterFailure',
        'RestartNotebook',
      ]),
    );
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Enabled',
    });
    expect(notebookNow(deployment).NotebookInstanceLifecycleConfigName).toBeUndefined();
    expect(deployment.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(alerts(deployment).at(-1)?.Subject).not.toContain('ACTION NEEDED');
    expect(findingNow(deployment, findings[0] as AwsSecurityFinding).Workflow?.Status).toBe('NOTIFIED');
  });
});

describe('the recreated notebook gets its own lifecycle configuration back', () => {
  it('Given a recreated notebook whose update to its own settings ends Failed twice, When the recreation fails there, Then the recovery puts its own lifecycle configuration back on the new notebook and it ends running', async () => {
    const { deployment } = givenExposedNotebook({ notebook: { lifecycleConfigName: 'team-setup' } });
    deployment.account.sagemaker.seedLifecycleConfig({ name: 'team-setup', onStart: 'echo ready' });
    const findings = findingsFor(['SageMaker.1']);
    const { faults } = deployment.account;
    const check = faults.check.bind(faults);
    faults.check = (service, operation, input) => {
      if (service === 'SageMaker' && operation === 'CreateNotebookInstance') {
        faults.onNotebook(NOTEBOOK, { updateFailureReason: 'Internal error', updateFailureTimes: 2 });
      }
      return check(service, operation, input);
    };

    await whenImportedAndClicked(deployment, findings, [{ action: 'approve', afterMinutes: 5 }]);

    const notebook = notebookNow(deployment);
    // Before, the restore lifecycle configuration stayed on the new notebook with no word about it.
    expect(notebook.NotebookInstanceLifecycleConfigName).toBe('team-setup');
    expect(notebook.NotebookInstanceStatus).toBe('InService');
    expect(deployment.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(lockItems(deployment)).toEqual([]);
  });
});
