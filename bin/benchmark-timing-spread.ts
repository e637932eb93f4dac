/**
 * Downtime over a spread of SageMaker timings, not one point: the SageMaker.3 fix and the approved
 * recreation run once per combination of stop, update, start (and delete) times in the simulated
 * account, whose notebooks take exactly that long. The overhead is the workflow's end-to-end time
 * over SageMaker's own busy time (the notebook is unusable from the stop until it is InService
 * again): what the waits add while the notebook sits waiting for the next look.
 */
import { type ApiCall, SimulatedAccount } from '../simulation/account/account.js';
import { DEFAULT_TRANSITION_DURATIONS, type TransitionDurations } from '../simulation/account/sagemaker.js';
import { customActionEvent, notebookControlFinding } from '../simulation/account/sample-findings.js';
import { LocalDeployment } from '../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../simulation/runner/local-state-machine.js';
import { seedTargetNetwork } from '../simulation/scenarios/target-network.js';
import { LAMBDA_MEMORY_MB } from '../stacks/remediation-function.js';

/** The spread of the issue: stop 45-150 s, start 120-420 s, update 15-60 s (SageMaker's own times). */
export const IN_PLACE_SPREAD = {
  stopSeconds: [45, 90, 150],
  updateSeconds: [15, 45, 60],
  startSeconds: [120, 240, 420],
} as const;

/** The recreation's: the same stops and starts (a create takes a start's time), and deletes of 30-90 s. */
export const RECREATION_SPREAD = {
  stopSeconds: [45, 90, 150],
  deleteSeconds: [30, 90],
  startSeconds: [120, 240, 420],
} as const;

/** Standard workflows: USD 0.025 per 1,000 state transitions (retries count). */
export const USD_PER_TRANSITION = 0.025 / 1000;
/** Lambda (arm64 list price, first tier): USD 0.0000133334 per GB-second and 0.20 per million requests. */
export const USD_PER_LAMBDA_GB_SECOND = 0.0000133334;
export const USD_PER_LAMBDA_REQUEST = 0.2 / 1_000_000;

/** The downtime targets over each spread of SageMaker's timings (SageMaker.3's, and the recreation's). */
export const SPREAD_TARGETS = { maxMeanOverhead: 1.05, maxWorstOverhead: 1.1 } as const;

/** What a spread misses of the targets, each as one line naming the figure (`name` is its JSON path). */
export function overheadProblems(
  name: string,
  spread: Pick<TimingSpread, 'meanOverhead' | 'worstOverhead'>,
): string[] {
  return [
    ...(spread.meanOverhead > SPREAD_TARGETS.maxMeanOverhead
      ? [`${name}: mean overhead ${spread.meanOverhead} > ${SPREAD_TARGETS.maxMeanOverhead}`]
      : []),
    ...(spread.worstOverhead > SPREAD_TARGETS.maxWorstOverhead
      ? [`${name}: worst overhead ${spread.worstOverhead} > ${SPREAD_TARGETS.maxWorstOverhead}`]
      : []),
  ];
}

export interface SpreadRun {
  readonly durations: Readonly<Record<string, number>>;
  readonly overheadRatio: number;
  readonly stateTransitions: number;
  readonly costUsd: number;
}

export interface TimingSpread {
  /** The timings combined (each run takes one value of each). */
  readonly spread: Readonly<Record<string, readonly number[]>>;
  readonly runs: number;
  readonly meanOverhead: number;
  readonly worstOverhead: number;
  /** The combination of the worst run. */
  readonly worstDurations: Readonly<Record<string, number>>;
  readonly meanStateTransitions: number;
  readonly maxStateTransitions: number;
  readonly meanCostUsd: number;
}

/** Every combination of one value per key. */
export function combinations<K extends string>(
  spread: Readonly<Record<K, readonly number[]>>,
): Array<Record<K, number>> {
  return (Object.entries(spread) as Array<[K, readonly number[]]>).reduce<Array<Record<K, number>>>(
    (partial, [key, values]) =>
      partial.flatMap((combination) => values.map((value) => ({ ...combination, [key]: value }))),
    [{} as Record<K, number>],
  );
}

/**
 * What one Lambda invocation is billed for, as an estimate: the simulated account answers at once, so
 * a handler's real duration (1 to 10 AWS calls of tens of milliseconds) is not measured here; one
 * second each at the functions' memory is a generous bound.
 */
export const LAMBDA_BILLED_SECONDS = 1;

/** A remediation's list-price cost: its transitions, and its Lambda requests and GB-seconds. */
export function costOf(execution: ExecutionRecord): number {
  const transitions = execution.transitions.length + execution.retries;
  const gbSeconds = execution.lambdaInvocations * LAMBDA_BILLED_SECONDS * (LAMBDA_MEMORY_MB / 1024);
  const usd =
    transitions * USD_PER_TRANSITION +
    execution.lambdaInvocations * USD_PER_LAMBDA_REQUEST +
    gbSeconds * USD_PER_LAMBDA_GB_SECOND;
  return Number(usd.toFixed(6));
}

export function summarise(
  spread: Readonly<Record<string, readonly number[]>>,
  runs: readonly SpreadRun[],
): TimingSpread {
  const worst = runs.reduce((a, b) => (b.overheadRatio > a.overheadRatio ? b : a));
  const mean = (values: number[]) => values.reduce((total, value) => total + value, 0) / values.length;
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    spread,
    runs: runs.length,
    meanOverhead: round(mean(runs.map((run) => run.overheadRatio)), 3),
    worstOverhead: worst.overheadRatio,
    worstDurations: worst.durations,
    meanStateTransitions: round(mean(runs.map((run) => run.stateTransitions)), 1),
    maxStateTransitions: Math.max(...runs.map((run) => run.stateTransitions)),
    meanCostUsd: round(mean(runs.map((run) => run.costUsd)), 6),
  };
}

function endToEndSeconds(execution: ExecutionRecord, humanSeconds = 0): number {
  return ((execution.stoppedAt?.getTime() ?? 0) - execution.startedAt.getTime()) / 1000 - humanSeconds;
}

function onlySuccess(executions: readonly ExecutionRecord[], what: string): ExecutionRecord {
  const [execution, ...others] = executions;
  if (!execution || others.length > 0 || execution.status !== 'SUCCEEDED') {
    throw new Error(`${what}: expected one successful execution, got ${executions.map((run) => run.status)}`);
  }
  return execution;
}

/** SageMaker.3 of a running notebook whose stop, update and start take `durations`. */
export async function measureInPlaceRun(durations: Partial<TransitionDurations>): Promise<SpreadRun> {
  const deployment = new LocalDeployment();
  try {
    deployment.account.sagemaker.seedNotebook({
      name: 'bench-notebook',
      status: 'InService',
      rootAccess: 'Enabled',
      durations,
    });
    deployment.importFinding(
      notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'bench-notebook' }),
    );
    const execution = onlySuccess(await deployment.settle(), 'SageMaker.3');
    const busy = sageMakerBusySeconds(deployment.account.calls, durations);
    return {
      durations: { ...durations },
      overheadRatio: Number((endToEndSeconds(execution) / busy).toFixed(3)),
      stateTransitions: execution.transitions.length + execution.retries,
      costUsd: costOf(execution),
    };
  } finally {
    deployment.account.dispose();
  }
}

/** A notebook transition SageMaker accepted takes this long: the account's durations. */
const TRANSITION_OF: Readonly<Record<string, keyof TransitionDurations>> = {
  StopNotebookInstance: 'stopSeconds',
  UpdateNotebookInstance: 'updateSeconds',
  StartNotebookInstance: 'startSeconds',
  DeleteNotebookInstance: 'deleteSeconds',
  // A created notebook comes up as a started one does.
  CreateNotebookInstance: 'startSeconds',
};

/**
 * SageMaker's own busy time in a run: each notebook transition it accepted, at the durations the
 * simulated notebook took (the given ones, the others the account's defaults).
 */
export function sageMakerBusySeconds(
  calls: readonly ApiCall[],
  durations: Partial<TransitionDurations> = {},
): number {
  const took = { ...DEFAULT_TRANSITION_DURATIONS, ...durations };
  return calls
    .filter((call) => call.service === 'SageMaker' && call.outcome === 'ok')
    .reduce((total, call) => {
      const transition = TRANSITION_OF[call.operation];
      return total + (transition ? took[transition] : 0);
    }, 0);
}

/** An approved recreation as run: its deployment, its execution and the person's time to approve. */
export interface RecreationRun {
  readonly deployment: LocalDeployment;
  readonly execution: ExecutionRecord;
  /** From the wait for approval to the snapshot: the person's time, not the workflow's. */
  readonly humanSeconds: number;
}

/**
 * One approved recreation of a running notebook (SageMaker.1 and .2) holding `files`, its notebook
 * transitions taking `durations`: approved a second into the wait, then snapshot, backup, delete,
 * recreate, restore, verify. The target network is seeded first (the account checks that the subnet
 * and group exist). `use` reads the run before its account goes.
 */
export async function withApprovedRecreation<T>(
  options: {
    readonly files: Readonly<Record<string, string>>;
    readonly durations?: Partial<TransitionDurations>;
  },
  use: (run: RecreationRun) => T,
): Promise<T> {
  const account = new SimulatedAccount({
    strictReferences: true,
    ...(options.durations ? { durations: options.durations } : {}),
  });
  try {
    const network = seedTargetNetwork(account);
    const deployment = new LocalDeployment({
      account,
      configuration: { recreate: { targets: [network.target] } },
    });
    account.sagemaker.seedNotebook({
      name: 'bench-notebook',
      status: 'InService',
      directInternetAccess: 'Enabled',
      rootAccess: 'Disabled',
      files: options.files,
    });
    const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'bench-notebook' });
    deployment.importFinding(finding);
    const approve = async () => {
      while (deployment.stateMachine.waitingTaskTokens.length === 0) await account.clock.sleep(100);
      await account.clock.sleep(1000);
      const current = account.securityHub.getFinding(finding.Id ?? '') ?? finding;
      account.bus.putEvent(customActionEvent([current], { actionId: deployment.customActionIds.approve }));
    };
    void approve();
    const execution = onlySuccess(await deployment.settle(), 'recreation');
    const waited = execution.transitions.find((transition) => transition.state === 'WaitForApproval');
    const resumed = execution.transitions.find((transition) => transition.state === 'SnapshotNotebook');
    const humanSeconds = waited && resumed ? (resumed.at.getTime() - waited.at.getTime()) / 1000 : 0;
    return use({ deployment, execution, humanSeconds });
  } finally {
    account.dispose();
  }
}

/** The approved recreation of a notebook with two small files, its transitions taking `durations`. */
export function measureRecreationRun(durations: Partial<TransitionDurations>): Promise<SpreadRun> {
  const files = { 'analysis.ipynb': '{"cells": []}\n', 'data/train.csv': 'a,b\n1,2\n' };
  return withApprovedRecreation({ files, durations }, ({ deployment, execution, humanSeconds }) => ({
    durations: { ...durations },
    overheadRatio: Number(
      (
        endToEndSeconds(execution, humanSeconds) / sageMakerBusySeconds(deployment.account.calls, durations)
      ).toFixed(3),
    ),
    stateTransitions: execution.transitions.length + execution.retries,
    costUsd: costOf(execution),
  }));
}

export async function measureInPlaceSpread(
  spread: Readonly<Record<keyof typeof IN_PLACE_SPREAD, readonly number[]>> = IN_PLACE_SPREAD,
): Promise<TimingSpread> {
  const runs: SpreadRun[] = [];
  for (const durations of combinations(spread)) runs.push(await measureInPlaceRun(durations));
  return summarise(spread, runs);
}

export async function measureRecreationSpread(
  spread: Readonly<Record<keyof typeof RECREATION_SPREAD, readonly number[]>> = RECREATION_SPREAD,
): Promise<TimingSpread> {
  const runs: SpreadRun[] = [];
  for (const durations of combinations(spread)) runs.push(await measureRecreationRun(durations));
  return summarise(spread, runs);
}
