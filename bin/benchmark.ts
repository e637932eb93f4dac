/**
 * What `npm run bench` measures. Workflow figures come from running the real definition in the
 * simulated account, so they are exact and repeatable; bundle figures come from bundling each
 * handler exactly as the stack does and loading it in fresh Node.js processes.
 */
import '../test/local-workflow/node20-compatibility.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_HANDLERS, toEsbuildOptions } from '../stacks/lambda-bundling.js';
import { LocalDeployment } from '../test/local-workflow/local-deployment.js';
import type { ExecutionRecord } from '../test/local-workflow/local-state-machine.js';
import { DEFAULT_TRANSITION_DURATIONS } from '../test/simulated-account/sagemaker.js';
import { notebookControlFinding } from '../test/simulated-account/sample-findings.js';

/** Standard workflows: USD 0.025 per 1,000 state transitions (retries count). */
export const USD_PER_TRANSITION = 0.025 / 1000;

/** The targets for one SageMaker.3 remediation from InService. */
export const TARGETS = { maxStateTransitions: 20, maxLambdaInvocations: 1, maxOverheadRatio: 1.1 } as const;

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

const SAGEMAKER_TRANSITION_SECONDS: Readonly<Record<string, number>> = {
  StopNotebookInstance: DEFAULT_TRANSITION_DURATIONS.stopSeconds,
  UpdateNotebookInstance: DEFAULT_TRANSITION_DURATIONS.updateSeconds,
  StartNotebookInstance: DEFAULT_TRANSITION_DURATIONS.startSeconds,
};

function figures(deployment: LocalDeployment, execution: ExecutionRecord): WorkflowFigures {
  const stateTransitions = execution.transitions.length + execution.retries;
  const endToEndSeconds = ((execution.stoppedAt?.getTime() ?? 0) - execution.startedAt.getTime()) / 1000;
  const sageMakerSeconds = deployment.account.calls
    .filter((call) => call.service === 'SageMaker' && call.outcome === 'ok')
    .reduce((total, call) => total + (SAGEMAKER_TRANSITION_SECONDS[call.operation] ?? 0), 0);
  return {
    stateTransitions,
    lambdaInvocations: execution.lambdaInvocations,
    apiCalls: deployment.account.calls.length,
    overheadRatio: sageMakerSeconds > 0 ? Math.round((endToEndSeconds / sageMakerSeconds) * 1000) / 1000 : 0,
    endToEndSeconds,
    sageMakerSeconds,
    costUsd: Number((stateTransitions * USD_PER_TRANSITION).toFixed(6)),
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
    description: 'SageMaker.3 from InService, stop takes 100 s (3 extra checks)',
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

/** Runs one scenario in a fresh simulated account with the default configuration. */
export async function measureScenario(scenario: Scenario): Promise<WorkflowFigures> {
  const deployment = new LocalDeployment({ configuration: scenario.configuration });
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
  if (!execution || others.length > 0 || execution.status !== 'SUCCEEDED') {
    throw new Error(`${scenario.name}: expected one successful execution`);
  }
  const measured = figures(deployment, execution);
  if (scenario.stopSeconds) {
    // This notebook's stop is slower than the default the figures assume.
    const extra = scenario.stopSeconds - DEFAULT_TRANSITION_DURATIONS.stopSeconds;
    const sageMakerSeconds = measured.sageMakerSeconds + extra;
    return {
      ...measured,
      sageMakerSeconds,
      overheadRatio: Math.round((measured.endToEndSeconds / sageMakerSeconds) * 1000) / 1000,
    };
  }
  return measured;
}

export async function measureWorkflows(): Promise<Record<ScenarioName, WorkflowFigures>> {
  const results = {} as Record<ScenarioName, WorkflowFigures>;
  for (const name of Object.keys(SCENARIOS) as ScenarioName[])
    results[name] = await measureScenario(SCENARIOS[name]);
  return results;
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
    const results: BundleFigures[] = [];
    for (const source of LAMBDA_HANDLERS) {
      const outfile = join(directory, source.name, 'index.js');
      await build({ ...toEsbuildOptions(source, outfile), logLevel: 'silent' });
      const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const loads: number[] = [];
      for (let run = 0; run < runs; run++) {
        const output = execFileSync(process.execPath, ['-e', probe], {
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

export function meetsTargets(figures: WorkflowFigures): boolean {
  return (
    figures.stateTransitions <= TARGETS.maxStateTransitions &&
    figures.lambdaInvocations <= TARGETS.maxLambdaInvocations &&
    figures.overheadRatio <= TARGETS.maxOverheadRatio
  );
}

/** The workflow table of docs/performance.md (deterministic, so a test keeps the doc honest). */
export function renderWorkflowTable(results: Record<ScenarioName, WorkflowFigures>): string {
  const rows = (Object.keys(SCENARIOS) as ScenarioName[]).map((name) => {
    const figures = results[name];
    return `| ${SCENARIOS[name].description} | ${figures.stateTransitions} | ${figures.lambdaInvocations} | ${figures.apiCalls} | ${figures.endToEndSeconds.toFixed(1)} s | ${figures.sageMakerSeconds} s | ${figures.sageMakerSeconds > 0 ? figures.overheadRatio.toFixed(3) : 'n/a'} | $${figures.costUsd.toFixed(6)} |`;
  });
  return [
    '| Scenario | State transitions | Lambda invocations | API calls | End to end | SageMaker changing state | Overhead ratio | Step Functions cost |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
