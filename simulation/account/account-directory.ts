/**
 * Several simulated accounts and Regions on one clock, as an organization's estate looks to a deployment
 * in its delegated administrator account: the accounts, which organization each belongs to, and STS,
 * the one way a principal of one account acts in another.
 *
 * AssumeRole is authorized as AWS does it: the caller's identity policies must allow `sts:AssumeRole` on
 * the role (for a trust policy that names the caller's account rather than the caller), and the role's
 * trust policy must allow the caller, with `aws:PrincipalOrgID` and `sts:ExternalId` in the context the
 * trust policy's conditions read. A role that does not exist is denied in the same words as one that
 * does not trust the caller: STS does not tell the two apart.
 *
 * IAM is global to an account: the accounts of one id in several Regions share one SimulatedIam.
 */

import { createHash } from 'node:crypto';
import { SimulatedAccount, type SimulatedAccountOptions } from './account.js';
import { authorize, type Caller, type PolicyDocument, sessionArn } from './authorizer.js';
import type { SimulatedClock } from './clock.js';
import { roleIdFor } from './iam.js';

/** AssumeRole's input, as the SDK sends it (the members the project uses). */
export interface AssumeRoleInput {
  readonly RoleArn?: string;
  readonly RoleSessionName?: string;
  readonly ExternalId?: string;
  readonly DurationSeconds?: number;
}

export interface AssumedRole {
  /** Who the session's calls are made as. */
  readonly caller: Caller;
  /** The account the role is in: where the session's calls go. */
  readonly accountId: string;
  readonly credentials: {
    readonly AccessKeyId: string;
    readonly SecretAccessKey: string;
    readonly SessionToken: string;
    readonly Expiration: Date;
  };
}

/** An STS error as the SDK v3 client raises it (Query protocol: the code is the name). */
export class StsError extends Error {
  readonly $fault: 'client';
  readonly $metadata = { httpStatusCode: 403 };

  constructor(code: 'AccessDenied' | 'ValidationError' | 'ExpiredToken', message: string, status = 403) {
    super(message);
    this.name = code;
    this.$fault = 'client';
    this.$metadata = { httpStatusCode: status };
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7E]*\/)?[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** AssumeRole's default and bounds of DurationSeconds (the role's MaxSessionDuration is 1 hour here). */
const DEFAULT_SESSION_SECONDS = 3600;
const MIN_SESSION_SECONDS = 900;

export interface AccountDirectoryOptions {
  /** The organization every account of the directory belongs to (default `o-simulated1`). */
  readonly organizationId?: string;
  /** Options every account created by `add` gets (its id, Region and clock are the directory's). */
  readonly accountOptions?: SimulatedAccountOptions;
}

export class AccountDirectory {
  readonly clock: SimulatedClock;
  readonly organizationId: string;
  private readonly accounts = new Map<string, SimulatedAccount>();
  /** Accounts (by id) that are not in the organization: a guard on aws:PrincipalOrgID must refuse them. */
  private readonly outsiders = new Set<string>();
  private readonly sessions = new Map<string, AssumedRole>();
  private readonly accountOptions: SimulatedAccountOptions;

  /** Starts with `home`, the account the deployment is in; its clock is everyone's. */
  constructor(
    readonly home: SimulatedAccount,
    options: AccountDirectoryOptions = {},
  ) {
    this.clock = home.clock;
    this.organizationId = options.organizationId ?? 'o-simulated1';
    this.accountOptions = options.accountOptions ?? {};
    this.register(home);
  }

  /**
   * The account of this id and Region, created on first use with the directory's clock and options
   * (and the IAM of the same account in another Region, if there is one). `outsideOrganization` makes an
   * account of no organization, or of another one.
   */
  add(
    accountId: string,
    region: string,
    options: SimulatedAccountOptions & { readonly outsideOrganization?: boolean } = {},
  ): SimulatedAccount {
    const existing = this.account(accountId, region);
    if (existing) return existing;
    const { outsideOrganization, ...accountOptions } = options;
    const sameAccount = [...this.accounts.values()].find((account) => account.accountId === accountId);
    const account = new SimulatedAccount({
      ...this.accountOptions,
      ...accountOptions,
      accountId,
      region,
      clock: this.clock,
      ...(sameAccount ? { iam: sameAccount.iam } : {}),
    });
    if (outsideOrganization === true) this.outsiders.add(accountId);
    this.register(account);
    return account;
  }

  account(accountId: string, region: string): SimulatedAccount | undefined {
    return this.accounts.get(`${accountId}/${region}`);
  }

  /** Every account and Region of the directory, the home one first. */
  all(): SimulatedAccount[] {
    return [...this.accounts.values()];
  }

  /** The organization of an account, undefined for one outside it (or unknown here). */
  organizationOf(accountId: string): string | undefined {
    if (this.outsiders.has(accountId)) return undefined;
    return [...this.accounts.values()].some((account) => account.accountId === accountId)
      ? this.organizationId
      : undefined;
  }

  /**
   * STS AssumeRole by `caller` (a session of a role of one of the accounts), called in `region`.
   * Rejects with StsError AccessDenied or ValidationError as STS would.
   */
  async assumeRole(caller: Caller, input: AssumeRoleInput, region: string): Promise<AssumedRole> {
    const roleArn = input.RoleArn ?? '';
    const sessionName = input.RoleSessionName ?? '';
    const problems: string[] = [];
    if (!ROLE_ARN.test(roleArn))
      problems.push(`Value '${roleArn}' at 'roleArn' failed to satisfy constraint`);
    if (!SESSION_NAME.test(sessionName)) {
      problems.push(
        `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Member must have length between 2 and 64`,
      );
    }
    if (input.ExternalId !== undefined && !EXTERNAL_ID.test(input.ExternalId)) {
      problems.push(`Value at 'externalId' failed to satisfy constraint`);
    }
    const duration = input.DurationSeconds ?? DEFAULT_SESSION_SECONDS;
    if (!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > DEFAULT_SESSION_SECONDS) {
      problems.push(`The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);
    }
    if (problems.length > 0) {
      throw new StsError(
        'ValidationError',
        `${problems.length} validation error(s) detected: ${problems.join('; ')}`,
        400,
      );
    }
    const callerAccountId = accountOfRole(caller.roleArn);
    const callerAccount = this.anyRegionOf(callerAccountId);
    const targetAccountId = accountOfRole(roleArn);
    const target = this.anyRegionOf(targetAccountId);
    const trust = target?.iam.trustPolicyOf(roleArn);
    const ledger = callerAccount ?? this.home;
    const principalOrgId = this.organizationOf(callerAccountId);
    const requirement = {
      action: 'sts:AssumeRole',
      resource: roleArn,
      resourcePolicyArn: roleArn,
      context: {
        'sts:RoleSessionName': sessionName,
        ...(input.ExternalId === undefined ? {} : { 'sts:ExternalId': input.ExternalId }),
      },
    };
    const result = await this.clock.hold(() =>
      authorize(
        caller,
        requirement,
        {
          identityPoliciesOf: (arn) => callerAccount?.iam.identityPoliciesOf(arn),
          // Only the role's trust policy takes part; a missing role has none and nothing allows it.
          resourcePolicyOf: (arn): PolicyDocument | undefined => (arn === roleArn ? trust : undefined),
        },
        {
          accountId: callerAccountId,
          region,
          now: this.clock.now(),
          ...(principalOrgId === undefined ? {} : { principalOrgId }),
        },
      ),
    );
    ledger.authorizations.push({
      at: this.clock.now(),
      caller,
      service: 'STS',
      operation: 'AssumeRole',
      action: requirement.action,
      resource: roleArn,
      decision: trust === undefined ? 'ImplicitlyDenied' : result.decision,
      allowedBy: result.allowedBy,
    });
    if (trust === undefined || result.decision !== 'Allowed') {
      throw new StsError(
        'AccessDenied',
        `User: ${sessionArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    }
    const assumed: Caller = { roleArn, sessionName, roleId: roleIdFor(roleArn) };
    const accessKeyId = `ASIA${createHash('sha256')
      .update(`${roleArn}/${sessionName}/${this.clock.nowMs()}/${this.sessions.size}`)
      .digest('hex')
      .slice(0, 16)
      .toUpperCase()}`;
    const session: AssumedRole = {
      caller: assumed,
      accountId: targetAccountId,
      credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: 'simulated',
        SessionToken: `simulated-session-${accessKeyId}`,
        Expiration: new Date(this.clock.nowMs() + duration * 1000),
      },
    };
    this.sessions.set(accessKeyId, session);
    return session;
  }

  /**
   * Who a set of temporary credentials stands for, and the account to call in `region`; rejects with
   * ExpiredToken past their expiration (the SDK would refresh from the source, the project's code does not).
   */
  sessionFor(accessKeyId: string, region: string): { caller: Caller; account: SimulatedAccount } {
    const session = this.sessions.get(accessKeyId);
    if (!session)
      throw new StsError('AccessDenied', `The security token included in the request is invalid.`);
    if (session.credentials.Expiration.getTime() <= this.clock.nowMs()) {
      throw new StsError('ExpiredToken', 'The security token included in the request is expired', 400);
    }
    const account = this.account(session.accountId, region);
    if (!account) {
      throw new Error(
        `The simulated directory has no account ${session.accountId} in ${region}: add it before calling there`,
      );
    }
    return { caller: session.caller, account };
  }

  /** An STS client shape (`send(new AssumeRoleCommand(...))`) whose calls are made as `caller` in `region`. */
  stsClient(
    caller: Caller,
    region: string,
  ): { send(command: { readonly input?: unknown }): Promise<unknown> } {
    return {
      send: async (command) => {
        const name = command.constructor.name;
        if (name !== 'AssumeRoleCommand') throw new Error(`The simulated STS does not simulate ${name}`);
        await this.clock.sleep(this.home.latencyMs);
        const assumed = await this.assumeRole(caller, (command.input ?? {}) as AssumeRoleInput, region);
        return {
          Credentials: { ...assumed.credentials },
          AssumedRoleUser: {
            Arn: sessionArn(assumed.caller),
            AssumedRoleId: `${assumed.caller.roleId}:${assumed.caller.sessionName}`,
          },
          $metadata: { httpStatusCode: 200 },
        };
      },
    };
  }

  private register(account: SimulatedAccount): void {
    this.accounts.set(`${account.accountId}/${account.region}`, account);
    account.joinDirectory(this);
  }

  private anyRegionOf(accountId: string): SimulatedAccount | undefined {
    return [...this.accounts.values()].find((account) => account.accountId === accountId);
  }
}

function accountOfRole(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}
