/**
 * A burst of findings, as after enabling the standard on an account full of notebooks: every finding
 * arrives at once, the functions' SDK clients retry as the SDK does, and the account throttles at its
 * typical rates. The findings wait in the finding queue, and the starter runs at most
 * `intake.concurrencyPerAccountRegion` executions of one account and Region at once
 * (handlers/shared/execution-spacing.ts), so the burst is spread out instead of throttled.
 *
 * Failed before the Lambda tasks retried the handlers' throttling errors (retryLambda without
 * HANDLER_TRANSIENT_ERRORS): 5 of the 200 executions failed at planning with ThrottlingException once
 * the SDK's 5 attempts were spent, and their 5 findings stayed NEW. Failed before the finding buffer:
 * all 200 executions started at once, and planning was throttled.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { parseStartSettings, START_SETTINGS_VARIABLE } from '../../handlers/shared/execution-spacing.js';
import { UNSPACED_AFTER_RECEIVES } from '../../handlers/start-remediation.js';
import { notebookControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';
import { visibilityTimeoutSeconds } from '../../stacks/finding-buffer.js';
import { givenDeployment, lockItems } from './workflow-fixtures.js';

/** The most finding executions (not clean-ups) that were running at the same instant. */
function peakConcurrentFindingExecutions(executions: readonly ExecutionRecord[]): number {
  const edges = executions
    .filter((execution) => execution.name.startsWith('finding-'))
    .flatMap((execution) => [
      { at: execution.startedAt.getTime(), delta: 1 },
      { at: (execution.stoppedAt ?? execution.startedAt).getTime(), delta: -1 },
    ])
    // Ends before starts at the same instant: a slot freed and taken again is not two at once.
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const edge of edges) {
    running += edge.delta;
    peak = Math.max(peak, running);
  }
  return peak;
}

const NOTEBOOKS = 50;
/** A third of the notebooks are Stopped: the fix must leave them Stopped. */
const isRunning = (index: number) => index % 3 !== 0;
const notebookName = (index: number) => `burst-${String(index).padStart(2, '0')}`;

interface BurstFinding {
  readonly finding: AwsSecurityFinding;
  readonly notebook: string;
  readonly controlId: string;
}

/**
 * Four findings per notebook: SageMaker.3 twice (the consolidated finding and the legacy per-standard
 * one, which contend for the notebook's lock), and SageMaker.1 or SageMaker.2 in notify mode.
 */
function burstFindings(): BurstFinding[] {
  return Array.from({ length: NOTEBOOKS }, (_, index) => {
    const notebook = notebookName(index);
    const notifyControl = index % 2 === 0 ? 'SageMaker.1' : 'SageMaker.2';
    return [
      { controlId: 'SageMaker.3', style: 'consolidated' as const },
      { controlId: 'SageMaker.3', style: 'legacy' as const },
      { controlId: notifyControl, style: 'consolidated' as const },
      { controlId: notifyControl, style: 'legacy' as const },
    ].map(({ controlId, style }) => ({
      finding: notebookControlFinding({ controlId, notebookName: notebook, style }),
      notebook,
      controlId,
    }));
  }).flat();
}

function givenBurstDeployment(): LocalDeployment {
  const deployment = givenDeployment({
    configuration: { modes: { 'SageMaker.1': 'notify', 'SageMaker.2': 'notify' } },
    accountOptions: { rateLimits: 'typical' },
  });
  for (let index = 0; index < NOTEBOOKS; index += 1) {
    deployment.account.sagemaker.seedNotebook({
      name: notebookName(index),
      status: isRunning(index) ? 'InService' : 'Stopped',
      rootAccess: 'Enabled',
      // What the notify findings say: direct internet access on, or no VPC.
      ...(index % 2 === 0 ? { directInternetAccess: 'Enabled' } : {}),
    });
  }
  return deployment;
}

describe('a burst of findings', () => {
  it('Given 200 findings for 50 notebooks arriving at once, with SDK retries and typical rate limits, When they are handled, Then no finding is left NEW, every notebook has root access disabled in its prior run state, every note is true, and no lock is left', async () => {
    // Given
    const deployment = givenBurstDeployment();
    const findings = burstFindings();

    // When every finding is imported in the same instant
    for (const { finding } of findings) deployment.importFinding(finding);
    const executions = await deployment.settle();

    // Then the burst was spaced: never more than the default 10 executions of the account at once
    expect(peakConcurrentFindingExecutions(executions)).toBe(10);
    expect(deployment.findingQueue.deadLettered).toEqual([]);
    expect(executions).toHaveLength(findings.length);
    expect(executions.filter((execution) => execution.status !== 'SUCCEEDED')).toEqual([]);

    // And every notebook has root access disabled and is back in its prior run state
    for (let index = 0; index < NOTEBOOKS; index += 1) {
      const notebook = deployment.account.sagemaker.describeNotebookInstance({
        NotebookInstanceName: notebookName(index),
      });
      expect([notebook.NotebookInstanceStatus, notebook.RootAccess], notebookName(index)).toEqual([
        isRunning(index) ? 'InService' : 'Stopped',
        'Disabled',
      ]);
    }

    // And no finding is left NEW, and each says what happened to it
    const byExecutionName = new Map(executions.map((execution) => [execution.name, execution]));
    const current = (finding: AwsSecurityFinding) =>
      deployment.account.securityHub.getFinding(finding.Id ?? '') ?? finding;
    const resolvedBy = new Map<string, string>();
    for (const { finding, notebook, controlId } of findings) {
      const now = current(finding);
      const note = now.Note?.Text ?? '';
      expect(now.Workflow?.Status, finding.Id).not.toBe('NEW');
      if (controlId !== 'SageMaker.3') {
        expect(now.Workflow?.Status).toBe('NOTIFIED');
        expect(note).toContain(
          `(${notebook}). Not remediated automatically: ${controlId} is in notify mode.`,
        );
        continue;
      }
      const remediated =
        /^Remediated by (\S+): RootAccess=Disabled verified on notebook instance (\S+) \(was running before: (true|false); status now: (\w+)\)\.$/.exec(
          note,
        );
      if (remediated) {
        const [, executionName, name, wasRunning, status] = remediated;
        expect(now.Workflow?.Status).toBe('RESOLVED');
        expect(name).toBe(notebook);
        expect(wasRunning).toBe(String(isRunning(Number(notebook.slice(-2)))));
        expect(status).toBe(isRunning(Number(notebook.slice(-2))) ? 'InService' : 'Stopped');
        expect(byExecutionName.get(executionName ?? '')?.status).toBe('SUCCEEDED');
        expect(resolvedBy.has(notebook), `${notebook} remediated twice`).toBe(false);
        resolvedBy.set(notebook, finding.Id ?? '');
      }
    }
    // Each notebook was remediated by exactly one of its SageMaker.3 findings; its sibling says which
    expect(resolvedBy.size).toBe(NOTEBOOKS);
    for (const { finding, notebook, controlId } of findings) {
      if (controlId !== 'SageMaker.3' || resolvedBy.get(notebook) === finding.Id) continue;
      const now = current(finding);
      const sibling = resolvedBy.get(notebook) ?? '';
      const inProgress = `Notebook instance ${notebook} is already being remediated by execution`;
      const note = now.Note?.Text ?? '';
      if (note.includes(inProgress)) {
        expect(now.Workflow?.Status).toBe('NOTIFIED');
        expect(note).toContain(`(finding ${sibling})`);
      } else {
        // Planned after the sibling's fix was done: it found root access already disabled
        expect(now.Workflow?.Status, note).toBe('RESOLVED');
        expect(note).toContain('RootAccess');
      }
    }

    // And no lock is left behind
    expect(lockItems(deployment)).toEqual([]);
    // 200 executions, each looking at its notebook every 10 s while it changes: minutes of real time on 2 cores.
  }, 180_000);
});

describe('a burst of one account spaced by intake.concurrencyPerAccountRegion', () => {
  it('Given concurrencyPerAccountRegion 4 and 200 SageMaker.3 findings of one account, some delivered twice by EventBridge, When they are handled, Then at most 4 executions run at once, each finding event starts exactly one execution, all succeed and nothing is dead-lettered', async () => {
    // Given
    const notebooks = 200;
    const deployment = givenDeployment({
      configuration: { intake: { concurrencyPerAccountRegion: 4 } },
      accountOptions: { rateLimits: 'typical' },
    });
    const name = (index: number) => `spaced-${String(index).padStart(3, '0')}`;
    for (let index = 0; index < notebooks; index += 1) {
      deployment.account.sagemaker.seedNotebook({
        name: name(index),
        status: 'Stopped',
        rootAccess: 'Enabled',
      });
    }

    // When every finding is imported at once, and EventBridge delivers the first 20 events a second time
    for (let index = 0; index < notebooks; index += 1) {
      deployment.importFinding(
        notebookControlFinding({ controlId: 'SageMaker.3', notebookName: name(index) }),
      );
    }
    const imported = deployment.account.bus.events.slice(0, 20);
    for (const event of imported) deployment.account.bus.putEvent(event);
    const executions = await deployment.settle();

    // Then never more than 4 at once, and the queue kept nothing back
    const findingExecutions = executions.filter((execution) => execution.name.startsWith('finding-'));
    expect(peakConcurrentFindingExecutions(executions)).toBe(4);
    expect(deployment.findingQueue.deadLettered).toEqual([]);
    expect(deployment.findingQueue.pending).toBe(0);
    // And one execution per finding event: the 20 redelivered events started none of their own
    expect(findingExecutions).toHaveLength(notebooks);
    expect(new Set(findingExecutions.map((execution) => execution.name)).size).toBe(notebooks);
    expect(findingExecutions.filter((execution) => execution.status !== 'SUCCEEDED')).toEqual([]);
    // And every notebook was fixed, once
    for (let index = 0; index < notebooks; index += 1) {
      const notebook = deployment.account.sagemaker.describeNotebookInstance({
        NotebookInstanceName: name(index),
      });
      expect([notebook.NotebookInstanceStatus, notebook.RootAccess], name(index)).toEqual([
        'Stopped',
        'Disabled',
      ]);
    }
    const updates = deployment.account
      .callsTo('SageMaker')
      .filter((call) => call.operation === 'UpdateNotebookInstance' && call.outcome === 'ok');
    expect(updates).toHaveLength(notebooks);
    expect(lockItems(deployment)).toEqual([]);
    // 200 executions, each looking at its notebook every 10 s while it changes: minutes of real time on 2 cores.
  }, 180_000);

  it('Given the slot table failing on every read, When a finding arrives, Then it starts without a slot after UNSPACED_AFTER_RECEIVES receives and is remediated, instead of cycling to the dead-letter queue with nothing written on it', async () => {
    // Given
    const deployment = givenDeployment();
    deployment.account.sagemaker.seedNotebook({
      name: 'slotless',
      status: 'InService',
      rootAccess: 'Enabled',
    });
    const { slotTableName } = parseStartSettings(
      deployment.deployedFunction('StartRemediation').environment[START_SETTINGS_VARIABLE],
    );
    deployment.account.faults.failNext({
      service: 'DynamoDB',
      operation: 'GetItem',
      code: 'InternalServerError',
      httpStatusCode: 500,
      resourceName: slotTableName,
      times: 1_000_000,
    });
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'slotless' });

    // When
    const startedAt = deployment.account.clock.nowMs();
    deployment.importFinding(finding);
    const executions = await deployment.settle();

    // Then the finding's execution started once, on the receive that allows it, and fixed the notebook
    const findingExecutions = executions.filter((execution) => execution.name.startsWith('finding-'));
    expect(findingExecutions.map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    const waitedSeconds = ((findingExecutions[0]?.startedAt.getTime() ?? 0) - startedAt) / 1000;
    expect(waitedSeconds).toBeGreaterThanOrEqual((UNSPACED_AFTER_RECEIVES - 1) * visibilityTimeoutSeconds());
    expect(waitedSeconds).toBeLessThan(UNSPACED_AFTER_RECEIVES * visibilityTimeoutSeconds() + 60);
    expect(
      deployment.account.sagemaker.describeNotebookInstance({ NotebookInstanceName: 'slotless' }).RootAccess,
    ).toBe('Disabled');
    expect(deployment.account.securityHub.getFinding(finding.Id ?? '')?.Workflow?.Status).toBe('RESOLVED');
    expect(deployment.findingQueue.deadLettered).toEqual([]);
  });
});
