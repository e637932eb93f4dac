/**
 * bin/approvals.ts deciding a SageMaker.1 recreation from a terminal, in the simulated account that
 * authorizes every call: the approval alert gives the commands, and an approver runs them exactly as
 * given, as a role holding only the stack's approval operator policy. The same record, decision and
 * task token as the custom actions; the approver's ARN is what the record and the rejection note keep.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../bin/approvals/arguments.js';
import {
  APPROVAL_OPERATOR_POLICY_OUTPUT,
  type ApprovalOperator,
  createApprovalOperator,
} from '../../simulation/runner/approval-operator.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { restoreOperatorPolicyArn } from '../../simulation/runner/restore-operator.js';
import { approvalKeyFor } from '../../stacks/approval-table-schema.js';
import { findingsFor, givenExposedNotebook } from './recreation-fixtures.js';
import {
  alertOutcomes,
  alerts,
  changesMade,
  findingNow,
  notebookNow,
  takeDeniedCalls,
} from './workflow-fixtures.js';

interface Scenario {
  readonly deployment: LocalDeployment;
  readonly finding: AwsSecurityFinding;
  readonly operator: ApprovalOperator;
}

/** Given a running notebook failing SageMaker.1 whose recreation plan waits for approval. */
function givenRecreationAwaitingApproval(): Scenario {
  const { deployment } = givenExposedNotebook({ modes: { 'SageMaker.1': 'approval' } });
  const [finding] = findingsFor(['SageMaker.1']) as [AwsSecurityFinding];
  deployment.importFinding(finding);
  return { deployment, finding, operator: createApprovalOperator(deployment) };
}

/** The arguments of the approval alert's `approve` or `reject` command, exactly as it gives them. */
function alertCommand(deployment: LocalDeployment, verdict: 'approve' | 'reject'): string[] {
  const message = alerts(deployment).find(
    (alert) => alert.MessageAttributes?.outcome?.StringValue === 'AWAITING_APPROVAL',
  )?.Message;
  const line = new RegExp(`npx tsx bin/approvals\\.ts (${verdict} .*)$`, 'm').exec(message ?? '')?.[1];
  if (!line) throw new Error(`no ${verdict} command in the approval alert: ${message}`);
  // The finding id, table and region are shell-safe: the command quotes nothing.
  return line.split(' ');
}

/** `work` runs `afterMinutes` of simulated time from now (the execution waits meanwhile). */
function later<T>(deployment: LocalDeployment, afterMinutes: number, work: () => Promise<T>): Promise<T> {
  return deployment.account.clock.sleep(afterMinutes * 60_000).then(work);
}

function approvalItems(deployment: LocalDeployment): Record<string, unknown>[] {
  return deployment.account.dynamodb
    .scanTable(deployment.settings.recreate?.approvalTableName ?? '')
    .map((item) => unmarshall(item as Record<string, AttributeValue>));
}

/** The statements of the approval operator policy that allowed the operator's calls, and any call it did not allow. */
function operatorAuthorizations(deployment: LocalDeployment, operator: ApprovalOperator) {
  const policyArn = restoreOperatorPolicyArn(deployment, APPROVAL_OPERATOR_POLICY_OUTPUT);
  const mine = deployment.account.authorizations.filter(
    (record) => record.caller.roleArn === operator.caller.roleArn,
  );
  const byPolicy = (record: (typeof mine)[number]) =>
    record.allowedBy.filter((statement) => statement.startsWith(`${policyArn}#`));
  return {
    actions: [...new Set(mine.map((record) => record.action))].sort(),
    usedStatements: [
      ...new Set(mine.flatMap(byPolicy).map((statement) => statement.slice(policyArn.length + 1))),
    ].sort(),
    beyondPolicy: mine.filter((record) => byPolicy(record).length === 0).map((record) => record.action),
  };
}

describe('approvals command: a SageMaker.1 recreation decided from a terminal', () => {
  it("Given a recreation waiting for approval, When the approver runs the alert's approve command as a role with only the approval operator policy, Then the record keeps the approver's ARN, the notebook is recreated once and the finding is RESOLVED", async () => {
    const { deployment, finding, operator } = givenRecreationAwaitingApproval();
    let recordAfterApproval: Record<string, unknown> | undefined;

    const approved = later(deployment, 10, async () => {
      const run = await operator.run(alertCommand(deployment, 'approve'));
      recordAfterApproval = approvalItems(deployment)[0];
      return run;
    });
    const executions = await deployment.settle();
    const result = await approved;

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.out).toContain(
      `Approved the plan for ${approvalKeyFor(finding.Resources?.[0]?.Id ?? '')}.`,
    );
    expect(result.out).toContain(`Decided by: ${operator.arn} at 2026-11-23T09:10:`);
    // The record says who decided, as the custom action's says which click
    expect(recordAfterApproval).toMatchObject({ status: 'APPROVED', decidedBy: operator.arn });
    expect(operator.arn).toBe(
      `arn:aws:sts::${deployment.account.accountId}:assumed-role/SecurityApprover/alice`,
    );
    // The workflow went on: one recreation, the fix in place, the finding resolved
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      DirectInternetAccess: 'Disabled',
      NotebookInstanceStatus: 'InService',
    });
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    // Only the policy's three statements were needed, for exactly these calls
    const authorizations = operatorAuthorizations(deployment, operator);
    expect(authorizations.beyondPolicy).toEqual([]);
    expect(authorizations.usedStatements).toEqual([
      'AnswerApprovalTasks',
      'ApprovalRecords',
      'ApprovalTableKey',
    ]);
    expect(authorizations.actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'states:SendTaskSuccess',
    ]);
  });

  it("Given a recreation waiting for approval, When the approver runs the alert's reject command with a reason, Then nothing changes and the finding's note names the approver and the reason", async () => {
    const { deployment, finding, operator } = givenRecreationAwaitingApproval();

    const rejected = later(deployment, 10, () =>
      operator.run([...alertCommand(deployment, 'reject'), '--reason', 'not during the quarter close']),
    );
    const [execution] = await deployment.settle();
    const result = await rejected;

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(changesMade(deployment)).toEqual([]);
    expect(alertOutcomes(deployment)).toContain('REJECTED');
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('NOTIFIED');
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      `was rejected (Rejected by ${operator.arn}: not during the quarter close)`,
    );
    expect(operatorAuthorizations(deployment, operator).actions).toContain('states:SendTaskFailure');
  });

  it('Given a recreation waiting for approval, When the approver lists the pending plans, Then the plan shows with its resource, control, age, expiry and the exact commands of the alert', async () => {
    const { deployment, finding, operator } = givenRecreationAwaitingApproval();
    const table = deployment.settings.recreate?.approvalTableName ?? '';
    const where = ['--table', table, '--region', deployment.account.region];

    const listed = later(deployment, 90, async () => ({
      json: await operator.run(['list-pending', ...where, '--json']),
      text: await operator.run(['list-pending', ...where]),
      alert: alertCommand(deployment, 'approve'),
      reject: alertCommand(deployment, 'reject'),
    }));
    await deployment.settle();
    const { json, text, alert, reject } = await listed;

    expect(json.exitCode).toBe(EXIT_OK);
    const listing = JSON.parse(json.out) as { plans: Array<Record<string, unknown>> };
    expect(listing.plans).toHaveLength(1);
    expect(listing.plans[0]).toMatchObject({
      resource: approvalKeyFor(finding.Resources?.[0]?.Id ?? ''),
      controls: ['SageMaker.1'],
      findings: [finding.Id],
      ageSeconds: expect.any(Number),
      approve: `npx tsx bin/approvals.ts ${alert.join(' ')}`,
      reject: `npx tsx bin/approvals.ts ${reject.join(' ')}`,
    });
    expect(listing.plans[0]?.ageSeconds).toBeGreaterThanOrEqual(89 * 60);
    expect(listing.plans[0]?.expires).toMatch(/^2026-11-30T09:00:/);
    expect(text.out).toContain('1 plan is waiting for approval');
    expect(text.out).toContain('Controls:  SageMaker.1');
    // Planned as the finding arrived (09:00:00.2), listed at 10:30
    expect(text.out).toContain('Age:       1h 29m (since 2026-11-23T09:00:00');
    expect(text.out).toContain(`npx tsx bin/approvals.ts ${alert.join(' ')}`);
    // Listing changes nothing: the plan still waits, and expires untouched
    expect(changesMade(deployment)).toEqual([]);
  });

  it('Given a recreation approved with the command, When the same approver and then another run approve again, Then nothing more is changed and each is told it was already approved', async () => {
    const { deployment, operator } = givenRecreationAwaitingApproval();
    const other = createApprovalOperator(deployment, { roleName: 'OtherApprover', sessionName: 'bob' });

    const runs = later(deployment, 10, async () => {
      const args = alertCommand(deployment, 'approve');
      const first = await operator.run(args);
      const again = await operator.run(args);
      const byOther = await other.run(args);
      return { first, again, byOther };
    });
    await deployment.settle();
    const { first, again, byOther } = await runs;

    expect(first.exitCode).toBe(EXIT_OK);
    // The same identity: the decision is sent again, and Step Functions says the task is gone
    expect(again.exitCode).toBe(EXIT_FAILED);
    expect(again.out).toContain('Already approved by you at 2026-11-23T09:10:');
    expect(again.out).toContain(
      'the execution is no longer waiting (TaskDoesNotExist). Nothing was changed.',
    );
    // Anyone else: the custom action's own sentence
    expect(byOther.exitCode).toBe(EXIT_FAILED);
    expect(byOther.err).toMatch(
      /^error: Nothing to approve: .* was already approved at 2026-11-23T09:10:.*Nothing was changed\.$/,
    );
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(operatorAuthorizations(deployment, other).actions).not.toContain('dynamodb:UpdateItem');
  });

  it('Given a recreation waiting for approval, When the approver gives a finding id no plan lists, Then the command says so and names the options, and nothing is changed', async () => {
    const { deployment, finding, operator } = givenRecreationAwaitingApproval();
    const wrongId = (finding.Id ?? '').replace(
      /finding\/.*$/,
      'finding/00000000-0000-0000-0000-000000000000',
    );

    const result = await later(deployment, 10, () => {
      const args = alertCommand(deployment, 'approve');
      args[args.indexOf('--finding') + 1] = wrongId;
      return operator.run(args);
    });

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.out).toBe('');
    expect(result.err).toContain(
      `error: no plan in table ${deployment.settings.recreate?.approvalTableName} lists finding ${wrongId}`,
    );
    expect(result.err).toContain('--finding');
    expect(result.err).toContain('--resource <arn>');
    expect(operatorAuthorizations(deployment, operator).actions).toEqual(['dynamodb:Scan', 'kms:Decrypt']);
    expect(approvalItems(deployment)[0]).toMatchObject({ status: 'PENDING' });
  });

  it('Given a role without the approval operator policy, When it runs the approve command, Then the table refuses the read, the error names the policy to attach, and the plan still waits', async () => {
    const { deployment } = givenRecreationAwaitingApproval();
    const stranger = createApprovalOperator(deployment, { roleName: 'Stranger', withPolicy: false });

    const result = await later(deployment, 10, () => stranger.run(alertCommand(deployment, 'approve')));

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toMatch(/^error: AccessDeniedException: .*ApprovalOperatorPolicyArn/);
    expect(takeDeniedCalls(deployment)).toEqual([
      `Stranger dynamodb:Scan arn:aws:dynamodb:${deployment.account.region}:${deployment.account.accountId}:table/${deployment.settings.recreate?.approvalTableName}`,
    ]);
    expect(approvalItems(deployment)[0]).toMatchObject({ status: 'PENDING' });
  });
});
