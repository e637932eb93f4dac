/**
 * The closing of a plan whose approval window closed, told truthfully. A click records its decision on
 * the plan's item (PENDING -> APPROVED or REJECTED) before it completes the waiting task; when that
 * SendTaskSuccess or SendTaskFailure never gets through (throttled past every retry, the click in the
 * custom action's on-failure queue), the wait ends at the deadline all the same. The item says whether
 * someone decided: only when nobody did does the finding say "Nobody approved".
 *
 * Every path ends in the plan's closing (ReadPlanFindings) with nothing changed.
 */

import { APPROVAL_STATUS_ATTRIBUTE, APPROVAL_TABLE_KEY } from '../stacks/approval-table-schema.js';
import { type ChoiceCondition, type State, sdkIntegration } from './amazon-states-language.js';
import { closingStatus } from './ocsf-plan-notes.js';
import { catchAll, placeholder, RECREATE_PLACEHOLDERS, retryTransient } from './state-builders.js';

/** The attribute a click writes with its decision (handlers/shared/approval-record.ts). */
const DECIDED_AT_ATTRIBUTE = 'decidedAt';
const STATUS = `$.expiredPlan.Item.${APPROVAL_STATUS_ATTRIBUTE}.S`;
const DECIDED_AT = `$.expiredPlan.Item.${DECIDED_AT_ATTRIBUTE}.S`;

const recorded = (status: 'APPROVED' | 'REJECTED'): ChoiceCondition => ({
  And: [
    { Variable: STATUS, IsPresent: true },
    { Variable: STATUS, StringEquals: status },
    { Variable: DECIDED_AT, IsPresent: true },
  ],
});

/** A closing of an expired plan: its note (<= 512 characters, measured by message-limits.ts) and alert. */
function expiredClosing(note: string, message: string): State {
  return {
    Type: 'Pass',
    Parameters: {
      ...closingStatus('NOTIFIED'),
      outcome: 'APPROVAL_EXPIRED',
      'note.$': note,
      'subject.$': "States.Format('SageMaker {} expired: {}', $.plan.recreate.noun, $.plan.notebook.name)",
      'message.$': message,
    },
    ResultPath: '$.closing',
    Next: 'ReadPlanFindings',
  };
}

/** The states after WaitForApproval's States.Timeout; `nobodyDecided` is the closing when no click was recorded. */
export function expiryStates(nobodyDecided: string): Record<string, State> {
  return {
    ReadExpiredPlan: {
      Type: 'Task',
      Comment: 'The window closed: did a click record a decision that never reached the wait?',
      Resource: sdkIntegration('dynamodb', 'getItem'),
      Parameters: {
        TableName: placeholder(RECREATE_PLACEHOLDERS.approvalTableName),
        Key: { [APPROVAL_TABLE_KEY]: { 'S.$': '$.plan.recreate.approvalKey' } },
        ConsistentRead: true,
        ProjectionExpression: '#status, #decidedAt',
        ExpressionAttributeNames: {
          '#status': APPROVAL_STATUS_ATTRIBUTE,
          '#decidedAt': DECIDED_AT_ATTRIBUTE,
        },
      },
      // The whole (projected) output: a missing item must not break the path.
      ResultPath: '$.expiredPlan',
      TimeoutSeconds: 60,
      Retry: retryTransient('dynamodb'),
      Catch: catchAll('PrepareUnreadExpiryClosing', '$.expiredPlanError'),
      Next: 'DecideExpiredPlan',
    },
    DecideExpiredPlan: {
      Type: 'Choice',
      Choices: [
        { ...recorded('APPROVED'), Next: 'PrepareUndeliveredApprovalClosing' },
        { ...recorded('REJECTED'), Next: 'PrepareUndeliveredRejectionClosing' },
      ],
      Default: nobodyDecided,
    },
    PrepareUndeliveredApprovalClosing: expiredClosing(
      "States.Format('The {} was approved, but the approval did not reach the workflow before the approval window closed, so the plan expired and nothing was changed. Use Remediate now to plan it again.', $.plan.recreate.what)",
      `States.Format('The {} was approved at {}, but the approval did not reach the workflow before the approval window closed (the click is in the on-failure queue of the custom action function; replaying it now changes nothing). Nothing was changed.\n\nResource: {}\nPlan: {}\nExecution: {}', $.plan.recreate.what, ${DECIDED_AT}, $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)`,
    ),
    PrepareUndeliveredRejectionClosing: expiredClosing(
      "States.Format('The {} was rejected, and the plan expired before the rejection reached the workflow. Nothing was changed. Set this finding back to NEW, or use Remediate now, to plan it again.', $.plan.recreate.what)",
      `States.Format('The {} was rejected at {}; the rejection did not reach the workflow before the approval window closed. Nothing was changed.\n\nResource: {}\nPlan: {}\nExecution: {}', $.plan.recreate.what, ${DECIDED_AT}, $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)`,
    ),
    PrepareUnreadExpiryClosing: expiredClosing(
      "States.Format('The approval window for the {} closed before any decision reached the workflow, so the plan expired and nothing was changed. Use Remediate now to plan it again.', $.plan.recreate.what)",
      "States.Format('The approval window for the {} closed before any decision reached the workflow; whether someone clicked could not be read from the plan. Nothing was changed.\n\nResource: {}\nPlan: {}\nExecution: {}', $.plan.recreate.what, $.plan.notebook.arn, $.plan.recreate.summary, $$.Execution.Id)",
    ),
  };
}
