/**
 * The counted notebook faults the campaign uses for transient start and update failures
 * (startFailureTimes, updateFailureTimes in simulation/account/faults.ts).
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { FaultInjector, type NotebookFaults } from '../../simulation/account/faults.js';
import { SimulatedSageMaker } from '../../simulation/account/sagemaker.js';

const NOTEBOOK = { NotebookInstanceName: 'nb' };
/** Longer than any transition of the simulated SageMaker. */
const TRANSITION_MS = 600_000;

function stoppedNotebook(faults: NotebookFaults) {
  const clock = new SimulatedClock();
  const injector = new FaultInjector(clock);
  const sagemaker = new SimulatedSageMaker(clock, { faults: injector });
  sagemaker.seedNotebook({ name: 'nb', status: 'Stopped', faults });
  const statusAfter = (act: () => void) => {
    act();
    clock.advance(TRANSITION_MS);
    return sagemaker.describeNotebookInstance(NOTEBOOK).NotebookInstanceStatus;
  };
  return { sagemaker, injector, statusAfter };
}

describe('counted notebook faults', () => {
  it('Given a start failure for 2 starts, When the notebook is started three times, Then the first two end Failed and the third InService', () => {
    const { sagemaker, statusAfter } = stoppedNotebook({
      startFailureReason: 'No capacity',
      startFailureTimes: 2,
    });
    const start = () => sagemaker.startNotebookInstance(NOTEBOOK);
    expect([statusAfter(start), statusAfter(start), statusAfter(start)]).toEqual([
      'Failed',
      'Failed',
      'InService',
    ]);
  });

  it('Given an update failure for 2 updates, When the notebook is updated three times (restarted and stopped between), Then two end Failed and the third Stopped with the change', () => {
    const { sagemaker, statusAfter } = stoppedNotebook({
      updateFailureReason: 'Internal error',
      updateFailureTimes: 2,
    });
    const update = () => sagemaker.updateNotebookInstance({ ...NOTEBOOK, RootAccess: 'Disabled' });
    // A Failed notebook accepts a start; stopped again, it accepts the next update.
    const recover = () => {
      statusAfter(() => sagemaker.startNotebookInstance(NOTEBOOK));
      statusAfter(() => sagemaker.stopNotebookInstance(NOTEBOOK));
    };
    const outcomes = [statusAfter(update)];
    recover();
    outcomes.push(statusAfter(update));
    recover();
    outcomes.push(statusAfter(update));
    expect(outcomes).toEqual(['Failed', 'Failed', 'Stopped']);
    expect(sagemaker.describeNotebookInstance(NOTEBOOK).RootAccess).toBe('Disabled');
  });

  it('Given a start failure without a count, When it has happened once, Then the fault is gone, as before counts existed', () => {
    const { sagemaker, injector, statusAfter } = stoppedNotebook({ startFailureReason: 'No capacity' });
    expect(statusAfter(() => sagemaker.startNotebookInstance(NOTEBOOK))).toBe('Failed');
    expect(injector.notebook('nb')).toEqual({});
  });
});
