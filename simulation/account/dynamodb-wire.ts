/**
 * A real `DynamoDBClient` whose HTTP layer is the simulated account: requests are serialized by the
 * SDK exactly as they would go to AWS (JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Operation>`), and
 * answers (and errors, with their `__type` and modeled members) are deserialized by the SDK. So the
 * document client of `@aws-sdk/lib-dynamodb` marshalls and unmarshalls as it does against AWS, and the
 * handlers use it unchanged.
 *
 * The SDK's own retries are off (`maxAttempts: 1`: they would wait on real timers); the request handler
 * retries instead, as the SDK's standard mode would, on the account's clock (`account.sdkRetries`,
 * sdk-retries.ts), each attempt a call of its own. The credentials are placeholders: the account
 * authorizes the call for the caller the client was made for.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SimulatedAccount } from './account.js';
import type { Caller } from './authorizer.js';
import { AwsServiceError } from './errors.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';

interface WireRequest {
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

function bodyText(body: string | Uint8Array | undefined): string {
  if (body === undefined) return '{}';
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}

function response(statusCode: number, json: unknown, requestId: string) {
  const body = new TextEncoder().encode(JSON.stringify(json));
  return {
    response: {
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
      body,
    },
  };
}

export interface SimulatedDynamoDbClientOptions {
  /** Attempts in all, as the real client's `maxAttempts` (default: DynamoDB's, 4). */
  readonly maxAttempts?: number;
}

export function simulatedDynamoDbClient(
  account: SimulatedAccount,
  caller: Caller,
  options: SimulatedDynamoDbClientOptions = {},
): DynamoDBClient {
  return new DynamoDBClient({
    region: account.region,
    maxAttempts: 1,
    credentials: {
      accessKeyId: 'ASIASIMULATEDACCOUNT',
      secretAccessKey: 'simulated',
      sessionToken: 'simulated',
    },
    requestHandler: {
      async handle(request: WireRequest) {
        const target = request.headers['x-amz-target'] ?? '';
        if (!target.startsWith(TARGET_PREFIX)) throw new Error(`not a DynamoDB request: ${target}`);
        const operation = target.slice(TARGET_PREFIX.length);
        const input = JSON.parse(bodyText(request.body)) as unknown;
        try {
          const { value } = await account.invokeWithSdkRetries(
            'DynamoDB',
            operation,
            input,
            caller,
            options.maxAttempts,
          );
          return response(200, value.value ?? {}, value.requestId);
        } catch (error) {
          if (!(error instanceof AwsServiceError)) throw error;
          return response(
            error.$metadata.httpStatusCode,
            { __type: `${ERROR_NAMESPACE}${error.name}`, message: error.message, ...error.members },
            error.$metadata.requestId,
          );
        }
      },
    },
  });
}
