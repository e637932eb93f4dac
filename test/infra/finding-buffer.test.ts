/**
 * The finding buffer as deployed: the queue the finding rules send to, its dead-letter queue and alarm,
 * the event source mapping of the starter, and the starter's permissions.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { worstCaseReceives } from '../../handlers/shared/execution-spacing.js';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MAX_RECEIVE_COUNT, visibilityTimeoutSeconds } from '../../stacks/finding-buffer.js';
import { buildStack } from './synthesis.js';

const stack = buildStack();
const template = Template.fromStack(stack);
const buffer = stack.intake.buffer;
// Resolved, so that the logical IDs the stack keeps (keepLogicalIds) are the ones compared.
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve(((construct.node.defaultChild ?? construct) as CfnElement).logicalId) as string;

describe('finding buffer', () => {
  it('Given the default configuration, Then the queue is encrypted with the stack key, holds a message 14 days, hides it 6 times the starter timeout, and dead-letters it after 1,000 receives', () => {
    const queue = template.toJSON().Resources[id(buffer.queue)].Properties;
    expect(queue.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [id(stack.encryptionKey), 'Arn'] });
    expect(queue.VisibilityTimeout).toBe(180);
    expect(visibilityTimeoutSeconds()).toBe(180);
    expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(buffer.deadLetterQueue), 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    // The arithmetic of docs/architecture.md: a 1,000-finding burst of one account never dead-letters
    expect(worstCaseReceives(1000, 10, queue.VisibilityTimeout)).toBeLessThanOrEqual(
      queue.RedrivePolicy.maxReceiveCount,
    );
  });

  it('Given the default configuration, Then the starter reads 10 messages at a time, reports batch item failures and runs at most 2 at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(buffer.queue), 'Arn'] },
      FunctionName: { Ref: id(buffer.starter.fn) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('Given intake.concurrencyPerAccountRegion 4, Then the starter is deployed with that concurrency', () => {
    const custom = buildStack({ intake: { concurrencyPerAccountRegion: 4 } });
    const starter =
      Template.fromStack(custom).toJSON().Resources[
        custom.getLogicalId(custom.intake.buffer.starter.fn.node.defaultChild as never)
      ].Properties;
    expect(JSON.stringify(starter.Environment.Variables.START_SETTINGS)).toContain(
      'concurrencyPerAccountRegion\\":4',
    );
  });

  it('Given a dead-lettered finding, Then the DeadLetteredFindingsAlarm publishes to the alert topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(buffer.deadLetterQueue), 'QueueName'] } }],
      AlarmActions: [{ Ref: id(stack.alertTopic) }],
      Threshold: 1,
    });
  });

  it('Given the starter role, Then it may consume only the queue, start only the state machine and use only the slot table', () => {
    const role = template.toJSON().Resources[id(buffer.starter.role)].Properties;
    const statements = role.Policies[0].PolicyDocument.Statement;
    const bySid = (sid: string) => statements.find((statement: { Sid?: string }) => statement.Sid === sid);
    expect(bySid('ConsumeFindingQueue')).toMatchObject({
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: { 'Fn::GetAtt': [id(buffer.queue), 'Arn'] },
    });
    expect(bySid('StartExecutions')).toMatchObject({
      Action: 'states:StartExecution',
      Resource: { Ref: id(stack.stateMachine) },
    });
    expect(bySid('Slots')).toMatchObject({
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: { 'Fn::GetAtt': [id(buffer.slotTable), 'Arn'] },
    });
    expect(bySid('FindingQueueKey')).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['sqs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] },
        },
      },
    });
  });

  it('Given a concurrency out of bounds, Then the configuration is rejected at synth with the other problems', () => {
    expect(() => loadConfiguration({ intake: { concurrencyPerAccountRegion: 0 }, dryRun: 'yes' })).toThrow(
      /intake\.concurrencyPerAccountRegion[\s\S]*dryRun|dryRun[\s\S]*intake\.concurrencyPerAccountRegion/,
    );
    expect(loadConfiguration({}).intake.concurrencyPerAccountRegion).toBe(10);
  });
});
