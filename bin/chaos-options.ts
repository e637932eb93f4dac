/**
 * `npm run chaos`'s command line: the usage text and the parser. Pure and light (the fault catalogue's
 * path names, nothing of the simulation or the AWS SDK), so --help and every refusal are answered
 * before a campaign loads, and the tests check them without running one.
 */
import { CHAOS_PATHS, type ChaosPath } from '../simulation/chaos/fault-catalogue.js';
import {
  helpOrUsageErrorAnswer,
  parseToolArgs,
  parseToolOptions,
  wholeNumberOption,
} from './command-line.js';

export const EXIT_OK = 0;
export const EXIT_UNSAFE = 1;

export const DEFAULT_RUNS = 50;
export const DEFAULT_SEED = 1;
export const DEFAULT_WORKERS = 1;

/** Options of a campaign: a replay takes its path, seed and index from the run id instead. */
const CAMPAIGN_OPTIONS = ['runs', 'seed', 'path', 'workers', 'log'] as const;

export const USAGE = `Usage: npm run chaos -- [--runs <n>] [--seed <n>] [--path in-place|recreation|both] [options]
       npm run chaos -- --replay <run id> [--json]

Runs seeded fault plans against the local deployment in the simulated account (no AWS account, no
network): each run is a scenario on one path with one or two faults, transient or persistent. Prints
the outcome counts per path and every unsafe run with its id, plan and reasons. A run id is all a
replay needs: --replay runs that one again and prints its plan, outcome, trail and facts.

Options:
  --runs <n>          runs per path (default ${DEFAULT_RUNS})
  --seed <n>          the campaign's seed, a whole number (default ${DEFAULT_SEED}): the same seed, the same runs
  --path <path>       in-place, recreation or both (default both)
  --workers <n>       runs side by side in that many child processes (default ${DEFAULT_WORKERS}: in this process)
  --log <file>        appends a JSON line per run as it ends: results survive a campaign cut short
  --replay <run id>   runs one run again: <in-place|recreation>:<seed>:<index> as the report names it
  --json              the report (or the replay) as JSON
  -h, --help          this text

Exit status: 0 every run safe, 1 a run unsafe, 2 bad options (nothing run). Progress goes to stderr.`;

export type ChaosCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | {
      readonly kind: 'campaign';
      readonly runs: number;
      readonly seed: number;
      readonly paths: readonly ChaosPath[];
      readonly workers: number;
      readonly log?: string;
      readonly json: boolean;
    }
  | { readonly kind: 'replay'; readonly runId: string; readonly json: boolean };

/** --help and a usage error, answered before anything of the simulation is loaded. */
export const printHelpOrUsageError = helpOrUsageErrorAnswer(USAGE, [
  'Run with --help for the usage: npm run chaos -- --help',
]);

export function parseChaosArguments(args: readonly string[]): ChaosCommand {
  const first = parseToolOptions(() => parseOptions(args));
  if (first.kind !== 'parsed') return first;
  const { values } = first.parsed;
  const { problems } = first;
  const json = values.json ?? false;
  if (values.replay !== undefined) {
    // A replay would ignore them silently: its --log, say, would write nothing.
    for (const name of CAMPAIGN_OPTIONS) {
      if (values[name] !== undefined)
        problems.push(`--${name} is for a campaign, not --replay: the run id gives the path, seed and index`);
    }
    if (values.replay.trim() === '')
      problems.push('--replay needs a run id: <in-place|recreation>:<seed>:<index>');
    if (problems.length > 0) return { kind: 'usage-error', message: problems.join('\n') };
    return { kind: 'replay', runId: values.replay, json };
  }

  const runs = wholeNumberOption('runs', values.runs, DEFAULT_RUNS, problems);
  const seed = wholeNumberOption('seed', values.seed, DEFAULT_SEED, problems);
  const workers = wholeNumberOption('workers', values.workers, DEFAULT_WORKERS, problems);
  const path = values.path ?? 'both';
  const paths = path === 'both' ? CHAOS_PATHS : CHAOS_PATHS.filter((known) => known === path);
  if (paths.length === 0) problems.push(`--path must be in-place, recreation or both, got ${path}`);
  if (values.log !== undefined && values.log.trim() === '') problems.push('--log needs a file name');
  if (problems.length > 0) return { kind: 'usage-error', message: problems.join('\n') };
  return {
    kind: 'campaign',
    runs,
    seed,
    paths,
    workers,
    ...(values.log === undefined ? {} : { log: values.log }),
    json,
  };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(args, {
    runs: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    workers: { type: 'string' },
    log: { type: 'string' },
    replay: { type: 'string' },
    json: { type: 'boolean' },
  });
}
