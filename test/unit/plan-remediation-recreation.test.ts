import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, createPlan } from '../../handlers/shared/notebook-locks.js';
import { WORK_BUDGET_SECONDS } from '../../handlers/shared/work-budget.js';
import { MAX_PLAN_FINDINGS } from '../../stacks/approval-table-schema.js';
import {
  APPROVAL_SECONDS,
  describeCalls,
  disposeAccounts,
  documentClient,
  EXPOSED,
  executionNamed,
  givenAccount,
  identifier,
  internetFinding,
  itemsOf,
  markPlan,
  NOTEBOOK_KEY,
  planner,
  platformFinding,
  recreating,
  requestFor,
  rootFinding,
  START,
  START_SECONDS,
  vpcFinding,
} from './plan-fixtures.js';
import { EXECUTION } from './runtime-settings-fixture.js';

afterEach(disposeAccounts);

describe('PlanRemediation handler: one recreation plan per notebook, without the lock', () => {
  it('Given a notebook failing SageMaker.1, .2 and .3, When SageMaker.1 is planned, Then a PLANNED plan lists its finding with the approval deadline, and nothing is locked', async () => {
    // Given
    const account = givenAccount(EXPOSED);

    // When
    const result = await planner(account, { settings: recreating })(requestFor(internetFinding));

    // Then the recreation asks for approval before anything changes
    expect(result.plan.action).toBe('remediate');
    expect(result.plan.remediation).toBe('recreate-notebook');
    expect(result.plan.recreate.approvalExpiresAt).toBe(START_SECONDS + APPROVAL_SECONDS);
    expect(result.plan.recreate.fixes).toEqual(['SageMaker.1', 'SageMaker.2', 'SageMaker.3']);
    // And the plan's item holds it, living through the approval window and the work after it
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      {
        approvalKey: NOTEBOOK_KEY,
        status: 'PLANNED',
        executionArn: EXECUTION.id,
        findings: [identifier(internetFinding)],
        planSummary: result.plan.recreate.summary,
        plannedAt: START.toISOString(),
        approvalDeadline: START_SECONDS + APPROVAL_SECONDS,
        expiresAt: START_SECONDS + APPROVAL_SECONDS + WORK_BUDGET_SECONDS,
      },
    ]);
    expect(itemsOf(account, 'locks')).toEqual([]);
  });

  it('Given a PENDING plan for SageMaker.1, When the sibling SageMaker.2 is planned, Then it joins that plan (one plan, both findings) and changes nothing itself', async () => {
    // Given
    const account = givenAccount(EXPOSED);
    await planner(account, { settings: recreating })(requestFor(internetFinding));
    markPlan(account, 'PENDING');

    // When
    const sibling = executionNamed('sibling');
    const result = await planner(account, { settings: recreating })(requestFor(vpcFinding, sibling));

    // Then
    expect(result.plan.action).toBe('annotate');
    expect(result.plan.annotation.outcome).toBe('JOINED_PLAN');
    expect(result.plan.annotation.note).toContain(`(execution ${EXECUTION.id})`);
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({
        executionArn: EXECUTION.id,
        status: 'PENDING',
        findings: [identifier(internetFinding), identifier(vpcFinding)],
      }),
    ]);
    expect(itemsOf(account, 'locks')).toEqual([]);
  });

  it('Given a plan whose SageMaker.1 finding is re-imported by another execution, When it is planned, Then it is ignored: it is in the plan already', async () => {
    // Given
    const account = givenAccount(EXPOSED);
    await planner(account, { settings: recreating })(requestFor(internetFinding));

    // When
    const result = await planner(account, { settings: recreating })(
      requestFor(internetFinding, executionNamed('reimport')),
    );

    // Then
    expect(result.plan.action).toBe('ignore');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ findings: [identifier(internetFinding)] }),
    ]);
  });

  it('Given a plan already APPROVED and being carried out, When a sibling SageMaker.8 finding is planned, Then it joins the plan and gets its outcome', async () => {
    // Given
    const account = givenAccount({ ...EXPOSED, platformIdentifier: 'notebook-al2-v3' });
    await planner(account, { settings: recreating })(requestFor(internetFinding));
    markPlan(account, 'APPROVED');

    // When
    const result = await planner(account, { settings: recreating })(
      requestFor(platformFinding, executionNamed('late-sibling')),
    );

    // Then
    expect(result.plan.annotation.outcome).toBe('JOINED_PLAN');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ findings: [identifier(internetFinding), identifier(platformFinding)] }),
    ]);
  });

  it(`Given a plan that holds ${MAX_PLAN_FINDINGS} findings, When one more sibling is planned, Then it does not join and the note names the plan's execution`, async () => {
    // Given a plan filled to the bound (one BatchUpdateFindings call closes every finding of a plan)
    const account = givenAccount(EXPOSED);
    const client = documentClient(account);
    await createPlan(client, {
      table: 'remediation-approvals',
      key: NOTEBOOK_KEY,
      owner: 'arn:owner',
      finding: { Id: 'finding-0', ProductArn: internetFinding.ProductArn ?? '' },
      summary: 'full',
      now: START,
      approvalDeadline: new Date((START_SECONDS + 3600) * 1000),
      expiresAt: new Date((START_SECONDS + 7200) * 1000),
    });
    const findings = Array.from({ length: MAX_PLAN_FINDINGS }, (_, index) => ({
      M: { Id: { S: `finding-${index}` }, ProductArn: { S: internetFinding.ProductArn ?? '' } },
    }));
    account.dynamodb.updateItem({
      TableName: 'remediation-approvals',
      Key: { approvalKey: { S: NOTEBOOK_KEY } },
      UpdateExpression: 'SET findings = :all',
      ExpressionAttributeValues: { ':all': { L: findings } },
    });

    // When
    const result = await planner(account, { settings: recreating })(requestFor(vpcFinding));

    // Then
    expect(result.plan.annotation.outcome).toBe('ALREADY_IN_PROGRESS');
    expect(result.plan.annotation.note).toContain('execution arn:owner (finding finding-0)');
    const [plan] = itemsOf(account, 'remediation-approvals') as Array<{ findings: unknown[] }>;
    expect(plan?.findings).toHaveLength(MAX_PLAN_FINDINGS);
  });

  it('Given a plan whose item expired (its execution died), When SageMaker.1 is planned, Then a new plan replaces it', async () => {
    // Given
    const account = givenAccount(EXPOSED);
    await planner(account, { settings: recreating })(requestFor(internetFinding, executionNamed('died')));
    account.clock.advance((APPROVAL_SECONDS + WORK_BUDGET_SECONDS + 1) * 1000);

    // When
    const result = await planner(account, { settings: recreating })(requestFor(internetFinding));

    // Then
    expect(result.plan.remediation).toBe('recreate-notebook');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ executionArn: EXECUTION.id, status: 'PLANNED' }),
    ]);
  });
});

describe('PlanRemediation handler: root access is fixed at once, even beside a recreation plan', () => {
  it('Given a recreation of the notebook waiting for approval, When SageMaker.3 is planned, Then root access is fixed in place under the lock and the plan is left as it is', async () => {
    // Given
    const account = givenAccount(EXPOSED);
    await planner(account, { settings: recreating })(requestFor(internetFinding));
    markPlan(account, 'PENDING');
    const planBefore = itemsOf(account, 'remediation-approvals');

    // When
    const fix = executionNamed('root-access');
    const result = await planner(account, { settings: recreating })(requestFor(rootFinding, fix));

    // Then
    expect(result.plan.action).toBe('remediate');
    expect(result.plan.remediation).toBe('update-notebook');
    expect(itemsOf(account, 'locks')).toEqual([
      expect.objectContaining({ ownerExecutionArn: fix.id, remediation: 'update-notebook' }),
    ]);
    expect(itemsOf(account, 'remediation-approvals')).toEqual(planBefore);
  });

  it('Given an approved recreation holding the lock, When SageMaker.3 is planned, Then the finding joins that plan, which disables root access too', async () => {
    // Given the recreation approved and prepared: its plan APPROVED and the lock its own
    const account = givenAccount(EXPOSED);
    await planner(account, { settings: recreating })(requestFor(internetFinding));
    markPlan(account, 'APPROVED');
    await acquireLock(documentClient(account), {
      table: 'locks',
      key: NOTEBOOK_KEY,
      owner: EXECUTION.id,
      remediation: 'recreate-notebook',
      findingId: internetFinding.Id ?? '',
      controlId: 'SageMaker.1',
      now: START,
      seconds: WORK_BUDGET_SECONDS,
    });

    // When
    const result = await planner(account, { settings: recreating })(
      requestFor(rootFinding, executionNamed('root-access')),
    );

    // Then
    expect(result.plan.annotation.outcome).toBe('JOINED_PLAN');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([
      expect.objectContaining({ findings: [identifier(internetFinding), identifier(rootFinding)] }),
    ]);
    expect(describeCalls(account)).toHaveLength(1);
  });

  it('Given a recreation holding the lock whose plan is already closed, When SageMaker.3 is planned, Then it is not joined and the note says the notebook is being remediated', async () => {
    // Given a lock held by a recreation with no plan item left (closing)
    const account = givenAccount(EXPOSED);
    await acquireLock(documentClient(account), {
      table: 'locks',
      key: NOTEBOOK_KEY,
      owner: 'arn:recreation',
      remediation: 'recreate-notebook',
      findingId: internetFinding.Id ?? '',
      controlId: 'SageMaker.1',
      now: START,
      seconds: WORK_BUDGET_SECONDS,
    });

    // When
    const result = await planner(account, { settings: recreating })(requestFor(rootFinding));

    // Then
    expect(result.plan.annotation.outcome).toBe('ALREADY_IN_PROGRESS');
    expect(result.plan.annotation.note).toContain('execution arn:recreation');
    expect(itemsOf(account, 'remediation-approvals')).toEqual([]);
  });
});
