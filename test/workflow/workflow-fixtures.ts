/**
 * Shared Given/When helpers of the workflow tests: a deployment with one notebook, and readers. Every
 * deployment a helper makes is checked after its test: the deployed policies refused nothing (a test
 * that expects a refusal takes it with `takeDeniedCalls`), then its account is disposed.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { expect, onTestFinished } from 'vitest';
import type { SeedNotebookOptions } from '../../simulation/account/sagemaker.js';
import {
  type NotebookControlFindingOptions,
  notebookControlFinding,
} from '../../simulation/account/sample-findings.js';
import { LocalDeployment, type LocalDeploymentOptions } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';

export const NOTEBOOK = 'Research-Notebook';

/** The SageMaker calls that change a notebook. */
const CHANGING_OPERATIONS = new Set([
  'StopNotebookInstance',
  'StartNotebookInstance',
  'UpdateNotebookInstance',
  'DeleteNotebookInstance',
  'CreateNotebookInstance',
  'AddTags',
  'DeleteTags',
]);

export interface Scenario {
  readonly deployment: LocalDeployment;
  readonly finding: AwsSecurityFinding;
}

/**
 * Checks `deployment` after the test (no call refused) and disposes of its account. A hook of the test
 * that made it, not of the file: test files share this module when they share a worker.
 */
export function tracked(deployment: LocalDeployment): LocalDeployment {
  onTestFinished(() => {
    const denied = deniedCalls(deployment);
    for (const account of deployment.directory.all()) account.dispose();
    expect(denied, 'calls the deployed policies refused').toEqual([]);
  });
  return deployment;
}

/**
 * Every call any account of the deployment's estate refused (its own and the member accounts added), as
 * `<role> <action> <resource>`: none in a correct deployment.
 */
export function deniedCalls(deployment: LocalDeployment): string[] {
  return deployment.directory
    .all()
    .flatMap((account) => account.authorizations)
    .filter((entry) => entry.decision !== 'Allowed')
    .map((entry) => `${entry.caller.roleArn.split('/').at(-1)} ${entry.action} ${entry.resource}`);
}

/** The refusals so far, which the test expected: they no longer fail it. */
export function takeDeniedCalls(deployment: LocalDeployment): string[] {
  const denied = deniedCalls(deployment);
  for (const account of deployment.directory.all()) {
    const kept = account.authorizations.filter((entry) => entry.decision === 'Allowed');
    account.authorizations.splice(0, account.authorizations.length, ...kept);
  }
  return denied;
}

/**
 * Takes `action` out of every policy of the role (inline, or a managed one of the stack), as the
 * template granted it before a fix: the test then shows what AWS would have done without that grant.
 */
export function revokeAction(deployment: LocalDeployment, roleArn: string, action: string): void {
  const { iam } = deployment.account;
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  let found = false;
  for (const policy of iam.identityPoliciesOf(roleArn) ?? []) {
    const statements = [policy.document.Statement ?? []].flat().flatMap((entry) => {
      const statement = entry as { readonly Action?: string | string[] };
      const actions = [statement.Action ?? []].flat();
      if (!actions.includes(action)) return [statement];
      found = true;
      const rest = actions.filter((candidate) => candidate !== action);
      return rest.length > 0 ? [{ ...statement, Action: rest }] : [];
    });
    const document = { ...policy.document, Statement: statements };
    // A managed policy (named by its ARN) is changed for every role it is attached to: the stack's own.
    if (policy.name.startsWith('arn:')) iam.setManagedPolicyDocument(policy.name, document);
    else iam.putRolePolicy(roleName, { name: policy.name, document });
  }
  if (!found) throw new Error(`${roleName} has no grant of ${action} to revoke`);
}

/** Given a deployment of the stack into a fresh simulated account, with no notebook yet. */
export function givenDeployment(options: LocalDeploymentOptions = {}): LocalDeployment {
  return tracked(new LocalDeployment(options));
}

/** Given a deployment and one notebook (default: InService with root access on). */
export function givenNotebook(
  notebook: Partial<SeedNotebookOptions> = {},
  options: LocalDeploymentOptions = {},
): LocalDeployment {
  const deployment = tracked(new LocalDeployment(options));
  deployment.account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    rootAccess: 'Enabled',
    ...notebook,
  });
  return deployment;
}

export function sageMaker3Finding(options: Partial<NotebookControlFindingOptions> = {}): AwsSecurityFinding {
  return notebookControlFinding({ controlId: 'SageMaker.3', notebookName: NOTEBOOK, ...options });
}

/** When Security Hub imports the finding: run until every execution it causes has ended. */
export async function whenImported(
  deployment: LocalDeployment,
  finding: AwsSecurityFinding = sageMaker3Finding(),
): Promise<ExecutionRecord[]> {
  deployment.importFinding(finding);
  return deployment.settle();
}

/**
 * Whether an execution was a clean-up that found nothing to do. Every execution that fails through its
 * own handling ends FAILED, so its status change starts one (test/workflow/execution-cleanup.test.ts);
 * one that did anything is kept, so that a test expecting one execution fails on it.
 */
export function isIdleCleanUp(execution: ExecutionRecord): boolean {
  return execution.transitions.at(-1)?.state === 'CleanUpNotNeeded';
}

export function onlyExecution(executions: readonly ExecutionRecord[]): ExecutionRecord {
  const remediations = executions.filter((execution) => !isIdleCleanUp(execution));
  if (remediations.length !== 1) throw new Error(`expected one execution, got ${remediations.length}`);
  return remediations[0] as ExecutionRecord;
}

/**
 * The states an execution went through, after DecideEntry: every execution starts there, routing a
 * finding to PlanRemediation and a status change to PlanCleanup (test/unit/remediation-definition.test.ts).
 */
export function statesOf(execution: ExecutionRecord): string[] {
  const states = execution.transitions.map((transition) => transition.state);
  return states[0] === 'DecideEntry' ? states.slice(1) : states;
}

export function notebookNow(deployment: LocalDeployment, name = NOTEBOOK) {
  return deployment.account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
}

export function findingNow(deployment: LocalDeployment, finding: AwsSecurityFinding): AwsSecurityFinding {
  const current = deployment.account.securityHub.getFinding(finding.Id ?? '');
  if (!current) throw new Error(`finding ${finding.Id} not found`);
  return current;
}

/** The SageMaker operations that changed something, in order. */
export function changesMade(deployment: LocalDeployment): string[] {
  return deployment.account
    .callsTo('SageMaker')
    .filter((call) => CHANGING_OPERATIONS.has(call.operation) && call.outcome === 'ok')
    .map((call) => call.operation);
}

export function alerts(deployment: LocalDeployment) {
  return deployment.account.sns.messages(deployment.alertTopicArn);
}

/** The `outcome` message attribute of each alert, in the order they were published. */
export function alertOutcomes(deployment: LocalDeployment): (string | undefined)[] {
  return alerts(deployment).map((alert) => alert.MessageAttributes?.outcome?.StringValue);
}

export function lockItems(deployment: LocalDeployment) {
  return deployment.account.dynamodb.scanTable(deployment.settings.lockTableName);
}
