/**
 * A failed custom-action click is never lost: EventBridge invokes the custom-action Lambda
 * asynchronously, so a click whose invocation still fails after Lambda's own retries goes to an
 * on-failure queue (encrypted, TLS-only, alarmed on) instead of being dropped.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { customActionFailureDescription } from '../../stacks/remediation-alarms.js';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import { nagAcknowledgementsIn } from './construct-harness.js';
import {
  appWithoutBundling,
  attachedPolicyStatements,
  buildStack,
  inlinePolicies,
  logicalId,
  readable,
  TEST_REGION,
} from './synthesis.js';

let stack: SageMakerRemediationStack;
let template: Template;
const ids: Record<string, string> = {};

beforeAll(() => {
  // Given the stack with its defaults (no bundling: only the template is looked at)
  stack = buildStack({}, appWithoutBundling());
  template = Template.fromStack(stack);
  Object.assign(ids, {
    key: logicalId(stack, stack.encryptionKey),
    topic: logicalId(stack, stack.alertTopic),
    customAction: logicalId(stack, stack.customActionFunction),
    customActionRole: logicalId(stack, stack.customActionFunction.role ?? stack),
    failureQueue: logicalId(stack, stack.customActionFailureQueue),
  });
});

/** Every alarm on the failure queue, its intrinsics made readable. */
function failureQueueAlarms(): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((alarm) => readable(alarm.Properties) as Record<string, unknown>)
    .filter((alarm) =>
      (alarm.Dimensions as Array<{ Value: string }>).some(
        (dimension) => dimension.Value === `${ids.failureQueue}.QueueName`,
      ),
    );
}

describe('custom-action failures: the on-failure destination', () => {
  it('Given the custom-action function, When an asynchronous invocation fails, Then Lambda retries it twice within 6 hours and then sends it to the failure queue', () => {
    // When the function's asynchronous invocation configurations are read
    const configurations = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map(
      (configuration) => readable(configuration.Properties),
    );

    // Then there is exactly one, on the custom-action function, with both limits stated
    expect(configurations).toEqual([
      {
        FunctionName: `ref:${ids.customAction}`,
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 60 * 60,
        DestinationConfig: { OnFailure: { Destination: `${ids.failureQueue}.Arn` } },
      },
    ]);
  });

  it('Given the failure queue, Then it is encrypted with the stack key, keeps messages 14 days and refuses every request without TLS', () => {
    // When the queue and its policy are read
    const queue = template.toJSON().Resources[ids.failureQueue as string];
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'))
      .map((policy) => readable(policy.Properties) as { Queues: string[]; PolicyDocument: unknown })
      .filter((policy) => policy.Queues.includes(`ref:${ids.failureQueue}`));

    // Then the customer managed key, 14 days, and a policy that only denies plain HTTP (the function
    // sends with its role's permissions, so no principal is allowed anything here)
    expect(readable(queue.Properties)).toEqual({
      KmsMasterKeyId: `${ids.key}.Arn`,
      MessageRetentionPeriod: 14 * 24 * 60 * 60,
    });
    expect(policies.map((policy) => policy.PolicyDocument)).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: `${ids.failureQueue}.Arn`,
          },
        ],
      },
    ]);
  });

  it("Given the custom-action role, Then it may send to the failure queue and use the key through SQS only, and holds none of the extra actions CDK's SqsDestination grants", () => {
    // When the role's statements are read
    const inline = inlinePolicies(template, ids.customActionRole as string).CustomActionPermissions ?? [];
    const all = [...inline, ...attachedPolicyStatements(template, ids.customActionRole as string)];

    // Then the two statements Lambda needs for an SSE-KMS queue destination, exactly
    expect(inline.filter(({ Sid }) => Sid === 'SendFailedClicks' || Sid === 'FailureQueueKey')).toEqual([
      {
        Sid: 'SendFailedClicks',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [`${ids.failureQueue}.Arn`],
      },
      {
        Sid: 'FailureQueueKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [`${ids.key}.Arn`],
        Condition: { StringEquals: { 'kms:ViaService': `sqs.${TEST_REGION}.amazonaws.com` } },
      },
    ]);
    // And no statement names the queue but SendFailedClicks, none has an SQS action but SendMessage,
    // and every KMS statement is limited to one service, with only what that service needs of it
    expect(
      all.filter(({ Resource }) => Resource.includes(`${ids.failureQueue}.Arn`)).map(({ Sid }) => Sid),
    ).toEqual(['SendFailedClicks']);
    expect(all.flatMap(({ Action }) => Action).filter((action) => action.startsWith('sqs:'))).toEqual([
      'sqs:SendMessage',
    ]);
    const kmsByService = all
      .filter(({ Action }) => Action.some((action) => action.startsWith('kms:')))
      .map((statement) => [statement.Condition?.StringEquals?.['kms:ViaService'], statement.Action]);
    expect(kmsByService).toEqual([
      // The approval table: DynamoDB decrypts the table key as the caller
      [`dynamodb.${TEST_REGION}.amazonaws.com`, ['kms:Decrypt']],
      // The failure queue: an SQS producer generates and verifies data keys
      [`sqs.${TEST_REGION}.amazonaws.com`, ['kms:Decrypt', 'kms:GenerateDataKey']],
    ]);
    for (const statement of all.filter(({ Action }) => Action.some((action) => action.startsWith('kms:')))) {
      expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
      expect(Object.keys(statement.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
    }
  });
});

describe('custom-action failures: cdk-nag', () => {
  it('Given the failure queue, Then its one acknowledgement is SQS3, because it is itself a Lambda on-failure destination', () => {
    expect(nagAcknowledgementsIn(stack.customActionFailureQueue)).toEqual([
      {
        path: 'SageMakerRemediation/Functions/CustomActionFailureQueue',
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is itself the on-failure destination of the custom-action function's asynchronous invocations (a Lambda destination, not an SQS redrive dead-letter queue, which cdk-nag cannot see); its messages are alarmed on.",
      },
    ]);
  });
});

describe('custom-action failures: the alarm and the output', () => {
  it('Given a message in the failure queue, Then one alarm publishes to the alert topic, telling the operator how to read, replay or redo the click', () => {
    // When the alarms on the failure queue are read
    const alarms = failureQueueAlarms();

    // Then one, on any visible message in 5 minutes, to the topic
    expect(alarms).toEqual([
      {
        AlarmActions: [`ref:${ids.topic}`],
        AlarmDescription: customActionFailureDescription(
          `ref:${ids.failureQueue}`,
          `ref:${ids.customAction}`,
        ),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [{ Name: 'QueueName', Value: `${ids.failureQueue}.QueueName` }],
        EvaluationPeriods: 1,
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Period: 300,
        Statistic: 'Maximum',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      },
    ]);
    // And the description names the deployed queue and function and each step
    const description = alarms[0]?.AlarmDescription as string;
    expect(description).toContain(
      `aws sqs receive-message --queue-url ref:${ids.failureQueue} --attribute-names All`,
    );
    expect(description).toContain(
      `aws lambda invoke --function-name ref:${ids.customAction} --cli-binary-format raw-in-base64-out --payload file://event.json out.json`,
    );
    expect(description).toContain('choose the action again on those findings in the Security Hub console');
    expect(description).toContain('Then delete the message');
  });

  it("Given the longest queue URL and function name AWS allows, Then the alarm description fits CloudWatch's 1024 characters", () => {
    // Given an 80-character queue name in a long region and partition suffix, a 64-character function name
    const queueUrl = `https://sqs.ap-southeast-5.amazonaws.com.cn/123456789012/${'q'.repeat(80)}`;
    const functionName = 'f'.repeat(64);

    // When / Then
    expect(customActionFailureDescription(queueUrl, functionName).length).toBeLessThanOrEqual(1024);
  });

  it('Given the stack, Then it outputs the failure queue URL', () => {
    expect(template.toJSON().Outputs.CustomActionFailureQueueUrl).toEqual({
      Description: 'Failed custom-action clicks, each message with its event: see CustomActionFailuresAlarm.',
      Value: { Ref: ids.failureQueue },
    });
  });
});
