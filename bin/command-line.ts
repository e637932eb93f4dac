/**
 * What every command-line tool here does with its arguments first: node:util's parseArgs, whose
 * errors (an unknown option, a missing value, a stray argument) are a usage error in its own words,
 * and the options given more than once, which parseArgs would silently keep the last of.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * parseArgs as every tool here calls it: unknown options refused, the tokens kept (to find an option
 * given twice), -h/--help beside the tool's own options, and positionals only where the tool takes some.
 */
export function parseToolArgs<const O extends OptionsConfig, const P extends boolean = false>(
  args: readonly string[],
  options: O,
  allowPositionals?: P,
) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: (allowPositionals ?? false) as P,
    tokens: true,
    options: { ...options, ...HELP_OPTION },
  });
}

export type CommandLine<T> =
  | { readonly kind: 'parsed'; readonly parsed: T }
  | { readonly kind: 'usage-error'; readonly message: string };

/** Runs the tool's parseArgs call: its result, or its error as a usage error. */
export function parseCommandLine<T>(parse: () => T): CommandLine<T> {
  try {
    return { kind: 'parsed', parsed: parse() };
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
}

/** The names of the options given more than once, each once, in the order they repeat. */
export function repeatedOptions(
  tokens: ReadonlyArray<{ readonly kind: string; readonly name?: string }>,
): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    if (seen.has(token.name)) repeated.add(token.name);
    seen.add(token.name);
  }
  return [...repeated];
}

type HelpOrUsageError =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

export interface ToolOutput {
  readonly print: (line: string) => void;
  readonly printError: (line: string) => void;
}

/**
 * --help and a usage error, as every tool here answers them before loading anything heavy: the usage on
 * stdout (exit 0), or each problem as `error: ...` on stderr followed by the tool's pointer to its help
 * (`after`), exit 2.
 */
function answerHelpOrUsageError(
  parsed: HelpOrUsageError,
  usage: string,
  after: readonly string[],
  out: ToolOutput,
): number {
  if (parsed.kind === 'help') {
    out.print(usage);
    return 0;
  }
  for (const line of parsed.message.split('\n')) out.printError(`error: ${line}`);
  for (const line of after) out.printError(line);
  return 2;
}

/** A tool's answer to --help and a usage error: answerHelpOrUsageError with its usage and pointer. */
export function helpOrUsageErrorAnswer(
  usage: string,
  after: readonly string[],
): (parsed: HelpOrUsageError, out: ToolOutput) => number {
  return (parsed, out) => answerHelpOrUsageError(parsed, usage, after, out);
}

/**
 * A whole-number option: digits only (Number() would take '', '1e3' or '0x10'), the fallback when it is
 * not given; a problem is added when it is not one.
 */
export function wholeNumberOption(
  name: string,
  text: string | undefined,
  fallback: number,
  problems: string[],
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    problems.push(`--${name} must be a whole number, got ${text}`);
  }
  return value;
}

/**
 * The first step of a developer tool's parse (chaos, bench): node:util's errors as one-line usage
 * errors (it words some over several lines), --help, and the problems found so far (options given twice).
 */
export function parseToolOptions<
  T extends {
    readonly values: { readonly help?: boolean };
    readonly tokens: ReadonlyArray<{ readonly kind: string; readonly name?: string }>;
  },
>(
  parse: () => T,
):
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'parsed'; readonly parsed: T; readonly problems: string[] } {
  const commandLine = parseCommandLine(parse);
  if (commandLine.kind === 'usage-error')
    return { kind: 'usage-error', message: commandLine.message.replace(/\s*\n\s*/g, ' ') };
  if (commandLine.parsed.values.help) return { kind: 'help' };
  // parseArgs keeps the last of a repeated option silently; two values are a mistake.
  const problems = repeatedOptions(commandLine.parsed.tokens).map((name) => `--${name} is given twice`);
  return { kind: 'parsed', parsed: commandLine.parsed, problems };
}
