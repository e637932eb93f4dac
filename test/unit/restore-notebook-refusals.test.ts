/**
 * bin/restore-notebook.ts refusing: a dry run, a notebook already there, bad arguments, an operator
 * without the policy, another region, another account. Each exits without writing anything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../bin/restore-notebook/arguments.js';
import { createRestoreOperator } from '../../simulation/runner/restore-operator.js';
import {
  disposeAccounts,
  emptyAccount,
  givenRecreationFailedAfterDelete,
  NOTEBOOK,
  type Scenario,
  whenRestoreRuns,
} from './restore-notebook-fixture.js';

afterEach(disposeAccounts);

describe('restore-notebook: changes nothing when it should not', () => {
  it('Given a snapshot with data, When run with --dry-run, Then it prints the plan and both requests, and changes nothing', async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const { account, operator } = scenario;
    const keys = account.s3.keys(scenario.bucket);

    const result = await whenRestoreRuns(account, operator, [
      scenario.noteArgs[0] ?? '',
      scenario.noteArgs[1] ?? '',
      '--dry-run',
    ]);

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.changes).toEqual([]);
    expect(account.s3.keys(scenario.bucket)).toEqual(keys);
    const printed = result.out.split('CreateNotebookInstance request:\n')[1]?.split('\n\n')[0] ?? '';
    expect(JSON.parse(printed)).toMatchObject({
      NotebookInstanceName: NOTEBOOK,
      LifecycleConfigName: scenario.deployment.notebookData().restoreLifecycleConfigName,
      DirectInternetAccess: 'Enabled',
    });
    expect(JSON.parse(printed)).not.toHaveProperty('DefaultCodeRepository');
    expect(result.out).toMatch(/"attempt": "restore-\d{8}T\d{6}Z"/);
    expect(result.out).toContain('Dry run: nothing was changed.');
  });

  it('Given a notebook with that name exists again, When restored, Then it is refused with the ways forward, and nothing is written', async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const { account, operator } = scenario;
    account.sagemaker.seedNotebook({ name: NOTEBOOK, status: 'InService' });

    const result = await whenRestoreRuns(account, operator, scenario.noteArgs);

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain(`notebook instance ${NOTEBOOK} already exists (InService`);
    expect(result.err).toContain('never overwrites a notebook');
    expect(result.changes).toEqual([]);
  });

  it.each([
    [
      'the prefix without s3://',
      (args: Scenario) => ['--snapshot', args.snapshotPrefix, '--wait'],
      'is not an s3:// URI',
    ],
    [
      'another bucket than the snapshot’s',
      (args: Scenario) => ['--snapshot', `s3://another-bucket-111122223333/${args.snapshotPrefix}`, '--wait'],
      'access denied reading s3://another-bucket-111122223333/',
    ],
    [
      'a snapshot prefix that does not exist',
      (args: Scenario) => [
        '--snapshot',
        `s3://${args.bucket}/${args.snapshotPrefix.replace(/-[^-/]+$/, '-x')}`,
        '--wait',
      ],
      'no snapshot at s3://',
    ],
    [
      'a prefix that is not a snapshot’s',
      (args: Scenario) => ['--snapshot', `s3://${args.bucket}/roles/${NOTEBOOK}`, '--wait'],
      'does not name a snapshot',
    ],
    [
      'the options of the version 1 tool',
      (args: Scenario) => ['--bucket', args.bucket, '--snapshot', args.snapshotPrefix],
      '--bucket is gone',
    ],
  ])(
    'Given %s, When run, Then it exits 2 with the reason and nothing is written',
    async (_case, argsOf, reason) => {
      const scenario = await givenRecreationFailedAfterDelete();
      const { account, operator } = scenario;
      const keys = account.s3.keys(scenario.bucket);

      const result = await whenRestoreRuns(account, operator, argsOf(scenario));

      expect(result.exitCode).toBe(EXIT_USAGE);
      expect(result.err).toContain(reason);
      expect(result.changes).toEqual([]);
      expect(account.s3.keys(scenario.bucket)).toEqual(keys);
      expect(account.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    },
  );

  it("Given an operator role without the restore operator policy, When it runs the note's command, Then it is denied at the first read, told which policy it needs, and nothing is written", async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const { account } = scenario;
    const unprivileged = createRestoreOperator(scenario.deployment, {
      roleName: 'Bystander',
      withPolicy: false,
    });

    const result = await whenRestoreRuns(account, unprivileged, scenario.noteArgs);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(
      'lacks the restore permissions there (the stack policy RestoreOperatorPolicyArn',
    );
    expect(result.denied).toEqual([
      `s3:GetObject arn:aws:s3:::${scenario.bucket}/${scenario.snapshotPrefix}/configuration.json`,
    ]);
    expect(result.changes).toEqual([]);
  });

  it('Given clients in another region than the snapshot, When restored, Then it is refused and names the region', async () => {
    const scenario = await givenRecreationFailedAfterDelete();

    const result = await whenRestoreRuns(scenario.account, scenario.operator, scenario.noteArgs, {
      region: 'us-east-1',
    });

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain('pass --region eu-west-1');
    expect(result.changes).toEqual([]);
  });

  it('Given credentials of another account than the snapshot, When restored without --role-arn, Then it is refused naming --role-arn, and nothing is written', async () => {
    const scenario = await givenRecreationFailedAfterDelete();
    const keys = scenario.account.s3.keys(scenario.bucket);

    const result = await whenRestoreRuns(scenario.account, scenario.operator, scenario.noteArgs, {
      account: '444455556666',
    });

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(
      `--role-arn is required: the snapshot is of a notebook in account ${scenario.account.accountId}, and these credentials are of account 444455556666: add --account ${scenario.account.accountId} --region eu-west-1 --role-arn arn:aws:iam::${scenario.account.accountId}:role/<your-operator-role-there>`,
    );
    expect(result.changes).toEqual([]);
    expect(scenario.account.s3.keys(scenario.bucket)).toEqual(keys);
  });

  it("Given --account of another account than the snapshot's, When restored, Then it is refused naming --account, and nothing is written", async () => {
    const scenario = await givenRecreationFailedAfterDelete();

    const result = await whenRestoreRuns(scenario.account, scenario.operator, [
      ...scenario.noteArgs,
      '--account',
      '444455556666',
    ]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(
      `--account 444455556666 is not the snapshot's: it is of a notebook in account ${scenario.account.accountId}: pass --account ${scenario.account.accountId}`,
    );
    expect(result.changes).toEqual([]);
  });
});

describe('restore-notebook: usage', () => {
  const URI =
    's3://backups-111122223333-eu-west-1/roles/AROAEXAMPLE:SageMaker/Research-Notebook/20261123T090000Z-run-1';

  it.each([
    ['no arguments', [], '--snapshot s3://<bucket>/<snapshot prefix> is required'],
    [
      'a bucket name with adjacent dots',
      ['--snapshot', 's3://backups..example/roles/x'],
      'must not contain two adjacent dots',
    ],
    [
      'a bad notebook name in the prefix',
      ['--snapshot', URI.replace('Research-Notebook', 'has_underscore')],
      'not a notebook instance name',
    ],
    ['unknown settings', ['--snapshot', URI, '--settings', 'fixed'], 'original or planned'],
    ['an unknown option', ['--snapshot', URI, '--force'], "Unknown option '--force'"],
    ['a repeated option', ['--snapshot', URI, '--snapshot', URI], '--snapshot is given twice'],
    ['--wait with --dry-run', ['--snapshot', URI, '--wait', '--dry-run'], 'nothing to --wait for'],
    ['a bad --wait-minutes', ['--snapshot', URI, '--wait', '--wait-minutes', '0'], '--wait-minutes must be'],
    [
      '--restore-lifecycle-config',
      ['--snapshot', URI, '--restore-lifecycle-config', 'x'],
      'configuration.json names the restore lifecycle configuration',
    ],
    [
      '--role-arn without --region',
      ['--snapshot', URI, '--account', '444455556666', '--role-arn', 'arn:aws:iam::444455556666:role/ops'],
      '--region is required with --role-arn',
    ],
    [
      '--role-arn without --account',
      ['--snapshot', URI, '--region', 'eu-west-1', '--role-arn', 'arn:aws:iam::444455556666:role/ops'],
      '--account is required with --role-arn',
    ],
    [
      '--role-arn of another account than --account',
      [
        '--snapshot',
        URI,
        '--account',
        '111122223333',
        '--region',
        'eu-west-1',
        '--role-arn',
        'arn:aws:iam::444455556666:role/ops',
      ],
      'is a role of account 444455556666, not of --account 111122223333',
    ],
    ['a bad --account', ['--snapshot', URI, '--account', 'ops'], '--account ops is not an account id'],
  ])(
    'Given %s, When run, Then it exits 2 with the reason and the usage text, calling nothing',
    async (_case, args, reason) => {
      const account = emptyAccount();

      const result = await whenRestoreRuns(account, account.administrator, args);

      expect(result.exitCode).toBe(EXIT_USAGE);
      expect(result.err).toContain(reason);
      expect(result.err).toContain(
        'Usage: npx tsx bin/restore-notebook.ts --snapshot s3://<bucket>/<snapshot prefix>',
      );
      expect(account.calls).toEqual([]);
    },
  );

  it('Given --help, When run, Then it prints the usage text and exits 0, calling nothing', async () => {
    const account = emptyAccount();

    const result = await whenRestoreRuns(account, account.administrator, ['--help']);

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.out).toContain('--settings original|planned');
    expect(account.calls).toEqual([]);
  });
});
