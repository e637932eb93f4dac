import { afterEach, describe, expect, it } from 'vitest';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { MemberRoleUnavailable, memberRoleArn } from '../../handlers/shared/member-access.js';
import type { MemberSageMaker } from '../../handlers/shared/member-clients.js';
import { failingMembers, fakeMembers } from './member-fixtures.js';
import {
  disposeAccounts,
  givenAccount,
  internetFinding,
  itemsOf,
  planner,
  recreating,
  requestFor,
  rootFinding,
} from './plan-fixtures.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';

afterEach(disposeAccounts);

const MEMBERS = { roleName: 'SageMakerRemediationMember', stackSetName: 'sagemaker-remediation-members' };
const TARGET = { accountId: '111122223333', region: 'eu-west-1' };

/** What STS's refusal becomes: the role is not deployed in the finding's account and Region. */
function roleMissing(): MemberRoleUnavailable {
  return new MemberRoleUnavailable(
    TARGET,
    memberRoleArn(MEMBERS, TARGET),
    MEMBERS.stackSetName,
    'AccessDenied',
  );
}

describe('PlanRemediation handler: acting as the member role', () => {
  it("Given a SageMaker.3 finding, When it is planned, Then SageMaker is read through the member session of the finding's account and Region, named after the execution, and the plan names that role", async () => {
    // Given
    const account = givenAccount();
    const members = fakeMembers<MemberSageMaker>({ sagemaker: account.sdkClients().sagemaker });

    // When
    const result = await planner(account, { members })(requestFor(rootFinding));

    // Then
    expect(result.plan.action).toBe('remediate');
    expect(members.requests).toEqual([{ target: TARGET, executionName: EXECUTION.name }]);
    expect(result.plan.target).toEqual({
      ...TARGET,
      roleArn: 'arn:aws:iam::111122223333:role/sagemaker-remediation/SageMakerRemediationMember-eu-west-1',
    });
  });

  it('Given the member role cannot be assumed, When SageMaker.3 is planned, Then the finding is annotated NEEDS_CONFIGURATION with the StackSet, account and Region to deploy, nothing is locked or read, and no error fails the execution', async () => {
    // Given
    const account = givenAccount();

    // When
    const result = await planner(account, { members: failingMembers(roleMissing()) })(
      requestFor(rootFinding),
    );

    // Then
    expect(result.plan.action).toBe('annotate');
    expect(result.plan.annotation.outcome).toBe('NEEDS_CONFIGURATION');
    expect(result.plan.annotation.workflowStatus).toBe('NOTIFIED');
    expect(result.plan.annotation.note).toContain('StackSet sagemaker-remediation-members');
    expect(result.plan.annotation.note).toContain('account 111122223333 in eu-west-1');
    expect(result.plan.annotation.note).toContain('nothing was changed');
    expect(itemsOf(account, 'locks')).toEqual([]);
    expect(account.callsTo('SageMaker')).toEqual([]);
  });

  it('Given the member role cannot be assumed, When an approval-gated SageMaker.1 recreation is planned, Then no plan is recorded and the note says what to deploy', async () => {
    // Given
    const account = givenAccount({ directInternetAccess: 'Enabled' });

    // When
    const result = await planner(account, {
      settings: recreating,
      members: failingMembers(roleMissing()),
    })(requestFor(internetFinding));

    // Then
    expect(result.plan.annotation.outcome).toBe('NEEDS_CONFIGURATION');
    expect(result.plan.annotation.note).toContain(memberRoleArn(MEMBERS, TARGET));
    expect(itemsOf(account, 'remediation-approvals')).toEqual([]);
  });

  it('Given a control switched off, When its finding is planned, Then it is ignored without assuming the member role', async () => {
    // Given
    const account = givenAccount();
    const members = fakeMembers<MemberSageMaker>({ sagemaker: account.sdkClients().sagemaker });
    const settings = runtimeSettings({ modes: resolveModes({ 'SageMaker.3': 'off' }) });

    // When
    const result = await planner(account, { settings, members })(requestFor(rootFinding));

    // Then
    expect(result.plan.action).toBe('ignore');
    expect(members.requests).toEqual([]);
  });

  it('Given STS fails for another reason (throttled), When SageMaker.3 is planned, Then the error surfaces for the state machine to retry', async () => {
    // Given
    const account = givenAccount();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

    // When
    const planning = planner(account, { members: failingMembers(throttled) })(requestFor(rootFinding));

    // Then
    await expect(planning).rejects.toThrow('Rate exceeded');
    expect(itemsOf(account, 'locks')).toEqual([]);
  });
});
