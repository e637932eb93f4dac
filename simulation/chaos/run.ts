/**
 * One fault run: the stack deployed into a fresh simulated account (IAM, Step Functions limits and
 * strict references enforced, as the workflow tests have them), the plan's notebook seeded, its findings
 * imported, ops approving a recreation, the faults injected; run until everything has settled, the
 * faults lifted, the sweeper run if the deployment has one; then the facts read and classified.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseManifestLine } from '../../handlers/shared/notebook-backup-layout.js';
import { snapshotUri } from '../../handlers/shared/restore-command.js';
import { SimulatedAccount } from '../account/account.js';
import { customActionEvent, notebookControlFinding } from '../account/sample-findings.js';
import { LocalDeployment } from '../runner/local-deployment.js';
import { seedTargetNetwork } from '../scenarios/target-network.js';
import {
  classifyRun,
  isOpenPlanStatus,
  type RunFacts,
  type RunOutcome,
  type VolumeDigest,
} from './classify.js';
import { type InjectedFaults, injectFaults } from './inject.js';
import type { RunPlan } from './plan.js';

const CHAOS_NOTEBOOK = 'Research-Notebook';
const OWN_LIFECYCLE_CONFIG = 'team-setup';
const APPROVAL_MODES = { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' } as const;
/** Ops look for a waiting plan this often, click again if nothing happened, and stop after three clicks. */
const APPROVER_POLL_MS = 30_000;
const APPROVER_RETRY_MS = 15 * 60_000;
const APPROVER_MAX_CLICKS = 3;
/** Ops stop looking for a plan to approve after this long. */
const APPROVER_PATIENCE_MS = 12 * 3_600_000;

/**
 * The sweeper runs on its schedule this long at most: past the 24-hour work budget an execution still
 * running is stuck whatever it does, and a sweep every quarter-hour of a loop that runs for days would
 * cost minutes of real time (the sweep after the run still comes).
 */
const SWEEPING_MS = 26 * 3_600_000;

/** Simulated time left to pass after the run, longer than any notebook transition. */
const QUIET_MS = 10 * 60_000;

export interface RunOptions {
  /** Simulated round trip of each API call and Lambda invoke (default: the deployment's defaults). */
  readonly latencyMs?: number;
}

export interface RunResult {
  readonly plan: RunPlan;
  readonly facts: RunFacts;
  readonly outcome: RunOutcome;
  /** Calls the deployed policies refused: none in a correct deployment. */
  readonly deniedCalls: readonly string[];
  readonly interference: readonly string[];
  /** Every `<Service> <Operation>` the run called, and the functions the state machine invoked. */
  readonly calls: readonly string[];
  readonly invokedFunctions: readonly string[];
  /** For people finding a cause: each execution's last states, and the calls that failed, in order. */
  readonly trail: readonly string[];
  readonly realMs: number;
}

/** States of each execution, and failed calls, a trail keeps. */
const TRAIL_STATES = 15;
const TRAIL_FAILED_CALLS = 25;

export async function executeRun(plan: RunPlan, options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const account = new SimulatedAccount({
    strictReferences: true,
    rateLimits: plan.rateLimits,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
  });
  try {
    const deployment = deploy(account, plan, options);
    const prior = seedNotebook(deployment, plan);
    const findings = plan.controls.map((controlId) =>
      notebookControlFinding({ controlId, notebookName: CHAOS_NOTEBOOK }),
    );
    const startMs = account.clock.nowMs();
    const injected = injectFaults(deployment, plan, CHAOS_NOTEBOOK);
    for (const finding of findings) deployment.importFinding(finding);
    const approving =
      plan.approveAfterMinutes === undefined ? Promise.resolve() : approve(deployment, plan, findings);
    await settleEverything(deployment, [injected.done, approving, sweepOnSchedule(deployment)]);
    // The notebook as the run left it, before lifting faults lets a stuck transition finish.
    const notebook = notebookFacts(deployment);
    await lift(deployment, injected);
    const facts = gatherFacts(
      deployment,
      plan,
      withSaves(prior, injected.savedFiles),
      notebook,
      findings,
      injected,
    );
    return {
      plan,
      facts,
      outcome: classifyRun(facts),
      deniedCalls: account.authorizations
        .filter((entry) => entry.decision !== 'Allowed')
        .map((entry) => `${entry.caller.roleArn.split('/').at(-1)} ${entry.action} ${entry.resource}`),
      interference: injected.interference.map((entry) => `${entry.at.toISOString()} ${entry.what}`),
      calls: [...new Set(account.calls.map((call) => `${call.service} ${call.operation}`))].sort(),
      invokedFunctions: deployment.stack.functions
        .filter((fn) =>
          account.authorizations.some(
            (entry) => entry.action === 'lambda:InvokeFunction' && entry.resource === fn.arn,
          ),
        )
        .map((fn) => fn.constructId)
        .sort(),
      trail: trail(deployment, startMs),
      realMs: performance.now() - started,
    };
  } finally {
    account.dispose();
  }
}

function trail(deployment: LocalDeployment, startMs: number): string[] {
  const since = (at: Date) => `+${Math.round((at.getTime() - startMs) / 1000)}s`;
  const lines: string[] = [];
  for (const execution of deployment.stateMachine.executions) {
    lines.push(
      `execution ${execution.name} ${execution.status}${execution.error ? ` ${execution.error}: ${(execution.cause ?? '').slice(0, 300)}` : ''}`,
    );
    for (const step of execution.transitions.slice(-TRAIL_STATES))
      lines.push(`  ${since(step.at)} ${step.state}`);
  }
  const failed = deployment.account.calls.filter((call) => call.outcome !== 'ok');
  for (const call of failed.slice(-TRAIL_FAILED_CALLS)) {
    lines.push(`failed ${since(call.at)} ${call.service} ${call.operation} ${call.outcome}`);
  }
  return lines;
}

function deploy(account: SimulatedAccount, plan: RunPlan, options: RunOptions): LocalDeployment {
  const lambda = options.latencyMs === undefined ? {} : { lambdaLatencyMs: options.latencyMs };
  if (plan.path === 'in-place') return new LocalDeployment({ account, ...lambda });
  const network = seedTargetNetwork(account);
  const target = plan.volumeKey ? { ...network.target, kmsKeyId: network.key.arn } : network.target;
  return new LocalDeployment({
    account,
    configuration: { modes: APPROVAL_MODES, recreate: { targets: [target] } },
    ...lambda,
  });
}

function seedNotebook(deployment: LocalDeployment, plan: RunPlan): RunFacts['prior'] {
  const { sagemaker } = deployment.account;
  if (plan.notebook.ownLifecycleConfig) sagemaker.seedLifecycleConfig({ name: OWN_LIFECYCLE_CONFIG });
  const recreation = plan.path === 'recreation';
  sagemaker.seedNotebook({
    name: CHAOS_NOTEBOOK,
    status: plan.notebook.running ? 'InService' : 'Stopped',
    // The in-place path fixes root access; the recreation, internet access and the VPC.
    rootAccess: recreation ? 'Disabled' : 'Enabled',
    directInternetAccess: recreation ? 'Enabled' : 'Disabled',
    tags: [{ Key: 'team', Value: 'research' }],
    files: plan.notebook.files,
    ...(plan.notebook.ownLifecycleConfig ? { lifecycleConfigName: OWN_LIFECYCLE_CONFIG } : {}),
  });
  return {
    running: plan.notebook.running,
    lifecycleConfigName: plan.notebook.ownLifecycleConfig ? OWN_LIFECYCLE_CONFIG : undefined,
    files: volumeDigest(deployment),
  };
}

/**
 * Ops approve the plan `approveAfterMinutes` after it starts waiting, and click again if it is still
 * waiting a quarter of an hour later (a lost click looks like nothing happened).
 */
async function approve(deployment: LocalDeployment, plan: RunPlan, findings: readonly AwsSecurityFinding[]) {
  const { account, stateMachine } = deployment;
  const finding = findings[0] as AwsSecurityFinding;
  // Nothing left to approve once every execution has ended (none has started before the first event).
  const over = () =>
    stateMachine.executions.length > 0 &&
    stateMachine.executions.every((execution) => execution.status !== 'RUNNING');
  const deadline = account.clock.nowMs() + APPROVER_PATIENCE_MS;
  while (stateMachine.waitingTaskTokens.length === 0) {
    if (over() || account.clock.nowMs() > deadline) return;
    await account.clock.sleep(APPROVER_POLL_MS);
  }
  await account.clock.sleep((plan.approveAfterMinutes ?? 0) * 60_000);
  for (let click = 1; click <= APPROVER_MAX_CLICKS && stateMachine.waitingTaskTokens.length > 0; click += 1) {
    const current = account.securityHub.getFinding(finding.Id ?? '') ?? finding;
    account.bus.putEvent(
      customActionEvent([current], { actionId: deployment.customActionIds.approve, id: `approve-${click}` }),
    );
    await account.clock.sleep(APPROVER_RETRY_MS);
  }
}

/**
 * Until every execution has ended and every scheduled fault, person and event has played out; then a
 * quiet while, so that a start or stop the workflow left under way ends as it would (in Failed, say).
 */
async function settleEverything(
  deployment: LocalDeployment,
  others: readonly Promise<unknown>[],
): Promise<void> {
  await deployment.settle();
  await Promise.all(others);
  await deployment.settle();
  await deployment.account.clock.sleep(QUIET_MS);
  await deployment.settle();
}

/**
 * The sweeper of stale locks and plans, on its schedule while anything runs (it must not disturb a run
 * that is going well), as settle() cannot wait on a timer that never stops (scheduled-sweep.ts).
 */
async function sweepOnSchedule(deployment: LocalDeployment): Promise<void> {
  const { account, stateMachine, scheduledSweep } = deployment;
  const running = () => stateMachine.executions.some((execution) => execution.status === 'RUNNING');
  const until = account.clock.nowMs() + SWEEPING_MS;
  do {
    await account.clock.sleep(scheduledSweep.intervalSeconds * 1000);
    await deployment.runScheduledSweep();
  } while (running() && account.clock.nowMs() < until);
}

/** The run is over: faults end, and the sweeper's next scheduled run finds what was left. */
async function lift(deployment: LocalDeployment, injected: InjectedFaults): Promise<void> {
  injected.lift();
  await deployment.account.clock.sleep(deployment.scheduledSweep.intervalSeconds * 1000);
  await deployment.runScheduledSweep();
  await deployment.settle();
}

/** What the volume must hold at the end: the files before the run, as users last saved them. */
function withSaves(prior: RunFacts['prior'], saved: ReadonlyMap<string, string>): RunFacts['prior'] {
  const files: Record<string, string> = { ...prior.files };
  for (const [path, content] of saved) files[path] = createHash('sha256').update(content).digest('hex');
  return { ...prior, files };
}

function volumeDigest(deployment: LocalDeployment): VolumeDigest {
  const digest: Record<string, string> = {};
  for (const [path, bytes] of Object.entries(deployment.account.sagemaker.volumeFileBytes(CHAOS_NOTEBOOK))) {
    digest[path] = createHash('sha256').update(bytes).digest('hex');
  }
  return digest;
}

function notebookFacts(deployment: LocalDeployment): RunFacts['final'] {
  const { sagemaker } = deployment.account;
  if (!sagemaker.hasNotebook(CHAOS_NOTEBOOK)) return undefined;
  const described = sagemaker.describeNotebookInstance({ NotebookInstanceName: CHAOS_NOTEBOOK });
  return {
    status: described.NotebookInstanceStatus ?? 'Unknown',
    lifecycleConfigName: described.NotebookInstanceLifecycleConfigName,
    rootAccess: described.RootAccess ?? 'Enabled',
    directInternetAccess: described.DirectInternetAccess ?? 'Enabled',
    inVpc: described.SubnetId !== undefined,
    files: volumeDigest(deployment),
  };
}

function gatherFacts(
  deployment: LocalDeployment,
  plan: RunPlan,
  prior: RunFacts['prior'],
  final: RunFacts['final'],
  findings: readonly AwsSecurityFinding[],
  injected: InjectedFaults,
): RunFacts {
  const { account, settings } = deployment;
  const okCalls = (operation: string) =>
    account.calls.filter((call) => call.operation === operation && call.outcome === 'ok').length;
  const deletes = okCalls('DeleteNotebookInstance');
  const gone = final === undefined || final.status === 'Deleting';
  const deletionPlanned = plan.faults.some((fault) => fault.kind === 'deletedBySomeoneElse');
  const plansTable = settings.recreate?.approvalTableName;
  // Only a start or stop by someone else makes the run state theirs: a save or a StopExecution does not.
  const lastRunStateChange = injected.interference.filter((entry) => entry.changedRunState).at(-1);
  return {
    path: plan.path,
    prior,
    final,
    faults: plan.faults.map((fault) => ({
      kind: fault.kind,
      persistent: fault.persistent,
      ...('service' in fault ? { service: fault.service, operation: fault.operation } : {}),
    })),
    // Gone while every delete of the workflow was followed by a create: someone else deleted it.
    deletedBySomeoneElse: gone && deletionPlanned && okCalls('CreateNotebookInstance') >= deletes,
    workflowDeletedNotebook: deletes > 0,
    snapshots: snapshotFacts(deployment),
    findings: findings.map((finding, index) => {
      const current = account.securityHub.getFinding(finding.Id ?? '');
      const noteAt = current?.Note?.UpdatedAt;
      return {
        id: finding.Id,
        controlId: plan.controls[index] ?? '',
        workflowStatus: current?.Workflow?.Status ?? 'NEW',
        note: current?.Note?.Text ?? '',
        noteAtMs: noteAt ? Date.parse(noteAt) : undefined,
      };
    }),
    alerts: account.sns
      .messages(deployment.alertTopicArn)
      .map((message) => ({ subject: message.Subject ?? '', message: message.Message })),
    lockItems: account.dynamodb.scanTable(settings.lockTableName).length,
    openPlans: plansTable
      ? account.dynamodb
          .scanTable(plansTable)
          .map((item) => String(unmarshall(item as Record<string, AttributeValue>).status ?? 'unknown'))
          .filter(isOpenPlanStatus)
      : [],
    executions: deployment.stateMachine.executions.map((execution) => ({
      name: execution.name,
      status: execution.status,
      ...(execution.error === undefined ? {} : { error: execution.error }),
      transitions: execution.transitions.length,
      stoppedAtMs: execution.stoppedAt?.getTime(),
      startedAtMs: execution.startedAt.getTime(),
      historyLimit: /maximum number of history events/.test(execution.cause ?? ''),
    })),
    lastInterferenceAtMs: lastRunStateChange?.at.getTime(),
  };
}

/** Every snapshot in the backup bucket: whether its backup completed, and the files its manifest lists. */
function snapshotFacts(deployment: LocalDeployment): RunFacts['snapshots'] {
  const { account, backupBucket } = deployment;
  const keys = account.s3.keys(backupBucket);
  const prefixes = [
    ...new Set(
      keys
        .map(
          (key) => /^(roles\/[^/]+\/[^/]+\/[^/]+)\/(?:data|backup-status|configuration\.json)/.exec(key)?.[1],
        )
        .filter((prefix): prefix is string => prefix !== undefined),
    ),
  ];
  return prefixes.map((prefix) => {
    const manifest = account.s3.objectText(backupBucket, `${prefix}/data/manifest.jsonl`);
    let files: VolumeDigest | undefined;
    try {
      files = manifest === undefined ? undefined : manifestFiles(manifest);
    } catch {
      files = undefined;
    }
    return {
      uri: snapshotUri(backupBucket, prefix),
      complete: keys.includes(`${prefix}/backup-status/complete`),
      files,
    };
  });
}

function manifestFiles(manifest: string): VolumeDigest {
  const files: Record<string, string> = {};
  for (const line of manifest.split('\n')) {
    if (line === '') continue;
    const entry = parseManifestLine(line);
    if (entry.type === 'file') files[entry.path] = entry.sha256;
  }
  return files;
}
