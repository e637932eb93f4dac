/**
 * One deployment in the aggregation (home) Region remediates the linked Regions it is configured for
 * (members.linkedRegions): Step Functions calls only its own Region, so the member Tasks of a linked
 * Region's resource go through the member-api-call function, as the member role of that account and
 * Region; a home-Region resource is still called by Step Functions itself.
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import {
  findingNow,
  givenDeployment,
  NOTEBOOK,
  sageMaker3Finding,
  takeDeniedCalls,
  whenImported,
} from './workflow-fixtures.js';

const MEMBER = '444455556666';
const HOME = 'eu-west-1';
const LINKED = 'us-east-1';
const memberRole = (account: string, region: string) =>
  `arn:aws:iam::${account}:role/sagemaker-remediation/SageMakerRemediationMember-${region}`;

function seedRootAccessNotebook(account: SimulatedAccount): void {
  account.sagemaker.seedNotebook({ name: NOTEBOOK, status: 'InService', rootAccess: 'Enabled' });
}

const sageMakerCallers = (account: SimulatedAccount) =>
  new Set(
    account.authorizations
      .filter((entry) => entry.action.startsWith('sagemaker:'))
      .map((entry) => entry.caller.roleArn),
  );

/** How often the state machine invoked the member-api-call function. */
const memberApiCallInvocations = (account: SimulatedAccount) =>
  account.authorizations.filter(
    (entry) => entry.action === 'lambda:InvokeFunction' && entry.resource.includes('MemberApiCall'),
  ).length;

describe('linked Regions', () => {
  it('Given a deployment that acts in us-east-1 too, When a member notebook there fails SageMaker.3, Then root access is disabled there as that Region member role, it ends InService, and the finding is resolved', async () => {
    const deployment = givenDeployment({ configuration: { members: { linkedRegions: [LINKED] } } });
    const far = deployment.addMemberAccount(MEMBER, LINKED);
    seedRootAccessNotebook(far);
    const finding = sageMaker3Finding({ account: MEMBER, region: LINKED });

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(far.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK })).toMatchObject({
      RootAccess: 'Disabled',
      NotebookInstanceStatus: 'InService',
    });
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect(
      far
        .callsTo('SageMaker')
        .map((call) => call.operation)
        .filter((operation) => !['DescribeNotebookInstance', 'ListTags'].includes(operation)),
    ).toEqual(['StopNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance']);
    expect([...sageMakerCallers(far)]).toEqual([memberRole(MEMBER, LINKED)]);
    expect(memberApiCallInvocations(deployment.account)).toBeGreaterThan(0);
    // Nothing was asked of the home Region's SageMaker, and nothing was refused anywhere.
    expect(deployment.account.callsTo('SageMaker')).toEqual([]);
    expect(takeDeniedCalls(deployment)).toEqual([]);
  });

  it('Given the same deployment, When a notebook of the home Region fails SageMaker.3, Then Step Functions fixes it itself, without the member-api-call function', async () => {
    const deployment = givenDeployment({ configuration: { members: { linkedRegions: [LINKED] } } });
    seedRootAccessNotebook(deployment.account);
    const finding = sageMaker3Finding();

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(
      deployment.account.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK }).RootAccess,
    ).toBe('Disabled');
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect([...sageMakerCallers(deployment.account)]).toEqual([memberRole('111122223333', HOME)]);
    expect(memberApiCallInvocations(deployment.account)).toBe(0);
  });

  it('Given the member stack in two Regions of one account (a StackSet instance each), When both notebooks fail SageMaker.3, Then each is fixed by the member role of its own Region', async () => {
    const deployment = givenDeployment({ configuration: { members: { linkedRegions: [LINKED] } } });
    const near = deployment.addMemberAccount(MEMBER, HOME);
    const far = deployment.addMemberAccount(MEMBER, LINKED);
    seedRootAccessNotebook(near);
    seedRootAccessNotebook(far);

    deployment.importFinding(sageMaker3Finding({ account: MEMBER }));
    deployment.importFinding(sageMaker3Finding({ account: MEMBER, region: LINKED }));
    const executions = await deployment.settle();

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const [account, region] of [
      [near, HOME],
      [far, LINKED],
    ] as const) {
      expect(account.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK }).RootAccess).toBe(
        'Disabled',
      );
      expect([...sageMakerCallers(account)]).toEqual([memberRole(MEMBER, region)]);
    }
    expect(takeDeniedCalls(deployment)).toEqual([]);
  });
});
