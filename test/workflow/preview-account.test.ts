/**
 * bin/preview.ts against the simulated account, which authorizes every call: the failing resources an
 * operator seeded and what the repository's configuration would do to each, with no call that
 * changes anything, as a role holding only the policy docs/preview.md documents.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPreviewCommand } from '../../bin/preview/command.js';
import { formatDuration, tableCells } from '../../bin/preview/format.js';
import type { PreviewReport } from '../../bin/preview/plan.js';
import { PREVIEW_CALLS, previewPolicy, READ_ONLY_OPERATION } from '../../bin/preview/read-calls.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import type { Caller } from '../../simulation/account/authorizer.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SUBNET = 'subnet-0a1b2c3d4e5f60718';

/** A notebook that passes every notebook control but those the options change. */
const compliant = {
  rootAccess: 'Disabled',
  directInternetAccess: 'Disabled',
  subnetId: SUBNET,
  kmsKeyId: KEY,
  platformIdentifier: 'notebook-al2023-v1',
} as const;

const accounts: SimulatedAccount[] = [];
afterEach(() => {
  for (const account of accounts.splice(0)) account.dispose();
});

/** Given the account of the brief: three failing notebooks (one exempt), a job definition and an endpoint configuration, and a compliant one of each. */
function givenAccount(): SimulatedAccount {
  const account = new SimulatedAccount({ accountId: ACCOUNT, region: REGION });
  accounts.push(account);
  const { sagemaker } = account;
  sagemaker.seedNotebook({ name: 'Root-Notebook', ...compliant, rootAccess: 'Enabled' });
  sagemaker.seedNotebook({ name: 'Exposed-Notebook', ...compliant, directInternetAccess: 'Enabled' });
  sagemaker.seedNotebook({
    name: 'Exempt-Notebook',
    ...compliant,
    rootAccess: 'Enabled',
    tags: [{ Key: 'securityhub-remediation', Value: 'skip' }],
  });
  sagemaker.seedNotebook({ name: 'Compliant-Notebook', ...compliant });
  const isolated = { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true };
  sagemaker.monitoring.seedJobDefinition('DataQuality', {
    name: 'churn-data-quality',
    networkConfig: { ...isolated, EnableNetworkIsolation: false },
  });
  sagemaker.monitoring.seedJobDefinition('DataQuality', {
    name: 'fraud-data-quality',
    networkConfig: isolated,
  });
  sagemaker.inference.seedModel({
    name: 'churn-model',
    enableNetworkIsolation: true,
    primaryContainer: {
      Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/churn:1`,
      ImageConfig: { RepositoryAccessMode: 'Vpc' },
    },
  });
  sagemaker.inference.seedEndpointConfig({ name: 'churn-single', modelName: 'churn-model' });
  sagemaker.inference.seedEndpointConfig({
    name: 'churn-pair',
    productionVariants: [
      {
        VariantName: 'AllTraffic',
        ModelName: 'churn-model',
        InitialInstanceCount: 2,
        InstanceType: 'ml.m5.large',
      },
    ],
  });
  sagemaker.inference.seedEndpoint({ name: 'churn-endpoint', endpointConfigName: 'churn-single' });
  return account;
}

interface Run {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  /** `Operation` of every call made while it ran. */
  readonly operations: string[];
  /** `action resource` of every authorization refused. */
  readonly denied: string[];
}

async function whenPreviewRuns(
  account: SimulatedAccount,
  args: readonly string[],
  options: { caller?: Caller; cdkJson?: unknown } = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const calls = account.calls.length;
  const authorizations = account.authorizations.length;
  const clients = account.sdkClients(options.caller);
  const command = createPreviewCommand({
    clients: () => ({ sagemaker: clients.sagemaker, accountId: async () => account.accountId }),
    ...(options.cdkJson === undefined ? {} : { readText: () => JSON.stringify(options.cdkJson) }),
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
  });
  const exitCode = await command.run(args);
  return {
    exitCode,
    out: out.join('\n'),
    err: err.join('\n'),
    operations: account.calls.slice(calls).map((call) => call.operation),
    denied: account.authorizations
      .slice(authorizations)
      .filter((record) => record.decision !== 'Allowed')
      .map((record) => `${record.action} ${record.resource}`),
  };
}

const rowsOf = (run: Run) => (JSON.parse(run.out) as PreviewReport).rows;

/** Given a role of the account whose only policy is the one docs/preview.md gives, less `without`. */
function givenReadOnlyRole(account: SimulatedAccount, without: readonly string[] = []): Caller {
  const policy = previewPolicy();
  const document = {
    ...policy,
    Statement: policy.Statement.map((statement) => ({
      ...statement,
      Action: statement.Action.filter((action) => !without.includes(action)),
    })),
  };
  const roleArn = account.iam.createRole({
    roleName: 'SecurityAuditPreview',
    inlinePolicies: [{ name: 'SageMakerRemediationPreview', document }],
  });
  return account.callerFor(roleArn, 'preview');
}

describe('the preview against an account', () => {
  it("Given failing and passing resources and the repository's cdk.json, When previewed, Then each failing control is listed with what would happen, and nothing was changed", async () => {
    // Given
    const account = givenAccount();

    // When
    const run = await whenPreviewRuns(account, ['--region', REGION, '--json']);

    // Then
    expect(run.exitCode).toBe(0);
    const rows = rowsOf(run);
    expect(rows.map(tableCells)).toEqual([
      [
        'notebook-instance/Exempt-Notebook (InService)',
        'SageMaker.3',
        'in place',
        'auto',
        'exempt, not changed',
        'no',
        'yes',
        'none',
      ],
      [
        'notebook-instance/Exposed-Notebook (InService)',
        'SageMaker.1',
        'recreate',
        'approval',
        'fixed after approval',
        'yes',
        'no',
        '22:10',
      ],
      [
        'notebook-instance/Root-Notebook (InService)',
        'SageMaker.3',
        'in place',
        'auto',
        'fixed at once',
        'no',
        'no',
        '5:00',
      ],
      [
        'endpoint-config/churn-single',
        'SageMaker.4',
        'recreate',
        'approval',
        'fixed after approval',
        'yes',
        'no',
        'none',
      ],
      [
        'data-quality-job-definition/churn-data-quality',
        'SageMaker.11',
        'recreate',
        'approval',
        'fixed after approval',
        'yes',
        'no',
        'none',
      ],
    ]);
    // In its own subnet already, the notebook keeps it: the recreation needs no target.
    expect(rows[1]?.snapshot).toBe(
      'configuration (settings, tags, lifecycle configuration, code repositories) and the data on /home/ec2-user/SageMaker (5 GiB volume), to S3',
    );
    expect(rows[3]?.steps).toEqual([
      'wait for approval (the Security Hub "Approve" action, or npm run approvals -- approve)',
      'snapshot its definition and tags',
      'create a copy of churn-single with the fix',
      'UpdateEndpoint churn-endpoint to the copy',
      'delete churn-single once no endpoint uses it',
      'verify that churn-single passes SageMaker.4',
    ]);
    expect(rows[3]?.downtime.basis).toBe(
      'UpdateEndpoint on churn-endpoint: each keeps serving while its new fleet starts (about 420 s each)',
    );
    const listed = new Set(PREVIEW_CALLS.map((call) => call.operation));
    expect(run.operations.filter((operation) => !READ_ONLY_OPERATION.test(operation))).toEqual([]);
    expect(run.operations.filter((operation) => !listed.has(operation))).toEqual([]);
    // Every kind is listed once (one page each), every endpoint configuration read.
    const lists = [...listed].filter((operation) => operation.startsWith('List') && operation !== 'ListTags');
    expect(run.operations.filter((operation) => lists.includes(operation)).sort()).toEqual(lists.sort());
    expect(run.operations.filter((operation) => operation === 'DescribeEndpointConfig')).toHaveLength(2);
  });

  it('Given dry run in the configuration, When previewed, Then the exposed notebook would be recreated after approval, but nothing changes', async () => {
    // Given
    const account = givenAccount();
    const target = {
      account: ACCOUNT,
      region: REGION,
      subnetId: SUBNET,
      securityGroupIds: ['sg-0a1b2c3d4e5f60718'],
    };
    const cdkJson = { context: { remediation: { dryRun: true, recreate: { targets: [target] } } } };

    // When
    const run = await whenPreviewRuns(account, ['--region', REGION, '--json'], { cdkJson });

    // Then
    const exposed = rowsOf(run).find((row) => row.resource === 'Exposed-Notebook');
    expect(
      exposed && [exposed.outcome, exposed.approvalRequired, exposed.downtime.seconds, exposed.snapshot],
    ).toEqual([
      'dry-run',
      true,
      0,
      'configuration (settings, tags, lifecycle configuration, code repositories) and the data on /home/ec2-user/SageMaker (5 GiB volume), to S3',
    ]);
    expect(exposed?.downtime.basis).toMatch(
      /^dry run: nothing changes \(with dryRun off: 1330 s; backup 515 s/,
    );
  });

  it('Given a role with only the documented policy, When it previews, Then every call is allowed and the report is the same', async () => {
    // Given
    const account = givenAccount();
    const role = givenReadOnlyRole(account);
    const asAdministrator = await whenPreviewRuns(account, ['--region', REGION, '--json']);

    // When
    const asRole = await whenPreviewRuns(account, ['--region', REGION, '--json'], { caller: role });

    // Then
    expect(asRole.exitCode).toBe(0);
    expect(asRole.denied).toEqual([]);
    expect(asRole.err).toBe('');
    expect(rowsOf(asRole)).toEqual(rowsOf(asAdministrator));
  });

  it('Given a role without sagemaker:ListTags, When it previews, Then it fails on that action, points to the documented policy and changes nothing', async () => {
    // Given
    const account = givenAccount();
    const role = givenReadOnlyRole(account, ['sagemaker:ListTags']);

    // When
    const run = await whenPreviewRuns(account, ['--region', REGION], { caller: role });

    // Then
    expect(run.exitCode).toBe(1);
    expect(run.out).toBe('');
    expect(run.denied[0]).toMatch(
      /^sagemaker:ListTags arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance\//,
    );
    expect(run.err).toMatch(/^error: AccessDeniedException: .*sagemaker:ListTags/);
    expect(run.err.split('\n').at(-1)).toBe(
      'The preview needs the read-only policy in docs/preview.md. Nothing was changed.',
    );
    expect(run.operations.filter((operation) => !READ_ONLY_OPERATION.test(operation))).toEqual([]);
  });

  it('Given 101 passing notebooks and one failing, When previewed, Then the list is read to its last page and the failing one is found', async () => {
    // Given
    const account = new SimulatedAccount({ accountId: ACCOUNT, region: REGION });
    accounts.push(account);
    for (let index = 0; index < 101; index += 1) {
      account.sagemaker.seedNotebook({ name: `Team-${String(index).padStart(3, '0')}`, ...compliant });
    }
    account.sagemaker.seedNotebook({ name: 'Zz-Root', ...compliant, rootAccess: 'Enabled' });

    // When
    const run = await whenPreviewRuns(account, ['--region', REGION, '--json']);

    // Then
    const report = JSON.parse(run.out) as PreviewReport;
    expect(run.operations.filter((operation) => operation === 'ListNotebookInstances')).toHaveLength(2);
    expect(report.counts['notebook-instance']).toBe(102);
    expect(
      report.rows.map((row) => `${row.resource} ${row.control} ${formatDuration(row.downtime.seconds)}`),
    ).toEqual(['Zz-Root SageMaker.3 5:00']);
  });
});
