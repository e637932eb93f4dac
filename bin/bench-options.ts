/**
 * `npm run bench`'s command line: the usage text and the parser. Pure, so --help and every refusal are
 * answered before the benchmark loads (esbuild, the simulation), and the tests check them without
 * measuring anything.
 */
import {
  helpOrUsageErrorAnswer,
  parseToolArgs,
  parseToolOptions,
  wholeNumberOption,
} from './command-line.js';

export const EXIT_OK = 0;
export const EXIT_MISSED = 1;

/**
 * Issue 7's minimum of seeded fault runs per path (of the campaign seed, CAMPAIGN_SEED): here, where
 * --help reads it without loading the benchmark, which takes it from here (measureFaults).
 */
export const DEFAULT_FAULT_RUNS = 500;

export const USAGE = `Usage: npm run bench -- [--fault-runs <n>] [--json]

Measures the workflow in the simulated account (no AWS account, no network) and checks it against the
targets: one SageMaker.3 remediation and a few variants, over a spread of SageMaker timings too; the
approved recreation of a 100,000-file volume; the IAM figures over every scenario; the Lambda bundles
(bytes, cold init); the fault campaign; the controls beside notebooks; a burst of findings. The large
volume and the fault campaign take minutes of real time (their figures are simulated time). See
docs/performance.md.

Options:
  --fault-runs <n>   seeded fault runs per path in the fault campaign (default ${DEFAULT_FAULT_RUNS})
  --json             one JSON object instead of the tables (npm run -s keeps npm's banner off stdout)
  -h, --help         this text

Exit status: 0 every target met and every check passed, 1 a target or check missed,
2 bad options (nothing run).`;

export type BenchCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'bench'; readonly json: boolean; readonly faultRuns: number };

/** --help and a usage error, answered before anything of the benchmark is loaded. */
export const printHelpOrUsageError = helpOrUsageErrorAnswer(USAGE, [
  'Run with --help for the usage: npm run bench -- --help',
]);

export function parseBenchArguments(args: readonly string[]): BenchCommand {
  const first = parseToolOptions(() => parseOptions(args));
  if (first.kind !== 'parsed') return first;
  const { values } = first.parsed;
  const { problems } = first;
  const faultRuns = wholeNumberOption('fault-runs', values['fault-runs'], DEFAULT_FAULT_RUNS, problems);
  if (problems.length > 0) return { kind: 'usage-error', message: problems.join('\n') };
  return { kind: 'bench', json: values.json ?? false, faultRuns };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(args, { json: { type: 'boolean' }, 'fault-runs': { type: 'string' } });
}
