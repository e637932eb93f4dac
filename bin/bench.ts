/**
 * `npm run bench`: one SageMaker.3 remediation (and a few variants) in the simulated account, the
 * 100,000-file recreation, the IAM figures over every scenario, the Lambda bundles, and the fault
 * campaign (500 seeded runs per path; `--fault-runs N` for another number); a table for people, or
 * `npm run bench -- --json` for one JSON object. Exits 1 when a target or check is missed, 2 on bad
 * options (`--help` lists them; the parsing is in bench-options.ts). The large volume and the fault
 * campaign take minutes of real time (their figures are simulated time).
 */
// Before any module of the benchmark, as benchmark.ts itself imports it; light, so --help stays quick.
import '../simulation/runner/node20-compatibility.js';
import {
  type BenchCommand,
  EXIT_MISSED,
  EXIT_OK,
  parseBenchArguments,
  printHelpOrUsageError,
} from './bench-options.js';
import type { TimingSpread } from './benchmark-timing-spread.js';

const command = parseBenchArguments(process.argv.slice(2));
// --help and argument errors load nothing of the benchmark (esbuild, the simulation, the AWS SDK).
process.exitCode =
  command.kind === 'bench'
    ? await run(command)
    : printHelpOrUsageError(command, {
        print: (line) => console.log(line),
        printError: (line) => console.error(line),
      });

async function run({ json, faultRuns }: Extract<BenchCommand, { kind: 'bench' }>): Promise<number> {
  const [
    { DEFAULT_TIMING },
    {
      benchIamRecord,
      benchProblems,
      bundleProblems,
      MAX_INIT_MS,
      MAX_STATE_PAYLOAD_BYTES,
      measureBundles,
      measureFaults,
      measureIam,
      measureLargeVolume,
      measureWorkflows,
      meetsTargets,
      renderFaults,
      renderLargeVolume,
      renderWorkflowTable,
      TARGETS,
    },
    { burstProblems, measureBurst },
    { measureControls, renderControlTable },
    {
      LAMBDA_BILLED_SECONDS,
      measureInPlaceSpread,
      measureRecreationSpread,
      overheadProblems,
      SPREAD_TARGETS,
    },
  ] = await Promise.all([
    import('../handlers/shared/runtime-settings.js'),
    import('./benchmark.js'),
    import('./benchmark-burst.js'),
    import('./benchmark-controls.js'),
    import('./benchmark-timing-spread.js'),
  ]);
  const started = Date.now();
  const record = benchIamRecord();
  const workflows = await measureWorkflows(record.observe);
  const inPlaceSpread = await measureInPlaceSpread();
  const recreationSpread = await measureRecreationSpread();
  const largeVolume = await measureLargeVolume();
  record.deniedCalls.push(...largeVolume.deniedCalls.map((call) => `large volume: ${call}`));
  const iamAnalysis = await measureIam(record);
  const iam = {
    deniedCalls: iamAnalysis.figures.deniedCalls,
    unusedGrants: iamAnalysis.figures.unusedGrants,
  };
  const bundles = await measureBundles();
  const faults = await measureFaults(faultRuns);
  const controls = await measureControls();
  const burst = await measureBurst();
  const ok = meetsTargets(workflows.sageMaker3);
  const unresolved = Object.entries(controls).flatMap(([id, figures]) => [
    ...(figures.outcome === 'RESOLVED' ? [] : [`${id}: the finding ended ${figures.outcome}, not RESOLVED`]),
    ...figures.deniedCalls.map((call) => `${id}: refused ${call}`),
  ]);
  const spreadProblems = [
    ...overheadProblems('sageMaker3.timingSpread', inPlaceSpread),
    ...overheadProblems('recreate.timingSpread', recreationSpread),
  ];
  const problems = [
    ...unresolved,
    ...spreadProblems,
    ...bundleProblems(bundles),
    ...burstProblems(burst),
    ...benchProblems({
      sageMaker3: workflows.sageMaker3,
      largeVolume,
      iam,
      faults: faults.figures,
    }),
  ];

  if (json) {
    console.log(
      JSON.stringify(
        {
          ...workflows,
          sageMaker3: { ...workflows.sageMaker3, timingSpread: inPlaceSpread },
          recreate: {
            ...workflows.recreate,
            largeVolume: largeVolume.figures,
            timingSpread: recreationSpread,
          },
          iam,
          bundles,
          faults: faults.figures,
          controls,
          burst,
          targets: {
            ...TARGETS,
            ...SPREAD_TARGETS,
            maxStatePayloadBytes: MAX_STATE_PAYLOAD_BYTES,
            maxInitMs: MAX_INIT_MS,
          },
          lambdaBilledSecondsAssumed: LAMBDA_BILLED_SECONDS,
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
    console.log(`\n${renderSpread('SageMaker.3 from InService', inPlaceSpread)}`);
    console.log(renderSpread('Approved recreation', recreationSpread));
    console.log(
      `\nLarge volume: approved recreation, simulated time from the copy throughput model (${largeVolume.realSeconds} s of real time here)\n`,
    );
    console.log(renderLargeVolume(largeVolume));
    const { figures } = iamAnalysis;
    console.log(
      `\nIAM over every scenario (the IAM coverage suite, ${iamAnalysis.suiteRealSeconds} s of real time, and the runs above): ${figures.deniedCalls} calls refused; ${figures.grants} grants, ${figures.usedGrants} used, ${figures.explainedGrants} unused with a written reason, ${figures.unusedGrants} unused without one`,
    );
    for (const line of [...iamAnalysis.denied, ...iamAnalysis.unexplained]) console.log(`  ${line}`);
    console.log(
      '\nLambda bundles (minified, SDK ES modules trimmed, rarely used credential sources and EC2 left to the runtime; init = cold require of the bundle, median of 7)\n',
    );
    console.log('| Handler | Bytes | Init |');
    console.log('|---|---|---|');
    for (const bundle of bundles)
      console.log(`| ${bundle.handler} | ${bundle.bytes} | ${bundle.initMs} ms |`);
    console.log(
      `\nFault campaign: ${faultRuns} seeded runs per path, 1-2 faults each (${faults.realSeconds} s of real time; ${faults.realMsPerRun['in-place']} ms per in-place run, ${faults.realMsPerRun.recreation} ms per recreation)\n`,
    );
    console.log(renderFaults(faults));
    console.log(
      '\nControls beside notebooks (one remediation each, approved after 5 minutes where it waits)\n',
    );
    console.log(renderControlTable(controls));
    console.log(
      `\nBurst: ${burst.findings} findings of ${burst.resources} notebooks in ${burst.accounts} member accounts within a minute, typical rate limits (${burst.realSeconds} s of real time): ${burst.remediated} remediated, ${burst.failed} failed, ${burst.duplicateRemediations} remediated twice, at most ${burst.peakConcurrentPerAccount} executions of one account at once (bound ${burst.concurrencyPerAccountRegion}), ${burst.throttledCalls} calls throttled, ${burst.simulatedMinutes} simulated minutes`,
    );
    console.log(
      `\nTargets for SageMaker.3 from InService: <= USD ${TARGETS.maxCostUsd}, <= ${TARGETS.maxLambdaInvocations} Lambda invocation, overhead ratio <= ${TARGETS.maxOverheadRatio}; over the timing spread, mean overhead <= ${SPREAD_TARGETS.maxMeanOverhead} and worst <= ${SPREAD_TARGETS.maxWorstOverhead}: ${ok && spreadProblems.length === 0 ? 'met' : 'NOT MET'}`,
    );
    console.log(
      `Large volume: no state over ${MAX_STATE_PAYLOAD_BYTES} bytes, restored exactly; IAM: 0 refused, 0 unexplained unused grants: ${problems.length === 0 ? 'met' : 'NOT MET'}`,
    );
    for (const problem of problems) console.log(`  ${problem}`);
    console.log(`\n(${Math.round((Date.now() - started) / 1000)} s of real time in all)`);
  }
  return problems.length === 0 ? EXIT_OK : EXIT_MISSED;
}

function renderSpread(what: string, spread: TimingSpread): string {
  const over = Object.entries(spread.spread)
    .map(([key, values]) => `${key.replace(/Seconds$/, '')} ${values.join('/')} s`)
    .join(', ');
  return `${what} over ${spread.runs} timings (${over}): overhead mean ${spread.meanOverhead}, worst ${spread.worstOverhead} (${JSON.stringify(spread.worstDurations)}); transitions mean ${spread.meanStateTransitions}, max ${spread.maxStateTransitions}; cost mean USD ${spread.meanCostUsd}`;
}
