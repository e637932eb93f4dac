/**
 * The simulated estate: several accounts and Regions, STS AssumeRole authorized on both sides (the
 * caller's identity policies and the role's trust policy, with aws:PrincipalOrgID and sts:ExternalId),
 * and Step Functions Tasks with Credentials, which call as the assumed role in the state machine's own
 * Region only.
 */
import { DescribeNotebookInstanceCommand } from '@aws-sdk/client-sagemaker';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { AccountDirectory } from '../../simulation/account/account-directory.js';
import type { Caller } from '../../simulation/account/authorizer.js';
import { LocalStateMachine } from '../../simulation/runner/local-state-machine.js';
import { type StateMachineDefinition, sdkIntegration } from '../../statemachines/amazon-states-language.js';

const ADMIN = '111122223333';
const MEMBER = '444455556666';
const HOME = 'eu-west-1';
const OTHER_REGION = 'us-east-1';
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/member-${HOME}`;

const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

function givenEstate(trustCondition: Record<string, Record<string, string>> = {}) {
  const home = new SimulatedAccount({ accountId: ADMIN, region: HOME, latencyMs: 0 });
  const directory = new AccountDirectory(home);
  const member = directory.add(MEMBER, HOME, { latencyMs: 0 });
  const memberOtherRegion = directory.add(MEMBER, OTHER_REGION, { latencyMs: 0 });
  accounts.push(home, member, memberOtherRegion);
  const adminRole = home.iam.createRole({
    roleName: 'remediation-state-machine',
    path: '/sagemaker-remediation/',
    inlinePolicies: [
      {
        name: 'AssumeMemberRoles',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Resource: 'arn:aws:iam::*:role/sagemaker-remediation/member-*',
            },
          ],
        },
      },
    ],
  });
  member.iam.createRole({
    roleName: `member-${HOME}`,
    path: '/sagemaker-remediation/',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ADMIN}:root` },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': directory.organizationId },
            ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ADMIN}:role/sagemaker-remediation/*` },
            ...trustCondition,
          },
        },
      ],
    },
    inlinePolicies: [
      {
        name: 'DescribeNotebooks',
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sagemaker:DescribeNotebookInstance', Resource: '*' }],
        },
      },
    ],
  });
  const caller: Caller = home.callerFor(adminRole, 'execution-1');
  return { home, directory, member, memberOtherRegion, caller };
}

describe('STS AssumeRole across the accounts of the organization', () => {
  it('Given a member role trusting the administrator account in the organization, when the administrator role assumes it, then its session calls the member account', async () => {
    const { directory, member, caller } = givenEstate();
    member.sagemaker.seedNotebook({ name: 'member-notebook', status: 'InService' });

    const assumed = await directory.assumeRole(
      caller,
      { RoleArn: MEMBER_ROLE, RoleSessionName: 'execution-1' },
      HOME,
    );
    const { caller: session, account } = directory.sessionFor(assumed.credentials.AccessKeyId, HOME);
    const described = await account
      .sdkClients(session)
      .sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'member-notebook' }));

    expect(session.roleArn).toBe(MEMBER_ROLE);
    expect(account).toBe(member);
    expect(described.NotebookInstanceStatus).toBe('InService');
  });

  it('Given an account outside the organization, when its role assumes the member role, then STS denies it', async () => {
    const { directory } = givenEstate();
    const outsider = directory.add('999988887777', HOME, { latencyMs: 0, outsideOrganization: true });
    accounts.push(outsider);
    const outsiderRole = outsider.iam.createRole({
      roleName: 'remediation-state-machine',
      path: '/sagemaker-remediation/',
      inlinePolicies: [
        {
          name: 'AssumeAnything',
          document: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
          },
        },
      ],
    });

    await expect(
      directory.assumeRole(
        outsider.callerFor(outsiderRole, 'probe'),
        { RoleArn: MEMBER_ROLE, RoleSessionName: 'probe' },
        HOME,
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('Given no member role in the account, when the administrator role assumes it, then STS denies it in the words it uses for a role that does not trust the caller', async () => {
    const { directory, caller } = givenEstate();
    const missing = `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/member-${OTHER_REGION}`;

    await expect(
      directory.assumeRole(caller, { RoleArn: missing, RoleSessionName: 'execution-1' }, HOME),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${ADMIN}:assumed-role/remediation-state-machine/execution-1 is not authorized to perform: sts:AssumeRole on resource: ${missing}`,
    });
  });

  it('Given a trust policy that names the administrator account, when the caller has no sts:AssumeRole in its own policies, then STS denies it', async () => {
    const { home, directory } = givenEstate();
    const bare = home.iam.createRole({ roleName: 'bare', path: '/sagemaker-remediation/' });

    await expect(
      directory.assumeRole(
        home.callerFor(bare, 'bare'),
        { RoleArn: MEMBER_ROLE, RoleSessionName: 'bare' },
        HOME,
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('Given a trust policy requiring an external id, when the caller gives none or the wrong one, then STS denies it, and allows the right one', async () => {
    const { directory, caller } = givenEstate({ StringEquals: { 'sts:ExternalId': 'estate-42' } });
    const assume = (ExternalId?: string) =>
      directory.assumeRole(
        caller,
        { RoleArn: MEMBER_ROLE, RoleSessionName: 'execution-1', ...(ExternalId ? { ExternalId } : {}) },
        HOME,
      );

    await expect(assume()).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assume('estate-41')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assume('estate-42')).resolves.toMatchObject({ accountId: MEMBER });
  });

  it('Given a session name STS refuses, when a role is assumed, then it is a ValidationError and no session exists', async () => {
    const { directory, caller } = givenEstate();

    await expect(
      directory.assumeRole(caller, { RoleArn: MEMBER_ROLE, RoleSessionName: 'has space' }, HOME),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('Step Functions Tasks with Credentials', () => {
  const describeNotebook = (name: string): StateMachineDefinition => ({
    StartAt: 'DescribeNotebook',
    States: {
      DescribeNotebook: {
        Type: 'Task',
        Resource: sdkIntegration('sagemaker', 'describeNotebookInstance'),
        Credentials: { 'RoleArn.$': '$.roleArn' },
        Parameters: { NotebookInstanceName: name },
        ResultSelector: { 'status.$': '$.NotebookInstanceStatus' },
        End: true,
      },
    },
  });

  function machine(home: SimulatedAccount, caller: Caller, definition: StateMachineDefinition) {
    return new LocalStateMachine({
      name: 'credentials',
      definition,
      backend: home,
      functions: {},
      resources: {},
      caller,
    });
  }

  it('Given a member notebook in the home Region, when a Task with Credentials describes it, then it is described as the member role', async () => {
    const { home, member, caller } = givenEstate();
    member.sagemaker.seedNotebook({ name: 'member-notebook', status: 'Stopped' });

    const { done } = machine(home, caller, describeNotebook('member-notebook')).start({
      roleArn: MEMBER_ROLE,
    });
    const record = await done;

    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ status: 'Stopped' });
    expect(member.callsTo('SageMaker', 'DescribeNotebookInstance')).toHaveLength(1);
    expect(member.authorizations.at(-1)?.caller.roleArn).toBe(MEMBER_ROLE);
  });

  it('Given a member notebook in another Region, when a Task with Credentials describes it, then the call goes to the home Region and does not find it', async () => {
    const { home, memberOtherRegion, caller } = givenEstate();
    memberOtherRegion.sagemaker.seedNotebook({ name: 'far-notebook', status: 'InService' });

    const { done } = machine(home, caller, describeNotebook('far-notebook')).start({ roleArn: MEMBER_ROLE });
    const record = await done;

    expect(record.status).toBe('FAILED');
    expect(memberOtherRegion.callsTo('SageMaker')).toHaveLength(0);
  });

  it('Given a role the state machine may not assume, when the Task runs, then it fails with States.TaskFailed naming sts:AssumeRole', async () => {
    const { home, caller } = givenEstate();
    const missing = `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/member-${OTHER_REGION}`;

    const { done } = machine(home, caller, describeNotebook('any')).start({ roleArn: missing });
    const record = await done;

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.TaskFailed');
    expect(record.cause).toContain('sts:AssumeRole');
  });
});
