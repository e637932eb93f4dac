/**
 * `npm run bench`: one SageMaker.3 remediation (and a few variants) in the simulated account, plus the
 * Lambda bundles; a table for people, or `npm run bench -- --json` for one JSON object.
 */
import { DEFAULT_TIMING } from '../handlers/shared/runtime-settings.js';
import { measureBundles, measureWorkflows, meetsTargets, renderWorkflowTable, TARGETS } from './benchmark.js';

const json = process.argv.includes('--json');
const workflows = await measureWorkflows();
const bundles = await measureBundles();
const ok = meetsTargets(workflows.sageMaker3);

if (json) {
  console.log(
    JSON.stringify(
      { ...workflows, bundles, targets: TARGETS, meetsTargets: ok, node: process.version },
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
  console.log('\nLambda bundles (minified, SDK bundled; init = cold require of the bundle, median of 7)\n');
  console.log('| Handler | Bytes | Init |');
  console.log('|---|---|---|');
  for (const bundle of bundles) console.log(`| ${bundle.handler} | ${bundle.bytes} | ${bundle.initMs} ms |`);
  console.log(
    `\nTargets for SageMaker.3 from InService: <= ${TARGETS.maxStateTransitions} transitions, <= ${TARGETS.maxLambdaInvocations} Lambda invocation, overhead ratio <= ${TARGETS.maxOverheadRatio}: ${ok ? 'met' : 'NOT MET'}`,
  );
}
process.exitCode = ok ? 0 : 1;
