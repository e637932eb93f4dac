/**
 * An asynchronous Lambda invocation, as EventBridge makes one: the event is queued, the function runs,
 * and when it throws Lambda tries again, one minute later and then two minutes after that (by default;
 * `MaximumRetryAttempts` of its EventInvokeConfig sets how many retries). When every attempt has failed,
 * Lambda sends an invocation record to the on-failure destination, as the function's execution role;
 * without one, or if that send is refused, the event is dropped.
 *
 * The record's shape follows the Lambda developer guide ("Capturing records of asynchronous
 * invocations"): version, timestamp, requestContext (condition `RetriesExhausted`), requestPayload,
 * responseContext and responsePayload.
 */
import type { SimulatedAccount } from '../account/account.js';
import type { Caller } from '../account/authorizer.js';
import type { DeployedFunction } from '../deploy/deploy-template.js';

/** Lambda's default number of retries of an asynchronous invocation. */
export const DEFAULT_ASYNC_RETRIES = 2;
/** The waits before the first and the second retry (Lambda developer guide, "Asynchronous invocation"). */
const RETRY_DELAYS_MS = [60_000, 120_000];

/** The one SQS call Lambda makes here; the project has no SQS client, the simulated one routes by name. */
class SendMessageCommand {
  constructor(readonly input: { readonly QueueUrl: string; readonly MessageBody: string }) {}
}

export interface AsyncInvocation {
  readonly functionArn: string;
  readonly requestId: string;
  readonly attempts: number;
  /** `Success`; `DestinationDelivered`; `DestinationRefused` (the record could not be sent); `Dropped`. */
  readonly outcome: 'Success' | 'DestinationDelivered' | 'DestinationRefused' | 'Dropped';
  readonly error?: string;
}

/** Runs `handler` on `event` as Lambda runs an asynchronous invocation of `fn`; resolves with what became of it. */
export async function invokeAsynchronously(options: {
  readonly account: SimulatedAccount;
  readonly fn: DeployedFunction;
  readonly caller: Caller;
  readonly handler: (event: unknown) => Promise<unknown>;
  readonly event: unknown;
  readonly requestId: string;
}): Promise<AsyncInvocation> {
  const { account, fn, event, requestId } = options;
  const retries = fn.maximumRetryAttempts ?? DEFAULT_ASYNC_RETRIES;
  let lastError: Error | undefined;
  let attempts = 0;
  for (let attempt = 0; attempt <= retries; attempt += 1) {
    if (attempt > 0) await account.clock.sleep(RETRY_DELAYS_MS[attempt - 1] ?? RETRY_DELAYS_MS[1] ?? 120_000);
    attempts += 1;
    try {
      await options.handler(event);
      return { functionArn: fn.arn, requestId, attempts, outcome: 'Success' };
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
  }
  const failed = {
    functionArn: fn.arn,
    requestId,
    attempts,
    error: `${lastError?.name}: ${lastError?.message}`,
  };
  if (!fn.onFailureDestinationArn) return { ...failed, outcome: 'Dropped' };
  const record = {
    version: '1.0',
    timestamp: account.clock.now().toISOString(),
    requestContext: {
      requestId,
      functionArn: `${fn.arn}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: lastError?.name ?? 'Error', errorMessage: lastError?.message ?? '' },
  };
  const [, , , region, accountId, queueName] = fn.onFailureDestinationArn.split(':');
  try {
    await account.sdkClients(options.caller).sqs.send(
      new SendMessageCommand({
        QueueUrl: `https://sqs.${region}.amazonaws.com/${accountId}/${queueName}`,
        MessageBody: JSON.stringify(record),
      }),
    );
    return { ...failed, outcome: 'DestinationDelivered' };
  } catch (error) {
    return {
      ...failed,
      outcome: 'DestinationRefused',
      error: `${failed.error}; destination: ${(error as Error).message}`,
    };
  }
}
