/**
 * What the approvals command works out from scanned plan items (bin/approvals/plan.ts): the plan of a
 * finding, the plans a human can decide now, and what the waiting execution is told. Pure.
 */
import { describe, expect, it } from 'vitest';
import {
  approvalOutput,
  controlOfFinding,
  formatAge,
  pendingPlans,
  plansListing,
  REJECTION_CAUSE_LIMIT,
  readScannedPlans,
  rejectionCause,
} from '../../bin/approvals/plan.js';
import { approvalCommand } from '../../handlers/shared/approval-command.js';

const ACCOUNT = '111122223333';
const NOW = new Date('2026-11-23T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const LOCATION = { table: 'approvals', region: 'eu-west-1' };
const findingId = (control: string, uuid: string) =>
  `arn:aws:securityhub:eu-west-1:${ACCOUNT}:security-control/${control}/finding/${uuid}`;
const notebook = (name: string) => `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:notebook-instance/${name}`;

function item(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    approvalKey: notebook(name),
    status: 'PENDING',
    taskToken: `token-${name}`,
    executionArn: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:sm:${name}`,
    approvalDeadline: NOW_SECONDS + 3600,
    expiresAt: NOW_SECONDS + 7200,
    plannedAt: '2026-11-23T10:30:00.000Z',
    planSummary: `Recreate notebook instance ${name}.`,
    findings: [
      {
        Id: findingId('SageMaker.1', `${name}-1`),
        ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
      },
      {
        Id: findingId('SageMaker.2', `${name}-2`),
        ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
      },
    ],
    ...overrides,
  };
}

describe('approvals plan', () => {
  it('Given scanned items, When read, Then each plan keeps its record and every identifier of its findings, and an item that cannot be trusted is named with why', () => {
    const { plans, unreadable } = readScannedPlans([
      item('alpha'),
      item('beta', {
        findings: [{ Id: 'ocsf-uid-1', FindingInfoUid: 'ocsf-uid-1', CloudAccountUid: ACCOUNT }],
      }),
      item('gamma', { status: 'PENDING', taskToken: undefined }),
    ]);

    expect(plans.map((plan) => plan.key)).toEqual([notebook('alpha'), notebook('beta')]);
    expect([...(plans[0]?.findingIdentifiers ?? [])]).toEqual([
      findingId('SageMaker.1', 'alpha-1'),
      findingId('SageMaker.2', 'alpha-2'),
    ]);
    expect(plans[0]?.record.taskToken).toBe('token-alpha');
    expect(unreadable).toEqual([
      `${notebook('gamma')}: item.taskToken: a PENDING plan must hold its task token`,
    ]);
  });

  it('Given plans, When a finding is looked up, Then only the plan listing it is found, by any of its identifiers but never by a product ARN', () => {
    const { plans } = readScannedPlans([
      item('alpha'),
      item('beta', {
        findings: [{ Id: 'ocsf-uid-1', FindingInfoUid: 'ocsf-uid-9', CloudAccountUid: ACCOUNT }],
      }),
    ]);

    expect(plansListing(plans, findingId('SageMaker.2', 'alpha-2')).map((plan) => plan.key)).toEqual([
      notebook('alpha'),
    ]);
    expect(plansListing(plans, 'ocsf-uid-9').map((plan) => plan.key)).toEqual([notebook('beta')]);
    expect(plansListing(plans, 'arn:aws:securityhub:eu-west-1::product/aws/securityhub')).toEqual([]);
    expect(plansListing(plans, findingId('SageMaker.1', 'unknown'))).toEqual([]);
  });

  it('Given plans in every state, When the pending ones are listed, Then only PENDING plans within their window show, the oldest first, with the commands that decide them', () => {
    const { plans } = readScannedPlans([
      item('late', { plannedAt: '2026-11-23T11:00:00.000Z' }),
      item('early', { plannedAt: '2026-11-21T08:00:00.000Z' }),
      item('closed', { approvalDeadline: NOW_SECONDS }),
      item('planned', { status: 'PLANNED', taskToken: undefined }),
      item('approved', { status: 'APPROVED', decidedAt: '2026-11-23T11:30:00.000Z', decidedBy: 'someone' }),
    ]);

    const pending = pendingPlans(plans, NOW, LOCATION);

    expect(pending.map((plan) => plan.resource)).toEqual([notebook('early'), notebook('late')]);
    expect(pending[1]).toEqual({
      plan: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:sm:late`,
      resource: notebook('late'),
      controls: ['SageMaker.1', 'SageMaker.2'],
      findings: [findingId('SageMaker.1', 'late-1'), findingId('SageMaker.2', 'late-2')],
      summary: 'Recreate notebook instance late.',
      plannedAt: '2026-11-23T11:00:00.000Z',
      ageSeconds: 3600,
      expires: '2026-11-23T13:00:00.000Z',
      approve: approvalCommand('approve', { findingId: findingId('SageMaker.1', 'late-1') }, LOCATION),
      reject: approvalCommand('reject', { findingId: findingId('SageMaker.1', 'late-1') }, LOCATION),
    });
  });

  it('Given a plan with no finding and no planning time, When listed, Then its resource selects it and its age is unknown', () => {
    const { plans } = readScannedPlans([item('bare', { findings: undefined, plannedAt: undefined })]);

    const [plan] = pendingPlans(plans, NOW, LOCATION);

    expect(plan?.approve).toBe(approvalCommand('approve', { resourceArn: notebook('bare') }, LOCATION));
    expect(plan?.controls).toEqual([]);
    expect(plan).not.toHaveProperty('ageSeconds');
  });

  it('Given who decided, When the execution is told, Then the approval output and the rejection cause name them, the cause within the note bound', () => {
    const who = `arn:aws:sts::${ACCOUNT}:assumed-role/SecurityApprover/alice`;

    expect(JSON.parse(approvalOutput(who, '2026-11-23T12:00:00.000Z'))).toEqual({
      approvedAt: '2026-11-23T12:00:00.000Z',
      approvedBy: who,
      action: 'approve',
    });
    expect(rejectionCause(who, undefined)).toBe(`Rejected by ${who}`);
    expect(rejectionCause(who, 'not before the audit')).toBe(`Rejected by ${who}: not before the audit`);
    const long = rejectionCause(`${who}${'x'.repeat(200)}`, 'why');
    expect(long).toHaveLength(REJECTION_CAUSE_LIMIT);
    expect(long.endsWith('…')).toBe(true);
  });

  it('Given finding ids and ages, When shown, Then the control comes from a control finding id and the age reads at a glance', () => {
    expect(controlOfFinding(findingId('SageMaker.21', 'x'))).toBe('SageMaker.21');
    expect(
      controlOfFinding(
        `arn:aws:securityhub:eu-west-1:${ACCOUNT}:subscription/aws-foundational-security-best-practices/v/1.0.0/SageMaker.3/finding/x`,
      ),
    ).toBe('SageMaker.3');
    expect(controlOfFinding('ocsf-uid-1')).toBeUndefined();
    expect([59, 420, 7500, 3 * 86_400 + 4 * 3600].map(formatAge)).toEqual(['0m', '7m', '2h 5m', '3d 4h']);
  });
});
