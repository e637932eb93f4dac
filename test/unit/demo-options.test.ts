import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, helpText, parseDemoOptions } from '../../bin/demo-options.js';
import { SCENARIO_NAMES } from '../../bin/demo-scenarios.js';

describe('npm run demo options', () => {
  it('--help and -h ask for the help text, whatever else is given', () => {
    // Given --help, alone or with other options
    // When parsed
    // Then the demo prints the help (and runs nothing)
    expect(parseDemoOptions(['--help'])).toEqual({ kind: 'help' });
    expect(parseDemoOptions(['-h'])).toEqual({ kind: 'help' });
    expect(parseDemoOptions(['--scenario', 'root-access', '--help'])).toEqual({ kind: 'help' });
  });

  it('the help text lists every scenario and every option, and the exit statuses', () => {
    // When the help text is built
    const text = helpText();
    // Then each scenario is on a line of its own with its summary, and each option is there
    for (const name of SCENARIO_NAMES) expect(text).toMatch(new RegExp(`\\n  ${name} +\\S`));
    expect(SCENARIO_NAMES).toEqual([
      'root-access',
      'exempt',
      'recreation',
      'monitoring-schedule',
      'job-definition',
      'endpoint-config',
      'image-tags',
      'model',
      'inference-experiment',
      'member-account',
      'linked-region',
      'ocsf',
    ]);
    for (const option of ['--scenario <name>', '--finding <file>', '--notebook <file>', '-h, --help']) {
      expect(text).toContain(`  ${option}`);
    }
    expect(text).toContain('2 bad options or files (nothing run)');
  });

  it('no option runs every scenario', () => {
    expect(parseDemoOptions([])).toEqual({ kind: 'scenarios', scenarios: [] });
  });

  it('--scenario runs the scenario named, repeated ones once each', () => {
    expect(parseDemoOptions(['--scenario', 'root-access'])).toEqual({
      kind: 'scenarios',
      scenarios: ['root-access'],
    });
    expect(parseDemoOptions(['--scenario=ocsf', '--scenario', 'model', '--scenario', 'ocsf'])).toEqual({
      kind: 'scenarios',
      scenarios: ['ocsf', 'model'],
    });
  });

  it('an unknown scenario is refused with the list of scenarios', () => {
    const parsed = parseDemoOptions(['--scenario', 'root']);
    expect(parsed).toEqual({
      kind: 'usage-error',
      message: `--scenario root: no such scenario; the scenarios are ${SCENARIO_NAMES.join(', ')}`,
    });
  });

  it('an unknown option, a missing value or a stray argument is refused naming it', () => {
    // Given a misspelt option, an option without its value, and an argument that is no option
    const misspelt = parseDemoOptions(['--senario', 'root-access']);
    const noValue = parseDemoOptions(['--scenario']);
    const stray = parseDemoOptions(['root-access']);
    // Then each is a usage error (exit 2) whose message names what is wrong
    expect(misspelt.kind).toBe('usage-error');
    expect(misspelt.kind === 'usage-error' && misspelt.message).toContain("Unknown option '--senario'");
    expect(noValue.kind === 'usage-error' && noValue.message).toContain(
      "Option '--scenario <value>' argument missing",
    );
    expect(stray.kind === 'usage-error' && stray.message).toContain("Unexpected argument 'root-access'");
    expect(EXIT_USAGE).toBe(2);
  });

  it('--finding and --notebook run the user case; with --scenario, twice, or empty they are refused', () => {
    expect(parseDemoOptions(['--finding', 'f.json', '--notebook', 'n.json'])).toEqual({
      kind: 'user-case',
      findingFile: 'f.json',
      notebookFile: 'n.json',
    });
    expect(parseDemoOptions(['--notebook', 'n.json'])).toEqual({ kind: 'user-case', notebookFile: 'n.json' });
    expect(parseDemoOptions(['--finding', 'f.json', '--scenario', 'ocsf'])).toEqual({
      kind: 'usage-error',
      message:
        '--scenario runs a built-in scenario, --finding and --notebook your own case: give one or the other',
    });
    expect(parseDemoOptions(['--finding', 'a.json', '--finding', 'b.json'])).toEqual({
      kind: 'usage-error',
      message: '--finding is given twice: give one file',
    });
    expect(parseDemoOptions(['--notebook='])).toEqual({
      kind: 'usage-error',
      message: '--notebook needs a file name',
    });
  });
});
