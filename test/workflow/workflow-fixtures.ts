/** Shared Given/When helpers of the workflow tests: a deployment with one notebook, and readers. */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
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

/** Given a deployment and one notebook (default: InService with root access on). */
export function givenNotebook(
  notebook: Partial<SeedNotebookOptions> = {},
  options: LocalDeploymentOptions = {},
): LocalDeployment {
  const deployment = new LocalDeployment(options);
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

export function onlyExecution(executions: readonly ExecutionRecord[]): ExecutionRecord {
  if (executions.length !== 1) throw new Error(`expected one execution, got ${executions.length}`);
  return executions[0] as ExecutionRecord;
}

export function statesOf(execution: ExecutionRecord): string[] {
  return execution.transitions.map((transition) => transition.state);
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
