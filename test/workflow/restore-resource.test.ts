/**
 * bin/restore-resource.ts putting back what an approved change of a resource other than a notebook
 * changed: the deployed stack fixes a monitoring schedule (SageMaker.14) after an approval, the
 * outcome alert gives the restore command, and the operator runs it exactly as given, as a role
 * holding only the stack's restore operator policies, in the simulated account that authorizes every
 * call.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../bin/restore-resource/arguments.js';
import {
  createResourceRestoreCommand,
  type ResourceRestoreDependencies,
} from '../../bin/restore-resource/command.js';
import { parseResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import type { Caller } from '../../simulation/account/authorizer.js';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  createRestoreOperator,
  RESTORE_RESOURCE_OPERATOR_POLICY_OUTPUT,
  restoreOperatorPolicyArn,
} from '../../simulation/runner/restore-operator.js';
import { seedFailingResource } from '../../simulation/scenarios/failing-resources.js';
import { clickLater } from './recreation-fixtures.js';
import { alertOutcomes, alerts, givenDeployment } from './workflow-fixtures.js';

const SCHEDULE = 'Churn-Data-Quality';
const NETWORK_CONFIG = { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false };
const READ_ONLY = /^(Describe|List|Get|Head)/;

interface Scenario {
  readonly deployment: LocalDeployment;
  readonly operator: Caller;
  /** The arguments of the command in the outcome alert, exactly. */
  readonly alertArgs: string[];
  readonly bucket: string;
  readonly key: string;
}

/** Given a schedule failing SageMaker.14 that an approved change fixed in place, and the alert's command. */
async function givenScheduleChangedAfterApproval(): Promise<Scenario> {
  const deployment = givenDeployment();
  seedFailingResource(deployment.account, 'SageMaker.14', SCHEDULE);
  const finding = resourceControlFinding({ controlId: 'SageMaker.14', resourceName: SCHEDULE });
  deployment.importFinding(finding);
  clickLater(deployment, 'approve', finding as AwsSecurityFinding, 5);
  await deployment.settle();
  if (
    alertOutcomes(deployment).at(-1) !== 'RESOLVED' ||
    networkConfigOf(deployment).EnableNetworkIsolation !== true
  ) {
    throw new Error(`the change was not made: ${alertOutcomes(deployment).join(', ')}`);
  }
  const message = alerts(deployment).at(-1)?.Message ?? '';
  const command = /npx tsx bin\/restore-resource\.ts (--snapshot \S+)/.exec(message);
  if (!command?.[1]) throw new Error(`no restore command in the alert: ${message}`);
  const alertArgs = command[1].split(' ');
  const uri = alertArgs[1] ?? '';
  const bucket = uri.slice('s3://'.length, uri.indexOf('/', 's3://'.length));
  return {
    deployment,
    operator: createRestoreOperator(deployment),
    alertArgs,
    bucket,
    key: uri.slice(`s3://${bucket}/`.length),
  };
}

interface RunResult {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  /** Every call made while the tool ran, `Service Operation`. */
  readonly calls: string[];
  readonly changes: string[];
  /** The caller's authorizations that were refused. */
  readonly denied: string[];
  /** The resource restore policy's statements that allowed the calls. */
  readonly usedStatements: string[];
  /** The caller's authorizations that the resource restore policy alone would not have allowed. */
  readonly beyondResourcePolicy: string[];
}

/** When the tool runs with these arguments as `caller`, the clients in `region` (default the account's). */
async function whenRestoreRuns(
  deployment: LocalDeployment,
  caller: Caller,
  args: readonly string[],
  options: { region?: string } = {},
): Promise<RunResult> {
  const { account } = deployment;
  const clients = account.sdkClients(caller);
  const out: string[] = [];
  const err: string[] = [];
  const calls = account.calls.length;
  const authorizations = account.authorizations.length;
  const command = createResourceRestoreCommand({
    sagemaker: clients.sagemaker,
    // The simulated client has the minimal `send` shape the tool uses.
    s3: clients.s3 as unknown as ResourceRestoreDependencies['s3'],
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
    region: async () => options.region ?? account.region,
    account: async () => account.accountId,
  });
  const exitCode = await command.run(args);
  const made = account.calls.slice(calls).map((call) => `${call.service} ${call.operation}`);
  const mine = account.authorizations
    .slice(authorizations)
    .filter((record) => record.caller.roleArn === caller.roleArn);
  const policyArn = restoreOperatorPolicyArn(deployment, RESTORE_RESOURCE_OPERATOR_POLICY_OUTPUT);
  const byPolicy = (record: (typeof mine)[number]) =>
    record.allowedBy.filter((statement) => statement.startsWith(`${policyArn}#`));
  return {
    exitCode,
    out: out.join('\n'),
    err: err.join('\n'),
    calls: made,
    changes: made.filter((call) => !READ_ONLY.test(call.split(' ')[1] ?? '')),
    denied: mine
      .filter((record) => record.decision !== 'Allowed')
      .map((record) => `${record.action} ${record.resource}`),
    usedStatements: [
      ...new Set(mine.flatMap(byPolicy).map((statement) => statement.slice(policyArn.length + 1))),
    ].sort(),
    beyondResourcePolicy: mine
      .filter((record) => byPolicy(record).length === 0)
      .map((record) => `${record.action} ${record.resource}`),
  };
}

function scheduleNow(deployment: LocalDeployment) {
  return deployment.account.sagemaker.operations().DescribeMonitoringSchedule?.({
    MonitoringScheduleName: SCHEDULE,
  }) as { MonitoringScheduleConfig: { MonitoringJobDefinition: { NetworkConfig: Record<string, unknown> } } };
}

function networkConfigOf(deployment: LocalDeployment) {
  return scheduleNow(deployment).MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig;
}

describe('restore-resource: after an approved change of a monitoring schedule', () => {
  it("Given a schedule an approved change fixed, When the operator runs the alert's command, Then the schedule's definition is the snapshot's again, through the engine's restore step, with no call denied", async () => {
    const scenario = await givenScheduleChangedAfterApproval();
    const { deployment, operator } = scenario;

    const result = await whenRestoreRuns(deployment, operator, scenario.alertArgs);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    // The snapshot read, then the restore step's one call: nothing else
    expect(result.calls).toEqual(['S3 GetObject', 'SageMaker UpdateMonitoringSchedule']);
    expect(result.denied).toEqual([]);
    const snapshot = parseResourceSnapshot(
      deployment.account.s3.objectText(scenario.bucket, scenario.key) ?? '',
    );
    expect(scheduleNow(deployment).MonitoringScheduleConfig).toEqual(
      snapshot.description.MonitoringScheduleConfig,
    );
    expect(networkConfigOf(deployment)).toEqual(NETWORK_CONFIG);
    // The resource tool's own policy allows every call: the snapshot, its key through S3, the update
    // and the PassRole of the embedded job's role
    expect(result.beyondResourcePolicy).toEqual([]);
    expect(result.usedStatements).toEqual([
      'ResourceRestoreMonitoringSchedule',
      'ResourceRestorePassRoles',
      'ResourceRestoreSnapshotKey',
      'ResourceRestoreSnapshotReads',
    ]);
    // What it did, and what to check next
    expect(result.out).toContain(`Restoring monitoring schedule ${SCHEDULE}`);
    expect(result.out).toContain(`- UpdateMonitoringSchedule (MonitoringScheduleName=${SCHEDULE}): done`);
    expect(result.out).toContain(
      `aws sagemaker describe-monitoring-schedule --monitoring-schedule-name ${SCHEDULE} --region ${deployment.account.region}`,
    );
    // The change fixed the sibling control too (one plan): both fail again
    expect(result.out).toContain('It fails SageMaker.14, SageMaker.22 again');
  });

  it("Given a change the workflow rolled back itself, When the operator runs the tool on its snapshot, Then it sends exactly the roll-back's request, once the schedule has settled", async () => {
    const deployment = givenDeployment();
    seedFailingResource(deployment.account, 'SageMaker.14', SCHEDULE);
    deployment.account.sagemaker.monitoring.failNextUpdate(SCHEDULE, 'Role cannot be assumed');
    const finding = resourceControlFinding({ controlId: 'SageMaker.14', resourceName: SCHEDULE });
    deployment.importFinding(finding);
    clickLater(deployment, 'approve', finding as AwsSecurityFinding, 5);
    await deployment.settle();
    const updates = () =>
      deployment.account.calls.filter(
        (call) => call.operation === 'UpdateMonitoringSchedule' && call.outcome === 'ok',
      );
    // The fix, then RollBackResourceChange's restore step
    const rollBack = updates()[1]?.input;
    expect(rollBack).toBeDefined();
    const [key] = deployment.account.s3.keys(
      deployment.resourceSnapshotBucket,
      `resources/${deployment.account.accountId}/${deployment.account.region}/monitoring-schedule/${SCHEDULE}/`,
    );
    const args = ['--snapshot', `s3://${deployment.resourceSnapshotBucket}/${key}`];
    const operator = createRestoreOperator(deployment);

    // Right after the roll-back the schedule is Pending, and SageMaker refuses any update until it settles
    const early = await whenRestoreRuns(deployment, operator, args);

    expect(early.exitCode).toBe(EXIT_FAILED);
    expect(early.err).toContain(
      `error: UpdateMonitoringSchedule (MonitoringScheduleName=${SCHEDULE}) failed: ValidationException: Monitoring schedule in status Pending`,
    );
    expect(early.err).toContain(
      `Made: nothing. Not made: UpdateMonitoringSchedule (MonitoringScheduleName=${SCHEDULE}). The snapshot is untouched.`,
    );
    expect(early.err).toContain(`npx tsx bin/restore-resource.ts --snapshot ${args[1]}`);

    // Once it has settled, the same command
    await deployment.account.clock.sleep(30 * 60_000);
    const result = await whenRestoreRuns(deployment, operator, args);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    expect(updates()).toHaveLength(3);
    expect(updates()[2]?.input).toEqual(rollBack);
  });

  it('Given the same snapshot, When run with --dry-run, Then it prints the UpdateMonitoringSchedule request and changes nothing', async () => {
    const scenario = await givenScheduleChangedAfterApproval();
    const { deployment, operator } = scenario;

    const result = await whenRestoreRuns(deployment, operator, [...scenario.alertArgs, '--dry-run']);

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.calls).toEqual(['S3 GetObject']);
    expect(result.denied).toEqual([]);
    expect(networkConfigOf(deployment)).toEqual({
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: true,
    });
    expect(result.out).toContain(`Dry run: would restore monitoring schedule ${SCHEDULE}`);
    expect(result.out).toContain('1. UpdateMonitoringSchedule request:');
    expect(result.out).toContain('"EnableNetworkIsolation": false');
    expect(result.out).toContain('Dry run: nothing was changed.');
  });

  it('Given clients in another region than the snapshot, When run, Then it refuses with exit 2 and calls SageMaker not at all', async () => {
    const scenario = await givenScheduleChangedAfterApproval();
    const { deployment, operator } = scenario;

    const result = await whenRestoreRuns(deployment, operator, scenario.alertArgs, { region: 'us-east-1' });

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.calls).toEqual(['S3 GetObject']);
    expect(result.err).toContain(
      `the snapshot is of a monitoring schedule in ${deployment.account.region}, and this would change one in us-east-1: pass --region ${deployment.account.region}`,
    );
    expect(networkConfigOf(deployment).EnableNetworkIsolation).toBe(true);
  });

  it('Given --region of another region, When run, Then it refuses with exit 2 and calls SageMaker not at all', async () => {
    const scenario = await givenScheduleChangedAfterApproval();
    const { deployment, operator } = scenario;

    const result = await whenRestoreRuns(deployment, operator, [
      ...scenario.alertArgs,
      '--region',
      'us-west-2',
    ]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.calls.filter((call) => call.startsWith('SageMaker'))).toEqual([]);
    expect(result.err).toContain('pass --region');
  });

  it.each([
    ['a key outside resources/', (bucket: string) => `s3://${bucket}/other/${SCHEDULE}/snapshot.json`],
    [
      'no snapshot id',
      (bucket: string) => `s3://${bucket}/resources/monitoring-schedule/${SCHEDULE}/snapshot.json`,
    ],
    ['an https URL', (bucket: string) => `https://${bucket}.s3.amazonaws.com/resources/x`],
  ])(
    'Given a malformed URI (%s), When run, Then it refuses with exit 2 naming --snapshot and calls nothing',
    async (_case, uri) => {
      const scenario = await givenScheduleChangedAfterApproval();
      const { deployment, operator } = scenario;

      const result = await whenRestoreRuns(deployment, operator, ['--snapshot', uri(scenario.bucket)]);

      expect(result.exitCode).toBe(EXIT_USAGE);
      expect(result.calls).toEqual([]);
      expect(result.err).toContain(`error: --snapshot ${uri(scenario.bucket)} `);
    },
  );

  it('Given a well-formed URI of no snapshot, When run, Then it refuses with exit 2 and changes nothing', async () => {
    const scenario = await givenScheduleChangedAfterApproval();
    const { deployment, operator } = scenario;
    const missing = scenario.key.replace(/\/\d{8}T\d{6}Z-/, '/20200101T000000Z-');

    const result = await whenRestoreRuns(deployment, operator, [
      '--snapshot',
      `s3://${scenario.bucket}/${missing}`,
    ]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.changes).toEqual([]);
    expect(result.denied).toEqual([]);
    expect(result.err).toContain(`no snapshot at s3://${scenario.bucket}/${missing}`);
  });
});
