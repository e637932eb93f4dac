import { runDemoCommand } from '../../bin/demo-command.js';

/**
 * `npm run demo -- <args>` run in this process, its outputs as the process would print them: the
 * simulation is loaded already, so a run costs its own work and not a second start of everything.
 */
export async function demoInThisProcess(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runDemoCommand(args, {
    out: (text) => {
      stdout += `${text}\n`;
    },
    err: (text) => {
      stderr += `${text}\n`;
    },
  });
  return { status, stdout, stderr };
}
