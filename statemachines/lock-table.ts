/**
 * Attribute names of the per-resource lock table, shared by the planning Lambda (which takes the lock)
 * and the state machine (which releases it). Kept apart from the definition so the Lambda bundle does
 * not pull the definition in.
 */
export const LOCK_TABLE_KEY = 'lockKey';
export const LOCK_OWNER_ATTRIBUTE = 'ownerExecutionArn';
/** Number attribute (epoch seconds) that DynamoDB's TTL sweeps on. */
export const LOCK_EXPIRY_ATTRIBUTE = 'expiresAt';
/** The remediation the holder runs (string): a sibling finding only joins a recreation. */
export const LOCK_REMEDIATION_ATTRIBUTE = 'remediation';
/**
 * Every finding the holder resolves at the end (list of maps {Id, ProductArn}): its own and the
 * sibling findings that joined its plan. The state machine reads it back to close them all.
 */
export const LOCK_FINDINGS_ATTRIBUTE = 'findings';
