/**
 * Reads and validates API input the way AWS's front end does, with AWS's message formats.
 *
 * Input arrives as `unknown`: Step Functions passes whatever JSON the state machine built, so every
 * member is checked at run time even when the caller is typed.
 */

import type { AwsServiceError } from './errors.js';

export type ErrorFactory = (message: string) => AwsServiceError;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `NotebookInstanceName` -> `notebookInstanceName`, as AWS names members in validation messages. */
export function memberPath(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** AWS's front-end validation message for one failed constraint. */
export function constraintMessage(value: unknown, member: string, constraint: string): string {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return `1 validation error detected: Value ${shown} at '${memberPath(member)}' failed to satisfy constraint: ${constraint}`;
}

export interface StringConstraints {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** A full-match pattern, shown in the message as written here. */
  readonly pattern?: string;
  readonly allowed?: readonly string[];
}

export class InputReader {
  private constructor(
    readonly fields: Readonly<Record<string, unknown>>,
    private readonly fail: ErrorFactory,
    private readonly typeFail: ErrorFactory,
  ) {}

  /**
   * @param fail raises constraint violations (ValidationException, InvalidInputException...).
   * @param typeFail raises wrongly typed members; JSON services reject them while deserialising.
   */
  static of(input: unknown, fail: ErrorFactory, typeFail: ErrorFactory = fail): InputReader {
    if (input === undefined) {
      return new InputReader({}, fail, typeFail);
    }
    if (!isRecord(input)) {
      throw typeFail('Start of structure or map found where not expected.');
    }
    return new InputReader(input, fail, typeFail);
  }

  has(name: string): boolean {
    return this.fields[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.fields[name];
  }

  /** Members the operation does not have are refused, naming them (as a serialiser does). */
  rejectUnknown(allowed: readonly string[]): void {
    const unknown = Object.keys(this.fields).filter(
      (key) => !allowed.includes(key) && this.fields[key] !== undefined,
    );
    const first = unknown[0];
    if (first !== undefined) {
      throw this.fail(`Unknown parameter in input: "${first}", must be one of: ${allowed.join(', ')}`);
    }
  }

  requiredString(name: string, constraints: StringConstraints = {}): string {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      throw this.fail(constraintMessage(value, name, 'Member must not be null'));
    }
    return this.checkString(name, value, constraints);
  }

  optionalString(name: string, constraints: StringConstraints = {}): string | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    return this.checkString(name, value, constraints);
  }

  optionalInteger(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw this.typeFail(`Unexpected value for ${name}: expected an integer, got ${JSON.stringify(value)}`);
    }
    if (range.min !== undefined && value < range.min) {
      throw this.fail(
        constraintMessage(value, name, `Member must have value greater than or equal to ${range.min}`),
      );
    }
    if (range.max !== undefined && value > range.max) {
      throw this.fail(
        constraintMessage(value, name, `Member must have value less than or equal to ${range.max}`),
      );
    }
    return value;
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value !== 'boolean') {
      throw this.typeFail(`Unexpected value for ${name}: expected a boolean, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  optionalStringList(
    name: string,
    options: { maxItems?: number; item?: StringConstraints } = {},
  ): string[] | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (!Array.isArray(value)) {
      throw this.typeFail(`Unexpected value for ${name}: expected a list, got ${JSON.stringify(value)}`);
    }
    if (options.maxItems !== undefined && value.length > options.maxItems) {
      throw this.fail(
        constraintMessage(
          `[${value.join(', ')}]`,
          name,
          `Member must have length less than or equal to ${options.maxItems}`,
        ),
      );
    }
    return value.map((item) => this.checkString(name, item, options.item ?? {}));
  }

  optionalRecord(name: string): Readonly<Record<string, unknown>> | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (!isRecord(value)) {
      throw this.typeFail(`Unexpected value for ${name}: expected a structure, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  optionalList(name: string): readonly unknown[] | undefined {
    const value = this.fields[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (!Array.isArray(value)) {
      throw this.typeFail(`Unexpected value for ${name}: expected a list, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private checkString(name: string, value: unknown, constraints: StringConstraints): string {
    if (typeof value !== 'string') {
      throw this.typeFail(`Unexpected value for ${name}: expected a string, got ${JSON.stringify(value)}`);
    }
    if (constraints.minLength !== undefined && value.length < constraints.minLength) {
      throw this.fail(
        constraintMessage(
          value,
          name,
          `Member must have length greater than or equal to ${constraints.minLength}`,
        ),
      );
    }
    if (constraints.maxLength !== undefined && value.length > constraints.maxLength) {
      throw this.fail(
        constraintMessage(
          value,
          name,
          `Member must have length less than or equal to ${constraints.maxLength}`,
        ),
      );
    }
    if (constraints.pattern !== undefined && !new RegExp(`^(?:${constraints.pattern})$`, 'u').test(value)) {
      throw this.fail(
        constraintMessage(
          value,
          name,
          `Member must satisfy regular expression pattern: ${constraints.pattern}`,
        ),
      );
    }
    if (constraints.allowed !== undefined && !constraints.allowed.includes(value)) {
      throw this.fail(
        constraintMessage(
          value,
          name,
          `Member must satisfy enum value set: [${constraints.allowed.join(', ')}]`,
        ),
      );
    }
    return value;
  }
}
