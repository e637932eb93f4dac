/**
 * What the stack hands the custom-action Lambda, as one JSON environment variable. Parsed once at cold
 * start: a deployment with broken settings fails loudly on its first click instead of acting wrongly.
 */

import * as z from 'zod/mini';
import {
  CONTROL_IDS,
  type ControlId,
  REMEDIATION_MODES,
  type RemediationMode,
} from './controls-catalogue.js';
import type { CustomAction } from './custom-action-event.js';
import { describeIssues } from './validation.js';

export const CUSTOM_ACTION_SETTINGS_VARIABLE = 'CUSTOM_ACTION_SETTINGS';

const mode = z.enum(REMEDIATION_MODES as [RemediationMode, ...RemediationMode[]]);

const ACTION_ARN = /^arn:(aws[a-z-]*):securityhub:([a-z0-9-]+):(\d{12}):action\/custom\/[A-Za-z0-9]{1,20}$/;
const STATE_MACHINE_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:[A-Za-z0-9_-]{1,80}$/;

const actionArn = z.string().check(z.regex(ACTION_ARN, 'must be a Security Hub custom action ARN'));

export const customActionSettingsSchema = z.object({
  accountId: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id')),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name')),
  actionArns: z.object({ approve: actionArn, reject: actionArn, 'remediate-now': actionArn }),
  approvalTableName: z
    .string()
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of A-Za-z0-9_.-)')),
  stateMachineArn: z.string().check(z.regex(STATE_MACHINE_ARN, 'must be a Step Functions state machine ARN')),
  modes: z
    .record(z.string(), mode)
    .check(z.refine((modes) => CONTROL_IDS.every((id) => id in modes), 'must name a mode for every control')),
});

export type CustomActionSettingsInput = z.input<typeof customActionSettingsSchema>;

export type CustomActionSettings = Omit<
  z.infer<typeof customActionSettingsSchema>,
  'modes' | 'actionArns'
> & {
  readonly actionArns: Readonly<Record<CustomAction, string>>;
  readonly modes: Readonly<Record<ControlId, RemediationMode>>;
};

/** Checks that need several fields: every ARN in this deployment's account and region, no ARN twice. */
function crossFieldProblems(settings: z.infer<typeof customActionSettingsSchema>): string[] {
  const problems: string[] = [];
  const inDeployment = (label: string, arn: string, pattern: RegExp) => {
    const [, , region, account] = pattern.exec(arn) ?? [];
    if (region !== settings.region || account !== settings.accountId) {
      problems.push(`${label}: ${arn} is not in account ${settings.accountId} and region ${settings.region}`);
    }
  };
  for (const [action, arn] of Object.entries(settings.actionArns)) {
    inDeployment(`actionArns.${action}`, arn, ACTION_ARN);
  }
  inDeployment('stateMachineArn', settings.stateMachineArn, STATE_MACHINE_ARN);
  const arns = Object.values(settings.actionArns);
  if (new Set(arns).size !== arns.length)
    problems.push('actionArns: the three actions must have distinct ARNs');
  return problems;
}

export function parseCustomActionSettings(text: string | undefined): CustomActionSettings {
  if (!text) throw new Error(`${CUSTOM_ACTION_SETTINGS_VARIABLE} is not set`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${CUSTOM_ACTION_SETTINGS_VARIABLE} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = customActionSettingsSchema.safeParse(json);
  const problems = parsed.success ? crossFieldProblems(parsed.data) : describeIssues(parsed.error);
  if (!parsed.success || problems.length > 0) {
    throw new Error(`${CUSTOM_ACTION_SETTINGS_VARIABLE} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data as CustomActionSettings;
}
