/**
 * The SDK clients of a member role's session (member-access.ts), as the deployed Lambdas build them:
 * written once here so every handler assumes the role the same way, and the request schema of the
 * target a Lambda acts on (the plan's `target`, or the finding's account and Region when planning).
 */

import type { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod/mini';
import {
  type ClientFactory,
  type MemberRoleSettings,
  type MemberSessions,
  stsMemberSessions,
  type TemporaryCredentials,
} from './member-access.js';

/** What every handler acting on member resources uses: SageMaker in the target's account and Region. */
export interface MemberSageMaker {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
}

/** SnapshotNotebook also reads the notebook's role (GetRole), which lives in the member account too. */
export interface MemberSageMakerAndIam extends MemberSageMaker {
  readonly iam: Pick<IAMClient, 'send'>;
}

/**
 * S3 in the target's account and Region: the notebook data bucket of its member stack, which the
 * recreation's snapshot writes and its verification reads (notebook-data-placement.ts).
 */
export interface MemberS3 {
  readonly s3: Pick<S3Client, 'send'>;
}

/** The account and Region a Lambda acts in, as the state machine passes it (`$.plan.target`). */
export const memberTargetSchema = z.object({
  accountId: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be a Region name')),
});

/** A session's credentials in the shape the SDK clients take. */
export function sessionCredentials(credentials: Required<TemporaryCredentials>) {
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}

/** A member session's SageMaker client, retried as the functions' own clients are. */
export function memberSageMakerClient(
  region: string,
  credentials: Required<TemporaryCredentials>,
): SageMakerClient {
  return new SageMakerClient({ region, maxAttempts: 5, credentials: sessionCredentials(credentials) });
}

/** A member session's S3 client, in the target's Region (where its data bucket is). */
export function memberS3Client(region: string, credentials: Required<TemporaryCredentials>): S3Client {
  return new S3Client({ region, maxAttempts: 5, credentials: sessionCredentials(credentials) });
}

/** The clients most handlers need: SageMaker only. */
export const sageMakerOnly: ClientFactory<MemberSageMaker> = (region, credentials) => ({
  sagemaker: memberSageMakerClient(region, credentials),
});

/**
 * The deployed function's member sessions: AssumeRole with the function's own role, cached for the
 * container's life (member-access.ts), each session's clients built by `createClients`.
 */
export function deployedMemberSessions<Clients>(
  settings: MemberRoleSettings,
  createClients: ClientFactory<Clients>,
): MemberSessions<Clients> {
  return stsMemberSessions({
    sts: new STSClient({ maxAttempts: 5 }),
    settings,
    createClients,
    assumeRoleCommand: AssumeRoleCommand,
    now: () => new Date(),
  });
}
