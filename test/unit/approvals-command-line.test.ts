/**
 * The approvals command's command line (bin/approvals/arguments.ts) and the commands the approval
 * request gives (handlers/shared/approval-command.ts): pure, so every refusal is checked here, each
 * naming the option that fixes it, all at once.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REASON_LENGTH, parseApprovalsArguments } from '../../bin/approvals/arguments.js';
import {
  approvalCommand,
  listPendingCommand,
  withApprovalCommands,
} from '../../handlers/shared/approval-command.js';
import { validateFinding } from '../../handlers/shared/finding-event.js';
import { recreateDetails } from '../../handlers/shared/recreation-decisions.js';
import { notebookControlFinding } from '../../simulation/account/sample-findings.js';

const FINDING =
  'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/0b7e5c1a-1111-4222-8333-944455556666';
const NOTEBOOK = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
const WHERE = ['--table', 'SageMakerRemediation-ApprovalTable-1A2B3C', '--region', 'eu-west-1'];
const LOCATION = { table: 'SageMakerRemediation-ApprovalTable-1A2B3C', region: 'eu-west-1' };

function problems(args: readonly string[]): string[] {
  const parsed = parseApprovalsArguments(args);
  return parsed.kind === 'usage-error' ? parsed.message.split('\n') : [];
}

describe('approvals command line', () => {
  it('Given approve with a finding, the table and the region, When parsed, Then it names the plan by the finding', () => {
    expect(parseApprovalsArguments(['approve', '--finding', FINDING, ...WHERE])).toEqual({
      kind: 'options',
      options: { command: 'approve', plan: { findingId: FINDING }, ...LOCATION },
    });
  });

  it('Given reject with a resource, a reason and a profile, When parsed, Then the reason is kept, trimmed', () => {
    expect(
      parseApprovalsArguments([
        'reject',
        '--resource',
        NOTEBOOK,
        '--reason',
        '  not before the audit ',
        '--profile',
        'security',
        ...WHERE,
      ]),
    ).toEqual({
      kind: 'options',
      options: {
        command: 'reject',
        plan: { resourceArn: NOTEBOOK },
        reason: 'not before the audit',
        profile: 'security',
        ...LOCATION,
      },
    });
  });

  it('Given list-pending with --json, When parsed, Then it lists as JSON', () => {
    expect(parseApprovalsArguments(['list-pending', '--json', ...WHERE])).toEqual({
      kind: 'options',
      options: { command: 'list-pending', json: true, ...LOCATION },
    });
  });

  it('Given approve with nothing else, When parsed, Then every missing option is named at once', () => {
    expect(problems(['approve'])).toEqual([
      '--table is required: the stack output ApprovalTableName',
      "--region is required: the deployment's region",
      'approve needs --finding <id> or --resource <arn>: the plan to approve',
    ]);
  });

  it.each([
    [[], 'a command is required: approve, reject, list-pending'],
    [['approve-all'], "unknown command 'approve-all': use approve, reject, list-pending"],
    [['approve', 'now', '--finding', FINDING], "unexpected argument 'now'"],
    [['approve', '--finding', FINDING, '--resource', NOTEBOOK], 'give --finding or --resource, not both'],
    [['approve', '--finding', ' '], '--finding must not be empty'],
    [
      ['approve', '--resource', 'research-notebook'],
      '--resource research-notebook is not a SageMaker resource ARN',
    ],
    [['approve', '--finding', FINDING, '--reason', 'ok'], '--reason is for reject, not approve'],
    [['reject', '--finding', FINDING, '--reason', ' '], '--reason must not be empty: leave it out instead'],
    [
      ['reject', '--finding', FINDING, '--reason', 'x'.repeat(MAX_REASON_LENGTH + 1)],
      `--reason has ${MAX_REASON_LENGTH + 1} characters; at most ${MAX_REASON_LENGTH} fit the rejection note`,
    ],
    [['approve', '--finding', FINDING, '--json'], '--json is for list-pending, not approve'],
    [['list-pending', '--finding', FINDING], '--finding is for approve and reject, not list-pending'],
    [['list-pending', '--profile', ''], '--profile must not be empty'],
  ])('Given %j with the table and region, When parsed, Then it is refused: %s', (args, problem) => {
    expect(problems([...args, ...WHERE])).toEqual([problem]);
  });

  it('Given a bad table name, a bad region and a repeated option, When parsed, Then each is named', () => {
    expect(
      problems(['list-pending', '--table', 'ab', '--region', 'Ireland', '--region', 'eu-west-1']),
    ).toEqual(['--region is given twice', '--table ab is not a DynamoDB table name']);
    expect(problems(['list-pending', '--table', 'approvals', '--region', 'Ireland'])).toEqual([
      '--region Ireland is not a region',
    ]);
  });

  it('Given an unknown option, When parsed, Then node:util says which, and --help wins over everything', () => {
    expect(problems(['approve', '--findings', FINDING, ...WHERE])[0]).toMatch(/--findings/);
    expect(parseApprovalsArguments(['approve', '--help'])).toEqual({ kind: 'help' });
  });
});

describe('the commands the approval request gives', () => {
  it('Given a finding and the deployment, When the commands are written, Then each parses back to the same plan and place', () => {
    const approve = approvalCommand('approve', { findingId: FINDING }, LOCATION);
    const reject = approvalCommand('reject', { resourceArn: NOTEBOOK }, LOCATION);

    expect(approve).toBe(
      `npx tsx bin/approvals.ts approve --finding ${FINDING} --table ${LOCATION.table} --region eu-west-1`,
    );
    const args = (command: string) => command.replace('npx tsx bin/approvals.ts ', '').split(' ');
    expect(parseApprovalsArguments(args(approve))).toMatchObject({
      options: { command: 'approve', plan: { findingId: FINDING }, ...LOCATION },
    });
    expect(parseApprovalsArguments(args(reject))).toMatchObject({
      options: { command: 'reject', plan: { resourceArn: NOTEBOOK }, ...LOCATION },
    });
    expect(listPendingCommand(LOCATION)).toBe(
      `npx tsx bin/approvals.ts list-pending --table ${LOCATION.table} --region eu-west-1`,
    );
  });

  it('Given a finding id a shell would split, When written, Then it is quoted so it pastes as one argument', () => {
    expect(approvalCommand('approve', { findingId: "odd id's" }, LOCATION)).toContain(
      `--finding 'odd id'\\''s' --table`,
    );
  });

  it('Given the recreation approval request, When the commands are added, Then they follow the custom-action instructions, before the finding and execution lines', () => {
    const finding = validateFinding(
      notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'Research-Notebook' }),
      'eu-west-1',
      { accountId: '111122223333', region: 'eu-west-1' },
    ).finding;
    if (!finding) throw new Error('the sample finding must validate');
    const details = recreateDetails(
      finding,
      { fixes: ['SageMaker.1'] },
      'Recreate notebook instance Research-Notebook.',
      new Date('2026-11-30T09:00:00.000Z'),
      { id: 'arn:aws:states:eu-west-1:111122223333:execution:sm:e1', name: 'e1' },
    );

    const lines = withApprovalCommands(details, finding.id, LOCATION).approvalMessage.split('\n');

    const instructions = lines.findIndex((line) => line.startsWith('To approve or reject:'));
    expect(lines.slice(instructions + 2, instructions + 6)).toEqual([
      '',
      'Or from a terminal, as a role of this account with the stack policy ApprovalOperatorPolicyArn (reject takes --reason):',
      `  ${approvalCommand('approve', { findingId: finding.id }, LOCATION)}`,
      `  ${approvalCommand('reject', { findingId: finding.id }, LOCATION)}`,
    ]);
    expect(lines.slice(-3)).toEqual(['', `Finding: ${finding.id}`, expect.stringMatching(/^Execution: /)]);
  });

  it('Given a message without the instructions paragraph, When the commands are added, Then they go at its end', () => {
    const { approvalMessage } = withApprovalCommands(
      { approvalMessage: 'Approval needed.' },
      FINDING,
      LOCATION,
    );

    expect(approvalMessage.split('\n')).toEqual([
      'Approval needed.',
      '',
      expect.stringMatching(/^Or from a terminal/),
      `  ${approvalCommand('approve', { findingId: FINDING }, LOCATION)}`,
      `  ${approvalCommand('reject', { findingId: FINDING }, LOCATION)}`,
    ]);
  });
});
