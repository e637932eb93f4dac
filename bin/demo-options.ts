/**
 * `npm run demo`'s command line: the help text and the parser. Pure, so --help and every refusal are
 * answered before the simulation loads, and the tests check them without running anything.
 */
import { parseCommandLine, parseToolArgs } from './command-line.js';
import { isScenarioName, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './demo-scenarios.js';

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_USAGE = 2;

/** How long after the import the simulated security engineer approves a plan. */
export const APPROVAL_AFTER_MINUTES = 20;

export type DemoCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  /** The built-in scenarios: the ones named, or every one when none is. */
  | { readonly kind: 'scenarios'; readonly scenarios: readonly ScenarioName[] }
  /** The user's own case, from the files given. */
  | { readonly kind: 'user-case'; readonly findingFile?: string; readonly notebookFile?: string };

export function helpText(): string {
  const width = Math.max(...SCENARIO_NAMES.map((name) => name.length));
  const scenarios = SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(width)}  ${scenario.summary}`);
  return `Usage: npm run demo -- [options]

Deploys the stack into a simulated AWS account (no AWS account, no network), with the configuration of
cdk.json (its "remediation" context), imports Security Hub findings, and prints what the workflow did
as a timeline in simulated time, each finding's outcome against what this configuration should give,
and the resources afterwards. A plan waiting for approval is approved by a simulated security engineer.

Options:
  --scenario <name>   run only this scenario (repeat for several; default: every one)
  --finding <file>    your own finding: a finding exported from the Security Hub console (one ASFF
                      finding object), or what \`aws securityhub get-findings\` prints ({ "Findings": [...] }),
                      all about one notebook instance; account and Region are rewritten to the
                      simulated ones. Without --notebook, the notebook is made from the finding's details
  --notebook <file>   your own notebook: what \`aws sagemaker describe-notebook-instance\` prints, optionally
                      with "Tags": [...] as \`aws sagemaker list-tags\` prints them (the exemption tag counts).
                      Without --finding, the findings it would fail (SageMaker.1, .2, .3) are made up
  -h, --help          this text

Scenarios:
${scenarios.join('\n')}

With --finding or --notebook, a plan waiting for approval is approved ${APPROVAL_AFTER_MINUTES} minutes after the import.
Exit status: 0 every outcome as this configuration should give, 1 an unexpected outcome or a call IAM
refused, 2 bad options or files (nothing run). Progress goes to stderr.`;
}

export function parseDemoOptions(args: readonly string[]): DemoCommand {
  const commandLine = parseCommandLine(() => parseOptions(args));
  if (commandLine.kind === 'usage-error') return commandLine;
  const { values, tokens } = commandLine.parsed;
  if (values.help) return { kind: 'help' };
  for (const name of ['finding', 'notebook']) {
    if (tokens.filter((token) => token.kind === 'option' && token.name === name).length > 1) {
      return { kind: 'usage-error', message: `--${name} is given twice: give one file` };
    }
  }
  const scenarios = values.scenario ?? [];
  const unknown = scenarios.filter((name) => !isScenarioName(name));
  if (unknown.length > 0) {
    return {
      kind: 'usage-error',
      message: `--scenario ${unknown.join(', ')}: no such scenario; the scenarios are ${SCENARIO_NAMES.join(', ')}`,
    };
  }
  const { finding, notebook } = values;
  const empty = (['finding', 'notebook'] as const).filter((name) => values[name] === '');
  if (empty.length > 0) {
    return { kind: 'usage-error', message: `--${empty[0]} needs a file name` };
  }
  if (finding !== undefined || notebook !== undefined) {
    if (scenarios.length > 0) {
      return {
        kind: 'usage-error',
        message:
          '--scenario runs a built-in scenario, --finding and --notebook your own case: give one or the other',
      };
    }
    return {
      kind: 'user-case',
      ...(finding === undefined ? {} : { findingFile: finding }),
      ...(notebook === undefined ? {} : { notebookFile: notebook }),
    };
  }
  return { kind: 'scenarios', scenarios: [...new Set(scenarios as ScenarioName[])] };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(args, {
    scenario: { type: 'string', multiple: true },
    finding: { type: 'string' },
    notebook: { type: 'string' },
  });
}
