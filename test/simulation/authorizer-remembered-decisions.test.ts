/**
 * The evaluator remembers its decisions (simulation/account/authorizer.ts): the same call under the same
 * policies is evaluated once. These prove that remembering never answers for a different question: a
 * changed policy, a different caller or a time a policy reads all decide afresh.
 */
import { describe, expect, it } from 'vitest';
import {
  authorize,
  type Caller,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySource,
  type RequestFacts,
} from '../../simulation/account/authorizer.js';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { SimulatedIam } from '../../simulation/account/iam.js';

const ACCOUNT = '111122223333';
const NOTEBOOK_ARN = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:notebook-instance/remembered`;
const CALLER: Caller = {
  roleArn: `arn:aws:iam::${ACCOUNT}:role/remembering`,
  sessionName: 'test',
  roleId: 'AROAREMEMBERING',
};
const START = { action: 'sagemaker:StartNotebookInstance', resource: NOTEBOOK_ARN };
const at = (iso: string): RequestFacts => ({ accountId: ACCOUNT, region: 'eu-west-1', now: new Date(iso) });

function policiesOf(documents: Record<string, PolicyDocument>): PolicySource & {
  documents: Record<string, PolicyDocument>;
} {
  return {
    documents,
    identityPoliciesOf(roleArn): NamedPolicy[] | undefined {
      const document = documents[roleArn];
      return document ? [{ name: 'inline', document }] : undefined;
    },
    resourcePolicyOf: () => undefined,
  };
}

const allowStart = (condition?: Record<string, unknown>): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Start',
      Effect: 'Allow',
      Action: 'sagemaker:StartNotebookInstance',
      Resource: NOTEBOOK_ARN,
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});

describe('remembered IAM decisions', () => {
  it('Given a decision made, When the same call is authorized again under the same policies, Then the remembered decision answers, frozen', async () => {
    const policies = policiesOf({ [CALLER.roleArn]: allowStart() });

    const first = await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));
    const again = await authorize(CALLER, START, policies, at('2026-12-01T10:05:00Z'));

    expect(first.decision).toBe('Allowed');
    expect(again).toBe(first);
    expect(Object.isFrozen(again)).toBe(true);
    expect(Object.isFrozen(again.allowedBy)).toBe(true);
  });

  it('Given an allowed call, When its policy is replaced by one that no longer allows it, Then the next call is denied', async () => {
    const policies = policiesOf({ [CALLER.roleArn]: allowStart() });
    const before = await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));

    policies.documents[CALLER.roleArn] = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sagemaker:StopNotebookInstance', Resource: NOTEBOOK_ARN }],
    };
    const after = await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));

    expect(before.decision).toBe('Allowed');
    expect(after.decision).toBe('ImplicitlyDenied');
  });

  it('Given an allowed call, When a deny statement is added to the same policy object in place, Then the next call is explicitly denied', async () => {
    const document = allowStart();
    const policies = policiesOf({ [CALLER.roleArn]: document });
    await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));

    (document.Statement as unknown[]).push({
      Effect: 'Deny',
      Action: 'sagemaker:StartNotebookInstance',
      Resource: '*',
    });
    const after = await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));

    expect(after.decision).toBe('ExplicitlyDenied');
  });

  it('Given a policy that allows only until a date, When the same call comes before and after it, Then each is decided at its own time', async () => {
    const policies = policiesOf({
      [CALLER.roleArn]: allowStart({ DateLessThan: { 'aws:CurrentTime': '2026-12-01T12:00:00Z' } }),
    });

    const before = await authorize(CALLER, START, policies, at('2026-12-01T11:59:00Z'));
    const after = await authorize(CALLER, START, policies, at('2026-12-01T12:01:00Z'));

    expect(before.decision).toBe('Allowed');
    expect(after.decision).toBe('ImplicitlyDenied');
  });

  it('Given a decision for one caller, When another role with no policy makes the same call, Then it is denied', async () => {
    const policies = policiesOf({ [CALLER.roleArn]: allowStart() });
    await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));

    const other = await authorize(
      { ...CALLER, roleArn: `arn:aws:iam::${ACCOUNT}:role/someone-else`, roleId: 'AROASOMEONE' },
      START,
      policies,
      at('2026-12-01T10:00:00Z'),
    );

    expect(other.decision).toBe('ImplicitlyDenied');
  });

  it('Given a policy that allows one session of the role only, When another session of the same role makes the same call under the same policy, Then it is decided for itself and denied', async () => {
    const policies = policiesOf({
      [CALLER.roleArn]: allowStart({
        StringEquals: { 'aws:userid': `${CALLER.roleId}:${CALLER.sessionName}` },
      }),
    });
    const first = await authorize(CALLER, START, policies, at('2026-12-01T10:00:00Z'));

    const other = await authorize(
      { ...CALLER, sessionName: 'other' },
      START,
      policies,
      at('2026-12-01T10:00:00Z'),
    );

    expect([first.decision, other.decision]).toEqual(['Allowed', 'ImplicitlyDenied']);
  });

  it('Given a role policy put into the IAM store, When the object it was given is changed afterwards, Then the store decides by what was put, and its own copy cannot be changed', async () => {
    const iam = new SimulatedIam(new SimulatedClock({ start: '2026-12-01T10:00:00Z' }), ACCOUNT);
    iam.createRole({ roleName: 'remembering' });
    const given = allowStart();
    iam.putRolePolicy('remembering', { name: 'inline', document: given });
    const before = await authorize(CALLER, START, iam, at('2026-12-01T10:00:00Z'));

    (given.Statement as unknown[]).push({ Effect: 'Deny', Action: 'sagemaker:*', Resource: '*' });
    const after = await authorize(CALLER, START, iam, at('2026-12-01T10:00:00Z'));
    const stored = iam.identityPoliciesOf(CALLER.roleArn)?.[0]?.document;
    if (!stored) throw new Error('the role has no stored policy');

    expect([before.decision, after.decision]).toEqual(['Allowed', 'Allowed']);
    expect(stored.Statement).toHaveLength(1);
    expect(() => (stored.Statement as unknown[]).push({})).toThrow(TypeError);
  });

  it('Given a decision under a stored policy, When the policy is put again denying the call, Then the next call is denied', async () => {
    const iam = new SimulatedIam(new SimulatedClock({ start: '2026-12-01T10:00:00Z' }), ACCOUNT);
    iam.createRole({ roleName: 'remembering' });
    iam.putRolePolicy('remembering', { name: 'inline', document: allowStart() });
    const before = await authorize(CALLER, START, iam, at('2026-12-01T10:00:00Z'));

    iam.putRolePolicy('remembering', {
      name: 'inline',
      document: {
        Version: '2012-10-17',
        Statement: [
          ...(allowStart().Statement as unknown[]),
          { Effect: 'Deny', Action: 'sagemaker:*', Resource: '*' },
        ],
      },
    });
    const after = await authorize(CALLER, START, iam, at('2026-12-01T10:00:00Z'));

    expect([before.decision, after.decision]).toEqual(['Allowed', 'ExplicitlyDenied']);
  });
});
