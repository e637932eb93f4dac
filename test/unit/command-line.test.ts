import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, repeatedOptions } from '../../bin/command-line.js';

const parse = (args: string[]) =>
  parseArgs({
    args,
    strict: true,
    tokens: true,
    options: { region: { type: 'string' }, json: { type: 'boolean' } },
  });

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
});
