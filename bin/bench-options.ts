/**
 * `npm run bench`'s command line: the usage text and the parser. Pure, so --help and every refusal are
 * answered before the benchmark loads (esbuild, the simulation), and the tests check them without
 * measuring anything.
 */
import { parseArgs } from 'node:util';
import { parseCommandLine, repeatedOptions } from './command-line.js';

export const EXIT_OK = 0;
export const EXIT_MISSED = 1;
export const EXIT_USAGE = 2;

/**
 * Issue 7's minimum of seeded fault runs per path: here, where --help reads it without loading the
 * benchmark, which takes it from here (FAULT_RUNS_PER_PATH).
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

/**
 * --help and a usage error, answered before anything of the benchmark is loaded: prints the usage or
 * the problems and gives the exit status.
 */
export function printHelpOrUsageError(
  parsed: { readonly kind: 'help' } | { readonly kind: 'usage-error'; readonly message: string },
  out: { readonly print: (line: string) => void; readonly printError: (line: string) => void },
): number {
  if (parsed.kind === 'help') {
    out.print(USAGE);
    return EXIT_OK;
  }
  for (const line of parsed.message.split('\n')) out.printError(`error: ${line}`);
  out.printError('Run with --help for the usage: npm run bench -- --help');
  return EXIT_USAGE;
}

export function parseBenchArguments(args: readonly string[]): BenchCommand {
  const commandLine = parseCommandLine(() => parseOptions(args));
  // node:util words some errors over several lines: one problem, one line.
  if (commandLine.kind === 'usage-error')
    return { kind: 'usage-error', message: commandLine.message.replace(/\s*\n\s*/g, ' ') };
  const { values, tokens } = commandLine.parsed;
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  // parseArgs keeps the last of a repeated option silently; two values are a mistake.
  for (const name of repeatedOptions(tokens)) problems.push(`--${name} is given twice`);
  const text = values['fault-runs'];
  // Digits only: Number() would take '', '1e3' or '0x10'.
  const faultRuns = text === undefined ? DEFAULT_FAULT_RUNS : Number(text);
  if (text !== undefined && !(/^\d+$/.test(text) && Number.isSafeInteger(faultRuns))) {
    problems.push(`--fault-runs must be a whole number, got ${text}`);
  }
  if (problems.length > 0) return { kind: 'usage-error', message: problems.join('\n') };
  return { kind: 'bench', json: values.json ?? false, faultRuns };
}

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    tokens: true,
    options: {
      json: { type: 'boolean' },
      'fault-runs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
