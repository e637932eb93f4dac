/**
 * Given/When helpers of the restore tool's tests (restore-notebook*.test.ts): what the workflow really
 * leaves when CreateNotebookInstance fails after the delete (the stack deployed from its template, a
 * recreation approved and run: snapshot handler, backup lifecycle script, delete; the create failing for
 * good; the finding note giving the command), an operator role holding only the stack's restore operator
 * policy, and the tool run with the note's arguments as that role, IAM enforced, in simulated time.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { createRestoreCommand, type RestoreDependencies } from '../../bin/restore-notebook/command.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import type { Caller } from '../../simulation/account/authorizer.js';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { createRestoreOperator } from '../../simulation/runner/restore-operator.js';

export const NOTEBOOK = 'Research-Notebook';
export const ORIGINAL_LIFECYCLE = 'install-packages';
export const PUBLIC_REPOSITORY = 'https://github.com/example/public-data.git';
export const TAGS = [
  { Key: 'team', Value: 'research' },
  { Key: 'cost-centre', Value: 'cc-42' },
];
const IMMUTABLE_FIXES = ['SageMaker.1', 'SageMaker.2', 'SageMaker.8', 'SageMaker.21'];
/** Operations that change something: anything but reads. */
const READ_ONLY = /^(Describe|List|Get|Head)/;

const accounts: SimulatedAccount[] = [];

/** Every account a test made, with its directories, removed: call it after each test. */
export function disposeAccounts(): void {
  for (const account of accounts.splice(0)) account.dispose();
}

/** An empty account (for runs that must call nothing), disposed with the others. */
export function emptyAccount(): SimulatedAccount {
  const account = new SimulatedAccount({ latencyMs: 0 });
  accounts.push(account);
  return account;
}

export interface Scenario {
  readonly deployment: LocalDeployment;
  readonly account: SimulatedAccount;
  readonly operator: Caller;
  /** The arguments of the command in the finding note, exactly. */
  readonly noteArgs: string[];
  readonly bucket: string;
  readonly snapshotPrefix: string;
  readonly executionName: string;
  /** The volume as it was before the workflow touched it. */
  readonly volume: VolumeEntry[];
  readonly keyArn?: string;
  readonly subnetId: string;
  readonly securityGroupId: string;
}

export interface ScenarioOptions {
  /** false: the recreation accepted data loss for every immutable control. */
  readonly keepData?: boolean;
  readonly status?: 'InService' | 'Stopped';
  /** A volume key in the recreate target, and a private repository backed by a secret. */
  readonly keyAndSecret?: boolean;
}

/**
 * Given a notebook failing SageMaker.1 (and .2, .3, .8) whose approved recreation deleted it and then
 * failed for good on CreateNotebookInstance: the state the tool exists for.
 */
export async function givenRecreationFailedAfterDelete(options: ScenarioOptions = {}): Promise<Scenario> {
  const account = new SimulatedAccount({ strictReferences: true });
  accounts.push(account);
  const vpcId = account.ec2.seedVpc();
  const subnetId = account.ec2.seedSubnet({ vpcId });
  const securityGroupId = account.ec2.seedSecurityGroup({ vpcId, groupName: 'notebooks' });
  const keyArn = options.keyAndSecret
    ? account.kms.seedKey({ description: 'notebook volumes' }).arn
    : undefined;
  const deployment = new LocalDeployment({
    account,
    configuration: {
      modes: { 'SageMaker.1': 'approval' },
      recreate: {
        targets: [
          {
            account: account.accountId,
            region: account.region,
            subnetId,
            securityGroupIds: [securityGroupId],
            ...(keyArn ? { kmsKeyId: keyArn } : {}),
          },
        ],
        ...(options.keepData === false ? { acceptDataLoss: IMMUTABLE_FIXES } : {}),
      },
    },
  });
  const { sagemaker } = account;
  sagemaker.seedLifecycleConfig({
    name: ORIGINAL_LIFECYCLE,
    onCreate: '#!/bin/bash\necho "first start"\n',
    onStart: '#!/bin/bash\necho "installing packages"\n',
  });
  const secretArn = options.keyAndSecret
    ? account.secretsManager.seedSecret({ name: 'sagemaker-models-token', value: 'token' })
    : undefined;
  const repository = secretArn ? 'private-models' : 'shared-utils';
  sagemaker.seedCodeRepository({
    name: repository,
    repositoryUrl: `https://github.com/example/${repository}.git`,
    branch: 'main',
    ...(secretArn ? { secretArn } : {}),
  });
  sagemaker.seedNotebook({
    name: NOTEBOOK,
    status: options.status ?? 'InService',
    directInternetAccess: 'Enabled',
    rootAccess: 'Enabled',
    platformIdentifier: 'notebook-al2-v3',
    volumeSizeInGB: 50,
    lifecycleConfigName: ORIGINAL_LIFECYCLE,
    defaultCodeRepository: repository,
    additionalCodeRepositories: [PUBLIC_REPOSITORY],
    tags: [...TAGS, { Key: 'aws:cloudformation:stack-name', Value: 'research-notebooks' }],
    files: {
      'analysis.ipynb': '{"cells": []}\n',
      'data/train.csv': 'a,b\n1,2\n',
      'notes with spaces.md': '# notes\n',
      '.config/settings.json': '{"theme": "dark"}\n',
      'empty-file': '',
      'naïve\nname.txt': 'unicode and a newline in the name\n',
      'model.bin': new Uint8Array([0, 1, 2, 255, 254, 0, 10, 13]),
    },
  });
  // What a user would miss besides file contents: links, modes, empty folders.
  const volumePath = sagemaker.volumePath(NOTEBOOK);
  symlinkSync('data/train.csv', join(volumePath, 'latest.csv'));
  mkdirSync(join(volumePath, 'outputs/empty'), { recursive: true });
  chmodSync(join(volumePath, 'analysis.ipynb'), 0o600);
  mkdirSync(join(volumePath, 'bin'));
  chmodSync(join(volumePath, 'bin'), 0o750);
  const volume = volumeEntries(volumePath);

  // The finding arrives, security ops approve, and every CreateNotebookInstance fails
  const finding = notebookControlFinding({ controlId: 'SageMaker.1', notebookName: NOTEBOOK });
  account.faults.failNext({
    service: 'SageMaker',
    operation: 'CreateNotebookInstance',
    code: 'InternalFailure',
    times: 1000,
  });
  deployment.importFinding(finding);
  const approve = deployment.customActionIds.approve;
  void account.clock.sleep(5 * 60_000).then(() => {
    const current = account.securityHub.getFinding(finding.Id ?? '') ?? finding;
    account.bus.putEvent(customActionEvent([current], { actionId: approve, id: 'approve-click' }));
  });
  const [execution] = await deployment.settle();
  account.faults.reset();
  if (execution?.status !== 'FAILED' || sagemaker.hasNotebook(NOTEBOOK)) {
    throw new Error(`the recreation did not fail after the delete: ${execution?.status} ${execution?.cause}`);
  }

  const note = noteOf(account, finding);
  const command = /restore it with: npx tsx bin\/restore-notebook\.ts (--snapshot \S+ --wait)/.exec(note);
  if (!command?.[1]) throw new Error(`no restore command in the note: ${note}`);
  const noteArgs = command[1].split(' ');
  const uri = noteArgs[1] ?? '';
  const bucket = uri.slice('s3://'.length, uri.indexOf('/', 's3://'.length));
  return {
    deployment,
    account,
    operator: createRestoreOperator(deployment),
    noteArgs,
    bucket,
    snapshotPrefix: uri.slice(`s3://${bucket}/`.length),
    executionName: execution?.name ?? '',
    volume,
    ...(keyArn ? { keyArn } : {}),
    subnetId,
    securityGroupId,
  };
}

function noteOf(account: SimulatedAccount, finding: AwsSecurityFinding): string {
  return account.securityHub.getFinding(finding.Id ?? '')?.Note?.Text ?? '';
}

export interface RunResult {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  /** Changing calls made while the tool ran, `Service Operation`. */
  readonly changes: string[];
  /** The caller's authorizations that were refused. */
  readonly denied: string[];
}

/** When the tool runs with these arguments, as `caller`, in simulated time. */
export async function whenRestoreRuns(
  account: SimulatedAccount,
  caller: Caller,
  args: readonly string[],
  options: { region?: string; account?: string } = {},
): Promise<RunResult> {
  const clients = account.sdkClients(caller);
  const out: string[] = [];
  const err: string[] = [];
  const calls = account.calls.length;
  const authorizations = account.authorizations.length;
  const command = createRestoreCommand({
    sagemaker: clients.sagemaker,
    // The simulated clients have the minimal `send` shape the tool uses.
    s3: clients.s3 as unknown as RestoreDependencies['s3'],
    iam: clients.iam as unknown as RestoreDependencies['iam'],
    // Virtual time: the 15-second polls jump the simulated clock instead of waiting.
    sleep: (ms) => account.clock.sleep(ms),
    now: () => account.clock.now(),
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
    region: async () => options.region ?? account.region,
    // The operator's own account, as GetCallerIdentity would say; not known unless given.
    ...(options.account ? { account: async () => options.account } : {}),
  });
  const exitCode = await command.run(args);
  return {
    exitCode,
    out: out.join('\n'),
    err: err.join('\n'),
    changes: account.calls
      .slice(calls)
      .filter((call) => !READ_ONLY.test(call.operation))
      .map((call) => `${call.service} ${call.operation}`),
    denied: account.authorizations
      .slice(authorizations)
      .filter((record) => record.caller.roleArn === caller.roleArn && record.decision !== 'Allowed')
      .map((record) => `${record.action} ${record.resource}`),
  };
}

export function notebookNow(account: SimulatedAccount, name = NOTEBOOK) {
  return account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
}

function requestKey(snapshotPrefix: string): string {
  return `${snapshotPrefix.slice(0, snapshotPrefix.lastIndexOf('/'))}/restore-request.json`;
}

export function restoreRequest(scenario: Scenario): { version: number; attempt: string } {
  return JSON.parse(
    scenario.account.s3.objectText(scenario.bucket, requestKey(scenario.snapshotPrefix)) ?? '{}',
  );
}

/** One entry of a volume, everything a user would notice: type, mode, bytes or link target, mtime. */
export interface VolumeEntry {
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink';
  readonly mode: number;
  readonly content?: string;
  readonly mtimeMs?: number;
}

export function volumeEntries(root: string, relative = ''): VolumeEntry[] {
  const entries: VolumeEntry[] = [];
  for (const name of readdirSync(join(root, relative)).sort()) {
    const path = relative ? `${relative}/${name}` : name;
    if (path === 'lost+found') continue;
    const stat = lstatSync(join(root, path));
    const mode = stat.mode & 0o1777;
    if (stat.isSymbolicLink()) {
      entries.push({ path, type: 'symlink', mode, content: readlinkSync(join(root, path)) });
    } else if (stat.isDirectory()) {
      entries.push({ path, type: 'directory', mode });
      entries.push(...volumeEntries(root, path));
    } else {
      const content = readFileSync(join(root, path)).toString('base64');
      entries.push({ path, type: 'file', mode, content, mtimeMs: stat.mtimeMs });
    }
  }
  return entries;
}

/** The Sids of the restore operator policy, as the template deploys it. */
export function operatorPolicySids(target: LocalDeployment): string[] {
  const output = target.template.Outputs?.RestoreOperatorPolicyArn?.Value as { Ref?: string } | undefined;
  const document = target.template.Resources[output?.Ref ?? '']?.Properties?.PolicyDocument as
    | { Statement: Array<{ Sid: string }> }
    | undefined;
  return (document?.Statement ?? []).map((statement) => statement.Sid).sort();
}
