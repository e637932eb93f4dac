/**
 * The item layout of the approval table: one item per notebook whose recreation waits for a human.
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

/** Where the approval stands (the values are the workflow's to define). */
export const APPROVAL_STATUS_ATTRIBUTE = 'status';

/** ARN of the execution that waits, for the notes and the audit trail. */
export const APPROVAL_EXECUTION_ARN_ATTRIBUTE = 'executionArn';

/** Ids of the findings the plan was made for (its own; siblings that join later are kept on the lock item). */
export const APPROVAL_FINDING_IDS_ATTRIBUTE = 'findingIds';

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
