/**
 * The bench's `burst`: a standard enabled across an organization at once. 1,000 findings of 300
 * notebooks in 20 member accounts arrive within a minute, at the accounts' typical API rate limits,
 * through the buffered intake; every notebook must end fixed exactly once, no execution may fail, and
 * no account may run more executions at once than `intake.concurrencyPerAccountRegion`.
 *
 * Each notebook has its consolidated SageMaker.3 finding and its legacy per-standard twin; every other
 * notebook also has a SageMaker.2 finding (notify mode here: a note, no change), and a share of the
 * events is delivered twice, as EventBridge may.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { notebookControlFinding } from '../simulation/account/sample-findings.js';
import { LocalDeployment } from '../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../simulation/runner/local-state-machine.js';

export interface BurstFigures {
  readonly findings: number;
  readonly resources: number;
  readonly accounts: number;
  /**
   * Notebooks with root access disabled, in their prior run state, and a SageMaker.3 finding of theirs
   * RESOLVED (the twin that lost the race for the lock says which execution fixed it).
   */
  readonly remediated: number;
  readonly failed: number;
  /** Notebooks stopped or updated more than once. */
  readonly duplicateRemediations: number;
  readonly peakConcurrentPerAccount: number;
  readonly concurrencyPerAccountRegion: number;
  /** API calls refused with a throttling error (each retried: none may fail an execution). */
  readonly throttledCalls: number;
  readonly simulatedMinutes: number;
  readonly realSeconds: number;
}

const ACCOUNTS = 20;
const NOTEBOOKS = 300;
const FINDINGS = 1000;
const REGION = 'eu-west-1';

const accountIdOf = (index: number) => `5000${String(index).padStart(8, '0')}`;
const notebookOf = (index: number) => `burst-${String(index).padStart(3, '0')}`;

/** The most executions of one account running at the same instant (clean-ups left out). */
function peakPerAccount(executions: readonly ExecutionRecord[]): number {
  const byAccount = new Map<string, Array<{ at: number; delta: number }>>();
  for (const execution of executions) {
    const finding = (execution.input as { detail?: { findings?: Array<{ AwsAccountId?: string }> } }).detail
      ?.findings?.[0];
    if (!finding?.AwsAccountId) continue;
    const edges = byAccount.get(finding.AwsAccountId) ?? [];
    edges.push({ at: execution.startedAt.getTime(), delta: 1 });
    edges.push({ at: (execution.stoppedAt ?? execution.startedAt).getTime(), delta: -1 });
    byAccount.set(finding.AwsAccountId, edges);
  }
  let peak = 0;
  for (const edges of byAccount.values()) {
    let running = 0;
    // An execution that ends at the instant another starts has freed its slot first.
    for (const edge of edges.sort((a, b) => a.at - b.at || a.delta - b.delta)) {
      running += edge.delta;
      peak = Math.max(peak, running);
    }
  }
  return peak;
}

export async function measureBurst(): Promise<BurstFigures> {
  const started = Date.now();
  const deployment = new LocalDeployment({
    configuration: { modes: { 'SageMaker.2': 'notify' } },
    accountOptions: { rateLimits: 'typical' },
  });
  const { account: home } = deployment;
  const members = Array.from({ length: ACCOUNTS }, (_, index) =>
    deployment.addMemberAccount(accountIdOf(index), REGION, { accountOptions: { rateLimits: 'typical' } }),
  );
  const findings: AwsSecurityFinding[] = [];
  for (let index = 0; index < NOTEBOOKS; index += 1) {
    const member = members[index % ACCOUNTS];
    if (!member) throw new Error('no member account');
    const name = notebookOf(index);
    member.sagemaker.seedNotebook({
      name,
      status: index % 3 === 0 ? 'Stopped' : 'InService',
      rootAccess: 'Enabled',
    });
    const where = { notebookName: name, account: member.accountId, region: REGION };
    findings.push(notebookControlFinding({ controlId: 'SageMaker.3', ...where }));
    findings.push(notebookControlFinding({ controlId: 'SageMaker.3', style: 'legacy', ...where }));
    if (index % 2 === 0) findings.push(notebookControlFinding({ controlId: 'SageMaker.2', ...where }));
  }
  // The rest of the 1,000: events EventBridge delivers twice.
  const redelivered = findings.slice(0, FINDINGS - findings.length);
  const start = home.clock.nowMs();
  for (const [index, finding] of [...findings, ...redelivered].entries()) {
    // Within a minute, as when a standard is enabled.
    void home.clock
      .sleep(Math.floor((index * 60_000) / FINDINGS))
      .then(() => deployment.importFinding(finding));
  }
  const executions = await deployment.settle();

  const remediated = members.reduce(
    (count, member, accountIndex) =>
      count +
      Array.from({ length: NOTEBOOKS }, (_, index) => index)
        .filter((index) => index % ACCOUNTS === accountIndex)
        .filter((index) => {
          const notebook = member.sagemaker.describeNotebookInstance({
            NotebookInstanceName: notebookOf(index),
          });
          // The consolidated finding or its legacy twin, whichever took the notebook's lock first (the
          // other is noted as already being remediated by it).
          const resolved = (['consolidated', 'legacy'] as const).some(
            (style) =>
              home.securityHub.getFinding(
                notebookControlFinding({
                  controlId: 'SageMaker.3',
                  style,
                  notebookName: notebookOf(index),
                  account: member.accountId,
                  region: REGION,
                }).Id ?? '',
              )?.Workflow?.Status === 'RESOLVED',
          );
          const priorStatus = index % 3 === 0 ? 'Stopped' : 'InService';
          return (
            notebook.RootAccess === 'Disabled' && notebook.NotebookInstanceStatus === priorStatus && resolved
          );
        }).length,
    0,
  );
  const duplicateRemediations = members.reduce((count, member) => {
    const stops = new Map<string, number>();
    for (const call of member.calls.filter(
      (each) => each.operation === 'UpdateNotebookInstance' && each.outcome === 'ok',
    )) {
      const name = String((call.input as { NotebookInstanceName?: string }).NotebookInstanceName);
      stops.set(name, (stops.get(name) ?? 0) + 1);
    }
    return count + [...stops.values()].filter((times) => times > 1).length;
  }, 0);
  const accounts = deployment.directory.all();
  const figures: BurstFigures = {
    findings: findings.length + redelivered.length,
    resources: NOTEBOOKS,
    accounts: ACCOUNTS,
    remediated,
    failed: executions.filter((execution) => execution.status !== 'SUCCEEDED').length,
    duplicateRemediations,
    peakConcurrentPerAccount: peakPerAccount(executions),
    concurrencyPerAccountRegion: deployment.configuration.intake.concurrencyPerAccountRegion,
    throttledCalls: accounts
      .flatMap((account) => account.calls)
      .filter((call) => /Throttl|TooManyRequests|RequestLimitExceeded/.test(call.outcome)).length,
    simulatedMinutes: Math.round((home.clock.nowMs() - start) / 60_000),
    realSeconds: Math.round((Date.now() - started) / 1000),
  };
  for (const account of accounts) account.dispose();
  return figures;
}

/** Why the burst misses its bounds (empty when it holds). */
export function burstProblems(figures: BurstFigures): string[] {
  return [
    ...(figures.failed > 0 ? [`burst: ${figures.failed} executions did not succeed`] : []),
    ...(figures.duplicateRemediations > 0
      ? [`burst: ${figures.duplicateRemediations} notebooks were remediated more than once`]
      : []),
    ...(figures.remediated < figures.resources
      ? [`burst: only ${figures.remediated} of ${figures.resources} notebooks were remediated`]
      : []),
    ...(figures.peakConcurrentPerAccount > figures.concurrencyPerAccountRegion
      ? [
          `burst: ${figures.peakConcurrentPerAccount} executions of one account ran at once (bound ${figures.concurrencyPerAccountRegion})`,
        ]
      : []),
  ];
}
