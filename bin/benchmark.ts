/**
 * What `npm run bench` measures. Workflow figures come from running the real definition in the
 * simulated account, so they are exact and repeatable; bundle figures come from bundling each
 * handler exactly as the stack does and loading it in fresh Node.js processes. The large-volume
 * recreation and the IAM figures come from simulation/scenarios (every call authorized).
 */
import '../simulation/runner/node20-compatibility.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type CopyThroughput, DEFAULT_COPY_THROUGHPUT } from '../simulation/account/copy-throughput.js';
import type { TransitionDurations } from '../simulation/account/sagemaker.js';
import { notebookControlFinding } from '../simulation/account/sample-findings.js';
import { type FaultCounts, runCampaign, type UnsafeRun } from '../simulation/chaos/campaign.js';
import { CAMPAIGN_SEED, CHAOS_PATHS, type ChaosPath } from '../simulation/chaos/plan.js';
import type { ObservedDeployment } from '../simulation/iam/grant-usage.js';
import { analyseIam, type IamAnalysis } from '../simulation/iam/iam-figures.js';
import { LocalDeployment } from '../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../simulation/runner/local-state-machine.js';
import {
  observeDeployment,
  refusedCalls,
  runIamCoverageSuite,
} from '../simulation/scenarios/iam-coverage.js';
import { type LargeVolumeRun, runLargeVolumeRecreation } from '../simulation/scenarios/large-volume.js';
import { BUNDLE_FILE_NAME, LAMBDA_HANDLERS, toEsbuildBatchOptions } from '../stacks/lambda-bundling.js';
import { DEFAULT_FAULT_RUNS } from './bench-options.js';
import { costOf, sageMakerBusySeconds, withApprovedRecreation } from './benchmark-timing-spread.js';

/**
 * The targets for one SageMaker.3 remediation from InService. Transitions are not capped: the waits
 * look every 10 s after SageMaker's shortest time, trading transitions (4 a look) for downtime; their
 * cost is what is bounded.
 */
export const TARGETS = { maxCostUsd: 0.005, maxLambdaInvocations: 1, maxOverheadRatio: 1.1 } as const;

export interface WorkflowFigures {
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly apiCalls: number;
  /** Workflow end-to-end time divided by the time SageMaker itself spends changing state. */
  readonly overheadRatio: number;
  readonly endToEndSeconds: number;
  readonly sageMakerSeconds: number;
  readonly costUsd: number;
}

export interface BundleFigures {
  readonly handler: string;
  readonly bytes: number;
  readonly initMs: number;
}

function figures(
  deployment: LocalDeployment,
  execution: ExecutionRecord,
  humanSeconds = 0,
  durations: Partial<TransitionDurations> = {},
): WorkflowFigures {
  const stateTransitions = execution.transitions.length + execution.retries;
  // The time a person takes to approve is theirs, not the workflow's overhead.
  const endToEndSeconds =
    Math.round(((execution.stoppedAt?.getTime() ?? 0) - execution.startedAt.getTime()) / 10) / 100 -
    humanSeconds;
  const sageMakerSeconds = sageMakerBusySeconds(deployment.account.calls, durations);
  return {
    stateTransitions,
    lambdaInvocations: execution.lambdaInvocations,
    apiCalls: deployment.account.calls.length,
    overheadRatio: sageMakerSeconds > 0 ? Math.round((endToEndSeconds / sageMakerSeconds) * 1000) / 1000 : 0,
    endToEndSeconds,
    sageMakerSeconds,
    // Transitions, and Lambda requests and GB-seconds, at list price (benchmark-timing-spread.ts).
    costUsd: costOf(execution),
  };
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly notebookStatus: 'InService' | 'Stopped';
  readonly controlId: string;
  readonly stopSeconds?: number;
  /** The `remediation` context, when the scenario needs one other than the defaults. */
  readonly configuration?: unknown;
}

export const SCENARIOS = {
  sageMaker3: {
    name: 'sageMaker3',
    description: 'SageMaker.3 from InService (happy path)',
    notebookStatus: 'InService',
    controlId: 'SageMaker.3',
  },
  sageMaker3FromStopped: {
    name: 'sageMaker3FromStopped',
    description: 'SageMaker.3 from Stopped',
    notebookStatus: 'Stopped',
    controlId: 'SageMaker.3',
  },
  sageMaker3SlowStop: {
    name: 'sageMaker3SlowStop',
    description: 'SageMaker.3 from InService, stop takes 100 s (6 extra checks)',
    notebookStatus: 'InService',
    controlId: 'SageMaker.3',
    stopSeconds: 100,
  },
  notify: {
    name: 'notify',
    description: 'SageMaker.1 in notify mode (annotate and alert)',
    notebookStatus: 'Stopped',
    controlId: 'SageMaker.1',
    configuration: { modes: { 'SageMaker.1': 'notify' } },
  },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

/** Files on the volume of the notebook the recreation benchmark recreates: a small data volume. */
const RECREATE_FILES = {
  'analysis.ipynb': '{"cells": [], "nbformat": 4}\n',
  'data/train.csv': 'a,b\n1,2\n3,4\n',
  'results/metrics.json': '{"auc": 0.91}\n',
};

/**
 * What the bench's own runs leave for the IAM figures: each deployment, before its account goes
 * (bin/bench.ts passes one; the docs' table needs none).
 */
export type DeploymentObserver = (deployment: LocalDeployment) => void;

/** One approved recreation (SageMaker.1 and .2 of a running notebook with three small files). */
function measureRecreation(observe?: DeploymentObserver): Promise<WorkflowFigures> {
  return withApprovedRecreation({ files: RECREATE_FILES }, ({ deployment, execution, humanSeconds }) => {
    observe?.(deployment);
    return figures(deployment, execution, Math.round(humanSeconds * 100) / 100);
  });
}

/** Runs one scenario in a fresh simulated account with the default configuration. */
export async function measureScenario(
  scenario: Scenario,
  observe?: DeploymentObserver,
): Promise<WorkflowFigures> {
  const deployment = new LocalDeployment({ configuration: scenario.configuration });
  try {
    deployment.account.sagemaker.seedNotebook({
      name: 'bench-notebook',
      status: scenario.notebookStatus,
      rootAccess: 'Enabled',
      ...(scenario.stopSeconds ? { durations: { stopSeconds: scenario.stopSeconds } } : {}),
    });
    deployment.importFinding(
      notebookControlFinding({ controlId: scenario.controlId, notebookName: 'bench-notebook' }),
    );
    const [execution, ...others] = await deployment.settle();
    observe?.(deployment);
    if (!execution || others.length > 0 || execution.status !== 'SUCCEEDED') {
      throw new Error(`${scenario.name}: expected one successful execution`);
    }
    // A notebook whose stop is slower than the account's: SageMaker's busy time counts it as it was.
    return figures(
      deployment,
      execution,
      0,
      scenario.stopSeconds ? { stopSeconds: scenario.stopSeconds } : {},
    );
  } finally {
    deployment.account.dispose();
  }
}

export type WorkflowResults = Record<ScenarioName, WorkflowFigures> & { readonly recreate: WorkflowFigures };

export async function measureWorkflows(observe?: DeploymentObserver): Promise<WorkflowResults> {
  const results = {} as Record<ScenarioName, WorkflowFigures>;
  for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
    results[name] = await measureScenario(SCENARIOS[name], observe);
  }
  return { ...results, recreate: await measureRecreation(observe) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Bundles each handler as the stack does and measures its minified size and its cold module load
 * (require of the bundle in a fresh Node.js process: what a Lambda init spends on our code), median
 * of `runs` loads.
 */
export async function measureBundles(runs = 7): Promise<BundleFigures[]> {
  const directory = mkdtempSync(join(tmpdir(), 'remediation-bench-'));
  try {
    await build({ ...toEsbuildBatchOptions(LAMBDA_HANDLERS, directory), logLevel: 'silent' });
    const results: BundleFigures[] = [];
    for (const source of LAMBDA_HANDLERS) {
      const outfile = join(directory, source.name, BUNDLE_FILE_NAME);
      const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const loads: number[] = [];
      for (let run = 0; run < runs; run++) {
        const output = execFileSync(process.execPath, ['-e', probe], {
          // No NODE_PATH: what the bundles leave to the runtime's SDK (RUNTIME_PROVIDED_MODULES) cannot
          // be found from here, so a bundle that needed any of it to load would fail, not measure short.
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'eu-west-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        });
        loads.push(Number(output.toString()));
      }
      results.push({
        handler: source.name,
        bytes: statSync(outfile).size,
        initMs: Math.round(median(loads) * 10) / 10,
      });
    }
    return results;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The median cold load of each Lambda bundle, at most (issue 10; a 2-core machine, as CI's). */
export const MAX_INIT_MS = 100;

/** The bundles that load slower than MAX_INIT_MS, each as one line. */
export function bundleProblems(bundles: readonly BundleFigures[]): string[] {
  return bundles
    .filter((bundle) => bundle.initMs > MAX_INIT_MS)
    .map((bundle) => `bundles: ${bundle.handler} loads in ${bundle.initMs} ms > ${MAX_INIT_MS}`);
}

export function meetsTargets(figures: WorkflowFigures): boolean {
  return (
    figures.costUsd <= TARGETS.maxCostUsd &&
    figures.lambdaInvocations <= TARGETS.maxLambdaInvocations &&
    figures.overheadRatio <= TARGETS.maxOverheadRatio
  );
}

/** The workflow table of docs/performance.md (deterministic, so a test keeps the doc honest). */
export function renderWorkflowTable(results: WorkflowResults): string {
  const described: Array<[string, WorkflowFigures]> = [
    ...(Object.keys(SCENARIOS) as ScenarioName[]).map((name): [string, WorkflowFigures] => [
      SCENARIOS[name].description,
      results[name],
    ]),
    ['SageMaker.1 + .2: approved recreation, 3 files kept (approval wait excluded)', results.recreate],
  ];
  const rows = described.map(([description, figures]) => {
    return `| ${description} | ${figures.stateTransitions} | ${figures.lambdaInvocations} | ${figures.apiCalls} | ${figures.endToEndSeconds.toFixed(1)} s | ${figures.sageMakerSeconds} s | ${figures.sageMakerSeconds > 0 ? figures.overheadRatio.toFixed(3) : 'n/a'} | $${figures.costUsd.toFixed(6)} |`;
  });
  return [
    '| Scenario | State transitions | Lambda invocations | API calls | End to end | SageMaker changing state | Overhead ratio | Cost (Step Functions and Lambda) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The volume the bench recreates: 100,000 real files standing for 50 GB (issue: a real notebook's size). */
export const LARGE_VOLUME = { files: 100_000, bytes: 50_000_000_000 } as const;

/** No state of the large-volume recreation may carry more (a quarter of Step Functions' 256 KiB). */
export const MAX_STATE_PAYLOAD_BYTES = 65_536;

/** `recreate.largeVolume`: simulated seconds, from the copy throughput model (docs/performance.md). */
export interface LargeVolumeFigures {
  readonly files: number;
  readonly bytes: number;
  readonly maxStatePayloadBytes: number;
  readonly backupSeconds: number;
  readonly restoreSeconds: number;
  readonly stateTransitions: number;
}

export interface LargeVolumeMeasurement {
  readonly figures: LargeVolumeFigures;
  /** Why the run does not count as a pass: empty when it does. */
  readonly problems: readonly string[];
  readonly deniedCalls: readonly string[];
  /** Wall-clock seconds the run took on this machine (not simulated time). */
  readonly realSeconds: number;
}

/** Whether the large-volume run did its job (its payload is checked with the other figures). */
export function largeVolumeProblems(run: LargeVolumeRun): string[] {
  const problems: string[] = [];
  if (run.status !== 'SUCCEEDED')
    problems.push(`the recreation ended ${run.status}${run.error ? `: ${run.error}` : ''}`);
  if (!run.restoredExactly)
    problems.push(
      `the volume did not come back exactly (${run.entriesBefore} entries before, ${run.entriesAfter} after)`,
    );
  if (!Number.isFinite(run.backupSeconds) || !Number.isFinite(run.restoreSeconds)) {
    problems.push('a copy never reported completion');
  }
  return problems;
}

/** Recreates a volume of `size` (default LARGE_VOLUME; the unit test passes a small one). */
export async function measureLargeVolume(
  size: { readonly files: number; readonly bytes: number } = LARGE_VOLUME,
): Promise<LargeVolumeMeasurement> {
  const run = await runLargeVolumeRecreation(size);
  return {
    figures: {
      files: run.files,
      bytes: run.bytes,
      maxStatePayloadBytes: run.maxStatePayloadBytes,
      backupSeconds: Math.round(run.backupSeconds * 10) / 10,
      restoreSeconds: Math.round(run.restoreSeconds * 10) / 10,
      stateTransitions: run.stateTransitions,
    },
    problems: largeVolumeProblems(run),
    deniedCalls: [...run.deniedCalls],
    realSeconds: Math.round(run.realSeconds * 10) / 10,
  };
}

/** What the bench's own runs contribute to the IAM figures. */
export interface BenchIamRecord {
  readonly deployments: ObservedDeployment[];
  readonly deniedCalls: string[];
  readonly observe: DeploymentObserver;
}

export function benchIamRecord(): BenchIamRecord {
  const deployments: ObservedDeployment[] = [];
  const deniedCalls: string[] = [];
  return {
    deployments,
    deniedCalls,
    observe: (deployment) => {
      deployments.push(...observeDeployment(deployment));
      deniedCalls.push(...refusedCalls(deployment.account).map((call) => `bench: ${call}`));
    },
  };
}

/**
 * `iam`: the IAM coverage suite (simulation/scenarios/iam-coverage.ts) and the bench's own runs
 * together: refused calls, and grants none of them used that have no written reason.
 */
export async function measureIam(bench: {
  readonly deployments: readonly ObservedDeployment[];
  readonly deniedCalls: readonly string[];
}): Promise<IamAnalysis & { readonly suiteRealSeconds: number }> {
  const suite = await runIamCoverageSuite();
  return {
    ...analyseIam([...suite.deployments, ...bench.deployments], [...suite.deniedCalls, ...bench.deniedCalls]),
    suiteRealSeconds: Math.round(suite.realSeconds * 10) / 10,
  };
}

/** Child processes the campaign runs in: the development and CI machines have 2 cores. */
export const FAULT_WORKERS = 2;

/** `faults`: the counts over both paths, and per path. */
export type FaultFigures = FaultCounts & Readonly<Record<ChaosPath, FaultCounts>>;

export interface FaultMeasurement {
  readonly figures: FaultFigures;
  readonly unsafeRuns: readonly UnsafeRun[];
  /** Real milliseconds per run on this machine, per path (the recreation runs the lifecycle scripts). */
  readonly realMsPerRun: Readonly<Record<ChaosPath, number>>;
  readonly realSeconds: number;
}

/** The fault campaign (simulation/chaos): `runsPerPath` seeded runs on each path, counted. */
export async function measureFaults(
  runsPerPath = DEFAULT_FAULT_RUNS,
  seed = CAMPAIGN_SEED,
): Promise<FaultMeasurement> {
  const started = Date.now();
  const summary = await runCampaign({ seed, runs: runsPerPath, workers: FAULT_WORKERS });
  const perPath = (path: ChaosPath) => {
    const result = summary.paths[path];
    if (!result) throw new Error(`the fault campaign ran no ${path} runs`);
    return result;
  };
  return {
    figures: {
      ...summary.total,
      'in-place': perPath('in-place').counts,
      recreation: perPath('recreation').counts,
    },
    unsafeRuns: CHAOS_PATHS.flatMap((path) => perPath(path).unsafeRuns),
    realMsPerRun: {
      'in-place': perPath('in-place').realMsPerRun.mean,
      recreation: perPath('recreation').realMsPerRun.mean,
    },
    realSeconds: Math.round((Date.now() - started) / 1000),
  };
}

/** The fault campaign's lines of the human report. */
export function renderFaults(measurement: FaultMeasurement): string {
  const row = (name: string, counts: FaultCounts) =>
    `| ${name} | ${counts.runs} | ${counts.safe} | ${counts.unsafe} | ${counts.dataLost} | ${counts.leftStopped} | ${counts.lockLeaks} | ${counts.stuck} |`;
  return [
    '| Path | Runs | Safe | Unsafe | Data lost | Left stopped | Lock leaks | Stuck |',
    '|---|---|---|---|---|---|---|---|',
    row('in-place', measurement.figures['in-place']),
    row('recreation', measurement.figures.recreation),
    row('total', measurement.figures),
    ...measurement.unsafeRuns.map((run) => `  unsafe ${run.id}: ${run.reasons.join('; ')}`),
  ].join('\n');
}

/** Why `npm run bench` must exit non-zero: every target or check missed, in words. */
export function benchProblems(results: {
  readonly sageMaker3: WorkflowFigures;
  readonly largeVolume: Pick<LargeVolumeMeasurement, 'figures' | 'problems'>;
  readonly iam: { readonly deniedCalls: number; readonly unusedGrants: number };
  /** The fault campaign's counts, when it ran. */
  readonly faults?: FaultCounts;
}): string[] {
  const problems: string[] = [];
  if (!meetsTargets(results.sageMaker3)) problems.push('SageMaker.3 from InService misses its targets');
  problems.push(...results.largeVolume.problems.map((problem) => `large volume: ${problem}`));
  const payload = results.largeVolume.figures.maxStatePayloadBytes;
  if (payload > MAX_STATE_PAYLOAD_BYTES) {
    problems.push(`large volume: a state carried ${payload} bytes, over ${MAX_STATE_PAYLOAD_BYTES}`);
  }
  if (results.iam.deniedCalls > 0) problems.push(`iam: ${results.iam.deniedCalls} calls refused`);
  if (results.iam.unusedGrants > 0)
    problems.push(`iam: ${results.iam.unusedGrants} unused grants without a reason`);
  if (results.faults && results.faults.unsafe > 0)
    problems.push(`faults: ${results.faults.unsafe} of ${results.faults.runs} fault runs unsafe`);
  return problems;
}

/** The large-volume lines of the human report. */
export function renderLargeVolume(measurement: LargeVolumeMeasurement): string {
  const { figures } = measurement;
  return [
    '| Files | Bytes | Max state payload | Backup | Restore | State transitions |',
    '|---|---|---|---|---|---|',
    `| ${figures.files.toLocaleString('en-US')} | ${figures.bytes.toLocaleString('en-US')} | ${figures.maxStatePayloadBytes.toLocaleString('en-US')} B | ${figures.backupSeconds.toLocaleString('en-US')} s | ${figures.restoreSeconds.toLocaleString('en-US')} s | ${figures.stateTransitions} |`,
  ].join('\n');
}

/** The copy throughput model's rates, as docs/performance.md states them (generated: `npm run docs`). */
export function renderCopyModel(model: CopyThroughput = DEFAULT_COPY_THROUGHPUT): string {
  const ms = (seconds: number) => `${Number((seconds * 1000).toFixed(3))} ms`;
  return [
    '| Rate | Backup (OnStart) | Restore (OnCreate) |',
    '|---|---|---|',
    `| Fixed, per run | ${model.fixedSeconds} s | ${model.fixedSeconds} s |`,
    `| Per entry (file, folder or link) | ${ms(model.backupSecondsPerFile)} | ${ms(model.restoreSecondsPerFile)} |`,
    `| Network | ${model.bytesPerSecond / 1_000_000} MB/s | ${model.bytesPerSecond / 1_000_000} MB/s |`,
  ].join('\n');
}
