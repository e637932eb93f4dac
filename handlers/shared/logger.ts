/**
 * Structured JSON logs, one line each, so CloudWatch Logs Insights can query them by field. Deployed
 * handlers log through the Powertools for AWS Lambda Logger, which adds the request id, the function
 * and the cold start to every line; the handlers' logic only needs this interface.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The Lambda invocation context: where the request id comes from. */
export type LambdaContext = Parameters<PowertoolsLogger['addContext']>[0];

/** A deployed handler's logger: the Logger interface, and the invocation context for every line. */
export interface LambdaLogger extends Logger {
  /** Call at the start of each invocation: its request id (and function, cold start) go on every line. */
  addContext(context: LambdaContext | undefined): void;
}

/** A handler's logger at module scope, through Powertools; `service` names it in every line. */
export function lambdaLogger(service: string): LambdaLogger {
  const powertools = new PowertoolsLogger({ serviceName: service });
  const level =
    (write: (message: string, ...fields: [Record<string, unknown>] | []) => void) =>
    (message: string, fields?: Record<string, unknown>) =>
      fields ? write(message, fields) : write(message);
  return {
    info: level((message, ...fields) => powertools.info(message, ...fields)),
    warn: level((message, ...fields) => powertools.warn(message, ...fields)),
    error: level((message, ...fields) => powertools.error(message, ...fields)),
    addContext: (context) => {
      if (context) powertools.addContext(context);
    },
  };
}

/** For local runs where the log lines would only be noise. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
