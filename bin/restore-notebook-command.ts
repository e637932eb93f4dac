/**
 * The core of `bin/restore-notebook.ts`: recreates a notebook instance the remediation workflow deleted
 * and could not recreate, from its snapshot in the backup bucket. Everything it talks to comes in as
 * dependencies, so the tests run it against the simulated account with virtual time.
 *
 * What it does is what the workflow would have done after its delete (see lifecycle/README.md, "How
 * the workflow uses them"): write restore-request.json, create the notebook with the restore lifecycle
 * configuration and without code repositories, and, with --wait, check the restore manifest against the
 * data manifest, then put the original lifecycle configuration, code repositories and run state back.
 * It never overwrites or deletes anything: a notebook with that name already there is a refusal.
 */
import { parseArgs } from 'node:util';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateNotebookInstanceCommand,
  type CreateNotebookInstanceCommandInput,
  DescribeCodeRepositoryCommand,
  DescribeNotebookInstanceCommand,
  type DescribeNotebookInstanceCommandOutput,
  DescribeNotebookInstanceLifecycleConfigCommand,
  type SageMakerClient,
  StartNotebookInstanceCommand,
  StopNotebookInstanceCommand,
  UpdateNotebookInstanceCommand,
  type UpdateNotebookInstanceCommandInput,
} from '@aws-sdk/client-sagemaker';
import { errorName, isNoSuchKey, isSageMakerNotFound } from '../handlers/shared/aws-errors.js';
import { type ConfigurationSnapshot, parseSnapshot } from '../handlers/shared/configuration-snapshot.js';
import {
  BACKUP_FORMAT_VERSION,
  type BackupRequest,
  bucketNameProblem,
  compareManifests,
  type DataManifest,
  NOTEBOOK_ROLE_SESSION_NAME,
  notebookPrefix,
  parseDataManifest,
  requestKeys,
  snapshotKeys,
} from '../handlers/shared/notebook-backup-layout.js';
import {
  buildCreateNotebookRequest,
  failingNotebookControls,
  type NotebookSettings,
  RECREATED_BY_TAG,
  SAGEMAKER_NAME_PATTERN,
  settingChanges,
  settingsFromDescribe,
  verifyRecreation,
  withoutUndefined,
} from '../handlers/shared/notebook-recreation.js';
import { isRunningStatus } from '../handlers/shared/remediation-plan.js';

/** Written into restore-request.json and the recreated-by tag, so the audit trail names this tool. */
export const RESTORE_REQUESTED_BY = 'restore-notebook';

/** Between two status or manifest checks with --wait. */
const POLL_INTERVAL_MS = 15_000;
/** Default bound of each wait with --wait (creation, restore, stop, update, start). */
const DEFAULT_WAIT_MINUTES = 20;
/** A day: beyond that the operator should be watching, not this tool. */
const MAX_WAIT_MINUTES = 24 * 60;

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE = `Usage: npx tsx bin/restore-notebook.ts --bucket <bucket> --snapshot <snapshot prefix> [options]

Recreates a SageMaker notebook instance that the remediation workflow deleted and could not recreate,
from its snapshot: configuration.json, and the files of data-manifest.json when the snapshot has data.
Never overwrites anything: a notebook with that name already there is refused.

Required:
  --bucket <name>                   the backup bucket (stack output NotebookBackupBucketName)
  --snapshot <prefix>               roles/<role id>:SageMaker/<notebook>/<snapshot id>, as the finding note gives it

Options:
  --settings original|planned       original (default): the notebook exactly as it was before the workflow;
                                    planned: with the fixes the workflow meant to make
  --restore-lifecycle-config <name> the stack's restore lifecycle configuration (<stack name>-restore-on-create);
                                    required when the snapshot has data
  --name <new name>                 create it under another name (only for a snapshot without data)
  --region <region>                 the notebook's region (default: the AWS SDK's, which must be the snapshot's)
  --wait                            wait until it runs and its data is back, then put its own lifecycle
                                    configuration, code repositories and run state back, as the workflow would
  --wait-minutes <n>                bound of each wait with --wait (default ${DEFAULT_WAIT_MINUTES})
  --dry-run                         print the plan and the CreateNotebookInstance request; change nothing
  --help                            this text

Exit status: 0 done, 1 failed or refused, 2 usage error.
See docs/restore.md.`;

export type SettingsChoice = 'original' | 'planned';

export interface RestoreOptions {
  readonly bucket: string;
  readonly snapshotPrefix: string;
  readonly settings: SettingsChoice;
  readonly restoreLifecycleConfig?: string;
  readonly name?: string;
  readonly region?: string;
  readonly wait: boolean;
  readonly waitMinutes: number;
  readonly dryRun: boolean;
}

export type ParsedArguments =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'options'; readonly options: RestoreOptions };

export interface RestoreDependencies {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  /** Waits between polls; the tests pass the simulated clock's, so nothing waits in real time. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** The report (stdout). */
  readonly print: (line: string) => void;
  /** Errors and refusals (stderr); `print` when not given. */
  readonly printError?: (line: string) => void;
  /** The region the clients call, checked against the snapshot's (a notebook belongs to one region). */
  readonly region?: () => Promise<string | undefined>;
}

export interface RestoreCommand {
  /** Runs the tool with these command-line arguments; resolves with the exit status. */
  run(args: readonly string[]): Promise<number>;
}

/** `roles/<role id>:SageMaker/<notebook>/<snapshot id>`, the layout of notebook-backup-layout.ts. */
const SNAPSHOT_PREFIX = new RegExp(`^roles/([A-Za-z0-9]+):${NOTEBOOK_ROLE_SESSION_NAME}/([^/]+)/([^/]+)$`);
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const JSON_CONTENT_TYPE = 'application/json';

/** Parses the command line. Pure: the bin needs --region before it can build the SDK clients. */
export function parseRestoreArguments(args: readonly string[]): ParsedArguments {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    // node:util reports unknown options, missing values and stray arguments in its own words.
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, tokens } = parsed;
  if (values.help) return { kind: 'help' };
  // parseArgs keeps the last of a repeated option silently; two --snapshot values are a mistake.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) return { kind: 'usage-error', message: `--${token.name} is given twice` };
    seen.add(token.name);
  }
  const problems: string[] = [];
  const { bucket, snapshot, settings = 'original', name, region } = values;
  const restoreLifecycleConfig = values['restore-lifecycle-config'];
  const bucketProblem = bucket === undefined ? undefined : bucketNameProblem(bucket);
  if (bucket === undefined) problems.push('--bucket <name> is required');
  else if (bucketProblem) problems.push(`--bucket ${bucket} is not an S3 bucket name: it ${bucketProblem}`);
  let snapshotPrefix: string | undefined;
  if (snapshot === undefined) problems.push('--snapshot <prefix> is required');
  else {
    // A trailing slash is how a prefix is often copied from the console; the layout has none.
    snapshotPrefix = snapshot.replace(/\/$/, '');
    const problem = snapshotPrefixProblem(snapshotPrefix);
    if (problem) problems.push(`--snapshot ${snapshot} ${problem}`);
  }
  if (settings !== 'original' && settings !== 'planned') {
    problems.push(`--settings must be original or planned, not ${settings}`);
  }
  if (restoreLifecycleConfig !== undefined && !isResourceName(restoreLifecycleConfig)) {
    problems.push(
      `--restore-lifecycle-config ${restoreLifecycleConfig} is not a lifecycle configuration name`,
    );
  }
  if (name !== undefined && !isResourceName(name)) {
    problems.push(
      `--name ${name} is not a notebook instance name (1-63 letters, digits and hyphens, not at either end)`,
    );
  }
  if (region !== undefined && !REGION.test(region)) problems.push(`--region ${region} is not a region`);
  const waitMinutesText = values['wait-minutes'];
  const waitMinutes = waitMinutesText === undefined ? DEFAULT_WAIT_MINUTES : Number(waitMinutesText);
  if (!Number.isInteger(waitMinutes) || waitMinutes < 1 || waitMinutes > MAX_WAIT_MINUTES) {
    problems.push(`--wait-minutes must be a whole number of minutes from 1 to ${MAX_WAIT_MINUTES}`);
  } else if (waitMinutesText !== undefined && !values.wait) {
    problems.push('--wait-minutes only applies with --wait');
  }
  if (values.wait && values['dry-run'])
    problems.push('--dry-run changes nothing, so there is nothing to --wait for');
  if (problems.length > 0 || bucket === undefined || snapshotPrefix === undefined) {
    return { kind: 'usage-error', message: problems.join('\n') };
  }
  return {
    kind: 'options',
    options: {
      bucket,
      snapshotPrefix,
      settings: settings as SettingsChoice,
      ...(restoreLifecycleConfig === undefined ? {} : { restoreLifecycleConfig }),
      ...(name === undefined ? {} : { name }),
      ...(region === undefined ? {} : { region }),
      wait: values.wait ?? false,
      waitMinutes,
      dryRun: values['dry-run'] ?? false,
    },
  };
}

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    tokens: true,
    options: {
      bucket: { type: 'string' },
      snapshot: { type: 'string' },
      settings: { type: 'string' },
      'restore-lifecycle-config': { type: 'string' },
      name: { type: 'string' },
      region: { type: 'string' },
      wait: { type: 'boolean' },
      'wait-minutes': { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function isResourceName(value: string): boolean {
  return value.length <= 63 && SAGEMAKER_NAME_PATTERN.test(value);
}

function snapshotPrefixProblem(prefix: string): string | undefined {
  if (prefix.startsWith('s3://')) return 'must be the key prefix, without s3://<bucket>/';
  const match = SNAPSHOT_PREFIX.exec(prefix);
  if (!match) {
    return `is not a snapshot prefix: expected roles/<role id>:${NOTEBOOK_ROLE_SESSION_NAME}/<notebook>/<snapshot id>`;
  }
  const [, , notebook = '', snapshotId = ''] = match;
  if (!isResourceName(notebook)) return `names ${notebook}, which is not a notebook instance name`;
  if (snapshotId === '.' || snapshotId === '..') return 'has no snapshot id';
  return undefined;
}

/** A refusal or failure the operator can act on: the message says what and why; no stack trace. */
class Refusal extends Error {
  override readonly name: string = 'Refusal';
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILED) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The notebook went Failed while --wait watched it. */
class NotebookFailed extends Refusal {
  override readonly name = 'NotebookFailed';
}

function parseManifest(text: string, what: string): DataManifest {
  try {
    return parseDataManifest(text, what);
  } catch (error) {
    throw new Refusal((error as Error).message);
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const hint = /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${error.name} ${error.message}`)
    ? ' (see the permissions in docs/restore.md)'
    : '';
  return `${error.name}: ${error.message}${hint}`;
}

/** Arguments as a shell would take them: the printed commands must paste as they are. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The region of an ARN (`arn:aws:sagemaker:<region>:...`), if it has one. */
function regionOf(arn: string | undefined): string | undefined {
  const region = arn?.split(':')[3];
  return region ? region : undefined;
}

/** The account of an IAM role ARN: the bucket is the stack's, in the notebook's account. */
function accountOf(roleArn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn)?.[1];
}

interface SnapshotData {
  readonly manifest: DataManifest;
  readonly restoreLifecycleConfig: string;
  readonly requestKey: string;
  readonly request: BackupRequest;
}

interface RestorePlan {
  readonly notebookName: string;
  readonly settings: NotebookSettings;
  readonly createSettings: NotebookSettings;
  readonly createRequest: Record<string, unknown>;
  readonly data?: SnapshotData;
  /** UpdateNotebookInstance after the data is back: the lifecycle configuration and code repositories. */
  readonly finalUpdate?: UpdateNotebookInstanceCommandInput;
  /** The run state to return to: the snapshot's status. */
  readonly wasRunning: boolean;
  /** LastModified of a restore-manifest.json already there: only a newer one is this restore's. */
  readonly earlierRestoreManifest?: Date;
}

/** One thing left to do after CreateNotebookInstance: done by --wait, or by hand with `commands`. */
interface FollowUpStep {
  readonly title: string;
  readonly commands: readonly string[];
  readonly run: () => Promise<void>;
}

export function createRestoreCommand(deps: RestoreDependencies): RestoreCommand {
  const { sagemaker, s3, sleep, now, print } = deps;
  const printError = deps.printError ?? print;

  async function run(args: readonly string[]): Promise<number> {
    const parsed = parseRestoreArguments(args);
    if (parsed.kind === 'help') {
      print(USAGE);
      return EXIT_OK;
    }
    if (parsed.kind === 'usage-error') {
      for (const line of parsed.message.split('\n')) printError(`error: ${line}`);
      printError('');
      printError(USAGE);
      return EXIT_USAGE;
    }
    try {
      return await restore(parsed.options);
    } catch (error) {
      if (error instanceof Refusal) {
        printError(`error: ${error.message}`);
        if (error.exitCode === EXIT_USAGE) printError('Run with --help for the options.');
        return error.exitCode;
      }
      printError(`error: ${describeError(error)}`);
      return EXIT_FAILED;
    }
  }

  async function restore(options: RestoreOptions): Promise<number> {
    const { bucket, snapshotPrefix } = options;
    const keys = snapshotKeys(snapshotPrefix);
    const location = `s3://${bucket}/${snapshotPrefix}/`;

    // 1. configuration.json: everything about the notebook comes from it, so it must be valid.
    const configurationText = await readObject(bucket, keys.configuration, undefined);
    if (configurationText === undefined) {
      throw new Refusal(
        `no configuration.json in ${location}: check --bucket and --snapshot (the finding note and the alert give both)`,
      );
    }
    let snapshot: ConfigurationSnapshot;
    try {
      snapshot = parseSnapshot(configurationText.text);
    } catch (error) {
      throw new Refusal(`refused: ${(error as Error).message} (${location}configuration.json)`);
    }
    const [, , prefixNotebook] = SNAPSHOT_PREFIX.exec(snapshotPrefix) ?? [];
    if (snapshot.notebook.NotebookInstanceName !== prefixNotebook) {
      throw new Refusal(
        `refused: configuration.json is of notebook ${snapshot.notebook.NotebookInstanceName}, but the prefix is ${prefixNotebook}'s: it is not this snapshot's`,
      );
    }
    const owner = accountOf(snapshot.notebook.RoleArn);

    // 2. The data manifest: whether there are files to restore.
    const manifestObject = await readObject(bucket, keys.dataManifest, owner, 'data-manifest.json');
    const manifest = manifestObject && parseManifest(manifestObject.text, 'data-manifest.json');
    if (manifest && manifest.notebookName !== snapshot.notebook.NotebookInstanceName) {
      throw new Refusal(
        `refused: data-manifest.json is of notebook ${manifest.notebookName}, not ${snapshot.notebook.NotebookInstanceName}`,
      );
    }
    const settings = options.settings === 'planned' ? snapshot.plannedSettings : snapshot.notebook;
    const notebookName = options.name ?? settings.NotebookInstanceName;
    if (manifest && options.restoreLifecycleConfig === undefined) {
      throw new Refusal(
        `--restore-lifecycle-config <name> is required: this snapshot has data (${plural(manifest.fileCount, 'file')}), which only the stack's restore lifecycle configuration copies back. It is named <stack name>-restore-on-create (SageMakerRemediation-restore-on-create for the default stack); list them with: aws sagemaker list-notebook-instance-lifecycle-configs --name-contains restore`,
        EXIT_USAGE,
      );
    }
    if (manifest && notebookName !== settings.NotebookInstanceName) {
      throw new Refusal(
        `--name cannot be used for this snapshot: it has data, and the restore lifecycle script only accepts a snapshot under roles/<role id>:${NOTEBOOK_ROLE_SESSION_NAME}/<its own notebook name>/ (lifecycle/restore-on-create.sh), so a notebook named ${notebookName} would never restore a snapshot of ${settings.NotebookInstanceName}. Restore it under its own name, ${settings.NotebookInstanceName}.`,
        EXIT_USAGE,
      );
    }

    // 3. The region: a snapshot is of a notebook in one region, and must come back there.
    const snapshotRegion = regionOf(snapshot.notebook.NotebookInstanceArn);
    const clientRegion = options.region ?? (await clientsRegion());
    if (snapshotRegion && clientRegion && snapshotRegion !== clientRegion) {
      throw new Refusal(
        `refused: the snapshot is of a notebook in ${snapshotRegion}, and this would create it in ${clientRegion}: pass --region ${snapshotRegion}`,
        EXIT_USAGE,
      );
    }
    const region = snapshotRegion ?? clientRegion;

    // 4. Never overwrite: a notebook with that name is someone's, or an earlier attempt to look at first.
    const existing = await describeNotebook(notebookName);
    if (existing)
      throw new Refusal(existingNotebookMessage(existing, notebookName, Boolean(manifest), region));

    // 5. What the notebook needs must exist before anything is written.
    const data = manifest && (await prepareData(options, snapshotPrefix, manifest));
    await checkOriginalResources(snapshot, settings);

    const plan = buildPlan(snapshot, settings, notebookName, data);
    const earlier = data && (await readObject(bucket, keys.restoreManifest, owner));
    const fullPlan: RestorePlan = earlier?.lastModified
      ? { ...plan, earlierRestoreManifest: earlier.lastModified }
      : plan;
    printPlan(options, snapshot, fullPlan, location);

    if (options.dryRun) {
      print('');
      print('CreateNotebookInstance request:');
      print(JSON.stringify(fullPlan.createRequest, null, 2));
      if (fullPlan.data) {
        print('');
        print(`restore-request.json (s3://${bucket}/${fullPlan.data.requestKey}):`);
        print(JSON.stringify(fullPlan.data.request, null, 2));
      }
      print('');
      print('Dry run: nothing was changed.');
      return EXIT_OK;
    }

    // 6. The request first: OnCreate runs once, soon after creation, and reads it.
    print('');
    if (fullPlan.data) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: fullPlan.data.requestKey,
          Body: `${JSON.stringify(fullPlan.data.request, null, 2)}\n`,
          ContentType: JSON_CONTENT_TYPE,
          ...(owner ? { ExpectedBucketOwner: owner } : {}),
        }),
      );
      print(`Wrote s3://${bucket}/${fullPlan.data.requestKey}`);
    }
    const createdAt = now();
    let arn: string | undefined;
    try {
      // The request is the API's own shape (PascalCase), built and checked by buildCreateNotebookRequest.
      const created = await sagemaker.send(
        new CreateNotebookInstanceCommand(
          fullPlan.createRequest as unknown as CreateNotebookInstanceCommandInput,
        ),
      );
      arn = created.NotebookInstanceArn;
    } catch (error) {
      throw new Refusal(
        `CreateNotebookInstance failed: ${describeError(error)}. Nothing else was changed${fullPlan.data ? ' (restore-request.json only names the snapshot; it is harmless)' : ''}; the snapshot is untouched. Fix the cause and run this again.`,
      );
    }
    print(`Created notebook instance ${notebookName}${arn ? ` (${arn})` : ''}`);

    const steps = followUpSteps(options, fullPlan, createdAt, region);
    if (!options.wait) {
      print('');
      print('Still to do (what --wait would have done):');
      printSteps(steps);
      return EXIT_OK;
    }
    for (const [index, step] of steps.entries()) {
      print(`- ${step.title}`);
      try {
        await step.run();
      } catch (error) {
        printError(`error: ${error instanceof Refusal ? error.message : describeError(error)}`);
        printError('');
        if (index === 0 && error instanceof NotebookFailed) {
          // OnCreate runs only at creation: starting the Failed notebook again would not restore anything.
          printError(
            `Notebook instance ${notebookName} is Failed and ${fullPlan.data ? 'has none of its data' : 'was never ready'}; the snapshot is untouched. Fix the cause above, delete it, and run this again:`,
          );
          for (const command of deleteCommands(notebookName, 'Failed', region)) printError(command);
          printError(`      ${rerunCommand(options)}`);
          return EXIT_FAILED;
        }
        printError(
          `Notebook instance ${notebookName} exists; the snapshot is untouched. What is left to do:`,
        );
        printSteps(steps.slice(index), printError);
        return EXIT_FAILED;
      }
    }
    printSummary(options, fullPlan, location);
    return EXIT_OK;
  }

  async function clientsRegion(): Promise<string | undefined> {
    try {
      return await deps.region?.();
    } catch {
      // No region configured: the snapshot's is used for the report, and the SDK call will say so.
      return undefined;
    }
  }

  /** The object's text and LastModified, or undefined if it does not exist. */
  async function readObject(
    bucket: string,
    key: string,
    owner: string | undefined,
    what?: string,
  ): Promise<{ text: string; lastModified?: Date } | undefined> {
    try {
      const response = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(owner ? { ExpectedBucketOwner: owner } : {}) }),
      );
      const text = (await response.Body?.transformToString('utf-8')) ?? '';
      return response.LastModified ? { text, lastModified: response.LastModified } : { text };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      if (errorName(error) === 'NoSuchBucket')
        throw new Refusal(`bucket ${bucket} does not exist: check --bucket`);
      if (what && errorName(error) === 'AccessDenied') {
        // Without s3:ListBucket, S3 answers a missing key with AccessDenied: the data's presence is unknown.
        throw new Refusal(
          `cannot read ${what} (AccessDenied): grant s3:GetObject on the snapshot prefix and s3:ListBucket on the bucket, so that a missing ${what} reads as missing rather than denied (docs/restore.md)`,
        );
      }
      throw error;
    }
  }

  async function describeNotebook(name: string): Promise<DescribeNotebookInstanceCommandOutput | undefined> {
    try {
      return await sagemaker.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: name }));
    } catch (error) {
      if (isSageMakerNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Checks the restore lifecycle configuration is the stack's for this bucket (another bucket's would
   * never find the request, and the wait would only time out), and builds the restore request.
   */
  async function prepareData(
    options: RestoreOptions,
    prefix: string,
    manifest: DataManifest,
  ): Promise<SnapshotData> {
    const name = options.restoreLifecycleConfig ?? '';
    let onCreate: string | undefined;
    try {
      const config = await sagemaker.send(
        new DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }),
      );
      onCreate = config.OnCreate?.[0]?.Content;
    } catch (error) {
      if (!isSageMakerNotFound(error)) throw error;
      throw new Refusal(
        `lifecycle configuration ${name} does not exist: pass the stack's restore lifecycle configuration (<stack name>-restore-on-create) with --restore-lifecycle-config`,
      );
    }
    const script = onCreate === undefined ? '' : Buffer.from(onCreate, 'base64').toString('utf8');
    // The stack bakes the bucket into the script (lifecycle-scripts.ts); this is how it reads there.
    if (!script.includes('restore-request.json') || !script.includes(`BACKUP_BUCKET:-${options.bucket}}`)) {
      throw new Refusal(
        `lifecycle configuration ${name} is not the restore configuration for bucket ${options.bucket}: its OnCreate script must be lifecycle/restore-on-create.sh deployed with that bucket, or the notebook would never restore its data`,
      );
    }
    const [, roleId = '', notebook = ''] = SNAPSHOT_PREFIX.exec(prefix) ?? [];
    // The script derives its prefix from its own role id and name: the snapshot's parent.
    const requestKey = requestKeys(notebookPrefix(roleId, notebook)).restore;
    return {
      manifest,
      restoreLifecycleConfig: name,
      requestKey,
      request: { version: BACKUP_FORMAT_VERSION, snapshotPrefix: prefix, requestedBy: RESTORE_REQUESTED_BY },
    };
  }

  /**
   * The original lifecycle configuration and named code repositories are re-attached at the end (or
   * at creation): one that is gone would fail there, after the notebook exists. Say so up front, with
   * what configuration.json keeps to recreate it.
   */
  async function checkOriginalResources(snapshot: ConfigurationSnapshot, settings: NotebookSettings) {
    const lifecycle = settings.NotebookInstanceLifecycleConfigName;
    if (lifecycle) {
      try {
        await sagemaker.send(
          new DescribeNotebookInstanceLifecycleConfigCommand({
            NotebookInstanceLifecycleConfigName: lifecycle,
          }),
        );
      } catch (error) {
        if (!isSageMakerNotFound(error)) throw error;
        throw new Refusal(
          `refused: the notebook's lifecycle configuration ${lifecycle} no longer exists. configuration.json keeps its scripts (lifecycleConfig.onCreate and onStart, base64): recreate it with aws sagemaker create-notebook-instance-lifecycle-config --notebook-instance-lifecycle-config-name ${lifecycle} --on-create Content=<onCreate> --on-start Content=<onStart>, then run this again`,
        );
      }
    }
    const repositories = [settings.DefaultCodeRepository, ...(settings.AdditionalCodeRepositories ?? [])];
    for (const repository of repositories) {
      // A name is a repository of the account; a Git URL needs nothing created.
      if (repository === undefined || !SAGEMAKER_NAME_PATTERN.test(repository)) continue;
      try {
        await sagemaker.send(new DescribeCodeRepositoryCommand({ CodeRepositoryName: repository }));
      } catch (error) {
        if (!isSageMakerNotFound(error)) throw error;
        const kept = snapshot.codeRepositories.find((entry) => entry.name === repository);
        const git = kept
          ? ` --git-config RepositoryUrl=${kept.repositoryUrl}${kept.branch ? `,Branch=${kept.branch}` : ''}${kept.secretArn ? `,SecretArn=${kept.secretArn}` : ''}`
          : ' --git-config RepositoryUrl=<url>';
        throw new Refusal(
          `refused: the notebook's code repository ${repository} no longer exists: recreate it with aws sagemaker create-code-repository --code-repository-name ${repository}${git}, then run this again`,
        );
      }
    }
  }

  function buildPlan(
    snapshot: ConfigurationSnapshot,
    settings: NotebookSettings,
    notebookName: string,
    data: SnapshotData | undefined,
  ): RestorePlan {
    // Restoring data: no code repositories at creation (a clone would collide with the restored files,
    // which the script never overwrites) and the restore lifecycle configuration; both put back after.
    const createSettings: NotebookSettings = {
      ...settings,
      NotebookInstanceName: notebookName,
      NotebookInstanceLifecycleConfigName: undefined,
      ...(data ? { DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined } : {}),
    };
    let createRequest: Record<string, unknown>;
    try {
      createRequest = buildCreateNotebookRequest(createSettings, {
        lifecycleConfigName: data
          ? data.restoreLifecycleConfig
          : settings.NotebookInstanceLifecycleConfigName,
        tags: snapshot.tags,
        recreatedBy: RESTORE_REQUESTED_BY,
      });
    } catch (error) {
      throw new Refusal(`refused: ${(error as Error).message}`);
    }
    const finalUpdate: UpdateNotebookInstanceCommandInput | undefined = data
      ? withoutUndefined<UpdateNotebookInstanceCommandInput>({
          NotebookInstanceName: notebookName,
          ...(settings.NotebookInstanceLifecycleConfigName
            ? { LifecycleConfigName: settings.NotebookInstanceLifecycleConfigName }
            : { DisassociateLifecycleConfig: true }),
          DefaultCodeRepository: settings.DefaultCodeRepository,
          AdditionalCodeRepositories: settings.AdditionalCodeRepositories?.length
            ? [...settings.AdditionalCodeRepositories]
            : undefined,
        })
      : undefined;
    return {
      notebookName,
      settings: { ...settings, NotebookInstanceName: notebookName },
      createSettings,
      createRequest,
      ...(data ? { data } : {}),
      ...(finalUpdate ? { finalUpdate } : {}),
      wasRunning: isRunningStatus(snapshot.status),
    };
  }

  function printPlan(
    options: RestoreOptions,
    snapshot: ConfigurationSnapshot,
    plan: RestorePlan,
    location: string,
  ) {
    const { settings, data } = plan;
    const line = (label: string, text: string) => print(`  ${`${label}:`.padEnd(14)}${text}`);
    print(
      `${options.dryRun ? 'Dry run: would restore' : 'Restoring'} notebook instance ${plan.notebookName}`,
    );
    line('Snapshot', `${location} (taken ${snapshot.takenAt} by ${snapshot.executionArn})`);
    if (options.settings === 'planned') {
      const changes = settingChanges(snapshot.notebook, snapshot.plannedSettings).map(
        (change) => `${change.field} ${change.from} -> ${change.to}`,
      );
      line(
        'Settings',
        `planned: with the fixes for ${snapshot.fixes.join(', ') || 'nothing'}${changes.length > 0 ? ` (${changes.join('; ')})` : ''}`,
      );
    } else {
      const failing = failingNotebookControls(settings);
      line(
        'Settings',
        `original: exactly as before the workflow${failing.length > 0 ? ` (so it fails ${failing.join(', ')} again)` : ''}`,
      );
    }
    if (plan.notebookName !== snapshot.notebook.NotebookInstanceName) {
      line('Name', `${plan.notebookName} (the snapshot is of ${snapshot.notebook.NotebookInstanceName})`);
    }
    line(
      'Data',
      data
        ? `${plural(data.manifest.fileCount, 'file')}, ${data.manifest.totalBytes} bytes (data-manifest.json of ${data.manifest.completedAt}), copied back by lifecycle configuration ${data.restoreLifecycleConfig}`
        : 'none: the snapshot has no data-manifest.json (the recreation accepted data loss), so the volume starts empty',
    );
    const tags = snapshot.tags
      .filter((tag) => tag.Key !== RECREATED_BY_TAG)
      .map((tag) => `${tag.Key}=${tag.Value}`);
    line(
      'Tags',
      `${tags.length > 0 ? tags.join(', ') : '(none)'}, plus ${RECREATED_BY_TAG}=${RESTORE_REQUESTED_BY}`,
    );
    const repositories = [
      settings.DefaultCodeRepository,
      ...(settings.AdditionalCodeRepositories ?? []),
    ].filter((repository): repository is string => repository !== undefined);
    line(
      'Afterwards',
      `lifecycle configuration ${settings.NotebookInstanceLifecycleConfigName ?? '(none)'}; code repositories ${repositories.join(', ') || '(none)'}; ${plan.wasRunning ? 'running' : 'stopped'}, as when the snapshot was taken (${snapshot.status})`,
    );
    if (plan.earlierRestoreManifest) {
      line(
        'Note',
        `a restore-manifest.json of ${plan.earlierRestoreManifest.toISOString()} is already there, from an earlier restore: only a newer one counts`,
      );
    }
  }

  function followUpSteps(
    options: RestoreOptions,
    plan: RestorePlan,
    createdAt: Date,
    region: string | undefined,
  ): FollowUpStep[] {
    const { notebookName, data, finalUpdate } = plan;
    const limitMinutes = options.waitMinutes;
    const regionFlag = region ? ` --region ${shellWord(region)}` : '';
    const aws = (command: string) =>
      `aws sagemaker ${command} --notebook-instance-name ${shellWord(notebookName)}${regionFlag}`;
    const keys = snapshotKeys(options.snapshotPrefix);
    const s3Url = (key: string) => shellWord(`s3://${options.bucket}/${key}`);
    const owner = accountOf(plan.settings.RoleArn);

    async function waitForStatus(
      reached: string,
      after: string,
    ): Promise<DescribeNotebookInstanceCommandOutput> {
      const polls = Math.ceil((limitMinutes * 60_000) / POLL_INTERVAL_MS);
      let last = '';
      for (let poll = 0; poll <= polls; poll++) {
        if (poll > 0) await sleep(POLL_INTERVAL_MS);
        const described = await sagemaker.send(
          new DescribeNotebookInstanceCommand({ NotebookInstanceName: notebookName }),
        );
        const status = described.NotebookInstanceStatus ?? 'Unknown';
        if (status === reached) return described;
        if (status === 'Failed') {
          throw new NotebookFailed(
            `notebook instance ${notebookName} is Failed after ${after}: ${described.FailureReason ?? 'no reason given'}`,
          );
        }
        if (status !== last) print(`    ${status}, waiting for ${reached}`);
        last = status;
      }
      throw new Refusal(
        `notebook instance ${notebookName} is still ${last} ${plural(limitMinutes, 'minute')} after ${after} (--wait-minutes)`,
      );
    }

    const steps: FollowUpStep[] = [
      {
        title: `Wait until ${notebookName} is InService, and check its settings`,
        commands: [`${aws('wait notebook-instance-in-service')}`, `${aws('describe-notebook-instance')}`],
        run: async () => {
          const described = await waitForStatus('InService', 'its creation');
          // Lifecycle configuration and, with data, code repositories are put back afterwards.
          const compared = (settings: NotebookSettings) =>
            data
              ? { ...settings, DefaultCodeRepository: undefined, AdditionalCodeRepositories: undefined }
              : settings;
          const problems = verifyRecreation(
            compared(plan.createSettings),
            compared(settingsFromDescribe(described, notebookName)),
          );
          if (problems.length > 0)
            throw new Refusal(`the notebook is not as requested: ${problems.join('; ')}`);
          print('    InService, settings as requested');
        },
      },
    ];
    if (data) {
      steps.push({
        title: 'Check every file came back: restore-manifest.json must list the files of data-manifest.json',
        commands: [
          `diff <(aws s3 cp ${s3Url(keys.dataManifest)} -${regionFlag} | jq -S .files) <(aws s3 cp ${s3Url(keys.restoreManifest)} -${regionFlag} | jq -S .files) && echo identical`,
        ],
        run: async () => {
          const restored = await waitForRestoreManifest();
          const problems = compareManifests(data.manifest, restored);
          if (restored.notebookName !== notebookName) {
            problems.push(
              `restore-manifest.json is of notebook ${restored.notebookName}, not ${notebookName}`,
            );
          }
          if (problems.length > 0) {
            throw new Refusal(
              `the restored data is not the backup's: ${problems.join('; ')}. The lifecycle configuration stays the restore one; look at /var/log/notebook-restore.log on the instance`,
            );
          }
          print(
            `    ${plural(restored.fileCount, 'file')}, ${restored.totalBytes} bytes restored and verified`,
          );
        },
      });
      steps.push({
        title: `Stop ${notebookName} to put its own lifecycle configuration and code repositories back`,
        commands: [aws('stop-notebook-instance'), aws('wait notebook-instance-stopped')],
        run: async () => {
          await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: notebookName }));
          await waitForStatus('Stopped', 'StopNotebookInstance');
        },
      });
      if (finalUpdate) {
        steps.push({
          title: `Put back ${finalUpdate.LifecycleConfigName ? `lifecycle configuration ${finalUpdate.LifecycleConfigName}` : 'no lifecycle configuration (it had none)'}${finalUpdate.DefaultCodeRepository ? ' and its code repositories' : ''}`,
          commands: [
            updateCommand(aws('update-notebook-instance'), finalUpdate),
            aws('wait notebook-instance-stopped'),
          ],
          run: async () => {
            await sagemaker.send(new UpdateNotebookInstanceCommand(finalUpdate));
            await waitForStatus('Stopped', 'UpdateNotebookInstance');
          },
        });
      }
      if (plan.wasRunning) {
        steps.push({
          title: `Start ${notebookName} again: it was running when the workflow took the snapshot`,
          commands: [aws('start-notebook-instance'), aws('wait notebook-instance-in-service')],
          run: async () => {
            await sagemaker.send(new StartNotebookInstanceCommand({ NotebookInstanceName: notebookName }));
            await waitForStatus('InService', 'StartNotebookInstance');
          },
        });
      }
    } else if (!plan.wasRunning) {
      // CreateNotebookInstance always starts the notebook; it was not running before.
      steps.push({
        title: `Stop ${notebookName}: it was not running when the workflow took the snapshot`,
        commands: [aws('stop-notebook-instance'), aws('wait notebook-instance-stopped')],
        run: async () => {
          await sagemaker.send(new StopNotebookInstanceCommand({ NotebookInstanceName: notebookName }));
          await waitForStatus('Stopped', 'StopNotebookInstance');
        },
      });
    }
    return steps;

    /** The restore script writes restore-manifest.json last, once every file verified; none means not yet. */
    async function waitForRestoreManifest(): Promise<DataManifest> {
      const polls = Math.ceil((limitMinutes * 60_000) / POLL_INTERVAL_MS);
      // LastModified has whole seconds; a manifest written before this creation is an earlier restore's.
      const since = Math.floor(createdAt.getTime() / 1000) * 1000;
      for (let poll = 0; poll <= polls; poll++) {
        if (poll > 0) await sleep(POLL_INTERVAL_MS);
        const found = await readObject(options.bucket, keys.restoreManifest, owner, 'restore-manifest.json');
        if (found && (found.lastModified === undefined || found.lastModified.getTime() >= since)) {
          return parseManifest(found.text, 'restore-manifest.json');
        }
        if (poll === 0) print('    waiting for restore-manifest.json');
      }
      throw new Refusal(
        `no restore-manifest.json after ${plural(limitMinutes, 'minute')} (--wait-minutes): the restore is still copying (about a second a file) or failed. Its log is /var/log/notebook-restore.log on the instance, and CloudWatch /aws/sagemaker/NotebookInstances ${notebookName}/LifecycleConfigOnCreate`,
      );
    }
  }

  function printSteps(steps: readonly FollowUpStep[], out: (line: string) => void = print) {
    for (const [index, step] of steps.entries()) {
      out(`  ${index + 1}. ${step.title}`);
      for (const command of step.commands) out(`       ${command}`);
    }
  }

  function printSummary(options: RestoreOptions, plan: RestorePlan, location: string) {
    print('');
    print(`Restored notebook instance ${plan.notebookName} (${options.settings} settings).`);
    if (plan.data)
      print(`  Every file of data-manifest.json is back (${plural(plan.data.manifest.fileCount, 'file')}).`);
    print(`  It is ${plan.wasRunning ? 'InService' : 'Stopped'}, as it was when the snapshot was taken.`);
    print(`  The snapshot stays in ${location} until the bucket's retention expires it.`);
  }

  return { run };
}

/** The settings a recreation changes, `field from -> to`, for the planned settings' report. */
/** The AWS CLI form of the final UpdateNotebookInstance. */
function updateCommand(base: string, update: UpdateNotebookInstanceCommandInput): string {
  const parts = [base];
  if (update.LifecycleConfigName)
    parts.push(`--lifecycle-config-name ${shellWord(update.LifecycleConfigName)}`);
  if (update.DisassociateLifecycleConfig) parts.push('--disassociate-lifecycle-config');
  if (update.DefaultCodeRepository)
    parts.push(`--default-code-repository ${shellWord(update.DefaultCodeRepository)}`);
  if (update.AdditionalCodeRepositories?.length) {
    parts.push(
      `--additional-code-repositories ${update.AdditionalCodeRepositories.map(shellWord).join(' ')}`,
    );
  }
  return parts.join(' ');
}

/** Why the tool stops when the name is taken, and the two ways forward. */
function existingNotebookMessage(
  existing: DescribeNotebookInstanceCommandOutput,
  name: string,
  hasData: boolean,
  region: string | undefined,
): string {
  const status = existing.NotebookInstanceStatus ?? 'Unknown';
  if (status === 'Deleting') {
    return `refused: notebook instance ${name} is being deleted: wait until it is gone, then run this again:\n${awsCommand('wait notebook-instance-deleted', name, region)}`;
  }
  return [
    `refused: notebook instance ${name} already exists (${status}, ${existing.NotebookInstanceArn ?? 'no ARN'}). This tool never overwrites a notebook. Either:`,
    `  - delete it, if it is an incomplete recreation nobody needs (deleting destroys its volume: check nothing on it is needed), then run this again:`,
    ...deleteCommands(name, status, region),
    hasData
      ? `  - (--name <new name> restores beside it only for a snapshot without data: the restore script only restores a snapshot into a notebook of the same name.)`
      : `  - or restore beside it under another name: add --name <new name>.`,
  ].join('\n');
}

/** An indented AWS CLI command about one notebook, ready to paste. */
function awsCommand(command: string, name: string, region: string | undefined): string {
  return `      aws sagemaker ${command} --notebook-instance-name ${shellWord(name)}${region ? ` --region ${shellWord(region)}` : ''}`;
}

/** Deleting a notebook that is `status` now: only a Stopped or Failed one can be deleted. */
function deleteCommands(name: string, status: string, region: string | undefined): string[] {
  const aws = (command: string) => awsCommand(command, name, region);
  const stop = [aws('stop-notebook-instance'), aws('wait notebook-instance-stopped')];
  let settle: string[] = [];
  if (status === 'InService') settle = stop;
  else if (status !== 'Stopped' && status !== 'Failed') {
    // Pending, Updating, Stopping, InMaintenance: it must settle before it can be stopped or deleted.
    settle = [`      (it is ${status} now: let it settle; stop it if it becomes InService)`, ...stop];
  }
  return [...settle, aws('delete-notebook-instance'), aws('wait notebook-instance-deleted')];
}

/** This tool's command line for the same restore, to run again once the cause of a failure is fixed. */
function rerunCommand(options: RestoreOptions): string {
  const parts = ['--bucket', options.bucket, '--snapshot', options.snapshotPrefix];
  if (options.settings !== 'original') parts.push('--settings', options.settings);
  if (options.restoreLifecycleConfig)
    parts.push('--restore-lifecycle-config', options.restoreLifecycleConfig);
  if (options.name) parts.push('--name', options.name);
  if (options.region) parts.push('--region', options.region);
  if (options.wait) parts.push('--wait');
  if (options.waitMinutes !== DEFAULT_WAIT_MINUTES) parts.push('--wait-minutes', String(options.waitMinutes));
  return `npx tsx bin/restore-notebook.ts ${parts.map(shellWord).join(' ')}`;
}
