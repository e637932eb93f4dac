/**
 * Request validation for the inference family, driven by shape descriptions written from the SageMaker
 * API reference: required members, lengths, patterns, ranges and enums are checked as the service's
 * front end does, and every violation is reported in one ValidationException ("2 validation errors
 * detected: ...; ..."), with nested members named as AWS names them (`productionVariants.1.member.instanceType`).
 * A member of the wrong JSON type is a SerializationException, an unknown member is refused by name.
 */

import { serializationError, validationError } from './errors.js';
import { isRecord } from './input-reader.js';

export type Shape =
  | {
      readonly type: 'string';
      readonly min?: number;
      readonly max?: number;
      /** A full-match pattern, shown in the message as written here. */
      readonly pattern?: string;
      readonly enum?: readonly string[];
    }
  | { readonly type: 'integer' | 'float'; readonly min?: number; readonly max?: number }
  | { readonly type: 'boolean' | 'timestamp' }
  | { readonly type: 'list'; readonly member: Shape; readonly min?: number; readonly max?: number }
  | {
      readonly type: 'map';
      readonly key: Shape;
      readonly value: Shape;
      readonly min?: number;
      readonly max?: number;
    }
  | {
      readonly type: 'structure';
      readonly members: Readonly<Record<string, Shape>>;
      readonly required?: readonly string[];
    }
  /** A structure taken as given: its members are not simulated, so they are neither checked nor used. */
  | { readonly type: 'opaque' };

export type Input = Readonly<Record<string, unknown>>;

/** Builders for shapes, so that the shape tables read like the API reference. */
export const s = {
  string: (constraints: Omit<Extract<Shape, { type: 'string' }>, 'type'> = {}): Shape => ({
    type: 'string',
    ...constraints,
  }),
  enum: (values: readonly string[]): Shape => ({ type: 'string', enum: values }),
  integer: (min?: number, max?: number): Shape => ({
    type: 'integer',
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
  }),
  float: (min?: number): Shape => ({ type: 'float', ...(min === undefined ? {} : { min }) }),
  boolean: { type: 'boolean' } as Shape,
  timestamp: { type: 'timestamp' } as Shape,
  opaque: { type: 'opaque' } as Shape,
  list: (member: Shape, min?: number, max?: number): Shape => ({
    type: 'list',
    member,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
  }),
  map: (key: Shape, value: Shape, min?: number, max?: number): Shape => ({
    type: 'map',
    key,
    value,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
  }),
  structure: (members: Readonly<Record<string, Shape>>, required: readonly string[] = []): Shape => ({
    type: 'structure',
    members,
    required,
  }),
};

/**
 * Checks `input` against a request shape and returns a copy in which timestamps are Dates (the SDK
 * sends Dates, Step Functions ISO strings or epoch seconds). Throws AWS's error for the first kind of
 * problem found: an unknown member, a wrongly typed member, or the constraint violations.
 */
export function readRequest(input: unknown, shape: Shape, operation: string): Input {
  const violations: string[] = [];
  const value = check(input ?? {}, shape, '', violations, operation);
  if (violations.length > 0) {
    const count = violations.length;
    throw validationError(
      { service: 'SageMaker', operation },
      `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
    );
  }
  return value as Input;
}

function check(value: unknown, shape: Shape, path: string, violations: string[], operation: string): unknown {
  const typeFail = (expected: string) =>
    serializationError(
      { service: 'SageMaker', operation },
      `Unexpected value for ${path || 'input'}: expected ${expected}, got ${JSON.stringify(value)}`,
    );
  const violate = (constraint: string) =>
    violations.push(`Value ${shown(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  switch (shape.type) {
    case 'string': {
      if (typeof value !== 'string') throw typeFail('a string');
      if (shape.min !== undefined && value.length < shape.min)
        violate(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max)
        violate(`Member must have length less than or equal to ${shape.max}`);
      if (shape.pattern !== undefined && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(value))
        violate(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      if (shape.enum !== undefined && !shape.enum.includes(value))
        violate(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      return value;
    }
    case 'integer':
    case 'float': {
      if (typeof value !== 'number' || (shape.type === 'integer' && !Number.isInteger(value)))
        throw typeFail(shape.type === 'integer' ? 'an integer' : 'a number');
      if (shape.min !== undefined && value < shape.min)
        violate(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max)
        violate(`Member must have value less than or equal to ${shape.max}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw typeFail('a boolean');
      return value;
    case 'timestamp':
      return timestamp(value, typeFail);
    case 'opaque':
      if (!isRecord(value)) throw typeFail('a structure');
      return structuredClone(value);
    case 'list': {
      if (!Array.isArray(value)) throw typeFail('a list');
      if (shape.min !== undefined && value.length < shape.min)
        violate(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max)
        violate(`Member must have length less than or equal to ${shape.max}`);
      return value.map((item, index) =>
        check(item, shape.member, `${path}.${index + 1}.member`, violations, operation),
      );
    }
    case 'map': {
      if (!isRecord(value)) throw typeFail('a map');
      const size = Object.keys(value).length;
      if (shape.min !== undefined && size < shape.min)
        violate(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && size > shape.max)
        violate(`Member must have length less than or equal to ${shape.max}`);
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          check(key, shape.key, `${path}.${key}.key`, violations, operation),
          check(item, shape.value, `${path}.${key}.value`, violations, operation),
        ]),
      );
    }
    case 'structure': {
      if (!isRecord(value)) throw typeFail('a structure');
      const allowed = Object.keys(shape.members);
      const unknown = Object.keys(value).find((key) => !allowed.includes(key) && value[key] !== undefined);
      if (unknown !== undefined) {
        throw validationError(
          { service: 'SageMaker', operation },
          `Unknown parameter in ${path || 'input'}: "${unknown}", must be one of: ${allowed.join(', ')}`,
        );
      }
      const result: Record<string, unknown> = {};
      for (const [member, memberShape] of Object.entries(shape.members)) {
        const memberPath = path === '' ? lowerFirst(member) : `${path}.${lowerFirst(member)}`;
        const item = value[member];
        if (item === undefined || item === null) {
          if (shape.required?.includes(member)) {
            violations.push(
              `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`,
            );
          }
          continue;
        }
        result[member] = check(item, memberShape, memberPath, violations, operation);
      }
      return result;
    }
  }
}

function timestamp(value: unknown, typeFail: (expected: string) => Error): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return new Date(value.getTime());
  // Epoch seconds (the JSON protocol's form) or an ISO 8601 string (what Step Functions passes on).
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)))
    return new Date(Date.parse(value));
  throw typeFail('a timestamp');
}

function shown(value: unknown): string {
  if (Array.isArray(value))
    return `'[${value.map((item) => (isRecord(item) ? '{...}' : String(item))).join(', ')}]'`;
  if (isRecord(value)) return `'{${Object.keys(value).join(', ')}}'`;
  return `'${String(value)}'`;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
