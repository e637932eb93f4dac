/**
 * What the approvals command prints: a decision and who made it, the plans waiting for approval (as
 * text for a person or JSON for a script, each with the exact commands that decide it), and AWS
 * errors in one line that points at the operator policy when it is a permission.
 */
import { type ApprovalsLocation, listPendingCommand } from '../../handlers/shared/approval-command.js';
import type { ApprovalRecord } from '../../handlers/shared/approval-record.js';
import { isAccessDenied, isMissingCredentials } from '../restore-notebook/refusal.js';
import { formatAge, type PendingPlan } from './plan.js';

type Print = (line: string) => void;

/**
 * An AWS error in one line; a denied call names the policy the role needs, missing credentials the
 * option that gives them.
 */
export function describeAwsError(error: unknown, profile?: string): string {
  if (!(error instanceof Error)) return String(error);
  if (isMissingCredentials(error)) {
    const fix =
      profile === undefined
        ? 'pass --profile <name>, a profile of your AWS configuration (or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)'
        : `--profile ${profile} must name a profile of your AWS configuration that gives credentials (aws configure list-profiles lists them)`;
    return `no AWS credentials (${error.message}): ${fix}`;
  }
  const hint = isAccessDenied(error)
    ? ' (run this as a role of the deployment account with the stack policy ApprovalOperatorPolicyArn: docs/custom-actions.md)'
    : '';
  return `${error.name}: ${error.message}${hint}`;
}

export interface Decided {
  readonly action: 'approve' | 'reject';
  readonly key: string;
  readonly record: ApprovalRecord;
  /** The caller's ARN, recorded as the decider. */
  readonly who: string;
  readonly decidedAt: string;
  /** This identity had decided it before: the decision was sent again. */
  readonly resent: boolean;
  /** When sent again: the task was gone already (the first delivery got through, or it ended). */
  readonly gone?: string;
}

export function printDecided(print: Print, decided: Decided): void {
  const { action, key, record, who, decidedAt } = decided;
  const past = action === 'approve' ? 'Approved' : 'Rejected';
  const line = (label: string, text: string) => print(`  ${`${label}:`.padEnd(12)}${text}`);
  if (decided.resent) {
    print(
      decided.gone
        ? `Already ${past.toLowerCase()} by you at ${decidedAt}; the execution is no longer waiting (${decided.gone}). Nothing was changed.`
        : `Already ${past.toLowerCase()} by you at ${decidedAt}, but the execution had not been told: it is now.`,
    );
  } else {
    print(`${past} the plan for ${key}.`);
  }
  line('Execution', record.approval.executionArn);
  line('Findings', record.approval.findingIds.join(', ') || '(none listed)');
  line('Decided by', `${who} at ${decidedAt} (kept on the approval record)`);
  if (!decided.resent || !decided.gone) {
    print(
      action === 'approve'
        ? 'The execution goes on with the approved change; its findings and the alert topic say how it ends.'
        : 'The execution closes the plan without changing anything; its findings say it was rejected.',
    );
  }
}

/** The waiting plans: a table for a person, or `{ plans: [...] }` for a script. */
export function printPending(
  print: Print,
  plans: readonly PendingPlan[],
  options: { readonly json: boolean; readonly location: ApprovalsLocation },
): void {
  if (options.json) {
    print(JSON.stringify({ table: options.location.table, region: options.location.region, plans }, null, 2));
    return;
  }
  if (plans.length === 0) {
    print(`No plan is waiting for approval in ${options.location.table} (${options.location.region}).`);
    return;
  }
  print(
    `${plans.length} ${plans.length === 1 ? 'plan is' : 'plans are'} waiting for approval, the oldest first:`,
  );
  for (const plan of plans) {
    const line = (label: string, text: string) => print(`    ${`${label}:`.padEnd(11)}${text}`);
    print('');
    print(`  ${plan.resource}`);
    line('Controls', plan.controls.join(', ') || 'unknown');
    if (plan.summary) line('Plan', plan.summary);
    line(
      'Age',
      plan.ageSeconds === undefined ? 'unknown' : `${formatAge(plan.ageSeconds)} (since ${plan.plannedAt})`,
    );
    line('Expires', plan.expires);
    line('Execution', plan.plan);
    line('Approve', plan.approve);
    line('Reject', `${plan.reject} [--reason <text>]`);
  }
  print('');
  print(`Again: ${listPendingCommand(options.location)}`);
}
