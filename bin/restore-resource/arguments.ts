/**
 * The resource restore tool's command line: the usage text and the parser, with the reader of the one
 * argument the alerts and finding notes give (resourceRestoreCommand writes it). Pure, so the bin can
 * read --region before it builds the SDK clients, and the tests can check every refusal without an
 * account.
 */
import { RESOURCE_KINDS, type ResourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { bucketNameProblem } from '../../handlers/shared/notebook-backup-layout.js';
import { SAGEMAKER_NAME_PATTERN } from '../../handlers/shared/notebook-recreation.js';
import { RESOURCE_SNAPSHOTS_PREFIX, resourceSnapshotKey } from '../../handlers/shared/resource-snapshot.js';
import { RESTORE_TOOL } from '../../handlers/shared/restore-command.js';
import { parseCommandLine, parseToolArgs, repeatedOptions } from '../command-line.js';
import { type Placement, placementOf, placementProblems } from '../restore-notebook/placement.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printHelpOrUsageError } from '../restore-notebook/arguments.js';

/** How the command starts, from the repository root (as resourceRestoreCommand writes it). */
export const RESOURCE_RESTORE_TOOL = 'npx tsx bin/restore-resource.ts';

const SNAPSHOT_FILE = 'snapshot.json';

export const USAGE = `Usage: ${RESOURCE_RESTORE_TOOL} --snapshot s3://<bucket>/resources/<account>/<region>/<type>/<name>/<snapshot id>/${SNAPSHOT_FILE} [options]

Puts a SageMaker resource other than a notebook (a monitoring schedule, a job definition, an endpoint
configuration...) back as it was before the remediation workflow's approved change, from the snapshot
taken before that change. It makes the calls of the change engine's own restore step, the ones the
workflow makes when it rolls a failed change back. For a notebook, use ${RESTORE_TOOL}.

Required:
  --snapshot s3://<bucket>/<key>  the snapshot, exactly as the alert or the finding note gives it:
                                  s3://<bucket>/resources/<account>/<region>/<type>/<name>/<snapshot id>/${SNAPSHOT_FILE}

Options:
  --region <region>  the resource's Region (default: the AWS SDK's, which must be the snapshot's)
  --account <id>     the resource's account; refused unless it is the snapshot's
  --role-arn <arn>   a role in the resource's account, the restore role its member stack deploys there
                     as the alert names it (needs --account and --region): the SageMaker calls are made
                     as that role (STS AssumeRole), the snapshot is read with your own credentials.
                     Required when the resource is in another account than your credentials
  --dry-run          print the calls it would make, with their requests; change nothing
  --help             this text

Exit status: 0 done, 1 failed or refused, 2 bad arguments or no snapshot at that URI (nothing changed).
See docs/restore.md.`;

/** A resource snapshot's place in the bucket, taken apart. */
export interface ResourceSnapshotLocation {
  readonly bucket: string;
  /** `resources/<account>/<region>/<arn type>/<name>/<snapshot id>/snapshot.json`. */
  readonly key: string;
  /**
   * The resource's account and Region, as the key names them; absent in a key of the earlier layout
   * (`resources/<type>/...`, before snapshots were kept per account), whose snapshot's ARN says.
   */
  readonly accountId?: string;
  readonly region?: string;
  readonly kind: ResourceKind;
  readonly name: string;
  /** `<compact UTC time>-<execution name>`, as the snapshot handler names it. */
  readonly snapshotId: string;
}

export interface ResourceRestoreOptions extends Placement {
  readonly snapshot: ResourceSnapshotLocation;
  readonly dryRun: boolean;
}

export type ParsedResourceArguments =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'options'; readonly options: ResourceRestoreOptions };

const EXPECTED = `expected s3://<bucket>/${RESOURCE_SNAPSHOTS_PREFIX}<account>/<region>/<type>/<name>/<snapshot id>/${SNAPSHOT_FILE}, as the alert gives it`;

/**
 * `<account>/<region>/<type>/<name>/<compact UTC>-<execution name>/snapshot.json` under the prefix
 * (execution names: 1-80 of `[A-Za-z0-9_-]`).
 */
const SNAPSHOT_KEY = new RegExp(
  `^${RESOURCE_SNAPSHOTS_PREFIX}(?:(\\d{12})/([a-z]{2}(?:-[a-z]+)+-\\d+)/)?([a-z-]+)/([^/]+)/(\\d{8}T\\d{6}Z-[A-Za-z0-9_-]{1,80})/${SNAPSHOT_FILE.replace('.', '\\.')}$`,
);

/**
 * Reads `s3://<bucket>/resources/.../snapshot.json`; the snapshot's folder (with or without a trailing
 * `/`, as the console copies a prefix) is accepted too. Returns the location, or why the text is not
 * one (a sentence to follow the text in an error).
 */
export function parseResourceSnapshotUri(
  text: string,
): ResourceSnapshotLocation | { readonly problem: string } {
  if (!text.startsWith('s3://')) return { problem: `is not an s3:// URI: ${EXPECTED}` };
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem)
    return { problem: `names bucket '${bucket}', which is not an S3 bucket name: it ${bucketProblem}` };
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  if (path.startsWith('roles/')) {
    return { problem: `is a notebook's snapshot: restore it with ${RESTORE_TOOL} --snapshot ${text} --wait` };
  }
  if (!path.startsWith(RESOURCE_SNAPSHOTS_PREFIX)) {
    return { problem: `is not under ${RESOURCE_SNAPSHOTS_PREFIX}: ${EXPECTED}` };
  }
  const key = path.endsWith(`/${SNAPSHOT_FILE}`) ? path : `${path.replace(/\/$/, '')}/${SNAPSHOT_FILE}`;
  const match = SNAPSHOT_KEY.exec(key);
  if (!match) return { problem: `does not name a resource snapshot: ${EXPECTED}` };
  const [, accountId, region, arnType = '', name = '', snapshotId = ''] = match;
  // Notebooks are snapshotted under roles/, never here.
  const facts = [...RESOURCE_KINDS.values()].find(
    (candidate) => candidate.arnType === arnType && candidate.kind !== 'notebook-instance',
  );
  if (!facts) return { problem: `names resource type '${arnType}', which no control's engine snapshots` };
  if (name.length > 63 || !SAGEMAKER_NAME_PATTERN.test(name)) {
    return { problem: `names '${name}', which is not a SageMaker ${facts.label} name` };
  }
  // What the snapshot handler writes, exactly: anything else was not written by it.
  const place = accountId && region ? { accountId, region } : undefined;
  const written = place
    ? resourceSnapshotKey(place, facts.kind, name, snapshotId)
    : `${RESOURCE_SNAPSHOTS_PREFIX}${arnType}/${name}/${snapshotId}/${SNAPSHOT_FILE}`;
  if (written !== key) return { problem: `does not name a resource snapshot: ${EXPECTED}` };
  return { bucket, key, ...place, kind: facts.kind, name, snapshotId };
}

export function parseResourceRestoreArguments(args: readonly string[]): ParsedResourceArguments {
  const commandLine = parseCommandLine(() => parseOptions(args));
  if (commandLine.kind === 'usage-error') return commandLine;
  const { values, tokens } = commandLine.parsed;
  if (values.help) return { kind: 'help' };
  // parseArgs keeps the last of a repeated option silently; two values are a mistake.
  const [repeated] = repeatedOptions(tokens);
  if (repeated) return { kind: 'usage-error', message: `--${repeated} is given twice` };
  const problems: string[] = [];
  let snapshot: ResourceSnapshotLocation | undefined;
  if (values.snapshot === undefined) {
    problems.push(`--snapshot s3://<bucket>/${RESOURCE_SNAPSHOTS_PREFIX}... is required`);
  } else {
    const location = parseResourceSnapshotUri(values.snapshot);
    if ('problem' in location) problems.push(`--snapshot ${values.snapshot} ${location.problem}`);
    else snapshot = location;
  }
  problems.push(...placementProblems(values));
  if (problems.length > 0 || snapshot === undefined) {
    return { kind: 'usage-error', message: problems.join('\n') };
  }
  return {
    kind: 'options',
    options: {
      snapshot,
      ...placementOf(values),
      dryRun: values['dry-run'] ?? false,
    },
  };
}

function parseOptions(args: readonly string[]) {
  return parseToolArgs(args, {
    snapshot: { type: 'string' },
    region: { type: 'string' },
    account: { type: 'string' },
    'role-arn': { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
}
