/**
 * The approvals command (bin/approvals.ts) as the approval request gives it: approve or reject a plan
 * from a terminal, through the same approval record and task token as the Security Hub custom actions.
 * Writer (the approval message) and reader (the command's own "run this" lines) share these builders,
 * so what the alert says is what the command accepts.
 *
 * The table and region are the deployment's (where its approval table and state machine are), which
 * for a finding of a member account or linked Region is not the finding's own.
 */

/** How the command starts, from the repository root. */
export const APPROVALS_TOOL = 'npx tsx bin/approvals.ts';

/** The stack output that names the approval table (the command's `--table`). */
export const APPROVAL_TABLE_OUTPUT = 'ApprovalTableName';

/** Where the plans of a deployment are. */
export interface ApprovalsLocation {
  /** The approval table's name. */
  readonly table: string;
  /** The deployment's region. */
  readonly region: string;
}

/** A plan named either way the command accepts. */
export type PlanSelector = { readonly findingId: string } | { readonly resourceArn: string };

/** Arguments as a POSIX shell takes them: the printed commands must paste as they are. */
export function shellArgument(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `npx tsx bin/approvals.ts approve --finding <id> --table <table> --region <region>`. */
export function approvalCommand(
  verdict: 'approve' | 'reject',
  plan: PlanSelector,
  location: ApprovalsLocation,
): string {
  const selector =
    'findingId' in plan
      ? `--finding ${shellArgument(plan.findingId)}`
      : `--resource ${shellArgument(plan.resourceArn)}`;
  return `${APPROVALS_TOOL} ${verdict} ${selector} --table ${shellArgument(location.table)} --region ${shellArgument(location.region)}`;
}

/** `npx tsx bin/approvals.ts list-pending --table <table> --region <region>`. */
export function listPendingCommand(location: ApprovalsLocation): string {
  return `${APPROVALS_TOOL} list-pending --table ${shellArgument(location.table)} --region ${shellArgument(location.region)}`;
}

/**
 * The lines the approval message adds after the custom-action instructions: the two commands for the
 * finding the plan was made for (any finding of the plan works), run as a role with the stack's
 * ApprovalOperatorPolicyArn policy in the deployment's account.
 */
export function approvalCommandLines(findingId: string, location: ApprovalsLocation): string[] {
  return [
    'Or from a terminal, as a role of this account with the stack policy ApprovalOperatorPolicyArn (reject takes --reason):',
    `  ${approvalCommand('approve', { findingId }, location)}`,
    `  ${approvalCommand('reject', { findingId }, location)}`,
  ];
}

/**
 * The approval request's message with the commands added right after the paragraph of the custom-action
 * instructions (`To approve or reject: ...`), or at its end when it has none.
 */
export function withApprovalCommands<T extends { readonly approvalMessage: string }>(
  details: T,
  findingId: string,
  location: ApprovalsLocation,
): T {
  const lines = details.approvalMessage.split('\n');
  const instructions = lines.findIndex((line) => line.startsWith('To approve or reject:'));
  const paragraphEnd = instructions < 0 ? -1 : lines.indexOf('', instructions);
  const at = instructions < 0 || paragraphEnd < 0 ? lines.length : paragraphEnd;
  const added = ['', ...approvalCommandLines(findingId, location)];
  return { ...details, approvalMessage: [...lines.slice(0, at), ...added, ...lines.slice(at)].join('\n') };
}
