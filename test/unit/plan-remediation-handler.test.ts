import { ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidFindingEvent } from '../../handlers/shared/finding-event.js';
import { acquireLock } from '../../handlers/shared/notebook-locks.js';
import { importedEvent } from '../../simulation/account/sample-findings.js';
import {
  describeCalls,
  disposeAccounts,
  documentClient,
  executionNamed,
  givenAccount,
  itemsOf,
  LOCK_SECONDS,
  NOTEBOOK_KEY,
  planner,
  requestFor,
  rootFinding,
  START,
  START_SECONDS,
} from './plan-fixtures.js';
import { recordingLogger } from './recording-logger.js';
import { EXECUTION } from './runtime-settings-fixture.js';

afterEach(disposeAccounts);

describe('PlanRemediation handler: the in-place fix of root access', () => {
  it('Given an InService notebook with root access, When SageMaker.3 is planned, Then the lock is taken for the remediation with its expiry, and the notebook observed after it', async () => {
    // Given
    const account = givenAccount();

    // When
    const result = await planner(account)(requestFor(rootFinding));

    // Then
    expect(result.plan.action).toBe('remediate');
    expect(result.plan.remediation).toBe('update-notebook');
    expect(result.runState).toEqual({ wasRunning: true });
    expect(itemsOf(account, 'locks')).toEqual([
      {
        lockKey: NOTEBOOK_KEY,
        ownerExecutionArn: EXECUTION.id,
        remediation: 'update-notebook',
        findingId: rootFinding.Id,
        controlId: 'SageMaker.3',
        acquiredAt: START.toISOString(),
        expiresAt: START_SECONDS + LOCK_SECONDS,
      },
    ]);
    // The notebook is observed once the lock is held, so a finished competitor's changes are seen.
    const lockCall = account.calls.findIndex((call) => call.operation === 'PutItem');
    const describeCall = account.calls.findIndex((call) => call.operation === 'DescribeNotebookInstance');
    expect(lockCall).toBeGreaterThanOrEqual(0);
    expect(describeCall).toBeGreaterThan(lockCall);
  });

  it('Given the same execution retried (a Lambda retry), When it plans again, Then it takes its own lock again', async () => {
    // Given
    const account = givenAccount();
    await planner(account)(requestFor(rootFinding));

    // When
    const again = await planner(account)(requestFor(rootFinding));

    // Then
    expect(again.plan.action).toBe('remediate');
    expect(itemsOf(account, 'locks')).toHaveLength(1);
  });

  it('Given a lock another execution took that has expired, When SageMaker.3 is planned, Then the lock is taken over', async () => {
    // Given a holder that died: its lock expired but the TTL sweep has not removed it
    const account = givenAccount();
    await planner(account)(requestFor(rootFinding, executionNamed('died')));
    account.clock.advance((LOCK_SECONDS + 1) * 1000);

    // When
    const result = await planner(account)(requestFor(rootFinding));

    // Then
    expect(result.plan.action).toBe('remediate');
    expect(itemsOf(account, 'locks')).toEqual([expect.objectContaining({ ownerExecutionArn: EXECUTION.id })]);
  });

  it('Given a lock held by another execution for another finding, When SageMaker.3 is planned, Then the note names the holder and the notebook is never observed', async () => {
    // Given
    const account = givenAccount();
    await acquireLock(documentClient(account), {
      table: 'locks',
      key: NOTEBOOK_KEY,
      owner: 'arn:first',
      remediation: 'update-notebook',
      findingId: 'legacy-finding',
      controlId: 'SageMaker.3',
      now: START,
      seconds: LOCK_SECONDS,
    });

    // When
    const result = await planner(account)(requestFor(rootFinding));

    // Then
    expect(result.plan.action).toBe('annotate');
    expect(result.plan.annotation.outcome).toBe('ALREADY_IN_PROGRESS');
    expect(result.plan.annotation.note).toContain(
      'already being remediated by execution arn:first (finding legacy-finding)',
    );
    expect(describeCalls(account)).toEqual([]);
  });

  it('Given Describe fails after the lock is taken, When SageMaker.3 is planned, Then the lock is released and the error surfaces', async () => {
    // Given
    const account = givenAccount();
    account.faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeNotebookInstance',
      code: 'ThrottlingException',
      message: 'Rate exceeded',
      // Every attempt the SDK makes (3 by default): the error reaches the handler only then.
      times: 3,
    });

    // When / Then
    await expect(planner(account)(requestFor(rootFinding))).rejects.toThrow('Rate exceeded');
    expect(itemsOf(account, 'locks')).toEqual([]);
  });

  it('Given a Stopped notebook with root access already disabled, When SageMaker.3 is planned, Then it is already compliant and the lock is released at once', async () => {
    // Given
    const account = givenAccount({ status: 'Stopped', rootAccess: 'Disabled' });

    // When
    const result = await planner(account)(requestFor(rootFinding));

    // Then
    expect(result.plan.annotation.outcome).toBe('ALREADY_COMPLIANT');
    expect(itemsOf(account, 'locks')).toEqual([]);
  });

  it('Given a notebook that no longer exists, When SageMaker.3 is planned, Then it is annotated as gone and no lock is taken', async () => {
    // Given
    const account = givenAccount('none');

    // When
    const result = await planner(account)(requestFor(rootFinding));

    // Then
    expect(result.plan.annotation.outcome).toBe('RESOURCE_GONE');
    expect(account.callsTo('DynamoDB')).toEqual([]);
  });

  it('Given the exemption tag on the third page of tags, When SageMaker.3 is planned, Then it is exempt and nothing is locked', async () => {
    // Given a notebook whose ListTags answers in three pages (more than the simulated notebook can hold)
    const account = givenAccount();
    const sagemaker = mockClient(SageMakerClient);
    sagemaker
      .on(ListTagsCommand)
      .resolvesOnce({ Tags: [{ Key: 'a', Value: '1' }], NextToken: 'page-2' })
      .resolvesOnce({ Tags: [{ Key: 'b', Value: '2' }], NextToken: 'page-3' })
      .resolvesOnce({ Tags: [{ Key: 'securityhub-remediation', Value: 'skip' }] });

    // When
    const result = await planner(account, { sagemaker: new SageMakerClient({}) })(requestFor(rootFinding));

    // Then
    expect(result.plan.annotation.outcome).toBe('SKIPPED_EXEMPT');
    expect(sagemaker.commandCalls(ListTagsCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      'page-2',
      'page-3',
    ]);
    expect(account.callsTo('DynamoDB')).toEqual([]);
    sagemaker.restore();
  });
});

describe('PlanRemediation handler: requests it refuses', () => {
  it('Given a malformed event, When it is planned, Then InvalidFindingEvent lists the problems, is logged, and no AWS call is made', async () => {
    // Given
    const account = givenAccount();
    const logger = recordingLogger();

    // When
    const rejection = planner(account, { logger })({
      event: { source: 'aws.securityhub' },
      execution: EXECUTION,
    });

    // Then
    await expect(rejection).rejects.toBeInstanceOf(InvalidFindingEvent);
    await expect(rejection).rejects.toThrow(/detail-type/);
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([['warn', 'event rejected']]);
    expect(account.calls).toEqual([]);
  });

  it('Given a request without the execution identity, When it is planned, Then it is refused too', async () => {
    // Given
    const account = givenAccount();
    // When / Then
    await expect(planner(account)({ event: importedEvent(rootFinding) })).rejects.toBeInstanceOf(
      InvalidFindingEvent,
    );
  });
});
