import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import type { DeployedFunction } from '../../simulation/deploy/deploy-template.js';
import { invokeAsynchronously } from '../../simulation/runner/async-invocation.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A function whose role may (or may not) send to its on-failure queue. */
function setup(options: { destination: boolean; roleMaySend: boolean }) {
  const account = new SimulatedAccount({ latencyMs: 0 });
  cleanups.push(() => account.dispose());
  const { queueUrl, queueArn } = account.sqs.createQueue('failed-clicks');
  const roleArn = account.iam.createRole({
    roleName: 'CustomActionRole',
    inlinePolicies: options.roleMaySend
      ? [
          {
            name: 'SendFailedClicks',
            document: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn }],
            },
          },
        ]
      : [],
  });
  const fn: DeployedFunction = {
    logicalId: 'CustomAction',
    constructId: 'CustomAction',
    functionName: 'stack-CustomAction',
    arn: 'arn:aws:lambda:eu-west-1:111122223333:function:stack-CustomAction',
    roleArn,
    timeoutSeconds: 60,
    environment: {},
    ...(options.destination ? { onFailureDestinationArn: queueArn } : {}),
  };
  return { account, fn, queueUrl, caller: account.callerFor(roleArn, fn.functionName) };
}

const EVENT = { id: 'click-1', 'detail-type': 'Security Hub Findings - Custom Action' };

describe('an asynchronous invocation, as EventBridge makes one', () => {
  it('Given a handler that fails twice, When invoked, Then Lambda retries one and then two minutes later and the third attempt succeeds', async () => {
    const { account, fn, caller } = setup({ destination: true, roleMaySend: true });
    const attempts: number[] = [];
    const handler = async () => {
      attempts.push(account.clock.nowMs());
      if (attempts.length < 3) throw new Error('table unavailable');
    };

    const outcome = await invokeAsynchronously({
      account,
      fn,
      caller,
      handler,
      event: EVENT,
      requestId: 'r-1',
    });

    expect(outcome).toEqual({ functionArn: fn.arn, requestId: 'r-1', attempts: 3, outcome: 'Success' });
    expect(attempts.map((at) => (at - (attempts[0] ?? 0)) / 1000)).toEqual([0, 60, 180]);
  });

  it('Given a handler that always fails and an on-failure queue, When invoked, Then after three attempts the invocation record, with the event, is sent to the queue as the function role', async () => {
    const { account, fn, caller, queueUrl } = setup({ destination: true, roleMaySend: true });

    const outcome = await invokeAsynchronously({
      account,
      fn,
      caller,
      handler: async () => {
        throw new TypeError('bad click');
      },
      event: EVENT,
      requestId: 'r-2',
    });

    expect(outcome).toMatchObject({
      attempts: 3,
      outcome: 'DestinationDelivered',
      error: 'TypeError: bad click',
    });
    const [message] = account.sqs.messages(queueUrl);
    expect(JSON.parse(message?.Body ?? '{}')).toEqual({
      version: '1.0',
      timestamp: '2026-11-23T09:03:00.000Z',
      requestContext: {
        requestId: 'r-2',
        functionArn: `${fn.arn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: EVENT,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'TypeError', errorMessage: 'bad click' },
    });
    expect(account.authorizations.at(-1)).toMatchObject({ action: 'sqs:SendMessage', decision: 'Allowed' });
  });

  it('Given a role that may not send to the queue, When every attempt fails, Then the record is refused and the event is lost, as AWS would lose it', async () => {
    const { account, fn, caller, queueUrl } = setup({ destination: true, roleMaySend: false });

    const outcome = await invokeAsynchronously({
      account,
      fn,
      caller,
      handler: async () => {
        throw new Error('down');
      },
      event: EVENT,
      requestId: 'r-3',
    });

    expect(outcome.outcome).toBe('DestinationRefused');
    expect(outcome.error).toContain('is not authorized to perform: sqs:SendMessage');
    expect(account.sqs.messages(queueUrl)).toEqual([]);
  });

  it('Given no on-failure destination, When every attempt fails, Then the event is dropped', async () => {
    const { account, fn, caller } = setup({ destination: false, roleMaySend: true });

    const outcome = await invokeAsynchronously({
      account,
      fn,
      caller,
      handler: async () => {
        throw new Error('down');
      },
      event: EVENT,
      requestId: 'r-4',
    });

    expect(outcome).toMatchObject({ attempts: 3, outcome: 'Dropped' });
  });
});
