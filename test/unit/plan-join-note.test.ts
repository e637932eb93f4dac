/**
 * A finding joining a recreation plan gets its "joined" note before it joins: the plan's closing
 * writes its outcome on every finding it lists, so a note written after the join could land after
 * the outcome and undo it (test/workflow/plan-join-race.test.ts shows the race end to end).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { fakeMembers } from './member-fixtures.js';
import {
  disposeAccounts,
  documentClient,
  EXPOSED,
  executionNamed,
  givenAccount,
  identifier,
  internetFinding,
  itemsOf,
  markPlan,
  recreating,
  requestFor,
  vpcFinding,
} from './plan-fixtures.js';
import { recordingLogger } from './recording-logger.js';
import { EXECUTION } from './runtime-settings-fixture.js';

afterEach(disposeAccounts);

/** The planner as deployed: with a Security Hub client. */
function plannerWithSecurityHub(account: SimulatedAccount) {
  return createPlanHandler({
    members: fakeMembers({ sagemaker: account.sdkClients().sagemaker }),
    dynamodb: documentClient(account),
    securityhub: account.sdkClients().securityHub,
    settings: recreating,
    now: () => account.clock.now(),
    logger: recordingLogger(),
  });
}

/** The writes among `calls`, in order: Security Hub notes and approval-table updates. */
function writes(calls: SimulatedAccount['calls']): string[] {
  return calls
    .filter((call) => ['BatchUpdateFindings', 'UpdateItem'].includes(call.operation))
    .map((call) => `${call.operation} ${call.outcome}`);
}

describe('a finding joining a plan, its note first', () => {
  it('Given a PENDING plan for SageMaker.1, When the sibling SageMaker.2 is planned, Then its joined note is written, then it joins, and the state machine has nothing left to write', async () => {
    // Given
    const account = givenAccount(EXPOSED);
    await plannerWithSecurityHub(account)(requestFor(internetFinding));
    markPlan(account, 'PENDING');
    account.securityHub.importFinding(vpcFinding);
    const before = account.calls.length;

    // When
    const result = await plannerWithSecurityHub(account)(requestFor(vpcFinding, executionNamed('sibling')));

    // Then the note came before the join
    expect(writes(account.calls.slice(before))).toEqual(['BatchUpdateFindings ok', 'UpdateItem ok']);
    const noted = account.securityHub.getFinding(vpcFinding.Id ?? '');
    expect(noted?.Workflow?.Status).toBe('NOTIFIED');
    expect(noted?.Note?.Text).toContain(`Joined the recreation plan of notebook instance`);
    expect(noted?.Note?.Text).toContain(`(execution ${EXECUTION.id})`);
    // And the execution ends there: no second note after the join
    expect(result.plan.action).toBe('ignore');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ findings: [identifier(internetFinding), identifier(vpcFinding)] }),
    ]);
  });

  it('Given Security Hub refusing the note (the finding is unknown to it), When the sibling is planned, Then it still joins and the state machine writes the note', async () => {
    // Given a plan, and a sibling finding Security Hub does not hold
    const account = givenAccount(EXPOSED);
    await plannerWithSecurityHub(account)(requestFor(internetFinding));
    markPlan(account, 'PENDING');

    // When
    const result = await plannerWithSecurityHub(account)(requestFor(vpcFinding, executionNamed('sibling')));

    // Then
    expect(result.plan.action).toBe('annotate');
    expect(result.plan.annotation.outcome).toBe('JOINED_PLAN');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ findings: [identifier(internetFinding), identifier(vpcFinding)] }),
    ]);
  });
});
