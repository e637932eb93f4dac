import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseApprovalItem,
  readApprovalRecord,
  recordApprovalDecision,
} from '../../handlers/shared/approval-record.js';
import { createPlan } from '../../handlers/shared/notebook-locks.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { simulatedDynamoDbClient } from '../../simulation/account/dynamodb-wire.js';

const TABLE = 'approvals';
const KEY = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const OWNER = 'arn:aws:states:eu-west-1:111122223333:execution:remediation:plan-1';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-task-token';
const START = new Date('2026-11-23T09:00:00.000Z');
const START_SECONDS = START.getTime() / 1000;
const FINDING = {
  Id: 'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/1',
  ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
};

const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

/** A simulated approval table holding one PLANNED plan whose window closes in an hour. */
async function givenPlan() {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.dynamodb.createTable({
    TableName: TABLE,
    partitionKey: 'approvalKey',
    timeToLiveAttribute: 'expiresAt',
  });
  const client = DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, account.administrator));
  await createPlan(client, {
    table: TABLE,
    key: KEY,
    owner: OWNER,
    finding: FINDING,
    summary: 'Recreate research-notebook',
    now: START,
    approvalDeadline: new Date((START_SECONDS + 3600) * 1000),
    expiresAt: new Date((START_SECONDS + 7200) * 1000),
  });
  return { account, client };
}

/** What WaitForApproval does: the token onto the plan, PENDING. */
function startWaiting(account: SimulatedAccount): void {
  account.dynamodb.updateItem({
    TableName: TABLE,
    Key: { approvalKey: { S: KEY } },
    UpdateExpression: 'SET #status = :pending, taskToken = :token',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pending': { S: 'PENDING' }, ':token': { S: TOKEN } },
  });
}

const decision = (verdict: 'approve' | 'reject', at: Date, executionArn = OWNER) => ({
  table: TABLE,
  key: KEY,
  verdict,
  executionArn,
  eventId: 'event-1',
  at,
});

describe('approval record: the plan item as a click reads and decides it', () => {
  it('Given a PLANNED plan, When it is read, Then it is found without a token, with its finding and deadline', async () => {
    // Given
    const { client } = await givenPlan();

    // When
    const read = await readApprovalRecord(client, TABLE, KEY);

    // Then
    expect(read).toEqual({
      kind: 'found',
      record: {
        approval: {
          executionArn: OWNER,
          findingIds: [FINDING.Id],
          status: 'PLANNED',
          approvalDeadline: START_SECONDS + 3600,
        },
        taskToken: '',
      },
    });
  });

  it('Given a PENDING plan, When it is approved within its window, Then it becomes APPROVED once, and a second decision is refused', async () => {
    // Given
    const { account, client } = await givenPlan();
    startWaiting(account);
    const at = new Date((START_SECONDS + 60) * 1000);

    // When
    const first = await recordApprovalDecision(client, decision('approve', at));
    const second = await recordApprovalDecision(client, decision('reject', at));

    // Then
    expect([first, second]).toEqual([true, false]);
    const read = await readApprovalRecord(client, TABLE, KEY);
    expect(read).toMatchObject({
      kind: 'found',
      record: {
        approval: { status: 'APPROVED', decidedAt: at.toISOString() },
        taskToken: TOKEN,
        decidedBy: 'event-1',
      },
    });
  });

  it('Given a PLANNED plan (not waiting yet), a closed window, or another execution named, When a decision is recorded, Then the condition refuses each and the plan stays as it was', async () => {
    // Given
    const { account, client } = await givenPlan();
    const within = new Date((START_SECONDS + 60) * 1000);

    // When / Then: not waiting yet
    expect(await recordApprovalDecision(client, decision('approve', within))).toBe(false);
    startWaiting(account);
    // The window closed at the deadline itself
    expect(
      await recordApprovalDecision(client, decision('approve', new Date((START_SECONDS + 3600) * 1000))),
    ).toBe(false);
    // A click on a plan that was replaced meanwhile
    expect(await recordApprovalDecision(client, decision('approve', within, `${OWNER}-old`))).toBe(false);
    const read = await readApprovalRecord(client, TABLE, KEY);
    expect(read.kind === 'found' && read.record.approval.status).toBe('PENDING');
  });

  it('Given no plan, When it is read, Then it is absent', async () => {
    // Given
    const { client } = await givenPlan();
    // When / Then
    expect(await readApprovalRecord(client, TABLE, `${KEY}-other`)).toEqual({ kind: 'absent' });
  });
});

describe('parseApprovalItem: an item is checked before it is trusted', () => {
  const item = {
    approvalKey: KEY,
    status: 'PENDING',
    executionArn: OWNER,
    taskToken: TOKEN,
    findings: [FINDING],
    approvalDeadline: START_SECONDS + 3600,
    expiresAt: START_SECONDS + 7200,
  };

  it('Given a PENDING item without its task token, When it is parsed, Then it is unreadable: it could never be answered', () => {
    // Given
    const { taskToken: _dropped, ...withoutToken } = item;
    // When / Then
    expect(parseApprovalItem(withoutToken)).toEqual({
      kind: 'unreadable',
      problems: ['item.taskToken: a PENDING plan must hold its task token'],
    });
  });

  it('Given an unknown status and no deadline, When it is parsed, Then every problem is listed, none showing the token', () => {
    // Given
    const { approvalDeadline: _dropped, ...broken } = { ...item, status: 'MAYBE' };
    // When
    const read = parseApprovalItem(broken);
    // Then
    expect(read.kind).toBe('unreadable');
    const problems = read.kind === 'unreadable' ? read.problems : [];
    expect(problems).toEqual([
      expect.stringMatching(/^item\.status: /),
      expect.stringMatching(/^item\.approvalDeadline: /),
    ]);
    expect(JSON.stringify(problems)).not.toContain(TOKEN);
  });
});
