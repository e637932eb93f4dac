/**
 * SNS topics and Publish with the API's validation rules; published messages are recorded for tests.
 */

import type { SimulatedClock } from './clock.js';
import { IdSequence } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';
import { InputReader, isRecord } from './input-reader.js';

const MAX_MESSAGE_BYTES = 256 * 1024;
const ATTRIBUTE_TYPES = ['String', 'Number', 'Binary', 'String.Array'];

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array | string;
}

export interface PublishInput {
  TopicArn?: string;
  TargetArn?: string;
  PhoneNumber?: string;
  Message?: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, MessageAttribute>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

/** A message as it was published: the Publish request's members (as AWS names them), its id and time. */
export interface PublishedMessage {
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject: string | undefined;
  readonly Message: string;
  readonly MessageAttributes: Readonly<Record<string, MessageAttribute>>;
  readonly MessageGroupId: string | undefined;
  readonly at: Date;
}

export class SimulatedSns {
  private readonly topics = new Set<string>();
  /** KmsMasterKeyId of each encrypted topic, as an ARN. */
  private readonly topicKeys = new Map<string, string>();
  private readonly published: PublishedMessage[] = [];
  private readonly messageIds = new IdSequence('sns-message');

  constructor(
    private readonly clock: SimulatedClock,
    readonly accountId = '111122223333',
    readonly region = 'eu-west-1',
  ) {}

  createTopic(name: string, options: { readonly kmsKeyArn?: string } = {}): string {
    const fifo = name.endsWith('.fifo');
    const base = fifo ? name.slice(0, -'.fifo'.length) : name;
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(base) || name.length > 256) {
      throw new AwsServiceError({
        service: 'SNS',
        operation: 'CreateTopic',
        code: 'InvalidParameterException',
        message: 'Invalid parameter: Topic Name',
      });
    }
    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    this.topics.add(arn);
    if (options.kmsKeyArn !== undefined) this.topicKeys.set(arn, options.kmsKeyArn);
    return arn;
  }

  /** The customer managed key a topic encrypts messages with, if any. */
  topicKmsKeyArn(topicArn: string): string | undefined {
    return this.topicKeys.get(topicArn);
  }

  /** Messages published (to one topic, or all), oldest first. */
  messages(topicArn?: string): PublishedMessage[] {
    return this.published
      .filter((message) => topicArn === undefined || message.TopicArn === topicArn)
      .map((message) => structuredClone(message));
  }

  publish(input: PublishInput): { MessageId: string; SequenceNumber?: string } {
    const operation = 'Publish';
    const invalid = (message: string, code = 'InvalidParameterException') =>
      new AwsServiceError({ service: 'SNS', operation, code, message });
    const reader = InputReader.of(input, (message) => invalid(message, 'ValidationException'));
    reader.rejectUnknown([
      'TopicArn',
      'TargetArn',
      'PhoneNumber',
      'Message',
      'Subject',
      'MessageStructure',
      'MessageAttributes',
      'MessageDeduplicationId',
      'MessageGroupId',
    ]);
    if (reader.has('TargetArn') || reader.has('PhoneNumber')) {
      throw new Error('The simulated SNS only publishes to topics (TopicArn)');
    }
    const topicArn = reader.optionalString('TopicArn');
    if (topicArn === undefined) {
      throw invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    }
    const rawMessage = reader.raw('Message');
    if (rawMessage === undefined || rawMessage === null) {
      throw invalid(
        'Invalid parameter: Message Reason: no value for required parameter',
        'ValidationException',
      );
    }
    if (typeof rawMessage !== 'string') {
      throw invalid('Invalid parameter: Message');
    }
    const message = rawMessage;
    if (message.length === 0) {
      throw invalid('Invalid parameter: Empty message');
    }
    const subject = reader.optionalString('Subject');
    if (subject !== undefined && !isValidSubject(subject)) {
      throw invalid('Invalid parameter: Subject');
    }
    const structure = reader.optionalString('MessageStructure');
    if (structure !== undefined) {
      if (structure !== 'json') {
        throw invalid('Invalid parameter: MessageStructure');
      }
      const parsed = safeJsonParse(message);
      if (!isRecord(parsed) || typeof parsed.default !== 'string') {
        throw invalid('Invalid parameter: Message Structure - No default entry in JSON message body');
      }
    }
    const attributes = this.readAttributes(reader.optionalRecord('MessageAttributes'), invalid);
    const totalBytes =
      Buffer.byteLength(message, 'utf8') +
      Object.entries(attributes).reduce(
        (sum, [name, attribute]) =>
          sum +
          Buffer.byteLength(name, 'utf8') +
          Buffer.byteLength(attribute.DataType, 'utf8') +
          Buffer.byteLength(attribute.StringValue ?? '', 'utf8') +
          (attribute.BinaryValue === undefined
            ? 0
            : Buffer.byteLength(String(attribute.BinaryValue), 'utf8')),
        0,
      );
    if (totalBytes > MAX_MESSAGE_BYTES) {
      throw invalid('Invalid parameter: Message too long');
    }
    if (!this.topics.has(topicArn)) {
      throw new AwsServiceError({
        service: 'SNS',
        operation,
        code: 'NotFoundException',
        httpStatusCode: 404,
        message: 'Topic does not exist',
      });
    }
    const fifo = topicArn.endsWith('.fifo');
    const messageGroupId = reader.optionalString('MessageGroupId', { maxLength: 128 });
    if (fifo && messageGroupId === undefined) {
      throw invalid('Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    }
    reader.optionalString('MessageDeduplicationId', { maxLength: 128 });
    const messageId = this.messageIds.next();
    this.published.push({
      MessageId: messageId,
      TopicArn: topicArn,
      Subject: subject,
      Message: message,
      MessageAttributes: attributes,
      MessageGroupId: messageGroupId,
      at: this.clock.now(),
    });
    return fifo
      ? {
          MessageId: messageId,
          SequenceNumber: String(10000000000000000000n + BigInt(this.published.length)),
        }
      : { MessageId: messageId };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    // Input is validated member by member inside the operation; the cast only names the shape.
    return { Publish: (input) => this.publish(input as PublishInput) };
  }

  private readAttributes(
    record: Readonly<Record<string, unknown>> | undefined,
    invalid: (message: string, code?: string) => AwsServiceError,
  ): Record<string, MessageAttribute> {
    const attributes: Record<string, MessageAttribute> = {};
    for (const [name, value] of Object.entries(record ?? {})) {
      if (!isRecord(value) || typeof value.DataType !== 'string') {
        throw invalid(
          `The message attribute '${name}' must contain non-empty message attribute type.`,
          'InvalidParameterValueException',
        );
      }
      const dataType = value.DataType;
      if (!ATTRIBUTE_TYPES.includes(dataType)) {
        throw invalid(
          `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
          'InvalidParameterValueException',
        );
      }
      const stringValue = value.StringValue;
      const binaryValue = value.BinaryValue;
      if (dataType === 'Binary') {
        if (binaryValue === undefined) {
          throw invalid(
            `The message attribute '${name}' must contain non-empty message attribute value for message attribute type 'Binary'.`,
            'InvalidParameterValueException',
          );
        }
      } else if (typeof stringValue !== 'string' || stringValue === '') {
        throw invalid(
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
          'InvalidParameterValueException',
        );
      }
      if (
        dataType === 'Number' &&
        typeof stringValue === 'string' &&
        !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(stringValue)
      ) {
        throw invalid(
          `Could not cast message attribute '${name}' value to number.`,
          'InvalidParameterValueException',
        );
      }
      if (
        dataType === 'String.Array' &&
        typeof stringValue === 'string' &&
        !Array.isArray(safeJsonParse(stringValue))
      ) {
        throw invalid(
          `The message attribute '${name}' with type 'String.Array' must be a JSON array.`,
          'InvalidParameterValueException',
        );
      }
      attributes[name] = {
        DataType: dataType,
        ...(typeof stringValue === 'string' ? { StringValue: stringValue } : {}),
        ...(binaryValue instanceof Uint8Array || typeof binaryValue === 'string'
          ? { BinaryValue: binaryValue }
          : {}),
      };
    }
    return attributes;
  }
}

/**
 * The Publish rule: ASCII text starting with a letter, number or punctuation mark, no line breaks or
 * control characters, at most 100 characters.
 */
function isValidSubject(subject: string): boolean {
  return (
    subject.length >= 1 &&
    subject.length <= 100 &&
    /^[\x20-\x7E]+$/.test(subject) &&
    /^[A-Za-z0-9!-/:-@[-`{-~]/.test(subject)
  );
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
