/**
 * Locks that cannot leak: the leaks the fault campaign found, each through the deployed stack. Before
 * the fix, a lock whose execution had ended stayed until it expired (6 h, or 6 h plus the approval
 * window), and every re-import of the finding meanwhile ended in "being changed by another execution"
 * with nothing changed. Now a lock whose holder is not RUNNING (DescribeExecution) is taken over at
 * once, the finding saying so, and a scheduled sweep clears what no re-import comes for.
 */
import { describe, expect, it } from 'vitest';
import { IN_PLACE_LOCK_SECONDS } from '../../handlers/shared/work-budget.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  alertOutcomes,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  sageMaker3Finding,
  statesOf,
  whenImported,
} from './workflow-fixtures.js';

const HOUR_MS = 3_600_000;

/** How every execution so far ended, in the order they started. */
function outcomes(deployment: LocalDeployment): string[] {
  return deployment.stateMachine.executions.map((execution) => execution.status);
}

/** The name of the execution started `index`-th (0 first, -1 last), as locks and notes name it. */
function nameOf(deployment: LocalDeployment, index: number): string {
  const execution = deployment.stateMachine.executions.at(index);
  if (!execution) throw new Error(`no execution at ${index}`);
  return execution.name;
}

/** The lock item's owner (by execution name) and remediation, as an operator would read them. */
function heldLocks(deployment: LocalDeployment): string[] {
  return lockItems(deployment).map(
    (item) => `${item.ownerExecutionArn?.S?.split(':').at(-1)} ${item.remediation?.S}`,
  );
}

/**
 * The operator stops the running execution once its lock exists: while it is still planning. Its
 * clean-up would free that lock (test/workflow/execution-cleanup.test.ts); here DynamoDB refuses the
 * clean-up's takeover for as long as it tries, so the lock is left for a takeover or the sweeper.
 */
async function whenStoppedWhilePlanningAndCleanUpFails(deployment: LocalDeployment): Promise<void> {
  deployment.importFinding(sageMaker3Finding());
  while (lockItems(deployment).length === 0) await deployment.account.clock.sleep(5);
  const running = deployment.stateMachine.executions.find((execution) => execution.status === 'RUNNING');
  if (!running) throw new Error('no execution is running');
  expect(statesOf(running).at(-1)).toBe('PlanRemediation');
  deployment.account.faults.failNext({
    service: 'DynamoDB',
    operation: 'UpdateItem',
    code: 'InternalServerError',
    times: 10_000,
  });
  deployment.stateMachine.stop(running.executionArn, 'Operator.Stop', 'Stopped from the console.');
  await deployment.settle();
  deployment.account.faults.reset();
  // (the failed clean-up's own status change starts one more, which does not clean up a clean-up)
  const [, cleanUp, ofTheCleanUp] = deployment.stateMachine.executions;
  expect(cleanUp?.transitions.at(-1)?.state).toBe('CleanUpFailed');
  expect(ofTheCleanUp?.transitions.at(-1)?.state).toBe('CleanUpNotNeeded');
}

/** Someone turns root access back on, and Security Hub's next check finds it failing again (NEW). */
async function whenRootAccessReEnabled(deployment: LocalDeployment): Promise<void> {
  const { sagemaker, securityHub, clock } = deployment.account;
  const id = sageMaker3Finding().Id ?? '';
  securityHub.reevaluate(id, { complianceStatus: 'PASSED' });
  await deployment.settle();
  sagemaker.stopNotebookInstance({ NotebookInstanceName: NOTEBOOK });
  await clock.sleep(600_000);
  sagemaker.updateNotebookInstance({ NotebookInstanceName: NOTEBOOK, RootAccess: 'Enabled' });
  await clock.sleep(600_000);
  sagemaker.startNotebookInstance({ NotebookInstanceName: NOTEBOOK });
  await clock.sleep(600_000);
  expect(notebookNow(deployment).RootAccess).toBe('Enabled');
  securityHub.reevaluate(id, { complianceStatus: 'FAILED' });
  await deployment.settle();
}

describe('locks that cannot leak', () => {
  it('Given planning fails after taking the lock and its release fails too, When the finding is imported again an hour later, Then the lock is taken over and root access disabled', async () => {
    // Given a running notebook whose description and lock deletion keep failing during the first run
    const deployment = givenNotebook();
    const { faults, clock } = deployment.account;
    faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      code: 'InternalFailure',
      times: 1000,
    });
    faults.failNext({
      service: 'DynamoDB',
      operation: 'DeleteItem',
      code: 'InternalServerError',
      times: 1000,
    });
    await whenImported(deployment);
    // (planning failed with no step recorded: the clean-up has nothing to clean, and the lock is left)
    expect(outcomes(deployment)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(statesOf(deployment.stateMachine.executions[1] ?? ({} as never)).at(-1)).toBe('CleanUpNotNeeded');
    const failed = nameOf(deployment, 0);
    expect(heldLocks(deployment)).toEqual([`${failed} update-notebook`]);
    faults.reset();

    // When the finding is imported again an hour later (before: the lock still had 5 h to run, and the
    // run ended "being changed by" the failed execution with root access left on)
    clock.advance(HOUR_MS);
    await whenImported(deployment);

    // Then the new run took the lock over, fixed the notebook, said so, and released the lock
    expect(outcomes(deployment)).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('RESOLVED');
    expect(finding.Note?.Text).toBe(
      `Remediated by ${nameOf(deployment, -1)}: RootAccess=Disabled verified on notebook instance Research-Notebook (was running before: true; status now: InService). Took over the lock of execution ${failed}, which had ended FAILED.`,
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given every lock release fails (the run’s and its clean-up’s), When root access is re-enabled an hour later, Then it is disabled again', async () => {
    // Given a fix whose release fails, and the clean-up after it whose release fails as well
    const deployment = givenNotebook();
    const { faults, clock } = deployment.account;
    faults.failNext({
      service: 'DynamoDB',
      operation: 'DeleteItem',
      code: 'InternalServerError',
      times: 1000,
    });
    await whenImported(deployment);
    expect(outcomes(deployment)).toEqual(['FAILED', 'SUCCEEDED']);
    const cleanUp = nameOf(deployment, 1);
    expect(heldLocks(deployment)).toEqual([`${cleanUp} clean-up:update-notebook`]);
    faults.reset();

    // When root access is turned back on an hour later (before: the lock held another 23 h, and the
    // finding's new run ended "being changed by" the clean-up: root access stayed enabled)
    clock.advance(HOUR_MS);
    await whenRootAccessReEnabled(deployment);

    // Then the new run takes the clean-up's lock over and disables root access again
    expect(outcomes(deployment)).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('RESOLVED');
    expect(finding.Note?.Text).toMatch(
      new RegExp(
        `^Remediated by ${nameOf(deployment, -1)}: .* Took over the lock of execution ${cleanUp}, which had ended SUCCEEDED\\.$`,
      ),
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given an operator stops the execution while it plans, When the finding is imported again, Then it is remediated, not "nothing to do"', async () => {
    // Given a run stopped after it took the lock, before it recorded any step (no clean-up possible)
    const deployment = givenNotebook();
    await whenStoppedWhilePlanningAndCleanUpFails(deployment);
    expect(outcomes(deployment)).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED']);
    const stopped = nameOf(deployment, 0);
    expect(heldLocks(deployment)).toEqual([`${stopped} update-notebook`]);
    // (the lock lasts as long as an in-place fix can run, not the approval window)
    const [lock] = lockItems(deployment);
    const acquired = Math.floor(Date.parse(lock?.acquiredAt?.S ?? '') / 1000);
    expect(Number(lock?.expiresAt?.N) - acquired).toBe(IN_PLACE_LOCK_SECONDS);
    expect(IN_PLACE_LOCK_SECONDS).toBeLessThan(deployment.settings.recreate?.approvalTimeoutSeconds ?? 0);

    // When the finding is imported again ten minutes later (before: "being changed by" the stopped run)
    deployment.account.clock.advance(600_000);
    await whenImported(deployment);

    // Then it is remediated, the finding saying whose lock was taken over
    expect(outcomes(deployment)).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(notebookNow(deployment).RootAccess).toBe('Disabled');
    expect(findingNow(deployment, sageMaker3Finding()).Note?.Text).toMatch(
      new RegExp(
        `^Remediated by ${nameOf(deployment, -1)}: .* Took over the lock of execution ${stopped}, which had ended ABORTED\\.$`,
      ),
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given a lock left by a stopped execution and no re-import, When the scheduled sweep runs, Then the lock is cleared, the finding told and an alert sent', async () => {
    // Given the lock of a run stopped while planning
    const deployment = givenNotebook();
    await whenStoppedWhilePlanningAndCleanUpFails(deployment);

    // When the schedule runs the sweeper (before: there was none, and the lock stayed 6 h)
    deployment.account.clock.advance(deployment.scheduledSweep.intervalSeconds * 1000);
    const sweep = await deployment.runScheduledSweep();

    // Then the lock is gone and its finding says what was held and what to do
    expect(sweep).toMatchObject({
      ok: true,
      locksCleared: 1,
      plansCleared: 0,
      findingsNoted: 1,
      problems: [],
    });
    expect(lockItems(deployment)).toEqual([]);
    const finding = findingNow(deployment, sageMaker3Finding());
    expect(finding.Workflow?.Status).toBe('NOTIFIED');
    expect(finding.Note?.Text).toMatch(
      new RegExp(
        `^The lock on notebook instance research-notebook \\(update-notebook for this finding\\) was cleared at .*: execution ${nameOf(deployment, 0)}, which had ended ABORTED, had not released it\\. .* Set this finding back to NEW to try again\\.$`,
      ),
    );
    // (the first alert is the clean-up's own: it could not start)
    expect(alertOutcomes(deployment)).toEqual(['FAILED', 'STALE_RECORDS_CLEARED']);
    // And a second sweep finds nothing more to do
    expect(await deployment.runScheduledSweep()).toMatchObject({
      ok: true,
      locksCleared: 0,
      findingsNoted: 0,
    });
  });
});
