/**
 * The scope filters end to end, in the deployed stack: a finding outside the scope is annotated as
 * skipped without a failed execution (so no alarm), a scope Organizations cannot answer changes
 * nothing and says so, and an account under an allowed organizational unit is remediated.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedOrganization } from '../../simulation/account/organizations.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  alertOutcomes,
  changesMade,
  findingNow,
  givenNotebook,
  notebookNow,
  onlyExecution,
  sageMaker3Finding,
  statesOf,
  whenImported,
} from './workflow-fixtures.js';

const ANNOTATED_ONLY = [
  'PlanRemediation',
  'DecideNextStep',
  'AnnotateFinding',
  'CheckFindingAnnotated',
  'PublishOutcomeAlert',
];

/** The simulated deployment's own account (LocalDeployment's default). */
const DEPLOYMENT_ACCOUNT = '111122223333';

type Units = { readonly workloads: string; readonly research: string };

/**
 * A deployment and one notebook, its account in an organization under Root > Workloads > Research,
 * with the scope built from the units' ids. By default the account is the management account.
 */
function givenNotebookInOrganization(
  scopeOf: (units: Units) => unknown,
  managementAccountId = DEPLOYMENT_ACCOUNT,
): LocalDeployment & { readonly units: Units } {
  const organization = new SimulatedOrganization({ managementAccountId });
  const workloads = organization.createOrganizationalUnit('Workloads');
  const research = organization.createOrganizationalUnit('Research', workloads);
  const units = { workloads, research };
  const deployment = givenNotebook({}, { configuration: { scope: scopeOf(units) } });
  deployment.account.organizations.join(organization, research);
  return Object.assign(deployment, { units });
}

describe('scope filters', () => {
  it('Given the Region on the deny list, When a finding is imported, Then it is skipped with why, nothing is read or changed, and the execution succeeds', async () => {
    const deployment = givenNotebook({}, { configuration: { scope: { regions: { deny: ['eu-west-1'] } } } });
    const finding = sageMaker3Finding();

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.retries).toBe(0);
    expect(statesOf(execution)).toEqual(ANNOTATED_ONLY);
    const now = findingNow(deployment, finding);
    expect(now.Workflow?.Status).toBe('NOTIFIED');
    expect(now.Note?.Text).toBe(
      "Skipped: Region eu-west-1 is on this deployment's Region deny list, so SageMaker.3 was not remediated and nothing was changed. To remediate, change the deployment's scope, then set this finding back to NEW.",
    );
    expect(alertOutcomes(deployment)).toEqual(['SKIPPED_OUT_OF_SCOPE']);
    // Decided before any resource is described, and without Organizations.
    expect(deployment.account.callsTo('SageMaker')).toEqual([]);
    expect(deployment.account.callsTo('Organizations')).toEqual([]);
    expect(notebookNow(deployment).RootAccess).toBe('Enabled');
  });

  it('Given the account under a denied organizational unit, When a finding is imported, Then it is skipped naming the unit', async () => {
    const deployment = givenNotebookInOrganization(({ workloads }) => ({
      organizationalUnits: { deny: [workloads] },
    }));
    const finding = sageMaker3Finding();

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toEqual(ANNOTATED_ONLY);
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      `Skipped: account ${DEPLOYMENT_ACCOUNT} is under organizational unit ${deployment.units.workloads}, on this deployment's organizational unit deny list`,
    );
    expect(changesMade(deployment)).toEqual([]);
  });

  it('Given the account two units below an allowed one, When a finding is imported, Then the notebook is remediated', async () => {
    const deployment = givenNotebookInOrganization(({ workloads }) => ({
      organizationalUnits: { allow: [workloads] },
    }));
    const finding = sageMaker3Finding();

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect(notebookNow(deployment).RootAccess).toBe('Disabled');
    // The account, Research, Workloads: each parent read once, as the planning role.
    expect(deployment.account.callsTo('Organizations', 'ListParents').map((call) => call.input)).toEqual([
      { ChildId: DEPLOYMENT_ACCOUNT },
      { ChildId: deployment.units.research },
      { ChildId: deployment.units.workloads },
    ]);
  });

  it('Given Organizations unreachable past the retries, When a finding is imported, Then nothing is changed, the note says why and how it is retried, and the execution succeeds', async () => {
    const deployment = givenNotebookInOrganization(({ workloads }) => ({
      organizationalUnits: { allow: [workloads] },
    }));
    deployment.account.faults.failNext({
      service: 'Organizations',
      operation: 'ListParents',
      code: 'ServiceException',
      httpStatusCode: 500,
      times: 5,
    });
    const finding = sageMaker3Finding();

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.retries).toBe(0);
    expect(statesOf(execution)).toEqual(ANNOTATED_ONLY);
    const now = findingNow(deployment, finding);
    expect(now.Workflow?.Status).toBe('NOTIFIED');
    expect(now.Note?.Text).toMatch(
      /^Not remediated: the scope could not be evaluated because AWS Organizations did not answer ListParents \(ServiceException: .*\)\. Nothing was changed\. It will be retried when this finding is set back to NEW/,
    );
    expect(alertOutcomes(deployment)).toEqual(['SCOPE_NOT_EVALUATED']);
    expect(deployment.account.callsTo('SageMaker')).toEqual([]);
    expect(notebookNow(deployment).RootAccess).toBe('Enabled');
  });

  it('Given the deployment in a plain member account, When a unit list must decide, Then nothing is changed and the note names AccessDeniedException', async () => {
    const deployment = givenNotebookInOrganization(
      ({ workloads }) => ({ organizationalUnits: { allow: [workloads] } }),
      '999900001111',
    );
    const finding = sageMaker3Finding();

    const execution = onlyExecution(await whenImported(deployment, finding));

    expect(execution.status).toBe('SUCCEEDED');
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      'AWS Organizations denied ListParents (AccessDeniedException): organizational unit lists need this deployment in the management account or a delegated administrator',
    );
    expect(changesMade(deployment)).toEqual([]);
  });
});
