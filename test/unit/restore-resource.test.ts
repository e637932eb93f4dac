/**
 * bin/restore-resource.ts without an account: its command line (the alert's argument read back, every
 * refusal naming its option), its pure plan (the engine's own restore step, for whichever engine took
 * the snapshot) and the place check. The runs against the simulated account, as the operator role, are
 * in test/workflow/restore-resource.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../bin/restore-notebook/refusal.js';
import {
  EXIT_USAGE,
  parseResourceRestoreArguments,
  parseResourceSnapshotUri,
  RESOURCE_RESTORE_TOOL,
} from '../../bin/restore-resource/arguments.js';
import { buildResourceRestorePlan, checkPlace, RESTORE_STEP } from '../../bin/restore-resource/plan.js';
import { RESOURCE_KINDS } from '../../handlers/shared/controls/resource-kinds.js';
import { CHANGE_ENGINES } from '../../handlers/shared/resource-changes.js';
import {
  RESOURCE_SNAPSHOT_VERSION,
  type ResourceSnapshot,
  resourceRestoreCommand,
  resourceSnapshotKey,
} from '../../handlers/shared/resource-snapshot.js';

const BUCKET = 'sagemakerbackups-111122223333-eu-west-1';
const SNAPSHOT_ID = '20261123T090500Z-execution-0001';
const ACCOUNT = '111122223333';
const MEMBER = '444455556666';
const PLACE = { accountId: ACCOUNT, region: 'eu-west-1' };
const KEY = `resources/${ACCOUNT}/eu-west-1/monitoring-schedule/Churn-Data-Quality/${SNAPSHOT_ID}/snapshot.json`;
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/restore-operator`;
const URI = `s3://${BUCKET}/${KEY}`;

const CONFIG = {
  ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
  MonitoringJobDefinition: {
    RoleArn: 'arn:aws:iam::111122223333:role/monitoring',
    NetworkConfig: { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false },
  },
  MonitoringType: 'DataQuality',
};

function scheduleSnapshot(overrides: Partial<ResourceSnapshot> = {}): ResourceSnapshot {
  return {
    version: RESOURCE_SNAPSHOT_VERSION,
    kind: 'monitoring-schedule',
    arn: 'arn:aws:sagemaker:eu-west-1:111122223333:monitoring-schedule/churn-data-quality',
    name: 'Churn-Data-Quality',
    takenAt: '2026-11-23T09:05:00.000Z',
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:execution-0001',
    fixes: ['SageMaker.14', 'SageMaker.22'],
    description: {
      MonitoringScheduleName: 'Churn-Data-Quality',
      MonitoringScheduleStatus: 'Scheduled',
      MonitoringScheduleConfig: CONFIG,
    },
    tags: [],
    related: {},
    ...overrides,
  };
}

function location() {
  const parsed = parseResourceSnapshotUri(URI);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed;
}

function refusalOf(action: () => unknown): Refusal {
  try {
    action();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('no refusal');
}

describe('restore-resource engines', () => {
  it.each(Object.keys(CHANGE_ENGINES))(
    'Given the registered engine %s, Then it has a restore step for the tool and the roll-back',
    (name) => {
      expect(CHANGE_ENGINES[name]?.steps).toContain(RESTORE_STEP);
    },
  );
});

describe('restore-resource arguments', () => {
  it.each([...RESOURCE_KINDS.values()].filter((facts) => facts.kind !== 'notebook-instance'))(
    'Given the command the workflow writes for a $label snapshot, When its argument is parsed, Then it is that snapshot',
    (facts) => {
      const key = resourceSnapshotKey(PLACE, facts.kind, 'Churn-1', SNAPSHOT_ID);
      const command = resourceRestoreCommand(BUCKET, key, { resource: PLACE, deployment: PLACE });

      expect(command.startsWith(`${RESOURCE_RESTORE_TOOL} `)).toBe(true);
      const parsed = parseResourceRestoreArguments(
        command.slice(RESOURCE_RESTORE_TOOL.length + 1).split(' '),
      );
      expect(parsed).toEqual({
        kind: 'options',
        options: {
          snapshot: {
            bucket: BUCKET,
            key,
            ...PLACE,
            kind: facts.kind,
            name: 'Churn-1',
            snapshotId: SNAPSHOT_ID,
          },
          dryRun: false,
        },
      });
    },
  );

  it("Given the snapshot's folder, with or without a trailing slash, Then it is read as its snapshot.json", () => {
    const folder = URI.slice(0, -'/snapshot.json'.length);

    expect(parseResourceSnapshotUri(folder)).toEqual(location());
    expect(parseResourceSnapshotUri(`${folder}/`)).toEqual(location());
  });

  it('Given --region and --dry-run, Then both are options', () => {
    expect(parseResourceRestoreArguments(['--snapshot', URI, '--region', 'eu-west-1', '--dry-run'])).toEqual({
      kind: 'options',
      options: { snapshot: location(), region: 'eu-west-1', dryRun: true },
    });
    expect(parseResourceRestoreArguments(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], '--snapshot s3://<bucket>/resources/... is required'],
    [
      ['--snapshot', `s3://${BUCKET}/roles/AROAEXAMPLE:SageMaker/nb/${SNAPSHOT_ID}`],
      "is a notebook's snapshot: restore it with npx tsx bin/restore-notebook.ts",
    ],
    [['--snapshot', `s3://${BUCKET}/backups/${KEY}`], 'is not under resources/'],
    [
      ['--snapshot', `s3://${BUCKET}/resources/notebook-instance/nb/${SNAPSHOT_ID}/snapshot.json`],
      "names resource type 'notebook-instance', which no control's engine snapshots",
    ],
    [
      ['--snapshot', `s3://${BUCKET}/resources/monitoring-schedule/bad_name/${SNAPSHOT_ID}/snapshot.json`],
      "names 'bad_name', which is not a SageMaker monitoring schedule name",
    ],
    [
      ['--snapshot', `s3://${BUCKET}/resources/monitoring-schedule/Churn/latest/snapshot.json`],
      'does not name a resource snapshot',
    ],
    [['--snapshot', `s3://Bad_Bucket/${KEY}`], "names bucket 'Bad_Bucket', which is not an S3 bucket name"],
    [['--snapshot', KEY], 'is not an s3:// URI'],
    [['--snapshot', URI, '--region', 'Europe'], '--region Europe is not a region'],
    [['--snapshot', URI, '--snapshot', URI], '--snapshot is given twice'],
    [['--snapshot', URI, '--wait'], "Unknown option '--wait'"],
    [['--snapshot', URI, '--account', '4444'], '--account 4444 is not an account id (12 digits)'],
    [
      ['--snapshot', URI, '--account', MEMBER, '--role-arn', MEMBER_ROLE],
      '--region is required with --role-arn: the Region of the resource',
    ],
    [
      ['--snapshot', URI, '--region', 'eu-west-1', '--role-arn', MEMBER_ROLE],
      '--account is required with --role-arn: the account of the resource',
    ],
    [
      ['--snapshot', URI, '--account', ACCOUNT, '--region', 'eu-west-1', '--role-arn', MEMBER_ROLE],
      `--role-arn ${MEMBER_ROLE} is a role of account ${MEMBER}, not of --account ${ACCOUNT}`,
    ],
    [
      ['--snapshot', URI, '--account', MEMBER, '--region', 'eu-west-1', '--role-arn', 'restore-operator'],
      '--role-arn restore-operator is not an IAM role ARN',
    ],
  ])('Given %j, Then it is a usage error saying %s', (args, message) => {
    const parsed = parseResourceRestoreArguments(args);

    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' ? parsed.message : '').toContain(message);
  });
});

describe('restore-resource arguments for another account', () => {
  const where = {
    resource: { accountId: MEMBER, region: 'us-east-1' },
    deployment: PLACE,
    members: { roleName: 'SageMakerRemediationMember' },
  };
  const memberKey = resourceSnapshotKey(where.resource, 'monitoring-schedule', 'Churn-1', SNAPSHOT_ID);
  const memberCommand = resourceRestoreCommand(BUCKET, memberKey, where);
  const memberArgs = memberCommand.slice(RESOURCE_RESTORE_TOOL.length + 1).split(' ');
  const restoreRole = `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/SageMakerRemediationMember-restore-us-east-1`;
  const snapshot = {
    bucket: BUCKET,
    key: memberKey,
    accountId: MEMBER,
    region: 'us-east-1',
    kind: 'monitoring-schedule',
    name: 'Churn-1',
    snapshotId: SNAPSHOT_ID,
  };

  it("Given the command the workflow writes for a member account's snapshot, Then it names the account, the Region and the restore role the member stack deploys there", () => {
    expect(memberKey).toBe(
      `resources/${MEMBER}/us-east-1/monitoring-schedule/Churn-1/${SNAPSHOT_ID}/snapshot.json`,
    );
    expect(memberCommand).toBe(
      `${RESOURCE_RESTORE_TOOL} --snapshot s3://${BUCKET}/${memberKey} --account ${MEMBER} --region us-east-1 --role-arn ${restoreRole}`,
    );
  });

  it('Given that command as it is, When parsed, Then the snapshot, account, Region and restore role are its options', () => {
    expect(parseResourceRestoreArguments(memberArgs)).toEqual({
      kind: 'options',
      options: { snapshot, account: MEMBER, region: 'us-east-1', roleArn: restoreRole, dryRun: false },
    });
  });

  it("Given an older alert's command with a role to fill in, When parsed as it is, Then it is a usage error asking for the role, and with the operator's role filled in it is accepted", () => {
    const old = memberArgs.map((arg) =>
      arg === restoreRole ? `arn:aws:iam::${MEMBER}:role/<your-operator-role-there>` : arg,
    );

    const asPrinted = parseResourceRestoreArguments(old);
    const filledIn = parseResourceRestoreArguments(
      old.map((arg) => arg.replace('<your-operator-role-there>', 'restore-operator')),
    );

    expect(asPrinted.kind).toBe('usage-error');
    expect(asPrinted.kind === 'usage-error' ? asPrinted.message : '').toContain(
      'replace <your-operator-role-there> with the name of your operator role in that account',
    );
    expect(filledIn).toEqual({
      kind: 'options',
      options: { snapshot, account: MEMBER, region: 'us-east-1', roleArn: MEMBER_ROLE, dryRun: false },
    });
  });

  it("Given a resource in the deployment's account but another Region, Then the command names the Region and no role", () => {
    const command = resourceRestoreCommand(BUCKET, KEY, {
      resource: { accountId: ACCOUNT, region: 'us-east-1' },
      deployment: PLACE,
    });

    expect(command).toBe(
      `${RESOURCE_RESTORE_TOOL} --snapshot s3://${BUCKET}/${KEY} --account ${ACCOUNT} --region us-east-1`,
    );
  });

  it('Given a key of the layout before snapshots were kept per account, Then it is still read, its place left to the ARN', () => {
    const legacy = `resources/monitoring-schedule/Churn-1/${SNAPSHOT_ID}/snapshot.json`;

    expect(parseResourceSnapshotUri(`s3://${BUCKET}/${legacy}`)).toEqual({
      bucket: BUCKET,
      key: legacy,
      kind: 'monitoring-schedule',
      name: 'Churn-1',
      snapshotId: SNAPSHOT_ID,
    });
  });
});

describe('restore-resource plan', () => {
  it("Given a monitoring schedule's snapshot, Then the plan is the engine's restore step: the schedule's configuration as it was", () => {
    const plan = buildResourceRestorePlan(scheduleSnapshot(), location(), URI);

    expect(plan).toEqual({
      label: 'monitoring schedule',
      name: 'Churn-Data-Quality',
      arn: scheduleSnapshot().arn,
      account: '111122223333',
      region: 'eu-west-1',
      engine: 'update-monitoring-schedule',
      requests: [
        {
          operation: 'UpdateMonitoringSchedule',
          input: { MonitoringScheduleName: 'Churn-Data-Quality', MonitoringScheduleConfig: CONFIG },
        },
      ],
    });
  });

  it('Given a snapshot of another resource than its key names, Then it is refused', () => {
    const refusal = refusalOf(() =>
      buildResourceRestorePlan(scheduleSnapshot({ name: 'Other-Schedule' }), location(), URI),
    );

    expect(refusal.message).toContain(
      "is of monitoring schedule Other-Schedule, but its key is monitoring schedule Churn-Data-Quality's",
    );
  });

  it('Given a snapshot taken for controls no registered engine changes, Then it is refused naming them', () => {
    const refusal = refusalOf(() =>
      buildResourceRestorePlan(scheduleSnapshot({ fixes: ['SageMaker.16'] }), location(), URI),
    );

    expect(refusal.message).toContain('this version cannot put back a snapshot taken for SageMaker.16');
  });

  it.each([
    [
      { callerAccount: MEMBER },
      `--role-arn is required: the snapshot is of a monitoring schedule in account ${ACCOUNT}, and these credentials are of account ${MEMBER}: add --account ${ACCOUNT} --region eu-west-1 --role-arn arn:aws:iam::${ACCOUNT}:role/<your-operator-role-there>`,
    ],
    [{ clientRegion: 'us-east-1' }, 'this would change one in us-east-1: pass --region eu-west-1'],
    [{ options: { region: 'us-east-1' } }, 'this would change one in us-east-1: pass --region eu-west-1'],
    [
      { options: { account: MEMBER } },
      `--account ${MEMBER} is not the snapshot's: it is of a monitoring schedule in account ${ACCOUNT}: pass --account ${ACCOUNT}`,
    ],
    [
      { options: { account: ACCOUNT, region: 'eu-west-1', roleArn: MEMBER_ROLE } },
      `--role-arn ${MEMBER_ROLE} is a role of account ${MEMBER}, and the snapshot is of a monitoring schedule in account ${ACCOUNT}`,
    ],
  ])('Given %j, Then the place is refused as a usage error naming the option', (where, message) => {
    const plan = buildResourceRestorePlan(scheduleSnapshot(), location(), URI);

    const refusal = refusalOf(() => checkPlace(plan, where));

    expect(refusal.exitCode).toBe(EXIT_USAGE);
    expect(refusal.message).toContain(message);
  });

  it("Given the snapshot's account and region, or unknown ones, or a role of its account from another, Then nothing is refused", () => {
    const plan = buildResourceRestorePlan(scheduleSnapshot(), location(), URI);
    const role = `arn:aws:iam::${ACCOUNT}:role/restore-operator`;

    expect(() => checkPlace(plan, { callerAccount: ACCOUNT, clientRegion: 'eu-west-1' })).not.toThrow();
    expect(() => checkPlace(plan, {})).not.toThrow();
    expect(() =>
      checkPlace(plan, {
        callerAccount: MEMBER,
        clientRegion: 'us-east-1',
        options: { account: ACCOUNT, region: 'eu-west-1', roleArn: role },
      }),
    ).not.toThrow();
  });

  it("Given a snapshot whose ARN is of another account than its key, Then it is refused as not the key's snapshot", () => {
    const refusal = refusalOf(() =>
      buildResourceRestorePlan(
        scheduleSnapshot({
          arn: `arn:aws:sagemaker:eu-west-1:${MEMBER}:monitoring-schedule/churn-data-quality`,
        }),
        location(),
        URI,
      ),
    );

    expect(refusal.message).toContain(`but its key is of account ${ACCOUNT} in eu-west-1`);
  });
});
