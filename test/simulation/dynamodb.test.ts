import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../simulation/account/clock.js';
import { SimulatedDynamoDb } from '../../simulation/account/dynamodb.js';
import { AwsServiceError } from '../../simulation/account/errors.js';
import { errorOf } from '../unit/caught-errors.js';

const TABLE = 'remediation-locks';

function setup() {
  const clock = new SimulatedClock();
  const dynamodb = new SimulatedDynamoDb(clock);
  dynamodb.createTable({ TableName: TABLE, partitionKey: 'pk', timeToLiveAttribute: 'expiresAt' });
  return { clock, dynamodb };
}

/** The lock acquisition a remediation would do: only if free or expired. */
function acquire(dynamodb: SimulatedDynamoDb, owner: string, nowSeconds: number) {
  return dynamodb.putItem({
    TableName: TABLE,
    Item: {
      pk: { S: 'notebook#nb' },
      owner: { S: owner },
      expiresAt: { N: String(nowSeconds + 900) },
    },
    ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now',
    ExpressionAttributeNames: { '#expiresAt': 'expiresAt' },
    ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}

describe('SimulatedDynamoDb conditional writes', () => {
  it('a conditional put succeeds when the item is absent and fails when held', () => {
    // Given
    const { dynamodb } = setup();
    acquire(dynamodb, 'execution-1', 1_000);

    // When
    const error = errorOf(() => acquire(dynamodb, 'execution-2', 1_010));

    // Then
    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(error.message).toBe('The conditional request failed');
    expect(error.members.Item).toEqual({
      pk: { S: 'notebook#nb' },
      owner: { S: 'execution-1' },
      expiresAt: { N: '1900' },
    });
    expect(dynamodb.getItem({ TableName: TABLE, Key: { pk: { S: 'notebook#nb' } } }).Item?.owner).toEqual({
      S: 'execution-1',
    });
  });

  it('without ReturnValuesOnConditionCheckFailure the error carries no Item', () => {
    // Given
    const { dynamodb } = setup();
    dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' } } });

    // When
    const error = errorOf(() =>
      dynamodb.putItem({
        TableName: TABLE,
        Item: { pk: { S: 'k' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );

    // Then
    expect(error.members).toEqual({});
  });

  it('an expired lock can be taken over: numbers compare numerically', () => {
    // Given
    const { dynamodb } = setup();
    acquire(dynamodb, 'execution-1', 1_000);

    // When
    acquire(dynamodb, 'execution-2', 1_901);

    // Then
    expect(dynamodb.getItem({ TableName: TABLE, Key: { pk: { S: 'notebook#nb' } } }).Item?.owner).toEqual({
      S: 'execution-2',
    });
  });

  it('items past their TTL are still returned until the background sweep deletes them', () => {
    // Given
    const { clock, dynamodb } = setup();
    const nowSeconds = clock.nowMs() / 1000;
    acquire(dynamodb, 'execution-1', nowSeconds);

    // When
    clock.advance(3_600_000);
    const stillThere = dynamodb.getItem({ TableName: TABLE, Key: { pk: { S: 'notebook#nb' } } }).Item;
    const swept = dynamodb.sweepExpiredItems(TABLE);

    // Then
    expect(stillThere).toBeDefined();
    expect(swept).toBe(1);
    expect(dynamodb.getItem({ TableName: TABLE, Key: { pk: { S: 'notebook#nb' } } })).toEqual({});
  });

  it('delete with a condition on the owner, returning ALL_OLD', () => {
    // Given
    const { dynamodb } = setup();
    acquire(dynamodb, 'execution-1', 1_000);
    const release = (owner: string) =>
      dynamodb.deleteItem({
        TableName: TABLE,
        Key: { pk: { S: 'notebook#nb' } },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: owner } },
        ReturnValues: 'ALL_OLD',
      });

    // When
    const wrongOwner = errorOf(() => release('execution-2'));
    const released = release('execution-1');

    // Then
    expect(wrongOwner.name).toBe('ConditionalCheckFailedException');
    expect(released.Attributes?.owner).toEqual({ S: 'execution-1' });
    expect(dynamodb.scanTable(TABLE)).toEqual([]);
  });

  it('update SET and REMOVE, creating the item, with ALL_NEW', () => {
    // Given
    const { dynamodb } = setup();

    // When
    const created = dynamodb.updateItem({
      TableName: TABLE,
      Key: { pk: { S: 'token#1' } },
      UpdateExpression: 'SET #token = :token, attempts = if_not_exists(attempts, :zero) + :one',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':token': { S: 'abc' }, ':zero': { N: '0' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    });
    const updated = dynamodb.updateItem({
      TableName: TABLE,
      Key: { pk: { S: 'token#1' } },
      UpdateExpression: 'SET attempts = attempts + :one REMOVE #token',
      ConditionExpression: 'attribute_exists(pk) AND attempts < :max',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: '3' } },
      ReturnValues: 'ALL_NEW',
    });

    // Then
    expect(created.Attributes).toEqual({ pk: { S: 'token#1' }, token: { S: 'abc' }, attempts: { N: '1' } });
    expect(updated.Attributes).toEqual({ pk: { S: 'token#1' }, attempts: { N: '2' } });
  });

  it.each([
    ['=', 'b', true],
    ['<>', 'b', false],
    ['<', 'c', true],
    ['<=', 'b', true],
    ['>', 'a', true],
    ['>=', 'c', false],
  ])('string comparison name %s :v with :v = %s is %s', (operator, value, expected) => {
    // Given
    const { dynamodb } = setup();
    dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' }, label: { S: 'b' } } });

    // When
    const run = () =>
      dynamodb.putItem({
        TableName: TABLE,
        Item: { pk: { S: 'k' }, label: { S: 'b' } },
        ConditionExpression: `label ${operator} :v`,
        ExpressionAttributeValues: { ':v': { S: value } },
      });

    // Then
    if (expected) expect(run).not.toThrow();
    else expect(run).toThrow(AwsServiceError);
  });

  it('NOT, parentheses, AND/OR precedence, BETWEEN, IN, begins_with and a missing attribute', () => {
    // Given
    const { dynamodb } = setup();
    dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' }, n: { N: '10' }, label: { S: 'lock-a' } } });
    const check = (expression: string, values: Record<string, AttributeValue>) => {
      try {
        dynamodb.putItem({
          TableName: TABLE,
          Item: { pk: { S: 'k' }, n: { N: '10' }, label: { S: 'lock-a' } },
          ConditionExpression: expression,
          ExpressionAttributeValues: values,
        });
        return true;
      } catch (error) {
        if (error instanceof AwsServiceError && error.name === 'ConditionalCheckFailedException')
          return false;
        throw error;
      }
    };

    // When / Then
    expect(
      check('n = :ten OR n = :two AND n = :three', {
        ':ten': { N: '10' },
        ':two': { N: '2' },
        ':three': { N: '3' },
      }),
    ).toBe(true);
    expect(
      check('(n = :ten OR n = :two) AND n = :three', {
        ':ten': { N: '10' },
        ':two': { N: '2' },
        ':three': { N: '3' },
      }),
    ).toBe(false);
    expect(check('NOT n = :two', { ':two': { N: '2' } })).toBe(true);
    expect(check('n BETWEEN :low AND :high', { ':low': { N: '9.5' }, ':high': { N: '1e1' } })).toBe(true);
    expect(check('n IN (:a, :b)', { ':a': { N: '1' }, ':b': { N: '10.0' } })).toBe(true);
    expect(check('begins_with(label, :p)', { ':p': { S: 'lock-' } })).toBe(true);
    expect(check('absent = :v', { ':v': { S: 'x' } })).toBe(false);
    expect(check('absent <> :v', { ':v': { S: 'x' } })).toBe(true);
    expect(check('n > :s', { ':s': { S: '1' } })).toBe(false);
  });
});

describe('SimulatedDynamoDb validation', () => {
  it.each([
    [
      'a reserved word used bare',
      { ConditionExpression: 'attribute_not_exists(status)' },
      'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status',
    ],
    [
      'an undefined value placeholder',
      { ConditionExpression: 'pk = :missing' },
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing',
    ],
    [
      'an undefined name placeholder',
      { ConditionExpression: 'attribute_exists(#missing)' },
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #missing',
    ],
    [
      'an unused value',
      {
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: { ':unused': { S: 'x' } },
      },
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
    ],
    [
      'values without any expression',
      { ExpressionAttributeValues: { ':v': { S: 'x' } } },
      'ExpressionAttributeValues can only be specified when using expressions',
    ],
  ])('%s: ValidationException', (_, extra, message) => {
    // Given
    const { dynamodb } = setup();

    // When
    const error = errorOf(() => dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' } }, ...extra }));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(message);
    expect(dynamodb.scanTable(TABLE)).toEqual([]);
  });

  it('an unknown table: ResourceNotFoundException', () => {
    // Given
    const { dynamodb } = setup();

    // When
    const error = errorOf(() => dynamodb.getItem({ TableName: 'nope', Key: { pk: { S: 'k' } } }));

    // Then
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe('Requested resource not found');
  });

  it('keys must match the schema', () => {
    // Given
    const { dynamodb } = setup();

    // When
    const missing = errorOf(() => dynamodb.putItem({ TableName: TABLE, Item: { other: { S: 'x' } } }));
    const wrongType = errorOf(() => dynamodb.getItem({ TableName: TABLE, Key: { pk: { N: '1' } } }));
    const extra = errorOf(() =>
      dynamodb.getItem({ TableName: TABLE, Key: { pk: { S: 'k' }, sk: { S: 'x' } } }),
    );
    const keyUpdate = errorOf(() =>
      dynamodb.updateItem({
        TableName: TABLE,
        Key: { pk: { S: 'k' } },
        UpdateExpression: 'SET pk = :v',
        ExpressionAttributeValues: { ':v': { S: 'other' } },
      }),
    );

    // Then
    expect(missing.message).toBe('One or more parameter values were invalid: Missing the key pk in the item');
    expect(wrongType.message).toBe('The provided key element does not match the schema');
    expect(extra.message).toBe('The provided key element does not match the schema');
    expect(keyUpdate.message).toContain('Cannot update attribute pk. This attribute is part of the key');
  });

  it('attribute values must be valid DynamoDB JSON', () => {
    // Given
    const { dynamodb } = setup();

    // When
    const notANumber = errorOf(() =>
      dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' }, n: { N: 'ten' } } }),
    );
    const twoTypes = errorOf(() =>
      dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' }, n: { S: 'a', N: '1' } as never } }),
    );
    const emptySet = errorOf(() =>
      dynamodb.putItem({ TableName: TABLE, Item: { pk: { S: 'k' }, s: { SS: [] } } }),
    );

    // Then
    expect(notANumber.name).toBe('ValidationException');
    expect(twoTypes.message).toBe(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
    expect(emptySet.message).toContain('set  may not be empty');
  });

  it('GetItem with a ProjectionExpression returns only the projected attributes', () => {
    // Given
    const { dynamodb } = setup();
    dynamodb.putItem({
      TableName: TABLE,
      Item: { pk: { S: 'k' }, owner: { S: 'me' }, meta: { M: { a: { S: '1' }, b: { S: '2' } } } },
    });

    // When
    const result = dynamodb.getItem({
      TableName: TABLE,
      Key: { pk: { S: 'k' } },
      ProjectionExpression: '#owner, meta.a',
      ExpressionAttributeNames: { '#owner': 'owner' },
    });

    // Then
    expect(result.Item).toEqual({ owner: { S: 'me' }, meta: { M: { a: { S: '1' } } } });
  });
});
