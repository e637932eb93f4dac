/**
 * DynamoDB tables with single-item reads, conditional writes and paginated scans, in DynamoDB JSON.
 *
 * Expired items (TTL in the past) are still returned: DynamoDB deletes them lazily, typically within
 * days, so code that relies on TTL for correctness must check the expiry itself.
 */

import type {
  DeleteItemInput,
  GetItemInput,
  PutItemInput,
  ScanInput,
  UpdateItemInput,
} from '@aws-sdk/client-dynamodb';
import type { SimulatedClock } from './clock.js';
import {
  type AttributeValue,
  applyUpdate,
  type Condition,
  ExpressionContext,
  ExpressionError,
  evaluateCondition,
  type Item,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
  typeOf,
} from './dynamodb-expressions.js';
import { AwsServiceError, serializationError, validationError } from './errors.js';
import { InputReader, isRecord } from './input-reader.js';

export type { AttributeValue, Item } from './dynamodb-expressions.js';

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface CreateTableOptions {
  readonly TableName: string;
  /** The partition key: a name (type S) or a name and type. */
  readonly partitionKey: string | KeyAttribute;
  readonly sortKey?: string | KeyAttribute;
  /** The attribute TTL reads (epoch seconds), if TTL is enabled. */
  readonly timeToLiveAttribute?: string;
  /** The customer managed key of the table's encryption at rest (SSESpecification), if any. */
  readonly kmsKeyArn?: string;
}

interface Table {
  readonly name: string;
  readonly keys: readonly KeyAttribute[];
  readonly timeToLiveAttribute: string | undefined;
  readonly kmsKeyArn: string | undefined;
  readonly items: Map<string, Item>;
}

const MAX_ITEM_BYTES = 400 * 1024;
/** A Scan returns at most 1 MB of data per page (Scan API reference), then LastEvaluatedKey. */
const MAX_SCAN_PAGE_BYTES = 1024 * 1024;

export class SimulatedDynamoDb {
  private readonly tables = new Map<string, Table>();

  constructor(
    private readonly clock: SimulatedClock,
    readonly accountId = '111122223333',
    readonly region = 'eu-west-1',
  ) {}

  createTable(options: CreateTableOptions): string {
    if (this.tables.has(options.TableName)) {
      throw new Error(`createTable: table ${options.TableName} already exists`);
    }
    const keyOf = (key: string | KeyAttribute): KeyAttribute =>
      typeof key === 'string' ? { name: key, type: 'S' } : key;
    const keys = [
      keyOf(options.partitionKey),
      ...(options.sortKey === undefined ? [] : [keyOf(options.sortKey)]),
    ];
    this.tables.set(options.TableName, {
      name: options.TableName,
      keys,
      timeToLiveAttribute: options.timeToLiveAttribute,
      kmsKeyArn: options.kmsKeyArn,
      items: new Map(),
    });
    return `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${options.TableName}`;
  }

  /** The table's customer managed key, if it has one (undefined too for a table that does not exist). */
  tableKmsKeyArn(tableName: string): string | undefined {
    return this.tables.get(tableName)?.kmsKeyArn;
  }

  /** Every item of a table (copies), for assertions. */
  scanTable(tableName: string): Item[] {
    return [...this.requireTableForTest(tableName).items.values()].map((item) => structuredClone(item));
  }

  /**
   * What DynamoDB's background TTL process eventually does: deletes items whose TTL has passed.
   * Returns how many it deleted. Tests call it to model the (late, unpredictable) deletion.
   */
  sweepExpiredItems(tableName: string): number {
    const table = this.requireTableForTest(tableName);
    const attribute = table.timeToLiveAttribute;
    if (attribute === undefined) {
      return 0;
    }
    const nowSeconds = this.clock.nowMs() / 1000;
    let deleted = 0;
    for (const [key, item] of table.items) {
      const expiry = item[attribute]?.N;
      if (expiry !== undefined && Number(expiry) <= nowSeconds) {
        table.items.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }

  putItem(input: PutItemInput): { Attributes?: Item } {
    const operation = 'PutItem';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'TableName',
      'Item',
      'ConditionExpression',
      'ExpressionAttributeNames',
      'ExpressionAttributeValues',
      'ReturnValues',
      'ReturnValuesOnConditionCheckFailure',
      'ReturnConsumedCapacity',
      'ReturnItemCollectionMetrics',
    ]);
    const table = this.requireTable(reader, operation);
    const item = this.readItem(reader.optionalRecord('Item'), operation, 'Item');
    if (item === undefined) {
      throw this.invalid(operation, 'One or more parameter values were invalid: Item must not be null');
    }
    const key = this.keyOfItem(table, item, operation);
    const returnValues = this.readReturnValues(reader, operation, ['NONE', 'ALL_OLD']);
    return this.guarded(operation, () => {
      const context = this.context(reader, operation);
      const condition = this.parseConditionOf(reader, context);
      this.finishContext(reader, context, condition !== undefined);
      const existing = table.items.get(key);
      this.checkCondition(reader, condition, existing, operation);
      this.checkSize(item, operation);
      table.items.set(key, structuredClone(item));
      return returnValues === 'ALL_OLD' && existing !== undefined
        ? { Attributes: structuredClone(existing) }
        : {};
    });
  }

  getItem(input: GetItemInput): { Item?: Item } {
    const operation = 'GetItem';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'TableName',
      'Key',
      'ConsistentRead',
      'ProjectionExpression',
      'ExpressionAttributeNames',
      'AttributesToGet',
      'ReturnConsumedCapacity',
    ]);
    const table = this.requireTable(reader, operation);
    const key = this.keyOfKey(table, reader.optionalRecord('Key'), operation);
    reader.optionalBoolean('ConsistentRead');
    return this.guarded(operation, () => {
      const context = new ExpressionContext(this.readNames(reader, operation), {});
      const projectionSource = reader.optionalString('ProjectionExpression');
      const projection =
        projectionSource === undefined ? undefined : parseProjection(projectionSource, context);
      this.finishContext(reader, context, projection !== undefined);
      const item = table.items.get(key);
      if (item === undefined) {
        return {};
      }
      return { Item: projection === undefined ? structuredClone(item) : project(item, projection) };
    });
  }

  deleteItem(input: DeleteItemInput): { Attributes?: Item } {
    const operation = 'DeleteItem';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'TableName',
      'Key',
      'ConditionExpression',
      'ExpressionAttributeNames',
      'ExpressionAttributeValues',
      'ReturnValues',
      'ReturnValuesOnConditionCheckFailure',
      'ReturnConsumedCapacity',
      'ReturnItemCollectionMetrics',
    ]);
    const table = this.requireTable(reader, operation);
    const key = this.keyOfKey(table, reader.optionalRecord('Key'), operation);
    const returnValues = this.readReturnValues(reader, operation, ['NONE', 'ALL_OLD']);
    return this.guarded(operation, () => {
      const context = this.context(reader, operation);
      const condition = this.parseConditionOf(reader, context);
      this.finishContext(reader, context, condition !== undefined);
      const existing = table.items.get(key);
      this.checkCondition(reader, condition, existing, operation);
      table.items.delete(key);
      return returnValues === 'ALL_OLD' && existing !== undefined
        ? { Attributes: structuredClone(existing) }
        : {};
    });
  }

  updateItem(input: UpdateItemInput): { Attributes?: Item } {
    const operation = 'UpdateItem';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'TableName',
      'Key',
      'UpdateExpression',
      'ConditionExpression',
      'ExpressionAttributeNames',
      'ExpressionAttributeValues',
      'ReturnValues',
      'ReturnValuesOnConditionCheckFailure',
      'ReturnConsumedCapacity',
      'ReturnItemCollectionMetrics',
    ]);
    const table = this.requireTable(reader, operation);
    const keyRecord = reader.optionalRecord('Key');
    const key = this.keyOfKey(table, keyRecord, operation);
    const returnValues = this.readReturnValues(reader, operation, [
      'NONE',
      'ALL_OLD',
      'UPDATED_OLD',
      'ALL_NEW',
      'UPDATED_NEW',
    ]);
    return this.guarded(operation, () => {
      const context = this.context(reader, operation);
      const updateSource = reader.optionalString('UpdateExpression');
      const actions = updateSource === undefined ? [] : parseUpdate(updateSource, context);
      const condition = this.parseConditionOf(reader, context);
      this.finishContext(reader, context, updateSource !== undefined || condition !== undefined);
      const existing = table.items.get(key);
      this.checkCondition(reader, condition, existing, operation);
      const keyAttributes = table.keys.map((attribute) => attribute.name);
      const { item, touched } = applyUpdate(existing, actions, keyAttributes);
      // An update creates the item if needed: the key attributes come from Key.
      Object.assign(item, structuredClone(this.readItem(keyRecord, operation, 'Key') ?? {}));
      this.checkSize(item, operation);
      table.items.set(key, item);
      const pick = (source: Item | undefined): Item | undefined => {
        if (source === undefined) return undefined;
        const picked: Item = {};
        for (const name of touched) {
          const value = source[name];
          if (value !== undefined) picked[name] = structuredClone(value);
        }
        return Object.keys(picked).length === 0 ? undefined : picked;
      };
      const attributes =
        returnValues === 'ALL_OLD'
          ? existing && structuredClone(existing)
          : returnValues === 'ALL_NEW'
            ? structuredClone(item)
            : returnValues === 'UPDATED_OLD'
              ? pick(existing)
              : returnValues === 'UPDATED_NEW'
                ? pick(item)
                : undefined;
      return attributes === undefined ? {} : { Attributes: attributes };
    });
  }

  /**
   * A Scan of the whole table (no filter or projection), in key order: a page ends after `Limit` items
   * or once it holds 1 MB, and then LastEvaluatedKey is the key of its last item. The next page starts
   * after ExclusiveStartKey, whether that item still exists or not.
   */
  scan(input: ScanInput): { Items: Item[]; Count: number; ScannedCount: number; LastEvaluatedKey?: Item } {
    const operation = 'Scan';
    const reader = this.reader(input, operation);
    reader.rejectUnknown([
      'TableName',
      'Limit',
      'ExclusiveStartKey',
      'ConsistentRead',
      'ReturnConsumedCapacity',
    ]);
    const table = this.requireTable(reader, operation);
    reader.optionalBoolean('ConsistentRead');
    const limit = reader.optionalInteger('Limit', { min: 1 });
    const startRecord = reader.optionalRecord('ExclusiveStartKey');
    const startKey = startRecord === undefined ? undefined : this.keyOfKey(table, startRecord, operation);
    const keys = [...table.items.keys()].sort();
    const remaining = startKey === undefined ? keys : keys.filter((key) => key > startKey);
    const items: Item[] = [];
    let bytes = 0;
    let last: string | undefined;
    for (const key of remaining) {
      if (items.length === (limit ?? Number.POSITIVE_INFINITY) || bytes >= MAX_SCAN_PAGE_BYTES) break;
      const item = table.items.get(key) as Item;
      items.push(structuredClone(item));
      bytes += Buffer.byteLength(JSON.stringify(item), 'utf8');
      last = key;
    }
    const more = last !== undefined && remaining.indexOf(last) < remaining.length - 1;
    const lastItem = last === undefined ? undefined : table.items.get(last);
    const lastEvaluatedKey =
      more && lastItem
        ? Object.fromEntries(
            table.keys.map((attribute) => [
              attribute.name,
              structuredClone(lastItem[attribute.name] as AttributeValue),
            ]),
          )
        : undefined;
    return {
      Items: items,
      Count: items.length,
      ScannedCount: items.length,
      ...(lastEvaluatedKey ? { LastEvaluatedKey: lastEvaluatedKey } : {}),
    };
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    // Input is validated member by member inside each operation; the casts only name the shapes.
    return {
      PutItem: (input) => this.putItem(input as PutItemInput),
      GetItem: (input) => this.getItem(input as GetItemInput),
      DeleteItem: (input) => this.deleteItem(input as DeleteItemInput),
      UpdateItem: (input) => this.updateItem(input as UpdateItemInput),
      Scan: (input) => this.scan(input as ScanInput),
    };
  }

  private reader(input: unknown, operation: string): InputReader {
    return InputReader.of(
      input,
      (message) => this.invalid(operation, message),
      (message) => serializationError({ service: 'DynamoDB', operation }, message),
    );
  }

  private invalid(operation: string, message: string): AwsServiceError {
    return validationError({ service: 'DynamoDB', operation }, message);
  }

  /** Turns expression errors into the ValidationException DynamoDB raises. */
  private guarded<T>(operation: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof ExpressionError) {
        throw this.invalid(operation, error.message);
      }
      throw error;
    }
  }

  private requireTable(reader: InputReader, operation: string): Table {
    const name = reader.requiredString('TableName', { minLength: 1, maxLength: 1024 });
    const table = this.tables.get(name);
    if (table === undefined) {
      throw new AwsServiceError({
        service: 'DynamoDB',
        operation,
        code: 'ResourceNotFoundException',
        message: 'Requested resource not found',
      });
    }
    return table;
  }

  private requireTableForTest(tableName: string): Table {
    const table = this.tables.get(tableName);
    if (table === undefined) {
      throw new Error(`No simulated table ${tableName}`);
    }
    return table;
  }

  private context(reader: InputReader, operation: string): ExpressionContext {
    return new ExpressionContext(this.readNames(reader, operation), this.readValues(reader, operation));
  }

  private readNames(reader: InputReader, operation: string): Record<string, string> {
    const names = reader.optionalRecord('ExpressionAttributeNames');
    if (names === undefined) {
      return {};
    }
    if (Object.keys(names).length === 0) {
      throw this.invalid(operation, 'ExpressionAttributeNames must not be empty');
    }
    const result: Record<string, string> = {};
    for (const [placeholder, name] of Object.entries(names)) {
      if (!placeholder.startsWith('#') || typeof name !== 'string') {
        throw this.invalid(
          operation,
          `ExpressionAttributeNames contains invalid key: Syntax error; key: "${placeholder}"`,
        );
      }
      result[placeholder] = name;
    }
    return result;
  }

  private readValues(reader: InputReader, operation: string): Record<string, AttributeValue> {
    const values = reader.optionalRecord('ExpressionAttributeValues');
    if (values === undefined) {
      return {};
    }
    if (Object.keys(values).length === 0) {
      throw this.invalid(operation, 'ExpressionAttributeValues must not be empty');
    }
    for (const placeholder of Object.keys(values)) {
      if (!placeholder.startsWith(':')) {
        throw this.invalid(
          operation,
          `ExpressionAttributeValues contains invalid key: Syntax error; key: "${placeholder}"`,
        );
      }
    }
    return this.readItem(values, operation, 'ExpressionAttributeValues') ?? {};
  }

  private parseConditionOf(reader: InputReader, context: ExpressionContext): Condition | undefined {
    const source = reader.optionalString('ConditionExpression');
    return source === undefined ? undefined : parseCondition(source, context);
  }

  private finishContext(reader: InputReader, context: ExpressionContext, hasExpressions: boolean): void {
    if (!hasExpressions) {
      if (reader.has('ExpressionAttributeValues')) {
        throw new ExpressionError('ExpressionAttributeValues can only be specified when using expressions');
      }
      if (reader.has('ExpressionAttributeNames')) {
        throw new ExpressionError('ExpressionAttributeNames can only be specified when using expressions');
      }
    }
    context.checkAllUsed();
  }

  private checkCondition(
    reader: InputReader,
    condition: Condition | undefined,
    existing: Item | undefined,
    operation: string,
  ): void {
    if (condition === undefined || evaluateCondition(condition, existing)) {
      return;
    }
    const onFailure = reader.optionalString('ReturnValuesOnConditionCheckFailure', {
      allowed: ['NONE', 'ALL_OLD'],
    });
    throw new AwsServiceError({
      service: 'DynamoDB',
      operation,
      code: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      members: onFailure === 'ALL_OLD' && existing !== undefined ? { Item: structuredClone(existing) } : {},
    });
  }

  private readReturnValues(reader: InputReader, operation: string, allowed: readonly string[]): string {
    const value = reader.optionalString('ReturnValues');
    if (value !== undefined && !allowed.includes(value)) {
      throw this.invalid(operation, 'Return values set to invalid value');
    }
    return value ?? 'NONE';
  }

  /** Validates DynamoDB JSON attribute by attribute. */
  private readItem(
    record: Readonly<Record<string, unknown>> | undefined,
    operation: string,
    member: string,
  ): Item | undefined {
    if (record === undefined) {
      return undefined;
    }
    const item: Item = {};
    for (const [name, value] of Object.entries(record)) {
      item[name] = this.readAttributeValue(value, operation, `${member}.${name}`);
    }
    return item;
  }

  private readAttributeValue(value: unknown, operation: string, where: string): AttributeValue {
    if (!isRecord(value)) {
      throw serializationError(
        { service: 'DynamoDB', operation },
        `Unexpected value at ${where}: expected an AttributeValue structure`,
      );
    }
    const attribute = value as AttributeValue;
    let type: ReturnType<typeof typeOf>;
    try {
      type = typeOf(attribute);
    } catch (error) {
      throw this.invalid(operation, error instanceof Error ? error.message : String(error));
    }
    const invalidNumber = (text: unknown): AwsServiceError =>
      this.invalid(
        operation,
        `The parameter cannot be converted to a numeric value${typeof text === 'string' ? `: ${text}` : ''}`,
      );
    switch (type) {
      case 'S':
        if (typeof attribute.S !== 'string') throw this.invalid(operation, `Invalid S value at ${where}`);
        break;
      case 'N':
        if (typeof attribute.N !== 'string' || !isNumeric(attribute.N)) throw invalidNumber(attribute.N);
        break;
      case 'BOOL':
        if (typeof attribute.BOOL !== 'boolean')
          throw this.invalid(operation, `Invalid BOOL value at ${where}`);
        break;
      case 'NULL':
        if (attribute.NULL !== true) {
          throw this.invalid(
            operation,
            'One or more parameter values were invalid: Null attribute value types must have the value of true',
          );
        }
        break;
      case 'L':
        if (!Array.isArray(attribute.L)) throw this.invalid(operation, `Invalid L value at ${where}`);
        for (const [index, element] of attribute.L.entries()) {
          this.readAttributeValue(element, operation, `${where}[${index}]`);
        }
        break;
      case 'M':
        if (!isRecord(attribute.M)) throw this.invalid(operation, `Invalid M value at ${where}`);
        this.readItem(attribute.M, operation, where);
        break;
      case 'SS':
      case 'NS':
      case 'BS': {
        const elements: unknown = attribute[type];
        if (!Array.isArray(elements) || elements.length === 0) {
          const setName = { SS: 'string', NS: 'number', BS: 'binary' }[type];
          // DynamoDB's own wording, odd article and double space included.
          throw this.invalid(
            operation,
            `One or more parameter values were invalid: An ${setName} set  may not be empty`,
          );
        }
        if (
          type === 'NS' &&
          !elements.every((element) => typeof element === 'string' && isNumeric(element))
        ) {
          throw invalidNumber(undefined);
        }
        if (new Set(elements.map((element) => JSON.stringify(element))).size !== elements.length) {
          throw this.invalid(
            operation,
            'One or more parameter values were invalid: Input collection contains duplicates',
          );
        }
        break;
      }
      case 'B':
        break;
    }
    return attribute;
  }

  private keyOfItem(table: Table, item: Item, operation: string): string {
    const parts = table.keys.map((attribute) => {
      const value = item[attribute.name];
      if (value === undefined) {
        throw this.invalid(
          operation,
          `One or more parameter values were invalid: Missing the key ${attribute.name} in the item`,
        );
      }
      return this.keyPart(attribute, value, operation);
    });
    return JSON.stringify(parts);
  }

  private keyOfKey(
    table: Table,
    record: Readonly<Record<string, unknown>> | undefined,
    operation: string,
  ): string {
    const key = this.readItem(record, operation, 'Key');
    if (key === undefined || Object.keys(key).length !== table.keys.length) {
      throw this.invalid(operation, 'The provided key element does not match the schema');
    }
    const parts = table.keys.map((attribute) => {
      const value = key[attribute.name];
      if (value === undefined || typeOf(value) !== attribute.type) {
        throw this.invalid(operation, 'The provided key element does not match the schema');
      }
      return this.keyPart(attribute, value, operation);
    });
    return JSON.stringify(parts);
  }

  private keyPart(attribute: KeyAttribute, value: AttributeValue, operation: string): string {
    const type = typeOf(value);
    if (type !== attribute.type) {
      throw this.invalid(
        operation,
        `One or more parameter values were invalid: Type mismatch for key ${attribute.name} expected: ${attribute.type} actual: ${type}`,
      );
    }
    const text = value.S ?? value.N ?? (typeof value.B === 'string' ? value.B : JSON.stringify(value.B));
    if (text === '') {
      throw this.invalid(
        operation,
        `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${attribute.name}`,
      );
    }
    return type === 'N' ? String(Number(text)) : text;
  }

  private checkSize(item: Item, operation: string): void {
    const bytes = Object.entries(item).reduce(
      (total, [name, value]) =>
        total + Buffer.byteLength(name, 'utf8') + Buffer.byteLength(JSON.stringify(value), 'utf8'),
      0,
    );
    if (bytes > MAX_ITEM_BYTES) {
      throw this.invalid(operation, 'Item size has exceeded the maximum allowed size');
    }
  }
}

function isNumeric(text: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim());
}
