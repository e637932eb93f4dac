import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeNotebookInstanceCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { MEMBER_API_CALL_MAX_ATTEMPTS } from '../../handlers/member-api-call.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { simulatedDynamoDbClient } from '../../simulation/account/dynamodb-wire.js';
import { AwsServiceError, throttlingError } from '../../simulation/account/errors.js';
import {
  retryDelayMs,
  retryErrorType,
  SeededFractions,
  withSdkRetries,
} from '../../simulation/account/sdk-retries.js';
import { HANDLER_SDK_MAX_ATTEMPTS } from '../../simulation/runner/local-deployment.js';
import { HANDLER_TRANSIENT_ERRORS } from '../../statemachines/state-builders.js';
import { rejectionOf } from '../unit/caught-errors.js';

const START = Date.parse('2026-11-23T09:00:00.000Z');

function serviceError(code: string, httpStatusCode: number): AwsServiceError {
  return new AwsServiceError({ service: 'SageMaker', operation: 'X', code, message: code, httpStatusCode });
}

/** An account with one notebook whose Describe is throttled `times` times. */
function throttledAccount(times: number, options: ConstructorParameters<typeof SimulatedAccount>[0] = {}) {
  const account = new SimulatedAccount(options);
  account.sagemaker.seedNotebook({ name: 'nb', status: 'InService' });
  account.faults.throttle({ service: 'SageMaker', operation: 'DescribeNotebookInstance', times });
  return account;
}

const describeNotebook = new DescribeNotebookInstanceCommand({ NotebookInstanceName: 'nb' });

describe('SDK retries: which errors, how long', () => {
  it.each([
    ['ThrottlingException', 400, 'THROTTLING'],
    ['TooManyRequestsException', 429, 'THROTTLING'],
    ['ProvisionedThroughputExceededException', 400, 'THROTTLING'],
    ['SlowDown', 503, 'THROTTLING'],
    ['RequestLimitExceeded', 503, 'THROTTLING'],
    ['InternalFailure', 500, 'TRANSIENT'],
    ['ServiceUnavailable', 503, 'TRANSIENT'],
    ['RequestTimeout', 400, 'TRANSIENT'],
    ['ValidationException', 400, undefined],
    ['AccessDeniedException', 403, undefined],
    ['ConditionalCheckFailedException', 400, undefined],
    ['ResourceNotFound', 400, undefined],
  ] as const)('Given %s (HTTP %d), Then the SDK classifies it as %s', (code, status, expected) => {
    expect(retryErrorType(serviceError(code, status))).toBe(expected);
  });

  it('Given the largest jitter, Then the delays double from 1 s after throttling, 50 ms otherwise, 25 ms for DynamoDB, capped at 20 s before the jitter', () => {
    const almostOne = 1 - 2 ** -40;
    const delays = (service: 'SageMaker' | 'DynamoDB', type: 'THROTTLING' | 'TRANSIENT') =>
      [0, 1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(service, type, retry, almostOne));
    expect(delays('SageMaker', 'THROTTLING')).toEqual([999, 1999, 3999, 7999, 15999, 19999, 19999]);
    expect(delays('SageMaker', 'TRANSIENT')).toEqual([49, 99, 199, 399, 799, 1599, 3199]);
    expect(delays('DynamoDB', 'TRANSIENT')).toEqual([24, 49, 99, 199, 399, 799, 1599]);
    expect(delays('DynamoDB', 'THROTTLING')).toEqual(delays('SageMaker', 'THROTTLING'));
    expect(retryDelayMs('SageMaker', 'THROTTLING', 3, 0)).toBe(0);
  });

  it('Given one seed twice and another seed, Then the fractions repeat for the seed, differ for the other, and stay in [0, 1)', () => {
    const draw = (seed: string) => {
      const fractions = new SeededFractions(seed);
      return Array.from({ length: 200 }, () => fractions.next());
    };
    expect(draw('a')).toEqual(draw('a'));
    expect(draw('b')).not.toEqual(draw('a'));
    expect(draw('a').every((fraction) => fraction >= 0 && fraction < 1)).toBe(true);
  });

  it('Given a call failing with a non-retryable error, Then it is made once and the error says 1 attempt', async () => {
    let made = 0;
    const error = await rejectionOf(
      withSdkRetries(
        async () => {
          made += 1;
          throw serviceError('ValidationException', 400);
        },
        { service: 'SageMaker', maxAttempts: 5, random: () => 0.5, sleep: async () => {} },
      ),
      AwsServiceError,
    );
    expect(made).toBe(1);
    expect(error.$metadata).toMatchObject({ attempts: 1, totalRetryDelay: 0 });
  });
});

describe('SDK retries in the simulated account', () => {
  it('Given Describe throttled twice, When an SDK client sends it, Then the third attempt answers; each attempt is a call, authorized, and the backoff waits on the clock', async () => {
    // Given
    const account = throttledAccount(2);
    const { sagemaker } = account.sdkClients();

    // When
    const response = await sagemaker.send(describeNotebook);

    // Then
    expect(response.NotebookInstanceStatus).toBe('InService');
    expect(account.callsTo('SageMaker').map((call) => call.outcome)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      'ok',
    ]);
    expect(
      account.authorizations.filter((entry) => entry.operation === 'DescribeNotebookInstance'),
    ).toHaveLength(3);
    const { attempts, totalRetryDelay } = response.$metadata;
    expect(attempts).toBe(3);
    // Two backoffs of a throttling error: under 1 s, then under 2 s
    expect(totalRetryDelay).toBeGreaterThan(0);
    expect(totalRetryDelay).toBeLessThan(3000);
    expect(account.clock.nowMs() - START).toBe(3 * 50 + (totalRetryDelay ?? 0));
  });

  it('Given Describe throttled more often than the attempts, When sent, Then the last throttling error is thrown after 3 attempts (the SDK default)', async () => {
    const account = throttledAccount(10, { latencyMs: 0 });
    const error = await rejectionOf(account.sdkClients().sagemaker.send(describeNotebook), AwsServiceError);
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata.attempts).toBe(3);
    expect(account.callsTo('SageMaker')).toHaveLength(3);
  });

  it('Given clients made with maxAttempts 5, When Describe is throttled four times, Then the fifth attempt answers', async () => {
    const account = throttledAccount(4, { latencyMs: 0 });
    const response = await account
      .sdkClients(account.administrator, { maxAttempts: 5 })
      .sagemaker.send(describeNotebook);
    expect(response.$metadata.attempts).toBe(5);
    expect(account.callsTo('SageMaker')).toHaveLength(5);
  });

  it('Given retries switched off, When Describe is throttled once, Then the call fails at once', async () => {
    const account = throttledAccount(1, { latencyMs: 0, sdkRetries: 'off' });
    const error = await rejectionOf(account.sdkClients().sagemaker.send(describeNotebook), AwsServiceError);
    expect(error.name).toBe('ThrottlingException');
    expect(account.callsTo('SageMaker')).toHaveLength(1);
  });

  it('Given a Step Functions task throttled once, When called, Then it fails at once: the state machine retries SDK tasks, not the SDK', async () => {
    const account = new SimulatedAccount({ latencyMs: 0 });
    account.sagemaker.seedNotebook({ name: 'nb', status: 'InService' });
    account.faults.throttle({ service: 'SageMaker', operation: 'StopNotebookInstance' });
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:sagemaker:stopNotebookInstance', {
        NotebookInstanceName: 'nb',
      }),
    );
    expect(error.name).toBe('SageMaker.SageMakerException');
    expect(account.callsTo('SageMaker')).toHaveLength(1);
  });

  it('Given two accounts with the same seed and one with another, When each retries a throttled call, Then the same seed waits the same time', async () => {
    const waited = async (seed: string) => {
      const account = throttledAccount(2, { latencyMs: 0, sdkRetrySeed: seed });
      return (await account.sdkClients().sagemaker.send(describeNotebook)).$metadata.totalRetryDelay;
    };
    expect(await waited('one')).toBe(await waited('one'));
    expect(await waited('two')).not.toBe(await waited('one'));
  });

  it('Given a real SageMakerClient with maxAttempts 2 routed to the account, When Describe is throttled twice, Then it fails after 2 attempts', async () => {
    const account = throttledAccount(2, { latencyMs: 0 });
    const client = account.routeSdkClient(
      new SageMakerClient({
        region: 'eu-west-1',
        maxAttempts: 2,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
    const error = await rejectionOf(client.send(describeNotebook));
    expect(error.name).toBe('ThrottlingException');
    expect(account.callsTo('SageMaker')).toHaveLength(2);
  });
});

describe('SDK retries on the DynamoDB wire', () => {
  function givenTable(options: ConstructorParameters<typeof SimulatedAccount>[0] = {}) {
    const account = new SimulatedAccount({ latencyMs: 0, ...options });
    account.dynamodb.createTable({ TableName: 'locks', partitionKey: 'pk' });
    return account;
  }
  const put = new PutCommand({ TableName: 'locks', Item: { pk: 'a' } });

  it('Given PutItem throttled three times, When the document client puts, Then the fourth attempt (DynamoDB’s default) writes, having waited only on the clock', async () => {
    // Given
    const account = givenTable();
    account.faults.throttle({ service: 'DynamoDB', operation: 'PutItem', times: 3 });
    const client = DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, account.administrator));
    const realStart = Date.now();

    // When
    await client.send(put);

    // Then
    expect(account.callsTo('DynamoDB', 'PutItem').map((call) => call.outcome)).toEqual([
      'ProvisionedThroughputExceededException',
      'ProvisionedThroughputExceededException',
      'ProvisionedThroughputExceededException',
      'ok',
    ]);
    expect(account.dynamodb.scanTable('locks')).toEqual([{ pk: { S: 'a' } }]);
    // Three throttling backoffs (up to 1 + 2 + 4 s) passed in virtual time, not in real time
    expect(account.clock.nowMs()).toBeGreaterThan(START);
    expect(Date.now() - realStart).toBeLessThan(account.clock.nowMs() - START);
  });

  it('Given clients made with maxAttempts 2, When PutItem is throttled twice, Then the SDK error reaches the caller after 2 attempts', async () => {
    const account = givenTable();
    account.faults.throttle({ service: 'DynamoDB', operation: 'PutItem', times: 2 });
    const client = DynamoDBDocumentClient.from(
      simulatedDynamoDbClient(account, account.administrator, { maxAttempts: 2 }),
    );
    const error = await rejectionOf(client.send(put));
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(account.callsTo('DynamoDB', 'PutItem')).toHaveLength(2);
    expect(account.dynamodb.scanTable('locks')).toEqual([]);
  });

  it('Given a throttling error DynamoDB returns, Then the SDK would classify it as throttling', () => {
    expect(retryErrorType(throttlingError({ service: 'DynamoDB', operation: 'PutItem' }))).toBe('THROTTLING');
  });
});

describe('the local deployment retries as the handlers are configured', () => {
  it('Given every handler module, Then each SDK client it builds sets maxAttempts to HANDLER_SDK_MAX_ATTEMPTS', () => {
    const directory = join(import.meta.dirname, '../../handlers');
    const constructed = readdirSync(directory)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [...readFileSync(join(directory, file), 'utf8').matchAll(/new (\w+Client)\(([^)]*)\)/g)].map(
          ([, client, options]) => `${file} ${client} ${/maxAttempts: (\d+)/.exec(options ?? '')?.[1]}`,
        ),
      );
    expect(constructed.length).toBeGreaterThan(0);
    for (const entry of constructed.filter((each) => !each.startsWith('member-api-call.ts '))) {
      expect(entry).toMatch(new RegExp(` ${HANDLER_SDK_MAX_ATTEMPTS}$`));
    }
  });

  it('Given member-api-call, Then its clients make one attempt, as the local deployment runs it: the Task retries, as it does the integration', () => {
    const source = readFileSync(join(import.meta.dirname, '../../handlers/member-api-call.ts'), 'utf8');
    const clients = [...source.matchAll(/(?:new |\)\.)(\w+Client)\(([^)]*)\)/g)].map(
      ([, client, options]) => `${client} ${options}`,
    );

    expect(clients).toEqual([
      'SageMakerClient options',
      'EC2Client options',
      'KMSClient options',
      'S3Client options',
    ]);
    expect(source).toContain('maxAttempts: MEMBER_API_CALL_MAX_ATTEMPTS,');
    expect(MEMBER_API_CALL_MAX_ATTEMPTS).toBe(1);
  });
});

describe('what reaches the state machine once the SDK gives up', () => {
  it('Given the throttling error of each service the functions call, Then the SDK retries it, and then the Lambda task retries it by its name', () => {
    // A handler's error reaches Step Functions as its name (the Lambda error type): a burst's
    // throttling must be in the Lambda tasks' Retry, or the finding is left NEW (bursts.test.ts).
    const services = ['SageMaker', 'DynamoDB', 'SecurityHub', 'SNS', 'S3', 'IAM'] as const;
    for (const service of services) {
      const error = throttlingError({ service, operation: 'X' });
      expect([service, retryErrorType(error)]).toEqual([service, 'THROTTLING']);
      expect(HANDLER_TRANSIENT_ERRORS, service).toContain(error.name);
    }
  });
});
