/**
 * What every command-line tool here does with its arguments first: node:util's parseArgs, whose
 * errors (an unknown option, a missing value, a stray argument) are a usage error in its own words,
 * and the options given more than once, which parseArgs would silently keep the last of.
 */

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
