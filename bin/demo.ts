/**
 * `npm run demo`: the stack "deployed" into the local simulated account (no AWS account, no network),
 * Security Hub findings imported (the built-in scenarios, or your own finding and notebook), a
 * security engineer's approval clicked, and what happened printed as a timeline in simulated time.
 * Everything that runs is the real thing: the EventBridge patterns, the state machine definition (in
 * aws-local-stepfunctions), the handler code, the lifecycle scripts (run with bash), the configuration
 * loader. `npm run demo -- --help` lists the scenarios and options.
 */
import '../simulation/runner/node20-compatibility.js';
import { runDemoCommand } from './demo-command.js';

process.exitCode = await runDemoCommand(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
