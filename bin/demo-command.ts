/**
 * `npm run demo`'s command: parses the options, answers --help and usage errors before the simulation
 * loads, checks a user's files, then runs the scenarios (or the user's case). bin/demo.ts runs it with
 * the process's outputs; tests run it with their own.
 */
import { EXIT_OK, EXIT_USAGE, helpText, parseDemoOptions } from './demo-options.js';
import { SCENARIO_NAMES } from './demo-scenarios.js';
import { loadUserCase } from './demo-user-case.js';

export interface DemoCommandOutput {
  /** The report (stdout). */
  readonly out: (text: string) => void;
  /** Progress, problems and usage errors (stderr). */
  readonly err: (text: string) => void;
}

/** Runs the demo for `args` (what follows `npm run demo --`); returns the exit status. */
export async function runDemoCommand(args: readonly string[], output: DemoCommandOutput): Promise<number> {
  const command = parseDemoOptions(args);
  if (command.kind === 'help') {
    output.out(helpText());
    return EXIT_OK;
  }
  const usageError = (message: string) => {
    output.err(`${message}\nnpm run demo -- --help lists the scenarios and options.`);
    return EXIT_USAGE;
  };
  if (command.kind === 'usage-error') return usageError(command.message);
  // The files are checked before the simulation loads: a bad one runs nothing.
  const userCase = command.kind === 'user-case' ? loadUserCase(command) : undefined;
  if (userCase && !userCase.ok) return usageError(userCase.message);
  // Loaded only now: --help and a usage error answer at once.
  output.err('demo: loading the simulation');
  const { runDemo } = await import('./demo-run.js');
  return runDemo(
    {
      scenarios:
        command.kind === 'scenarios' && command.scenarios.length > 0 ? command.scenarios : SCENARIO_NAMES,
      ...(userCase?.ok ? { userCase: userCase.value } : {}),
    },
    { line: output.out, progress: output.err, problem: output.err },
  );
}
