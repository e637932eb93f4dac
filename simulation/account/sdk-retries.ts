/**
 * The retries the AWS SDK for JavaScript v3 makes before an error reaches handler code, waiting on the
 * simulated clock instead of real timers, with a seeded jitter so runs repeat exactly.
 *
 * What the SDK does, as read in the version the functions are bundled with (@smithy/core 3.41.1,
 * `submodules/retry`: StandardRetryStrategy, DefaultRetryBackoffStrategy, service-error-classification;
 * its 3.40.0 changelog: "Enable the 2026 standard retry behavior unconditionally"), and as AWS announced
 * it ("Announcement: Updated default retry behavior (2026)", aws/aws-sdk-js-v3 issue 8037; the SDKs and
 * Tools reference guide, "Retry behavior": standard mode makes three attempts unless configured):
 *
 * - Standard retry mode: `maxAttempts` attempts in all, 3 by default and 4 for DynamoDB
 *   (`@aws-sdk/client-dynamodb` passes defaultMaxAttempts 4); the project's clients set 5.
 * - Only throttling errors (HTTP 429, a throttling code) and transient ones (HTTP 500, 502, 503, 504, a
 *   timeout code) are retried; any other error is thrown at once.
 * - Before retry n (n = 0 before the second attempt) the SDK waits floor(r x min(base x 2^n, 20 s)), r
 *   uniform in [0, 1) ("full jitter", the cap applied before the jitter). The base is 1,000 ms after a
 *   throttling error, else 50 ms (DynamoDB: 25 ms, defaultBaseDelay in its client).
 *
 * Not modelled: the retry quota (500 tokens per client, 5 per throttled retry, 14 per other, given back
 * on success). In AWS every concurrent invocation runs in its own container with its own client and
 * quota; the local deployment shares one client among all concurrent invocations of a function, so a
 * shared quota would run dry where AWS's would not. Nor the `x-amz-retry-after` hint (no simulated
 * service sends one).
 */
import { deterministicHex } from './deterministic-ids.js';
import type { SimulatedService } from './errors.js';

export type RetryErrorType = 'THROTTLING' | 'TRANSIENT';

/** The SDK's attempts in all when the client does not say (StandardRetryStrategy's DEFAULT_MAX_ATTEMPTS). */
const SDK_DEFAULT_MAX_ATTEMPTS = 3;
/** DynamoDB's client default (resolveRetryConfig with defaultMaxAttempts 4). */
const DYNAMODB_DEFAULT_MAX_ATTEMPTS = 4;
/** The cap on one backoff, before the jitter (MAXIMUM_RETRY_DELAY). */
const MAXIMUM_RETRY_DELAY_MS = 20_000;
const THROTTLING_BASE_DELAY_MS = 1_000;
const TRANSIENT_BASE_DELAY_MS = 50;
const DYNAMODB_TRANSIENT_BASE_DELAY_MS = 25;

/** Error codes the SDK treats as throttling (THROTTLING_ERROR_CODES). */
const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** Timeout codes and HTTP statuses the SDK treats as transient (TRANSIENT_ERROR_CODES and _STATUS_CODES). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

interface ErrorShape {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: unknown };
}

/** Whether the SDK would retry this error, and with which base delay; undefined when it would not. */
export function retryErrorType(error: unknown): RetryErrorType | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { name, $metadata, $retryable } = error as ErrorShape;
  const status = $metadata?.httpStatusCode;
  if (status === 429 || THROTTLING_CODES.has(String(name)) || $retryable?.throttling === true) {
    return 'THROTTLING';
  }
  if ($retryable !== undefined || TRANSIENT_CODES.has(String(name))) return 'TRANSIENT';
  if (typeof status === 'number' && TRANSIENT_STATUSES.has(status)) return 'TRANSIENT';
  return undefined;
}

/** The attempts in all a client of `service` makes when its configuration does not say. */
export function defaultMaxAttempts(service: SimulatedService): number {
  return service === 'DynamoDB' ? DYNAMODB_DEFAULT_MAX_ATTEMPTS : SDK_DEFAULT_MAX_ATTEMPTS;
}

/** The delay before retry `retriesSoFar` (0 for the first), for a random fraction in [0, 1). */
export function retryDelayMs(
  service: SimulatedService,
  type: RetryErrorType,
  retriesSoFar: number,
  fraction: number,
): number {
  const base =
    type === 'THROTTLING'
      ? THROTTLING_BASE_DELAY_MS
      : service === 'DynamoDB'
        ? DYNAMODB_TRANSIENT_BASE_DELAY_MS
        : TRANSIENT_BASE_DELAY_MS;
  return Math.floor(fraction * Math.min(base * 2 ** retriesSoFar, MAXIMUM_RETRY_DELAY_MS));
}

/** Fractions in [0, 1) from a seed: the same seed gives the same sequence, so jitter never varies a run. */
export class SeededFractions {
  private drawn = 0;

  constructor(private readonly seed: string) {}

  next(): number {
    this.drawn += 1;
    return Number.parseInt(deterministicHex(`${this.seed}/${this.drawn}`, 13), 16) / 16 ** 13;
  }
}

export interface RetryContext {
  readonly service: SimulatedService;
  /** Attempts in all, the first included (the client's `maxAttempts`). */
  readonly maxAttempts: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface RetriedResult<T> {
  readonly value: T;
  readonly attempts: number;
  readonly totalRetryDelay: number;
}

/**
 * Makes `attempt` until it succeeds, fails with an error the SDK does not retry, or has been made
 * `maxAttempts` times; the error thrown carries `$metadata.attempts` and `totalRetryDelay` as the SDK's.
 */
export async function withSdkRetries<T>(
  attempt: () => Promise<T>,
  context: RetryContext,
): Promise<RetriedResult<T>> {
  if (!Number.isInteger(context.maxAttempts) || context.maxAttempts < 1) {
    throw new Error(`maxAttempts must be a whole number >= 1, got ${context.maxAttempts}`);
  }
  let totalRetryDelay = 0;
  for (let attempts = 1; ; attempts++) {
    try {
      return { value: await attempt(), attempts, totalRetryDelay };
    } catch (error) {
      const type = retryErrorType(error);
      if (type === undefined || attempts >= context.maxAttempts) {
        recordAttempts(error, attempts, totalRetryDelay);
        throw error;
      }
      const delay = retryDelayMs(context.service, type, attempts - 1, context.random());
      totalRetryDelay += delay;
      await context.sleep(delay);
    }
  }
}

function recordAttempts(error: unknown, attempts: number, totalRetryDelay: number): void {
  const metadata = (error as { $metadata?: Record<string, unknown> } | null)?.$metadata;
  if (metadata !== undefined && typeof metadata === 'object') {
    metadata.attempts = attempts;
    metadata.totalRetryDelay = totalRetryDelay;
  }
}
