/**
 * handlers/shared/execution-status.ts: when a holder counts as ended, what the takeover sentence says,
 * and what the DescribeExecution reader asks and answers.
 */
import { describe, expect, it } from 'vitest';
import {
  CLEAN_UP_GRACE_SECONDS,
  describeHolder,
  executionName,
  executionPrefix,
  executionPrefixOfStateMachine,
  type HolderStatus,
  holderEnd,
  takeoverSentence,
  UNSEEN_EXECUTION_GRACE_SECONDS,
} from '../../handlers/shared/execution-status.js';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:RemediationStateMachine-Ab12';
const PREFIX = 'arn:aws:states:eu-west-1:111122223333:execution:RemediationStateMachine-Ab12';
const HOLDER = `${PREFIX}:execution-0001`;
const NOW = new Date('2026-11-23T12:00:00.000Z');
const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

/** An SFN client answering DescribeExecution from `answers` (a status, `STATUS@<seconds since it stopped>`, or an error name to throw). */
function fakeSfn(answers: Record<string, string>) {
  const asked: string[] = [];
  return {
    asked,
    client: {
      send: async (command: { input: { executionArn?: string } }) => {
        const arn = command.input.executionArn ?? '';
        asked.push(arn);
        const answer = answers[arn] ?? 'ExecutionDoesNotExist';
        const [status, stoppedSecondsAgo] = answer.split('@');
        if (status && /^[A-Z_]+$/.test(status)) {
          return stoppedSecondsAgo === undefined
            ? { status }
            : { status, stopDate: secondsBefore(Number(stoppedSecondsAgo)) };
        }
        throw Object.assign(new Error(`${answer}: ${arn}`), { name: answer });
      },
    } as never,
  };
}

describe('holderEnd', () => {
  it.each(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const)(
    'Given a holder that ended %s, When judged, Then it has ended whatever the record age',
    (status) => {
      expect(holderEnd(status, secondsBefore(1), NOW)).toBe(status);
    },
  );

  it.each(['RUNNING', 'PENDING_REDRIVE', 'UNKNOWN'] as const)(
    'Given a holder %s, When judged, Then it has not ended (a redriven execution runs steps again)',
    (status) => {
      expect(holderEnd(status, secondsBefore(86_400), NOW)).toBeUndefined();
    },
  );

  it('Given a holder Step Functions does not find, When the record is younger than the grace, Then it may just have started', () => {
    // DescribeExecution is eventually consistent: a brand-new execution may not be found yet
    expect(holderEnd('NOT_FOUND', secondsBefore(UNSEEN_EXECUTION_GRACE_SECONDS - 1), NOW)).toBeUndefined();
    expect(holderEnd('NOT_FOUND', undefined, NOW)).toBeUndefined();
    expect(holderEnd('NOT_FOUND', secondsBefore(UNSEEN_EXECUTION_GRACE_SECONDS), NOW)).toBe('NOT_FOUND');
  });
});

describe('takeoverSentence', () => {
  it('Given a lock of an aborted execution, Then it names the execution by name and how it ended', () => {
    expect(takeoverSentence('lock', { executionArn: HOLDER, end: 'ABORTED' })).toBe(
      'Took over the lock of execution execution-0001, which had ended ABORTED.',
    );
    expect(takeoverSentence('plan', { executionArn: HOLDER, end: 'NOT_FOUND' })).toBe(
      'Took over the plan of execution execution-0001, which Step Functions no longer knows (ExecutionDoesNotExist).',
    );
  });

  it('Given the longest execution name, Then the sentence still fits the note budget of 179 characters', () => {
    const longest = `${PREFIX}:${'n'.repeat(80)}`;
    const sentence = takeoverSentence('lock', { executionArn: longest, end: 'NOT_FOUND' });
    expect(sentence.length).toBeLessThanOrEqual(179);
    expect(sentence).toContain('n'.repeat(80));
  });
});

describe('execution ARNs', () => {
  it('Given an execution ARN, Then its prefix is its state machine part and its name the last part', () => {
    expect(executionPrefix(HOLDER)).toBe(PREFIX);
    expect(executionName(HOLDER)).toBe('execution-0001');
    expect(executionPrefixOfStateMachine(MACHINE)).toBe(PREFIX);
    expect(executionPrefix('another execution')).toBeUndefined();
  });
});

describe('describeHolder', () => {
  it('Given executions of this state machine, When asked, Then each answer is what DescribeExecution said', async () => {
    const sfn = fakeSfn({ [HOLDER]: 'ABORTED', [`${PREFIX}:execution-0002`]: 'RUNNING' });
    const read = describeHolder(sfn.client, PREFIX, () => NOW);
    const answers: HolderStatus[] = [
      await read(HOLDER),
      await read(`${PREFIX}:execution-0002`),
      await read(`${PREFIX}:gone`),
    ];
    expect(answers).toEqual(['ABORTED', 'RUNNING', 'NOT_FOUND']);
    expect(sfn.asked).toEqual([HOLDER, `${PREFIX}:execution-0002`, `${PREFIX}:gone`]);
  });

  it("Given another state machine's execution or no ARN at all, When asked, Then UNKNOWN without calling (the role may not describe it)", async () => {
    const sfn = fakeSfn({});
    const read = describeHolder(sfn.client, PREFIX, () => NOW);
    expect(await read('arn:aws:states:eu-west-1:111122223333:execution:Other:x')).toBe('UNKNOWN');
    expect(await read('another execution')).toBe('UNKNOWN');
    expect(await describeHolder(sfn.client, undefined, () => NOW)(HOLDER)).toBe('UNKNOWN');
    expect(sfn.asked).toEqual([]);
  });

  it('Given DescribeExecution refused or the ARN rejected, When asked, Then UNKNOWN and the reason is logged', async () => {
    const logged: unknown[] = [];
    const sfn = fakeSfn({ [HOLDER]: 'AccessDeniedException', [`${PREFIX}:bad`]: 'InvalidArn' });
    const read = describeHolder(
      sfn.client,
      PREFIX,
      () => NOW,
      (message, fields) => logged.push({ message, fields }),
    );
    expect(await read(HOLDER)).toBe('UNKNOWN');
    expect(await read(`${PREFIX}:bad`)).toBe('UNKNOWN');
    expect(logged).toEqual([
      { message: 'holder status unknown', fields: { executionArn: HOLDER, error: 'AccessDeniedException' } },
      { message: 'holder status unknown', fields: { executionArn: `${PREFIX}:bad`, error: 'InvalidArn' } },
    ]);
  });

  it('Given an execution that ended aborted, timed out or failed less than the clean-up grace ago, When asked, Then it is CLEANING_UP (its clean-up owns its records); once the grace is over, or when it succeeded, its status', async () => {
    const grace = CLEAN_UP_GRACE_SECONDS;
    const sfn = fakeSfn({
      [`${PREFIX}:aborted-now`]: `ABORTED@${grace - 1}`,
      [`${PREFIX}:failed-now`]: `FAILED@0`,
      [`${PREFIX}:timed-out-before`]: `TIMED_OUT@${grace}`,
      [`${PREFIX}:succeeded-now`]: 'SUCCEEDED@0',
    });
    const read = describeHolder(sfn.client, PREFIX, () => NOW);
    expect(await read(`${PREFIX}:aborted-now`)).toBe('CLEANING_UP');
    expect(await read(`${PREFIX}:failed-now`)).toBe('CLEANING_UP');
    expect(await read(`${PREFIX}:timed-out-before`)).toBe('TIMED_OUT');
    expect(await read(`${PREFIX}:succeeded-now`)).toBe('SUCCEEDED');
    expect(holderEnd('CLEANING_UP', secondsBefore(3600), NOW)).toBeUndefined();
  });

  it('Given Step Functions throttling, When asked, Then the error is thrown for the state machine to retry', async () => {
    const read = describeHolder(fakeSfn({ [HOLDER]: 'ThrottlingException' }).client, PREFIX, () => NOW);
    await expect(read(HOLDER)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
