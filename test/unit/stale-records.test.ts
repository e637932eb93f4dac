/**
 * The sweeper's decisions (handlers/shared/stale-records.ts): which records are stale, which findings
 * are told and what they and the alert say, within Security Hub's and SNS's limits.
 */
import { describe, expect, it } from 'vitest';
import {
  clearedNote,
  findingsOf,
  type LockRecord,
  lockRecordOf,
  MAX_ALERT_RECORD_LINES,
  PLAN_DEADLINE_GRACE_SECONDS,
  type PlanRecord,
  planRecordOf,
  staleness,
  sweepAlert,
  tellsFindings,
} from '../../handlers/shared/stale-records.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const OWNER = 'arn:aws:states:eu-west-1:111122223333:execution:remediation:stopped-run';
const KEY = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const PRODUCT = 'arn:aws:securityhub:eu-west-1::product/aws/securityhub';

const lock: LockRecord = {
  kind: 'lock',
  key: KEY,
  owner: OWNER,
  remediation: 'update-notebook',
  findingId: 'root-finding',
  acquiredAt: new Date(NOW.getTime() - 3_600_000),
  expiresAt: NOW_SECONDS + 5 * 3600,
};

const plan: PlanRecord = {
  kind: 'plan',
  key: KEY,
  owner: OWNER,
  status: 'PENDING',
  findings: [
    { Id: 'vpc-finding', ProductArn: PRODUCT },
    { Id: 'internet-finding', ProductArn: PRODUCT },
  ],
  plannedAt: new Date(NOW.getTime() - 86_400_000),
  approvalDeadline: NOW_SECONDS + 6 * 86_400,
};

describe('staleness', () => {
  it('Given a lock whose holder was stopped, Then it is stale because the holder ended', () => {
    expect(staleness(lock, 'ABORTED', NOW)).toEqual({ kind: 'ended', end: 'ABORTED' });
  });

  it('Given a lock whose holder still runs and has time left, Then it is not stale', () => {
    expect(staleness(lock, 'RUNNING', NOW)).toBeUndefined();
  });

  it('Given a lock past its expiry, Then it is stale whatever its holder (DynamoDB TTL only deletes it days later)', () => {
    const expired = { ...lock, expiresAt: NOW_SECONDS - 1 };
    expect(staleness(expired, 'RUNNING', NOW)).toEqual({ kind: 'expired', status: 'RUNNING' });
    expect(staleness(expired, 'UNKNOWN', NOW)).toEqual({ kind: 'expired', status: 'UNKNOWN' });
  });

  it('Given a PENDING or PLANNED plan whose execution ended, Then it is stale', () => {
    expect(staleness(plan, 'TIMED_OUT', NOW)).toEqual({ kind: 'ended', end: 'TIMED_OUT' });
    expect(staleness({ ...plan, status: 'PLANNED' }, 'FAILED', NOW)).toEqual({
      kind: 'ended',
      end: 'FAILED',
    });
  });

  it('Given an APPROVED or REJECTED plan, When its execution still runs, Then the sweeper leaves it; once it has ended and left it, it is cleared without a note', () => {
    expect(staleness({ ...plan, status: 'APPROVED' }, 'RUNNING', NOW)).toBeUndefined();
    const left = staleness({ ...plan, status: 'APPROVED' }, 'SUCCEEDED', NOW);
    expect(left).toEqual({ kind: 'left', end: 'SUCCEEDED' });
    expect(staleness({ ...plan, status: 'REJECTED' }, 'FAILED', NOW)).toEqual({
      kind: 'left',
      end: 'FAILED',
    });
    expect(tellsFindings(left ?? { kind: 'left', end: 'SUCCEEDED' })).toBe(false);
  });

  it('Given a waiting plan of a running execution, When the deadline plus the grace has passed, Then it is overdue; not a second before', () => {
    const deadline = NOW_SECONDS - PLAN_DEADLINE_GRACE_SECONDS;
    expect(staleness({ ...plan, approvalDeadline: deadline }, 'RUNNING', NOW)).toBeUndefined();
    expect(staleness({ ...plan, approvalDeadline: deadline - 1 }, 'RUNNING', NOW)).toEqual({
      kind: 'overdue',
      status: 'RUNNING',
    });
  });

  it('Given a holder Step Functions does not find, When the record is only a minute old, Then it is not stale (not visible yet)', () => {
    const young = { ...lock, acquiredAt: new Date(NOW.getTime() - 60_000) };
    expect(staleness(young, 'NOT_FOUND', NOW)).toBeUndefined();
    expect(staleness(lock, 'NOT_FOUND', NOW)).toEqual({ kind: 'ended', end: 'NOT_FOUND' });
  });
});

describe('tellsFindings', () => {
  it('Given how the holder ended, Then only a holder that succeeded or still runs leaves its findings alone', () => {
    expect(tellsFindings({ kind: 'ended', end: 'SUCCEEDED' })).toBe(false);
    expect(tellsFindings({ kind: 'ended', end: 'ABORTED' })).toBe(true);
    expect(tellsFindings({ kind: 'ended', end: 'NOT_FOUND' })).toBe(true);
    expect(tellsFindings({ kind: 'expired', status: 'RUNNING' })).toBe(false);
    expect(tellsFindings({ kind: 'expired', status: 'UNKNOWN' })).toBe(true);
    expect(tellsFindings({ kind: 'overdue', status: 'RUNNING' })).toBe(true);
  });
});

describe('clearedNote', () => {
  it('Given a lock of a stopped execution, Then the note says what was held, by whom, how it ended, and to set it back to NEW', () => {
    expect(clearedNote(lock, { kind: 'ended', end: 'ABORTED' }, NOW)).toBe(
      'The lock on notebook instance research-notebook (update-notebook for this finding) was cleared at 2026-11-23T12:00:00Z: execution stopped-run, which had ended ABORTED, had not released it. That remediation did not finish, so the notebook may be as it was left (check its status and root access). Set this finding back to NEW to try again.',
    );
  });

  it('Given the lock of an approved change of a monitoring schedule, Then the note names the schedule and where its snapshot is', () => {
    const scheduleLock = {
      ...lock,
      key: 'arn:aws:sagemaker:eu-west-1:111122223333:monitoring-schedule/churn-quality',
      remediation: 'update-monitoring-schedule',
    };
    expect(clearedNote(scheduleLock, { kind: 'ended', end: 'ABORTED' }, NOW)).toBe(
      'The lock on monitoring schedule churn-quality (update-monitoring-schedule for this finding) was cleared at 2026-11-23T12:00:00Z: execution stopped-run, which had ended ABORTED, had not released it. That change did not finish, so the monitoring schedule may be as it was left; its snapshot from before the change is in the bucket under resources/. Set this finding back to NEW to try again.',
    );
  });

  it('Given an overdue plan, Then the note says it was never approved and nothing changed', () => {
    const overdue = { ...plan, approvalDeadline: NOW_SECONDS - 7200 };
    expect(clearedNote(overdue, { kind: 'overdue', status: 'UNKNOWN' }, NOW)).toBe(
      'The recreation plan of notebook instance research-notebook (PENDING) was cleared at 2026-11-23T12:00:00Z: it was still waiting for approval 60 minutes after its approval deadline 2026-11-23T10:00:00Z (execution stopped-run: UNKNOWN). It was never approved, so nothing was changed. Set this finding back to NEW to plan again.',
    );
  });

  it('Given the longest names, Then the note fits Security Hub’s 512 characters', () => {
    const long = {
      ...lock,
      key: `${KEY.slice(0, KEY.lastIndexOf('/') + 1)}${'n'.repeat(63)}`,
      owner: `${OWNER.slice(0, OWNER.lastIndexOf(':') + 1)}${'e'.repeat(80)}`,
    };
    const note = clearedNote(long, { kind: 'expired', status: 'PENDING_REDRIVE' }, NOW);
    expect(note.length).toBeLessThanOrEqual(512);
    expect(note).toContain('Set this finding back to NEW to try again.');
  });
});

describe('findingsOf', () => {
  it("Given a lock, Then its one finding is named with Security Hub's product ARN; a plan names its list", () => {
    expect(findingsOf(lock, PRODUCT)).toEqual([{ Id: 'root-finding', ProductArn: PRODUCT }]);
    expect(findingsOf({ ...lock, findingId: '' }, PRODUCT)).toEqual([]);
    expect(findingsOf(plan, PRODUCT)).toEqual(plan.findings);
  });
});

describe('record parsing', () => {
  it('Given items as the document client reads them, Then locks and plans are read; anything else is not one', () => {
    expect(
      lockRecordOf({
        lockKey: KEY,
        ownerExecutionArn: OWNER,
        remediation: 'update-notebook',
        findingId: 'root-finding',
        acquiredAt: '2026-11-23T11:00:00.000Z',
        expiresAt: NOW_SECONDS + 5 * 3600,
      }),
    ).toEqual(lock);
    expect(
      planRecordOf({
        approvalKey: KEY,
        executionArn: OWNER,
        status: 'PENDING',
        findings: plan.findings,
        plannedAt: '2026-11-22T12:00:00.000Z',
        approvalDeadline: plan.approvalDeadline,
        expiresAt: plan.approvalDeadline + 86_400,
        taskToken: 'token',
      }),
    ).toEqual(plan);
    // A clean-up's lock keeps the dead holder's acquiredAt: it says nothing of the clean-up's age.
    expect(
      lockRecordOf({
        lockKey: KEY,
        ownerExecutionArn: OWNER,
        remediation: 'clean-up:update-notebook',
        findingId: 'root-finding',
        acquiredAt: '2026-11-23T11:00:00.000Z',
        expiresAt: NOW_SECONDS + 5 * 3600,
      })?.acquiredAt,
    ).toBeUndefined();
    expect(lockRecordOf({ lockKey: KEY })).toBeUndefined();
    expect(planRecordOf({ approvalKey: KEY, status: 'PENDING' })).toBeUndefined();
  });
});

describe('sweepAlert', () => {
  it('Given a cleared lock and plan, Then one alert names each, with its execution and how many findings were told', () => {
    const alert = sweepAlert(
      [
        { record: lock, stale: { kind: 'ended', end: 'ABORTED' }, findingsNoted: 1 },
        { record: plan, stale: { kind: 'ended', end: 'SUCCEEDED' }, findingsNoted: 0 },
      ],
      ['finding x not noted (InternalFailure): its lock was cleared, so set it back to NEW by hand'],
      NOW,
    );
    expect(alert.subject).toBe('SageMaker remediation: 1 stale locks, 1 stale plans cleared');
    expect(alert.message.split('\n')).toEqual([
      'The scheduled sweep at 2026-11-23T12:00:00.000Z cleared records that no running execution held:',
      '',
      `- Lock on research-notebook (update-notebook, finding root-finding): execution stopped-run, which had ended ABORTED, had not released it. Execution ${OWNER}. Findings noted: 1.`,
      `- PENDING recreation plan of research-notebook (2 findings): execution stopped-run, which had ended SUCCEEDED, had not released it. Execution ${OWNER}. Findings noted: 0.`,
      '',
      'Each finding noted says what was held and to set it back to NEW to try again. A finding whose execution succeeded already has its outcome and was left as it is.',
      '',
      'Not done:',
      '- finding x not noted (InternalFailure): its lock was cleared, so set it back to NEW by hand',
    ]);
  });

  it('Given more problems than the alert lists, Then the first 50 are named and the rest counted', () => {
    const problems = Array.from(
      { length: 53 },
      (_, index) => `finding f-${index} not noted (InternalFailure)`,
    );
    const lines = sweepAlert(
      [{ record: lock, stale: { kind: 'ended', end: 'ABORTED' }, findingsNoted: 0 }],
      problems,
      NOW,
    ).message.split('\n');
    expect(lines.slice(lines.indexOf('Not done:') + 1)).toEqual([
      ...problems.slice(0, 50).map((problem) => `- ${problem}`),
      "- and 3 more (see the sweeper's log group).",
    ]);
  });

  it('Given more cleared records than the alert lists, Then the rest are counted, and the message stays far below 256 KiB', () => {
    const many = Array.from({ length: MAX_ALERT_RECORD_LINES + 5 }, () => ({
      record: lock,
      stale: { kind: 'ended', end: 'ABORTED' } as const,
      findingsNoted: 1,
    }));
    const alert = sweepAlert(many, [], NOW);
    expect(alert.message).toContain("- and 5 more (see the sweeper's log group).");
    expect(Buffer.byteLength(alert.message)).toBeLessThan(128 * 1024);
  });
});
