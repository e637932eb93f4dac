/**
 * Defects a real account would show on the first day and a permissive simulation hid: each scenario
 * runs the deployed template's IAM through the simulated account's evaluator.
 */
import { describe, expect, it } from 'vitest';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { findingsFor, givenExposedNotebook } from './recreation-fixtures.js';
import {
  changesMade,
  deniedCalls,
  findingNow,
  givenDeployment,
  isIdleCleanUp,
  NOTEBOOK,
  notebookNow,
  onlyExecution,
  revokeAction,
  sageMaker3Finding,
  takeDeniedCalls,
  whenImported,
} from './workflow-fixtures.js';

describe('IAM of the deployed template, enforced', () => {
  it('Given a running notebook in a VPC, when its root access is fixed, then it is restarted: StartNotebookInstance may describe its network interfaces', async () => {
    // Given a notebook in a private subnet of the account
    const vpcDeployment = givenNotebookInVpc();

    // When its SageMaker.3 finding arrives
    const execution = onlyExecution(await whenImported(vpcDeployment, sageMaker3Finding()));

    // Then it was stopped, updated and started again, and nothing was refused
    expect(execution.status).toBe('SUCCEEDED');
    expect(changesMade(vpcDeployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(notebookNow(vpcDeployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    expect(deniedCalls(vpcDeployment)).toEqual([]);
    expect(findingNow(vpcDeployment, sageMaker3Finding()).Workflow?.Status).toBe('RESOLVED');
  });

  it('Given a running notebook whose private repository is secret-backed, when its root access is fixed, then the restart may read the secret', async () => {
    // Given a notebook cloning a private repository with a secret
    const deployment = givenRepositoryNotebook();

    // When its SageMaker.3 finding arrives
    const execution = onlyExecution(
      await whenImported(deployment, sageMaker3Finding({ notebookName: 'Repo-Notebook' })),
    );

    // Then it runs again, root access disabled, and no call was refused
    expect(execution.status).toBe('SUCCEEDED');
    expect(notebookNow(deployment, 'Repo-Notebook')).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
    });
    expect(deniedCalls(deployment)).toEqual([]);
  });
});

describe('the same scenarios with the grants as they were before this fix: AWS would have refused', () => {
  it('Given the member role (which the state machine Tasks run as) without ec2:DescribeNetworkInterfaces, When the VPC notebook is restarted after its fix, Then StartNotebookInstance is refused with AccessDenied and the finding says so', async () => {
    const target = givenNotebookInVpc();
    revokeAction(target, target.memberRoleArn(), 'ec2:DescribeNetworkInterfaces');

    const execution = onlyExecution(await whenImported(target, sageMaker3Finding()));

    expect(execution.status).toBe('FAILED');
    expect(execution.cause).toContain('is not authorized to perform: ec2:DescribeNetworkInterfaces');
    expect(takeDeniedCalls(target)).toContainEqual(
      expect.stringMatching(/ ec2:DescribeNetworkInterfaces \*$/),
    );
    expect(findingNow(target, sageMaker3Finding()).Workflow?.Status).toBe('NOTIFIED');
  });

  it('Given the member role (which the state machine Tasks run as) without secretsmanager:GetSecretValue, When the notebook with a secret-backed repository is restarted after its fix, Then StartNotebookInstance is refused', async () => {
    const target = givenRepositoryNotebook();
    revokeAction(target, target.memberRoleArn(), 'secretsmanager:GetSecretValue');

    const execution = onlyExecution(
      await whenImported(target, sageMaker3Finding({ notebookName: 'Repo-Notebook' })),
    );

    expect(execution.status).toBe('FAILED');
    expect(takeDeniedCalls(target)).toContainEqual(
      expect.stringContaining(' secretsmanager:GetSecretValue '),
    );
  });

  it('Given the planning role without dynamodb:UpdateItem, When SageMaker.1 and .2 of one notebook arrive together, Then the second cannot join the plan: its planning fails and its finding says so', async () => {
    const { deployment: target } = givenExposedNotebook();
    revokeAction(target, target.deployedFunction('PlanRemediation').roleArn, 'dynamodb:UpdateItem');
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2']);

    for (const finding of findings) target.importFinding(finding);
    await target.account.clock.sleep(10 * 60_000);

    // (the failed one's clean-up finds its own failure handling ran: nothing to do)
    const planning = target.stateMachine.executions.filter((execution) => !isIdleCleanUp(execution));
    expect(planning.map((execution) => execution.status)).toEqual(['RUNNING', 'FAILED']);
    // (its "joined" note, written before the join, is taken back: it says it could not join)
    const second = findingNow(target, findings[1] as never);
    expect(second.Workflow?.Status).toBe('NOTIFIED');
    expect(second.Note?.Text).toMatch(
      new RegExp(
        `^This finding could not join the recreation plan of execution ${planning[0]?.name} \\(AccessDeniedException\\), so nothing was changed for it\\.`,
      ),
    );
    expect(takeDeniedCalls(target)).toContainEqual(expect.stringContaining(' dynamodb:UpdateItem '));
  });
});

function givenNotebookInVpc(): LocalDeployment {
  const target = givenDeployment();
  const { ec2 } = target.account;
  const vpcId = ec2.seedVpc();
  const subnetId = ec2.seedSubnet({ vpcId });
  const groupId = ec2.seedSecurityGroup({ vpcId, groupName: 'notebooks' });
  target.account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    rootAccess: 'Enabled',
    directInternetAccess: 'Disabled',
    subnetId,
    securityGroupIds: [groupId],
  });
  return target;
}

/** A running notebook, root access on, whose default repository is private, its credentials a secret. */
function givenRepositoryNotebook(): LocalDeployment {
  const target = givenDeployment();
  const secretArn = target.account.secretsManager.seedSecret({
    name: 'sagemaker-git-credentials',
    value: '{"username":"ci","password":"x"}',
  });
  target.account.sagemaker.seedCodeRepository({
    name: 'research-repo',
    repositoryUrl: 'https://git.example.com/research.git',
    secretArn,
  });
  target.account.sagemaker.seedNotebook({
    name: 'Repo-Notebook',
    status: 'InService',
    rootAccess: 'Enabled',
    defaultCodeRepository: 'research-repo',
  });
  return target;
}
