/**
 * The sweeper and OCSF findings of the new Security Hub: a plan item's OCSF list and a lock's OCSF
 * identifier are read (handlers/shared/stale-records.ts), and their findings are told with
 * BatchUpdateFindingsV2 (status_id 2 and the note as comment) beside the ASFF ones
 * (handlers/sweep-stale-records.ts), against the simulated account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findingsOf, lockRecordOf, planRecordOf } from '../../handlers/shared/stale-records.js';
import { createSweepHandler } from '../../handlers/sweep-stale-records.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { notebookControlFinding, securityHubProductArn } from '../../simulation/account/sample-findings.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';
import type { OcsfFindingRecord } from '../../simulation/account/security-hub-v2.js';
import { disposeAccounts, documentClient, givenAccount, NOTEBOOK, NOTEBOOK_KEY } from './plan-fixtures.js';
import { recordingLogger } from './recording-logger.js';

afterEach(disposeAccounts);

const PRODUCT = securityHubProductArn('eu-west-1');
const STOPPED = 'arn:aws:states:eu-west-1:111122223333:execution:remediation:stopped';

const identifierOf = (finding: OcsfFindingRecord) => ({
  CloudAccountUid: finding.cloud.account.uid,
  FindingInfoUid: finding.finding_info.uid,
  MetadataProductUid: finding.metadata.product.uid,
});

/** DynamoDB's own JSON of an OCSF identifier map. */
const ocsfItem = (finding: OcsfFindingRecord) => ({
  M: Object.fromEntries(Object.entries(identifierOf(finding)).map(([name, value]) => [name, { S: value }])),
});

function sweeper(account: SimulatedAccount) {
  const topicArn = account.sns.createTopic('alerts');
  const clients = account.sdkClients();
  return createSweepHandler({
    dynamodb: documentClient(account),
    // Every holder was stopped.
    sfn: { send: async () => ({ status: 'ABORTED' }) } as never,
    securityhub: clients.securityHub,
    sns: clients.sns as never,
    settings: {
      lockTableName: 'locks',
      approvalTableName: 'remediation-approvals',
      alertTopicArn: topicArn,
      stateMachineArn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:remediation',
      securityHubProductArn: PRODUCT,
    },
    now: () => account.clock.now(),
    logger: recordingLogger(),
  });
}

const seconds = (account: SimulatedAccount, offset: number) =>
  String(Math.floor(account.clock.nowMs() / 1000) + offset);

/** A PENDING plan of the stopped execution listing these ASFF ids and OCSF findings. */
function putPlan(account: SimulatedAccount, asffIds: readonly string[], ocsf: readonly OcsfFindingRecord[]) {
  account.dynamodb.putItem({
    TableName: 'remediation-approvals',
    Item: {
      approvalKey: { S: NOTEBOOK_KEY },
      executionArn: { S: STOPPED },
      status: { S: 'PENDING' },
      findings: { L: asffIds.map((id) => ({ M: { Id: { S: id }, ProductArn: { S: PRODUCT } } })) },
      ...(ocsf.length > 0 ? { ocsfFindings: { L: ocsf.map(ocsfItem) } } : {}),
      plannedAt: { S: new Date(account.clock.nowMs() - 86_400_000).toISOString() },
      approvalDeadline: { N: seconds(account, 6 * 86_400) },
      expiresAt: { N: seconds(account, 7 * 86_400) },
      taskToken: { S: 'token-of-the-stopped-wait' },
    },
  });
}

const ocsfFinding = (controlId: string) =>
  ocsfControlFinding({ controlId, resourceName: NOTEBOOK, region: 'eu-west-1' });

describe('reading the OCSF findings of sweepable records', () => {
  it('Given a plan item with both lists and a lock item with an OCSF identifier, When they are read, Then the plan names every finding (ASFF first) and the lock its OCSF identifier', () => {
    const ocsf = ocsfFinding('SageMaker.1');
    const plan = planRecordOf({
      approvalKey: NOTEBOOK_KEY,
      executionArn: STOPPED,
      status: 'PENDING',
      approvalDeadline: 1,
      findings: [{ Id: 'asff-1', ProductArn: PRODUCT }],
      ocsfFindings: [identifierOf(ocsf)],
    });
    const lock = lockRecordOf({
      lockKey: NOTEBOOK_KEY,
      ownerExecutionArn: STOPPED,
      expiresAt: 1,
      findingId: ocsf.finding_info.uid,
      ocsfFinding: identifierOf(ocsf),
    });

    expect(plan && findingsOf(plan, PRODUCT)).toEqual([
      { Id: 'asff-1', ProductArn: PRODUCT },
      identifierOf(ocsf),
    ]);
    expect(lock && findingsOf(lock, PRODUCT)).toEqual([identifierOf(ocsf)]);
  });

  it('Given a plan item whose OCSF list is malformed, When it is read, Then it is not taken for one the workflow writes', () => {
    const record = planRecordOf({
      approvalKey: NOTEBOOK_KEY,
      executionArn: STOPPED,
      status: 'PENDING',
      approvalDeadline: 1,
      ocsfFindings: [{ FindingInfoUid: 'no account or product' }],
    });
    expect(record).toBeUndefined();
  });
});

describe('the sweeper telling OCSF findings', () => {
  it('Given a PENDING plan of a stopped execution listing an ASFF and an OCSF finding, When it sweeps, Then each is told through its own API: NOTIFIED and In Progress (2), the same note', async () => {
    const account = givenAccount('none');
    const asff = account.securityHub.importFinding(
      notebookControlFinding({ controlId: 'SageMaker.2', notebookName: NOTEBOOK }),
    );
    const ocsf = account.securityHub.ocsf.importFinding(ocsfFinding('SageMaker.1'));
    putPlan(account, [asff.Id ?? ''], [ocsf]);

    const result = await sweeper(account)({});

    expect(result).toEqual({ locksCleared: 0, plansCleared: 1, findingsNoted: 2, problems: [] });
    const noted = account.securityHub.ocsf.getFinding(ocsf.finding_info.uid);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toMatch(
      /^The recreation plan of notebook instance research-notebook \(PENDING\) was cleared/,
    );
    expect(noted?.comment).toBe(account.securityHub.getFinding(asff.Id ?? '')?.Note?.Text);
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindingsV2').map((call) => call.input)).toEqual([
      expect.objectContaining({ FindingIdentifiers: [identifierOf(ocsf)], StatusId: 2 }),
    ]);
  });

  it('Given an OCSF finding Security Hub refuses once (ConflictException), When it sweeps, Then it is tried again and noted', async () => {
    const account = givenAccount('none');
    const ocsf = account.securityHub.ocsf.importFinding(ocsfFinding('SageMaker.1'));
    putPlan(account, [], [ocsf]);
    account.securityHub.ocsf.injectUnprocessed(ocsf.finding_info.uid, 'ConflictException');

    const result = await sweeper(account)({});

    expect(result.findingsNoted).toBe(1);
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindingsV2')).toHaveLength(2);
    expect(account.securityHub.ocsf.getFinding(ocsf.finding_info.uid)?.status_id).toBe(2);
    // An OCSF-only plan makes no BatchUpdateFindings call at all
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
  });

  it("Given the lock of a stopped execution's OCSF finding, When it sweeps, Then the finding is told through BatchUpdateFindingsV2, not looked for among the ASFF findings", async () => {
    const account = givenAccount('none');
    const ocsf = account.securityHub.ocsf.importFinding(ocsfFinding('SageMaker.3'));
    account.dynamodb.putItem({
      TableName: 'locks',
      Item: {
        lockKey: { S: NOTEBOOK_KEY },
        ownerExecutionArn: { S: STOPPED },
        remediation: { S: 'update-notebook' },
        findingId: { S: ocsf.finding_info.uid },
        ocsfFinding: ocsfItem(ocsf),
        controlId: { S: 'SageMaker.3' },
        acquiredAt: { S: new Date(account.clock.nowMs() - 3_600_000).toISOString() },
        expiresAt: { N: seconds(account, 5 * 3600) },
      },
    });

    const result = await sweeper(account)({});

    expect(result).toEqual({ locksCleared: 1, plansCleared: 0, findingsNoted: 1, problems: [] });
    expect(account.securityHub.ocsf.getFinding(ocsf.finding_info.uid)?.comment).toMatch(
      /^The lock on notebook instance research-notebook \(update-notebook for this finding\) was cleared/,
    );
    expect(account.callsTo('SecurityHub', 'BatchUpdateFindings')).toEqual([]);
  });
});
