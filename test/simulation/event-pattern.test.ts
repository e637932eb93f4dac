import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError, matchesEventPattern } from '../../simulation/account/event-pattern.js';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';

const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
    nothing: null,
    flag: true,
    nested: { c1: 100 },
    tags: [],
  },
};

describe('matchesEventPattern: exact values', () => {
  it.each([
    ['a string in the list', { source: ['aws.ec2', 'aws.fargate'] }, true],
    ['no string in the list', { source: ['aws.s3'] }, false],
    ['nested fields all match (AND)', { source: ['aws.ec2'], detail: { state: ['running'] } }, true],
    ['one nested field differs', { source: ['aws.ec2'], detail: { state: ['stopped'] } }, false],
    ['a number by value (301.8 as 3.018e2)', { detail: { 'x-limit': [3.018e2] } }, true],
    ['a number is not its string', { detail: { 'c-count': ['5'] } }, false],
    ['null matches null', { detail: { nothing: [null] } }, true],
    ['a boolean', { detail: { flag: [true] } }, true],
    ['matching is case-sensitive', { source: ['AWS.EC2'] }, false],
    ['a field missing from the event', { detail: { absent: ['x'] } }, false],
    [
      'an event array matches when any element matches',
      { resources: ['arn:other', ec2Event.resources[0]] },
      true,
    ],
  ])('%s', (_, pattern, expected) => {
    // Given / When
    const matched = matchesEventPattern(pattern, ec2Event);

    // Then
    expect(matched).toBe(expected);
  });
});

describe('matchesEventPattern: operators', () => {
  it.each([
    ['prefix', { time: [{ prefix: '2017-10-02' }] }, true],
    ['prefix that does not match', { time: [{ prefix: '2018' }] }, false],
    ['prefix never matches a number', { detail: { 'c-count': [{ prefix: '5' }] } }, false],
    ['prefix with equals-ignore-case', { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] }, true],
    ['suffix', { source: [{ suffix: 'ec2' }] }, true],
    ['suffix that does not match', { source: [{ suffix: 's3' }] }, false],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, true],
    ['wildcard', { 'detail-type': [{ wildcard: 'EC2*State-change*' }] }, true],
    ['wildcard that does not match', { 'detail-type': [{ wildcard: 'EC2*Stopped' }] }, false],
    ['anything-but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
    ['anything-but the value itself', { detail: { state: [{ 'anything-but': 'running' }] } }, false],
    ['anything-but a list', { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, false],
    ['anything-but numbers', { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, true],
    ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }, false],
    ['anything-but suffix', { detail: { state: [{ 'anything-but': { suffix: 'ed' } }] } }, true],
    ['anything-but does not match a missing field', { detail: { absent: [{ 'anything-but': 'x' }] } }, false],
    ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    ['numeric below', { detail: { 'd-count': [{ numeric: ['<', 3] }] } }, false],
    ['numeric equals', { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } }, true],
    ['numeric never matches a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    ['exists true on a present field', { detail: { state: [{ exists: true }] } }, true],
    ['exists true on a null field (null is a value)', { detail: { nothing: [{ exists: true }] } }, true],
    ['exists true on a missing field', { detail: { absent: [{ exists: true }] } }, false],
    ['exists false on a missing field', { detail: { absent: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
    [
      'exists only sees leaves: an object field counts as absent',
      { detail: { nested: [{ exists: false }] } },
      true,
    ],
    ['an empty event array counts as absent', { detail: { tags: [{ exists: false }] } }, true],
  ])('%s', (_, pattern, expected) => {
    // Given / When
    const matched = matchesEventPattern(pattern, ec2Event);

    // Then
    expect(matched).toBe(expected);
  });

  it('$or matches when any alternative matches, AND-ed with the other fields', () => {
    // Given
    const pattern = {
      source: ['aws.ec2'],
      $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [{ numeric: ['>', 4] }] } }],
    };

    // When / Then
    expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
    expect(matchesEventPattern({ ...pattern, source: ['aws.s3'] }, ec2Event)).toBe(false);
    expect(
      matchesEventPattern(
        { $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [{ numeric: ['>', 9] }] } }] },
        ec2Event,
      ),
    ).toBe(false);
  });
});

describe('matchesEventPattern: arrays of objects in the event', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      [{ firstName: 'Peter', lastName: 'Jones' }],
    ],
  };

  it('a leaf path collects the values of every element, through nested arrays', () => {
    // Given / When / Then
    expect(matchesEventPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matchesEventPattern({ employees: { firstName: ['Peter'] } }, employees)).toBe(true);
    expect(matchesEventPattern({ employees: { firstName: ['Mary'] } }, employees)).toBe(false);
  });

  it('fields are flattened independently, so values from different elements combine', () => {
    // Given: Anna and Jones are in different elements
    const pattern = { employees: { firstName: ['Anna'], lastName: ['Jones'] } };

    // When / Then: the flattened behaviour accepts it (a stricter, array-consistent matcher would not)
    expect(matchesEventPattern(pattern, employees)).toBe(true);
  });
});

describe('matchesEventPattern: invalid patterns are refused as PutRule would', () => {
  it.each([
    ['a non-object pattern', ['aws.ec2']],
    ['a bare value instead of an array', { source: 'aws.ec2' }],
    ['an empty array', { source: [] }],
    ['an unknown operator', { source: [{ regex: 'aws.*' }] }],
    ['an operator object with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a numeric range in the wrong order', { detail: { n: [{ numeric: ['<', 5, '>', 1] }] } }],
    ['a numeric bound that is not a number', { detail: { n: [{ numeric: ['>', '5'] }] } }],
    ['consecutive wildcards', { source: [{ wildcard: 'aws.**' }] }],
    ['anything-but mixing strings and numbers', { detail: { n: [{ 'anything-but': ['a', 1] }] } }],
    ['exists that is not a boolean', { detail: { n: [{ exists: 'yes' }] } }],
  ])('%s', (_, pattern) => {
    // Given / When / Then
    expect(() => matchesEventPattern(pattern, ec2Event)).toThrow(InvalidEventPatternError);
  });
});

describe('matchesEventPattern: the Security Hub pattern the workflow relies on', () => {
  const pattern = {
    source: ['aws.securityhub'],
    'detail-type': ['Security Hub Findings - Imported'],
    detail: {
      findings: {
        Compliance: { Status: ['FAILED'], SecurityControlId: ['SageMaker.3'] },
        Workflow: { Status: ['NEW'] },
        RecordState: ['ACTIVE'],
        Resources: { Type: ['AwsSageMakerNotebookInstance'] },
      },
    },
  };

  it.each(['consolidated', 'legacy'] as const)(
    'matches a NEW, FAILED, ACTIVE SageMaker.3 finding (%s)',
    (style) => {
      // Given
      const event = importedEvent(
        notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Research', style }),
      );

      // When / Then
      expect(matchesEventPattern(pattern, event)).toBe(true);
    },
  );

  it.each([
    ['the workflow has set it NOTIFIED', { workflowStatus: 'NOTIFIED' }],
    ['it is RESOLVED', { workflowStatus: 'RESOLVED' }],
    ['the control passes', { complianceStatus: 'PASSED' }],
    ['the finding is archived', { recordState: 'ARCHIVED' }],
  ] as const)('does not match the same finding once %s', (_, change) => {
    // Given
    const event = importedEvent(
      notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'Research', ...change }),
    );

    // When / Then
    expect(matchesEventPattern(pattern, event)).toBe(false);
  });

  it('does not match another control', () => {
    // Given
    const event = importedEvent(
      notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'Research' }),
    );

    // When / Then
    expect(matchesEventPattern(pattern, event)).toBe(false);
  });
});
