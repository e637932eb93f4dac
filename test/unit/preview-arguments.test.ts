import { describe, expect, it } from 'vitest';
import { parsePreviewArguments } from '../../bin/preview/arguments.js';

describe('the preview command line', () => {
  it('Given only --region, When parsed, Then cdk.json of the working directory and the table are the defaults', () => {
    // When
    const parsed = parsePreviewArguments(['--region', 'eu-west-1']);

    // Then
    expect(parsed).toEqual({
      kind: 'options',
      options: { region: 'eu-west-1', configPath: './cdk.json', json: false },
    });
  });

  it('Given every option, When parsed, Then each is kept', () => {
    // When
    const parsed = parsePreviewArguments([
      '--region',
      'us-east-2',
      '--profile',
      'security-audit',
      '--config',
      '../team/cdk.json',
      '--json',
    ]);

    // Then
    expect(parsed).toEqual({
      kind: 'options',
      options: { region: 'us-east-2', profile: 'security-audit', configPath: '../team/cdk.json', json: true },
    });
  });

  it('Given no --region, When parsed, Then the error names the option and what it is for', () => {
    // When
    const parsed = parsePreviewArguments(['--json']);

    // Then
    expect(parsed).toEqual({
      kind: 'usage-error',
      message:
        '--region is required: the Region whose SageMaker resources to preview, e.g. --region eu-west-1',
    });
  });

  it('Given a misspelt option, When parsed, Then the error names it', () => {
    // When
    const parsed = parsePreviewArguments(['--regoin', 'eu-west-1']);

    // Then
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toMatch(/^Unknown option '--regoin'/);
  });

  it('Given a Region that is no Region name, an empty profile and --region twice, When parsed, Then every problem is listed', () => {
    // When
    const parsed = parsePreviewArguments(['--region', 'eu-west-1', '--region', 'Ireland', '--profile', ' ']);

    // Then
    expect(parsed).toEqual({
      kind: 'usage-error',
      message: [
        '--region is given twice',
        '--region Ireland is not a Region name (e.g. eu-west-1)',
        '--profile must not be empty',
      ].join('\n'),
    });
  });

  it('Given --help with other options, When parsed, Then help wins', () => {
    // When
    const parsed = parsePreviewArguments(['--json', '--help']);

    // Then
    expect(parsed).toEqual({ kind: 'help' });
  });
});
