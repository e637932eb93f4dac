/**
 * bin/restore-resource.ts for a resource of a member account: the deployment in the administrator
 * account fixed a member's monitoring schedule after an approval, through the member role; the
 * snapshot is in the deployment's bucket under the member's account and Region, and the alert's
 * command names them. The operator reads the snapshot with their own role and makes the restore's
 * calls as a role of theirs in the member account, assumed with STS (trust and identity policies
 * evaluated by the simulated directory).
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../bin/restore-resource/arguments.js';
import {
  createResourceRestoreCommand,
  type ResourceRestoreDependencies,
} from '../../bin/restore-resource/command.js';
import { parseResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import { OPERATOR_ROLE_PLACEHOLDER } from '../../handlers/shared/restore-command.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import type { Caller } from '../../simulation/account/authorizer.js';
import { customActionEvent, resourceControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  createMemberRestoreOperator,
  createRestoreOperator,
  restoreRoleSessions,
} from '../../simulation/runner/restore-operator.js';
import { seedFailingResource } from '../../simulation/scenarios/failing-resources.js';
import { alertOutcomes, alerts, givenDeployment, takeDeniedCalls } from './workflow-fixtures.js';

const MEMBER = '444455556666';
const OTHER = '777788889999';
const HOME = 'eu-west-1';
const SCHEDULE = 'Churn-Data-Quality';

interface Scenario {
  readonly deployment: LocalDeployment;
  readonly member: SimulatedAccount;
  readonly operator: Caller;
  /** The operator's role in the member account. */
  readonly memberRole: string;
  /** The alert's command arguments, exactly. */
  readonly alertArgs: string[];
  readonly uri: string;
}

function networkIsolationOf(member: SimulatedAccount): unknown {
  const schedule = member.sagemaker.operations().DescribeMonitoringSchedule?.({
    MonitoringScheduleName: SCHEDULE,
  }) as { MonitoringScheduleConfig: { MonitoringJobDefinition: { NetworkConfig: Record<string, unknown> } } };
  return schedule.MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation;
}

/**
 * An operator approves the aggregated finding in the administrator account's Security Hub: the custom
 * action's event is that account's, whatever account the finding is of.
 */
function approveLater(deployment: LocalDeployment, finding: AwsSecurityFinding, afterMinutes: number): void {
  const home = deployment.account;
  void home.clock.sleep(afterMinutes * 60_000).then(() => {
    const current = home.securityHub.getFinding(finding.Id ?? '') ?? finding;
    home.bus.putEvent(
      customActionEvent([current], {
        actionId: deployment.customActionIds.approve,
        account: home.accountId,
        region: home.region,
        id: `click-approve-${afterMinutes}`,
      }),
    );
  });
}

/** Given a member's schedule an approved change fixed through the member role, and the alert's command. */
async function givenMemberScheduleChanged(): Promise<Scenario> {
  const deployment = givenDeployment();
  const member = deployment.addMemberAccount(MEMBER, HOME);
  seedFailingResource(member, 'SageMaker.14', SCHEDULE);
  const finding = resourceControlFinding({
    controlId: 'SageMaker.14',
    resourceName: SCHEDULE,
    account: MEMBER,
  });
  deployment.importFinding(finding);
  approveLater(deployment, finding, 5);
  await deployment.settle();
  if (alertOutcomes(deployment).at(-1) !== 'RESOLVED' || networkIsolationOf(member) !== true) {
    throw new Error(`the member's schedule was not changed: ${alertOutcomes(deployment).join(', ')}`);
  }
  const message = alerts(deployment).at(-1)?.Message ?? '';
  const command = /npx tsx bin\/restore-resource\.ts (--snapshot \S+(?: --[a-z-]+ \S+)*)/.exec(message);
  if (!command?.[1]) throw new Error(`no restore command in the alert: ${message}`);
  const alertArgs = command[1].split(' ');
  const operator = createRestoreOperator(deployment);
  return {
    deployment,
    member,
    operator,
    memberRole: createMemberRestoreOperator(deployment, member, operator),
    alertArgs,
    uri: alertArgs[1] ?? '',
  };
}

/** When the tool runs as the operator (their own clients in the administrator account). */
async function whenRestoreRuns(scenario: Scenario, args: readonly string[]) {
  const { deployment, member, operator } = scenario;
  const home = deployment.account;
  const clients = home.sdkClients(operator);
  const out: string[] = [];
  const err: string[] = [];
  const marks = { home: home.calls.length, member: member.authorizations.length };
  const command = createResourceRestoreCommand({
    sagemaker: clients.sagemaker,
    // The simulated client has the minimal `send` shape the tool uses.
    s3: clients.s3 as unknown as ResourceRestoreDependencies['s3'],
    roleSessions: restoreRoleSessions(deployment, operator),
    now: () => home.clock.now(),
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
    region: async () => home.region,
    account: async () => home.accountId,
  });
  const exitCode = await command.run(args);
  const memberAuthorizations = member.authorizations.slice(marks.member);
  return {
    exitCode,
    out: out.join('\n'),
    err: err.join('\n'),
    homeCalls: home.calls.slice(marks.home).map((call) => `${call.service} ${call.operation}`),
    memberSageMaker: memberAuthorizations
      .filter((record) => record.action.startsWith('sagemaker:'))
      .map((record) => ({
        action: record.action,
        role: record.caller.roleArn,
        session: record.caller.sessionName,
        decision: record.decision,
      })),
    denied: [...home.authorizations.slice(), ...memberAuthorizations]
      .filter(
        (record) =>
          record.caller.roleArn === operator.roleArn || record.caller.roleArn === scenario.memberRole,
      )
      .filter((record) => record.decision !== 'Allowed')
      .map((record) => `${record.action} ${record.resource}`),
  };
}

describe('restore-resource: a member account', () => {
  it("Given a member's schedule an approved change fixed, When the operator runs the alert's command with their role there, Then the schedule is the snapshot's again, changed as that role in a session named after the tool", async () => {
    const scenario = await givenMemberScheduleChanged();
    const { deployment, member, memberRole } = scenario;
    // The alert names the member's account and Region, and a role of the operator's to fill in
    expect(scenario.uri).toMatch(
      new RegExp(
        `^s3://${deployment.resourceSnapshotBucket}/resources/${MEMBER}/${HOME}/monitoring-schedule/${SCHEDULE}/`,
      ),
    );
    expect(scenario.alertArgs.slice(2)).toEqual([
      '--account',
      MEMBER,
      '--region',
      HOME,
      '--role-arn',
      `arn:aws:iam::${MEMBER}:role/${OPERATOR_ROLE_PLACEHOLDER}`,
    ]);
    const args = scenario.alertArgs.map((arg) => arg.replace(OPERATOR_ROLE_PLACEHOLDER, 'RestoreOperator'));

    const result = await whenRestoreRuns(scenario, args);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    // The snapshot read at home with the operator's own role; the update in the member account, as the member role
    expect(result.homeCalls).toEqual(['S3 GetObject']);
    expect(result.memberSageMaker).toEqual([
      {
        action: 'sagemaker:UpdateMonitoringSchedule',
        role: memberRole,
        session: expect.stringMatching(/^restore-resource-\d{8}T\d{6}Z$/),
        decision: 'Allowed',
      },
    ]);
    expect(result.denied).toEqual([]);
    const key = scenario.uri.slice(`s3://${deployment.resourceSnapshotBucket}/`.length);
    const snapshot = parseResourceSnapshot(
      deployment.account.s3.objectText(deployment.resourceSnapshotBucket, key) ?? '',
    );
    expect(snapshot.arn.split(':')[4]).toBe(MEMBER);
    expect(networkIsolationOf(member)).toBe(false);
    expect(result.out).toContain(`Calls as:     ${args.at(-1)}`);
  });

  it("Given the same snapshot, When run without --role-arn as the administrator account's operator, Then it is refused naming --role-arn and nothing is called in the member account", async () => {
    const scenario = await givenMemberScheduleChanged();

    const result = await whenRestoreRuns(scenario, scenario.alertArgs.slice(0, 2));

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(
      `--role-arn is required: the snapshot is of a monitoring schedule in account ${MEMBER}, and these credentials are of account ${homeOf(scenario).accountId}`,
    );
    expect(result.memberSageMaker).toEqual([]);
    expect(networkIsolationOf(scenario.member)).toBe(true);
  });

  it("Given --account and --role-arn of another account than the snapshot's, When run, Then it is refused naming --account, with no role assumed and nothing changed", async () => {
    const scenario = await givenMemberScheduleChanged();
    const assumed = () =>
      scenario.deployment.account.authorizations.filter((record) => record.action === 'sts:AssumeRole')
        .length;
    const before = assumed();

    const result = await whenRestoreRuns(scenario, [
      ...scenario.alertArgs.slice(0, 2),
      '--account',
      OTHER,
      '--region',
      HOME,
      '--role-arn',
      `arn:aws:iam::${OTHER}:role/RestoreOperator`,
    ]);

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.err).toContain(
      `--account ${OTHER} is not the snapshot's: it is of a monitoring schedule in account ${MEMBER}`,
    );
    expect(assumed()).toBe(before);
    expect(result.memberSageMaker).toEqual([]);
    expect(networkIsolationOf(scenario.member)).toBe(true);
  });

  it('Given a role of the member account the operator may not assume, When run with it, Then it is refused naming --role-arn and nothing is changed', async () => {
    const scenario = await givenMemberScheduleChanged();
    const args = scenario.alertArgs.map((arg) => arg.replace(OPERATOR_ROLE_PLACEHOLDER, 'SomeoneElsesRole'));

    const result = await whenRestoreRuns(scenario, args);

    const role = `arn:aws:iam::${MEMBER}:role/SomeoneElsesRole`;
    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain(`--role-arn ${role} could not be assumed (AccessDenied`);
    // STS refused it, and that was all
    expect(takeDeniedCalls(scenario.deployment)).toEqual([expect.stringContaining(`sts:AssumeRole ${role}`)]);
    expect(result.memberSageMaker).toEqual([]);
    expect(networkIsolationOf(scenario.member)).toBe(true);
  });
});

function homeOf(scenario: Scenario): SimulatedAccount {
  return scenario.deployment.account;
}
