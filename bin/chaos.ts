/**
 * `npm run chaos -- --runs N --seed S [--path in-place|recreation|both] [--workers W] [--log F] [--json]`: seeded
 * fault runs against the local deployment (simulation/chaos), outcome counts per path and every unsafe
 * run with its id, plan and reasons; `--workers` runs that many side by side in child processes, `--log`
 * appends one JSON line per run to a file as it ends. `--replay <run id>` runs one of them again and prints what it saw.
 * Exits 1 when any run was unsafe, 2 on bad options (`--help` lists them; the parsing is in chaos-options.ts).
 */
import { appendFileSync } from 'node:fs';
import {
  type ChaosCommand,
  EXIT_OK,
  EXIT_UNSAFE,
  parseChaosArguments,
  printHelpOrUsageError,
} from './chaos-options.js';

const print = (line: string) => console.log(line);
const printError = (line: string) => console.error(line);
const command = parseChaosArguments(process.argv.slice(2));

// --help and argument errors load nothing of the simulation (nor the AWS SDK it imports).
process.exitCode =
  command.kind === 'replay'
    ? await replay(command)
    : command.kind === 'campaign'
      ? await campaign(command)
      : printHelpOrUsageError(command, { print, printError });

async function replay(options: Extract<ChaosCommand, { kind: 'replay' }>): Promise<number> {
  const { describePlan, parseRunId, planRun } = await import('../simulation/chaos/plan.js');
  // The plan module owns the run id's shape; a bad one is still a usage error, checked before a run loads.
  try {
    parseRunId(options.runId);
  } catch (error) {
    return printHelpOrUsageError(
      { kind: 'usage-error', message: `--replay: ${(error as Error).message}` },
      { print, printError },
    );
  }
  const { executeRun } = await import('../simulation/chaos/run.js');
  const plan = planRun(options.runId);
  const result = await executeRun(plan);
  if (options.json) {
    console.log(
      JSON.stringify(
        { plan, outcome: result.outcome, facts: result.facts, interference: result.interference },
        null,
        2,
      ),
    );
  } else {
    console.log(`${plan.id}: ${describePlan(plan)}`);
    console.log(`${result.outcome.safe ? 'SAFE' : 'UNSAFE'} (${Math.round(result.realMs)} ms of real time)`);
    for (const reason of result.outcome.reasons) console.log(`  - ${reason}`);
    console.log('\nSomeone else:', result.interference.length === 0 ? 'nothing' : '');
    for (const line of result.interference) console.log(`  ${line}`);
    console.log('\nTrail:');
    for (const line of result.trail) console.log(`  ${line}`);
    console.log('\nFacts:');
    console.log(JSON.stringify(result.facts, null, 2));
  }
  return result.outcome.safe ? EXIT_OK : EXIT_UNSAFE;
}

async function campaign(options: Extract<ChaosCommand, { kind: 'campaign' }>): Promise<number> {
  const [{ renderCampaign, runCampaign }, { describePlan }] = await Promise.all([
    import('../simulation/chaos/campaign.js'),
    import('../simulation/chaos/plan.js'),
  ]);
  const { runs, paths, log } = options;
  let done = 0;
  const summary = await runCampaign({
    seed: options.seed,
    runs,
    paths,
    workers: options.workers,
    onRun: (result) => {
      done += 1;
      if (log !== undefined) {
        const { plan, outcome, trail, realMs } = result;
        appendFileSync(
          log,
          `${JSON.stringify({ id: plan.id, plan: describePlan(plan), outcome, trail, realMs: Math.round(realMs) })}\n`,
        );
      }
      if (process.stderr.isTTY) process.stderr.write(`\r${done}/${runs * paths.length} runs`);
      else if (!result.outcome.safe || done % 25 === 0)
        process.stderr.write(
          `${done}/${runs * paths.length} runs${result.outcome.safe ? '' : `, ${result.plan.id} unsafe`}\n`,
        );
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(options.json ? JSON.stringify(summary, null, 2) : renderCampaign(summary));
  return summary.total.unsafe === 0 ? EXIT_OK : EXIT_UNSAFE;
}
