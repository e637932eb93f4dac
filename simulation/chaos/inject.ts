/**
 * Puts a plan's faults into a deployment, each at its moment of simulated time: failing and throttled
 * calls (the account's FaultInjector), failed Lambda invokes, notebook misbehaviour, someone else
 * restarting or deleting the notebook, an operator's StopExecution, and lifecycle copies that fail
 * (FAKE_AWS_FAIL_ON). `lift` ends whatever still lasts once the run is over.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedSageMaker } from '../account/sagemaker.js';
import type { LocalDeployment } from '../runner/local-deployment.js';
import type { FaultSpec, RunPlan } from './plan.js';

/** Failures of a persistent call fault: more than any run makes. */
const PERSISTENT_TIMES = 1_000_000;
/** How often someone else looks at the notebook while they wait for it. */
const HUMAN_POLL_MS = 30_000;
/** They give up after this many looks (an hour). */
const HUMAN_MAX_POLLS = 120;

export interface Interference {
  readonly at: Date;
  readonly what: string;
  /** Someone else started or stopped the notebook (not a save, not a StopExecution). */
  readonly changedRunState: boolean;
}

export interface InjectedFaults {
  /** What someone else did to the notebook or the execution, in order. */
  readonly interference: Interference[];
  /** The saves users made that succeeded, by path (the last one wins): the volume must keep them. */
  readonly savedFiles: Map<string, string>;
  /** Resolves once every scheduled fault and human action has played out. */
  readonly done: Promise<void>;
  /** Ends every fault still in force (the run is over). */
  lift(): void;
}

export function injectFaults(
  deployment: LocalDeployment,
  plan: RunPlan,
  notebookName: string,
): InjectedFaults {
  const { account } = deployment;
  const { clock, faults } = account;
  const startMs = clock.nowMs();
  const interference: Interference[] = [];
  const note = (what: string, changedRunState = false) =>
    interference.push({ at: clock.now(), what, changedRunState });
  const lifts: Array<() => void> = [];
  const invokeFaults: Array<{ arn: string; code: string; remaining: number }> = [];
  const copyFaults: Array<{ failOn: string; remaining: number }> = [];
  const scheduled: Promise<void>[] = [];
  const savedFiles = new Map<string, string>();

  const at = (seconds: number, action: () => void | Promise<void>) => {
    scheduled.push(clock.sleep(seconds * 1000).then(action));
  };

  for (const fault of plan.faults) {
    const times = fault.persistent ? PERSISTENT_TIMES : (('times' in fault ? fault.times : undefined) ?? 1);
    switch (fault.kind) {
      case 'throttle':
        at(fault.atSeconds, () => {
          faults.throttle({ service: fault.service, operation: fault.operation, times });
        });
        break;
      case 'serverError':
      case 'validationError':
        at(fault.atSeconds, () => {
          faults.failNext({ service: fault.service, operation: fault.operation, code: fault.code, times });
        });
        break;
      case 'lambdaInvokeError':
        at(fault.atSeconds, () => {
          invokeFaults.push({
            arn: deployment.deployedFunction(fault.functionId).arn,
            code: fault.code,
            remaining: times,
          });
        });
        break;
      case 'stuckInStopping':
        at(fault.atSeconds, () => {
          faults.onNotebook(notebookName, { stuckInStopping: true });
          if (fault.minutes !== undefined) {
            at(fault.atSeconds + fault.minutes * 60, () =>
              faults.clearNotebookFault(notebookName, 'stuckInStopping'),
            );
          }
        });
        break;
      case 'startFails':
        at(fault.atSeconds, () => {
          faults.onNotebook(notebookName, {
            startFailureReason: 'Unable to provision the instance: insufficient capacity. Please try again.',
            startFailureTimes: times,
          });
        });
        break;
      case 'updateFails':
        at(fault.atSeconds, () => {
          faults.onNotebook(notebookName, {
            updateFailureReason: 'An internal error occurred while updating the notebook instance.',
            updateFailureTimes: times,
          });
        });
        break;
      case 'updateRefused':
        at(fault.atSeconds, () => {
          const refusal = {
            code: 'ValidationException',
            message: 'The update is not allowed for this notebook instance.',
          };
          if (fault.persistent) faults.onNotebook(notebookName, { rejectUpdate: refusal });
          else
            faults.failNext({
              service: 'SageMaker',
              operation: 'UpdateNotebookInstance',
              ...refusal,
              times,
              resourceName: notebookName,
            });
        });
        break;
      case 'deletedBySomeoneElse':
        faults.onNotebook(notebookName, {
          externalDeletion: fault.afterOperation
            ? { afterOperation: fault.afterOperation, delayMs: fault.delaySeconds * 1000 }
            : { at: new Date(startMs + fault.atSeconds * 1000) },
        });
        break;
      case 'restartedBySomeoneElse':
        at(fault.atSeconds, () =>
          restartLikeAPerson(account.sagemaker, notebookName, plan.notebook.running, clock, (what) =>
            note(what, true),
          ),
        );
        break;
      case 'userSaves':
        for (let save = 0; save < fault.saves; save += 1) {
          at(fault.atSeconds + save * fault.everySeconds, () => {
            // A new version of the notebook, or a new file, as a person saves them in Jupyter.
            const path = save % 2 === 0 ? 'analysis.ipynb' : `results/run-${save}.json`;
            const content = `{"saved": ${save}, "at": "${clock.now().toISOString()}"}\n`;
            try {
              account.sagemaker.userWrite(notebookName, path, content);
              savedFiles.set(path, content);
              note(`someone else: saved ${path}`);
            } catch {
              // Refused in front of them (not running, or read-only during a backup): nothing is lost.
            }
          });
        }
        break;
      case 'stopExecution':
        at(fault.atSeconds, () => {
          const running = deployment.stateMachine.executions.find(
            (execution) => execution.status === 'RUNNING',
          );
          if (!running) return;
          deployment.stateMachine.stop(
            running.executionArn,
            'Chaos.StopExecution',
            'An operator stopped the execution.',
          );
          note(`StopExecution ${running.name}`);
        });
        break;
      case 'backupFailure':
        at(fault.atSeconds, () => {
          copyFaults.push({ failOn: fault.failOn, remaining: times });
        });
        break;
      default:
        throw new Error(`no injection for ${(fault as FaultSpec).kind}`);
    }
  }

  lifts.push(wrapInvokes(deployment, invokeFaults));
  if (plan.faults.some((fault) => fault.kind === 'backupFailure'))
    lifts.push(wrapCopies(deployment, copyFaults));

  return {
    interference,
    savedFiles,
    done: Promise.all(scheduled).then(() => undefined),
    lift: () => {
      for (const lift of lifts) lift();
      faults.reset();
    },
  };
}

/**
 * The state machine's Lambda invokes fail as the Lambda service fails them (before the function runs),
 * where the deployment checks the invoke permission: the runner asks the account for every invoke.
 */
function wrapInvokes(
  deployment: LocalDeployment,
  invokeFaults: Array<{ arn: string; code: string; remaining: number }>,
): () => void {
  const { account } = deployment;
  const original = account.authorizeInvoke.bind(account);
  account.authorizeInvoke = async (caller, functionArn) => {
    await original(caller, functionArn);
    const fault = invokeFaults.find((candidate) => candidate.arn === functionArn && candidate.remaining > 0);
    if (!fault) return;
    fault.remaining -= 1;
    const throttled = fault.code.endsWith('TooManyRequestsException');
    throw Object.assign(
      new Error(
        `${throttled ? 'Rate Exceeded.' : 'Lambda encountered an internal error.'} (Service: AWSLambda; Status Code: ${throttled ? 429 : 500}; Error Code: ${fault.code.replace('Lambda.', '')})`,
      ),
      { name: fault.code },
    );
  };
  return () => {
    account.authorizeInvoke = original;
  };
}

/**
 * Copies of the lifecycle scripts fail (FAKE_AWS_FAIL_ON) while a fault lasts: each attempt on a
 * matching key (the stand-in logs every copy it tries) uses up one failure.
 */
function wrapCopies(
  deployment: LocalDeployment,
  copyFaults: Array<{ failOn: string; remaining: number }>,
): () => void {
  const host = deployment.account.notebookHost;
  const original = host.runScript.bind(host);
  let runs = 0;
  host.runScript = (request) => {
    const active = copyFaults.find((fault) => fault.remaining > 0);
    if (!active) return original(request);
    runs += 1;
    const log = join(deployment.account.storage.root, `chaos-copies-${runs}.log`);
    host.extraEnv.FAKE_AWS_FAIL_ON = active.failOn;
    host.extraEnv.FAKE_AWS_LOG = log;
    try {
      return original(request);
    } finally {
      delete host.extraEnv.FAKE_AWS_FAIL_ON;
      delete host.extraEnv.FAKE_AWS_LOG;
      const attempts = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => /^(upload|download) /.test(line) && line.includes(active.failOn)).length
        : 0;
      active.remaining -= attempts;
    }
  };
  return () => {
    host.runScript = original;
  };
}

/**
 * Someone restarts the notebook from the console, as a person would: they stop it (once it can be
 * stopped) and start it again, or, if it was stopped before, start it, use it, and stop it. They wait
 * out transitions and retry a refused call, and give up after an hour. They leave it as it was before.
 */
async function restartLikeAPerson(
  sagemaker: SimulatedSageMaker,
  name: string,
  wasRunning: boolean,
  clock: LocalDeployment['account']['clock'],
  note: (what: string) => void,
): Promise<void> {
  const statusNow = (): string | undefined =>
    sagemaker.hasNotebook(name)
      ? sagemaker.describeNotebookInstance({ NotebookInstanceName: name }).NotebookInstanceStatus
      : undefined;
  const until = async (wanted: readonly string[], act: () => void, what: string): Promise<boolean> => {
    for (let poll = 0; poll < HUMAN_MAX_POLLS; poll += 1) {
      const status = statusNow();
      if (status === undefined) return false;
      if (wanted.includes(status)) {
        try {
          act();
          note(`someone else: ${what}`);
          return true;
        } catch {
          // Refused (the workflow changed it meanwhile): look again later.
        }
      }
      await clock.sleep(HUMAN_POLL_MS);
    }
    return false;
  };
  const stop = () => sagemaker.stopNotebookInstance({ NotebookInstanceName: name });
  const start = () => sagemaker.startNotebookInstance({ NotebookInstanceName: name });
  const steps = wasRunning
    ? ([
        [['InService'], stop, 'StopNotebookInstance'],
        [['Stopped', 'Failed'], start, 'StartNotebookInstance'],
      ] as const)
    : ([
        [['Stopped', 'Failed'], start, 'StartNotebookInstance'],
        [['InService'], stop, 'StopNotebookInstance'],
      ] as const);
  for (const [wanted, act, what] of steps) {
    if (!(await until(wanted, act, what))) return;
  }
  // They watch it get there: the run is not over while their start or stop is still under way.
  const settled = wasRunning ? 'InService' : 'Stopped';
  for (
    let poll = 0;
    poll < HUMAN_MAX_POLLS && !['Failed', settled, undefined].includes(statusNow());
    poll += 1
  ) {
    await clock.sleep(HUMAN_POLL_MS);
  }
}
