/**
 * A plan's two lists of findings (handlers/shared/notebook-locks.ts: createPlan, joinPlan), against the
 * simulated DynamoDB: an ASFF finding goes to `findings` (BatchUpdateFindings identifiers), an OCSF
 * finding of the new Security Hub to `ocsfFindings` (BatchUpdateFindingsV2 identifiers), so that each
 * list is closed by one call of the API of its format; a plan holding both kinds keeps both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPlan,
  type FindingIdentifier,
  joinPlan,
  type OcsfFindingIdentifier,
  type PlanFinding,
  type PlanRequest,
} from '../../handlers/shared/notebook-locks.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { disposeAccounts, documentClient, givenAccount, itemsOf, NOTEBOOK_KEY } from './plan-fixtures.js';

afterEach(disposeAccounts);

const TABLE = 'remediation-approvals';
const PREFIX = 'arn:aws:states:eu-west-1:111122223333:execution:remediation';
const PLANNER = `${PREFIX}:planner`;
const NEXT = `${PREFIX}:next-run`;

const asff = (id: string): FindingIdentifier => ({
  Id: id,
  ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
});
const ocsf = (uid: string): OcsfFindingIdentifier => ({
  CloudAccountUid: '111122223333',
  FindingInfoUid: uid,
  MetadataProductUid: 'arn:aws:securityhub:eu-west-1::productv2/aws/securityhub',
});

function planRequest(account: SimulatedAccount, finding: PlanFinding, owner = PLANNER): PlanRequest {
  const now = account.clock.now();
  return {
    table: TABLE,
    key: NOTEBOOK_KEY,
    owner,
    finding,
    summary: 'Recreate notebook instance research-notebook',
    now,
    approvalDeadline: new Date(now.getTime() + 7 * 86_400_000),
    expiresAt: new Date(now.getTime() + 8 * 86_400_000),
  };
}

const join = (account: SimulatedAccount, finding: PlanFinding) =>
  joinPlan(documentClient(account), {
    table: TABLE,
    key: NOTEBOOK_KEY,
    holder: PLANNER,
    finding,
    statuses: ['PLANNED', 'PENDING'],
  });

/** The plan item's two lists, as the workflow reads them. */
function lists(account: SimulatedAccount): { findings?: unknown; ocsfFindings?: unknown } {
  const [item] = itemsOf(account, TABLE) as Array<{ findings?: unknown; ocsfFindings?: unknown }>;
  return { findings: item?.findings, ocsfFindings: item?.ocsfFindings };
}

describe('createPlan: the planned finding in the list of its format', () => {
  it('Given an OCSF finding, When its plan is created, Then it is in the OCSF list and the ASFF list is empty', async () => {
    const account = givenAccount('none');

    const plan = await createPlan(documentClient(account), planRequest(account, ocsf('o-1')));

    expect(plan).toEqual({ created: true });
    expect(lists(account)).toEqual({ findings: [], ocsfFindings: [ocsf('o-1')] });
  });

  it('Given an ASFF finding, When its plan is created, Then it is in the ASFF list and there is no OCSF list (the item as before OCSF findings)', async () => {
    const account = givenAccount('none');

    await createPlan(documentClient(account), planRequest(account, asff('a-1')));

    expect(lists(account)).toEqual({ findings: [asff('a-1')], ocsfFindings: undefined });
  });
});

describe('joinPlan: a sibling finding in the list of its format', () => {
  it('Given an ASFF plan, When an OCSF finding joins, Then the OCSF list is created with it and the ASFF list is unchanged', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, asff('a-1')));

    expect(await join(account, ocsf('o-1'))).toBe(true);

    expect(lists(account)).toEqual({ findings: [asff('a-1')], ocsfFindings: [ocsf('o-1')] });
  });

  it('Given an OCSF plan, When an ASFF finding and a second OCSF finding join, Then each is appended to its own list', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, ocsf('o-1')));

    expect(await join(account, asff('a-1'))).toBe(true);
    expect(await join(account, ocsf('o-2'))).toBe(true);

    expect(lists(account)).toEqual({ findings: [asff('a-1')], ocsfFindings: [ocsf('o-1'), ocsf('o-2')] });
  });

  it('Given a plan owned by another execution, When an OCSF finding asks to join it, Then it does not join and no OCSF list appears', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, asff('a-1'), NEXT));

    expect(await join(account, ocsf('o-1'))).toBe(false);

    expect(lists(account)).toEqual({ findings: [asff('a-1')], ocsfFindings: undefined });
  });
});

describe('a mixed plan keeps both lists', () => {
  it('Given a plan holding ASFF and OCSF findings whose execution was stopped, When another execution takes it over, Then both lists are carried over, its own finding first', async () => {
    const account = givenAccount('none');
    await createPlan(documentClient(account), planRequest(account, asff('a-1')));
    await join(account, ocsf('o-1'));
    await join(account, asff('a-2'));

    const plan = await createPlan(
      documentClient(account),
      planRequest(account, ocsf('o-2'), NEXT),
      async () => 'ABORTED',
    );

    expect(plan).toMatchObject({
      created: true,
      tookOver: { executionArn: PLANNER, findings: [asff('a-1'), asff('a-2'), ocsf('o-1')] },
    });
    expect(lists(account)).toEqual({
      findings: [asff('a-1'), asff('a-2')],
      ocsfFindings: [ocsf('o-2'), ocsf('o-1')],
    });
  });
});
