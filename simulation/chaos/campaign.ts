/**
 * A fault campaign: seeded runs on each path, one after the other, and the outcome counts the bench and
 * `npm run chaos` report. Each unsafe run keeps its id (replay it with `--replay <id>`), plan and reasons.
 */
import { fork } from 'node:child_process';
import type { RunOutcome } from './classify.js';
import { CHAOS_PATHS, type ChaosPath, describePlan, planRun, runId } from './plan.js';
import { executeRun, type RunOptions, type RunResult } from './run.js';

/** The counts issue 7 asks for, per path and in total. */
export interface FaultCounts {
  readonly runs: number;
  readonly safe: number;
  readonly unsafe: number;
  readonly dataLost: number;
  readonly leftStopped: number;
  readonly lockLeaks: number;
  readonly stuck: number;
}

export interface UnsafeRun {
  readonly id: string;
  readonly plan: string;
  readonly transient: boolean;
  readonly reasons: readonly string[];
  /** The executions' last states and the failed calls (RunResult.trail). */
  readonly trail: readonly string[];
}

export interface PathSummary {
  readonly counts: FaultCounts;
  /** The same counts over the runs whose faults were all transient. */
  readonly transient: FaultCounts;
  readonly untruthful: number;
  /** Calls the deployed policies refused, over all runs (none in a correct deployment). */
  readonly deniedCalls: number;
  readonly unsafeRuns: readonly UnsafeRun[];
  /** Real milliseconds per run: mean and the slowest. */
  readonly realMsPerRun: { readonly mean: number; readonly max: number };
}

export interface CampaignSummary {
  readonly seed: number;
  readonly paths: Partial<Record<ChaosPath, PathSummary>>;
  readonly total: FaultCounts;
}

export interface CampaignOptions extends RunOptions {
  readonly seed: number;
  readonly runs: number;
  readonly paths?: readonly ChaosPath[];
  /** Told of each run as it ends (progress, or collecting the results). */
  readonly onRun?: (result: RunResult) => void;
  /** Child processes running runs side by side (default 1: all in this process). */
  readonly workers?: number;
}

const EMPTY: FaultCounts = {
  runs: 0,
  safe: 0,
  unsafe: 0,
  dataLost: 0,
  leftStopped: 0,
  lockLeaks: 0,
  stuck: 0,
};

function countOutcomes(outcomes: readonly RunOutcome[]): FaultCounts {
  return outcomes.reduce(
    (counts, outcome) => ({
      runs: counts.runs + 1,
      safe: counts.safe + (outcome.safe ? 1 : 0),
      unsafe: counts.unsafe + (outcome.safe ? 0 : 1),
      dataLost: counts.dataLost + (outcome.dataLost ? 1 : 0),
      leftStopped: counts.leftStopped + (outcome.leftStopped ? 1 : 0),
      lockLeaks: counts.lockLeaks + (outcome.lockLeak ? 1 : 0),
      stuck: counts.stuck + (outcome.stuck ? 1 : 0),
    }),
    EMPTY,
  );
}

function addCounts(a: FaultCounts, b: FaultCounts): FaultCounts {
  return {
    runs: a.runs + b.runs,
    safe: a.safe + b.safe,
    unsafe: a.unsafe + b.unsafe,
    dataLost: a.dataLost + b.dataLost,
    leftStopped: a.leftStopped + b.leftStopped,
    lockLeaks: a.lockLeaks + b.lockLeaks,
    stuck: a.stuck + b.stuck,
  };
}

function summarisePath(results: readonly RunResult[]): PathSummary {
  const outcomes = results.map((result) => result.outcome);
  const realMs = results.map((result) => result.realMs);
  return {
    counts: countOutcomes(outcomes),
    transient: countOutcomes(outcomes.filter((outcome) => outcome.transient)),
    untruthful: outcomes.filter((outcome) => outcome.untruthful).length,
    deniedCalls: results.reduce((total, result) => total + result.deniedCalls.length, 0),
    unsafeRuns: results
      .filter((result) => !result.outcome.safe)
      .map((result) => ({
        id: result.plan.id,
        plan: describePlan(result.plan),
        transient: result.outcome.transient,
        reasons: result.outcome.reasons,
        trail: result.trail,
      })),
    realMsPerRun: {
      mean: realMs.length === 0 ? 0 : Math.round(realMs.reduce((a, b) => a + b, 0) / realMs.length),
      max: Math.round(Math.max(0, ...realMs)),
    },
  };
}

/**
 * Runs `runs` seeded plans on each path (each in its own simulated account), in this process or in
 * `workers` child processes. The results are in run order either way, so the counts and the list of
 * unsafe runs do not depend on the number of workers.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignSummary> {
  const paths: Partial<Record<ChaosPath, PathSummary>> = {};
  let total = EMPTY;
  const runOptions: RunOptions = options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs };
  for (const path of options.paths ?? CHAOS_PATHS) {
    const ids = Array.from({ length: options.runs }, (_, index) => runId(path, options.seed, index));
    const results =
      (options.workers ?? 1) > 1
        ? await runInWorkers(ids, runOptions, options.workers ?? 1, options.onRun)
        : await runHere(ids, runOptions, options.onRun);
    const summary = summarisePath(results);
    paths[path] = summary;
    total = addCounts(total, summary.counts);
  }
  return { seed: options.seed, paths, total };
}

async function runHere(
  ids: readonly string[],
  options: RunOptions,
  onRun: CampaignOptions['onRun'],
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const id of ids) {
    const result = await executeRun(planRun(id), options);
    onRun?.(result);
    results.push(result);
  }
  return results;
}

type WorkerReply = 'ready' | { id: string; result?: RunResult; error?: string };

/** Hands the ids out to `count` child processes, the next id to whichever finishes first. */
async function runInWorkers(
  ids: readonly string[],
  options: RunOptions,
  count: number,
  onRun: CampaignOptions['onRun'],
): Promise<RunResult[]> {
  const module = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  // A TypeScript worker needs the same loader as this process (tsx for `npm run chaos` and vitest alike).
  const execArgv = module.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const results = new Map<string, RunResult>();
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const child = fork(module, [], { execArgv, serialization: 'advanced', stdio: 'inherit' });
      const give = () => {
        const id = ids[next];
        next += 1;
        if (id === undefined) child.send('exit');
        else child.send({ id, options });
      };
      child.on('message', (reply: WorkerReply) => {
        if (reply === 'ready') return give();
        if (reply.error !== undefined || reply.result === undefined) {
          child.kill();
          return reject(new Error(`fault run ${reply.id} threw: ${reply.error}`));
        }
        results.set(reply.id, reply.result);
        onRun?.(reply.result);
        give();
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 || results.size === ids.length
          ? resolve()
          : reject(new Error(`a campaign worker exited with ${code}`)),
      );
    });
  await Promise.all(Array.from({ length: Math.min(count, ids.length) }, one));
  return ids.map((id) => {
    const result = results.get(id);
    if (!result) throw new Error(`fault run ${id} never reported`);
    return result;
  });
}

/** The table and the unsafe runs, for people. */
export function renderCampaign(summary: CampaignSummary): string {
  const row = (name: string, counts: FaultCounts, extra = '') =>
    `| ${name} | ${counts.runs} | ${counts.safe} | ${counts.unsafe} | ${counts.dataLost} | ${counts.leftStopped} | ${counts.lockLeaks} | ${counts.stuck} |${extra}`;
  const lines = [
    `Fault campaign, seed ${summary.seed}`,
    '',
    '| Path | Runs | Safe | Unsafe | Data lost | Left stopped | Lock leaks | Stuck | Untruthful notes | Real ms/run |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [path, result] of Object.entries(summary.paths)) {
    if (!result) continue;
    lines.push(row(path, result.counts, ` ${result.untruthful} | ${result.realMsPerRun.mean} |`));
    lines.push(row(`${path}, transient faults only`, result.transient, ' | |'));
  }
  lines.push(row('total', summary.total, ' | |'));
  for (const [path, result] of Object.entries(summary.paths)) {
    for (const run of result?.unsafeRuns ?? []) {
      lines.push(
        '',
        `UNSAFE ${run.id} (${run.transient ? 'transient' : 'persistent'} faults; replay: npm run chaos -- --replay ${run.id})`,
      );
      lines.push(`  plan: ${run.plan}`);
      for (const reason of run.reasons) lines.push(`  - ${reason}`);
    }
    if (result && result.deniedCalls > 0)
      lines.push('', `${path}: ${result.deniedCalls} calls refused by the deployed policies`);
  }
  return lines.join('\n');
}
