import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeNotebookInstanceCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import { InvalidFindingEvent } from '../../handlers/shared/finding-event.js';
import type { Logger } from '../../handlers/shared/logger.js';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { recordingLogger } from './recording-logger.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';

const sagemaker = mockClient(SageMakerClient);
const dynamodb = mockClient(DynamoDBClient);

const settings = runtimeSettings({
  timing: { ...runtimeSettings().timing, pollDelaysSeconds: [10, 20], maxPolls: 2 },
});
const execution = EXECUTION;
const now = new Date('2026-11-23T09:00:00.000Z');
const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Research-Notebook' });
const request = { event: importedEvent(finding), execution };

function plan(logger: Logger = recordingLogger()) {
  return createPlanHandler({
    sagemaker: new SageMakerClient({}),
    dynamodb: new DynamoDBClient({}),
    settings,
    now: () => now,
    logger,
  });
}

function notFound(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationException' });
}

beforeEach(() => {
  sagemaker.reset();
  dynamodb.reset();
  sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
  sagemaker
    .on(DescribeNotebookInstanceCommand)
    .resolves({ NotebookInstanceStatus: 'InService', RootAccess: 'Enabled' });
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(DeleteItemCommand).resolves({});
});

describe('PlanRemediation handler', () => {
  it('InService notebook: takes the lock with an expiry and re-entrant condition, then plans the remediation', async () => {
    const result = await plan()(request);
    expect(result.plan.action).toBe('remediate');
    expect(result.runState).toEqual({ wasRunning: true });
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'locks',
      Item: {
        lockKey: { S: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook' },
        ownerExecutionArn: { S: execution.id },
        findingId: { S: finding.Id },
        controlId: { S: 'SageMaker.3' },
        remediation: { S: 'disable-root-access' },
        findings: { L: [{ M: { Id: { S: finding.Id }, ProductArn: { S: finding.ProductArn } } }] },
        acquiredAt: { S: '2026-11-23T09:00:00.000Z' },
        expiresAt: { N: String(now.getTime() / 1000 + 21600) },
      },
      ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now OR #owner = :me',
      ExpressionAttributeNames: {
        '#key': 'lockKey',
        '#expiresAt': 'expiresAt',
        '#owner': 'ownerExecutionArn',
      },
      ExpressionAttributeValues: { ':now': { N: String(now.getTime() / 1000) }, ':me': { S: execution.id } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    // The notebook is observed after the lock is held, so a finished competitor's changes are seen.
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(sagemaker.commandCalls(DescribeNotebookInstanceCommand)).toHaveLength(1);
  });

  it('reads every page of tags: an exemption tag on page 3 still exempts', async () => {
    sagemaker
      .on(ListTagsCommand)
      .resolvesOnce({ Tags: [{ Key: 'a', Value: '1' }], NextToken: 'page-2' })
      .resolvesOnce({ Tags: [{ Key: 'b', Value: '2' }], NextToken: 'page-3' })
      .resolvesOnce({ Tags: [{ Key: 'securityhub-remediation', Value: 'skip' }] });
    const result = await plan()(request);
    expect(result.plan.annotation.outcome).toBe('SKIPPED_EXEMPT');
    expect(sagemaker.commandCalls(ListTagsCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      'page-2',
      'page-3',
    ]);
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('lock held by another execution: names the holder, never observes or changes the notebook', async () => {
    dynamodb.on(PutItemCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
        Item: { ownerExecutionArn: { S: 'arn:first' }, findingId: { S: 'legacy-finding' } },
      }),
    );
    const result = await plan()(request);
    expect(result.plan.action).toBe('annotate');
    expect(result.plan.annotation.note).toContain(
      'already being remediated by execution arn:first (finding legacy-finding)',
    );
    expect(sagemaker.commandCalls(DescribeNotebookInstanceCommand)).toHaveLength(0);
  });

  it('describe fails after the lock is taken: the lock is released (only if still ours) and the error surfaces', async () => {
    sagemaker
      .on(DescribeNotebookInstanceCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(plan()(request)).rejects.toThrow('Rate exceeded');
    expect(dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'locks',
      Key: { lockKey: { S: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook' } },
      ConditionExpression: '#owner = :me',
      ExpressionAttributeNames: { '#owner': 'ownerExecutionArn' },
      ExpressionAttributeValues: { ':me': { S: execution.id } },
    });
  });

  it('nothing to change (already compliant): the lock is released at once', async () => {
    sagemaker
      .on(DescribeNotebookInstanceCommand)
      .resolves({ NotebookInstanceStatus: 'Stopped', RootAccess: 'Disabled' });
    const result = await plan()(request);
    expect(result.plan.annotation.outcome).toBe('ALREADY_COMPLIANT');
    expect(dynamodb.commandCalls(DeleteItemCommand)).toHaveLength(1);
  });

  it('notebook gone (ListTags not found): annotated as gone, no lock taken', async () => {
    sagemaker.on(ListTagsCommand).rejects(notFound('Resource (arn) not found.'));
    const result = await plan()(request);
    expect(result.plan.annotation.outcome).toBe('RESOURCE_GONE');
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('malformed request: InvalidFindingEvent listing the problems, logged, and no AWS call', async () => {
    const logger = recordingLogger();
    const rejection = plan(logger)({ event: { source: 'aws.securityhub' }, execution });
    await expect(rejection).rejects.toBeInstanceOf(InvalidFindingEvent);
    await expect(rejection).rejects.toThrow(/detail-type/);
    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([['warn', 'event rejected']]);
    expect(sagemaker.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('a request without execution identity is rejected too', async () => {
    await expect(plan()({ event: importedEvent(finding) })).rejects.toBeInstanceOf(InvalidFindingEvent);
  });
});
