/**
 * EventBridge content filtering: does an event pattern match an event?
 *
 * Follows the EventBridge user guide and the Event Ruler library behind it. The event is flattened
 * into leaf paths (`detail.findings.Workflow.Status`), each collecting the values found there; arrays
 * are crossed transparently, so a path inside an array of objects collects the values of every
 * element. Event Ruler's newer `rulesForJSONEvent` additionally requires fields matched inside one
 * array to come from the same element; this matcher does not, which only ever makes it accept more,
 * so a test proving that a pattern does NOT match an event holds under both behaviours.
 */

import { isRecord } from './input-reader.js';

export class InvalidEventPatternError extends Error {
  constructor(message: string) {
    super(`Event pattern is not valid. Reason: ${message}`);
    this.name = 'InvalidEventPatternException';
  }
}

type Leaf = string | number | boolean | null;

/** Leaf path -> every value the event holds there. */
type FlatEvent = ReadonlyMap<string, readonly Leaf[]>;

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  validateEventPattern(pattern);
  const flat = flattenEvent(event);
  return matchObject(pattern as Record<string, unknown>, '', flat);
}

/** Throws InvalidEventPatternError when EventBridge would refuse the pattern (PutRule). */
export function validateEventPattern(pattern: unknown): void {
  if (!isRecord(pattern)) {
    throw new InvalidEventPatternError('Filter is not an object');
  }
  validateObject(pattern, '');
}

function flattenEvent(event: unknown): FlatEvent {
  const leaves = new Map<string, Leaf[]>();
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const element of value) {
        visit(element, path);
      }
      return;
    }
    if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) {
        visit(child, path === '' ? key : `${path}.${key}`);
      }
      return;
    }
    if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      value === null
    ) {
      const existing = leaves.get(path);
      if (existing === undefined) {
        leaves.set(path, [value]);
      } else {
        existing.push(value);
      }
    }
  };
  visit(event, '');
  return leaves;
}

const OPERATOR_KEYS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'equals-ignore-case',
  'wildcard',
  'cidr',
]);

/** `$or` is the OR primitive only in the form Event Ruler recognises; otherwise it is a field name. */
function isOrPrimitive(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every(
      (element) => isRecord(element) && Object.keys(element).every((key) => !OPERATOR_KEYS.has(key)),
    )
  );
}

function matchObject(pattern: Record<string, unknown>, prefix: string, flat: FlatEvent): boolean {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or' && isOrPrimitive(value)) {
      if (!value.some((alternative) => matchObject(alternative, prefix, flat))) {
        return false;
      }
      continue;
    }
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (Array.isArray(value)) {
      if (!matchField(value, flat.get(path) ?? [])) {
        return false;
      }
    } else if (isRecord(value)) {
      if (!matchObject(value, path, flat)) {
        return false;
      }
    }
  }
  return true;
}

function matchField(matchers: readonly unknown[], values: readonly Leaf[]): boolean {
  if (values.length === 0) {
    // An absent field (or one holding only an object or an empty array) matches only `exists: false`.
    return matchers.some((matcher) => isRecord(matcher) && matcher.exists === false);
  }
  return matchers.some((matcher) => values.some((value) => matchValue(matcher, value)));
}

function matchValue(matcher: unknown, value: Leaf): boolean {
  if (!isRecord(matcher)) {
    return exactMatch(matcher, value);
  }
  const [operator] = Object.keys(matcher);
  const operand = matcher[operator ?? ''];
  switch (operator) {
    case 'exists':
      return operand === true;
    case 'prefix':
      return typeof value === 'string' && stringOperatorMatch(operand, value, (a, b) => a.startsWith(b));
    case 'suffix':
      return typeof value === 'string' && stringOperatorMatch(operand, value, (a, b) => a.endsWith(b));
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof operand === 'string' && equalsIgnoreCase(value, operand);
    case 'wildcard':
      return (
        typeof value === 'string' && typeof operand === 'string' && wildcardToRegExp(operand).test(value)
      );
    case 'numeric':
      return typeof value === 'number' && Array.isArray(operand) && numericMatch(operand, value);
    case 'anything-but':
      return !anythingButExcludes(operand, value);
    default:
      return false;
  }
}

/** Strings, booleans and null compare exactly; numbers by value, so `300` matches `3.0e2`. */
function exactMatch(expected: unknown, value: Leaf): boolean {
  return expected === value;
}

/** `prefix` and `suffix` take a string, or `{ "equals-ignore-case": string }`. */
function stringOperatorMatch(
  operand: unknown,
  value: string,
  test: (value: string, operand: string) => boolean,
) {
  if (typeof operand === 'string') {
    return test(value, operand);
  }
  if (isRecord(operand) && typeof operand['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), operand['equals-ignore-case'].toLowerCase());
  }
  return false;
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function anythingButExcludes(operand: unknown, value: Leaf): boolean {
  if (Array.isArray(operand)) {
    return operand.some((excluded) => exactMatch(excluded, value));
  }
  if (isRecord(operand)) {
    return matchValue(operand, value);
  }
  return exactMatch(operand, value);
}

function numericMatch(conditions: readonly unknown[], value: number): boolean {
  for (let index = 0; index + 1 < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = conditions[index + 1];
    if (typeof bound !== 'number') {
      return false;
    }
    const holds =
      (operator === '=' && value === bound) ||
      (operator === '<' && value < bound) ||
      (operator === '<=' && value <= bound) ||
      (operator === '>' && value > bound) ||
      (operator === '>=' && value >= bound);
    if (!holds) {
      return false;
    }
  }
  return true;
}

const wildcardCache = new Map<string, RegExp>();

function wildcardToRegExp(wildcard: string): RegExp {
  const cached = wildcardCache.get(wildcard);
  if (cached !== undefined) {
    return cached;
  }
  let source = '';
  for (let index = 0; index < wildcard.length; index += 1) {
    const character = wildcard.charAt(index);
    if (character === '\\') {
      source += `\\${wildcard.charAt(index + 1)}`;
      index += 1;
    } else if (character === '*') {
      source += '.*';
    } else {
      source += character.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const compiled = new RegExp(`^${source}$`, 's');
  wildcardCache.set(wildcard, compiled);
  return compiled;
}

// --- Validation: what PutRule refuses -------------------------------------------------------------

function validateObject(pattern: Record<string, unknown>, path: string): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0 && path !== '') {
    throw new InvalidEventPatternError(`Empty objects are not allowed at ${path}`);
  }
  for (const [key, value] of Object.entries(pattern)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    if (key === '$or' && isOrPrimitive(value)) {
      for (const alternative of value) {
        validateObject(alternative, path);
      }
    } else if (Array.isArray(value)) {
      validateMatchers(value, childPath);
    } else if (isRecord(value)) {
      validateObject(value, childPath);
    } else {
      throw new InvalidEventPatternError(
        `Match value must be an array or an object at ${childPath}, got ${JSON.stringify(value)}`,
      );
    }
  }
}

function validateMatchers(matchers: readonly unknown[], path: string): void {
  if (matchers.length === 0) {
    throw new InvalidEventPatternError(`Empty arrays are not allowed at ${path}`);
  }
  for (const matcher of matchers) {
    if (matcher === null || ['string', 'number', 'boolean'].includes(typeof matcher)) {
      continue;
    }
    if (!isRecord(matcher)) {
      throw new InvalidEventPatternError(
        `Match value must be String, number, true, false, or null at ${path}`,
      );
    }
    validateOperator(matcher, path);
  }
}

function validateOperator(matcher: Record<string, unknown>, path: string): void {
  const keys = Object.keys(matcher);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) {
    throw new InvalidEventPatternError(`A matcher object must have exactly one operator at ${path}`);
  }
  const operand = matcher[operator];
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(`${reason} at ${path}`);
  };
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false');
      return;
    case 'prefix':
    case 'suffix':
      if (
        typeof operand !== 'string' &&
        !(
          isRecord(operand) &&
          Object.keys(operand).length === 1 &&
          typeof operand['equals-ignore-case'] === 'string'
        )
      ) {
        fail(`${operator} match pattern must be a string or an equals-ignore-case object`);
      }
      return;
    case 'equals-ignore-case':
      if (typeof operand !== 'string') fail('equals-ignore-case match pattern must be a string');
      return;
    case 'wildcard':
      if (typeof operand !== 'string') fail('wildcard match pattern must be a string');
      validateWildcard(operand as string, path);
      return;
    case 'numeric':
      validateNumeric(operand, path);
      return;
    case 'anything-but':
      validateAnythingBut(operand, path);
      return;
    case 'cidr':
      throw new Error(`The simulated EventBridge does not implement cidr matching (at ${path})`);
    default:
      fail(`Unrecognized match type ${operator}`);
  }
}

function validateWildcard(wildcard: string, path: string): void {
  if (wildcard.includes('**')) {
    throw new InvalidEventPatternError(
      `Consecutive wildcard characters at pos ${wildcard.indexOf('**') + 1} at ${path}`,
    );
  }
  for (let index = 0; index < wildcard.length; index += 1) {
    if (wildcard.charAt(index) === '\\') {
      const next = wildcard.charAt(index + 1);
      if (next !== '*' && next !== '\\') {
        throw new InvalidEventPatternError(`Invalid escape character at pos ${index + 1} at ${path}`);
      }
      index += 1;
    }
  }
}

function validateNumeric(operand: unknown, path: string): void {
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(`${reason} at ${path}`);
  };
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    fail('Value of numeric must be an array of one or two operator/number pairs');
  }
  const conditions = operand as unknown[];
  for (let index = 0; index < conditions.length; index += 2) {
    const operator = conditions[index];
    if (typeof operator !== 'string' || !['=', '<', '<=', '>', '>='].includes(operator)) {
      fail(`Unrecognized numeric range operator: ${JSON.stringify(operator)}`);
    }
    if (typeof conditions[index + 1] !== 'number') {
      fail('Value of numeric operators must be numbers');
    }
  }
  if (conditions.length === 4) {
    const [lower, , upper] = conditions;
    if (!(lower === '>' || lower === '>=') || !(upper === '<' || upper === '<=')) {
      fail('Bad numeric range: the first operator must be > or >=, the second < or <=');
    }
  }
}

function validateAnythingBut(operand: unknown, path: string): void {
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(`${reason} at ${path}`);
  };
  if (typeof operand === 'string' || typeof operand === 'number') {
    return;
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.every((item) => typeof item === 'string');
    const allNumbers = operand.every((item) => typeof item === 'number');
    if (operand.length === 0 || (!allStrings && !allNumbers)) {
      fail('Inside anything but list, all values must be strings or all must be numbers');
    }
    return;
  }
  if (isRecord(operand)) {
    const [inner] = Object.keys(operand);
    if (
      Object.keys(operand).length !== 1 ||
      inner === undefined ||
      !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner)
    ) {
      fail('Unsupported anything-but pattern');
    }
    validateOperator(operand, path);
    return;
  }
  fail('Value of anything-but must be an array, a string, a number or an object');
}
