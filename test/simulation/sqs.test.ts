import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { SimulatedKms } from '../../simulation/account/kms.js';
import { SimulatedSqs } from '../../simulation/account/sqs.js';
import { errorOf, rejectionOf } from '../unit/caught-errors.js';

function setup() {
  const clock = new SimulatedClock();
  const kms = new SimulatedKms(clock);
  const sqs = new SimulatedSqs(clock, kms);
  const { queueUrl, queueArn } = sqs.createQueue('remediation-outcomes');
  return { clock, kms, sqs, queueUrl, queueArn };
}

describe('SimulatedSqs SendMessage', () => {
  it('records the message and answers with its id and the MD5 of the body and attributes', () => {
    // Given
    const { sqs, queueUrl, queueArn } = setup();

    // When
    const result = sqs.sendMessage({
      QueueUrl: queueUrl,
      MessageBody: '{"notebook":"research"}',
      MessageAttributes: { controlId: { DataType: 'String', StringValue: 'SageMaker.1' } },
    });

    // Then
    expect(queueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/111122223333/remediation-outcomes');
    expect(queueArn).toBe('arn:aws:sqs:eu-west-1:111122223333:remediation-outcomes');
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.MD5OfMessageBody).toBe(createHash('md5').update('{"notebook":"research"}').digest('hex'));
    expect(result.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(sqs.messages(queueUrl)).toEqual([
      expect.objectContaining({
        MessageId: result.MessageId,
        Body: '{"notebook":"research"}',
        MessageAttributes: { controlId: { DataType: 'String', StringValue: 'SageMaker.1' } },
      }),
    ]);
  });

  it('the MD5 of message attributes follows the documented algorithm', () => {
    // Given
    const { sqs, queueUrl } = setup();
    // Name, type and value, each length-prefixed, with transport type 1 (string) between type and value.
    const expected = createHash('md5')
      .update(Buffer.from([0, 0, 0, 1]))
      .update('a')
      .update(Buffer.from([0, 0, 0, 6]))
      .update('String')
      .update(Buffer.from([1, 0, 0, 0, 1]))
      .update('x')
      .digest('hex');

    // When
    const result = sqs.sendMessage({
      QueueUrl: queueUrl,
      MessageBody: 'm',
      MessageAttributes: { a: { DataType: 'String', StringValue: 'x' } },
    });

    // Then
    expect(result.MD5OfMessageAttributes).toBe(expected);
  });

  it('a message of exactly the maximum size is accepted; one byte more is refused, attributes included', () => {
    // Given
    const { sqs, queueUrl } = setup();
    const attributes = { k: { DataType: 'String', StringValue: 'v' } }; // 1 + 6 + 1 bytes

    // When
    const accepted = () => sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'x'.repeat(262_144) });
    const error = errorOf(() =>
      sqs.sendMessage({
        QueueUrl: queueUrl,
        MessageBody: 'x'.repeat(262_137),
        MessageAttributes: attributes,
      }),
    );

    // Then
    expect(accepted).not.toThrow();
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe(
      'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    );
  });

  it('an empty body: MissingParameter', () => {
    // Given
    const { sqs, queueUrl } = setup();

    // When
    const error = errorOf(() => sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: '' }));

    // Then
    expect(error.name).toBe('MissingParameter');
    expect(error.message).toBe('The request must contain the parameter MessageBody.');
  });

  it.each([
    [
      'an empty attribute name',
      { '': { DataType: 'String', StringValue: 'v' } },
      'The request must contain non-empty message attribute name.',
    ],
    [
      'an empty String value',
      { piyo: { DataType: 'String', StringValue: '' } },
      "Message (user) attribute 'piyo' must contain a non-empty value of type 'String'.",
    ],
  ])('%s: InvalidParameterValue', (_, attributes, message) => {
    // Given
    const { sqs, queueUrl } = setup();

    // When
    const error = errorOf(() =>
      sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm', MessageAttributes: attributes }),
    );

    // Then
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe(message);
    expect(sqs.messages(queueUrl)).toEqual([]);
  });

  it('DelaySeconds out of 0..900, and more than 10 attributes: InvalidParameterValue', () => {
    // Given
    const { sqs, queueUrl } = setup();
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );

    // When
    const delay = errorOf(() => sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm', DelaySeconds: 901 }));
    const many = errorOf(() =>
      sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm', MessageAttributes: eleven }),
    );

    // Then
    expect(delay.name).toBe('InvalidParameterValue');
    expect(many.name).toBe('InvalidParameterValue');
  });

  it('an unknown queue: QueueDoesNotExist, as the SDK v3 names it', () => {
    // Given
    const { sqs } = setup();

    // When
    const error = errorOf(() =>
      sqs.sendMessage({
        QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/missing',
        MessageBody: 'm',
      }),
    );

    // Then
    expect(error.name).toBe('QueueDoesNotExist');
    expect(error.message).toBe('The specified queue does not exist.');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('characters outside the allowed set are replaced with U+FFFD', () => {
    // Given
    const { sqs, queueUrl } = setup();

    // When
    sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'a\u0000b' });

    // Then
    expect(sqs.messages(queueUrl)[0]?.Body).toBe('a\uFFFDb');
  });
});

describe('SimulatedSqs GetQueueAttributes', () => {
  it('counts visible and delayed messages', () => {
    // Given
    const { clock, sqs, queueUrl } = setup();
    sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'now' });
    sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 60 });

    // When
    const before = sqs.getQueueAttributes({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'],
    });
    clock.advance(60_000);
    const after = sqs.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['All'] });

    // Then
    expect(before).toEqual({
      Attributes: { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesDelayed: '1' },
    });
    expect(after.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '2',
      ApproximateNumberOfMessagesDelayed: '0',
      QueueArn: 'arn:aws:sqs:eu-west-1:111122223333:remediation-outcomes',
    });
  });

  it('an unknown attribute name: InvalidAttributeName', () => {
    // Given
    const { sqs, queueUrl } = setup();

    // When
    const error = errorOf(() => sqs.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['Colour'] }));

    // Then
    expect(error.name).toBe('InvalidAttributeName');
  });
});

describe('SimulatedSqs with a KMS key', () => {
  it.each([
    ['Disabled', 'KmsDisabled', 'is disabled.'],
    ['PendingDeletion', 'KmsInvalidState', 'is pending deletion.'],
  ] as const)('a %s key: %s, relaying KMS message, and nothing is queued', (state, code, suffix) => {
    // Given
    const { kms, sqs } = setup();
    const key = kms.seedKey({ keyState: state });
    const { queueUrl } = sqs.createQueue('encrypted', { kmsMasterKeyId: key.keyId });

    // When
    const error = errorOf(() => sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm' }));

    // Then
    expect(error.name).toBe(code);
    expect(error.message).toBe(`${key.arn} ${suffix}`);
    expect(sqs.messages(queueUrl)).toEqual([]);
  });

  it('a key KMS does not know, once KMS is modelled: KmsNotFound', () => {
    // Given
    const { kms, sqs } = setup();
    kms.seedKey();
    const { queueUrl } = sqs.createQueue('encrypted', { kmsMasterKeyId: 'alias/missing' });

    // When
    const error = errorOf(() => sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm' }));

    // Then
    expect(error.name).toBe('KmsNotFound');
    expect(error.message).toBe('Alias arn:aws:kms:eu-west-1:111122223333:alias/missing is not found.');
  });

  it('the data key is reused for the reuse period: a key disabled meanwhile fails only after it', () => {
    // Given
    const { clock, kms, sqs } = setup();
    const key = kms.seedKey();
    const { queueUrl } = sqs.createQueue('encrypted', {
      kmsMasterKeyId: key.arn,
      kmsDataKeyReusePeriodSeconds: 60,
    });
    sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'first' });
    kms.setKeyState(key.keyId, 'Disabled');

    // When
    const within = sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'second' });
    clock.advance(60_000);
    const after = errorOf(() => sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'third' }));

    // Then
    expect(within.MessageId).toBeDefined();
    expect(after.name).toBe('KmsDisabled');
    expect(sqs.messages(queueUrl).map((message) => message.Body)).toEqual(['first', 'second']);
  });

  it('while KMS is unmodelled, the queue key is created as given', () => {
    // Given
    const clock = new SimulatedClock();
    const kms = new SimulatedKms(clock);
    const sqs = new SimulatedSqs(clock, kms);

    // When
    const { queueUrl } = sqs.createQueue('encrypted', {
      kmsMasterKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    sqs.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm' });

    // Then
    expect(sqs.queue(queueUrl)).toEqual({
      arn: 'arn:aws:sqs:eu-west-1:111122223333:encrypted',
      keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  });
});

describe('SQS through the account', () => {
  it('Step Functions: QueueDoesNotExist is declared, so Sqs.QueueDoesNotExistException', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });

    // When
    const error = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:sqs:sendMessage', {
        QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/missing',
        MessageBody: 'm',
      }),
    );

    // Then
    expect(error.name).toBe('Sqs.QueueDoesNotExistException');
  });

  it('the optimized sqs:sendMessage integration returns the message id and response metadata', async () => {
    // Given
    const account = new SimulatedAccount({ latencyMs: 0 });
    const { queueUrl } = account.sqs.createQueue('outcomes');

    // When
    const result = (await account.callStepFunctionsIntegration('arn:aws:states:::sqs:sendMessage', {
      QueueUrl: queueUrl,
      MessageBody: 'm',
    })) as Record<string, unknown>;

    // Then
    expect(result).toMatchObject({ MessageId: expect.any(String), SdkHttpMetadata: { HttpStatusCode: 200 } });
    expect(account.sqs.messages(queueUrl)).toHaveLength(1);
  });
});
