/**
 * What the stack hands the sweeper Lambda, as one JSON environment variable, parsed once at cold start.
 */
import * as z from 'zod/mini';
import { describeIssues } from './validation.js';

export const SWEEP_SETTINGS_VARIABLE = 'SWEEP_SETTINGS';

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

const sweepSettingsSchema = z.object({
  lockTableName: z.string().check(z.regex(TABLE_NAME, 'must be a DynamoDB table name')),
  approvalTableName: z.string().check(z.regex(TABLE_NAME, 'must be a DynamoDB table name')),
  alertTopicArn: z
    .string()
    .check(
      z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
    ),
  /** The remediation state machine: only its executions' records are judged by their status. */
  stateMachineArn: z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
        'must be a Step Functions state machine ARN',
      ),
    ),
  /** Security Hub's own product ARN, the ProductArn of the control findings a lock names. */
  securityHubProductArn: z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:securityhub:[a-z0-9-]+::product\/aws\/securityhub$/,
        "must be Security Hub's own product ARN",
      ),
    ),
});

export type SweepSettings = z.infer<typeof sweepSettingsSchema>;
export type SweepSettingsInput = z.input<typeof sweepSettingsSchema>;

export function parseSweepSettings(text: string | undefined): SweepSettings {
  if (!text) throw new Error(`${SWEEP_SETTINGS_VARIABLE} is not set`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${SWEEP_SETTINGS_VARIABLE} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = sweepSettingsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${SWEEP_SETTINGS_VARIABLE} is invalid: ${describeIssues(parsed.error).join('; ')}`);
  }
  return parsed.data;
}
