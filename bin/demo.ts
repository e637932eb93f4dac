/**
 * `npm run demo`: the stack "deployed" into the local simulated account (no AWS account, no network),
 * Security Hub findings imported (the built-in scenarios, or your own finding and notebook), a
 * security engineer's approval clicked, and what happened printed as a timeline in simulated time.
 * Everything that runs is the real thing: the EventBridge patterns, the state machine definition (in
 * aws-local-stepfunctions), the handler code, the lifecycle scripts (run with bash), the configuration
 * loader. `npm run demo -- --help` lists the scenarios and options.
 */
import '../simulation/runner/node20-compatibility.js';
import { EXIT_OK, EXIT_USAGE, helpText, parseDemoOptions } from './demo-options.js';
import { SCENARIO_NAMES } from './demo-scenarios.js';
import { loadUserCase } from './demo-user-case.js';

async function main(args: readonly string[]): Promise<number> {
  const command = parseDemoOptions(args);
  if (command.kind === 'help') {
    console.log(helpText());
    return EXIT_OK;
  }
  const usageError = (message: string) => {
    console.error(`${message}\nnpm run demo -- --help lists the scenarios and options.`);
    return EXIT_USAGE;
  };
  if (command.kind === 'usage-error') return usageError(command.message);
  // The files are checked before the simulation loads: a bad one runs nothing.
  const userCase = command.kind === 'user-case' ? loadUserCase(command) : undefined;
  if (userCase && !userCase.ok) return usageError(userCase.message);
  // Loaded only now: --help and a usage error answer at once.
  console.error('demo: loading the simulation');
  const { runDemo } = await import('./demo-run.js');
  return runDemo(
    {
      scenarios:
        command.kind === 'scenarios' && command.scenarios.length > 0 ? command.scenarios : SCENARIO_NAMES,
      ...(userCase?.ok ? { userCase: userCase.value } : {}),
    },
    {
      line: (text) => console.log(text),
      progress: (text) => console.error(text),
      problem: (text) => console.error(text),
    },
  );
}

process.exitCode = await main(process.argv.slice(2));
