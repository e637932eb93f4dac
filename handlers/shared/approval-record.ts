/**
 * A recreation plan's item in the approval table, as an approve or reject click sees it: read
 * consistently, checked before it is trusted, and decided with one conditional update so that a
 * double click, a race with the approval window or a plan replaced meanwhile never decides twice.
 *
 * The task token stays inside ApprovalRecord: it is never logged or written to a finding.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import {
  APPROVAL_DEADLINE_ATTRIBUTE,
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_STATUSES,
  APPROVAL_TABLE_KEY,
  APPROVAL_TOKEN_ATTRIBUTE,
} from '../../stacks/approval-table-schema.js';
import { errorName } from './aws-errors.js';
import type { PendingApproval } from './custom-action-event.js';
import type { DocumentClient } from './notebook-locks.js';
import { describeIssues } from './validation.js';

const approvalItem = z
  .looseObject({
    // Absent while the plan is PLANNED: the execution has not started waiting yet.
    [APPROVAL_TOKEN_ATTRIBUTE]: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    [APPROVAL_STATUS_ATTRIBUTE]: z.enum(APPROVAL_STATUSES),
    [APPROVAL_EXECUTION_ARN_ATTRIBUTE]: z.string().check(z.minLength(1)),
    [APPROVAL_DEADLINE_ATTRIBUTE]: z.int(),
    [APPROVAL_FINDINGS_ATTRIBUTE]: z.optional(z.array(z.looseObject({ Id: z.string() }))),
    [APPROVAL_OCSF_FINDINGS_ATTRIBUTE]: z.optional(z.array(z.looseObject({ FindingInfoUid: z.string() }))),
    decidedAt: z.optional(z.string()),
    decidedBy: z.optional(z.string()),
  })
  .check(
    // A waiting plan without its token could never be answered: refuse it rather than send ''.
    z.refine(
      (item) => item[APPROVAL_STATUS_ATTRIBUTE] !== 'PENDING' || item[APPROVAL_TOKEN_ATTRIBUTE] !== undefined,
      { message: 'a PENDING plan must hold its task token', path: [APPROVAL_TOKEN_ATTRIBUTE] },
    ),
  );

/** An approval item as read from the table. */
export interface ApprovalRecord {
  readonly approval: PendingApproval;
  /** '' while the plan is PLANNED. */
  readonly taskToken: string;
  /** Who decided it, if decided: the custom action event's id, or the ARN that ran bin/approvals.ts. */
  readonly decidedBy?: string;
}

export type RecordRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'found'; readonly record: ApprovalRecord }
  | { readonly kind: 'unreadable'; readonly problems: readonly string[] };

/** The item as a record, or every problem that keeps it from being trusted (the token never in them). */
export function parseApprovalItem(item: Record<string, unknown> | undefined): RecordRead {
  if (!item) return { kind: 'absent' };
  const parsed = approvalItem.safeParse(item);
  if (!parsed.success) return { kind: 'unreadable', problems: describeIssues(parsed.error, 'item.') };
  const data = parsed.data;
  return {
    kind: 'found',
    record: {
      approval: {
        executionArn: data[APPROVAL_EXECUTION_ARN_ATTRIBUTE],
        findingIds: [
          ...(data[APPROVAL_FINDINGS_ATTRIBUTE] ?? []).map((finding) => finding.Id),
          ...(data[APPROVAL_OCSF_FINDINGS_ATTRIBUTE] ?? []).map((finding) => finding.FindingInfoUid),
        ],
        status: data[APPROVAL_STATUS_ATTRIBUTE],
        approvalDeadline: data[APPROVAL_DEADLINE_ATTRIBUTE],
        ...(data.decidedAt ? { decidedAt: data.decidedAt } : {}),
      },
      taskToken: data[APPROVAL_TOKEN_ATTRIBUTE] ?? '',
      ...(data.decidedBy ? { decidedBy: data.decidedBy } : {}),
    },
  };
}

/** The notebook's plan item, read consistently (a click right after the wait began must see it). */
export async function readApprovalRecord(
  dynamodb: DocumentClient,
  table: string,
  key: string,
): Promise<RecordRead> {
  const response = await dynamodb.send(
    new GetCommand({ TableName: table, Key: { [APPROVAL_TABLE_KEY]: key }, ConsistentRead: true }),
  );
  return parseApprovalItem(response.Item);
}

export interface DecisionRequest {
  readonly table: string;
  readonly key: string;
  readonly verdict: 'approve' | 'reject';
  /** The plan the click decided on: a plan replaced meanwhile is not decided. */
  readonly executionArn: string;
  readonly eventId: string;
  readonly at: Date;
}

/**
 * PENDING -> APPROVED/REJECTED, only for this very plan while its window is open. False when the
 * condition failed: another click, the window, or a new plan came first.
 */
export async function recordApprovalDecision(
  dynamodb: DocumentClient,
  request: DecisionRequest,
): Promise<boolean> {
  const decision = request.verdict === 'approve' ? ':approved' : ':rejected';
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: request.table,
        Key: { [APPROVAL_TABLE_KEY]: request.key },
        UpdateExpression: `SET #status = ${decision}, decidedAt = :now, decidedBy = :eventId`,
        ConditionExpression:
          '#status = :pending AND #deadline > :nowSeconds AND #executionArn = :executionArn',
        ExpressionAttributeNames: {
          '#status': APPROVAL_STATUS_ATTRIBUTE,
          '#deadline': APPROVAL_DEADLINE_ATTRIBUTE,
          '#executionArn': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          [decision]: request.verdict === 'approve' ? 'APPROVED' : 'REJECTED',
          ':pending': 'PENDING',
          ':now': request.at.toISOString(),
          ':eventId': request.eventId,
          ':nowSeconds': Math.floor(request.at.getTime() / 1000),
          ':executionArn': request.executionArn,
        },
      }),
    );
    return true;
  } catch (error) {
    if (errorName(error) === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
