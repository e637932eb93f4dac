/**
 * The approvals command's command line: the usage text and the parser. Pure, so the bin can read
 * --region and --profile before it builds the SDK clients, and the tests can check every refusal
 * without an account. Every problem is reported at once, each naming the option that fixes it.
 */
import {
  APPROVAL_TABLE_OUTPUT,
  APPROVALS_TOOL,
  type PlanSelector,
} from '../../handlers/shared/approval-command.js';
import { helpOrUsageErrorAnswer, parseCommandLine, parseToolArgs, repeatedOptions } from '../command-line.js';
import { REGION } from '../restore-notebook/arguments.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../restore-notebook/arguments.js';

export const SUBCOMMANDS = ['approve', 'reject', 'list-pending'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** DynamoDB table names: 3 to 255 of letters, digits, `_`, `-` and `.` (DynamoDB naming rules). */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** The ARN of a resource a plan can be for (the approval table keys plans by it). */
const RESOURCE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:[a-z-]+\/.+$/i;

/** A reason longer than this would not fit the rejection note; it is refused rather than cut unseen. */
export const MAX_REASON_LENGTH = 100;

export const USAGE = `Usage:
  ${APPROVALS_TOOL} approve (--finding <id> | --resource <arn>) --table <name> --region <region> [options]
  ${APPROVALS_TOOL} reject  (--finding <id> | --resource <arn>) [--reason <text>] --table <name> --region <region> [options]
  ${APPROVALS_TOOL} list-pending --table <name> --region <region> [--json] [options]

Approves or rejects a remediation plan that waits for approval (a notebook's recreation, or an
approval-gated change of another resource), exactly as the Security Hub custom actions do: it reads
the plan's approval record, moves it from PENDING to APPROVED or REJECTED with one conditional
update, then completes the waiting execution with the task token kept in the table. The record
keeps who decided: the ARN of the credentials that ran it (STS GetCallerIdentity). list-pending
shows every plan waiting for approval, with the commands that decide it.

Required:
  --table <name>       the approval table: the stack output ${APPROVAL_TABLE_OUTPUT}
  --region <region>    the deployment's region (where its approval table and state machine are)
  approve and reject also take one of:
  --finding <id>       any finding of the plan: its ASFF Id or OCSF finding uid, as the alert gives it
  --resource <arn>     the resource the plan is for

Options:
  --reason <text>      reject only: why, at most ${MAX_REASON_LENGTH} characters (in the rejection note)
  --json               list-pending only: the plans as JSON, for scripts
  --profile <name>     the AWS profile to run as (default: the AWS SDK's credentials)
  --help               this text

Run it as a role of the deployment's account with the stack policy ApprovalOperatorPolicyArn.
Exit status: 0 decided (or listed), 1 nothing decided (already decided, window closed, not waiting)
or an AWS call failed, 2 bad arguments or no plan for that finding or resource (nothing changed).
See docs/custom-actions.md.`;

export type ApprovalsOptions =
  | {
      readonly command: 'approve' | 'reject';
      readonly plan: PlanSelector;
      /** Reject only. */
      readonly reason?: string;
      readonly table: string;
      readonly region: string;
      readonly profile?: string;
    }
  | {
      readonly command: 'list-pending';
      readonly json: boolean;
      readonly table: string;
      readonly region: string;
      readonly profile?: string;
    };

export type ParsedApprovalsArguments =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'options'; readonly options: ApprovalsOptions };

/** --help and a usage error, answered before anything of AWS is loaded. */
export const printHelpOrUsageError = helpOrUsageErrorAnswer(USAGE, ['Run with --help for the usage.']);

export function parseApprovalsArguments(args: readonly string[]): ParsedApprovalsArguments {
  const commandLine = parseCommandLine(() => parseOptions(args));
  if (commandLine.kind === 'usage-error') return commandLine;
  const { values, positionals, tokens } = commandLine.parsed;
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  // parseArgs keeps the last of a repeated option silently; two values are a mistake.
  for (const name of repeatedOptions(tokens)) problems.push(`--${name} is given twice`);
  const [name, ...extra] = positionals;
  const command = SUBCOMMANDS.find((candidate) => candidate === name);
  if (name === undefined) problems.push(`a command is required: ${SUBCOMMANDS.join(', ')}`);
  else if (!command) problems.push(`unknown command '${name}': use ${SUBCOMMANDS.join(', ')}`);
  if (extra.length > 0) problems.push(`unexpected argument '${extra.join(' ')}'`);

  const { table, region, profile, finding, resource, reason, json } = values;
  if (table === undefined) problems.push(`--table is required: the stack output ${APPROVAL_TABLE_OUTPUT}`);
  else if (!TABLE_NAME.test(table)) problems.push(`--table ${table} is not a DynamoDB table name`);
  if (region === undefined) problems.push("--region is required: the deployment's region");
  else if (!REGION.test(region)) problems.push(`--region ${region} is not a region`);
  if (profile !== undefined && profile.trim() === '') problems.push('--profile must not be empty');

  let plan: PlanSelector | undefined;
  const decides = command === 'approve' || command === 'reject';
  if (decides) {
    if (finding !== undefined && resource !== undefined) {
      problems.push('give --finding or --resource, not both');
    } else if (finding !== undefined) {
      if (finding.trim() === '') problems.push('--finding must not be empty');
      else plan = { findingId: finding };
    } else if (resource !== undefined) {
      if (!RESOURCE_ARN.test(resource))
        problems.push(`--resource ${resource} is not a SageMaker resource ARN`);
      else plan = { resourceArn: resource };
    } else {
      problems.push(`${command} needs --finding <id> or --resource <arn>: the plan to ${command}`);
    }
  } else if (command === 'list-pending') {
    for (const option of ['finding', 'resource'] as const) {
      if (values[option] !== undefined)
        problems.push(`--${option} is for approve and reject, not list-pending`);
    }
  }
  if (reason !== undefined && command !== undefined && command !== 'reject') {
    problems.push(`--reason is for reject, not ${command}`);
  } else if (reason !== undefined && reason.trim() === '') {
    problems.push('--reason must not be empty: leave it out instead');
  } else if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    problems.push(
      `--reason has ${reason.length} characters; at most ${MAX_REASON_LENGTH} fit the rejection note`,
    );
  }
  if (json && command !== undefined && command !== 'list-pending') {
    problems.push(`--json is for list-pending, not ${command}`);
  }

  if (problems.length > 0 || !command || table === undefined || region === undefined) {
    return { kind: 'usage-error', message: problems.join('\n') };
  }
  const where = { table, region, ...(profile === undefined ? {} : { profile }) };
  if (command === 'list-pending') {
    return { kind: 'options', options: { command, json: json ?? false, ...where } };
  }
  if (!plan) return { kind: 'usage-error', message: `${command} needs --finding <id> or --resource <arn>` };
  return {
    kind: 'options',
    options: {
      command,
      plan,
      ...(command === 'reject' && reason !== undefined ? { reason: reason.trim() } : {}),
      ...where,
    },
  };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(
    args,
    {
      finding: { type: 'string' },
      resource: { type: 'string' },
      reason: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  );
}
