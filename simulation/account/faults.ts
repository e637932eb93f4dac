/**
 * Fault injection: failing calls, throttling in virtual time, and notebook misbehaviour.
 *
 * Every simulated API call asks `check` before it does anything, so a failed call changes nothing.
 */

import type { SimulatedClock } from './clock.js';
import {
  AwsServiceError,
  defaultStatusFor,
  type ErrorFault,
  type SimulatedService,
  throttlingError,
} from './errors.js';

export interface FailNextOptions {
  readonly service: SimulatedService;
  readonly operation: string;
  /** Error code, e.g. `ThrottlingException`, `InternalFailure`, `ServiceUnavailable`. */
  readonly code: string;
  /** How many of the next matching calls fail (default 1). */
  readonly times?: number;
  readonly message?: string;
  readonly httpStatusCode?: number;
  readonly fault?: ErrorFault;
  /**
   * Only calls on this resource fail: a notebook name, table name, topic name, ARN or finding id
   * (compared case-insensitively, also as the last segment of an ARN in the input).
   */
  readonly resourceName?: string;
}

export interface ThrottleOptions {
  readonly service: SimulatedService;
  readonly operation: string;
  readonly times?: number;
  readonly resourceName?: string;
}

export interface RateLimitOptions {
  readonly service: SimulatedService;
  /** An operation name, or `*` for every operation of the service. */
  readonly operation: string;
  /** Tokens added per virtual second. */
  readonly ratePerSecond: number;
  /** Bucket size: how many calls may arrive at once. Defaults to `ratePerSecond`. */
  readonly burst?: number;
}

/**
 * Request-rate limits in the spirit of the published quotas, per account and region:
 * - Security Hub publishes BatchUpdateFindings at 10 requests/s with a burst of 30 (the API reference's
 *   throttling limits; the only Security Hub operation the simulation has).
 * - DynamoDB has no request-rate quota for item operations, only throughput: a new on-demand table
 *   sustains up to 4,000 writes/s and 12,000 reads/s ("Initial throughput and scaling properties").
 *   Here those figures bound each item operation across the account's tables, which is looser per
 *   table and never binds at this project's scale; it is there so that a burst is measured against
 *   every service it calls.
 * - The SageMaker figures are approximations (AWS does not publish per-operation SageMaker rates).
 */
export const TYPICAL_RATE_LIMITS: readonly RateLimitOptions[] = [
  { service: 'SageMaker', operation: 'DescribeNotebookInstance', ratePerSecond: 10, burst: 10 },
  { service: 'SageMaker', operation: 'ListTags', ratePerSecond: 10, burst: 10 },
  { service: 'SageMaker', operation: 'StopNotebookInstance', ratePerSecond: 2, burst: 5 },
  { service: 'SageMaker', operation: 'StartNotebookInstance', ratePerSecond: 2, burst: 5 },
  { service: 'SageMaker', operation: 'UpdateNotebookInstance', ratePerSecond: 2, burst: 5 },
  { service: 'SageMaker', operation: 'DeleteNotebookInstance', ratePerSecond: 2, burst: 5 },
  { service: 'SageMaker', operation: 'CreateNotebookInstance', ratePerSecond: 2, burst: 5 },
  { service: 'SecurityHub', operation: 'BatchUpdateFindings', ratePerSecond: 10, burst: 30 },
  { service: 'DynamoDB', operation: 'GetItem', ratePerSecond: 12_000 },
  { service: 'DynamoDB', operation: 'PutItem', ratePerSecond: 4_000 },
  { service: 'DynamoDB', operation: 'UpdateItem', ratePerSecond: 4_000 },
  { service: 'DynamoDB', operation: 'DeleteItem', ratePerSecond: 4_000 },
];

/** Operations on a notebook that a fault can be attached to. */
export type NotebookOperation =
  | 'CreateNotebookInstance'
  | 'DescribeNotebookInstance'
  | 'StopNotebookInstance'
  | 'StartNotebookInstance'
  | 'UpdateNotebookInstance'
  | 'DeleteNotebookInstance';

/** Misbehaviour of one notebook instance, read by the simulated SageMaker when it acts on it. */
export interface NotebookFaults {
  /** A stop never completes: the notebook stays in Stopping. */
  readonly stuckInStopping?: boolean;
  /** The next start (or the creation) ends in Failed with this FailureReason. */
  readonly startFailureReason?: string;
  /** How many starts (or creations) in a row end Failed once `startFailureReason` is set (default 1). */
  readonly startFailureTimes?: number;
  /** UpdateNotebookInstance calls are refused with this error (default ValidationException). */
  readonly rejectUpdate?: { readonly code?: string; readonly message?: string };
  /** The next update is accepted but ends in Failed with this FailureReason. */
  readonly updateFailureReason?: string;
  /** How many updates in a row end Failed once `updateFailureReason` is set (default 1). */
  readonly updateFailureTimes?: number;
  /**
   * Someone else deletes the notebook, starting `delayMs` after the named operation is called on it
   * (or at `at`). As AWS deletes only Stopped or Failed notebooks, they wait for a transition to end
   * and stop a running notebook first; it then goes Deleting and disappears after its delete duration.
   */
  readonly externalDeletion?: {
    readonly afterOperation?: NotebookOperation;
    readonly delayMs?: number;
    readonly at?: Date;
  };
}

/** The count of each one-shot notebook fault that may happen several times in a row. */
const COUNTERS: Partial<Record<keyof NotebookFaults, 'startFailureTimes' | 'updateFailureTimes'>> = {
  startFailureReason: 'startFailureTimes',
  updateFailureReason: 'updateFailureTimes',
};

interface ScheduledFailure {
  readonly options: FailNextOptions;
  remaining: number;
}

interface TokenBucket {
  readonly options: RateLimitOptions;
  tokens: number;
  lastRefillMs: number;
}

export class FaultInjector {
  private readonly failures: ScheduledFailure[] = [];
  private readonly buckets: TokenBucket[] = [];
  private readonly notebookFaults = new Map<string, NotebookFaults>();

  constructor(private readonly clock: SimulatedClock) {}

  /** The next `times` calls of the operation (optionally on one resource) fail with `code`. */
  failNext(options: FailNextOptions): this {
    this.failures.push({ options, remaining: options.times ?? 1 });
    return this;
  }

  /** The next `times` calls are throttled with the code the service really uses. */
  throttle(options: ThrottleOptions): this {
    const template = throttlingError({ service: options.service, operation: options.operation });
    return this.failNext({
      ...options,
      code: template.name,
      message: template.message,
      httpStatusCode: template.$metadata.httpStatusCode,
    });
  }

  /** A token bucket in virtual time: calls beyond the rate are throttled as AWS does. */
  rateLimit(options: RateLimitOptions): this {
    const burst = options.burst ?? options.ratePerSecond;
    this.buckets.push({ options: { ...options, burst }, tokens: burst, lastRefillMs: this.clock.nowMs() });
    return this;
  }

  applyTypicalRateLimits(): this {
    for (const limit of TYPICAL_RATE_LIMITS) {
      this.rateLimit(limit);
    }
    return this;
  }

  /** Attaches misbehaviour to a notebook (merged with what it already has). Names are case-insensitive. */
  onNotebook(notebookName: string, faults: NotebookFaults): this {
    const key = notebookName.toLowerCase();
    this.notebookFaults.set(key, { ...this.notebookFaults.get(key), ...faults });
    return this;
  }

  notebook(notebookName: string): NotebookFaults {
    return this.notebookFaults.get(notebookName.toLowerCase()) ?? {};
  }

  /**
   * Removes one fault of a notebook, e.g. once a one-shot start failure has happened. A start or update
   * failure with a count (`startFailureTimes`, `updateFailureTimes`) is used up one occurrence at a time.
   */
  clearNotebookFault(notebookName: string, fault: keyof NotebookFaults): void {
    const key = notebookName.toLowerCase();
    const current = this.notebookFaults.get(key);
    if (current === undefined) {
      return;
    }
    const counter = COUNTERS[fault];
    const remaining = counter === undefined ? 1 : (current[counter] ?? 1);
    if (counter !== undefined && remaining > 1) {
      this.notebookFaults.set(key, { ...current, [counter]: remaining - 1 });
      return;
    }
    const { [fault]: _removed, ...rest } = current;
    if (counter !== undefined) delete (rest as Record<string, unknown>)[counter];
    this.notebookFaults.set(key, rest);
  }

  /** Removes every scheduled failure, rate limit and notebook fault. */
  reset(): void {
    this.failures.length = 0;
    this.buckets.length = 0;
    this.notebookFaults.clear();
  }

  /** The error this call must fail with, if any. Consumes a scheduled failure or a token. */
  check(service: SimulatedService, operation: string, input: unknown): AwsServiceError | undefined {
    const index = this.failures.findIndex((failure) => {
      const { options } = failure;
      return (
        failure.remaining > 0 &&
        options.service === service &&
        options.operation === operation &&
        (options.resourceName === undefined || inputMentions(input, options.resourceName))
      );
    });
    const failure = this.failures[index];
    if (failure !== undefined) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) {
        this.failures.splice(index, 1);
      }
      const { options } = failure;
      return new AwsServiceError({
        service,
        operation,
        code: options.code,
        message: options.message ?? defaultMessageFor(options.code),
        httpStatusCode: options.httpStatusCode ?? defaultStatusFor(options.code),
        ...(options.fault === undefined ? {} : { fault: options.fault }),
      });
    }
    return this.takeToken(service, operation);
  }

  private takeToken(service: SimulatedService, operation: string): AwsServiceError | undefined {
    const nowMs = this.clock.nowMs();
    for (const bucket of this.buckets) {
      const { options } = bucket;
      if (options.service !== service || (options.operation !== '*' && options.operation !== operation)) {
        continue;
      }
      const burst = options.burst ?? options.ratePerSecond;
      const elapsedSeconds = (nowMs - bucket.lastRefillMs) / 1000;
      bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * options.ratePerSecond);
      bucket.lastRefillMs = nowMs;
      if (bucket.tokens < 1) {
        return throttlingError({ service, operation });
      }
      bucket.tokens -= 1;
    }
    return undefined;
  }
}

function defaultMessageFor(code: string): string {
  if (/Throttl|TooManyRequests|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(code)) {
    return 'Rate exceeded';
  }
  if (/Internal|ServiceUnavailable/.test(code)) {
    return 'We encountered an internal error. Please try again.';
  }
  return `Injected ${code}`;
}

/** Whether any string in the input names the resource (exactly, or as an ARN's last path segment). */
export function inputMentions(input: unknown, resourceName: string): boolean {
  const wanted = resourceName.toLowerCase();
  const visit = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') {
      const lower = value.toLowerCase();
      return lower === wanted || lower.endsWith(`/${wanted}`) || lower.endsWith(`:${wanted}`);
    }
    if (depth > 4 || value === null || typeof value !== 'object') {
      return false;
    }
    const children = Array.isArray(value) ? value : Object.values(value);
    return children.some((child) => visit(child, depth + 1));
  };
  return visit(input, 0);
}
