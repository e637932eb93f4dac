/**
 * A finding that joins a recreation plan at the instant the plan reads its findings to close them.
 * The join lands right after the read, and the joiner's own "joined the plan" note is slowed by one
 * throttled BatchUpdateFindings: the plan's closing sees the join (it closes again when the count of
 * findings changed) and resolves the finding, and then the joiner's late note must not undo that.
 *
 * Failed before the planner wrote the joined note ahead of the join (plan-remediation.ts, joinWithNote):
 * the joiner's note, written by its execution after the join and retried once, landed after the
 * recreation had resolved it, and the finding ended NOTIFIED "Joined the recreation plan...".
 *
 * The instant is found with a first run (the simulation is deterministic): when the closing reads the
 * plan, and how long a finding takes from its import to its join.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { findingsFor, givenExposedNotebook, whenImportedAndClicked } from './recreation-fixtures.js';
import { findingNow, lockItems } from './workflow-fixtures.js';

const [PLANNED, JOINER] = findingsFor(['SageMaker.1', 'SageMaker.3']) as [
  AwsSecurityFinding,
  AwsSecurityFinding,
];

const isPlanRead = (input: unknown) =>
  // The closing's read projects the plan's two lists of findings (ASFF and OCSF).
  (input as { ProjectionExpression?: string } | null)?.ProjectionExpression === '#findings, #ocsf';
const isJoin = (input: unknown) =>
  /list_append/.test((input as { UpdateExpression?: string } | null)?.UpdateExpression ?? '');

/** A recreation of the notebook, approved; the joiner's "joined" note meets Security Hub's throttling once. */
function givenRecreationWithThrottledJoiner(): LocalDeployment {
  const { deployment } = givenExposedNotebook();
  deployment.account.faults.failNext({
    service: 'SecurityHub',
    operation: 'BatchUpdateFindings',
    code: 'TooManyRequestsException',
    resourceName: JOINER.Id,
  });
  return deployment;
}

/** When the approved plan's closing first read its findings, and when the joiner joined. */
function timeline(deployment: LocalDeployment): { read: number; join: number } {
  const { calls } = deployment.account;
  const read = calls.find((call) => call.via === 'step-functions' && isPlanRead(call.input));
  const join = calls.find((call) => call.via === 'sdk' && isJoin(call.input) && call.outcome === 'ok');
  if (!read || !join) throw new Error('the plan was not read, or the finding did not join');
  return { read: read.at.getTime(), join: join.at.getTime() };
}

/** Imports the joiner when the recreated notebook is started (the plan is approved, its lock held). */
function importJoinerAtRestart(deployment: LocalDeployment): { importedAt: () => number } {
  const { faults, clock } = deployment.account;
  const check = faults.check.bind(faults);
  let starts = 0;
  let importedAt = Number.NaN;
  faults.check = (service, operation, input) => {
    if (service === 'SageMaker' && operation === 'StartNotebookInstance') {
      starts += 1;
      if (starts === 2) {
        importedAt = clock.now().getTime();
        deployment.importFinding(JOINER);
      }
    }
    return check(service, operation, input);
  };
  return { importedAt: () => importedAt };
}

describe('a finding joining a plan as the plan closes', () => {
  it('Given an approved recreation, When a root access finding joins its plan right after the closing read the plan and its own note is throttled once, Then it ends RESOLVED by the recreation, not left saying it joined', async () => {
    // A first run: how long the joiner takes from import to join, and when the closing reads the plan
    const probe = givenRecreationWithThrottledJoiner();
    const probeImport = importJoinerAtRestart(probe);
    await whenImportedAndClicked(probe, [PLANNED], [{ action: 'approve', afterMinutes: 30 }]);
    const probed = timeline(probe);
    const importToJoin = probed.join - probeImport.importedAt();
    expect(probed.join).toBeLessThan(probed.read);

    // Given the same recreation; the joiner is imported so that it joins 10 ms after the read
    const deployment = givenRecreationWithThrottledJoiner();
    const { clock } = deployment.account;
    void clock.sleep(probed.read + 10 - importToJoin - clock.now().getTime()).then(() => {
      deployment.importFinding(JOINER);
    });

    // When
    const executions = await whenImportedAndClicked(
      deployment,
      [PLANNED],
      [{ action: 'approve', afterMinutes: 30 }],
    );

    // Then the join landed right after the read (the race), and both executions succeeded
    const { read, join } = timeline(deployment);
    expect(join - read).toBe(10);
    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // And both findings carry the outcome of the recreation (the planned finding's execution, started first)
    const recreatedBy = new RegExp(`^Recreated by ${executions[0]?.name}: `);
    for (const finding of [PLANNED, JOINER]) {
      const now = findingNow(deployment, finding);
      expect([finding.Compliance?.SecurityControlId, now.Workflow?.Status]).toEqual([
        finding.Compliance?.SecurityControlId,
        'RESOLVED',
      ]);
      expect(now.Note?.Text).toMatch(recreatedBy);
    }
    expect(lockItems(deployment)).toEqual([]);
  });
});
