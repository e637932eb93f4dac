import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LambdaContext, lambdaLogger } from '../../handlers/shared/logger.js';

const CONTEXT = {
  functionName: 'SageMakerRemediation-PlanRemediation',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:SageMakerRemediation-PlanRemediation',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/SageMakerRemediation-PlanRemediation',
  logStreamName: '2026/12/07/[$LATEST]abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as LambdaContext;

/**
 * Every JSON line the logger writes, parsed. POWERTOOLS_DEV makes Powertools write through the global
 * console (instead of its own Console on stdout), which the test can watch.
 */
function capture(): { lines: () => Record<string, unknown>[] } {
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  // The level as deployed (the test run silences the handlers' logs).
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', undefined);
  const written: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      written.push(String(line));
    });
  }
  return {
    // One call per line (pretty-printed in this mode).
    lines: () => written.map((text) => JSON.parse(text) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the deployed handlers log through Powertools', () => {
  it('Given an invocation context, When a handler logs with fields, Then the line is JSON with the level, service, message, fields and the request id', () => {
    const output = capture();
    const logger = lambdaLogger('plan-remediation');

    logger.addContext(CONTEXT);
    logger.info('lock taken', { notebook: 'Research-Notebook', control: 'SageMaker.3' });
    logger.warn('notebook busy');

    const [info, warn] = output.lines();
    expect(info).toMatchObject({
      level: 'INFO',
      service: 'plan-remediation',
      message: 'lock taken',
      notebook: 'Research-Notebook',
      control: 'SageMaker.3',
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      function_name: 'SageMakerRemediation-PlanRemediation',
    });
    expect(warn).toMatchObject({
      level: 'WARN',
      message: 'notebook busy',
      function_request_id: CONTEXT.awsRequestId,
    });
  });

  it('Given no invocation context (a local run), When a handler logs an error, Then the line still has the level, service and message', () => {
    const output = capture();
    const logger = lambdaLogger('verify-recreation');

    logger.addContext(undefined);
    logger.error('recreation not verified', { problems: ['a.txt missing'] });

    expect(output.lines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        service: 'verify-recreation',
        message: 'recreation not verified',
        problems: ['a.txt missing'],
      }),
    ]);
  });
});
