/**
 * How the AWS SDK reports the errors the handlers (and the restore tool) tell apart. One place, so a
 * service that words a miss differently is handled everywhere at once.
 */

/** The SDK error's name (its code), or `UnknownError` for anything that is not an Error. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/**
 * SageMaker reports a missing notebook, lifecycle configuration or code repository as a
 * ValidationException ("RecordNotFound", "... not found").
 */
export function isSageMakerNotFound(error: unknown): boolean {
  return (
    errorName(error) === 'ValidationException' &&
    /RecordNotFound|not found|cannot find|does not exist/i.test((error as Error).message)
  );
}

/** S3 answers GetObject on a missing key with NoSuchKey, HeadObject with NotFound. */
export function isNoSuchKey(error: unknown): boolean {
  return errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound';
}
