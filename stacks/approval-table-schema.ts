/**
 * The item layout of the approval table: one item per notebook with a recreation plan, from the
 * moment it is planned (PLANNED), through the wait for a human (PENDING, with the task token), to the
 * decision (APPROVED or REJECTED), until the plan is closed (the item is deleted). Every finding of
 * the notebook that the plan fixes is listed on it, so that each gets the plan's outcome.
 *
 * No CDK imports: the Lambda handlers and the simulated account import these names, and the table
 * construct (approval-table.ts) declares its key and TTL attribute from the very same constants.
 *
 * The Step Functions task token lives only here, server side. It is never written to the finding
 * (a note or user-defined field would let anyone who can read findings complete the wait).
 */

/** Partition key (string): the notebook instance ARN, lowercased. See approvalKeyFor. */
export const APPROVAL_TABLE_KEY = 'approvalKey';

/** The `.waitForTaskToken` token of the waiting execution (up to 2048 characters). */
export const APPROVAL_TOKEN_ATTRIBUTE = 'taskToken';

/** Where the plan stands: one of APPROVAL_STATUSES. */
export const APPROVAL_STATUS_ATTRIBUTE = 'status';

/**
 * PLANNED: planned, not yet waiting (no token yet); PENDING: waiting for a human, token stored;
 * APPROVED / REJECTED: decided by a custom action (once).
 */
export const APPROVAL_STATUSES = ['PLANNED', 'PENDING', 'APPROVED', 'REJECTED'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** ARN of the execution that waits, for the notes and the audit trail. */
export const APPROVAL_EXECUTION_ARN_ATTRIBUTE = 'executionArn';

/**
 * Every ASFF finding of the plan (list of maps {Id, ProductArn}): the one it was planned for and the
 * findings of the same notebook that joined it (an empty list when all are OCSF findings). The
 * workflow closes all of them, and those of APPROVAL_OCSF_FINDINGS_ATTRIBUTE, the same way.
 */
export const APPROVAL_FINDINGS_ATTRIBUTE = 'findings';

/**
 * The plan's OCSF findings of the new Security Hub (list of maps {CloudAccountUid, FindingInfoUid,
 * MetadataProductUid}, as BatchUpdateFindingsV2 identifies them), absent while there is none. Apart
 * from APPROVAL_FINDINGS_ATTRIBUTE, so that each list is closed by one call of the API of its format.
 */
export const APPROVAL_OCSF_FINDINGS_ATTRIBUTE = 'ocsfFindings';

/** At most this many findings per list of a plan: one BatchUpdateFindings(V2) call closes them all. */
export const MAX_PLAN_FINDINGS = 100;

/**
 * When the approval window closes (epoch seconds): a decision after it is refused. The item itself
 * lives longer (APPROVAL_EXPIRY_ATTRIBUTE), through the work that follows an approval.
 */
export const APPROVAL_DEADLINE_ATTRIBUTE = 'approvalDeadline';

/** What the plan will change and preserve, as shown in the note and the alert. */
export const APPROVAL_PLAN_SUMMARY_ATTRIBUTE = 'planSummary';

/**
 * Time to live: epoch seconds (a DynamoDB TTL attribute must be a Number in seconds). Set to the end
 * of the bounded wait; TTL deletion is lazy (typically within days), so readers must still compare
 * it with the current time and treat an expired item as absent.
 */
export const APPROVAL_EXPIRY_ATTRIBUTE = 'expiresAt';

/**
 * The partition key for a notebook. Notebook ARNs already lowercase the name; lowercasing the whole
 * ARN as well means an event, a finding and Describe output always map to the same item.
 */
export function approvalKeyFor(notebookInstanceArn: string): string {
  return notebookInstanceArn.toLowerCase();
}
