/**
 * The core of bin/preview.ts: parse the options, load the configuration exactly as the stack does
 * (the `remediation` context of cdk.json through loadConfiguration), read the account, plan, print.
 * The clients come from a factory called only once the options are parsed, so the tests run it
 * against the simulated account and `--help` makes no client.
 */
import { readFileSync } from 'node:fs';
import { errorName } from '../../handlers/shared/aws-errors.js';
import {
  CONFIGURATION_CONTEXT_KEY,
  loadConfiguration,
  type RemediationConfiguration,
} from '../../stacks/configuration.js';
import { createSageMakerReader, type PreviewClients } from './account-reader.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  type PreviewOptions,
  parsePreviewArguments,
  USAGE,
} from './arguments.js';
import { formatJson, formatReport } from './format.js';
import { collectInventory } from './inventory.js';
import { planPreview } from './plan.js';

export interface PreviewDependencies {
  /** The clients of the operator's credentials in the Region (called once, after the options are parsed). */
  readonly clients: (options: PreviewOptions) => PreviewClients;
  /** Reads the configuration file (default: from disk). */
  readonly readText?: (path: string) => string;
  /** The report (stdout). */
  readonly print: (line: string) => void;
  /** Errors (stderr). */
  readonly printError: (line: string) => void;
}

export interface PreviewCommand {
  /** Runs the preview with these command-line arguments; resolves with the exit status. */
  run(args: readonly string[]): Promise<number>;
}

/** The configuration as the stack loads it, or the problem in words (every line names what to fix). */
export function loadPreviewConfiguration(
  path: string,
  readText: (path: string) => string,
): RemediationConfiguration | { readonly problem: string } {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    return { problem: `--config ${path}: cannot read it (${(error as Error).message})` };
  }
  let cdkJson: unknown;
  try {
    cdkJson = JSON.parse(text);
  } catch (error) {
    return { problem: `--config ${path}: not valid JSON (${(error as Error).message})` };
  }
  const context = (cdkJson as { context?: Record<string, unknown> } | null)?.context;
  try {
    return loadConfiguration(context?.[CONFIGURATION_CONTEXT_KEY]);
  } catch (error) {
    return { problem: `--config ${path}: ${(error as Error).message}` };
  }
}

export function createPreviewCommand(deps: PreviewDependencies): PreviewCommand {
  const { print, printError } = deps;
  const readText = deps.readText ?? ((path: string) => readFileSync(path, 'utf8'));

  async function run(args: readonly string[]): Promise<number> {
    const parsed = parsePreviewArguments(args);
    if (parsed.kind === 'help') {
      print(USAGE);
      return EXIT_OK;
    }
    if (parsed.kind === 'usage-error') {
      for (const line of parsed.message.split('\n')) printError(`error: ${line}`);
      printError('Run with --help for the options.');
      return EXIT_USAGE;
    }
    const { options } = parsed;
    const configuration = loadPreviewConfiguration(options.configPath, readText);
    if ('problem' in configuration) {
      for (const line of configuration.problem.split('\n')) printError(`error: ${line}`);
      return EXIT_USAGE;
    }
    try {
      const clients = deps.clients(options);
      const accountId = await clients.accountId();
      const inventory = await collectInventory(
        createSageMakerReader(clients.sagemaker),
        { accountId, region: options.region },
        { requiredTagKeys: Object.keys(configuration.requiredTags) },
      );
      const report = planPreview(inventory, configuration, options.configPath);
      print(options.json ? formatJson(report) : formatReport(report));
      return EXIT_OK;
    } catch (error) {
      printError(`error: ${errorName(error)}: ${(error as Error).message}`);
      if (errorName(error) === 'CredentialsProviderError') {
        printError(
          "No AWS credentials: give --profile <name>, or set up the AWS SDK's credentials. Nothing was changed.",
        );
      } else if (
        /AccessDenied|UnauthorizedOperation|not authorized/i.test(
          `${errorName(error)} ${(error as Error).message}`,
        )
      ) {
        printError('The preview needs the read-only policy in docs/preview.md. Nothing was changed.');
      } else {
        printError('Nothing was changed.');
      }
      return EXIT_FAILED;
    }
  }

  return { run };
}
