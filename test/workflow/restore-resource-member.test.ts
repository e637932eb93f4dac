/**
 * bin/restore-resource.ts for a resource of a member account: the deployment in the administrator
 * account fixed a member's monitoring schedule after an approval, through the member role; the
 * snapshot is in the deployment's bucket under the member's account and Region, and the alert's
 * command names them and the restore role the member stack deploys there. The operator, holding only
 * the stack's two restore policies, reads the snapshot with their own role and makes the restore's
 * calls as that restore role, assumed with STS (trust and identity policies evaluated by the simulated
 * directory).
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../../bin/restore-resource/arguments.js';
import {
  createResourceRestoreCommand,
  type ResourceRestoreDependencies,
} from '../../bin/restore-resource/command.js';
import { parseResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import type { Caller } from '../../simulation/account/authorizer.js';
import { customActionEvent, resourceControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  createMemberRestoreOperator,
  createRestoreOperator,
  memberRestoreRoleArn,
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
  /** The member stack's restore role in the member account. */
  readonly restoreRole: string;
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
    restoreRole: memberRestoreRoleArn(deployment, member),
    alertArgs,
    uri: alertArgs[1] ?? '',
  };
}

/** When the tool runs as the operator (their own clients in the administrator account). */
async function whenRestoreRuns(
  scenario: Scenario,
  args: readonly string[],
  memberRole = scenario.restoreRole,
) {
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
      .filter((record) => record.caller.roleArn === operator.roleArn || record.caller.roleArn === memberRole)
      .filter((record) => record.decision !== 'Allowed')
      .map((record) => `${record.action} ${record.resource}`),
  };
}

describe('restore-resource: a member account', () => {
  it("Given a member's schedule an approved change fixed, When the operator holding only the stack's restore policies runs the alert's command as it is, Then the schedule is the snapshot's again, changed as the member stack's restore role in a session named after the tool", async () => {
    const scenario = await givenMemberScheduleChanged();
    const { deployment, member, restoreRole } = scenario;
    // The alert names the member's account and Region, and the restore role there
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
      `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/SageMakerRemediationMember-restore-${HOME}`,
    ]);
    expect(restoreRole).toBe(scenario.alertArgs.at(-1));

    const result = await whenRestoreRuns(scenario, scenario.alertArgs);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(EXIT_OK);
    // The snapshot read at home with the operator's own role; the update in the member account, as the restore role
    expect(result.homeCalls).toEqual(['S3 GetObject']);
    expect(result.memberSageMaker).toEqual([
      {
        action: 'sagemaker:UpdateMonitoringSchedule',
        role: restoreRole,
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
    expect(result.out).toContain(`Calls as:     ${restoreRole}`);
  });

  it("Given a role the operator built by hand in the member account instead, When the alert's command runs with it, Then the schedule is put back as that role", async () => {
    const scenario = await givenMemberScheduleChanged();
    const handBuilt = createMemberRestoreOperator(scenario.deployment, scenario.member, scenario.operator);
    const args = [...scenario.alertArgs.slice(0, -1), handBuilt];

    const result = await whenRestoreRuns(scenario, args, handBuilt);

    expect(result.exitCode).toBe(EXIT_OK);
    expect(result.memberSageMaker.map(({ action, role }) => `${action} ${role}`)).toEqual([
      `sagemaker:UpdateMonitoringSchedule ${handBuilt}`,
    ]);
    expect(result.denied).toEqual([]);
    expect(networkIsolationOf(scenario.member)).toBe(false);
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

  it("Given another role of the member account, trusting the administrator account, When run with it, Then it is refused naming --role-arn, as the stack's policies may assume the restore roles only, and nothing is changed", async () => {
    const scenario = await givenMemberScheduleChanged();
    const role = scenario.member.iam.createRole({
      roleName: 'SomeoneElsesRole',
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${homeOf(scenario).accountId}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      },
    });
    const args = [...scenario.alertArgs.slice(0, -1), role];

    const result = await whenRestoreRuns(scenario, args, role);

    expect(result.exitCode).toBe(EXIT_FAILED);
    expect(result.err).toContain(`--role-arn ${role} could not be assumed (AccessDenied`);
    // STS refused it, and that was all
    expect(takeDeniedCalls(scenario.deployment)).toEqual([expect.stringContaining(`sts:AssumeRole ${role}`)]);
    expect(result.memberSageMaker).toEqual([]);
    expect(networkIsolationOf(scenario.member)).toBe(true);
  });
});

describe("the member stack's restore role: who may assume it", () => {
  it("Given a member account with the member stack, When the operator holding the stack's restore policies, an operator without them, and the deployment's own roles assume its restore role, Then STS lets only the first in", async () => {
    const deployment = givenDeployment();
    const member = deployment.addMemberAccount(MEMBER, HOME);
    const restoreRole = memberRestoreRoleArn(deployment, member);
    const assume = (caller: Caller) =>
      deployment.directory
        .stsClient(caller, HOME)
        .send(new AssumeRoleCommand({ RoleArn: restoreRole, RoleSessionName: 'restore-check' }))
        .then(
          () => 'assumed',
          (error: Error) => error.name,
        );
    // (the deployment's roles may assume `<roleName>-*`, the member roles' names, which this one's matches too)
    const changeResource = deployment.functionCaller(deployment.deployedFunction('ChangeResource'));

    const outcomes = {
      operator: await assume(createRestoreOperator(deployment)),
      withoutPolicies: await assume(
        createRestoreOperator(deployment, { roleName: 'NoPolicies', withPolicy: false }),
      ),
      stateMachine: await assume(deployment.stateMachineCaller),
      changeResource: await assume(changeResource),
    };

    expect(outcomes).toEqual({
      operator: 'assumed',
      withoutPolicies: 'AccessDenied',
      stateMachine: 'AccessDenied',
      changeResource: 'AccessDenied',
    });
    expect(takeDeniedCalls(deployment)).toEqual(
      ['NoPolicies', deployment.stateMachineCaller.roleArn, changeResource.roleArn].map(
        (role) => `${role.split('/').at(-1)} sts:AssumeRole ${restoreRole}`,
      ),
    );
  });
});

function homeOf(scenario: Scenario): SimulatedAccount {
  return scenario.deployment.account;
}
