/** How the restore tool stops: a message the operator can act on, with its exit status; no stack trace. */
import { EXIT_FAILED } from './arguments.js';

export class Refusal extends Error {
  override readonly name: string = 'Refusal';
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILED) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The notebook went Failed while --wait watched it. */
export class NotebookFailed extends Refusal {
  override readonly name = 'NotebookFailed';
}

/** The restore lifecycle script wrote `failed` (or both statuses): the volume is incomplete. */
export class RestoreFailed extends Refusal {
  override readonly name = 'RestoreFailed';
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|not authorized/i;

export function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && ACCESS_DENIED.test(`${error.name} ${error.message}`);
}

/** The SDK's error when none of its credential sources (variables, profile, SSO, metadata) gave any. */
export function isMissingCredentials(error: unknown): boolean {
  return error instanceof Error && error.name === 'CredentialsProviderError';
}

/**
 * An AWS error in one line, pointing at the operator policy when it is a permission, and at what gives
 * credentials when there are none.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (isMissingCredentials(error)) {
    return `no AWS credentials (${error.message}): set AWS_PROFILE to a profile of your AWS configuration, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for a role with the restore permissions (docs/restore.md)`;
  }
  const hint = isAccessDenied(error)
    ? ' (the role running this tool needs the stack policy RestoreOperatorPolicyArn: docs/restore.md)'
    : '';
  return `${error.name}: ${error.message}${hint}`;
}
