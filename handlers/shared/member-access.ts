/**
 * How the deployment in the administrator account acts on a finding's resource in its own account and
 * Region: as the member role the member StackSet deploys there. The state machine's Tasks name that role
 * in `Credentials`; the Lambdas assume it here with STS, in a session named after the execution, and
 * call SageMaker in the finding's Region.
 *
 * A role that cannot be assumed (not deployed there yet, or not trusting this deployment) is not an
 * error of the remediation: it is a configuration gap with one fix, deploying the member stack to that
 * account and Region. MemberRoleUnavailable says exactly that.
 */

import { partitionOf } from './finding-event.js';

/** Where the member roles live in every account: the trust and the StackSet use the same path. */
export const MEMBER_ROLE_PATH = '/sagemaker-remediation/';
/**
 * The path of the administrator deployment's roles that act in member accounts (the state machine's
 * and the Lambdas'): the member role trusts roles under it, in the administrator account only.
 */
export const ADMINISTRATOR_ROLE_PATH = '/sagemaker-remediation/administrator/';

/** The member roles: one per account and Region, named `<roleName>-<region>` (IAM names are per account). */
export interface MemberRoleSettings {
  readonly roleName: string;
  /** The StackSet operators deploy the member stack with: named in the note when a role is missing. */
  readonly stackSetName: string;
}

/** The account and Region a finding's resource is in. */
export interface MemberTarget {
  readonly accountId: string;
  readonly region: string;
}

/** A member role's name in one Region (at most 64 characters: roleName is at most 41). */
export function memberRoleName(settings: Pick<MemberRoleSettings, 'roleName'>, region: string): string {
  return `${settings.roleName}-${region}`;
}

export function memberRoleArn(settings: Pick<MemberRoleSettings, 'roleName'>, target: MemberTarget): string {
  return `arn:${partitionOf(target.region)}:iam::${target.accountId}:role${MEMBER_ROLE_PATH}${memberRoleName(settings, target.region)}`;
}

/**
 * An STS role session name for an execution: STS allows [\w+=,.@-], 2 to 64 characters; execution
 * names allow more (and up to 80), so the rest becomes '-' and a long name keeps its end, which is
 * what differs between executions of one finding.
 */
export function roleSessionName(executionName: string): string {
  const cleaned = executionName.replace(/[^\w+=,.@-]/g, '-');
  const bounded = cleaned.length > 64 ? cleaned.slice(-64) : cleaned;
  return bounded.length >= 2 ? bounded : `${bounded}-x`.slice(0, 2);
}

/** The member role of the finding's account and Region could not be assumed. Nothing was changed. */
export class MemberRoleUnavailable extends Error {
  override readonly name = 'MemberRoleUnavailable';

  constructor(
    readonly target: MemberTarget,
    readonly roleArn: string,
    readonly stackSetName: string,
    readonly reason: string,
  ) {
    super(
      `The member role ${roleArn} could not be assumed (${reason}). Deploy the StackSet ${stackSetName} (the member stack) to account ${target.accountId} in ${target.region}, then choose 'Remediate now' on the finding.`,
    );
  }
}

/** STS's refusals that mean "no such role, or it does not trust this caller". */
const ROLE_REFUSALS = new Set(['AccessDenied', 'AccessDeniedException', 'RegionDisabledException']);

/** Temporary credentials, as AssumeRole returns them. */
export interface TemporaryCredentials {
  readonly AccessKeyId?: string | undefined;
  readonly SecretAccessKey?: string | undefined;
  readonly SessionToken?: string | undefined;
  readonly Expiration?: Date | undefined;
}

/** The part of an STS client used here: `send(new AssumeRoleCommand(...))`. */
export interface StsLike {
  send(command: unknown): Promise<{ readonly Credentials?: TemporaryCredentials | undefined }>;
}

/** A member session's clients, built from its credentials for the target's Region. */
export type ClientFactory<Clients> = (region: string, credentials: Required<TemporaryCredentials>) => Clients;

export interface MemberSessions<Clients> {
  /** The clients of the member role's session in the target's account and Region. */
  clientsFor(target: MemberTarget, executionName: string): Promise<Clients>;
}

/** Sessions are reused until this long before they expire (a handler's calls outlast no more). */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/**
 * Member sessions through STS, cached per account, Region and execution for the life of the Lambda
 * environment (a warm function reuses them until shortly before they expire).
 */
export function stsMemberSessions<Clients>(options: {
  readonly sts: StsLike;
  readonly settings: MemberRoleSettings;
  readonly createClients: ClientFactory<Clients>;
  /** AssumeRoleCommand's constructor: passed in, so this module stays free of the SDK's weight. */
  readonly assumeRoleCommand: new (input: {
    RoleArn: string;
    RoleSessionName: string;
    DurationSeconds: number;
  }) => unknown;
  readonly now: () => Date;
}): MemberSessions<Clients> {
  const cache = new Map<string, { clients: Clients; expiresAt: number }>();
  return {
    async clientsFor(target, executionName) {
      const roleArn = memberRoleArn(options.settings, target);
      const sessionName = roleSessionName(executionName);
      const key = `${roleArn}|${sessionName}`;
      const cached = cache.get(key);
      if (cached && cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > options.now().getTime()) {
        return cached.clients;
      }
      let credentials: TemporaryCredentials | undefined;
      try {
        const output = await options.sts.send(
          new options.assumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: sessionName,
            DurationSeconds: 900,
          }),
        );
        credentials = output.Credentials;
      } catch (error) {
        const name = (error as { name?: unknown }).name;
        if (typeof name === 'string' && ROLE_REFUSALS.has(name)) {
          throw new MemberRoleUnavailable(target, roleArn, options.settings.stackSetName, name);
        }
        throw error;
      }
      const complete = completeCredentials(credentials);
      if (!complete) throw new Error(`AssumeRole of ${roleArn} returned no complete credentials`);
      const clients = options.createClients(target.region, complete);
      // Sessions are per execution: a warm container drops the ones that have expired, not to grow.
      for (const [cachedKey, entry] of cache) {
        if (entry.expiresAt <= options.now().getTime()) cache.delete(cachedKey);
      }
      cache.set(key, { clients, expiresAt: complete.Expiration.getTime() });
      return clients;
    },
  };
}

function completeCredentials(
  credentials: TemporaryCredentials | undefined,
): Required<TemporaryCredentials> | undefined {
  if (
    !credentials?.AccessKeyId ||
    !credentials.SecretAccessKey ||
    !credentials.SessionToken ||
    !credentials.Expiration
  ) {
    return undefined;
  }
  return {
    AccessKeyId: credentials.AccessKeyId,
    SecretAccessKey: credentials.SecretAccessKey,
    SessionToken: credentials.SessionToken,
    Expiration: credentials.Expiration,
  };
}
