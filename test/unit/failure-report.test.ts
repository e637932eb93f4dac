import { describe, expect, it } from 'vitest';
import {
  buildFailureReport,
  type FailureReportInput,
  summariseError,
} from '../../handlers/shared/failure-report.js';
import { snapshotPrefix } from '../../handlers/shared/notebook-backup-layout.js';
import { restoreCommandFor } from '../../handlers/shared/restore-command.js';

const baseInput: FailureReportInput = {
  plan: {
    controlId: 'SageMaker.3',
    notebook: {
      name: 'research-notebook',
      arn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
    },
    finding: { id: 'finding-1' },
  },
  failure: {
    Error: 'SageMaker.SageMakerException',
    Cause:
      'Rate exceeded (Service: SageMaker, Status Code: 400, Error Code: ThrottlingException, Request ID: 1234)',
  },
  notebook: { status: 'InService', settings: { RootAccess: 'Enabled' } },
  runState: { wasRunning: true },
  recovery: { restarted: true },
  execution: { id: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1', name: 'run-1' },
};

describe('summariseError', () => {
  it('generic SDK exception: digs the real error code and message out of the Cause', () => {
    expect(summariseError(baseInput.failure.Error, baseInput.failure.Cause)).toBe(
      'ThrottlingException: Rate exceeded',
    );
  });

  it('wrong-state ValidationException: keeps the status message', () => {
    const cause =
      'Status (Stopping) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (arn:x) (Service: SageMaker, Status Code: 400, Error Code: ValidationException, Request ID: 9)';
    expect(summariseError('SageMaker.SageMakerException', cause)).toBe(
      'ValidationException: Status (Stopping) not in ([InService]). Unable to transition to (Stopping) for Notebook Instance (arn:x)',
    );
  });

  it('Lambda error: reads errorType and errorMessage from the JSON cause', () => {
    expect(summariseError('Error', JSON.stringify({ errorType: 'TypeError', errorMessage: 'boom' }))).toBe(
      'TypeError: boom',
    );
  });

  it('workflow error without an SDK cause: error and cause side by side', () => {
    expect(summariseError('NotebookStatusTimeout', 'still Stopping')).toBe(
      'NotebookStatusTimeout: still Stopping',
    );
    expect(summariseError('NotebookStatusTimeout', undefined)).toBe('NotebookStatusTimeout');
  });
});

describe('buildFailureReport', () => {
  it('restarted notebook: the note names the error and says it is InService again', () => {
    // Given a throttled update after which the workflow restarted the notebook
    // When the report is built
    const report = buildFailureReport(baseInput);
    // Then the note names the error, the recovery and the execution, and the subject asks for nothing
    expect(report.note).toBe(
      'Remediation of SageMaker.3 on notebook instance research-notebook failed. It was running before; the workflow restarted it and it is InService again. RootAccess is Enabled. Execution run-1. Error: ThrottlingException: Rate exceeded',
    );
    expect(report.subject).toBe('SageMaker.3 remediation failed: research-notebook');
    expect(report.message).toContain('Cause: Rate exceeded (Service: SageMaker');
    expect(report.message).toContain(
      'Execution: arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
    );
  });

  it('Given a notebook that was running and is still Stopped when the recovery budget runs out, When reported, Then action is needed and the note gives the command to start it', () => {
    const report = buildFailureReport({
      ...baseInput,
      notebook: { status: 'Stopped', settings: { RootAccess: 'Enabled' } },
    });
    expect(report.subject).toBe('SageMaker.3 remediation failed - ACTION NEEDED: research-notebook');
    expect(report.note).toContain(
      "It was running before and is Stopped now, after the recovery's time ran out: start it: aws sagemaker start-notebook-instance --notebook-instance-name research-notebook.",
    );
  });

  it('Given a notebook that was not running and is left Failed by a start, When reported, Then the note says to start it and stop it once InService', () => {
    const report = buildFailureReport({
      ...baseInput,
      runState: { wasRunning: false },
      notebook: { status: 'Failed', settings: { RootAccess: 'Enabled' } },
    });
    expect(report.note).toContain(
      "It was not running before and is Failed now, after the recovery's time ran out: start it, then stop it once InService: aws sagemaker start-notebook-instance --notebook-instance-name research-notebook.",
    );
    expect(report.subject).toContain('ACTION NEEDED');
  });

  it('Given the backup lifecycle configuration still attached when its budget runs out, When reported, Then the note gives the exact update to put the original back and the start', () => {
    const report = buildFailureReport({
      ...baseInput,
      notebook: { status: 'Stopping', settings: { RootAccess: 'Enabled' } },
      recreation: { deleted: false, lifecycleSwapped: true },
      snapshot: { restoreCommand: '', originalLifecycleConfigName: 'install-packages' },
    });
    expect(report.note).toContain(
      'It is Stopping with the backup lifecycle configuration still attached: once it is Stopped, run aws sagemaker update-notebook-instance --notebook-instance-name research-notebook --lifecycle-config-name install-packages, then aws sagemaker start-notebook-instance --notebook-instance-name research-notebook.',
    );
    expect(report.subject).toContain('ACTION NEEDED');
  });

  it('Given the last describe of the recovery failed, When reported, Then the note claims no current status: the last one seen, and what to do from each', () => {
    const report = buildFailureReport({
      ...baseInput,
      runState: { wasRunning: false },
      notebook: { status: 'Updating', settings: { RootAccess: 'Enabled' }, unseen: true },
      recovery: { restarted: false },
      recoveryError: {
        Error: 'SageMaker.SageMakerException',
        Cause:
          'Rate exceeded (Service: SageMaker, Status Code: 400, Error Code: ThrottlingException, Request ID: x)',
      },
    });

    expect(report.note).toContain(
      "It was not running before; its status could not be read when the recovery's time ran out (last seen Updating): look at it in the SageMaker console and, if InService, stop it: aws sagemaker stop-notebook-instance --notebook-instance-name research-notebook. The last recovery step failed: ThrottlingException: Rate exceeded.",
    );
    expect(report.note).not.toMatch(/\bis Updating\b/);
    expect(report.message).toContain('Notebook last seen: Updating, RootAccess is Enabled');
    expect(report.subject).toContain('ACTION NEEDED');
  });

  it('notebook deleted mid-run: nothing to restore, said plainly', () => {
    const report = buildFailureReport({
      ...baseInput,
      recovery: { restarted: false },
      recoveryError: {
        Error: 'SageMaker.SageMakerException',
        Cause:
          'RecordNotFound (Service: SageMaker, Status Code: 400, Error Code: ValidationException, Request ID: 1)',
      },
    });
    expect(report.note).toContain('It was deleted outside this workflow, so there is nothing to restore.');
    expect(report.subject).not.toContain('ACTION NEEDED');
  });

  it('Given recovery steps that kept failing until the budget ran out, When reported, Then action is needed and the last recovery error is named', () => {
    const report = buildFailureReport({
      ...baseInput,
      notebook: { status: 'Stopped', settings: { RootAccess: 'Enabled' } },
      recovery: { restarted: false },
      recoveryError: {
        Error: 'SageMaker.SageMakerException',
        Cause:
          'Rate exceeded (Service: SageMaker, Status Code: 400, Error Code: ThrottlingException, Request ID: 1)',
      },
    });
    expect(report.message).toContain('The last recovery step failed: ThrottlingException: Rate exceeded.');
    expect(report.subject).toContain('ACTION NEEDED');
  });

  it('Given a recovery step that failed once but a notebook back InService, When reported, Then it is restored and no action is needed', () => {
    const report = buildFailureReport({
      ...baseInput,
      recoveryError: { Error: 'SageMaker.SageMakerException', Cause: 'Rate exceeded' },
    });
    expect(report.subject).not.toContain('ACTION NEEDED');
    expect(report.note).toContain('the workflow restarted it and it is InService again');
  });

  it('notebook that was not running: left as it was', () => {
    const report = buildFailureReport({
      ...baseInput,
      runState: { wasRunning: false },
      notebook: { status: 'Stopped', settings: { RootAccess: 'Enabled' } },
    });
    expect(report.note).toContain('It was not running before and is Stopped, as it was.');
    expect(report.subject).not.toContain('ACTION NEEDED');
  });

  it('a very long cause: the note is cut to Security Hub’s 512 characters, the alert keeps it all', () => {
    const cause = `${'x'.repeat(2000)} (Service: SageMaker, Status Code: 500, Error Code: InternalFailure, Request ID: 1)`;
    const report = buildFailureReport({
      ...baseInput,
      failure: { Error: 'SageMaker.SageMakerException', Cause: cause },
    });
    expect(report.note).toHaveLength(512);
    expect(report.note.endsWith('…')).toBe(true);
    expect(report.message).toContain(cause);
  });
});

describe('buildFailureReport after a recreation deleted the notebook', () => {
  const restoreCommand = restoreCommandFor(
    'backups',
    'roles/AROAEXAMPLE:SageMaker/research-notebook/20261123T090000Z-run-1',
  );
  const deleted = {
    ...baseInput,
    notebook: { status: 'Unknown', settings: { RootAccess: 'Unknown' } },
    recovery: { restarted: false },
    recoveryError: { Error: 'SageMaker.SageMakerException', Cause: 'RecordNotFound' },
    recreation: { deleted: true },
    snapshot: { restoreCommand },
  } satisfies FailureReportInput;

  it('Given the notebook is gone, When the report is built, Then the note gives the restore command and the error, and action is needed', () => {
    const report = buildFailureReport(deleted);

    expect(report.note).toBe(
      `Remediation of SageMaker.3 failed. It was deleted to be recreated and is not back: restore it with: ${restoreCommand} Error: ThrottlingException: Rate exceeded`,
    );
    expect(report.subject).toContain('ACTION NEEDED');
    expect(report.message).toContain(`restore it with: ${restoreCommand}`);
  });

  /** The longest names AWS allows in each part of the command and of the note. */
  const LONGEST = {
    bucket: `b${'0123456789'.repeat(6)}xy`,
    roleId: `AROA${'A'.repeat(17)}`,
    notebook: `N${'0123456789'.repeat(6)}xy`,
    execution: `e${'0123456789'.repeat(7)}abcdefghi`,
    controlId: 'SageMaker.25',
  };
  const longestCommand = restoreCommandFor(
    LONGEST.bucket,
    snapshotPrefix(LONGEST.roleId, LONGEST.notebook, `20261123T090000Z-${LONGEST.execution}`),
  );
  const longestInput = (status: string): FailureReportInput => ({
    ...deleted,
    plan: {
      controlId: LONGEST.controlId,
      notebook: {
        name: LONGEST.notebook,
        arn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${LONGEST.notebook.toLowerCase()}`,
      },
      finding: { id: 'finding-1' },
    },
    failure: {
      Error: 'SageMaker.SageMakerException',
      Cause: `${'x'.repeat(3000)} (Service: SageMaker, Status Code: 500, Error Code: InternalFailure, Request ID: 1)`,
    },
    notebook: { status, settings: { RootAccess: 'Disabled' } },
    recovery: { restarted: false },
    // A notebook that is back was described without error; one that is not was not found.
    recoveryError: status === 'InService' || status === 'Failed' ? null : deleted.recoveryError,
    execution: {
      id: `arn:aws:states:eu-west-1:111122223333:execution:remediation:${LONGEST.execution}`,
      name: LONGEST.execution,
    },
    snapshot: { restoreCommand: longestCommand },
  });

  it('Given the longest names AWS allows, When the command is built, Then it is 318 characters', () => {
    expect(LONGEST.bucket).toHaveLength(63);
    expect(LONGEST.roleId).toHaveLength(21);
    expect(LONGEST.notebook).toHaveLength(63);
    expect(LONGEST.execution).toHaveLength(80);
    expect(longestCommand).toHaveLength(318);
  });

  it.each([
    ['deleted and not back', 'Unknown', 'It was deleted to be recreated and is not back: restore it with: '],
    [
      'recreated but not finished',
      'InService',
      'It was recreated and is InService, but the recreation did not finish: if anything is missing, delete it and restore with: ',
    ],
    // Before, this read "deleted ... and is not back" though the new notebook was there, Failed.
    [
      'recreated but Failed',
      'Failed',
      'It was recreated but the new notebook is Failed: delete it and restore with: ',
    ],
  ])(
    'Given the longest names and a 3,000-character error, When the notebook is %s, Then the note fits 512 characters with the whole command, and only the error is cut',
    (_case, status, sentence) => {
      const report = buildFailureReport(longestInput(status));

      expect(report.note.length).toBeLessThanOrEqual(512);
      expect(report.note).toContain(`${sentence}${longestCommand} Error: InternalFailure: xxx`);
      expect(report.note.endsWith('x…')).toBe(true);
      // And the alert keeps everything
      expect(report.message).toContain('x'.repeat(3000));
    },
  );

  it('Given the longest names and a short error, When the report is built, Then the note holds the whole error', () => {
    const report = buildFailureReport({
      ...longestInput('Unknown'),
      failure: { Error: 'States.Timeout' },
    });

    expect(report.note.endsWith(`${longestCommand} Error: States.Timeout`)).toBe(true);
  });
});
