/**
 * Shared set-up for the tests of the simulated account's IAM evaluation (authorizer.ts) and of what
 * each call needs (authorization-rules.ts): roles with inline policies, statements, minimal SDK
 * commands, and the decisions the account recorded.
 */
import { onTestFinished } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import type { Caller, PolicyDocument } from '../../simulation/account/authorizer.js';

export const ACCOUNT_ID = '111122223333';
export const REGION = 'eu-west-1';

/** A fresh account with instantaneous calls, disposed of when the test ends. */
export function givenAccount(): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  onTestFinished(() => account.dispose());
  return account;
}

export type Statement = Readonly<Record<string, unknown>>;
type Condition = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export function allow(
  action: string | readonly string[],
  resource: string | readonly string[],
  condition?: Condition,
  sid?: string,
): Statement {
  return {
    ...(sid ? { Sid: sid } : {}),
    Effect: 'Allow',
    Action: action,
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  };
}

export function deny(
  action: string | readonly string[],
  resource: string | readonly string[],
  condition?: Condition,
  sid?: string,
): Statement {
  return { ...allow(action, resource, condition, sid), Effect: 'Deny' };
}

/** A policy document, usable as an identity policy, a resource policy or a key policy. */
export function policy(
  ...statements: readonly Statement[]
): PolicyDocument & Readonly<Record<string, unknown>> {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * A role whose identity policy is one inline policy named `Permissions` (none if no statements), and
 * a session of it named after the role.
 */
export function givenRole(
  account: SimulatedAccount,
  roleName: string,
  statements: readonly Statement[] = [],
): Caller {
  const roleArn = account.iam.createRole({
    roleName,
    inlinePolicies: statements.length > 0 ? [{ name: 'Permissions', document: policy(...statements) }] : [],
  });
  return account.callerFor(roleArn, `${roleName}-session`);
}

/** The ARN a session of `givenRole` signs with. */
export function sessionArnOf(roleName: string): string {
  return `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/${roleName}-session`;
}

export function roleArnOf(roleName: string): string {
  return `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`;
}

/**
 * An SDK v3 shaped command, `<Operation>Command` with its input, for the account's minimal clients
 * (S3, SNS, SQS, KMS, Secrets Manager): they route by the command's class name.
 */
export function command(
  operation: string,
  input: Readonly<Record<string, unknown>>,
): { readonly input: Readonly<Record<string, unknown>> } {
  const name = `${operation}Command`;
  const classes = {
    [name]: class {
      constructor(readonly input: Readonly<Record<string, unknown>>) {}
    },
  };
  const Command = classes[name] as (typeof classes)[string];
  return new Command(input);
}

/** The authorizations recorded from index `from` on, as `<operation>: <action> <resource> <decision>`. */
export function decisionsSince(account: SimulatedAccount, from = 0): string[] {
  return account.authorizations
    .slice(from)
    .map((entry) => `${entry.operation}: ${entry.action} ${entry.resource} ${entry.decision}`);
}

/** The request id of the last call, as the Cause of a Step Functions error quotes it. */
export function lastRequestId(account: SimulatedAccount): string {
  const call = account.calls.at(-1);
  if (!call) throw new Error('no call was made');
  return call.requestId;
}
