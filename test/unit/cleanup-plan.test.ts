import { describe, expect, it } from 'vitest';
import {
  abortedError,
  decideCleanUp,
  endOf,
  type HistoryEvent,
  lastStep,
  OUTCOME_WRITTEN_STATES,
  parseStatusChange,
  SELF_HANDLED_ENDS,
  unplannedFinding,
  unplannedNote,
} from '../../handlers/shared/cleanup-plan.js';
import { buildRemediationDefinition } from '../../statemachines/remediation-definition.js';

const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Remediation';
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:Remediation:execution-0007';

const change = (
  status: string,
  input: string | null = '{"detail-type":"Security Hub Findings - Imported"}',
) => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: {
    executionArn: EXECUTION,
    stateMachineArn: MACHINE,
    name: 'execution-0007',
    status,
    input,
    error: null,
    cause: null,
  },
});

const plan = {
  action: 'remediate',
  remediation: 'update-notebook',
  controlId: 'SageMaker.3',
  notebook: {
    name: 'Research-Notebook',
    arn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
  },
  finding: { id: 'finding-1', productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub' },
  lock: { key: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook' },
};
const data = (extra: object = {}) => JSON.stringify({ plan, runState: { wasRunning: true }, ...extra });

const entered = (name: string, input: string, type = 'Task'): HistoryEvent => ({
  type: `${type}StateEntered`,
  stateEnteredEventDetails: { name, input },
});
const exited = (name: string, output: string, type = 'Task'): HistoryEvent => ({
  type: `${type}StateExited`,
  stateExitedEventDetails: { name, output },
});

function parsed(status: string, input?: string | null) {
  const result = parseStatusChange(change(status, input), MACHINE);
  if (!('change' in result)) throw new Error(result.problems.join('; '));
  return result.change;
}

describe('the status change that starts a clean-up', () => {
  it('Given a status change of another state machine, When parsed, Then it is not ours and says why', () => {
    expect(parseStatusChange(change('ABORTED'), `${MACHINE}-other`)).toEqual({
      problems: [`the execution is of ${MACHINE}, not of ${MACHINE}-other`],
    });
  });

  it('Given a SUCCEEDED status change, When parsed, Then it is refused: nothing to clean up', () => {
    expect('problems' in parseStatusChange(change('SUCCEEDED'), MACHINE)).toBe(true);
  });
});

describe('the last step an ended execution recorded', () => {
  it('Given a history read newest first, When the last step is read, Then it is the last state entered and the newest data with a plan', () => {
    const history = [
      entered('WaitForNotebookToStop', data({ notebook: { status: 'Stopping' } }), 'Wait'),
      exited('StopNotebook', data({ notebook: { status: 'InService' } })),
      entered('StopNotebook', data()),
    ];

    const step = lastStep(history);

    expect(step?.enteredState).toBe('WaitForNotebookToStop');
    expect(step?.data).toMatchObject({ plan, notebook: { status: 'Stopping' } });
  });

  it("Given a Map's iterations newest (items, not plans), When the last step is read, Then they are passed over for the state around them", () => {
    const history = [
      exited('PlanFindingsIdentifier', '{"Id":"f","ProductArn":"p"}', 'Pass'),
      entered('PlanFindingsIdentifier', '{"Id":"f","ProductArn":"p"}', 'Pass'),
      entered('CollectPlanFindings', data({ recreation: { deleted: true } }), 'Map'),
    ];

    expect(lastStep(history)).toMatchObject({
      enteredState: 'CollectPlanFindings',
      data: { recreation: { deleted: true } },
    });
  });

  it('Given a history with no plan yet (ended while planning), When read, Then there is no step', () => {
    expect(lastStep([entered('PlanRemediation', '{"detail":{}}')])).toBeUndefined();
  });
});

describe('whether to clean up', () => {
  it('Given an execution stopped while it waited for its stop to finish, When decided, Then it is recovered from there, and the error says it was stopped and where', () => {
    const step = lastStep([entered('WaitForNotebookToStop', data(), 'Wait')]);

    const decision = decideCleanUp(parsed('ABORTED'), step);

    expect(decision).toEqual({ kind: 'recover', step });
    expect(abortedError(parsed('ABORTED'), step as never)).toEqual({
      Error: 'ExecutionAborted',
      Cause: 'Execution execution-0007 was stopped at WaitForNotebookToStop; a clean-up took over.',
    });
    expect(abortedError(parsed('TIMED_OUT'), step as never).Error).toBe('ExecutionTimedOut');
  });

  it('Given a failed execution whose own handling reached RemediationFailed, When decided, Then there is nothing to clean up', () => {
    const step = lastStep([entered('RemediationFailed', data(), 'Fail')]);

    expect(decideCleanUp(parsed('FAILED'), step)).toEqual({
      kind: 'nothing',
      reason: 'its own failure handling ran to RemediationFailed',
    });
  });

  it('Given a clean-up execution that itself ended (its state carries the clean-up), When decided, Then it is not cleaned up again', () => {
    const cleanup = { action: 'recover', executionArn: EXECUTION, reason: 'StopNotebook' };
    const step = lastStep([entered('CheckNotebookAfterFailure', data({ cleanup }))]);

    expect(decideCleanUp(parsed('ABORTED'), step)).toEqual({
      kind: 'nothing',
      reason: 'execution-0007 was itself a clean-up',
    });
  });

  it('Given an execution that only had to annotate its finding, When decided, Then there is nothing to clean up', () => {
    const step = lastStep([
      entered('AnnotateFinding', JSON.stringify({ plan: { ...plan, action: 'annotate' } })),
    ]);

    expect(decideCleanUp(parsed('ABORTED'), step)).toEqual({
      kind: 'nothing',
      reason: 'it only had to annotate',
    });
  });
});

describe('an execution that had already written its outcome', () => {
  it('Given an execution whose lock release failed after it resolved its finding, When decided, Then only what it held is released: its RESOLVED note stays', () => {
    const step = lastStep([entered('ReleaseNotebookLock', data())]);

    const decision = decideCleanUp(parsed('FAILED'), step);

    expect(decision).toEqual({ kind: 'release', step });
  });

  it.each([['ReleaseNotebookLock'], ['ReleaseLockAfterFailure'], ['ClosePlan']])(
    'Given an execution ended at %s, When decided, Then it is a release, not a recovery',
    (state) => {
      expect(decideCleanUp(parsed('ABORTED'), lastStep([entered(state, data())])).kind).toBe('release');
    },
  );

  it('Given the definition with the recreation, When the named states are looked up, Then every outcome-written and self-handled state exists in it', () => {
    const names = Object.keys(
      buildRemediationDefinition({ recreate: { approvalTimeoutSeconds: 7 * 86400 } }).States,
    );

    expect(OUTCOME_WRITTEN_STATES.filter((state) => !names.includes(state))).toEqual([]);
    expect(SELF_HANDLED_ENDS.filter((state) => !names.includes(state))).toEqual([]);
  });
});

describe('how the execution ended, from its history', () => {
  it('Given a history whose newest event is ExecutionFailed, When read, Then its error and cause are how it ended; a history without a closing event gives none', () => {
    const failed: HistoryEvent = {
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'States.DataLimitExceeded', cause: 'too big' },
    };

    expect(endOf([failed, entered('StopNotebook', data())])).toEqual({
      error: 'States.DataLimitExceeded',
      cause: 'too big',
    });
    expect(endOf([entered('StopNotebook', data())])).toEqual({});
  });
});

describe('an execution that ended while it planned', () => {
  const planning = entered(
    'PlanRemediation',
    JSON.stringify({ detail: { findings: [{ Id: 'finding-1', ProductArn: 'product', Title: 'x' }] } }),
  );

  it('Given an execution stopped in PlanRemediation, When decided, Then its finding is told, with a note under 512 characters for the longest name', () => {
    const finding = unplannedFinding([planning]);

    expect(finding).toEqual({ id: 'finding-1', productArn: 'product' });
    expect(decideCleanUp(parsed('ABORTED'), undefined, finding)).toEqual({ kind: 'tell', finding });
    const longest = parsed('TIMED_OUT');
    const note = unplannedNote({ ...longest, detail: { ...longest.detail, name: 'x'.repeat(80) } });
    expect(note.length).toBeLessThan(512);
    expect(note).toContain('ran out of time while it was planning');
  });

  it('Given a malformed event at PlanRemediation, When read, Then there is no finding to tell (its identifiers are not trusted)', () => {
    expect(unplannedFinding([entered('PlanRemediation', '{"detail":{"findings":[]}}')])).toBeUndefined();
    expect(unplannedFinding([entered('PlanRemediation', 'not json')])).toBeUndefined();
  });
});

describe('an execution whose planning failed and was handled', () => {
  it('Given an execution that went on from PlanRemediation to PlanningFailed, When read, Then there is no unplanned finding: its own alert told', () => {
    const event = JSON.stringify({ detail: { findings: [{ Id: 'finding-1', ProductArn: 'product' }] } });

    expect(
      unplannedFinding([entered('PlanningFailed', '{}', 'Fail'), entered('PlanRemediation', event)]),
    ).toBeUndefined();
  });
});
