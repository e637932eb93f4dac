/** A notebook to snapshot, in a simulated account with the backup bucket and the lock table, and the handler. */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { silentLogger } from '../../handlers/shared/logger.js';
import type { MemberSessions } from '../../handlers/shared/member-access.js';
import { acquireLock } from '../../handlers/shared/notebook-locks.js';
import type { RemediationPlan } from '../../handlers/shared/remediation-plan.js';
import type { RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { IN_PLACE_LOCK_SECONDS } from '../../handlers/shared/work-budget.js';
import type { MemberClients } from '../../handlers/snapshot-notebook.js';
import { createSnapshotHandler } from '../../handlers/snapshot-notebook.js';
import { SimulatedAccount, type SimulatedSdkClient } from '../../simulation/account/account.js';
import { simulatedDynamoDbClient } from '../../simulation/account/dynamodb-wire.js';
import { roleIdFor } from '../../simulation/account/iam.js';
import { fakeMembers } from './member-fixtures.js';
import {
  BACKUP_BUCKET,
  EXECUTION,
  RESTORE_LIFECYCLE_CONFIG,
  recreationSettings,
  TARGET_KMS_KEY,
} from './runtime-settings-fixture.js';

export const ROLE =
  'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20261101T000000';
export const ROLE_ID = roleIdFor(ROLE);
export const BUCKET = BACKUP_BUCKET;
export const NOTEBOOK = 'Research-Notebook';
export const NOTEBOOK_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook';
export const KMS_KEY = TARGET_KMS_KEY;
export const ON_START = '#!/bin/bash\necho "installing packages"\n';
export const ON_CREATE = '#!/bin/bash\necho "first start"\n';
export const PUBLIC_REPOSITORY = 'https://github.com/example/public-data.git';
export const SNAPSHOT_PREFIX = `roles/${ROLE_ID}:SageMaker/${NOTEBOOK}/20261123T090000Z-${EXECUTION.name}`;
export const ALL_NOTEBOOK_FIXES = [
  'SageMaker.1',
  'SageMaker.2',
  'SageMaker.3',
  'SageMaker.8',
  'SageMaker.21',
];

/** The handler reads only these fields of the plan. */
export const PLAN: Pick<RemediationPlan, 'controlId' | 'finding' | 'notebook' | 'lock' | 'target'> = {
  controlId: 'SageMaker.1',
  finding: {
    id: 'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.1/finding/7a3c',
    productArn: 'arn:aws:securityhub:eu-west-1::product/aws/securityhub',
  },
  notebook: { name: NOTEBOOK, arn: NOTEBOOK_ARN },
  lock: { key: NOTEBOOK_ARN },
  target: {
    accountId: '111122223333',
    region: 'eu-west-1',
    roleArn: 'arn:aws:iam::111122223333:role/sagemaker-remediation/SageMakerRemediationMember-eu-west-1',
  },
};
export const REQUEST = { plan: PLAN, execution: EXECUTION };

export const settings = recreationSettings;

const accounts: SimulatedAccount[] = [];

/** Disposes of the accounts a test made (their storage directories). */
export function disposeAccounts(): void {
  for (const account of accounts.splice(0)) account.dispose();
}

/** An account with a notebook failing every notebook control, its lifecycle config, repository and data. */
export function exposedNotebookAccount(
  notebook: Partial<Parameters<SimulatedAccount['sagemaker']['seedNotebook']>[0]> = {},
): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  account.s3.seedBucket(BUCKET);
  account.dynamodb.createTable({
    TableName: 'locks',
    partitionKey: 'lockKey',
    timeToLiveAttribute: 'expiresAt',
  });
  account.sagemaker.seedLifecycleConfig({ name: 'install-packages', onCreate: ON_CREATE, onStart: ON_START });
  account.sagemaker.seedLifecycleConfig({
    name: RESTORE_LIFECYCLE_CONFIG,
    onCreate: '#!/bin/bash\nexit 0\n',
  });
  account.sagemaker.seedCodeRepository({
    name: 'shared-utils',
    repositoryUrl: 'https://github.com/example/shared-utils.git',
    branch: 'main',
  });
  account.sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: 'InService',
    roleArn: ROLE,
    directInternetAccess: 'Enabled',
    rootAccess: 'Enabled',
    platformIdentifier: 'notebook-al2-v3',
    volumeSizeInGB: 50,
    lifecycleConfigName: 'install-packages',
    defaultCodeRepository: 'shared-utils',
    additionalCodeRepositories: [PUBLIC_REPOSITORY],
    tags: [
      { Key: 'team', Value: 'research' },
      { Key: 'aws:cloudformation:stack-name', Value: 'research-notebooks' },
      { Key: 'cost-centre', Value: 'cc-42' },
    ],
    files: { 'analysis.ipynb': '{"cells": []}\n', 'data/raw.csv': 'a,b\n1,2\n' },
    ...notebook,
  });
  return account;
}

export function snapshotHandler(
  account: SimulatedAccount,
  options: {
    settings?: RuntimeSettings;
    s3?: SimulatedSdkClient;
    members?: MemberSessions<MemberClients>;
  } = {},
) {
  return createSnapshotHandler({
    members: options.members ?? memberClientsOf(account, options.s3),
    dynamodb: lockClient(account),
    settings: options.settings ?? settings(),
    now: () => account.clock.now(),
    logger: silentLogger,
  });
}

/** The account's own SageMaker, IAM and S3 (or `s3`), standing for the member role's session there. */
export function memberClientsOf(account: SimulatedAccount, s3?: SimulatedSdkClient) {
  const clients = account.sdkClients();
  return fakeMembers<MemberClients>({
    sagemaker: clients.sagemaker,
    // The simulated clients have the minimal `send` shape the real ones are used through.
    iam: clients.iam as unknown as Pick<IAMClient, 'send'>,
    s3: (s3 ?? clients.s3) as unknown as Pick<S3Client, 'send'>,
  });
}

export function lockClient(account: SimulatedAccount) {
  return DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, account.administrator));
}

/** Who holds the notebook's lock, and for what, or undefined when nobody does. */
export function lockHolder(account: SimulatedAccount) {
  const item = account.dynamodb.scanTable('locks')[0];
  return item
    ? {
        owner: item.ownerExecutionArn?.S,
        remediation: item.remediation?.S,
        expiresAt: Number(item.expiresAt?.N),
      }
    : undefined;
}

/** An in-place fix of root access holding the notebook's lock. */
export async function lockedByInPlaceFix(account: SimulatedAccount, owner: string) {
  await acquireLock(lockClient(account), {
    table: 'locks',
    key: NOTEBOOK_ARN,
    owner,
    remediation: 'update-notebook',
    findingId: 'root-access-finding',
    controlId: 'SageMaker.3',
    now: account.clock.now(),
    seconds: IN_PLACE_LOCK_SECONDS,
  });
}

export function json(account: SimulatedAccount, key: string): unknown {
  const text = account.s3.objectText(BUCKET, key);
  if (text === undefined) throw new Error(`no object ${key}`);
  return JSON.parse(text);
}

/** Calls that change something (anything but Describe, List and Get). */
export function changingCalls(account: SimulatedAccount): string[] {
  return account.calls
    .filter((call) => !/^(Describe|List|Get)/.test(call.operation))
    .map((call) => `${call.service} ${call.operation}`);
}
