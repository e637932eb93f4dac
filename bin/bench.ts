/**
 * `npm run bench`: one SageMaker.3 remediation (and a few variants) in the simulated account, the
 * 100,000-file recreation, the IAM figures over every scenario, and the Lambda bundles; a table for
 * people, or `npm run bench -- --json` for one JSON object. Exits non-zero when a target or check is
 * missed. The large volume takes minutes of real time (its figures are simulated time).
 */
import { DEFAULT_TIMING } from '../handlers/shared/runtime-settings.js';
import {
  benchIamRecord,
  benchProblems,
  MAX_STATE_PAYLOAD_BYTES,
  measureBundles,
  measureIam,
  measureLargeVolume,
  measureWorkflows,
  meetsTargets,
  renderLargeVolume,
  renderWorkflowTable,
  TARGETS,
} from './benchmark.js';

const json = process.argv.includes('--json');
const started = Date.now();
const record = benchIamRecord();
const workflows = await measureWorkflows(record.observe);
const largeVolume = await measureLargeVolume();
record.deniedCalls.push(...largeVolume.deniedCalls.map((call) => `large volume: ${call}`));
const iamAnalysis = await measureIam(record);
const iam = { deniedCalls: iamAnalysis.figures.deniedCalls, unusedGrants: iamAnalysis.figures.unusedGrants };
const bundles = await measureBundles();
const ok = meetsTargets(workflows.sageMaker3);
const problems = benchProblems({ sageMaker3: workflows.sageMaker3, largeVolume, iam });

if (json) {
  console.log(
    JSON.stringify(
      {
        ...workflows,
        recreate: { ...workflows.recreate, largeVolume: largeVolume.figures },
        iam,
        bundles,
        targets: { ...TARGETS, maxStatePayloadBytes: MAX_STATE_PAYLOAD_BYTES },
        meetsTargets: ok,
        problems,
        node: process.version,
      },
      null,
      2,
    ),
  );
} else {
  const { stopSeconds, updateSeconds, startSeconds } = DEFAULT_TIMING;
  console.log(
    `Workflow (simulated account, default timing: stop ${stopSeconds} s, update ${updateSeconds} s, start ${startSeconds} s)\n`,
  );
  console.log(renderWorkflowTable(workflows));
  console.log(
    `\nLarge volume: approved recreation, simulated time from the copy throughput model (${largeVolume.realSeconds} s of real time here)\n`,
  );
  console.log(renderLargeVolume(largeVolume));
  const { figures } = iamAnalysis;
  console.log(
    `\nIAM over every scenario (the IAM coverage suite, ${iamAnalysis.suiteRealSeconds} s of real time, and the runs above): ${figures.deniedCalls} calls refused; ${figures.grants} grants, ${figures.usedGrants} used, ${figures.explainedGrants} unused with a written reason, ${figures.unusedGrants} unused without one`,
  );
  for (const line of [...iamAnalysis.denied, ...iamAnalysis.unexplained]) console.log(`  ${line}`);
  console.log('\nLambda bundles (minified, SDK bundled; init = cold require of the bundle, median of 7)\n');
  console.log('| Handler | Bytes | Init |');
  console.log('|---|---|---|');
  for (const bundle of bundles) console.log(`| ${bundle.handler} | ${bundle.bytes} | ${bundle.initMs} ms |`);
  console.log(
    `\nTargets for SageMaker.3 from InService: <= ${TARGETS.maxStateTransitions} transitions, <= ${TARGETS.maxLambdaInvocations} Lambda invocation, overhead ratio <= ${TARGETS.maxOverheadRatio}: ${ok ? 'met' : 'NOT MET'}`,
  );
  console.log(
    `Large volume: no state over ${MAX_STATE_PAYLOAD_BYTES} bytes, restored exactly; IAM: 0 refused, 0 unexplained unused grants: ${problems.length === 0 ? 'met' : 'NOT MET'}`,
  );
  for (const problem of problems) console.log(`  ${problem}`);
  console.log(`\n(${Math.round((Date.now() - started) / 1000)} s of real time in all)`);
}
process.exitCode = problems.length === 0 ? 0 : 1;
