/**
 * Taking over a lock or plan whose execution has ended (handlers/shared/notebook-locks.ts), against
 * the simulated DynamoDB: only when the holder is known to have ended, with a conditional write on that
 * holder, so that of two takers one wins; an expired lock is taken as before, without asking.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { HolderStatus } from '../../handlers/shared/execution-status.js';
import {
  acquireLock,
  createPlan,
  type LockRequest,
  type PlanRequest,
} from '../../handlers/shared/notebook-locks.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { disposeAccounts, documentClient, givenAccount, itemsOf, NOTEBOOK_KEY } from './plan-fixtures.js';

afterEach(disposeAccounts);

const PREFIX = 'arn:aws:states:eu-west-1:111122223333:execution:remediation';
const OLD = `${PREFIX}:stopped-run`;
const NEW = `${PREFIX}:new-run`;
const THIRD = `${PREFIX}:third-run`;
const PRODUCT = 'arn:aws:securityhub:eu-west-1::product/aws/securityhub';

function lockRequest(
  account: SimulatedAccount,
  owner: string,
  overrides: Partial<LockRequest> = {},
): LockRequest {
  return {
    table: 'locks',
    key: NOTEBOOK_KEY,
    owner,
    remediation: 'update-notebook',
    findingId: `finding-of-${owner.split(':').at(-1)}`,
    controlId: 'SageMaker.3',
    now: account.clock.now(),
    seconds: 6 * 3600,
    ...overrides,
  };
}

/** A reader answering from `statuses`, counting the questions. */
function reader(statuses: Record<string, HolderStatus>) {
  const asked: string[] = [];
  const read = async (arn: string) => {
    asked.push(arn);
    return statuses[arn] ?? 'UNKNOWN';
  };
  return { asked, read };
}

async function givenLockOf(account: SimulatedAccount, owner: string): Promise<void> {
  const taken = await acquireLock(documentClient(account), lockRequest(account, owner));
  expect(taken.acquired).toBe(true);
}

describe('acquireLock: taking over from an execution that has ended', () => {
  it('Given a lock held by an execution that was stopped, When another asks, Then it takes the lock over and says whose it was', async () => {
    const account = givenAccount('none');
    await givenLockOf(account, OLD);
    account.clock.advance(60_000);
    const holders = reader({ [OLD]: 'ABORTED' });

    const taken = await acquireLock(documentClient(account), lockRequest(account, NEW), holders.read);

    expect(taken).toEqual({
      acquired: true,
      tookOver: {
        executionArn: OLD,
        end: 'ABORTED',
        findingId: 'finding-of-stopped-run',
        remediation: 'update-notebook',
      },
    });
    expect(holders.asked).toEqual([OLD]);
    expect(itemsOf(account, 'locks')).toEqual([
      expect.objectContaining({ ownerExecutionArn: NEW, tookOverFrom: OLD, tookOverEnd: 'ABORTED' }),
    ]);
    // The takeover is a conditional write naming the old holder
    const puts = account.callsTo('DynamoDB', 'PutItem');
    expect(puts.at(-1)?.input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now OR #owner = :me OR #owner = :old',
      ExpressionAttributeValues: { ':old': { S: OLD } },
    });
  });

  it.each(['RUNNING', 'PENDING_REDRIVE', 'UNKNOWN'] as const)(
    'Given a lock held by an execution that is %s, When another asks, Then it is not taken and the holder is named',
    async (status) => {
      const account = givenAccount('none');
      await givenLockOf(account, OLD);

      const taken = await acquireLock(
        documentClient(account),
        lockRequest(account, NEW),
        reader({ [OLD]: status }).read,
      );

      expect(taken).toEqual({
        acquired: false,
        holder: {
          executionArn: OLD,
          findingId: 'finding-of-stopped-run',
          remediation: 'update-notebook',
        },
      });
      expect(itemsOf(account, 'locks')).toEqual([expect.objectContaining({ ownerExecutionArn: OLD })]);
    },
  );

  it('Given a holder Step Functions does not find, When its lock is younger than five minutes, Then it is kept; later it is taken', async () => {
    const account = givenAccount('none');
    await givenLockOf(account, OLD);
    const holders = reader({ [OLD]: 'NOT_FOUND' });
    account.clock.advance(299_000);
    expect(
      (await acquireLock(documentClient(account), lockRequest(account, NEW), holders.read)).acquired,
    ).toBe(false);

    account.clock.advance(1_000);
    const taken = await acquireLock(documentClient(account), lockRequest(account, NEW), holders.read);

    expect(taken).toMatchObject({ acquired: true, tookOver: { executionArn: OLD, end: 'NOT_FOUND' } });
  });

  it('Given a lock a clean-up took over (it keeps the dead holder’s acquiredAt), When Step Functions does not find the clean-up yet, Then it is kept', async () => {
    const account = givenAccount('none');
    await givenLockOf(account, OLD);
    // What handlers/plan-cleanup.ts writes: owner, expiry and remediation, not acquiredAt.
    await documentClient(account).send(
      new UpdateCommand({
        TableName: 'locks',
        Key: { lockKey: NOTEBOOK_KEY },
        UpdateExpression: 'SET ownerExecutionArn = :me, remediation = :remediation',
        ExpressionAttributeValues: { ':me': THIRD, ':remediation': 'clean-up:update-notebook' },
      }),
    );
    account.clock.advance(3_600_000);

    const taken = await acquireLock(
      documentClient(account),
      lockRequest(account, NEW),
      reader({ [THIRD]: 'NOT_FOUND' }).read,
    );

    expect(taken).toEqual({
      acquired: false,
      holder: {
        executionArn: THIRD,
        findingId: 'finding-of-stopped-run',
        remediation: 'clean-up:update-notebook',
      },
    });
  });

  it('Given two executions taking over the same ended holder, When the other writes first, Then this one sees the winner as the holder', async () => {
    const account = givenAccount('none');
    await givenLockOf(account, OLD);
    // While this one asks Step Functions, THIRD takes the lock over first
    const read = async (arn: string): Promise<HolderStatus> => {
      if (arn === OLD) {
        await acquireLock(documentClient(account), lockRequest(account, THIRD), async () => 'ABORTED');
      }
      return 'ABORTED';
    };

    const taken = await acquireLock(documentClient(account), lockRequest(account, NEW), read);

    expect(taken).toEqual({
      acquired: false,
      holder: { executionArn: THIRD, findingId: 'finding-of-third-run', remediation: 'update-notebook' },
    });
    expect(itemsOf(account, 'locks')).toEqual([expect.objectContaining({ ownerExecutionArn: THIRD })]);
  });

  it('Given an expired lock, When another asks, Then it is taken as before, without asking Step Functions', async () => {
    const account = givenAccount('none');
    await acquireLock(documentClient(account), lockRequest(account, OLD, { seconds: 60 }));
    account.clock.advance(61_000);
    const holders = reader({});

    const taken = await acquireLock(documentClient(account), lockRequest(account, NEW), holders.read);

    expect(taken).toEqual({ acquired: true });
    expect(holders.asked).toEqual([]);
  });

  it('Given a takeover, When the same execution takes the lock again (a retried invoke), Then it still says whose it was', async () => {
    const account = givenAccount('none');
    await givenLockOf(account, OLD);
    await acquireLock(documentClient(account), lockRequest(account, NEW), reader({ [OLD]: 'FAILED' }).read);

    const again = await acquireLock(documentClient(account), lockRequest(account, NEW), reader({}).read);

    expect(again).toMatchObject({ acquired: true, tookOver: { executionArn: OLD, end: 'FAILED' } });
  });

  it('Given no Step Functions reader, When a held lock is asked for, Then it is not taken over (as before)', async () => {
    const account = givenAccount('none');
    await givenLockOf(account, OLD);
    expect((await acquireLock(documentClient(account), lockRequest(account, NEW))).acquired).toBe(false);
  });
});

function planRequest(account: SimulatedAccount, owner: string, findingId: string): PlanRequest {
  const now = account.clock.now();
  return {
    table: 'remediation-approvals',
    key: NOTEBOOK_KEY,
    owner,
    finding: { Id: findingId, ProductArn: PRODUCT },
    summary: 'Recreate notebook instance research-notebook',
    now,
    approvalDeadline: new Date(now.getTime() + 7 * 86_400_000),
    expiresAt: new Date(now.getTime() + 8 * 86_400_000),
  };
}

/** The item as the state machine leaves it while it waits for a human. */
function markPending(account: SimulatedAccount): void {
  account.dynamodb.updateItem({
    TableName: 'remediation-approvals',
    Key: { approvalKey: { S: NOTEBOOK_KEY } },
    UpdateExpression: 'SET #status = :pending, #findings = list_append(#findings, :joined)',
    ExpressionAttributeNames: { '#status': 'status', '#findings': 'findings' },
    ExpressionAttributeValues: {
      ':pending': { S: 'PENDING' },
      ':joined': { L: [{ M: { Id: { S: 'sibling-finding' }, ProductArn: { S: PRODUCT } } }] },
    },
  });
}

describe('createPlan: taking over the plan of an execution that has ended', () => {
  it('Given a PENDING plan whose execution was stopped, When its finding is planned again, Then the plan is taken over with every finding', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, OLD, 'vpc-finding'));
    markPending(account);
    account.clock.advance(3_600_000);

    const plan = await createPlan(
      documentClient(account),
      planRequest(account, NEW, 'vpc-finding'),
      reader({ [OLD]: 'ABORTED' }).read,
    );

    expect(plan).toEqual({
      created: true,
      tookOver: {
        executionArn: OLD,
        end: 'ABORTED',
        status: 'PENDING',
        findings: [{ Id: 'sibling-finding', ProductArn: PRODUCT }],
      },
    });
    // The new plan waits anew: its own finding first, the old plan's other finding carried over
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({
        executionArn: NEW,
        status: 'PLANNED',
        findings: [
          { Id: 'vpc-finding', ProductArn: PRODUCT },
          { Id: 'sibling-finding', ProductArn: PRODUCT },
        ],
        tookOverFrom: OLD,
        tookOverEnd: 'ABORTED',
      }),
    ]);
  });

  it('Given a plan whose execution still runs, When another finding plans, Then it is not taken and its findings are named', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, OLD, 'vpc-finding'));

    const plan = await createPlan(
      documentClient(account),
      planRequest(account, NEW, 'internet-finding'),
      reader({ [OLD]: 'RUNNING' }).read,
    );

    expect(plan).toEqual({
      created: false,
      holder: { executionArn: OLD, status: 'PLANNED', findingIds: ['vpc-finding'] },
    });
  });

  it('Given its own plan with a finding that joined, When the same execution plans again (a retried invoke), Then the plan is left as it is', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, OLD, 'vpc-finding'));
    markPending(account);

    const again = await createPlan(documentClient(account), planRequest(account, OLD, 'vpc-finding'));

    expect(again).toEqual({ created: true });
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({
        status: 'PENDING',
        findings: [
          { Id: 'vpc-finding', ProductArn: PRODUCT },
          { Id: 'sibling-finding', ProductArn: PRODUCT },
        ],
      }),
    ]);
  });
});
