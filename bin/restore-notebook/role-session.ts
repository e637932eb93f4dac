/**
 * The restore tools' calls in another account: a session of `--role-arn`, assumed with STS by the
 * operator's own credentials, in a session named after the tool (CloudTrail in that account then says
 * which tool made each call). The session is assumed again shortly before it expires: a notebook
 * restore with --wait can outlast the one hour a chained role session is limited to.
 */
import type { TemporaryCredentials } from '../../handlers/shared/member-access.js';
import { compactUtc } from '../../handlers/shared/recreation-requests.js';
import { Refusal } from './refusal.js';

/** AssumeRole's DurationSeconds: the most a session assumed with a role's credentials may last. */
export const RESTORE_SESSION_SECONDS = 3600;
/** Assumed again this long before the session expires, so no call goes out with expiring credentials. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

/** The part of an STS client used here: `send(new AssumeRoleCommand(...))`. */
export interface StsLike {
  send(command: unknown): Promise<{ readonly Credentials?: TemporaryCredentials | undefined }>;
}

/** How a tool reaches another account: the operator's STS, and the clients a session's credentials make. */
export interface RoleSessions<Clients> {
  /** STS as the operator's own credentials. */
  readonly sts: StsLike;
  /** AssumeRoleCommand's constructor (passed in, so the tests' STS takes the same command). */
  readonly assumeRoleCommand: new (input: {
    RoleArn: string;
    RoleSessionName: string;
    DurationSeconds: number;
  }) => unknown;
  /** The clients of a session, in the resource's Region. */
  readonly createClients: (region: string, credentials: Required<TemporaryCredentials>) => Clients;
}

/** `restore-resource-20261123T090500Z`: the tool, and when it ran (STS allows `[\w+=,.@-]`, 2 to 64). */
export function restoreSessionName(tool: string, now: Date): string {
  return `${tool}-${compactUtc(now)}`.slice(0, 64);
}

/**
 * The clients of a session of `roleArn` in `region`, assumed on first use and again before expiry.
 * A role that cannot be assumed is refused, naming --role-arn: nothing was changed by this tool then
 * (the first call of every run is the session's).
 */
export function roleSession<Clients>(
  sessions: RoleSessions<Clients>,
  request: { readonly roleArn: string; readonly region: string; readonly sessionName: string },
  now: () => Date,
): () => Promise<Clients> {
  let current: { clients: Clients; expiresAt: number } | undefined;
  return async () => {
    if (current && current.expiresAt - RENEW_BEFORE_EXPIRY_MS > now().getTime()) return current.clients;
    let credentials: TemporaryCredentials | undefined;
    try {
      const output = await sessions.sts.send(
        new sessions.assumeRoleCommand({
          RoleArn: request.roleArn,
          RoleSessionName: request.sessionName,
          DurationSeconds: RESTORE_SESSION_SECONDS,
        }),
      );
      credentials = output.Credentials;
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      throw new Refusal(
        `--role-arn ${request.roleArn} could not be assumed (${typeof name === 'string' ? name : 'error'}: ${(error as Error).message}): the role must exist, trust your credentials, and your credentials must be allowed sts:AssumeRole on it (docs/restore.md)`,
      );
    }
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) {
      throw new Error(`AssumeRole of ${request.roleArn} returned no complete credentials`);
    }
    const clients = sessions.createClients(request.region, {
      AccessKeyId,
      SecretAccessKey,
      SessionToken,
      Expiration,
    });
    current = { clients, expiresAt: Expiration.getTime() };
    return clients;
  };
}

/**
 * A client whose every call goes through the session's current client: the tool's code keeps one
 * `send`, and a renewed session is picked up on the next call.
 */
export function sessionClient<Client extends { send: unknown }>(current: () => Promise<Client>): Client {
  const send = async (command: unknown) =>
    ((await current()).send as (command: unknown) => Promise<unknown>)(command);
  return { send } as unknown as Client;
}
