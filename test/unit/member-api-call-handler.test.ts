/**
 * The member-api-call handler makes the one call it is asked for, as the member session of the
 * request's target, and answers as the integration would; a request it cannot make is refused before
 * any session or call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemberApiCallHandler, type MemberApiClients } from '../../handlers/member-api-call.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { MemberRoleUnavailable } from '../../handlers/shared/member-access.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { rejectionOf } from './caught-errors.js';
import { failingMembers, fakeMembers } from './member-fixtures.js';

const TARGET = { accountId: '444455556666', region: 'us-east-1' };
const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

function givenAccountWithNotebook() {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.sagemaker.seedNotebook({ name: 'research', status: 'InService', rootAccess: 'Enabled' });
  const { sagemaker, ec2, kms, s3 } = account.sdkClients();
  const members = fakeMembers<MemberApiClients>({ sagemaker, ec2, kms, s3 });
  return { account, members, handler: createMemberApiCallHandler({ members, logger: silentLogger }) };
}

const describeRequest = (name: string) => ({
  service: 'sagemaker',
  action: 'describeNotebookInstance',
  request: { NotebookInstanceName: name },
  target: TARGET,
  executionName: 'exec-1',
});

describe('member-api-call handler', () => {
  it('Given a describe request, When it is handled, Then the call is made in the target session and its fields are returned without SDK metadata', async () => {
    const { members, handler } = givenAccountWithNotebook();

    const result = await handler(describeRequest('research'));

    expect(result).toMatchObject({ NotebookInstanceName: 'research', NotebookInstanceStatus: 'InService' });
    expect(result).not.toHaveProperty('$metadata');
    expect(members.requests).toEqual([{ target: TARGET, executionName: 'exec-1' }]);
  });

  it('Given a notebook that does not exist, When it is described, Then the function fails with the name the integration would raise', async () => {
    const { handler } = givenAccountWithNotebook();

    const error = await rejectionOf(handler(describeRequest('missing')));

    expect(error.name).toBe('SageMaker.SageMakerException');
    expect(error.message).toContain('Error Code: ValidationException');
  });

  it('Given an EC2 read of the pre-flight, When it is handled, Then the EC2 client is loaded on first use and the subnet is returned', async () => {
    const { account, handler } = givenAccountWithNotebook();
    const vpcId = account.ec2.seedVpc();
    const subnetId = account.ec2.seedSubnet({ vpcId });

    const result = await handler({
      service: 'ec2',
      action: 'describeSubnets',
      request: { SubnetIds: [subnetId] },
      target: TARGET,
      executionName: 'exec-1',
    });

    expect(result).toMatchObject({ Subnets: [{ SubnetId: subnetId, VpcId: vpcId }] });
  });

  it('Given a call the function does not make, When it is asked, Then it is refused before any session is opened', async () => {
    const { members, handler } = givenAccountWithNotebook();

    const error = await rejectionOf(
      handler({ ...describeRequest('research'), action: 'deleteNotebookInstanceLifecycleConfig' }),
    );

    expect(error.message).toBe(
      'Invalid MemberApiCall request: sagemaker:deleteNotebookInstanceLifecycleConfig is not a call this function makes',
    );
    expect(members.requests).toEqual([]);
  });

  it('Given a request without its target, When it is handled, Then the error names the field and nothing is called', async () => {
    const { account, members, handler } = givenAccountWithNotebook();
    const { target: _target, ...withoutTarget } = describeRequest('research');

    const error = await rejectionOf(handler(withoutTarget));

    expect(error.message).toMatch(/^Invalid MemberApiCall request: request\.target/);
    expect(members.requests).toEqual([]);
    expect(account.callsTo('SageMaker')).toEqual([]);
  });

  it('Given a member role that cannot be assumed, When a call is asked, Then it fails as MemberRoleUnavailable and nothing is called', async () => {
    const unavailable = new MemberRoleUnavailable(
      TARGET,
      'arn:aws:iam::444455556666:role/x',
      'set',
      'AccessDenied',
    );
    const handler = createMemberApiCallHandler({
      members: failingMembers(unavailable),
      logger: silentLogger,
    });

    const error = await rejectionOf(handler(describeRequest('research')));

    expect(error.name).toBe('MemberRoleUnavailable');
  });
});
