/**
 * The restore tools' way into another account (bin/restore-notebook/role-session.ts), and the
 * commands the notes print for a resource outside the deployment's account or Region
 * (handlers/shared/restore-command.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseRestoreArguments } from '../../bin/restore-notebook/arguments.js';
import { Refusal } from '../../bin/restore-notebook/refusal.js';
import {
  RESTORE_SESSION_SECONDS,
  restoreSessionName,
  roleSession,
  sessionClient,
} from '../../bin/restore-notebook/role-session.js';
import {
  OPERATOR_ROLE_PLACEHOLDER,
  RESTORE_TOOL,
  restoreCommandFor,
} from '../../handlers/shared/restore-command.js';

const ROLE = 'arn:aws:iam::444455556666:role/restore-operator';
const START = new Date('2026-11-23T09:05:00.000Z');

class AssumeRoleCommand {
  constructor(readonly input: { RoleArn: string; RoleSessionName: string; DurationSeconds: number }) {}
}

/** An STS that answers every AssumeRole with credentials for an hour from `now`, or with `error`. */
function fakeSts(now: () => Date, error?: Error) {
  const requests: AssumeRoleCommand['input'][] = [];
  return {
    requests,
    send: async (command: unknown) => {
      requests.push((command as AssumeRoleCommand).input);
      if (error) throw error;
      return {
        Credentials: {
          AccessKeyId: `ASIA${requests.length}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(now().getTime() + RESTORE_SESSION_SECONDS * 1000),
        },
      };
    },
  };
}

describe('restore role sessions', () => {
  it('Given a run that outlasts the session, When the client is used, Then the role is assumed once, and again only shortly before expiry', async () => {
    let now = START;
    const sts = fakeSts(() => now);
    const session = roleSession(
      {
        sts,
        assumeRoleCommand: AssumeRoleCommand,
        createClients: (region, credentials) => ({
          sagemaker: { send: async () => `${credentials.AccessKeyId} in ${region}` },
        }),
      },
      { roleArn: ROLE, region: 'us-east-1', sessionName: restoreSessionName('restore-notebook', START) },
      () => now,
    );
    const sagemaker = sessionClient(async () => (await session()).sagemaker);

    const first = await sagemaker.send();
    now = new Date(START.getTime() + 50 * 60_000);
    const later = await sagemaker.send();
    now = new Date(START.getTime() + 56 * 60_000);
    const renewed = await sagemaker.send();

    expect([first, later, renewed]).toEqual([
      'ASIA1 in us-east-1',
      'ASIA1 in us-east-1',
      'ASIA2 in us-east-1',
    ]);
    expect(sts.requests[0]).toEqual({
      RoleArn: ROLE,
      RoleSessionName: 'restore-notebook-20261123T090500Z',
      DurationSeconds: 3600,
    });
  });

  it('Given a role STS refuses, When the session is first used, Then it is a refusal naming --role-arn', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    const session = roleSession(
      {
        sts: fakeSts(() => START, denied),
        assumeRoleCommand: AssumeRoleCommand,
        createClients: () => ({}),
      },
      { roleArn: ROLE, region: 'us-east-1', sessionName: 'restore-resource-x' },
      () => START,
    );

    const refusal = await session().catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(Refusal);
    expect((refusal as Refusal).message).toContain(`--role-arn ${ROLE} could not be assumed (AccessDenied:`);
  });

  it('Given any tool name, Then the session name is one STS accepts', () => {
    const name = restoreSessionName('restore-resource', START);

    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(name).toBe('restore-resource-20261123T090500Z');
  });
});

describe('restore commands for another account or Region', () => {
  const BUCKET = 'sagemakerbackups-111122223333-eu-west-1';
  const PREFIX = 'roles/AROAEXAMPLE:SageMaker/Research-Notebook/20261123T090000Z-run-1';
  const home = { accountId: '111122223333', region: 'eu-west-1' };
  const members = { roleName: 'Acme' };

  it.each([
    ['the deployment’s own account and Region', home, ''],
    [
      'another Region of its account',
      { ...home, region: 'us-east-1' },
      ' --account 111122223333 --region us-east-1',
    ],
    [
      'another account',
      { accountId: '444455556666', region: 'eu-west-1' },
      ' --account 444455556666 --region eu-west-1 --role-arn arn:aws:iam::444455556666:role/sagemaker-remediation/Acme-restore-eu-west-1',
    ],
    [
      'another account, in the China partition',
      { accountId: '444455556666', region: 'cn-north-1' },
      ' --account 444455556666 --region cn-north-1 --role-arn arn:aws-cn:iam::444455556666:role/sagemaker-remediation/Acme-restore-cn-north-1',
    ],
  ])(
    'Given a notebook in %s, Then the note’s command says where, and the restore role the member stack deploys there',
    (_case, resource, tail) => {
      expect(restoreCommandFor(BUCKET, PREFIX, { resource, deployment: home, members })).toBe(
        `${RESTORE_TOOL} --snapshot s3://${BUCKET}/${PREFIX} --wait${tail}`,
      );
    },
  );

  it('Given the other account’s command as the note gives it, When the notebook tool parses it, Then the account, Region and restore role are its options', () => {
    const command = restoreCommandFor(BUCKET, PREFIX, {
      resource: { accountId: '444455556666', region: 'eu-west-1' },
      deployment: home,
      members,
    });

    const parsed = parseRestoreArguments(command.slice(RESTORE_TOOL.length + 1).split(' '));

    expect(parsed.kind === 'options' ? parsed.options : parsed).toMatchObject({
      account: '444455556666',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::444455556666:role/sagemaker-remediation/Acme-restore-eu-west-1',
      wait: true,
    });
  });

  it('Given where the settings are not known (a tool’s own refusal), When the options are printed, Then the role is a placeholder the tool refuses, and the same command with it filled in is accepted', () => {
    const command = restoreCommandFor(BUCKET, PREFIX, {
      resource: { accountId: '444455556666', region: 'eu-west-1' },
      deployment: home,
    });
    const args = (text: string) => text.slice(RESTORE_TOOL.length + 1).split(' ');

    const asPrinted = parseRestoreArguments(args(command));
    const filledIn = parseRestoreArguments(
      args(command.replace(OPERATOR_ROLE_PLACEHOLDER, 'restore-operator')),
    );

    expect(command).toContain(`--role-arn arn:aws:iam::444455556666:role/${OPERATOR_ROLE_PLACEHOLDER}`);
    expect(asPrinted.kind === 'usage-error' ? asPrinted.message : asPrinted).toContain(
      `replace ${OPERATOR_ROLE_PLACEHOLDER} with the name of your operator role in that account`,
    );
    expect(filledIn.kind === 'options' ? filledIn.options : filledIn).toMatchObject({ roleArn: ROLE });
  });
});
