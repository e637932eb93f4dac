import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { SimulatedSns } from '../../simulation/account/sns.js';
import { errorOf } from '../unit/caught-errors.js';

function setup() {
  const sns = new SimulatedSns(new SimulatedClock());
  const topicArn = sns.createTopic('remediation-approvals');
  return { sns, topicArn };
}

describe('SimulatedSns', () => {
  it('publish records the message and returns a MessageId', () => {
    // Given
    const { sns, topicArn } = setup();

    // When
    const result = sns.publish({
      TopicArn: topicArn,
      Subject: 'Approval needed: recreate notebook research',
      Message: 'Approve or reject within 24 hours.',
      MessageAttributes: { controlId: { DataType: 'String', StringValue: 'SageMaker.1' } },
    });

    // Then
    expect(topicArn).toBe('arn:aws:sns:eu-west-1:111122223333:remediation-approvals');
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.messages(topicArn)).toEqual([
      expect.objectContaining({
        MessageId: result.MessageId,
        TopicArn: topicArn,
        Subject: 'Approval needed: recreate notebook research',
        Message: 'Approve or reject within 24 hours.',
        MessageAttributes: { controlId: { DataType: 'String', StringValue: 'SageMaker.1' } },
      }),
    ]);
  });

  it.each([
    ['a subject over 100 characters', { Subject: 'x'.repeat(101) }, 'Invalid parameter: Subject'],
    ['a subject with a line break', { Subject: 'line\nbreak' }, 'Invalid parameter: Subject'],
    ['a non-ASCII subject', { Subject: 'Caf\u00e9 alert' }, 'Invalid parameter: Subject'],
    ['a subject starting with a space', { Subject: ' leading' }, 'Invalid parameter: Subject'],
    ['an empty message', { Message: '' }, 'Invalid parameter: Empty message'],
    [
      'a message over 256 KiB',
      { Message: 'x'.repeat(256 * 1024 + 1) },
      'Invalid parameter: Message too long',
    ],
  ])('publish with %s: InvalidParameterException', (_, change, message) => {
    // Given
    const { sns, topicArn } = setup();

    // When
    const error = errorOf(() => sns.publish({ TopicArn: topicArn, Message: 'hello', ...change }));

    // Then
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe(message);
    expect(sns.messages()).toEqual([]);
  });

  it('a 100-character subject is accepted', () => {
    // Given
    const { sns, topicArn } = setup();

    // When / Then
    expect(() => sns.publish({ TopicArn: topicArn, Subject: 's'.repeat(100), Message: 'm' })).not.toThrow();
  });

  it.each([
    ['an unknown data type', { a: { DataType: 'Date', StringValue: 'x' } }],
    ['a Number that is not a number', { a: { DataType: 'Number', StringValue: 'ten' } }],
    ['a String.Array that is not a JSON array', { a: { DataType: 'String.Array', StringValue: 'x' } }],
    ['a String without a value', { a: { DataType: 'String' } }],
  ])('message attributes with %s: InvalidParameterValueException', (_, attributes) => {
    // Given
    const { sns, topicArn } = setup();

    // When
    const error = errorOf(() =>
      sns.publish({ TopicArn: topicArn, Message: 'm', MessageAttributes: attributes }),
    );

    // Then
    expect(error.name).toBe('InvalidParameterValueException');
  });

  it('publishing to an unknown topic: NotFoundException', () => {
    // Given
    const { sns } = setup();

    // When
    const error = errorOf(() =>
      sns.publish({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:missing', Message: 'm' }),
    );

    // Then
    expect(error.name).toBe('NotFoundException');
    expect(error.message).toBe('Topic does not exist');
  });
});
