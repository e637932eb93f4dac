import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { LocalStateMachine } from '../../simulation/runner/local-state-machine.js';
import type { StateMachineDefinition } from '../../statemachines/amazon-states-language.js';

/** Stores its task token in DynamoDB and waits, as the approval gate does. */
const approvalDefinition: StateMachineDefinition = {
  StartAt: 'WaitForApproval',
  States: {
    WaitForApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
      Parameters: {
        TableName: 'approvals',
        Item: { approvalKey: { S: 'notebook' }, taskToken: { 'S.$': '$$.Task.Token' } },
      },
      TimeoutSeconds: 3600,
      ResultPath: '$.approval',
      Catch: [
        { ErrorEquals: ['RemediationRejected'], Next: 'Rejected', ResultPath: '$.rejection' },
        { ErrorEquals: ['States.Timeout'], Next: 'Expired', ResultPath: '$.expiry' },
      ],
      Next: 'WaitALittle',
    },
    WaitALittle: { Type: 'Wait', Seconds: 30, Next: 'Approved' },
    Approved: { Type: 'Succeed' },
    Rejected: { Type: 'Succeed' },
    Expired: { Type: 'Succeed' },
  },
};

function givenMachine() {
  const account = new SimulatedAccount({ latencyMs: 0 });
  account.dynamodb.createTable({ TableName: 'approvals', partitionKey: 'approvalKey' });
  const machine = new LocalStateMachine({
    name: 'approval',
    definition: approvalDefinition,
    backend: account,
    functions: {},
    resources: {},
  });
  const storedToken = () => account.dynamodb.scanTable('approvals')[0]?.taskToken?.S ?? '';
  return { account, machine, storedToken };
}

/** Lets the execution reach its waiting task (the clock only moves when everything is idle). */
const untilWaiting = async (machine: LocalStateMachine) => {
  for (let turn = 0; turn < 50 && machine.waitingTaskTokens.length === 0; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe('local runner: .waitForTaskToken', () => {
  it('the token written by the task is the one SendTaskSuccess takes; the result lands in ResultPath', async () => {
    const { account, machine, storedToken } = givenMachine();
    const { done } = machine.start({ notebook: 'nb' });
    await untilWaiting(machine);
    expect(machine.waitingTaskTokens).toEqual([storedToken()]);

    machine.sendTaskSuccess(storedToken(), { approvedAt: '2026-11-23T09:10:00Z' });
    const execution = await done;

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ notebook: 'nb', approval: { approvedAt: '2026-11-23T09:10:00Z' } });
    expect(execution.transitions.map((transition) => transition.state)).toEqual([
      'WaitForApproval',
      'WaitALittle',
      'Approved',
    ]);
    // The one-hour timeout was cancelled: it can never move the clock afterwards.
    expect(account.clock.pendingTimers).toBe(0);
    expect(account.clock.now().toISOString()).toBe('2026-11-23T09:00:30.000Z');
  });

  it('SendTaskFailure: the task fails with that error name, which a Catch routes', async () => {
    const { machine, storedToken } = givenMachine();
    const { done } = machine.start({});
    await untilWaiting(machine);
    machine.sendTaskFailure(storedToken(), 'RemediationRejected', 'rejected by security ops');
    const execution = await done;
    expect(execution.transitions.at(-1)?.state).toBe('Rejected');
    expect(execution.output).toEqual({
      rejection: { Error: 'RemediationRejected', Cause: 'rejected by security ops' },
    });
  });

  it('no answer: States.Timeout after TimeoutSeconds of simulated time; a late answer is TaskDoesNotExist', async () => {
    const { account, machine, storedToken } = givenMachine();
    const { done } = machine.start({});
    const execution = await done;
    expect(execution.transitions.at(-1)?.state).toBe('Expired');
    expect(account.clock.now().toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(() => machine.sendTaskSuccess(storedToken(), {})).toThrow(/Task does not exist/);
  });

  it('a token is used once: answering twice is TaskDoesNotExist', async () => {
    const { machine, storedToken } = givenMachine();
    const { done } = machine.start({});
    await untilWaiting(machine);
    const token = storedToken();
    machine.sendTaskSuccess(token, {});
    expect(() => machine.sendTaskSuccess(token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
    await done;
  });
});
