/**
 * An approval that was recorded on the plan but never reached the waiting execution: the click's
 * SendTaskSuccess failed on every try (Lambda's own retries included), so the click went to the
 * custom action's on-failure queue, and the approval window closed. Nothing was changed, and the
 * finding says so; it must not say that nobody approved.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { namedError } from '../../simulation/runner/running-execution.js';
import { findingsFor, givenExposedNotebook, whenImportedAndClicked } from './recreation-fixtures.js';
import { alerts, changesMade, findingNow, lockItems, NOTEBOOK, statesOf } from './workflow-fixtures.js';

describe('an approval that does not reach the workflow', () => {
  it('Given a plan approved in the console whose SendTaskSuccess keeps failing, When the approval window closes, Then nothing changed and the finding says it was approved but the approval did not reach the workflow', async () => {
    // Failed before the fix: the note read "Nobody approved the recreation of notebook instance
    // Research-Notebook in time, so the plan expired and nothing was changed."
    // Given a one-day window, and Step Functions refusing every SendTaskSuccess (throttled)
    const { deployment } = givenExposedNotebook({
      recreate: (network) => ({ targets: [network.target], approvalTimeoutDays: 1 }),
    });
    deployment.stateMachine.sendTaskSuccess = () => {
      throw namedError('ThrottlingException', 'Rate exceeded');
    };
    const [finding] = findingsFor(['SageMaker.1']) as [AwsSecurityFinding];

    // When ops approve 30 minutes in, and the window closes a day after the plan
    const [plan, ...others] = await whenImportedAndClicked(
      deployment,
      [finding],
      [{ action: 'approve', afterMinutes: 30 }],
    );

    // Then the click was recorded on the plan, and ended in the on-failure queue
    expect(others).toEqual([]);
    expect(deployment.asyncInvocations.map((invocation) => invocation.outcome)).toEqual([
      'DestinationDelivered',
    ]);
    // And the execution closed the plan as expired, changing nothing
    expect(statesOf(plan ?? ({ transitions: [] } as never))).toContain('PrepareUndeliveredApprovalClosing');
    expect(changesMade(deployment)).toEqual([]);
    expect(lockItems(deployment)).toEqual([]);
    // And the finding and the alert say what happened
    const now = findingNow(deployment, finding);
    expect(now.Workflow?.Status).toBe('NOTIFIED');
    expect(now.Note?.Text).toBe(
      `The recreation of notebook instance ${NOTEBOOK} was approved, but the approval did not reach the workflow before the approval window closed, so the plan expired and nothing was changed. Use Remediate now to plan it again.`,
    );
    const alert = alerts(deployment).at(-1);
    expect(alert?.Subject).toBe(`SageMaker recreation expired: ${NOTEBOOK}`);
    expect(alert?.Message).toContain(
      'was approved at 2026-11-23T09:30:00.000Z, but the approval did not reach the workflow',
    );
  });
});
