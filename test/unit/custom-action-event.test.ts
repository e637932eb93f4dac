import { describe, expect, it } from 'vitest';
import {
  decideApproval,
  decideRemediateNow,
  type PendingApproval,
  parseCustomActionEvent,
} from '../../handlers/shared/custom-action-event.js';
import { InvalidFindingEvent } from '../../handlers/shared/finding-event.js';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';

const expected = { accountId: '111122223333', region: 'eu-west-1' };
const actionArn = (id: string) => `arn:aws:securityhub:eu-west-1:111122223333:action/custom/${id}`;
const actions = {
  approve: actionArn('ApproveRemediation'),
  reject: actionArn('RejectRemediation'),
  'remediate-now': actionArn('RemediateNow'),
} as const;
const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'Research-Notebook' });

function problemsOf(event: unknown): readonly string[] {
  try {
    parseCustomActionEvent(event, actions, expected);
  } catch (error) {
    if (error instanceof InvalidFindingEvent) return error.problems;
    throw error;
  }
  return [];
}

describe('parseCustomActionEvent', () => {
  it('an approve click on our own action: the action and the validated findings', () => {
    const parsed = parseCustomActionEvent(
      customActionEvent([finding], { actionId: 'ApproveRemediation' }),
      actions,
      expected,
    );
    expect(parsed.action).toBe('approve');
    expect(parsed.findings.map((each) => each.notebookName)).toEqual(['Research-Notebook']);
  });

  it('a custom action of another deployment (forged or foreign ARN): rejected', () => {
    expect(problemsOf(customActionEvent([finding], { actionId: 'SomeoneElses' }))).toEqual([
      "action arn:aws:securityhub:eu-west-1:111122223333:action/custom/SomeoneElses is not one of this deployment's custom actions",
    ]);
  });

  it('the right action id but from another account: rejected as foreign', () => {
    const foreign = customActionEvent([finding], { actionId: 'ApproveRemediation', account: '999988887777' });
    expect(problemsOf(foreign)).toContain(
      "event account 999988887777 is not this deployment's account 111122223333",
    );
  });

  it('one foreign finding in the selection rejects the whole click: nothing half-approved', () => {
    // A member account's finding is not foreign; one whose resource is in yet another account is
    const member = notebookControlFinding({
      controlId: 'SageMaker.1',
      notebookName: 'nb',
      account: '999988887777',
    });
    const elsewhere = 'arn:aws:sagemaker:eu-west-1:444455556666:notebook-instance/nb';
    const other = {
      ...member,
      Resources: [{ Type: 'AwsSageMakerNotebookInstance', Id: elsewhere, Region: 'eu-west-1' }],
    };
    const problems = problemsOf(customActionEvent([finding, other], { actionId: 'ApproveRemediation' }));
    expect(problems).toEqual([
      `detail.findings.1: notebook ${elsewhere} is not in the finding's account 999988887777 and Region eu-west-1`,
    ]);
  });

  it('Given findings of a member account and a linked Region in one click, Then the click is accepted for each', () => {
    const member = notebookControlFinding({
      controlId: 'SageMaker.1',
      notebookName: 'nb',
      account: '999988887777',
    });
    const linked = notebookControlFinding({
      controlId: 'SageMaker.2',
      notebookName: 'nb',
      region: 'us-east-1',
    });
    expect(
      problemsOf(customActionEvent([finding, member, linked], { actionId: 'ApproveRemediation' })),
    ).toEqual([]);
  });

  it('an Imported event sent to the custom action handler: rejected with the reason', () => {
    const event = {
      ...customActionEvent([finding], { actionId: 'RemediateNow' }),
      'detail-type': 'Security Hub Findings - Imported',
    };
    expect(problemsOf(event)[0]).toContain('detail-type');
  });
});

describe('decideApproval', () => {
  const now = new Date('2026-11-23T10:00:00.000Z');
  const pending: PendingApproval = {
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
    findingIds: [finding.Id ?? ''],
    status: 'PENDING',
    approvalDeadline: Math.floor(now.getTime() / 1000) + 3600,
  };

  it('a pending plan within its window: approve sends success, reject sends failure', () => {
    expect(decideApproval('approve', 'nb', pending, now)).toEqual({ kind: 'approve', approval: pending });
    expect(decideApproval('reject', 'nb', pending, now)).toEqual({ kind: 'reject', approval: pending });
  });

  it('no pending remediation: a clear note, nothing changes', () => {
    expect(decideApproval('approve', 'nb', undefined, now)).toEqual({
      kind: 'annotate',
      note: 'Nothing to approve: no remediation of notebook instance nb is waiting for approval, so nothing was changed. Use the Remediate now action to plan one.',
    });
  });

  it('approving twice: the second click says it was already approved, and when', () => {
    const verdict = decideApproval(
      'approve',
      'nb',
      { ...pending, status: 'APPROVED', decidedAt: '2026-11-23T09:30:00Z' },
      now,
    );
    expect(verdict.kind === 'annotate' && verdict.note).toContain(
      'was already approved at 2026-11-23T09:30:00Z',
    );
  });

  it('approving after the window closed: too late, nothing changes', () => {
    const verdict = decideApproval(
      'approve',
      'nb',
      { ...pending, approvalDeadline: Math.floor(now.getTime() / 1000) },
      now,
    );
    expect(verdict.kind === 'annotate' && verdict.note).toBe(
      'Too late to approve: the approval window for notebook instance nb closed at 2026-11-23T10:00:00.000Z, and nothing was changed. Use the Remediate now action to plan it again.',
    );
  });
});

describe('decideApproval: the plan before and after its wait', () => {
  const now = new Date('2026-11-23T10:00:00.000Z');
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const plan: PendingApproval = {
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
    findingIds: [finding.Id ?? ''],
    status: 'PLANNED',
    approvalDeadline: nowSeconds + 3600,
  };

  it('Given a plan still PLANNED (its execution has not reached the wait), When it is approved, Then nothing is decided and the note says to try again shortly', () => {
    // Given / When
    const verdict = decideApproval('approve', 'nb', plan, now);

    // Then
    expect(verdict).toEqual({
      kind: 'annotate',
      note: 'Nothing to approve yet: the recreation plan of notebook instance nb (execution arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1) is still being submitted for approval. Nothing was changed; choose the action again in a minute.',
    });
  });

  it('Given a PLANNED plan whose window has closed, When it is rejected, Then the note says it is too late, not to try again', () => {
    // Given a plan whose execution never started waiting before its deadline
    const lapsed = { ...plan, approvalDeadline: nowSeconds - 1 };

    // When
    const verdict = decideApproval('reject', 'nb', lapsed, now);

    // Then
    expect(verdict.kind === 'annotate' && verdict.note).toMatch(
      /^Too late to reject: the approval window for notebook instance nb closed at 2026-11-23T09:59:59.000Z/,
    );
  });

  it('Given a plan REJECTED within its window, When it is approved after the window closed, Then the note says when it was rejected', () => {
    // Given
    const rejected: PendingApproval = {
      ...plan,
      status: 'REJECTED',
      approvalDeadline: nowSeconds - 60,
      decidedAt: '2026-11-23T09:58:00.000Z',
    };

    // When
    const verdict = decideApproval('approve', 'nb', rejected, now);

    // Then the decision already made is what the finding learns, not "too late"
    expect(verdict).toEqual({
      kind: 'annotate',
      note: 'Nothing to approve: the remediation of notebook instance nb (execution arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1) was already rejected at 2026-11-23T09:58:00.000Z. Nothing was changed.',
    });
  });

  it('Given a PENDING plan one second before its deadline, When it is approved, Then it is approved; at the deadline it is too late', () => {
    // Given
    const pending: PendingApproval = { ...plan, status: 'PENDING', approvalDeadline: nowSeconds + 1 };

    // When / Then
    expect(decideApproval('approve', 'nb', pending, now).kind).toBe('approve');
    expect(decideApproval('approve', 'nb', pending, new Date((nowSeconds + 1) * 1000)).kind).toBe('annotate');
  });
});

describe('decideRemediateNow', () => {
  const validated = parseCustomActionEvent(
    customActionEvent([finding], { actionId: 'RemediateNow' }),
    actions,
    expected,
  ).findings[0];

  it.each(['approval', 'notify'] as const)('a control in %s mode: starts the workflow', (mode) => {
    expect(validated && decideRemediateNow(validated, mode)).toEqual({ kind: 'start' });
  });

  it('an automatic or switched-off control: a note says why nothing started', () => {
    expect(validated && decideRemediateNow(validated, 'auto')).toMatchObject({ kind: 'annotate' });
    const off = validated && decideRemediateNow(validated, 'off');
    expect(off?.kind === 'annotate' && off.note).toBe(
      'Remediate now was not started: SageMaker.1 is switched off in this deployment. Nothing was changed.',
    );
  });
});
