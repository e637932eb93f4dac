/**
 * The preview's command line: the usage text and the parser. Pure, so that bin/preview.ts makes no
 * SDK client before the options are known (`--help` makes none at all), and the tests check every
 * refusal without an account. Every problem is reported at once, each naming the option that fixes it.
 */
import { parseCommandLine, parseToolArgs, repeatedOptions } from '../command-line.js';
import { REGION } from '../restore-notebook/placement.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../restore-notebook/arguments.js';

/** How the command starts, from the repository root. */
export const PREVIEW_TOOL = 'npx tsx bin/preview.ts';

export const DEFAULT_CONFIGURATION_PATH = './cdk.json';

export const USAGE = `Usage: ${PREVIEW_TOOL} --region <region> [options]   (or: npm run preview -- --region <region>)

Lists the SageMaker resources of an account and Region that fail a Security Hub control, and what
this deployment would do to each under its configuration: the strategy (in place, recreate,
guidance), the mode (auto, approval, notify, off), whether approval is needed, the planned steps,
what would be snapshotted, whether dry run or the exemption tag applies, and the estimated downtime.
It only reads: SageMaker List, Describe and ListTags, and STS GetCallerIdentity. The IAM policy it
needs is in docs/preview.md.

Required:
  --region <region>   the Region whose SageMaker resources to preview, e.g. eu-west-1

Options:
  --profile <name>    the AWS profile to read with (default: the AWS SDK's credentials)
  --config <path>     the cdk.json whose "remediation" context is the configuration
                      (default: ${DEFAULT_CONFIGURATION_PATH})
  --json              the report as JSON, for scripts
  --help              this text

Exit status: 0 previewed, 1 an AWS call failed (nothing is changed either way), 2 bad arguments or
configuration.`;

export interface PreviewOptions {
  readonly region: string;
  readonly profile?: string;
  readonly configPath: string;
  readonly json: boolean;
}

export type ParsedPreviewArguments =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'options'; readonly options: PreviewOptions };

export function parsePreviewArguments(args: readonly string[]): ParsedPreviewArguments {
  const commandLine = parseCommandLine(() => parseOptions(args));
  if (commandLine.kind === 'usage-error') return commandLine;
  const { values, tokens } = commandLine.parsed;
  if (values.help) return { kind: 'help' };
  const problems: string[] = [];
  // parseArgs keeps the last of a repeated option silently; two values are a mistake.
  for (const name of repeatedOptions(tokens)) problems.push(`--${name} is given twice`);
  const { region, profile, config } = values;
  if (region === undefined) {
    problems.push(
      '--region is required: the Region whose SageMaker resources to preview, e.g. --region eu-west-1',
    );
  } else if (!REGION.test(region)) {
    problems.push(`--region ${region} is not a Region name (e.g. eu-west-1)`);
  }
  if (profile !== undefined && profile.trim() === '') problems.push('--profile must not be empty');
  if (config !== undefined && config.trim() === '') problems.push('--config must not be empty');
  if (problems.length > 0 || region === undefined) {
    return { kind: 'usage-error', message: problems.join('\n') };
  }
  return {
    kind: 'options',
    options: {
      region,
      ...(profile !== undefined ? { profile } : {}),
      configPath: config ?? DEFAULT_CONFIGURATION_PATH,
      json: values.json ?? false,
    },
  };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(args, {
    region: { type: 'string' },
    profile: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
}
