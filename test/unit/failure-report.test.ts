import { describe, expect, it } from 'vitest';
import {
  buildFailureReport,
  type FailureReportInput,
  summariseError,
} from '../../handlers/shared/failure-report.js';

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
  notebook: { status: 'InService', rootAccess: 'Enabled' },
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

  it('notebook left stopped: the subject says action is needed', () => {
    const report = buildFailureReport({
      ...baseInput,
      notebook: { status: 'Stopped', rootAccess: 'Enabled' },
    });
    expect(report.subject).toBe('SageMaker.3 remediation failed - ACTION NEEDED: research-notebook');
    expect(report.note).toContain('It was running before but is Stopped now: start it again.');
  });

  it('notebook deleted mid-run: nothing to restore, said plainly', () => {
    const report = buildFailureReport({
      ...baseInput,
      recovery: {
        restarted: false,
        error: {
          Error: 'SageMaker.SageMakerException',
          Cause:
            'RecordNotFound (Service: SageMaker, Status Code: 400, Error Code: ValidationException, Request ID: 1)',
        },
      },
    });
    expect(report.note).toContain('It was deleted outside this workflow, so there is nothing to restore.');
    expect(report.subject).not.toContain('ACTION NEEDED');
  });

  it('recovery describe failed for another reason: reported, and action is needed', () => {
    const report = buildFailureReport({
      ...baseInput,
      recovery: {
        restarted: false,
        error: {
          Error: 'SageMaker.SageMakerException',
          Cause:
            'Rate exceeded (Service: SageMaker, Status Code: 400, Error Code: ThrottlingException, Request ID: 1)',
        },
      },
    });
    expect(report.note).toContain(
      'Its state could not be checked or restored (ThrottlingException: Rate exceeded)',
    );
    expect(report.subject).toContain('ACTION NEEDED');
  });

  it('notebook that was not running: left as it was', () => {
    const report = buildFailureReport({
      ...baseInput,
      runState: { wasRunning: false },
      notebook: { status: 'Stopped', rootAccess: 'Enabled' },
    });
    expect(report.note).toContain('It was not running before and was left Stopped.');
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
  it('the notebook is gone: the note gives the restore command first, and action is needed', () => {
    const restoreCommand =
      'npx tsx bin/restore-notebook.ts --bucket backups --snapshot roles/AROAEXAMPLE:SageMaker/research-notebook/20261123T090000Z-run-1';
    const report = buildFailureReport({
      ...baseInput,
      notebook: { status: 'Unknown', rootAccess: 'Unknown' },
      recovery: {
        restarted: false,
        error: { Error: 'SageMaker.SageMakerException', Cause: 'RecordNotFound' },
      },
      recreation: { deleted: true },
      snapshot: { restoreCommand },
    });
    expect(report.note).toContain(
      `It was deleted to be recreated and is not back: restore it with: ${restoreCommand}`,
    );
    expect(report.note.length).toBeLessThanOrEqual(512);
    expect(report.subject).toContain('ACTION NEEDED');
  });
});
