/**
 * Downtime over a spread of SageMaker timings, not one point: the SageMaker.3 fix and the approved
 * recreation run once per combination of stop, update, start (and delete) times in the simulated
 * account, whose notebooks take exactly that long. The overhead is the workflow's end-to-end time
 * over SageMaker's own busy time (the notebook is unusable from the stop until it is InService
 * again): what the waits add while the notebook sits waiting for the next look.
 */
import { SimulatedAccount } from '../simulation/account/account.js';
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
    const took = { ...DEFAULT_TRANSITION_DURATIONS, ...durations };
    const busy = took.stopSeconds + took.updateSeconds + took.startSeconds;
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

/**
 * One approved recreation of a running notebook (SageMaker.1 and .2, a small data volume) whose stop,
 * delete and create take `durations`; the approval a second into the wait is the person's time, not
 * the workflow's. SageMaker's busy time: stop, delete, create (a start's time) and the update that
 * puts the notebook's own lifecycle configuration back once its data is restored (stop, update, start).
 */
export async function measureRecreationRun(durations: Partial<TransitionDurations>): Promise<SpreadRun> {
  const account = new SimulatedAccount({ strictReferences: true, durations });
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
      files: { 'analysis.ipynb': '{"cells": []}\n', 'data/train.csv': 'a,b\n1,2\n' },
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
    const human = waited && resumed ? (resumed.at.getTime() - waited.at.getTime()) / 1000 : 0;
    // Each call's transition at the account's durations: the spread's, the others as the account has them.
    const took = { ...DEFAULT_TRANSITION_DURATIONS, ...durations };
    const seconds = (operation: string, each: number) =>
      account.calls.filter((call) => call.operation === operation && call.outcome === 'ok').length * each;
    const busy =
      seconds('StopNotebookInstance', took.stopSeconds) +
      seconds('DeleteNotebookInstance', took.deleteSeconds) +
      seconds('CreateNotebookInstance', took.startSeconds) +
      seconds('UpdateNotebookInstance', took.updateSeconds) +
      seconds('StartNotebookInstance', took.startSeconds);
    return {
      durations: { ...durations },
      overheadRatio: Number((endToEndSeconds(execution, human) / busy).toFixed(3)),
      stateTransitions: execution.transitions.length + execution.retries,
      costUsd: costOf(execution),
    };
  } finally {
    account.dispose();
  }
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
