/**
 * The outcome of one fault run, decided from facts alone (what the account holds at the end, and what
 * the plan did to it): safe or unsafe, and why. Pure, so its rules are unit-tested on hand-made facts
 * (test/unit/chaos-classify.test.ts).
 *
 * Safe, as issue 7 defines it: the notebook is back in its prior run state with its own lifecycle
 * configuration (or, after a persistent refusal, an ACTION NEEDED alert says exactly what state it is in
 * and what to do; or someone else deleted it); no data lost; no lock or open plan left; every finding
 * has a truthful note; and no execution hung.
 */
import { WORK_BUDGET_SECONDS } from '../../handlers/shared/work-budget.js';
import type { ChaosPath } from './fault-catalogue.js';
import type { FaultKind } from './plan.js';

/** A volume as path -> SHA-256 of the bytes. */
export type VolumeDigest = Readonly<Record<string, string>>;

export interface NotebookFacts {
  readonly status: string;
  readonly lifecycleConfigName?: string | undefined;
  readonly rootAccess: string;
  readonly directInternetAccess: string;
  readonly inVpc: boolean;
  readonly files: VolumeDigest;
}

export interface SnapshotFacts {
  /** `s3://<bucket>/<snapshot prefix>`, as the restore command names it. */
  readonly uri: string;
  /** backup-status/complete exists. */
  readonly complete: boolean;
  /** The files data/manifest.jsonl lists, when it exists and parses. */
  readonly files?: VolumeDigest | undefined;
}

export interface FindingFacts {
  /** The finding's Id (alerts name it). */
  readonly id?: string | undefined;
  readonly controlId: string;
  readonly workflowStatus: string;
  readonly note: string;
  /** When the note was last written (ms since the epoch), if it was. */
  readonly noteAtMs?: number | undefined;
}

export interface FaultFacts {
  readonly kind: FaultKind;
  readonly persistent: boolean;
  /** For call faults: the call that fails. */
  readonly service?: string;
  readonly operation?: string;
}

export interface RunFacts {
  readonly path: ChaosPath;
  readonly prior: {
    readonly running: boolean;
    readonly lifecycleConfigName?: string | undefined;
    /** The files the volume must hold: those before the run, as users last saved them during it. */
    readonly files: VolumeDigest;
  };
  /** The notebook at the end; undefined once it is gone. */
  readonly final?: NotebookFacts | undefined;
  readonly faults: readonly FaultFacts[];
  /** The notebook went because someone else deleted it, not the workflow. */
  readonly deletedBySomeoneElse: boolean;
  /** The workflow deleted the notebook at least once (to recreate it). */
  readonly workflowDeletedNotebook: boolean;
  readonly snapshots: readonly SnapshotFacts[];
  readonly findings: readonly FindingFacts[];
  readonly alerts: ReadonlyArray<{ readonly subject: string; readonly message: string }>;
  /** Items left in the lock table after the run (and the sweeper, if deployed). */
  readonly lockItems: number;
  /** Statuses of the plans left in the approval table that are not final. */
  readonly openPlans: readonly string[];
  readonly executions: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly error?: string;
    readonly transitions?: number;
    /** When it ended (ms since the epoch), if it has. */
    readonly stoppedAtMs?: number | undefined;
    readonly startedAtMs?: number | undefined;
    /** It ended at Step Functions' 25,000-event history limit: it looped, whatever state it was in. */
    readonly historyLimit?: boolean | undefined;
  }>;
  /** When someone else last started or stopped the notebook (ms since the epoch); saves and StopExecution do not count. */
  readonly lastInterferenceAtMs?: number | undefined;
}

export interface RunOutcome {
  readonly safe: boolean;
  readonly dataLost: boolean;
  readonly leftStopped: boolean;
  readonly lockLeak: boolean;
  readonly stuck: boolean;
  readonly untruthful: boolean;
  /** Every fault of the run was transient (no lasting fault, no refusal). */
  readonly transient: boolean;
  /** Why the run is unsafe, one reason a line (empty when safe). */
  readonly reasons: readonly string[];
}

/** Plan statuses that mean the plan is over (a closed plan is deleted, so normally none is left). */
const FINAL_PLAN_STATUSES = new Set(['REJECTED', 'EXPIRED', 'CLOSED', 'DONE', 'COMPLETED', 'FAILED']);

export function isOpenPlanStatus(status: string): boolean {
  return !FINAL_PLAN_STATUSES.has(status);
}

/** Notebook statuses a note may claim (`is Stopped now`, `was left Stopped`...). */
const STATUS_CLAIM = /\b(?:is|left) (InService|Stopped|Stopping|Failed|Pending|Updating|Deleting)\b/g;

/** Whether the notebook passes the control now. */
function passesControl(controlId: string, notebook: NotebookFacts): boolean {
  switch (controlId) {
    case 'SageMaker.1':
      return notebook.directInternetAccess === 'Disabled';
    case 'SageMaker.2':
      return notebook.inVpc;
    case 'SageMaker.3':
      return notebook.rootAccess === 'Disabled';
    default:
      throw new Error(`the campaign has no check for ${controlId}`);
  }
}

function sameVolume(a: VolumeDigest, b: VolumeDigest): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/**
 * Faults that refuse rather than fail: AWS answers a request it finds invalid the same way each time it
 * is sent, so the SDK and the workflow rightly do not retry it, however few times the campaign makes it
 * happen. A refusal may end in ACTION NEEDED, as a lasting fault may.
 */
const REFUSALS: readonly FaultKind[] = ['validationError', 'updateRefused'];

function isRefusal(fault: FaultFacts): boolean {
  return fault.persistent || REFUSALS.includes(fault.kind);
}

/** A call fault that lasts the whole run on this operation, or refuses it. */
function refused(facts: RunFacts, service: string, operation: string): boolean {
  return facts.faults.some(
    (fault) => isRefusal(fault) && fault.service === service && fault.operation === operation,
  );
}

export function classifyRun(facts: RunFacts): RunOutcome {
  const reasons: string[] = [];
  const { final, prior } = facts;
  const gone = final === undefined || final.status === 'Deleting';
  const transient = facts.faults.every((fault) => !isRefusal(fault));
  const deletedElsewhere = gone && facts.deletedBySomeoneElse;
  const notesDown = refused(facts, 'SecurityHub', 'BatchUpdateFindings');
  const alertsDown = refused(facts, 'SNS', 'Publish');
  const describeDown = refused(facts, 'SageMaker', 'DescribeNotebookInstance');
  // Someone else started or stopped the notebook after the last execution ended: its run state is theirs.
  const lastEndMs = Math.max(0, ...facts.executions.map((execution) => execution.stoppedAtMs ?? Infinity));
  const runStateTheirs = facts.lastInterferenceAtMs !== undefined && facts.lastInterferenceAtMs >= lastEndMs;

  // Data: on the volume, or in a complete snapshot whose restore command every finding carries.
  const volumeKept = !gone && final !== undefined && sameVolume(final.files, prior.files);
  const fullSnapshots = facts.snapshots.filter(
    (snapshot) =>
      snapshot.complete && snapshot.files !== undefined && sameVolume(snapshot.files, prior.files),
  );
  const restorable = fullSnapshots.some((snapshot) =>
    facts.findings.every((finding) => finding.note.includes(snapshot.uri)),
  );
  let dataLost: boolean;
  if (volumeKept) dataLost = false;
  // Someone else's delete lost what it lost; the workflow answers only for what it deleted itself.
  else if (deletedElsewhere) dataLost = facts.workflowDeletedNotebook && fullSnapshots.length === 0;
  else dataLost = !restorable;
  if (dataLost) {
    reasons.push(
      gone
        ? 'data lost: the notebook is gone and no complete snapshot with every file has its restore command on every finding'
        : `data lost: the volume differs from before (${describeDifference(prior.files, final?.files ?? {})}) and no finding gives a restore command for a complete snapshot`,
    );
  }

  // After a refusal that lasts, a human must act: the alert (or, without alerts, the note) says so exactly.
  const saysWhatState = (text: string): boolean =>
    gone ? /restore|deleted/i.test(text) : text.includes(final?.status ?? '\0') || describeDown;
  const actionNeeded =
    facts.alerts.some((alert) => alert.subject.includes('ACTION NEEDED') && saysWhatState(alert.message)) ||
    (alertsDown &&
      facts.findings.length > 0 &&
      facts.findings.every((finding) => saysWhatState(finding.note)));
  // An operator who stops the execution after the delete gets the snapshot and the restore command
  // (issue 7, item 3), not the notebook back: the clean-up cannot finish someone else's decision.
  const stoppedAfterDelete =
    gone &&
    facts.workflowDeletedNotebook &&
    facts.faults.some((fault) => fault.kind === 'stopExecution') &&
    restorable &&
    actionNeeded;
  const restored =
    !gone &&
    final !== undefined &&
    (runStateTheirs || final.status === (prior.running ? 'InService' : 'Stopped')) &&
    final.lifecycleConfigName === prior.lifecycleConfigName;
  const leftStopped =
    transient &&
    prior.running &&
    !runStateTheirs &&
    !stoppedAfterDelete &&
    (gone || final?.status !== 'InService');
  if (leftStopped) reasons.push(`left stopped: it was running and ends ${gone ? 'gone' : final?.status}`);

  const lockLeak = facts.lockItems > 0 || facts.openPlans.length > 0;
  if (lockLeak) {
    reasons.push(
      `lock leak: ${facts.lockItems} lock item(s), open plan(s): ${facts.openPlans.join(', ') || 'none'}`,
    );
  }

  // Hung: still running, timed out, looping until the history limit, or (in place, where nothing waits
  // for approval) running past the work budget.
  const overBudget = (execution: RunFacts['executions'][number]) =>
    facts.path === 'in-place' &&
    execution.startedAtMs !== undefined &&
    execution.stoppedAtMs !== undefined &&
    execution.stoppedAtMs - execution.startedAtMs > WORK_BUDGET_SECONDS * 1000;
  const hung = facts.executions.filter(
    (execution) =>
      execution.status === 'RUNNING' ||
      execution.status === 'TIMED_OUT' ||
      execution.historyLimit === true ||
      overBudget(execution),
  );
  const stuck = hung.length > 0;
  if (stuck)
    reasons.push(
      `stuck: ${hung.map((execution) => `${execution.name} ${execution.status}${execution.historyLimit ? ' at the history limit' : ''}`).join(', ')}`,
    );

  const untruths = facts.findings.flatMap((finding) =>
    noteProblems(finding, facts, { gone, volumeKept, deletedElsewhere, notesDown, transient }),
  );
  reasons.push(...untruths);

  const acceptableEnd = restored || deletedElsewhere || stoppedAfterDelete || (!transient && actionNeeded);
  if (!acceptableEnd && !leftStopped) {
    const state = gone
      ? 'gone'
      : `${final?.status}, lifecycle configuration ${final?.lifecycleConfigName ?? 'none'}`;
    reasons.push(
      `not restored: ends ${state}, was ${prior.running ? 'InService' : 'Stopped'} with ${prior.lifecycleConfigName ?? 'none'}${transient ? '' : ', and no ACTION NEEDED alert saying what state it is in'}`,
    );
  }

  const untruthful = untruths.length > 0;
  const safe = !dataLost && !leftStopped && !lockLeak && !stuck && !untruthful && acceptableEnd;
  return { safe, dataLost, leftStopped, lockLeak, stuck, untruthful, transient, reasons };
}

function noteProblems(
  finding: FindingFacts,
  facts: RunFacts,
  context: {
    gone: boolean;
    volumeKept: boolean;
    deletedElsewhere: boolean;
    notesDown: boolean;
    transient: boolean;
  },
): string[] {
  const { final } = facts;
  const label = `${finding.controlId} finding`;
  const problems: string[] = [];
  // A plan that could not be made changes nothing and leaves the finding NEW on purpose (the next
  // import tries again), with an alert naming it: true after a lasting refusal, a dropped finding after
  // a transient one.
  const planningAlerted =
    !context.transient &&
    finding.id !== undefined &&
    facts.alerts.some((alert) => alert.message.includes(finding.id ?? '\0'));
  // With Security Hub refusing every update, only an alert can tell anyone.
  if (
    finding.workflowStatus === 'NEW' &&
    !planningAlerted &&
    (!context.notesDown || facts.alerts.length === 0)
  ) {
    problems.push(
      `untruthful: ${label} left NEW${context.notesDown ? ', and no alert says what happened' : ''}`,
    );
  }
  if (finding.workflowStatus === 'NOTIFIED' && finding.note.trim() === '' && !context.notesDown) {
    problems.push(`untruthful: ${label} NOTIFIED without a note`);
  }
  if (finding.workflowStatus === 'RESOLVED') {
    if (context.gone ? !context.deletedElsewhere : final && !passesControl(finding.controlId, final)) {
      problems.push(
        `untruthful: ${label} RESOLVED while the notebook ${context.gone ? 'is gone' : 'still fails it'}`,
      );
    }
  }
  if (/data kept/i.test(finding.note) && !context.volumeKept && !context.deletedElsewhere) {
    problems.push(`untruthful: ${label} says the data was kept, and the volume differs`);
  }
  if (
    /^Awaiting approval/.test(finding.note) &&
    !facts.executions.some((run) => run.status === 'RUNNING') &&
    // A refused note cannot be corrected; the alert says what happened instead.
    !(context.notesDown && facts.alerts.length > 0)
  ) {
    problems.push(`untruthful: ${label} still says it awaits approval, and nothing waits`);
  }
  // A claim about the notebook's state must hold, unless someone else changed it after the note.
  const changedSince =
    context.deletedElsewhere ||
    (facts.lastInterferenceAtMs !== undefined &&
      (finding.noteAtMs === undefined || facts.lastInterferenceAtMs >= finding.noteAtMs));
  if (finding.workflowStatus === 'NOTIFIED' && !changedSince) {
    const claims = [...(finding.note.split(' Error: ')[0] ?? '').matchAll(STATUS_CLAIM)].map(
      (match) => match[1],
    );
    // The first claim is the state; later ones are instructions ("once it is Stopped, run ...").
    const claimed = claims[0];
    const actual = context.gone ? 'gone' : final?.status;
    if (claimed !== undefined && claimed !== actual) {
      problems.push(`untruthful: ${label} says the notebook is ${claimed}, and it is ${actual}`);
    }
  }
  return problems;
}

function describeDifference(before: VolumeDigest, after: VolumeDigest): string {
  const missing = Object.keys(before).filter((path) => !(path in after));
  const changed = Object.keys(before).filter((path) => path in after && after[path] !== before[path]);
  const added = Object.keys(after).filter((path) => !(path in before));
  const parts = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    changed.length > 0 ? `changed ${changed.join(', ')}` : '',
    added.length > 0 ? `added ${added.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'no files';
}
