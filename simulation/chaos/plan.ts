/**
 * Seeded fault plans: for each run, a scenario on one path (the notebook, its findings, when ops
 * approve) and one or two faults of the kinds issue 7 lists, each transient (it stops within the
 * recovery budget: a few failures or a few minutes) or persistent (until the run ends). The plan is a
 * pure function of the run id `<path>:<seed>:<index>`, so a run id is all a replay needs.
 */
import { type SimulatedService, throttlingError } from '../account/errors.js';
import type { NotebookOperation } from '../account/faults.js';
import {
  API_TARGETS,
  BACKUP_FAILURE_KEYS,
  CHAOS_PATHS,
  type ChaosPath,
  DELETION_TRIGGERS,
  INVOKED_FUNCTIONS,
  LAMBDA_INVOKE_ERRORS,
  SERVER_ERROR_CODES,
  VALIDATION_ERROR_CODES,
} from './fault-catalogue.js';
import { hashSeed, type Random, seededRandom } from './random.js';

export { CHAOS_PATHS, type ChaosPath };

/** The seed of the campaign the tests and the bench run: changing it is a new campaign, not a fix. */
export const CAMPAIGN_SEED = 20261207;

/** A transient fault fails at most this many calls (or attempts) in a row. */
export const MAX_TRANSIENT_TIMES = 4;
/**
 * A transient fault that lasts for a while (stuck in Stopping) ends within this many minutes: well
 * inside the 30-minute default recovery budget (runStateRecoveryMinutes, lifecycleRecoveryMinutes).
 */
export const MAX_TRANSIENT_MINUTES = 10;

export const FAULT_KINDS = [
  'throttle',
  'serverError',
  'validationError',
  'lambdaInvokeError',
  'stuckInStopping',
  'startFails',
  'updateFails',
  'updateRefused',
  'deletedBySomeoneElse',
  'restartedBySomeoneElse',
  'userSaves',
  'stopExecution',
  'backupFailure',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Kinds that are events, never a state that lasts: a restart, saves, an operator's StopExecution. */
export const ALWAYS_TRANSIENT: readonly FaultKind[] = [
  'restartedBySomeoneElse',
  'userSaves',
  'stopExecution',
];
/** A deletion cannot be undone: it lasts until the run ends. */
export const ALWAYS_PERSISTENT: readonly FaultKind[] = ['deletedBySomeoneElse'];
/** Only the recreation runs the lifecycle scripts. */
const RECREATION_ONLY: readonly FaultKind[] = ['backupFailure'];

interface FaultBase {
  readonly persistent: boolean;
  /** Simulated seconds after the findings arrive when the fault starts. */
  readonly atSeconds: number;
}

export type FaultSpec = FaultBase &
  (
    | {
        readonly kind: 'throttle' | 'serverError' | 'validationError';
        readonly service: SimulatedService;
        readonly operation: string;
        readonly code: string;
        /** Calls that fail (transient only). */
        readonly times?: number;
      }
    | {
        readonly kind: 'lambdaInvokeError';
        /** The function's construct id. */
        readonly functionId: string;
        readonly code: string;
        readonly times?: number;
      }
    | { readonly kind: 'stuckInStopping'; readonly minutes?: number }
    | { readonly kind: 'startFails' | 'updateFails' | 'updateRefused'; readonly times?: number }
    | {
        readonly kind: 'deletedBySomeoneElse';
        /** Deleted this long after the workflow's operation, or at `atSeconds` when absent. */
        readonly afterOperation?: NotebookOperation;
        readonly delaySeconds: number;
      }
    | { readonly kind: 'restartedBySomeoneElse' | 'stopExecution' }
    | {
        /** Someone saves in Jupyter while the notebook runs: `saves` times, `everySeconds` apart. */
        readonly kind: 'userSaves';
        readonly saves: number;
        readonly everySeconds: number;
      }
    | { readonly kind: 'backupFailure'; readonly failOn: string; readonly times?: number }
  );

export interface NotebookPlan {
  readonly running: boolean;
  /** The notebook has a lifecycle configuration of its own, which must be on it at the end. */
  readonly ownLifecycleConfig: boolean;
  /** A tiny volume: the data the scripts copy and the classifier compares. */
  readonly files: Readonly<Record<string, string>>;
}

export interface RunPlan {
  readonly id: string;
  readonly path: ChaosPath;
  readonly notebook: NotebookPlan;
  /** The controls whose findings arrive together. */
  readonly controls: readonly string[];
  /** Recreation: minutes after the plan starts waiting when ops approve it. */
  readonly approveAfterMinutes?: number;
  /** Recreation: the target encrypts the new volume with a customer managed key (KMS pre-flight). */
  readonly volumeKey?: boolean;
  /** The SDK rate limits in the spirit of the published quotas. */
  readonly rateLimits: 'none' | 'typical';
  readonly faults: readonly FaultSpec[];
}

export function runId(path: ChaosPath, seed: number, index: number): string {
  return `${path}:${seed}:${index}`;
}

export function parseRunId(id: string): { path: ChaosPath; seed: number; index: number } {
  const match = /^(in-place|recreation):(\d+):(\d+)$/.exec(id);
  if (!match) throw new Error(`not a run id: ${id} (expected <in-place|recreation>:<seed>:<index>)`);
  return { path: match[1] as ChaosPath, seed: Number(match[2]), index: Number(match[3]) };
}

/** The plans of a campaign: `runs` per path. */
export function campaignPlans(seed: number, runs: number, paths: readonly ChaosPath[] = CHAOS_PATHS) {
  return paths.flatMap((path) =>
    Array.from({ length: runs }, (_, index) => planRun(runId(path, seed, index))),
  );
}

/** The plan a run id stands for (the same id, the same plan). */
export function planRun(id: string): RunPlan {
  const { path } = parseRunId(id);
  const random = seededRandom(hashSeed(id));
  const notebook: NotebookPlan = {
    running: random.chance(0.5),
    ownLifecycleConfig: random.chance(0.5),
    files: volumeFiles(random),
  };
  const recreation = path === 'recreation';
  const controls = recreation
    ? random.pick([['SageMaker.1'], ['SageMaker.2'], ['SageMaker.1', 'SageMaker.2']])
    : ['SageMaker.3'];
  const approveAfterMinutes = recreation ? random.int(1, 20) : undefined;
  // Long enough to reach every step: ~5 minutes for an in-place fix of a running notebook (~1 of a
  // stopped one), the approval plus ~20 for a recreation.
  const windowSeconds = recreation ? (approveAfterMinutes ?? 0) * 60 + 1500 : notebook.running ? 360 : 90;
  const kinds = FAULT_KINDS.filter((kind) => recreation || !RECREATION_ONLY.includes(kind));
  const faultCount = random.chance(0.5) ? 1 : 2;
  const faults = Array.from({ length: faultCount }, () =>
    planFault(random, path, random.pick(kinds), windowSeconds),
  );
  return {
    id,
    path,
    notebook,
    controls,
    ...(recreation ? { approveAfterMinutes, volumeKey: random.chance(0.3) } : {}),
    rateLimits: random.chance(0.3) ? 'typical' : 'none',
    faults,
  };
}

function volumeFiles(random: Random): Record<string, string> {
  const files: Record<string, string> = {
    'analysis.ipynb': `{"cells": [], "run": ${random.int(0, 9999)}}\n`,
  };
  if (random.chance(0.7)) files['data/train.csv'] = `a,b\n${random.int(0, 99)},${random.int(0, 99)}\n`;
  if (random.chance(0.4)) files['notes with spaces.md'] = '# notes\n';
  return files;
}

function planFault(random: Random, path: ChaosPath, kind: FaultKind, windowSeconds: number): FaultSpec {
  const persistent =
    ALWAYS_PERSISTENT.includes(kind) || (!ALWAYS_TRANSIENT.includes(kind) && random.chance(0.3));
  // A third of the faults are there from the start, so planning and the first steps get their share.
  const atSeconds = random.chance(0.3) ? 0 : random.int(1, windowSeconds);
  const times = persistent ? {} : { times: random.int(1, MAX_TRANSIENT_TIMES) };
  const base = { persistent, atSeconds };
  switch (kind) {
    case 'throttle':
    case 'serverError':
    case 'validationError': {
      const target = random.pick(API_TARGETS[path]);
      const code =
        kind === 'throttle'
          ? throttlingError(target).name
          : kind === 'serverError'
            ? random.pick(SERVER_ERROR_CODES[target.service])
            : VALIDATION_ERROR_CODES[target.service];
      return { ...base, kind, ...target, code, ...times };
    }
    case 'lambdaInvokeError':
      return {
        ...base,
        kind,
        functionId: random.pick(INVOKED_FUNCTIONS[path]),
        code: random.pick(LAMBDA_INVOKE_ERRORS),
        ...times,
      };
    case 'stuckInStopping':
      return { ...base, kind, ...(persistent ? {} : { minutes: random.int(1, MAX_TRANSIENT_MINUTES) }) };
    case 'startFails':
    case 'updateFails':
    case 'updateRefused':
      return { ...base, kind, ...times };
    case 'deletedBySomeoneElse':
      return random.chance(0.5)
        ? {
            ...base,
            kind,
            afterOperation: random.pick(DELETION_TRIGGERS[path]),
            delaySeconds: random.int(0, 120),
          }
        : { ...base, kind, delaySeconds: 0 };
    case 'restartedBySomeoneElse':
    case 'stopExecution':
      return { ...base, atSeconds: Math.max(1, atSeconds), kind };
    case 'userSaves':
      return { ...base, kind, saves: random.int(1, 5), everySeconds: random.int(20, 240) };
    case 'backupFailure':
      return { ...base, kind, failOn: random.pick(BACKUP_FAILURE_KEYS), ...times };
  }
}

/** One line per fault, for people: what, where, how long, when. */
export function describeFault(fault: FaultSpec): string {
  const lasting = fault.persistent
    ? 'persistent'
    : 'times' in fault && fault.times !== undefined
      ? `x${fault.times}`
      : 'minutes' in fault && fault.minutes !== undefined
        ? `for ${fault.minutes} min`
        : 'once';
  const at = `at ${fault.atSeconds} s`;
  switch (fault.kind) {
    case 'throttle':
    case 'serverError':
    case 'validationError':
      return `${fault.kind} ${fault.service} ${fault.operation} ${fault.code} ${lasting} ${at}`;
    case 'lambdaInvokeError':
      return `${fault.kind} ${fault.functionId} ${fault.code} ${lasting} ${at}`;
    case 'deletedBySomeoneElse':
      return fault.afterOperation
        ? `${fault.kind} ${fault.delaySeconds} s after ${fault.afterOperation}`
        : `${fault.kind} ${at}`;
    case 'backupFailure':
      return `${fault.kind} on ${fault.failOn} ${lasting} ${at}`;
    case 'userSaves':
      return `${fault.kind} x${fault.saves} every ${fault.everySeconds} s ${at}`;
    default:
      return `${fault.kind} ${lasting} ${at}`;
  }
}

/** The scenario in one line, for people. */
export function describePlan(plan: RunPlan): string {
  const notebook = `${plan.notebook.running ? 'running' : 'stopped'}${plan.notebook.ownLifecycleConfig ? ', own lifecycle config' : ''}, ${Object.keys(plan.notebook.files).length} files`;
  const approval =
    plan.approveAfterMinutes === undefined ? '' : `, approved after ${plan.approveAfterMinutes} min`;
  const key = plan.volumeKey ? ', volume key' : '';
  const limits = plan.rateLimits === 'typical' ? ', typical rate limits' : '';
  return `${plan.controls.join('+')} on a ${notebook}${approval}${key}${limits}; faults: ${plan.faults.map(describeFault).join('; ')}`;
}
