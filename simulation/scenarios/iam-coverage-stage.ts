/**
 * The Given and When of the IAM coverage scenarios (iam-coverage-scenarios.ts): a notebook, findings,
 * clicks on custom actions, the restore tool run as the operator role, and checks that a scenario
 * reached the outcome it is there for.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { createRestoreCommand, type RestoreDependencies } from '../../bin/restore-notebook/command.js';
import type { CustomAction } from '../../handlers/shared/custom-action-event.js';
import type { SimulatedAccount } from '../account/account.js';
import type { Caller } from '../account/authorizer.js';
import type { SeedNotebookOptions } from '../account/sagemaker.js';
import { customActionEvent, notebookControlFinding } from '../account/sample-findings.js';
import type { LocalDeployment } from '../runner/local-deployment.js';
import type { ExecutionRecord } from '../runner/local-state-machine.js';
import { createRestoreOperator, restoreRoleSessions } from '../runner/restore-operator.js';
import type { TargetNetwork } from './target-network.js';

export const NOTEBOOK = 'Iam-Notebook';
export const FILES = { 'analysis.ipynb': '{"cells": []}\n', 'data/train.csv': 'a,b\n1,2\n' };
export const APPROVAL = { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' } as const;

export interface Stage {
  readonly account: SimulatedAccount;
  readonly network: TargetNetwork;
  readonly deployment: LocalDeployment;
}

export interface CoverageScenario {
  readonly name: string;
  /** The `remediation` configuration, given the seeded network (default: none, all defaults). */
  readonly configuration?: (network: TargetNetwork) => Record<string, unknown>;
  run(stage: Stage): Promise<void>;
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

export function seedNotebook(stage: Stage, options: Partial<SeedNotebookOptions> = {}): void {
  stage.account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    rootAccess: 'Enabled',
    directInternetAccess: 'Enabled',
    files: FILES,
    ...options,
  });
}

export const finding = (controlId: string): AwsSecurityFinding =>
  notebookControlFinding({ controlId, notebookName: NOTEBOOK });

/** A person clicks a custom action on the finding, `minutes` of simulated time from now. */
export function click(stage: Stage, action: CustomAction, target: AwsSecurityFinding, minutes: number): void {
  const { account, deployment } = stage;
  void account.clock.sleep(minutes * 60_000).then(() => {
    const current = account.securityHub.getFinding(target.Id ?? '') ?? target;
    account.bus.putEvent(
      customActionEvent([current], {
        actionId: deployment.customActionIds[action],
        id: `${action}-${minutes}`,
      }),
    );
  });
}

export async function imported(
  stage: Stage,
  controls: readonly string[],
  clicks: ReadonlyArray<readonly [CustomAction, number]> = [],
): Promise<ExecutionRecord[]> {
  const findings = controls.map(finding);
  for (const each of findings) stage.deployment.importFinding(each);
  for (const [action, minutes] of clicks) click(stage, action, findings[0] as AwsSecurityFinding, minutes);
  return stage.deployment.settle();
}

export function statuses(executions: readonly ExecutionRecord[]): string {
  return executions
    .map((execution) => `${execution.status}${execution.error ? ` ${execution.error}` : ''}`)
    .join(', ');
}

export const notebookNow = (stage: Stage) =>
  stage.account.sagemaker.describeNotebookInstance({ NotebookInstanceName: NOTEBOOK });

export const workflowStatus = (stage: Stage, controlId: string) =>
  stage.account.securityHub.getFinding(finding(controlId).Id ?? '')?.Workflow?.Status;

export const changed = (stage: Stage, operation: string) =>
  stage.account.calls.some((call) => call.operation === operation && call.outcome === 'ok');

/** A private repository behind a secret (named as the AWS managed notebook policies expect). */
export function seedSecretRepository(stage: Stage): string {
  const secretArn = stage.account.secretsManager.seedSecret({
    name: 'sagemaker-git-credentials',
    value: '{"username":"ci","password":"x"}',
  });
  stage.account.sagemaker.seedCodeRepository({
    name: 'private-models',
    repositoryUrl: 'https://git.example.com/models.git',
    secretArn,
  });
  return 'private-models';
}

export const RECREATE = (network: TargetNetwork) => ({
  modes: APPROVAL,
  recreate: { targets: [network.target] },
});
/** No copy: the scenarios that need none for their grants skip the scripts' real time. */
export const DATA_LOSS_ACCEPTED = ['SageMaker.1', 'SageMaker.2'];
export const RECREATE_WITHOUT_DATA = (network: TargetNetwork) => ({
  modes: APPROVAL,
  recreate: { targets: [network.target], acceptDataLoss: DATA_LOSS_ACCEPTED },
});
export const RECREATE_INTO_KEY = (network: TargetNetwork) => ({
  modes: APPROVAL,
  recreate: { targets: [{ ...network.target, kmsKeyId: network.key.arn }] },
});

/**
 * bin/restore-notebook.ts's command, run as the operator role holding the stack's restore policies
 * (created here unless given), which may assume a restore role for --role-arn.
 */
export async function runRestoreTool(
  stage: Stage,
  args: readonly string[],
  operator: Caller = createRestoreOperator(stage.deployment),
): Promise<number> {
  const { account } = stage;
  const clients = account.sdkClients(operator);
  const output: string[] = [];
  const exitCode = await createRestoreCommand({
    sagemaker: clients.sagemaker,
    // The simulated clients have the minimal `send` shape the tool uses.
    s3: clients.s3 as unknown as RestoreDependencies['s3'],
    iam: clients.iam as unknown as RestoreDependencies['iam'],
    roleSessions: restoreRoleSessions(stage.deployment, operator),
    sleep: (ms) => account.clock.sleep(ms),
    now: () => account.clock.now(),
    print: (line) => output.push(line),
    region: async () => account.region,
    account: async () => account.accountId,
  }).run(args);
  if (exitCode !== 0) throw new Error(`the restore tool failed:\n${output.join('\n')}`);
  return exitCode;
}
