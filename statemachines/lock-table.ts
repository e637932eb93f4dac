/**
 * Attribute names of the per-resource lock table, shared by the planning Lambda (which takes the lock)
 * and the state machine (which releases it). Kept apart from the definition so the Lambda bundle does
 * not pull the definition in.
 */
export const LOCK_TABLE_KEY = 'lockKey';
export const LOCK_OWNER_ATTRIBUTE = 'ownerExecutionArn';
/** Number attribute (epoch seconds) that DynamoDB's TTL sweeps on. */
export const LOCK_EXPIRY_ATTRIBUTE = 'expiresAt';
