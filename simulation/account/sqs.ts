/**
 * SQS standard queues: SendMessage and GetQueueAttributes with the API's rules; sent messages are
 * kept for tests (`messages`). A queue with a KMS key asks the simulated KMS for a data key on send,
 * and reuses it for the queue's data key reuse period, as SQS does.
 *
 * API references (SQS speaks the JSON protocol since 2023; the SDK v3 names errors by their shape,
 * e.g. `QueueDoesNotExist`, where the query protocol said `AWS.SimpleQueueService.NonExistentQueue`):
 * - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 * - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
 * - https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 *   (the MD5 of message attributes)
 *
 * Messages seen from AWS (public reports): `The specified queue does not exist.` (QueueDoesNotExist,
 * SDK v3), `One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.`,
 * `The request must contain the parameter MessageBody.` (MissingParameter, also for an empty body),
 * `The request must contain non-empty message attribute name.` and `Message (user) attribute '<name>'
 * must contain a non-empty value of type '<type>'.` (InvalidParameterValue). Others are marked.
 */

import { createHash } from 'node:crypto';
import type { SimulatedClock } from './clock.js';
import { IdSequence } from './deterministic-ids.js';
import { AwsServiceError } from './errors.js';
import { InputReader, isRecord } from './input-reader.js';
import type { SimulatedKms } from './kms.js';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array | string;
}

export interface QueueOptions {
  /** A KMS key (id, ARN, alias) for server-side encryption. */
  readonly kmsMasterKeyId?: string;
  /** The queue policy, JSON text or a document (kept for the IAM evaluation). */
  readonly policy?: string | Readonly<Record<string, unknown>>;
  readonly delaySeconds?: number;
  /** Bytes, body and attributes together (default 262,144; AWS now allows up to 1 MiB). */
  readonly maximumMessageSize?: number;
  readonly kmsDataKeyReusePeriodSeconds?: number;
}

export interface SentMessage {
  readonly MessageId: string;
  readonly Body: string;
  readonly MessageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly MessageGroupId: string | undefined;
  readonly sentAt: Date;
  /** When the message becomes visible (after its delay). */
  readonly visibleAt: Date;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly options: QueueOptions;
  readonly policy: string | undefined;
  readonly createdMs: number;
  readonly messages: SentMessage[];
  dataKeyUntilMs: number;
}

const MAX_ATTRIBUTES = 10;
/** Characters SQS accepts in a body (#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const KMS_ERRORS: Readonly<Record<string, string>> = {
  NotFoundException: 'KmsNotFound',
  DisabledException: 'KmsDisabled',
  KMSInvalidStateException: 'KmsInvalidState',
  InvalidKeyUsageException: 'KmsInvalidKeyUsage',
};
const ATTRIBUTE_NAMES = [
  'All',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'DelaySeconds',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'LastModifiedTimestamp',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'QueueArn',
  'ReceiveMessageWaitTimeSeconds',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
];

export class SimulatedSqs {
  private readonly queues = new Map<string, Queue>();
  private readonly messageIds = new IdSequence('sqs-message');

  constructor(
    private readonly clock: SimulatedClock,
    private readonly kms: SimulatedKms,
    readonly accountId = '111122223333',
    readonly region = 'eu-west-1',
  ) {}

  /** Creates a standard queue. With a key KMS does not know while KMS is unmodelled, creates the key. */
  createQueue(name: string, options: QueueOptions = {}): { queueUrl: string; queueArn: string } {
    if (name.endsWith('.fifo')) throw new Error('The simulated SQS does not simulate FIFO queues');
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new Error(`createQueue: invalid queue name ${name}`);
    if (this.queues.has(name)) throw new Error(`createQueue: queue ${name} already exists`);
    if (options.kmsMasterKeyId !== undefined && !this.kms.modelled)
      this.kms.materialiseKey(options.kmsMasterKeyId);
    const queue: Queue = {
      name,
      url: `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      options: { ...options },
      policy: typeof options.policy === 'object' ? JSON.stringify(options.policy) : options.policy,
      createdMs: this.clock.nowMs(),
      messages: [],
      dataKeyUntilMs: Number.NEGATIVE_INFINITY,
    };
    this.queues.set(name, queue);
    return { queueUrl: queue.url, queueArn: queue.arn };
  }

  /** A queue by URL, for the IAM evaluation: its ARN, key ARN and policy. */
  queue(queueUrl: string): { arn: string; keyArn?: string; policy?: string } | undefined {
    const queue = this.find(queueUrl);
    if (queue === undefined) return undefined;
    const keyArn =
      queue.options.kmsMasterKeyId === undefined ? undefined : this.kms.keyArn(queue.options.kmsMasterKeyId);
    return {
      arn: queue.arn,
      ...(keyArn === undefined ? {} : { keyArn }),
      ...(queue.policy === undefined ? {} : { policy: queue.policy }),
    };
  }

  /** Messages sent to a queue, oldest first (none are ever received: the project only sends). */
  messages(queueUrl: string): SentMessage[] {
    const queue = this.find(queueUrl);
    if (queue === undefined) throw new Error(`SimulatedSqs: no queue ${queueUrl}`);
    return structuredClone(queue.messages);
  }

  sendMessage(input: unknown): {
    MD5OfMessageBody: string;
    MD5OfMessageAttributes?: string;
    MessageId: string;
  } {
    const operation = 'SendMessage';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'QueueUrl',
      'MessageBody',
      'DelaySeconds',
      'MessageAttributes',
      'MessageSystemAttributes',
      'MessageDeduplicationId',
      'MessageGroupId',
    ]);
    const queue = this.requireQueue(reader, operation);
    const rawBody = reader.optionalString('MessageBody') ?? '';
    if (rawBody === '')
      throw this.error(operation, 'MissingParameter', 'The request must contain the parameter MessageBody.');
    // SQS now replaces characters outside the allowed set with U+FFFD instead of refusing the message.
    const body = rawBody.replace(INVALID_CHARACTER, '\uFFFD');
    if (/^\uFFFD*$/u.test(body) && body !== rawBody) {
      // Wording not confirmed.
      throw this.error(operation, 'InvalidMessageContents', 'The message body contains no valid characters.');
    }
    const delay = reader.optionalInteger('DelaySeconds');
    if (delay !== undefined && (delay < 0 || delay > 900)) {
      // Wording not confirmed.
      throw this.invalid(
        operation,
        `Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    }
    const deduplicationId = reader.optionalString('MessageDeduplicationId');
    if (deduplicationId !== undefined) {
      // Wording not confirmed; deduplication ids are for FIFO queues only.
      throw this.invalid(
        operation,
        `Value ${deduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }
    const messageGroupId = reader.optionalString('MessageGroupId', { minLength: 1, maxLength: 128 });
    reader.optionalRecord('MessageSystemAttributes');
    const attributes = this.readAttributes(reader.optionalRecord('MessageAttributes') ?? {}, operation);
    const size = Buffer.byteLength(body, 'utf8') + attributesSize(attributes);
    const maximum = queue.options.maximumMessageSize ?? 262_144;
    if (size > maximum) {
      throw this.invalid(
        operation,
        `One or more parameters are invalid. Reason: Message must be shorter than ${maximum} bytes.`,
      );
    }
    this.encrypt(queue, operation);
    const nowMs = this.clock.nowMs();
    const message: SentMessage = {
      MessageId: this.messageIds.next(),
      Body: body,
      MessageAttributes: attributes,
      MessageGroupId: messageGroupId,
      sentAt: new Date(nowMs),
      visibleAt: new Date(nowMs + (delay ?? queue.options.delaySeconds ?? 0) * 1000),
    };
    queue.messages.push(message);
    return {
      MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex'),
      ...(Object.keys(attributes).length > 0 ? { MD5OfMessageAttributes: attributesMd5(attributes) } : {}),
      MessageId: message.MessageId,
    };
  }

  getQueueAttributes(input: unknown): { Attributes?: Record<string, string> } {
    const operation = 'GetQueueAttributes';
    const reader = this.reader(input, operation);
    reader.rejectUnknown(['QueueUrl', 'AttributeNames']);
    const queue = this.requireQueue(reader, operation);
    const names = reader.optionalStringList('AttributeNames') ?? [];
    const unknown = names.find((name) => !ATTRIBUTE_NAMES.includes(name));
    if (unknown !== undefined) {
      // Wording not confirmed.
      throw this.error(operation, 'InvalidAttributeName', `Unknown Attribute ${unknown}.`);
    }
    if (names.length === 0) return {};
    const all = this.attributesOf(queue);
    const wanted = names.includes('All') ? Object.keys(all) : names;
    return {
      Attributes: Object.fromEntries(
        wanted.filter((name) => name in all).map((name) => [name, all[name] ?? '']),
      ),
    };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      SendMessage: (input) => this.sendMessage(input),
      GetQueueAttributes: (input) => this.getQueueAttributes(input),
    };
  }

  private attributesOf(queue: Queue): Record<string, string> {
    const nowMs = this.clock.nowMs();
    const visible = queue.messages.filter((m) => m.visibleAt.getTime() <= nowMs).length;
    const options = queue.options;
    return {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: String(queue.messages.length - visible),
      CreatedTimestamp: String(Math.floor(queue.createdMs / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.createdMs / 1000)),
      VisibilityTimeout: '30',
      MaximumMessageSize: String(options.maximumMessageSize ?? 262_144),
      MessageRetentionPeriod: '345600',
      DelaySeconds: String(options.delaySeconds ?? 0),
      ReceiveMessageWaitTimeSeconds: '0',
      ...(queue.policy === undefined ? {} : { Policy: queue.policy }),
      ...(options.kmsMasterKeyId === undefined
        ? { SqsManagedSseEnabled: 'false' }
        : {
            KmsMasterKeyId: options.kmsMasterKeyId,
            KmsDataKeyReusePeriodSeconds: String(options.kmsDataKeyReusePeriodSeconds ?? 300),
          }),
    };
  }

  /** A new data key from KMS once the last one's reuse period is over; KMS errors become SQS's. */
  private encrypt(queue: Queue, operation: string): void {
    const keyId = queue.options.kmsMasterKeyId;
    const nowMs = this.clock.nowMs();
    if (keyId === undefined || nowMs < queue.dataKeyUntilMs) return;
    try {
      this.kms.useKey(keyId, 'GenerateDataKey');
    } catch (error) {
      const code = error instanceof AwsServiceError ? KMS_ERRORS[error.name] : undefined;
      if (error instanceof AwsServiceError && code !== undefined) {
        // SQS relays KMS's message (wording not confirmed).
        throw this.error(operation, code, error.message);
      }
      throw error;
    }
    queue.dataKeyUntilMs = nowMs + (queue.options.kmsDataKeyReusePeriodSeconds ?? 300) * 1000;
  }

  private readAttributes(
    record: Readonly<Record<string, unknown>>,
    operation: string,
  ): Record<string, MessageAttributeValue> {
    const entries = Object.entries(record);
    if (entries.length > MAX_ATTRIBUTES) {
      // Wording not confirmed.
      throw this.invalid(
        operation,
        `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
      );
    }
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of entries) {
      if (name === '')
        throw this.invalid(operation, 'The request must contain non-empty message attribute name.');
      if (!validAttributeName(name)) {
        throw this.invalid(operation, `Message (user) attribute name '${name}' is invalid.`); // Wording not confirmed.
      }
      const dataType = isRecord(value) && typeof value.DataType === 'string' ? value.DataType : '';
      if (dataType === '') {
        // Wording not confirmed (built on the confirmed empty-value message).
        throw this.invalid(
          operation,
          `Message (user) attribute '${name}' must contain a non-empty message attribute type.`,
        );
      }
      if (!/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
        throw this.invalid(
          operation,
          `Message (user) attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        ); // Wording not confirmed.
      }
      const binary = dataType.startsWith('Binary');
      const stringValue =
        isRecord(value) && typeof value.StringValue === 'string' ? value.StringValue : undefined;
      const binaryValue =
        isRecord(value) && (value.BinaryValue instanceof Uint8Array || typeof value.BinaryValue === 'string')
          ? value.BinaryValue
          : undefined;
      const empty = binary
        ? binaryValue === undefined || binaryValue.length === 0
        : stringValue === undefined || stringValue === '';
      if (empty) {
        throw this.invalid(
          operation,
          `Message (user) attribute '${name}' must contain a non-empty value of type '${dataType}'.`,
        );
      }
      if (
        dataType.startsWith('Number') &&
        !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(stringValue ?? '')
      ) {
        throw this.invalid(operation, `Could not cast message attribute '${name}' value to number.`); // Wording not confirmed.
      }
      attributes[name] = binary
        ? { DataType: dataType, BinaryValue: binaryValue ?? '' }
        : { DataType: dataType, StringValue: stringValue ?? '' };
    }
    return attributes;
  }

  /** Accepts `https://sqs.<region>.amazonaws.com/<account>/<name>` and the legacy `<region>.queue.amazonaws.com`. */
  private find(queueUrl: string): Queue | undefined {
    const match =
      /^https?:\/\/(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com\/(\d{12})\/([A-Za-z0-9_.-]+)$/.exec(
        queueUrl,
      );
    if (match === null) return undefined;
    const [, region1, region2, account, name = ''] = match;
    return (region1 ?? region2) === this.region && account === this.accountId
      ? this.queues.get(name)
      : undefined;
  }

  private requireQueue(reader: InputReader, operation: string): Queue {
    const url = reader.optionalString('QueueUrl');
    if (url === undefined) {
      // Wording not confirmed (the MessageBody one is).
      throw this.error(operation, 'MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    const queue = this.find(url);
    if (queue === undefined)
      throw this.error(operation, 'QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private invalid(operation: string, message: string): AwsServiceError {
    return this.error(operation, 'InvalidParameterValue', message);
  }

  private error(operation: string, code: string, message: string): AwsServiceError {
    return new AwsServiceError({ service: 'SQS', operation, code, message });
  }

  private reader(input: unknown, operation: string): InputReader {
    return InputReader.of(input, (message) => this.invalid(operation, message));
  }
}

function validAttributeName(name: string): boolean {
  return (
    name.length <= 256 &&
    /^[A-Za-z0-9_.-]+$/.test(name) &&
    !/^(aws\.|amazon\.)/i.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..')
  );
}

function valueBytes(attribute: MessageAttributeValue): Buffer {
  if (attribute.BinaryValue instanceof Uint8Array) return Buffer.from(attribute.BinaryValue);
  if (typeof attribute.BinaryValue === 'string') return Buffer.from(attribute.BinaryValue, 'base64');
  return Buffer.from(attribute.StringValue ?? '', 'utf8');
}

/** Name, type and value bytes count towards the message size. */
function attributesSize(attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, attribute]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType) + valueBytes(attribute).length,
    0,
  );
}

/** SQS's MD5 of message attributes: sorted names, each name, type, transport byte and value length-prefixed. */
function attributesMd5(attributes: Readonly<Record<string, MessageAttributeValue>>): string {
  const hash = createHash('md5');
  const withLength = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name] as MessageAttributeValue;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.DataType, 'utf8'));
    const binary = attribute.DataType.startsWith('Binary');
    hash.update(Buffer.from([binary ? 2 : 1]));
    withLength(valueBytes(attribute));
  }
  return hash.digest('hex');
}
