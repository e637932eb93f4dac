/** A simulated account with the lock and approval tables and one notebook, and the planning handler. */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import type { Logger } from '../../handlers/shared/logger.js';
import type { MemberSessions } from '../../handlers/shared/member-access.js';
import type { MemberSageMaker } from '../../handlers/shared/member-clients.js';
import type { RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { IN_PLACE_LOCK_SECONDS } from '../../handlers/shared/work-budget.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { simulatedDynamoDbClient } from '../../simulation/account/dynamodb-wire.js';
import type { SeedNotebookOptions } from '../../simulation/account/sagemaker.js';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { fakeMembers } from './member-fixtures.js';
import { recordingLogger } from './recording-logger.js';
import {
  EXECUTION,
  recreationSettings,
  runtimeSettings,
  TARGET_KMS_KEY,
} from './runtime-settings-fixture.js';

export const NOTEBOOK = 'Research-Notebook';
export const NOTEBOOK_KEY = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
export const START = new Date('2026-11-23T09:00:00.000Z');
export const START_SECONDS = START.getTime() / 1000;
/** An in-place fix's lock (settings.lockSeconds). */
export const LOCK_SECONDS = IN_PLACE_LOCK_SECONDS;
export const APPROVAL_SECONDS = 604800;

export const inPlaceSettings = runtimeSettings();
export const recreating = recreationSettings();

export const rootFinding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: NOTEBOOK });
export const internetFinding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: NOTEBOOK });
export const vpcFinding = notebookControlFinding({ controlId: 'SageMaker.2', notebookName: NOTEBOOK });
export const platformFinding = notebookControlFinding({ controlId: 'SageMaker.8', notebookName: NOTEBOOK });

export const identifier = (finding: typeof rootFinding) => ({
  Id: finding.Id,
  ProductArn: finding.ProductArn,
});
/** Another execution, started when the fixture's was. */
export const executionNamed = (name: string) => ({
  id: `arn:aws:states:eu-west-1:111122223333:execution:remediation:${name}`,
  name,
  startTime: EXECUTION.startTime,
});

const accounts: SimulatedAccount[] = [];

/** Disposes of the accounts a test made. */
export function disposeAccounts(): void {
  for (const account of accounts.splice(0)) account.dispose();
}

/** An account with the lock and approval tables and one notebook (root access on, in no VPC by default). */
export function givenAccount(notebook: Partial<SeedNotebookOptions> | 'none' = {}): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.dynamodb.createTable({
    TableName: 'locks',
    partitionKey: 'lockKey',
    timeToLiveAttribute: 'expiresAt',
  });
  account.dynamodb.createTable({
    TableName: 'remediation-approvals',
    partitionKey: 'approvalKey',
    timeToLiveAttribute: 'expiresAt',
  });
  if (notebook !== 'none') {
    account.sagemaker.seedNotebook({
      name: NOTEBOOK,
      status: 'InService',
      rootAccess: 'Enabled',
      ...notebook,
    });
  }
  return account;
}

export function documentClient(account: SimulatedAccount) {
  return DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, account.administrator));
}

export function planner(
  account: SimulatedAccount,
  options: {
    settings?: RuntimeSettings;
    logger?: Logger;
    sagemaker?: Pick<SageMakerClient, 'send'>;
    members?: MemberSessions<MemberSageMaker>;
  } = {},
) {
  return createPlanHandler({
    members:
      options.members ?? fakeMembers({ sagemaker: options.sagemaker ?? account.sdkClients().sagemaker }),
    dynamodb: documentClient(account),
    settings: options.settings ?? inPlaceSettings,
    now: () => account.clock.now(),
    logger: options.logger ?? recordingLogger(),
  });
}

export function requestFor(finding: typeof rootFinding, execution = EXECUTION) {
  return { event: importedEvent(finding), execution };
}

/** The table's items in plain JSON, as the document client would read them. */
export function itemsOf(account: SimulatedAccount, table: string): unknown[] {
  const plain = (value: Record<string, unknown>): unknown => {
    if ('S' in value) return value.S;
    if ('N' in value) return Number(value.N);
    if ('L' in value) return (value.L as Record<string, unknown>[]).map(plain);
    if ('M' in value) {
      return Object.fromEntries(
        Object.entries(value.M as Record<string, Record<string, unknown>>).map(([k, v]) => [k, plain(v)]),
      );
    }
    return value;
  };
  return account.dynamodb
    .scanTable(table)
    .map((item) =>
      Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v as Record<string, unknown>)])),
    );
}

export const describeCalls = (account: SimulatedAccount) =>
  account.callsTo('SageMaker', 'DescribeNotebookInstance');

/** A notebook failing SageMaker.1, .2 and .3 at once: the usual exposed notebook. */
export const EXPOSED: Partial<SeedNotebookOptions> = {
  directInternetAccess: 'Enabled',
  rootAccess: 'Enabled',
  platformIdentifier: 'notebook-al2023-v1',
  kmsKeyId: TARGET_KMS_KEY,
};

/** What the state machine does to the plan's item: PENDING once it waits, APPROVED once a human approved. */
export function markPlan(account: SimulatedAccount, status: 'PENDING' | 'APPROVED'): void {
  account.dynamodb.updateItem({
    TableName: 'remediation-approvals',
    Key: { approvalKey: { S: NOTEBOOK_KEY } },
    UpdateExpression: 'SET #status = :status',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':status': { S: status } },
  });
}
