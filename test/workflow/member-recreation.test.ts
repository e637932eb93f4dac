/**
 * A notebook of a member account recreated from the delegated administrator's deployment: the member
 * stack of that account and Region keeps the data bucket and the backup and restore lifecycle
 * configurations, the approval comes from the approvals command, and everything on the member's side is
 * done there, as the member role (the notebook's own scripts as the notebook's role), its data never
 * leaving its account. After a failed create, the note's restore command brings it back, run by an
 * operator of the administrator account as the restore role the member stack deploys there. Trust,
 * identity, bucket and key policies are all evaluated.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { EXIT_OK } from '../../bin/approvals/arguments.js';
import { createRestoreCommand, type RestoreDependencies } from '../../bin/restore-notebook/command.js';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { SimulatedAccount as Account } from '../../simulation/account/account.js';
import { AccountDirectory } from '../../simulation/account/account-directory.js';
import type { Caller } from '../../simulation/account/authorizer.js';
import { notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { createApprovalOperator } from '../../simulation/runner/approval-operator.js';
import { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { createRestoreOperator, restoreRoleSessions } from '../../simulation/runner/restore-operator.js';
import { seedTargetNetwork } from '../../simulation/scenarios/target-network.js';
import { FILES } from './recreation-fixtures.js';
import {
  alertOutcomes,
  alerts,
  findingNow,
  NOTEBOOK,
  takeDeniedCalls,
  tracked,
} from './workflow-fixtures.js';

const MEMBER = '444455556666';
const HOME = 'eu-west-1';
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/SageMakerRemediationMember-${HOME}`;
const MEMBER_BUCKET = `remediation-notebook-data-${MEMBER}-${HOME}`;
/** The member stack's restore role, which the note's restore command names. */
const RESTORE_ROLE = `arn:aws:iam::${MEMBER}:role/sagemaker-remediation/SageMakerRemediationMember-restore-${HOME}`;

interface MemberScenario {
  readonly deployment: LocalDeployment;
  readonly member: SimulatedAccount;
  readonly finding: AwsSecurityFinding;
}

/**
 * Given the administrator deployment, and a member account (with the member stack and a private subnet)
 * whose running notebook fails SageMaker.1, its finding imported: its recreation waits for approval.
 */
function givenMemberNotebookAwaitingApproval(): MemberScenario {
  const home = new Account({ strictReferences: true });
  const directory = new AccountDirectory(home);
  const member = directory.add(MEMBER, HOME, { strictReferences: true, latencyMs: home.latencyMs });
  const network = seedTargetNetwork(member);
  const deployment = tracked(
    new LocalDeployment({
      account: home,
      configuration: { modes: { 'SageMaker.1': 'approval' }, recreate: { targets: [network.target] } },
    }),
  );
  deployment.addMemberAccount(MEMBER, HOME);
  member.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    directInternetAccess: 'Enabled',
    tags: [{ Key: 'team', Value: 'research' }],
    files: FILES,
  });
  const finding = notebookControlFinding({
    controlId: 'SageMaker.1',
    notebookName: NOTEBOOK,
    account: MEMBER,
  });
  deployment.importFinding(finding);
  return { deployment, member, finding };
}

/** The arguments of the approval alert's command for `verdict`, exactly as it gives them. */
function alertCommand(deployment: LocalDeployment, verdict: 'approve' | 'reject'): string[] {
  const message = alerts(deployment).find(
    (alert) => alert.MessageAttributes?.outcome?.StringValue === 'AWAITING_APPROVAL',
  )?.Message;
  const line = new RegExp(`npx tsx bin/approvals\\.ts (${verdict} .*)$`, 'm').exec(message ?? '')?.[1];
  if (!line) throw new Error(`no ${verdict} command in the approval alert: ${message}`);
  return line.split(' ');
}

/** The approver runs the alert's command `afterMinutes` from now; the executions run meanwhile. */
async function whenDecidedWithTheCli(
  deployment: LocalDeployment,
  verdict: 'approve' | 'reject',
  extra: readonly string[] = [],
) {
  const operator = createApprovalOperator(deployment);
  const decided = deployment.account.clock
    .sleep(10 * 60_000)
    .then(() => operator.run([...alertCommand(deployment, verdict), ...extra]));
  const executions = await deployment.settle();
  return { executions, decision: await decided };
}

/** When bin/restore-notebook.ts runs with these arguments as `operator`, in the administrator account, in simulated time. */
async function whenRestoreRuns(deployment: LocalDeployment, operator: Caller, args: readonly string[]) {
  const home = deployment.account;
  const clients = home.sdkClients(operator);
  const out: string[] = [];
  const err: string[] = [];
  const exitCode = await createRestoreCommand({
    sagemaker: clients.sagemaker,
    // The simulated clients have the minimal `send` shape the tool uses.
    s3: clients.s3 as unknown as RestoreDependencies['s3'],
    iam: clients.iam as unknown as RestoreDependencies['iam'],
    roleSessions: restoreRoleSessions(deployment, operator),
    sleep: (ms) => home.clock.sleep(ms),
    now: () => home.clock.now(),
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
    region: async () => home.region,
    account: async () => home.accountId,
  }).run(args);
  return { exitCode, out: out.join('\n'), err: err.join('\n') };
}

/** Every S3 object of every account of the estate, as `<account> <bucket>/<key>`. */
function objectsEverywhere(deployment: LocalDeployment): string[] {
  return deployment.directory
    .all()
    .flatMap((account) =>
      account.s3
        .bucketNames()
        .flatMap((bucket) => account.s3.keys(bucket).map((key) => `${account.accountId} ${bucket}/${key}`)),
    );
}

describe('recreating a notebook of a member account', () => {
  it('Given a member notebook failing SageMaker.1, When the approver approves it with the approvals command, Then it is recreated in the member account with its data restored and verified, in that account only, as the member role', async () => {
    const { deployment, member, finding } = givenMemberNotebookAwaitingApproval();

    const { executions, decision } = await whenDecidedWithTheCli(deployment, 'approve');

    expect(decision.exitCode).toBe(EXIT_OK);
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    // Recreated in the member account, fixed, with its data back
    expect(member.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK })).toMatchObject({
      DirectInternetAccess: 'Disabled',
      NotebookInstanceStatus: 'InService',
    });
    expect(member.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect(alertOutcomes(deployment).at(-1)).toBe('RESOLVED');
    // The resolved alert says where the snapshot is: the member account's own bucket
    expect(alerts(deployment).at(-1)?.Message).toContain(`Snapshot: s3://${MEMBER_BUCKET}/roles/`);
    // Its data and configuration were written to the member's data bucket, and nowhere else
    const written = objectsEverywhere(deployment);
    expect(written.filter((object) => object.endsWith('/data/archive.tar'))).toEqual([
      expect.stringMatching(
        new RegExp(`^${MEMBER} ${MEMBER_BUCKET}/roles/AROA[A-Z0-9]+:SageMaker/${NOTEBOOK}/`),
      ),
    ]);
    expect(written.filter((object) => !object.startsWith(`${MEMBER} ${MEMBER_BUCKET}/`))).toEqual([]);
    expect(deployment.account.callsTo('SageMaker')).toEqual([]);
    // Every SageMaker call on the member's notebook was the member role's, and every S3 call on its
    // bucket the member role's or the notebook's own (its lifecycle scripts)
    const callers = (prefix: string) =>
      new Set(
        member.authorizations
          .filter((entry) => entry.action.startsWith(prefix) && entry.decision === 'Allowed')
          .map(
            (entry) =>
              `${entry.caller.roleArn}${entry.caller.sessionName === 'SageMaker' ? ' (notebook)' : ''}`,
          ),
      );
    expect([...callers('sagemaker:')]).toEqual([MEMBER_ROLE]);
    const s3Callers = [...callers('s3:')];
    expect(s3Callers).toContain(MEMBER_ROLE);
    expect(s3Callers.filter((caller) => caller !== MEMBER_ROLE)).toEqual([
      expect.stringMatching(/ \(notebook\)$/),
    ]);
    // The state machine's own role touched nothing in the member account but STS
    expect(
      member.authorizations.filter((entry) => entry.caller.roleArn.includes('StateMachineRole')),
    ).toEqual([]);
  });

  it("Given a member notebook whose create failed for good after the delete, When an operator holding only the stack's restore policies runs the note's command as it is, Then the notebook is back in the member account with its data verified, every call there made as the member stack's restore role", async () => {
    const { deployment, member, finding } = givenMemberNotebookAwaitingApproval();
    member.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateNotebookInstance',
      code: 'InternalFailure',
      // Every attempt, the SDK's and the Task's retries alike
      times: 1000,
    });
    const { executions } = await whenDecidedWithTheCli(deployment, 'approve');
    member.faults.reset();
    // The recreation failed (the clean-up of its ended execution, if any, follows it)
    expect(executions[0]?.status).toBe('FAILED');
    expect(member.sagemaker.hasNotebook(NOTEBOOK)).toBe(false);
    // The note's command names the snapshot in the member's bucket, the account, the Region and the restore role
    const note = findingNow(deployment, finding).Note?.Text ?? '';
    const command = new RegExp(
      `npx tsx bin/restore-notebook\\.ts (--snapshot s3://${MEMBER_BUCKET}/roles/AROA[A-Z0-9]+:SageMaker/${NOTEBOOK}/\\d{8}T\\d{6}Z-\\S+ --wait --account ${MEMBER} --region ${HOME} --role-arn ${RESTORE_ROLE})`,
    ).exec(note)?.[1];
    expect(command, note).toBeDefined();
    const args = (command ?? '').split(' ');
    // An operator without the stack's policies may not assume the role: refused before anything is read
    const refused = await whenRestoreRuns(
      deployment,
      createRestoreOperator(deployment, { roleName: 'NoPolicies', withPolicy: false }),
      args,
    );
    expect(refused.exitCode).toBe(1);
    expect(refused.err).toContain(`--role-arn ${RESTORE_ROLE} could not be assumed (AccessDenied`);
    expect(takeDeniedCalls(deployment)).toEqual([`NoPolicies sts:AssumeRole ${RESTORE_ROLE}`]);
    const marks = member.authorizations.length;

    const result = await whenRestoreRuns(deployment, createRestoreOperator(deployment), args);

    expect(result.err).toBe('');
    expect(result.exitCode).toBe(0);
    // Back, as it was before the workflow (the default --settings original), with its data
    expect(member.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK })).toMatchObject({
      DirectInternetAccess: 'Enabled',
      NotebookInstanceStatus: 'InService',
    });
    expect(member.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    // In the member account, the tool's every call was the restore role's (the restore script's the notebook's)
    const callers = new Set(
      member.authorizations
        .slice(marks)
        .map(
          (entry) =>
            `${entry.caller.roleArn}${entry.caller.sessionName === 'SageMaker' ? ' (notebook)' : ` ${entry.caller.sessionName}`}`,
        )
        .map((caller) => caller.replace(/ restore-notebook-\d{8}T\d{6}Z$/, ' (tool)')),
    );
    expect([...callers].filter((caller) => !caller.endsWith(' (notebook)'))).toEqual([
      `${RESTORE_ROLE} (tool)`,
    ]);
    const sageMaker = member.authorizations
      .slice(marks)
      .filter((entry) => entry.action.startsWith('sagemaker:') && entry.caller.roleArn === RESTORE_ROLE)
      .map((entry) => entry.action);
    expect(sageMaker).toEqual(
      expect.arrayContaining(['sagemaker:CreateNotebookInstance', 'sagemaker:UpdateNotebookInstance']),
    );
    // The keys the tool wrote: the restore request, in the member's bucket
    expect(
      member.authorizations
        .slice(marks)
        .filter((entry) => entry.action === 's3:PutObject' && entry.caller.roleArn === RESTORE_ROLE)
        .map((entry) => entry.resource),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          `^arn:aws:s3:::${MEMBER_BUCKET}/roles/AROA[A-Z0-9]+:SageMaker/${NOTEBOOK}/restore-request\\.json$`,
        ),
      ),
    ]);
  });

  it('Given a member notebook failing SageMaker.1, When the approver rejects it with the approvals command, Then nothing in the member account changes and nothing is written there', async () => {
    const { deployment, member, finding } = givenMemberNotebookAwaitingApproval();
    const before = member.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK });

    const { executions, decision } = await whenDecidedWithTheCli(deployment, 'reject', [
      '--reason',
      'not during the quarter close',
    ]);

    expect(decision.exitCode).toBe(EXIT_OK);
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    expect(member.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK })).toEqual(before);
    expect(member.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    expect(
      member
        .callsTo('SageMaker')
        .filter((call) => !/^(Describe|List)/.test(call.operation))
        .map((call) => call.operation),
    ).toEqual([]);
    expect(objectsEverywhere(deployment)).toEqual([]);
    expect(findingNow(deployment, finding).Note?.Text).toContain('not during the quarter close');
    expect(alertOutcomes(deployment).at(-1)).toBe('REJECTED');
  });
});
