/**
 * How the AWS SDK reports the errors the handlers (and the restore tool) tell apart. One place, so a
 * service that words a miss differently is handled everywhere at once.
 */

/** The SDK error's name (its code), or `UnknownError` for anything that is not an Error. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/**
 * SageMaker reports a missing notebook, lifecycle configuration, code repository, model or endpoint
 * (configuration) as a ValidationException ("RecordNotFound", "Could not find model ..."), and a
 * missing job definition, schedule, image, app image configuration, feature group or inference
 * experiment as ResourceNotFound (the API model declares it for those Describe calls).
 */
export function isSageMakerNotFound(error: unknown): boolean {
  if (errorName(error) === 'ResourceNotFound') return true;
  return (
    errorName(error) === 'ValidationException' &&
    /RecordNotFound|not found|cannot find|could not find|does not exist/i.test((error as Error).message)
  );
}

/** S3 answers GetObject on a missing key with NoSuchKey, HeadObject with NotFound. */
export function isNoSuchKey(error: unknown): boolean {
  return errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound';
}
