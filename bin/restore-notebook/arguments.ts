/**
 * The restore tool's command line: the usage text and the parser. Pure, so the bin can read --region
 * and --role-arn before it builds the SDK clients, and the tests can check every refusal without an
 * account.
 */
import { SAGEMAKER_NAME_PATTERN } from '../../handlers/shared/notebook-recreation.js';
import {
  parseSnapshotUri,
  RESTORE_TOOL,
  type SnapshotLocation,
} from '../../handlers/shared/restore-command.js';
import {
  helpOrUsageErrorAnswer,
  parseCommandLine,
  parseToolArgs,
  repeatedOptions,
  type ToolOutput,
} from '../command-line.js';
import { type Placement, placementOf, placementProblems } from './placement.js';

export { REGION } from './placement.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Default bound of each wait for the notebook's status with --wait (the restore's is sized from the volume). */
export const DEFAULT_WAIT_MINUTES = 20;
/** A day: beyond that the operator should be watching, not this tool. */
const MAX_WAIT_MINUTES = 24 * 60;

export const USAGE = `Usage: ${RESTORE_TOOL} --snapshot s3://<bucket>/<snapshot prefix> [options]

Recreates a SageMaker notebook instance that the remediation workflow deleted and could not recreate,
from its snapshot: configuration.json, and the volume's archive when the data was kept (configuration.json
then names the restore lifecycle configuration). Never overwrites a notebook, never deletes anything.

Required:
  --snapshot s3://<bucket>/<prefix>  the snapshot, exactly as the finding note gives it:
                                     s3://<bucket>/roles/<role id>:SageMaker/<notebook>/<snapshot id>

Options:
  --wait                 wait until the notebook runs and its data is back and verified, then put its own
                         lifecycle configuration, code repositories and run state back, as the workflow would
  --settings original|planned
                         original (default): the notebook exactly as it was before the workflow;
                         planned: with the fixes the workflow meant to make
  --name <new name>      create it under another name (only for a snapshot without data)
  --region <region>      the notebook's Region (default: the AWS SDK's, which must be the snapshot's)
  --account <id>         the notebook's account; refused unless it is the snapshot's
  --role-arn <arn>       a role in the notebook's account, the restore role its member stack deploys
                         there as the note names it (needs --account and --region): every call, the
                         data bucket's included, is made as that role (STS AssumeRole). Required when
                         the notebook is in another account than your credentials
  --wait-minutes <n>     bound of each wait with --wait (default ${DEFAULT_WAIT_MINUTES}; the restore's is sized from
                         the volume: 10 minutes plus 25 MB a second)
  --dry-run              print the plan, the CreateNotebookInstance request and the restore request; change nothing
  --help                 this text

Exit status: 0 done, 1 failed or refused, 2 bad arguments or no snapshot at that URI (nothing changed).
See docs/restore.md.`;

export type SettingsChoice = 'original' | 'planned';

export interface RestoreOptions extends Placement {
  readonly snapshot: SnapshotLocation;
  readonly settings: SettingsChoice;
  readonly name?: string;
  readonly wait: boolean;
  /** Given with --wait-minutes: bounds every wait. Absent: the defaults. */
  readonly waitMinutes?: number;
  readonly dryRun: boolean;
}

export type ParsedArguments =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'options'; readonly options: RestoreOptions };

/**
 * --help and a usage error of either restore tool, answered before anything of AWS is loaded: prints
 * the usage (and the problems) and gives the exit status.
 */
export function printHelpOrUsageError(
  parsed: { readonly kind: 'help' } | { readonly kind: 'usage-error'; readonly message: string },
  usage: string,
  out: ToolOutput,
): number {
  return helpOrUsageErrorAnswer(usage, ['', usage])(parsed, out);
}

/** Options of the version 1 tool, which older notes and alerts still name: what replaced them. */
const RETIRED_OPTIONS: Readonly<Record<string, string>> = {
  '--bucket': '--bucket is gone: the bucket is part of the URI, --snapshot s3://<bucket>/<snapshot prefix>',
  '--restore-lifecycle-config':
    '--restore-lifecycle-config is gone: configuration.json names the restore lifecycle configuration',
};

export function parseRestoreArguments(args: readonly string[]): ParsedArguments {
  const retired = args.flatMap((arg) => RETIRED_OPTIONS[arg.split('=')[0] ?? ''] ?? []);
  if (retired.length > 0) return { kind: 'usage-error', message: [...new Set(retired)].join('\n') };
  const commandLine = parseCommandLine(() => parseOptions(args));
  if (commandLine.kind === 'usage-error') return commandLine;
  const { values, tokens } = commandLine.parsed;
  if (values.help) return { kind: 'help' };
  // parseArgs keeps the last of a repeated option silently; two values are a mistake.
  const [repeated] = repeatedOptions(tokens);
  if (repeated) return { kind: 'usage-error', message: `--${repeated} is given twice` };
  const problems: string[] = [];
  const { settings = 'original', name } = values;
  let snapshot: SnapshotLocation | undefined;
  if (values.snapshot === undefined) problems.push('--snapshot s3://<bucket>/<snapshot prefix> is required');
  else {
    const location = parseSnapshotUri(values.snapshot);
    if ('problem' in location) problems.push(`--snapshot ${values.snapshot} ${location.problem}`);
    else snapshot = location;
  }
  if (settings !== 'original' && settings !== 'planned') {
    problems.push(`--settings must be original or planned, not ${settings}`);
  }
  if (name !== undefined && !(name.length <= 63 && SAGEMAKER_NAME_PATTERN.test(name))) {
    problems.push(
      `--name ${name} is not a notebook instance name (1-63 letters, digits and hyphens, not at either end)`,
    );
  }
  problems.push(...placementProblems(values));
  const waitMinutesText = values['wait-minutes'];
  const waitMinutes = waitMinutesText === undefined ? undefined : Number(waitMinutesText);
  if (waitMinutes !== undefined) {
    if (!Number.isInteger(waitMinutes) || waitMinutes < 1 || waitMinutes > MAX_WAIT_MINUTES) {
      problems.push(`--wait-minutes must be a whole number of minutes from 1 to ${MAX_WAIT_MINUTES}`);
    } else if (!values.wait) problems.push('--wait-minutes only applies with --wait');
  }
  if (values.wait && values['dry-run'])
    problems.push('--dry-run changes nothing, so there is nothing to --wait for');
  if (problems.length > 0 || snapshot === undefined) {
    return { kind: 'usage-error', message: problems.join('\n') };
  }
  return {
    kind: 'options',
    options: {
      snapshot,
      settings: settings as SettingsChoice,
      ...(name === undefined ? {} : { name }),
      ...placementOf(values),
      wait: values.wait ?? false,
      ...(waitMinutes === undefined ? {} : { waitMinutes }),
      dryRun: values['dry-run'] ?? false,
    },
  };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(args, {
    snapshot: { type: 'string' },
    settings: { type: 'string' },
    name: { type: 'string' },
    region: { type: 'string' },
    account: { type: 'string' },
    'role-arn': { type: 'string' },
    wait: { type: 'boolean' },
    'wait-minutes': { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
}
