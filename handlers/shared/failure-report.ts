/**
 * Turns a failed remediation into words: the note on the finding (<= 512 characters) and the alert.
 * Step Functions hands over the raw error; for AWS SDK tasks the useful part (ThrottlingException,
 * "Status (Stopping) not in ([InService])"...) is buried in the Cause, so it is dug out here.
 */
import { NOTE_LIMIT, toSubject, truncate } from './plan-decisions.js';

export interface FailureReportInput {
  readonly plan: {
    readonly controlId: string;
    readonly notebook: { readonly name: string; readonly arn: string };
    readonly finding: { readonly id: string };
  };
  readonly failure: { readonly Error: string; readonly Cause?: string | undefined };
  /** As last observed: its status and the in-place controls' settings (notebook-settings.ts). */
  readonly notebook: {
    readonly status: string;
    readonly settings: Readonly<Record<string, string>>;
    /** Set when the last describe failed: `status` is the one last seen, not the current one. */
    readonly unseen?: boolean | undefined;
  };
  readonly runState: { readonly wasRunning: boolean };
  readonly recovery: { readonly restarted: boolean };
  /** The last recovery step that failed, if any (recovery may have gone on to succeed). */
  readonly recoveryError?: { readonly Error: string; readonly Cause?: string | undefined } | null | undefined;
  readonly execution: { readonly id: string; readonly name: string };
  /** Set by the recreate branch: the original deleted already; the backup configuration still attached. */
  readonly recreation?:
    | { readonly deleted: boolean; readonly lifecycleSwapped?: boolean | undefined }
    | undefined;
  /** Set by the recreate branch once the snapshot exists ('' before). */
  readonly snapshot?:
    | {
        readonly restoreCommand: string;
        readonly snapshotPrefix?: string | undefined;
        /** The notebook's own lifecycle configuration ('' for none). */
        readonly originalLifecycleConfigName?: string | undefined;
      }
    | undefined;
}

export interface FailureReport {
  readonly note: string;
  readonly subject: string;
  readonly message: string;
}

/** "ThrottlingException: Rate exceeded" out of whatever shape the Cause has. */
export function summariseError(error: string, cause: string | undefined): string {
  if (!cause) return error;
  const lambdaError = parseLambdaCause(cause);
  if (lambdaError) return `${lambdaError.errorType}: ${lambdaError.errorMessage}`;
  // AWS SDK integration causes end in "(Service: X, Status Code: N, Error Code: Code, Request ID: ...)".
  const sdkCause = /^(.*?)\s*\(Service: [^,]+, Status Code: \d+(?:, Error Code: ([A-Za-z]+))?/s.exec(cause);
  if (sdkCause) {
    const code = sdkCause[2] ?? error.split('.').pop() ?? error;
    return `${code}: ${sdkCause[1]}`;
  }
  return `${error}: ${cause}`;
}

function parseLambdaCause(cause: string): { errorType: string; errorMessage: string } | undefined {
  if (!cause.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorType === 'string' && typeof parsed.errorMessage === 'string') {
      return { errorType: parsed.errorType, errorMessage: parsed.errorMessage };
    }
  } catch {
    // Not JSON after all: treated as plain text by the caller.
  }
  return undefined;
}

/** What happened to the notebook's run state, in one sentence; when it is not back, what to run. */
export function describeRecovery(input: FailureReportInput): { sentence: string; restored: boolean } {
  const { notebook, runState, recovery, recoveryError } = input;
  // The last describe found no notebook: whatever status the state still carries is from before.
  const gone = recoveryError && /RecordNotFound/i.test(recoveryError.Cause ?? '');
  if (input.recreation?.deleted) {
    const back = !gone && (notebook.status === 'InService' || notebook.status === 'Stopped');
    const command = input.snapshot?.restoreCommand;
    if (back && input.recreation.lifecycleSwapped) {
      // Its own lifecycle configuration and repositories were never applied: the restore tool does it all.
      return {
        sentence: command
          ? `It was recreated and is ${notebook.status}, but still with the restore lifecycle configuration, without its own configuration and repositories: delete it and restore with: ${command}`
          : `It was recreated and is ${notebook.status}, but still with the restore lifecycle configuration; its snapshot is kept.`,
        restored: false,
      };
    }
    if (back) {
      // A new notebook exists, but the recreation did not finish: its snapshot has everything.
      return {
        sentence: command
          ? `It was recreated and is ${notebook.status}, but the recreation did not finish: if anything is missing, delete it and restore with: ${command}`
          : `It was recreated and is ${notebook.status}, but the recreation did not finish; its snapshot is kept.`,
        restored: false,
      };
    }
    if (!gone && notebook.status === 'Failed') {
      // The new notebook exists but did not come up: it holds nothing the snapshot does not.
      return {
        sentence: command
          ? `It was recreated but the new notebook is Failed: delete it and restore with: ${command}`
          : 'It was recreated but the new notebook is Failed: delete it and restore it from its snapshot.',
        restored: false,
      };
    }
    // The workflow deleted it to recreate it: the snapshot is the way back, and it is kept.
    return {
      sentence: command
        ? `It was deleted to be recreated and is not back: restore it with: ${command}`
        : 'It was deleted to be recreated and is not back: restore it from its snapshot.',
      restored: false,
    };
  }
  if (gone || notebook.status === 'Deleting') {
    // Deleted outside this workflow: there is no run state left to restore.
    return {
      sentence: 'It was deleted outside this workflow, so there is nothing to restore.',
      restored: true,
    };
  }
  const name = input.plan.notebook.name;
  const cli = (action: string, extra = '') =>
    `aws sagemaker ${action} --notebook-instance-name ${name}${extra}`;
  const lastError = recoveryError
    ? ` The last recovery step failed: ${summariseError(recoveryError.Error, recoveryError.Cause)}.`
    : '';
  if (input.recreation?.lifecycleSwapped) {
    const original = input.snapshot?.originalLifecycleConfigName;
    const putBack = cli(
      'update-notebook-instance',
      original ? ` --lifecycle-config-name ${original}` : ' --disassociate-lifecycle-config',
    );
    return {
      sentence: `It is ${notebook.status} with the backup lifecycle configuration still attached: once it is Stopped, run ${putBack}${runState.wasRunning ? `, then ${cli('start-notebook-instance')}` : ''}.${lastError}`,
      restored: false,
    };
  }
  if (runState.wasRunning && notebook.status === 'InService') {
    return {
      sentence: recovery.restarted
        ? 'It was running before; the workflow restarted it and it is InService again.'
        : 'It is InService, as it was before.',
      restored: true,
    };
  }
  if (!runState.wasRunning && notebook.status === 'Stopped') {
    return { sentence: 'It was not running before and is Stopped, as it was.', restored: true };
  }
  if (notebook.unseen) {
    // Its status could not be read: no claim about it now, only what to do from each status.
    const step = runState.wasRunning
      ? `if Stopped or Failed, start it: ${cli('start-notebook-instance')}`
      : `if InService, stop it: ${cli('stop-notebook-instance')}`;
    return {
      sentence: `It was ${runState.wasRunning ? 'running' : 'not running'} before; its status could not be read when the recovery's time ran out (last seen ${notebook.status}): look at it in the SageMaker console and, ${step}.${lastError}`,
      restored: false,
    };
  }
  const steps: Record<string, string> = runState.wasRunning
    ? {
        Stopped: `start it: ${cli('start-notebook-instance')}`,
        Failed: `start it: ${cli('start-notebook-instance')}`,
      }
    : {
        InService: `stop it: ${cli('stop-notebook-instance')}`,
        Failed: `start it, then stop it once InService: ${cli('start-notebook-instance')}`,
      };
  const step =
    steps[notebook.status] ??
    `once it is ${runState.wasRunning ? 'Stopped or Failed, start it' : 'InService, stop it'} (it may be stuck: see the SageMaker console)`;
  return {
    sentence: `It was ${runState.wasRunning ? 'running' : 'not running'} before and is ${notebook.status} now, after the recovery's time ran out: ${step}.${lastError}`,
    restored: false,
  };
}

export function buildFailureReport(input: FailureReportInput): FailureReport {
  const { plan, failure, notebook, execution } = input;
  const error = summariseError(failure.Error, failure.Cause);
  const recovery = describeRecovery(input);
  const subject = toSubject(
    `${plan.controlId} remediation failed${recovery.restored ? '' : ' - ACTION NEEDED'}: ${plan.notebook.name}`,
  );
  const message = [
    `Remediation of ${plan.controlId} on notebook instance ${plan.notebook.arn} failed.`,
    '',
    `Error: ${failure.Error}`,
    `Cause: ${failure.Cause ?? '(none)'}`,
    '',
    `${notebook.unseen ? 'Notebook last seen' : 'Notebook now'}: ${[notebook.status, ...settingsNow(notebook.settings)].join(', ')}`,
    recovery.sentence,
    '',
    `Finding: ${plan.finding.id} (workflow status set to NOTIFIED)`,
    `Execution: ${execution.id}`,
  ].join('\n');
  return { note: failureNote(input, recovery.sentence, error), subject, message };
}

/** "RootAccess is Enabled" for each setting the in-place controls check, as last observed. */
function settingsNow(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).map(([field, value]) => `${field} is ${value}`);
}

/** Room the error keeps at least; with less, the note leaves the error to the alert. */
const MIN_ERROR_ROOM = 16;

/**
 * The note, at most NOTE_LIMIT characters. Everything but the error text is fixed, and only the error
 * is shortened. With a restore command (the notebook was deleted), the note is only the control, the
 * recovery sentence holding the whole command, and the error: the command names the notebook and the
 * execution (its snapshot id ends with the execution name), so they are not repeated, and a deleted
 * notebook has no settings to report. With the longest names AWS allows (63-character bucket and
 * notebook, 21-character role id, 80-character execution) the command is 318 characters and the
 * fixed part under 480 (test/unit/failure-report.test.ts).
 */
function failureNote(input: FailureReportInput, recoverySentence: string, error: string): string {
  const { plan, notebook, execution } = input;
  const command = input.recreation?.deleted ? input.snapshot?.restoreCommand : undefined;
  const fixed = command
    ? `Remediation of ${plan.controlId} failed. ${recoverySentence}`
    : `Remediation of ${plan.controlId} on notebook instance ${plan.notebook.name} failed. ${recoverySentence} ${settingsNow(notebook.settings).join(', ')}. Execution ${execution.name}.`;
  const label = ' Error: ';
  const room = NOTE_LIMIT - fixed.length - label.length;
  if (room >= Math.min(error.length, MIN_ERROR_ROOM)) return `${fixed}${label}${truncate(error, room)}`;
  if (fixed.length <= NOTE_LIMIT) return fixed;
  // Only past AWS's own name limits: the command still goes whole, and the rest gives way.
  return command && recoverySentence.length <= NOTE_LIMIT ? recoverySentence : truncate(fixed, NOTE_LIMIT);
}
