/**
 * Checks the remediation constructs share for their props, each returning the problems it finds (as
 * lines of the one Error a construct throws), so that every problem is reported at once.
 */
import type { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Why a log retention cannot be used: CloudWatch Logs accepts only the RetentionDays values. */
export function logRetentionProblems(name: string, retention: number): string[] {
  const accepted: unknown[] = Object.values(RetentionDays).filter((value) => typeof value === 'number');
  return accepted.includes(retention)
    ? []
    : [`${name} ${retention} is not a CloudWatch Logs retention (one of RetentionDays)`];
}

/**
 * Why a resource's key is not `expected`, the key the construct's roles are granted (through the
 * resource's service): a resource encrypted with another key would be unreadable to them.
 */
export function sameKeyProblems(name: string, resourceKey: IKey | undefined, expected: IKey): string[] {
  return resourceKey === undefined || resourceKey === expected
    ? []
    : [`${name} is encrypted with another key than encryptionKey, the only key the roles may use`];
}

/** Why a duration is not a whole number of seconds between `min` and `max` seconds. */
export function durationProblems(name: string, duration: Duration, min: number, max: number): string[] {
  const seconds = duration.toSeconds({ integral: false });
  return Number.isInteger(seconds) && seconds >= min && seconds <= max
    ? []
    : [`${name} must be a whole number of seconds from ${min} to ${max}, not ${seconds}`];
}

/** Why a count is not a whole number between `min` and `max`. */
export function wholeNumberProblems(name: string, value: number, min: number, max: number): string[] {
  return Number.isInteger(value) && value >= min && value <= max
    ? []
    : [`${name} must be a whole number from ${min} to ${max}, not ${value}`];
}
