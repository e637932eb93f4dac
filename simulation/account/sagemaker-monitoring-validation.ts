/**
 * How the monitoring family describes request shapes (required members, lengths, patterns, enums,
 * ranges, as in the SageMaker API model), and the check SageMaker's front end makes of a request before
 * anything else: a member of the wrong JSON type is a SerializationException, an unknown
 * member a ValidationException at once, and every constraint violated is listed in one
 * ValidationException ("2 validation errors detected: Value ... at '...' failed to satisfy constraint:
 * ...; Value ...").
 */

import { serializationError, validationError } from './errors.js';
import { isRecord, memberPath } from './input-reader.js';

export type Shape =
  | { readonly kind: 'string'; readonly min?: number; readonly max?: number; readonly pattern?: string }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'integer' | 'double'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'boolean' | 'timestamp' }
  | { readonly kind: 'list'; readonly member: Shape; readonly min?: number; readonly max?: number }
  | { readonly kind: 'map'; readonly key: Shape; readonly value: Shape; readonly max?: number }
  | StructureShape;

export interface StructureShape {
  readonly kind: 'structure';
  readonly members: Readonly<Record<string, Shape>>;
  readonly required: readonly string[];
}

type Limits = { readonly min?: number; readonly max?: number };

export const text = (limits: Limits & { readonly pattern?: string } = {}): Shape => ({
  kind: 'string',
  ...limits,
});
export const oneOf = (...values: string[]): Shape => ({ kind: 'enum', values });
export const integer = (limits: Limits = {}): Shape => ({ kind: 'integer', ...limits });
export const double: Shape = { kind: 'double' };
export const boolean: Shape = { kind: 'boolean' };
export const timestamp: Shape = { kind: 'timestamp' };
export const list = (member: Shape, limits: Limits = {}): Shape => ({ kind: 'list', member, ...limits });
export const map = (key: Shape, value: Shape, max?: number): Shape => ({
  kind: 'map',
  key,
  value,
  ...(max === undefined ? {} : { max }),
});
export const structure = (
  members: Readonly<Record<string, Shape>>,
  required: readonly string[] = [],
): StructureShape => ({ kind: 'structure', members, required });

/**
 * Checks a request against its shape and returns it as a record. The `passthrough` members (the
 * `Tags` of a Create call) are allowed but left to their own reader (ResourceFamilyContext.readTags).
 */
export function validateRequest(
  input: unknown,
  shape: StructureShape,
  operation: string,
  passthrough: readonly string[] = [],
): Readonly<Record<string, unknown>> {
  const context = { service: 'SageMaker' as const, operation };
  const request = input === undefined || input === null ? {} : input;
  if (!isRecord(request)) {
    throw serializationError(context, 'Start of structure or map found where not expected.');
  }
  const violations: string[] = [];
  const own = Object.fromEntries(Object.entries(request).filter(([key]) => !passthrough.includes(key)));
  checkStructure(own, shape, '', violations, operation, [...Object.keys(shape.members), ...passthrough]);
  if (violations.length > 0) {
    const count = violations.length;
    throw validationError(
      context,
      `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
    );
  }
  return request;
}

function checkStructure(
  value: Readonly<Record<string, unknown>>,
  shape: StructureShape,
  path: string,
  violations: string[],
  operation: string,
  allowed: readonly string[] = Object.keys(shape.members),
): void {
  const unknown = Object.keys(value).find((key) => value[key] !== undefined && !allowed.includes(key));
  if (unknown !== undefined) {
    throw validationError(
      { service: 'SageMaker', operation },
      `Unknown parameter in ${path === '' ? 'input' : path}: "${unknown}", must be one of: ${allowed.join(', ')}`,
    );
  }
  for (const name of shape.required) {
    if (value[name] === undefined || value[name] === null) {
      violations.push(violation(null, join(path, name), 'Member must not be null'));
    }
  }
  for (const [name, member] of Object.entries(shape.members)) {
    const memberValue = value[name];
    if (memberValue !== undefined && memberValue !== null) {
      check(memberValue, member, join(path, name), violations, operation);
    }
  }
}

function check(value: unknown, shape: Shape, path: string, violations: string[], operation: string): void {
  const typeError = (expected: string) =>
    serializationError(
      { service: 'SageMaker', operation },
      `Unexpected value for ${path}: expected ${expected}, got ${JSON.stringify(value)}`,
    );
  switch (shape.kind) {
    case 'string':
    case 'enum': {
      if (typeof value !== 'string') throw typeError('a string');
      if (shape.kind === 'enum') {
        if (!shape.values.includes(value)) {
          violations.push(
            violation(value, path, `Member must satisfy enum value set: [${shape.values.join(', ')}]`),
          );
        }
        return;
      }
      checkLength(value, value.length, shape, path, violations);
      if (shape.pattern !== undefined && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(value)) {
        violations.push(
          violation(value, path, `Member must satisfy regular expression pattern: ${shape.pattern}`),
        );
      }
      return;
    }
    case 'integer':
    case 'double':
      if (typeof value !== 'number' || (shape.kind === 'integer' && !Number.isInteger(value))) {
        throw typeError(shape.kind === 'integer' ? 'an integer' : 'a number');
      }
      if (shape.min !== undefined && value < shape.min) {
        violations.push(
          violation(value, path, `Member must have value greater than or equal to ${shape.min}`),
        );
      }
      if (shape.max !== undefined && value > shape.max) {
        violations.push(violation(value, path, `Member must have value less than or equal to ${shape.max}`));
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError('a boolean');
      return;
    case 'timestamp':
      if (toEpochMs(value) === undefined) throw typeError('a timestamp');
      return;
    case 'list':
      if (!Array.isArray(value)) throw typeError('a list');
      checkLength(value, value.length, shape, path, violations);
      value.forEach((item, index) => {
        check(item, shape.member, `${path}.${index + 1}.member`, violations, operation);
      });
      return;
    case 'map':
      if (!isRecord(value)) throw typeError('a map');
      if (shape.max !== undefined && Object.keys(value).length > shape.max) {
        violations.push(violation(value, path, `Member must have length less than or equal to ${shape.max}`));
      }
      for (const [key, item] of Object.entries(value)) {
        check(key, shape.key, `${path}.${key}.key`, violations, operation);
        check(item, shape.value, `${path}.${key}.value`, violations, operation);
      }
      return;
    case 'structure':
      if (!isRecord(value)) throw typeError('a structure');
      checkStructure(value, shape, path, violations, operation);
      return;
  }
}

function checkLength(
  value: unknown,
  length: number,
  limits: Limits,
  path: string,
  violations: string[],
): void {
  if (limits.min !== undefined && length < limits.min) {
    violations.push(violation(value, path, `Member must have length greater than or equal to ${limits.min}`));
  }
  if (limits.max !== undefined && length > limits.max) {
    violations.push(violation(value, path, `Member must have length less than or equal to ${limits.max}`));
  }
}

function join(path: string, member: string): string {
  return path === '' ? memberPath(member) : `${path}.${memberPath(member)}`;
}

function violation(value: unknown, path: string, constraint: string): string {
  return `Value ${display(value)} at '${path}' failed to satisfy constraint: ${constraint}`;
}

function display(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value))
    return `'[${value.map((item) => (isRecord(item) ? '{...}' : String(item))).join(', ')}]'`;
  if (isRecord(value)) return `'{${Object.keys(value).join(', ')}}'`;
  return `'${String(value)}'`;
}

/** A timestamp member as the SDK (Date), the JSON protocol (epoch seconds) or Step Functions (ISO text) sends it. */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}
