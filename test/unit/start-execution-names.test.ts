/**
 * StartExecution with a name, as the simulation answers it: names are unique per state machine, but
 * starting an open execution again with the same name and input is idempotent (the Step Functions API
 * reference, StartExecution). The finding buffer's starter relies on it: a redelivered message names
 * the execution its first delivery started.
 */
import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../statemachines/amazon-states-language.js';
import { givenBackend, machineOf } from './local-runner-fixtures.js';

/** Open for a minute, then succeeds. */
const waitingDefinition: StateMachineDefinition = {
  StartAt: 'WaitAMinute',
  States: { WaitAMinute: { Type: 'Wait', Seconds: 60, Next: 'Done' }, Done: { Type: 'Succeed' } },
};
const NAME = 'finding-0123456789abcdef0123456789abcdef01234567';
const INPUT = { id: 'event-1', detail: { findings: [{ Id: 'finding-1' }] } };

function errorNameOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as Error).name;
  }
  return undefined;
}

describe('StartExecution of a name already used', () => {
  it('Given an open execution, When it is started again with the same name and input, Then that execution is returned (same ARN and start date) and nothing else starts', async () => {
    const { backend, clock } = givenBackend();
    const machine = machineOf(waitingDefinition, backend);
    const first = machine.start(INPUT, NAME);
    await clock.sleep(10_000);
    expect(first.record.status).toBe('RUNNING');

    // When (a copy of the input, as a redelivered message would parse it)
    const again = machine.start(structuredClone(INPUT), NAME);

    // Then
    expect(again.record.executionArn).toBe(first.record.executionArn);
    expect(again.record.startedAt).toEqual(first.record.startedAt);
    expect(machine.executions).toHaveLength(1);
    expect(await again.done).toBe(await first.done);
    expect(first.record.status).toBe('SUCCEEDED');
  });

  it('Given an open execution, When a start names it with another input, Then ExecutionAlreadyExists and nothing starts', async () => {
    const { backend, clock } = givenBackend();
    const machine = machineOf(waitingDefinition, backend);
    const first = machine.start(INPUT, NAME);
    await clock.sleep(10_000);

    expect(errorNameOf(() => machine.start({ ...INPUT, id: 'event-2' }, NAME))).toBe(
      'ExecutionAlreadyExists',
    );
    expect(machine.executions).toHaveLength(1);
    await first.done;
  });

  it('Given a closed execution, When it is started again with the same name and input, Then ExecutionAlreadyExists', async () => {
    const { backend } = givenBackend();
    const machine = machineOf(waitingDefinition, backend);
    const closed = await machine.start(INPUT, NAME).done;
    expect(closed.status).toBe('SUCCEEDED');

    expect(errorNameOf(() => machine.start(INPUT, NAME))).toBe('ExecutionAlreadyExists');
    expect(machine.executions).toHaveLength(1);
  });
});
