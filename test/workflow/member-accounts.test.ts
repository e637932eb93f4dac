/**
 * One deployment in the delegated administrator account remediates member accounts: the findings
 * aggregated into its Security Hub are acted on through the member role of the resource's account
 * (STS, trust and identity policies enforced), and a member the StackSet has not reached gets a note
 * naming what to deploy, with nothing changed and no failed execution.
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import {
  alertOutcomes,
  findingNow,
  givenDeployment,
  NOTEBOOK,
  sageMaker3Finding,
  takeDeniedCalls,
  whenImported,
} from './workflow-fixtures.js';

const MEMBER = '444455556666';
const OTHER_MEMBER = '777788889999';
const HOME = 'eu-west-1';

function seedRootAccessNotebook(account: SimulatedAccount, name = NOTEBOOK): void {
  account.sagemaker.seedNotebook({ name, status: 'InService', rootAccess: 'Enabled' });
}

describe('a member account of the organization', () => {
  it('Given a member account with the member stack, When its SageMaker.3 finding is aggregated into the administrator account, Then the member role disables root access there and the finding is resolved', async () => {
    const deployment = givenDeployment();
    const member = deployment.addMemberAccount(MEMBER, HOME);
    seedRootAccessNotebook(member);
    const finding = sageMaker3Finding({ account: MEMBER });

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(member.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK })).toMatchObject({
      RootAccess: 'Disabled',
      NotebookInstanceStatus: 'InService',
    });
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    // Every change in the member account was made as its member role, in a session of its own.
    const changes = member
      .callsTo('SageMaker')
      .filter((call) =>
        ['StopNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance'].includes(call.operation),
      );
    expect(changes.map((call) => call.operation)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    const callers = new Set(
      member.authorizations
        .filter((entry) => entry.action.startsWith('sagemaker:'))
        .map((entry) => entry.caller.roleArn),
    );
    expect([...callers]).toEqual([
      `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/SageMakerRemediationMember-${HOME}`,
    ]);
    // And nothing of the kind happened in the administrator account.
    expect(deployment.account.callsTo('SageMaker')).toEqual([]);
  });

  it('Given two accounts with a notebook of the same name, When both findings arrive, Then each is fixed in its own account under its own lock', async () => {
    const deployment = givenDeployment();
    const first = deployment.addMemberAccount(MEMBER, HOME);
    const second = deployment.addMemberAccount(OTHER_MEMBER, HOME);
    seedRootAccessNotebook(first);
    seedRootAccessNotebook(second);

    deployment.importFinding(sageMaker3Finding({ account: MEMBER }));
    deployment.importFinding(sageMaker3Finding({ account: OTHER_MEMBER }));
    const executions = await deployment.settle();

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const account of [first, second]) {
      expect(account.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK }).RootAccess).toBe(
        'Disabled',
      );
    }
    expect(alertOutcomes(deployment)).toEqual(['RESOLVED', 'RESOLVED']);
  });

  it('Given a member account the StackSet has not reached, When its finding arrives, Then nothing is changed and the note names the StackSet, the account and the Region, with no failed execution', async () => {
    const deployment = givenDeployment();
    const member = deployment.addMemberAccount(MEMBER, HOME, { memberStack: false });
    seedRootAccessNotebook(member);
    const finding = sageMaker3Finding({ account: MEMBER });

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(member.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK }).RootAccess).toBe(
      'Enabled',
    );
    const noted = findingNow(deployment, finding);
    expect(noted.Workflow?.Status).toBe('NOTIFIED');
    expect(noted.Note?.Text).toContain('sagemaker-remediation-members');
    expect(noted.Note?.Text).toContain(`account ${MEMBER} in ${HOME}`);
    expect(alertOutcomes(deployment)).toEqual(['NEEDS_CONFIGURATION']);
    // The one refusal is STS's: the role is not there to assume.
    expect(takeDeniedCalls(deployment)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^SageMakerRemediation-FunctionsPlanRemediationRole\\S* sts:AssumeRole arn:aws:iam::${MEMBER}:role/sagemaker-remediation/SageMakerRemediationMember-${HOME}$`,
        ),
      ),
    ]);
  });

  it('Given a member notebook in a Region the deployment is not configured for, When its finding is aggregated into the home Region, Then nothing is changed there and the note says which Regions it acts in and what to configure', async () => {
    const deployment = givenDeployment();
    const far = deployment.addMemberAccount(MEMBER, 'us-east-1');
    seedRootAccessNotebook(far);
    const finding = sageMaker3Finding({ account: MEMBER, region: 'us-east-1' });

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(far.callsTo('SageMaker').filter((call) => call.operation !== 'DescribeNotebookInstance')).toEqual(
      [],
    );
    expect(far.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK }).RootAccess).toBe(
      'Enabled',
    );
    const noted = findingNow(deployment, finding);
    expect(noted.Workflow?.Status).toBe('NOTIFIED');
    expect(noted.Note?.Text).toContain(
      `its resource is in us-east-1, and this deployment acts in ${HOME} only. Add us-east-1 to members.linkedRegions`,
    );
    expect(alertOutcomes(deployment)).toEqual(['NEEDS_CONFIGURATION']);
  });

  it('Given a member notebook with internet access and no recreate target for its account, When its SageMaker.1 finding arrives, Then it is planned as the member role, nothing is changed, and the note says what to configure (member-recreation.test.ts recreates one)', async () => {
    const deployment = givenDeployment();
    const member = deployment.addMemberAccount(MEMBER, HOME);
    member.sagemaker.seedNotebook({ name: NOTEBOOK, status: 'InService', directInternetAccess: 'Enabled' });
    const finding = sageMaker3Finding({ account: MEMBER, controlId: 'SageMaker.1' });

    const executions = await whenImported(deployment, finding);

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(
      member
        .callsTo('SageMaker')
        .map((call) => call.operation)
        .filter((operation) => !/^(Describe|List)/.test(operation)),
    ).toEqual([]);
    const note = findingNow(deployment, finding).Note?.Text ?? '';
    expect(note).toContain('remediation.recreate');
    expect(note).not.toContain('member stack does not deploy');
  });
});
