import { describe, expect, it } from 'vitest';
import {
  helpOrUsageErrorAnswer,
  parseCommandLine,
  parseToolArgs,
  repeatedOptions,
} from '../../bin/command-line.js';

const parse = (args: string[]) =>
  parseToolArgs(args, { region: { type: 'string' }, json: { type: 'boolean' } });

describe('the command line every tool parses first', () => {
  it('Given an unknown option, When parsed, Then it is a usage error in the words of node:util', () => {
    const result = parseCommandLine(() => parse(['--regoin', 'eu-west-1']));

    expect(result.kind).toBe('usage-error');
    expect(result.kind === 'usage-error' && result.message).toContain("Unknown option '--regoin'");
  });

  it('Given options given twice or three times, When their tokens are read, Then each repeated name is named once', () => {
    const result = parseCommandLine(() =>
      parse(['--region', 'a', '--json', '--region', 'b', '--region', 'c', '--json']),
    );
    if (result.kind !== 'parsed') throw new Error('expected the arguments to parse');

    expect(repeatedOptions(result.parsed.tokens)).toEqual(['region', 'json']);
    expect(repeatedOptions(parse(['--region', 'a', '--json']).tokens)).toEqual([]);
  });

  it('Given a tool that takes no positionals, When -h and a stray argument are given, Then -h is help and the stray argument a usage error; a tool that takes positionals keeps them', () => {
    expect(parse(['-h']).values).toEqual({ help: true });
    expect(parseCommandLine(() => parse(['approve'])).kind).toBe('usage-error');
    expect(parseToolArgs(['approve', '--json'], { json: { type: 'boolean' } }, true).positionals).toEqual([
      'approve',
    ]);
  });

  it('Given a tool’s usage and pointer, When asked for help and then given a usage error, Then it prints the usage (exit 0), then each problem and the pointer on stderr (exit 2)', () => {
    const printed: string[] = [];
    const errors: string[] = [];
    const answer = helpOrUsageErrorAnswer('Usage: tool', ['See --help']);
    const out = {
      print: (line: string) => printed.push(line),
      printError: (line: string) => errors.push(line),
    };

    expect(answer({ kind: 'help' }, out)).toBe(0);
    expect(answer({ kind: 'usage-error', message: 'a\nb' }, out)).toBe(2);
    expect([printed, errors]).toEqual([['Usage: tool'], ['error: a', 'error: b', 'See --help']]);
  });
});
