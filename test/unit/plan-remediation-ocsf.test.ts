/**
 * The planning Lambda and OCSF findings of the new Security Hub. An OCSF finding joining a recreation
 * plan gets its "joined" note before it joins, as an ASFF one does (test/unit/plan-join-note.test.ts),
 * written with BatchUpdateFindingsV2 (handlers/shared/plan-join.ts): a note written after the join
 * could land after the plan's closing outcome. The lock of an OCSF finding's in-place fix records its
 * V2 identifier, so that the sweeper can tell it if the lock is left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';
import type { OcsfFindingRecord } from '../../simulation/account/security-hub-v2.js';
import { fakeMembers } from './member-fixtures.js';
import {
  disposeAccounts,
  documentClient,
  EXPOSED,
  executionNamed,
  givenAccount,
  identifier,
  inPlaceSettings,
  internetFinding,
  itemsOf,
  markPlan,
  NOTEBOOK,
  recreating,
  requestFor,
  rootFinding,
} from './plan-fixtures.js';
import { recordingLogger } from './recording-logger.js';

afterEach(disposeAccounts);

function planner(account: SimulatedAccount, settings = recreating) {
  return createPlanHandler({
    members: fakeMembers({ sagemaker: account.sdkClients().sagemaker }),
    dynamodb: documentClient(account),
    securityhub: account.sdkClients().securityHub,
    settings,
    now: () => account.clock.now(),
    logger: recordingLogger(),
  });
}

const ocsfVpcFinding = ocsfControlFinding({ controlId: 'SageMaker.2', resourceName: NOTEBOOK });

/** The Findings Imported V2 event of an OCSF finding, as the OCSF rule hands it to the workflow. */
function v2Request(finding: OcsfFindingRecord, execution: ReturnType<typeof executionNamed>) {
  return {
    event: {
      version: '0',
      id: 'v2-event',
      'detail-type': 'Findings Imported V2',
      source: 'aws.securityhub',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-11-23T09:00:00Z',
      resources: [],
      detail: { findings: [finding] },
    },
    execution,
  };
}

const ocsfIdentifier = {
  CloudAccountUid: ocsfVpcFinding.cloud.account.uid,
  FindingInfoUid: ocsfVpcFinding.finding_info.uid,
  MetadataProductUid: ocsfVpcFinding.metadata.product.uid,
};

/** Security Hub notes and approval-table updates among `calls`, in order. */
function writes(calls: SimulatedAccount['calls']): string[] {
  return calls
    .filter((call) => ['BatchUpdateFindings', 'BatchUpdateFindingsV2', 'UpdateItem'].includes(call.operation))
    .map((call) => `${call.operation} ${call.outcome}`);
}

describe('an OCSF finding joining a plan, its note first', () => {
  it('Given a PENDING plan for an ASFF SageMaker.1 finding, When the OCSF SageMaker.2 finding of the same notebook is planned, Then its joined note is written with BatchUpdateFindingsV2 (In Progress), then it joins the OCSF list, and the state machine has nothing left to write', async () => {
    // Given
    const account = givenAccount(EXPOSED);
    await planner(account)(requestFor(internetFinding));
    markPlan(account, 'PENDING');
    account.securityHub.ocsf.importFinding(ocsfVpcFinding);
    const before = account.calls.length;

    // When
    const result = await planner(account)(v2Request(ocsfVpcFinding, executionNamed('sibling')));

    // Then the V2 note came before the join, and no V1 call was made for it
    expect(writes(account.calls.slice(before))).toEqual(['BatchUpdateFindingsV2 ok', 'UpdateItem ok']);
    const noted = account.securityHub.ocsf.getFinding(ocsfVpcFinding.finding_info.uid);
    expect(noted?.status_id).toBe(2);
    expect(noted?.comment).toContain('Joined the recreation plan of notebook instance');
    // And the execution ends there; the plan lists it with its V2 identifier
    expect(result.plan.action).toBe('ignore');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ findings: [identifier(internetFinding)], ocsfFindings: [ocsfIdentifier] }),
    ]);
  });

  it('Given Security Hub not holding the OCSF finding (its note refused), When it is planned, Then it still joins and the state machine writes the note (status_id 2 in the annotation)', async () => {
    // Given a plan, and an OCSF sibling the new Security Hub does not hold
    const account = givenAccount(EXPOSED);
    await planner(account)(requestFor(internetFinding));
    markPlan(account, 'PENDING');

    // When
    const result = await planner(account)(v2Request(ocsfVpcFinding, executionNamed('sibling')));

    // Then
    expect(result.plan.action).toBe('annotate');
    expect(result.plan.annotation).toMatchObject({ outcome: 'JOINED_PLAN', statusId: 2 });
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ ocsfFindings: [ocsfIdentifier] }),
    ]);
  });
});

describe("the lock of an OCSF finding's in-place fix", () => {
  it('Given a notebook with root access and its OCSF SageMaker.3 finding, When the fix is planned, Then the lock item names the finding by its BatchUpdateFindingsV2 identifier too', async () => {
    // Given
    const account = givenAccount();
    const root = ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: NOTEBOOK });

    // When
    const result = await planner(account, inPlaceSettings)(v2Request(root, executionNamed('in-place')));

    // Then
    expect(result.plan.action).toBe('remediate');
    expect(itemsOf(account, 'locks')).toEqual([
      expect.objectContaining({
        findingId: root.finding_info.uid,
        ocsfFinding: {
          CloudAccountUid: root.cloud.account.uid,
          FindingInfoUid: root.finding_info.uid,
          MetadataProductUid: root.metadata.product.uid,
        },
      }),
    ]);
  });

  it('Given an ASFF finding, When its fix is planned, Then the lock item is as before, without an OCSF identifier', async () => {
    const account = givenAccount();
    await planner(account, inPlaceSettings)(requestFor(rootFinding));
    expect(itemsOf(account, 'locks')).toEqual([
      expect.not.objectContaining({ ocsfFinding: expect.anything() }),
    ]);
  });
});
