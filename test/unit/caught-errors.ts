/** What a call that must fail threw, for tests that assert on the error's name and message. */
import { AwsServiceError } from '../../simulation/account/errors.js';

/** The AwsServiceError a synchronous simulated-account call throws; anything else is rethrown. */
export function errorOf(call: () => unknown): AwsServiceError {
  try {
    call();
  } catch (error) {
    if (error instanceof AwsServiceError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

type ErrorClass<T extends Error> = abstract new (...args: never[]) => T;

/** The error of the given type (any Error by default) a promise rejects with; anything else is rethrown. */

export async function rejectionOf<T extends Error = Error>(
  promise: Promise<unknown>,
  type: ErrorClass<T> = Error as unknown as ErrorClass<T>,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
