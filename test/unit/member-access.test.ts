import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import {
  MemberRoleUnavailable,
  roleSessionName,
  type StsLike,
  stsMemberSessions,
  type TemporaryCredentials,
} from '../../handlers/shared/member-access.js';
import { sageMakerOnly } from '../../handlers/shared/member-clients.js';

const SETTINGS = { roleName: 'SageMakerRemediationMember', stackSetName: 'sagemaker-remediation-members' };
const TARGET = { accountId: '444455556666', region: 'us-east-1' };
const ROLE_ARN = 'arn:aws:iam::444455556666:role/sagemaker-remediation/SageMakerRemediationMember-us-east-1';
const NOW = new Date('2026-11-23T09:00:00.000Z');

interface AssumeRoleInput {
  readonly RoleArn: string;
  readonly RoleSessionName: string;
  readonly DurationSeconds: number;
}

/** Stands for AssumeRoleCommand: keeps its input, as the SDK's command does. */
class FakeAssumeRole {
  constructor(readonly input: AssumeRoleInput) {}
}

function credentials(expiresInMinutes = 15): Required<TemporaryCredentials> {
  return {
    AccessKeyId: 'ASIAEXAMPLE',
    SecretAccessKey: 'secret',
    SessionToken: 'token',
    Expiration: new Date(NOW.getTime() + expiresInMinutes * 60_000),
  };
}

/** An STS whose answers are `answer` (an Error is thrown), recording every AssumeRole input. */
function fakeSts(answer: () => { Credentials?: TemporaryCredentials } | Error) {
  const inputs: AssumeRoleInput[] = [];
  const sts: StsLike = {
    async send(command) {
      inputs.push((command as FakeAssumeRole).input);
      const result = answer();
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { sts, inputs };
}

function sessions(sts: StsLike, clock = { now: NOW }) {
  const built: { region: string; credentials: Required<TemporaryCredentials> }[] = [];
  const members = stsMemberSessions({
    sts,
    settings: SETTINGS,
    createClients: (region, session) => {
      built.push({ region, credentials: session });
      return { region, id: built.length };
    },
    assumeRoleCommand: FakeAssumeRole,
    now: () => clock.now,
  });
  return { members, built };
}

const named = (name: string) => Object.assign(new Error(name), { name });

describe('stsMemberSessions', () => {
  it("Given a finding in a member account, When its clients are asked for, Then the member role of that account and Region is assumed for 900 seconds in a session named after the execution, and the clients are built for the target's Region", async () => {
    // Given
    const { sts, inputs } = fakeSts(() => ({ Credentials: credentials() }));
    const { members, built } = sessions(sts);

    // When
    const clients = await members.clientsFor(TARGET, 'finding-4f2a-run-1');

    // Then
    expect(inputs).toEqual([
      { RoleArn: ROLE_ARN, RoleSessionName: 'finding-4f2a-run-1', DurationSeconds: 900 },
    ]);
    expect(built).toEqual([{ region: 'us-east-1', credentials: credentials() }]);
    expect(clients).toEqual({ region: 'us-east-1', id: 1 });
  });

  it('Given a session already assumed for the execution, When the clients are asked for again, Then the same clients are returned without assuming the role again', async () => {
    // Given
    const { sts, inputs } = fakeSts(() => ({ Credentials: credentials() }));
    const { members } = sessions(sts);
    const first = await members.clientsFor(TARGET, 'run-1');

    // When
    const second = await members.clientsFor(TARGET, 'run-1');

    // Then
    expect(second).toBe(first);
    expect(inputs).toHaveLength(1);
  });

  it('Given a session assumed for one execution, When another execution or another Region asks, Then each gets its own session', async () => {
    // Given
    const { sts, inputs } = fakeSts(() => ({ Credentials: credentials() }));
    const { members } = sessions(sts);
    await members.clientsFor(TARGET, 'run-1');

    // When
    await members.clientsFor(TARGET, 'run-2');
    await members.clientsFor({ ...TARGET, region: 'eu-central-1' }, 'run-1');

    // Then
    expect(inputs.map((input) => [input.RoleArn.split('/').at(-1), input.RoleSessionName])).toEqual([
      ['SageMakerRemediationMember-us-east-1', 'run-1'],
      ['SageMakerRemediationMember-us-east-1', 'run-2'],
      ['SageMakerRemediationMember-eu-central-1', 'run-1'],
    ]);
  });

  it('Given a cached session within five minutes of its expiry, When the clients are asked for, Then the role is assumed again', async () => {
    // Given
    const clock = { now: NOW };
    const { sts, inputs } = fakeSts(() => ({ Credentials: credentials(15) }));
    const { members } = sessions(sts, clock);
    await members.clientsFor(TARGET, 'run-1');
    clock.now = new Date(NOW.getTime() + 9 * 60_000);
    await members.clientsFor(TARGET, 'run-1');

    // When
    clock.now = new Date(NOW.getTime() + 11 * 60_000);
    await members.clientsFor(TARGET, 'run-1');

    // Then
    expect(inputs).toHaveLength(2);
  });

  it('Given STS refuses with AccessDenied (no member role there), When the clients are asked for, Then MemberRoleUnavailable names the role, the StackSet, the account and the Region, and nothing is cached', async () => {
    // Given
    const { sts, inputs } = fakeSts(() => named('AccessDenied'));
    const { members, built } = sessions(sts);

    // When
    const failure = members.clientsFor(TARGET, 'run-1');

    // Then
    const error = await failure.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemberRoleUnavailable);
    const unavailable = error as MemberRoleUnavailable;
    expect(unavailable.roleArn).toBe(ROLE_ARN);
    expect(unavailable.reason).toBe('AccessDenied');
    expect(unavailable.message).toContain('StackSet sagemaker-remediation-members');
    expect(unavailable.message).toContain('account 444455556666 in us-east-1');
    expect(built).toEqual([]);
    await members.clientsFor(TARGET, 'run-1').catch(() => undefined);
    expect(inputs).toHaveLength(2);
  });

  it('Given STS fails for another reason (throttled), When the clients are asked for, Then that error surfaces unchanged', async () => {
    // Given
    const throttled = named('Throttling');
    const { sts } = fakeSts(() => throttled);
    const { members } = sessions(sts);

    // When
    const error = await members.clientsFor(TARGET, 'run-1').catch((caught: unknown) => caught);

    // Then
    expect(error).toBe(throttled);
  });

  it.each([
    ['no credentials', {}],
    ['no session token', { Credentials: { ...credentials(), SessionToken: undefined } }],
    ['no expiration', { Credentials: { ...credentials(), Expiration: undefined } }],
  ])(
    'Given AssumeRole answers with %s, When the clients are asked for, Then it fails and no clients are built',
    async (_case, answer) => {
      // Given
      const { sts } = fakeSts(() => answer);
      const { members, built } = sessions(sts);

      // When
      const error = await members.clientsFor(TARGET, 'run-1').catch((caught: unknown) => caught);

      // Then
      expect((error as Error).message).toBe(`AssumeRole of ${ROLE_ARN} returned no complete credentials`);
      expect(built).toEqual([]);
    },
  );

  it('Given a target in the China partition, When the clients are asked for, Then the role ARN is in that partition', async () => {
    // Given
    const { sts, inputs } = fakeSts(() => ({ Credentials: credentials() }));
    const { members } = sessions(sts);

    // When
    await members.clientsFor({ accountId: TARGET.accountId, region: 'cn-north-1' }, 'run-1');

    // Then
    expect(inputs[0]?.RoleArn).toBe(
      'arn:aws-cn:iam::444455556666:role/sagemaker-remediation/SageMakerRemediationMember-cn-north-1',
    );
  });
});

describe('roleSessionName', () => {
  it('Given an execution name with characters STS does not allow, When it becomes a session name, Then each becomes a dash', () => {
    expect(roleSessionName('run:1/finding#2')).toBe('run-1-finding-2');
  });

  it('Given an 80-character execution name, When it becomes a session name, Then its last 64 characters are kept (what differs between runs)', () => {
    const name = `${'a'.repeat(16)}${'b'.repeat(64)}`;
    expect(roleSessionName(name)).toBe('b'.repeat(64));
  });

  it('Given a one-character execution name, When it becomes a session name, Then it is padded to the two characters STS requires', () => {
    expect(roleSessionName('r')).toHaveLength(2);
  });
});

describe('the deployed functions’ member clients', () => {
  it("Given a member session's credentials, When its SageMaker client is built, Then it calls the target's Region with those credentials and the functions' retries", async () => {
    // Given
    const session = credentials();

    // When
    const client = sageMakerOnly('us-east-1', session).sagemaker as SageMakerClient;

    // Then
    expect(await client.config.region()).toBe('us-east-1');
    expect(await client.config.credentials()).toMatchObject({
      accessKeyId: session.AccessKeyId,
      secretAccessKey: session.SecretAccessKey,
      sessionToken: session.SessionToken,
      expiration: session.Expiration,
    });
    expect(await client.config.maxAttempts()).toBe(5);
  });
});
