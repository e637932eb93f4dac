/**
 * RecordOutcome: subscribed to the alert topic, counts every outcome the workflow reports as embedded
 * metric format lines (shared/operations-metrics.ts), by its `outcome` and `control` message attributes,
 * the same ones operators filter their subscriptions on. Alarm notifications (no `outcome`) are not
 * outcomes and are skipped. For a RESOLVED outcome it also records the time
 * to remediate: from the start of the execution named in the alert (DescribeExecution) to the alert.
 *
 * Off the remediation's path: SNS invokes it after Publish returned, so a remediation never waits for it
 * or fails with it. It never fails on an alert it does not understand (counted as OTHER), nor when the
 * execution cannot be described (the outcome is still counted, without a duration): a retry would count
 * the outcome twice.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod/mini';
import { errorName } from './shared/aws-errors.js';
import { executionPrefixOfStateMachine, type StepFunctionsClient } from './shared/execution-status.js';
import { type LambdaContext, type Logger, lambdaLogger } from './shared/logger.js';
import { outcomeMetricLines, writeMetricLines } from './shared/operations-metrics.js';

/** The environment variable holding the remediation state machine's ARN. */
export const STATE_MACHINE_ARN_VARIABLE = 'STATE_MACHINE_ARN';

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

// As Lambda receives an SNS notification (Records[].Sns), keeping only what is read here.
const snsEvent = z.object({
  Records: z.array(
    z.object({
      Sns: z.object({
        Timestamp: z.string(),
        Message: z.string(),
        MessageAttributes: z.optional(
          z.record(z.string(), z.object({ Type: z.string(), Value: z.optional(z.string()) })),
        ),
      }),
    }),
  ),
});

export interface RecordOutcomeDependencies {
  readonly sfn: StepFunctionsClient;
  readonly stateMachineArn: string;
  readonly emitMetrics: (lines: readonly string[]) => void;
  readonly logger: Logger;
}

/** How many alerts were counted, and how many of them with a time to remediate. */
export interface RecordOutcomeResult {
  readonly counted: number;
  readonly timed: number;
}

/** The first execution of this state machine the alert names (its `Execution: <arn>` line). */
export function executionNamedIn(message: string, stateMachineArn: string): string | undefined {
  const prefix = `${executionPrefixOfStateMachine(stateMachineArn)}:`;
  const start = message.indexOf(prefix);
  if (start < 0) return undefined;
  const name = /^[^\s:,)]+/.exec(message.slice(start + prefix.length))?.[0];
  return name ? `${prefix}${name}` : undefined;
}

export function createRecordOutcomeHandler(
  dependencies: RecordOutcomeDependencies,
): (event: unknown) => Promise<RecordOutcomeResult> {
  const { sfn, stateMachineArn, emitMetrics, logger } = dependencies;
  if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
    throw new Error(`${STATE_MACHINE_ARN_VARIABLE} must be a state machine ARN, not '${stateMachineArn}'`);
  }

  async function startOf(executionArn: string): Promise<Date | undefined> {
    try {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.startDate;
    } catch (error) {
      logger.warn('time to remediate not recorded: the execution could not be described', {
        execution: executionArn,
        error: errorName(error),
      });
      return undefined;
    }
  }

  return async function recordOutcome(event: unknown): Promise<RecordOutcomeResult> {
    const parsed = snsEvent.safeParse(event);
    if (!parsed.success) {
      logger.warn('not an SNS notification: nothing counted');
      return { counted: 0, timed: 0 };
    }
    let counted = 0;
    let timed = 0;
    for (const { Sns: alert } of parsed.data.Records) {
      const attribute = (name: string) => alert.MessageAttributes?.[name]?.Value;
      const outcome = attribute('outcome');
      const control = attribute('control');
      // Not an outcome: an alarm's notification (the topic's other publisher) has no attributes.
      if (outcome === undefined) continue;
      const at = new Date(alert.Timestamp);
      const when = Number.isNaN(at.getTime()) ? new Date() : at;
      let secondsToRemediate: number | undefined;
      if (outcome === 'RESOLVED') {
        const execution = executionNamedIn(alert.Message, stateMachineArn);
        const started = execution ? await startOf(execution) : undefined;
        if (started) secondsToRemediate = (when.getTime() - started.getTime()) / 1000;
      }
      const lines = outcomeMetricLines({
        outcome,
        control,
        at: when,
        ...(secondsToRemediate !== undefined ? { secondsToRemediate } : {}),
      });
      counted += 1;
      if (lines.length > 1) timed += 1;
      emitMetrics(lines);
    }
    return { counted, timed };
  };
}

const sfnClient = new SFNClient({ maxAttempts: 5 });
let deployedHandler: ((event: unknown) => Promise<RecordOutcomeResult>) | undefined;

const logger = lambdaLogger('record-outcome');

export async function handler(event: unknown, context?: LambdaContext): Promise<RecordOutcomeResult> {
  logger.addContext(context);
  deployedHandler ??= createRecordOutcomeHandler({
    sfn: sfnClient,
    stateMachineArn: process.env[STATE_MACHINE_ARN_VARIABLE] ?? '',
    emitMetrics: writeMetricLines,
    logger,
  });
  return deployedHandler(event);
}
