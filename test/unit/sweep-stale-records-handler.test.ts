/**
 * The sweeper handler (handlers/sweep-stale-records.ts) against a simulated account: it pages through
 * both tables, deletes only what is still as judged, tells the findings, publishes one alert, and
 * fails (after the rest) when a step could not be done.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HolderStatus } from '../../handlers/shared/execution-status.js';
import { createSweepHandler, SweepIncomplete } from '../../handlers/sweep-stale-records.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { notebookControlFinding, securityHubProductArn } from '../../simulation/account/sample-findings.js';
import {
  disposeAccounts,
  documentClient,
  givenAccount,
  itemsOf,
  NOTEBOOK,
  NOTEBOOK_KEY,
} from './plan-fixtures.js';
import { recordingLogger } from './recording-logger.js';

afterEach(disposeAccounts);

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:remediation';
const execution = (name: string) => `arn:aws:states:eu-west-1:111122223333:execution:remediation:${name}`;
const PRODUCT = securityHubProductArn('eu-west-1');

/** An SFN client whose DescribeExecution answers from `statuses` (a status, or an error name). */
function fakeSfn(statuses: Record<string, HolderStatus | 'ThrottlingException'>) {
  const asked: string[] = [];
  return {
    asked,
    client: {
      send: async (command: { input: { executionArn: string } }) => {
        asked.push(command.input.executionArn);
        const answer = statuses[command.input.executionArn] ?? 'ExecutionDoesNotExist';
        if (answer === 'ThrottlingException' || answer === 'NOT_FOUND') {
          const name = answer === 'NOT_FOUND' ? 'ExecutionDoesNotExist' : answer;
          throw Object.assign(new Error(name), { name });
        }
        return { status: answer };
      },
    } as never,
  };
}

function sweeper(
  account: SimulatedAccount,
  statuses: Record<string, HolderStatus | 'ThrottlingException'>,
  sfnClient?: { send: (command: { input: { executionArn: string } }) => Promise<unknown> },
) {
  const topicArn = account.sns.createTopic('alerts');
  const sfn = fakeSfn(statuses);
  const clients = account.sdkClients();
  const sweep = createSweepHandler({
    dynamodb: documentClient(account),
    sfn: (sfnClient as never) ?? sfn.client,
    securityhub: clients.securityHub,
    sns: clients.sns as never,
    settings: {
      lockTableName: 'locks',
      approvalTableName: 'remediation-approvals',
      alertTopicArn: topicArn,
      stateMachineArn: MACHINE,
      securityHubProductArn: PRODUCT,
    },
    now: () => account.clock.now(),
    logger: recordingLogger(),
  });
  return { sweep, sfn, alerts: () => account.sns.messages(topicArn) };
}

const secondsNow = (account: SimulatedAccount) => Math.floor(account.clock.nowMs() / 1000);

function putLock(account: SimulatedAccount, key: string, owner: string, findingId: string, extra = {}): void {
  account.dynamodb.putItem({
    TableName: 'locks',
    Item: {
      lockKey: { S: key },
      ownerExecutionArn: { S: owner },
      remediation: { S: 'update-notebook' },
      findingId: { S: findingId },
      controlId: { S: 'SageMaker.3' },
      acquiredAt: { S: new Date(account.clock.nowMs() - 3_600_000).toISOString() },
      expiresAt: { N: String(secondsNow(account) + 5 * 3600) },
      ...extra,
    },
  });
}

function putPlan(account: SimulatedAccount, owner: string, findingIds: readonly string[]): void {
  account.dynamodb.putItem({
    TableName: 'remediation-approvals',
    Item: {
      approvalKey: { S: NOTEBOOK_KEY },
      executionArn: { S: owner },
      status: { S: 'PENDING' },
      findings: { L: findingIds.map((id) => ({ M: { Id: { S: id }, ProductArn: { S: PRODUCT } } })) },
      plannedAt: { S: new Date(account.clock.nowMs() - 86_400_000).toISOString() },
      approvalDeadline: { N: String(secondsNow(account) + 6 * 86_400) },
      expiresAt: { N: String(secondsNow(account) + 7 * 86_400) },
      taskToken: { S: 'token-of-the-stopped-wait' },
    },
  });
}

function importFinding(account: SimulatedAccount, controlId: string) {
  return account.securityHub.importFinding(notebookControlFinding({ controlId, notebookName: NOTEBOOK }));
}

describe('the sweeper handler', () => {
  it('Given a lock and a PENDING plan of stopped executions, When it sweeps, Then both are deleted, every finding told, one alert', async () => {
    const account = givenAccount('none');
    const root = importFinding(account, 'SageMaker.3');
    const vpc = importFinding(account, 'SageMaker.2');
    const internet = importFinding(account, 'SageMaker.1');
    putLock(account, NOTEBOOK_KEY, execution('fix'), root.Id ?? '');
    putPlan(account, execution('plan'), [vpc.Id ?? '', internet.Id ?? '']);
    const { sweep, alerts } = sweeper(account, {
      [execution('fix')]: 'ABORTED',
      [execution('plan')]: 'ABORTED',
    });

    const result = await sweep({});

    expect(result).toEqual({ locksCleared: 1, plansCleared: 1, findingsNoted: 3, problems: [] });
    expect(itemsOf(account, 'locks')).toEqual([]);
    expect(itemsOf(account, 'remediation-approvals')).toEqual([]);
    for (const finding of [root, vpc, internet]) {
      const now = account.securityHub.getFinding(finding.Id ?? '');
      expect(now?.Workflow?.Status).toBe('NOTIFIED');
      expect(now?.Note?.UpdatedBy).toBe('sagemaker-remediation');
      expect(now?.Note?.Text).toContain('which had ended ABORTED');
      expect(now?.Note?.Text).toMatch(/Set this finding back to NEW to (try|plan) again\.$/);
    }
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]?.MessageAttributes?.outcome?.StringValue).toBe('STALE_RECORDS_CLEARED');
    // Each delete names the owner it judged (and the expiry or status): nothing newer is removed
    expect(account.callsTo('DynamoDB', 'DeleteItem').map((call) => call.input)).toEqual([
      expect.objectContaining({ ConditionExpression: '#owner = :owner AND #expiresAt = :expiresAt' }),
      expect.objectContaining({ ConditionExpression: '#owner = :owner AND #status = :status' }),
    ]);
  });

  it('Given records of running executions, When it sweeps, Then nothing is deleted, written or alerted', async () => {
    const account = givenAccount('none');
    putLock(account, NOTEBOOK_KEY, execution('fix'), 'root-finding');
    putPlan(account, execution('plan'), ['vpc-finding']);
    const { sweep, alerts } = sweeper(account, {
      [execution('fix')]: 'RUNNING',
      [execution('plan')]: 'RUNNING',
    });

    expect(await sweep({})).toEqual({ locksCleared: 0, plansCleared: 0, findingsNoted: 0, problems: [] });

    expect(itemsOf(account, 'locks')).toHaveLength(1);
    expect(itemsOf(account, 'remediation-approvals')).toHaveLength(1);
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
    expect(alerts()).toEqual([]);
  });

  it('Given a lock left by an execution that succeeded, When it sweeps, Then it is deleted and its resolved finding left as it is', async () => {
    const account = givenAccount('none');
    putLock(account, NOTEBOOK_KEY, execution('done'), 'root-finding');
    const { sweep, alerts } = sweeper(account, { [execution('done')]: 'SUCCEEDED' });

    expect(await sweep({})).toEqual({ locksCleared: 1, plansCleared: 0, findingsNoted: 0, problems: [] });
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
    expect(alerts()[0]?.Message).toContain('which had ended SUCCEEDED');
  });

  it('Given locks over more than one 1 MB page, When it sweeps, Then every page is read and every stale lock cleared, one question per holder', async () => {
    const account = givenAccount('none');
    const padding = { padding: { S: 'x'.repeat(300 * 1024) } };
    for (let index = 0; index < 5; index++) {
      putLock(account, `${NOTEBOOK_KEY}-${index}`, execution('fix'), `finding-${index}`, padding);
    }
    const { sweep, sfn } = sweeper(account, { [execution('fix')]: 'TIMED_OUT' });

    const result = await sweep({});

    expect(
      account
        .callsTo('DynamoDB', 'Scan')
        .filter((call) => (call.input as { TableName?: string }).TableName === 'locks'),
    ).toHaveLength(2);
    expect(result.locksCleared).toBe(5);
    expect(itemsOf(account, 'locks')).toEqual([]);
    expect(sfn.asked).toEqual([execution('fix')]);
  });

  it('Given Step Functions throttling one holder, When it sweeps, Then the others are cleared and the sweep fails naming what is left', async () => {
    const account = givenAccount('none');
    putLock(account, `${NOTEBOOK_KEY}-a`, execution('busy'), 'finding-a');
    putLock(account, `${NOTEBOOK_KEY}-b`, execution('stopped'), 'finding-b');
    const { sweep, alerts } = sweeper(account, {
      [execution('busy')]: 'ThrottlingException',
      [execution('stopped')]: 'ABORTED',
    });

    const failure = await sweep({}).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(SweepIncomplete);
    expect((failure as Error).message).toBe(
      `lock ${NOTEBOOK_KEY}-a (execution ${execution('busy')}): ThrottlingException; left for the next sweep`,
    );
    expect(itemsOf(account, 'locks')).toEqual([expect.objectContaining({ lockKey: `${NOTEBOOK_KEY}-a` })]);
    expect(alerts()).toHaveLength(1);
  });

  it('Given Security Hub refusing a finding once (InternalFailure), When it sweeps, Then it is tried again and noted; a gone finding is no problem', async () => {
    const account = givenAccount('none');
    const vpc = importFinding(account, 'SageMaker.2');
    putPlan(account, execution('plan'), [vpc.Id ?? '', 'finding-deleted-since']);
    account.securityHub.injectUnprocessed(vpc.Id ?? '', 'InternalFailure');
    const { sweep } = sweeper(account, { [execution('plan')]: 'ABORTED' });

    expect(await sweep({})).toEqual({ locksCleared: 0, plansCleared: 1, findingsNoted: 1, problems: [] });

    expect(account.securityHub.getFinding(vpc.Id ?? '')?.Workflow?.Status).toBe('NOTIFIED');
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindings')).toHaveLength(2);
  });

  it('Given Security Hub failing the note after the lock was deleted, When it sweeps, Then the lock is listed as cleared and its finding named for a human, not left for a next sweep', async () => {
    const account = givenAccount('none');
    const root = importFinding(account, 'SageMaker.3');
    putLock(account, NOTEBOOK_KEY, execution('stopped'), root.Id ?? '');
    account.faults.failNext({
      service: 'SecurityHub',
      operation: 'BatchUpdateFindings',
      code: 'InvalidAccessException',
      httpStatusCode: 401,
    });
    const { sweep, alerts } = sweeper(account, { [execution('stopped')]: 'ABORTED' });

    const failure = await sweep({}).catch((error: unknown) => error);

    const problem = `finding ${root.Id} not noted (InvalidAccessException): its lock was cleared, so set it back to NEW by hand`;
    expect(failure).toBeInstanceOf(SweepIncomplete);
    expect((failure as Error).message).toBe(problem);
    expect(itemsOf(account, 'locks')).toEqual([]);
    const message = alerts()[0]?.Message ?? '';
    expect(message).toContain(`Execution ${execution('stopped')}. Findings noted: 0.`);
    expect(message).toContain(`Not done:\n- ${problem}`);
    expect(account.securityHub.getFinding(root.Id ?? '')?.Workflow?.Status).toBe('NEW');
  });

  it('Given a lock taken over between the scan and the delete, When it sweeps, Then the new holder keeps it', async () => {
    const account = givenAccount('none');
    putLock(account, NOTEBOOK_KEY, execution('stopped'), 'root-finding');
    // While the sweeper asks about the stopped execution, a new one takes the lock over
    const { sweep: racing } = sweeper(
      account,
      {},
      {
        send: async () => {
          putLock(account, NOTEBOOK_KEY, execution('new'), 'root-finding');
          return { status: 'ABORTED' };
        },
      },
    );

    expect(await racing({})).toEqual({ locksCleared: 0, plansCleared: 0, findingsNoted: 0, problems: [] });
    expect(itemsOf(account, 'locks')).toEqual([
      expect.objectContaining({ ownerExecutionArn: execution('new') }),
    ]);
  });
});
