/**
 * `npm run chaos -- --runs N --seed S [--path in-place|recreation|both] [--workers W] [--log F] [--json]`: seeded
 * fault runs against the local deployment (simulation/chaos), outcome counts per path and every unsafe
 * run with its id, plan and reasons; `--workers` runs that many side by side in child processes, `--log`
 * appends one JSON line per run to a file as it ends. `--replay <run id>` runs one of them again and prints what it saw.
 * Exits non-zero when any run was unsafe.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CampaignSummary, renderCampaign, runCampaign } from '../simulation/chaos/campaign.js';
import { CHAOS_PATHS, type ChaosPath, describePlan, planRun } from '../simulation/chaos/plan.js';
import { executeRun } from '../simulation/chaos/run.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    path: { type: 'string', default: 'both' },
    replay: { type: 'string' },
    json: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    // One JSON line per run as it ends: results survive a campaign cut short.
    log: { type: 'string' },
  },
  strict: true,
});

function wholeNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${text}`);
  return value;
}

if (values.replay !== undefined) {
  const plan = planRun(values.replay);
  const result = await executeRun(plan);
  if (values.json) {
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
  process.exitCode = result.outcome.safe ? 0 : 1;
} else {
  const paths: readonly ChaosPath[] =
    values.path === 'both' ? CHAOS_PATHS : CHAOS_PATHS.filter((path) => path === values.path);
  if (paths.length === 0) throw new Error(`--path must be in-place, recreation or both, got ${values.path}`);
  const runs = wholeNumber('runs', values.runs);
  let done = 0;
  const summary: CampaignSummary = await runCampaign({
    seed: wholeNumber('seed', values.seed),
    runs,
    paths,
    workers: wholeNumber('workers', values.workers),
    onRun: (result) => {
      done += 1;
      if (values.log !== undefined) {
        const { plan, outcome, trail, realMs } = result;
        appendFileSync(
          values.log,
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
  console.log(values.json ? JSON.stringify(summary, null, 2) : renderCampaign(summary));
  process.exitCode = summary.total.unsafe === 0 ? 0 : 1;
}
