/**
 * A click on a custom action whose handling fails: EventBridge invokes the function asynchronously, so
 * Lambda retries it and then sends the click to the on-failure queue, where it is kept, not lost.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { HANDLER_SDK_MAX_ATTEMPTS } from '../../simulation/runner/local-deployment.js';
import {
  clickLater,
  deniedCalls,
  findingsFor,
  givenExposedNotebook,
  whenImportedAndClicked,
} from './recreation-fixtures.js';
import { changesMade, statesOf } from './workflow-fixtures.js';

describe('a failed approval click is kept', () => {
  it('Given a plan waiting for approval, When every attempt to handle the approve click fails (the approval table is unavailable), Then Lambda tries three times over three minutes and the click lands in the encrypted failure queue, and nothing is changed', async () => {
    // Given
    const scenario = givenExposedNotebook({
      recreate: (network) => ({ targets: [network.target], approvalTimeoutDays: 1 }),
    });
    const target = scenario.deployment;
    const findings = findingsFor(['SageMaker.1']);
    const finding = findings[0] as AwsSecurityFinding;
    const table = target.settings.recreate?.approvalTableName ?? '';
    // Just before the click, the table starts refusing reads: each of the three attempts fails, all
    // five tries of its SDK client included (HANDLER_SDK_MAX_ATTEMPTS).
    void target.account.clock.sleep(9 * 60_000).then(() => {
      target.account.faults.failNext({
        service: 'DynamoDB',
        operation: 'GetItem',
        code: 'InternalServerError',
        times: 3 * HANDLER_SDK_MAX_ATTEMPTS,
        resourceName: table,
      });
    });

    // When
    clickLater(target, 'approve', finding, 10);
    const [plan] = await whenImportedAndClicked(target, findings, []);

    // Then
    expect(target.asyncInvocations).toEqual([
      expect.objectContaining({ attempts: 3, outcome: 'DestinationDelivered' }),
    ]);
    const queue = target.deployedFunction('CustomAction').onFailureDestinationArn ?? '';
    const [, , , region, accountId, queueName] = queue.split(':');
    const messages = target.account.sqs.messages(
      `https://sqs.${region}.amazonaws.com/${accountId}/${queueName}`,
    );
    expect(messages).toHaveLength(1);
    // Clicked at 10 minutes; retried one minute, then two minutes later
    const sentMinutes =
      ((messages[0]?.sentAt.getTime() ?? 0) - Date.parse('2026-11-23T09:00:00.000Z')) / 60_000;
    expect(sentMinutes).toBeGreaterThanOrEqual(13);
    expect(sentMinutes).toBeLessThan(13.1);
    const record = JSON.parse(messages[0]?.Body ?? '{}');
    expect(record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { id: 'click-approve-10', detail: { actionName: expect.any(String) } },
      responseContext: { functionError: 'Unhandled' },
    });
    expect(
      target.account.sqs.queue(`https://sqs.${region}.amazonaws.com/${accountId}/${queueName}`)?.keyArn,
    ).toMatch(/^arn:aws:kms:/);
    // And the plan was never approved: it expired, and nothing changed
    expect(statesOf(plan as never)).toContain('PrepareExpiredClosing');
    expect(changesMade(target)).toEqual([]);
    expect(deniedCalls(target)).toEqual([]);
  });
});
