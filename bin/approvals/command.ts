/**
 * The core of bin/approvals.ts: approve or reject a plan waiting for approval, or list the waiting
 * ones. Everything it talks to comes in as dependencies, so the tests run it against the simulated
 * account, as an operator role holding only the stack's approval operator policy.
 *
 * approve and reject take the Security Hub custom actions' path (handlers/custom-action.ts), with
 * their own functions: read the plan's record consistently (approval-record.ts), decide with
 * decideApproval (custom-action-event.ts), move PENDING to APPROVED or REJECTED with the same
 * conditional update (so a double run, a click or the approval window racing it decides once), then
 * complete the waiting task with the token kept in the table. Where the custom action records the
 * click's event id, this records the caller's ARN. The token is never printed.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ApprovalRecord,
  type RecordRead,
  readApprovalRecord,
  recordApprovalDecision,
} from '../../handlers/shared/approval-record.js';
import { errorName } from '../../handlers/shared/aws-errors.js';
import { decideApproval, REJECTION_ERROR } from '../../handlers/shared/custom-action-event.js';
import { approvalNotes, TASK_GONE_ERRORS } from '../../handlers/shared/custom-action-outcomes.js';
import type { DocumentClient } from '../../handlers/shared/notebook-locks.js';
import { approvalKeyFor } from '../../stacks/approval-table-schema.js';
import { Refusal } from '../restore-notebook/refusal.js';
import {
  type ApprovalsOptions,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  parseApprovalsArguments,
  printHelpOrUsageError,
} from './arguments.js';
import {
  approvalOutput,
  pendingPlans,
  plansListing,
  readScannedPlans,
  rejectionCause,
  resourceNameOf,
  type ScannedPlan,
} from './plan.js';
import { describeAwsError, printDecided, printPending } from './report.js';

export interface ApprovalsDependencies {
  /** The approval table, through the document client (@aws-sdk/lib-dynamodb). */
  readonly dynamodb: DocumentClient;
  readonly sfn: Pick<SFNClient, 'send'>;
  /** The ARN of the credentials the calls are made with (STS GetCallerIdentity): who decided. */
  readonly identity: () => Promise<string>;
  readonly now: () => Date;
  /** The report (stdout). */
  readonly print: (line: string) => void;
  /** Errors and refusals (stderr); `print` when not given. */
  readonly printError?: (line: string) => void;
}

export interface ApprovalsCommand {
  /** Runs the command with these command-line arguments; resolves with the exit status. */
  run(args: readonly string[]): Promise<number>;
}

type Decide = Extract<ApprovalsOptions, { command: 'approve' | 'reject' }>;

export function createApprovalsCommand(deps: ApprovalsDependencies): ApprovalsCommand {
  const { dynamodb, sfn, print, now } = deps;
  const printError = deps.printError ?? print;

  async function run(args: readonly string[]): Promise<number> {
    const parsed = parseApprovalsArguments(args);
    if (parsed.kind !== 'options') return printHelpOrUsageError(parsed, { print, printError });
    const { options } = parsed;
    try {
      return options.command === 'list-pending' ? await listPending(options) : await decide(options);
    } catch (error) {
      if (error instanceof Refusal) {
        printError(`error: ${error.message}`);
        return error.exitCode;
      }
      printError(`error: ${describeAwsError(error, options.profile)}`);
      return EXIT_FAILED;
    }
  }

  /** Every plan item, read consistently (a plan that just started waiting must show). */
  async function scanPlans(table: string): Promise<ReturnType<typeof readScannedPlans>> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamodb.send(
        new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (startKey);
    return readScannedPlans(items);
  }

  async function listPending(
    options: Extract<ApprovalsOptions, { command: 'list-pending' }>,
  ): Promise<number> {
    const location = { table: options.table, region: options.region };
    const { plans, unreadable } = await scanPlans(options.table);
    const pending = pendingPlans(plans, now(), location);
    printPending(print, pending, { json: options.json, location });
    for (const problem of unreadable)
      printError(`warning: a plan item cannot be read, so it is not listed: ${problem}`);
    return EXIT_OK;
  }

  /** The approval table key of the plan the options name; bad input (no such plan) is a usage refusal. */
  async function planKey(options: Decide): Promise<string> {
    if ('resourceArn' in options.plan) return approvalKeyFor(options.plan.resourceArn);
    const { findingId } = options.plan;
    const { plans } = await scanPlans(options.table);
    const listing: ScannedPlan[] = plansListing(plans, findingId);
    if (listing.length === 1 && listing[0]) return listing[0].key;
    if (listing.length > 1) {
      throw new Refusal(
        `${listing.length} plans list finding ${findingId} (${listing.map((plan) => plan.key).join(', ')}): name the one to ${options.command} with --resource <arn>. Nothing was changed.`,
        EXIT_USAGE,
      );
    }
    throw new Refusal(
      `no plan in table ${options.table} lists finding ${findingId}: give --finding the finding id exactly as the approval request gives it, or --resource <arn>. A plan that was decided and closed is no longer in the table. list-pending shows the plans waiting. Nothing was changed.`,
      EXIT_USAGE,
    );
  }

  async function decide(options: Decide): Promise<number> {
    const action = options.command;
    const past = action === 'approve' ? 'APPROVED' : 'REJECTED';
    let who: string;
    try {
      who = await deps.identity();
    } catch (error) {
      throw new Refusal(
        `cannot tell who is running this (STS GetCallerIdentity failed: ${describeAwsError(error, options.profile)}), and a decision must record who made it. Nothing was changed.`,
      );
    }
    const key = await planKey(options);
    const name = resourceNameOf(key);
    const read = await readApprovalRecord(dynamodb, options.table, key);
    const record = trusted(read, key);
    if (!record && 'resourceArn' in options.plan) {
      // Nothing for that resource: the same sentence a click gets, as bad input (nothing changed).
      const verdict = decideApproval(action, name, undefined, now());
      throw new Refusal(verdict.kind === 'annotate' ? verdict.note : `no plan for ${key}`, EXIT_USAGE);
    }

    // Decided by this very identity already, and not delivered (or delivered: the task is then gone):
    // send it again, as the custom action finishes a redelivered click.
    if (record && record.decidedBy === who && record.approval.status === past) {
      const decidedAt = record.approval.decidedAt ?? now().toISOString();
      const gone = await completeTask(options, record, who, decidedAt);
      printDecided(print, { action, key, record, who, decidedAt, resent: true, ...(gone ? { gone } : {}) });
      // Delivered now (the first run's delivery had failed), or nothing changed at all.
      return gone ? EXIT_FAILED : EXIT_OK;
    }

    const at = now();
    const verdict = decideApproval(action, name, record?.approval, at);
    if (verdict.kind === 'annotate') throw new Refusal(verdict.note);
    if (!record) throw new Error('decideApproval decided without a record');

    const recorded = await recordApprovalDecision(dynamodb, {
      table: options.table,
      key,
      verdict: verdict.kind,
      executionArn: verdict.approval.executionArn,
      eventId: who,
      at,
    });
    if (!recorded) {
      // Lost a race (a click, the window, a new plan): say what the record holds now.
      const fresh = await readApprovalRecord(dynamodb, options.table, key);
      const again = decideApproval(
        action,
        name,
        fresh.kind === 'found' ? fresh.record.approval : undefined,
        at,
      );
      throw new Refusal(
        again.kind === 'annotate'
          ? again.note
          : approvalNotes.planChanged(action, name, again.approval.executionArn),
      );
    }

    const decidedAt = at.toISOString();
    let gone: string | undefined;
    try {
      gone = await completeTask(options, record, who, decidedAt);
    } catch (error) {
      throw new Refusal(
        `the plan is recorded ${past} by you, but the waiting execution ${record.approval.executionArn} was not told: ${describeAwsError(error, options.profile)}. Run the same command again: it sends the decision again.`,
      );
    }
    if (gone) {
      throw new Refusal(
        approvalNotes.executionGone(action, name, record.approval.executionArn, decidedAt, gone),
      );
    }
    printDecided(print, { action, key, record, who, decidedAt, resent: false });
    return EXIT_OK;
  }

  /** The record, or undefined when absent; a record that cannot be trusted stops here. */
  function trusted(read: RecordRead, key: string): ApprovalRecord | undefined {
    if (read.kind === 'found') return read.record;
    if (read.kind === 'absent') return undefined;
    throw new Refusal(
      `the approval record ${key} is malformed (${read.problems.join('; ')}), so nothing was decided and nothing was changed. The plan keeps waiting until its approval window closes.`,
    );
  }

  /** Completes the waiting task; the SFN error name when the task is gone (timed out, stopped, ended). */
  async function completeTask(
    options: Decide,
    record: ApprovalRecord,
    who: string,
    decidedAt: string,
  ): Promise<string | undefined> {
    try {
      if (options.command === 'approve') {
        await sfn.send(
          new SendTaskSuccessCommand({ taskToken: record.taskToken, output: approvalOutput(who, decidedAt) }),
        );
      } else {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: record.taskToken,
            error: REJECTION_ERROR,
            cause: rejectionCause(who, options.reason),
          }),
        );
      }
      return undefined;
    } catch (error) {
      if (TASK_GONE_ERRORS.has(errorName(error))) return errorName(error);
      throw error;
    }
  }

  return { run };
}
