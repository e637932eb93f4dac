/**
 * What the monitoring family's resource kinds share: transition durations, ARNs, SageMaker's errors
 * (ResourceNotFound, ResourceInUse, ValidationException), list paging and sorting, and the reference
 * checks against EC2 and KMS.
 */

import { AwsServiceError, validationError } from './errors.js';
import { isRecord } from './input-reader.js';
import { toEpochMs } from './sagemaker-monitoring-validation.js';
import type { ResourceFamilyContext } from './sagemaker-resource-family.js';

/** How long each transition takes, in virtual seconds (rough AWS figures). */
export interface MonitoringDurations {
  /** A schedule's Pending after CreateMonitoringSchedule, UpdateMonitoringSchedule, Start and Stop. */
  readonly scheduleSeconds: number;
  /** A deleted schedule stays (Pending) this long, and keeps its job definition locked. */
  readonly scheduleDeleteSeconds: number;
  /** An image's CREATING, UPDATING and DELETING. */
  readonly imageSeconds: number;
  /** A feature group's Creating (a Standard online store; InMemory takes 10 to 15 minutes in AWS). */
  readonly featureGroupCreateSeconds: number;
  readonly featureGroupDeleteSeconds: number;
}

export const DEFAULT_MONITORING_DURATIONS: MonitoringDurations = {
  scheduleSeconds: 20,
  scheduleDeleteSeconds: 20,
  imageSeconds: 15,
  featureGroupCreateSeconds: 60,
  featureGroupDeleteSeconds: 60,
};

/** The part of the family every resource kind needs, with the current durations. */
export interface MonitoringContext extends ResourceFamilyContext {
  readonly durations: () => MonitoringDurations;
}

/** SageMaker ARNs lowercase the resource name. */
export function resourceArn(context: MonitoringContext, type: string, name: string): string {
  return `arn:aws:sagemaker:${context.region}:${context.accountId}:${type}/${name.toLowerCase()}`;
}

export function resourceNotFound(operation: string, message: string): AwsServiceError {
  return new AwsServiceError({ service: 'SageMaker', operation, code: 'ResourceNotFound', message });
}

export function resourceInUse(operation: string, message: string): AwsServiceError {
  return new AwsServiceError({ service: 'SageMaker', operation, code: 'ResourceInUse', message });
}

export function invalid(operation: string, message: string): AwsServiceError {
  return validationError({ service: 'SageMaker', operation }, message);
}

/** A deep copy of request data kept in a record or returned from one. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** CreationTimeBefore/After (and LastModifiedTime...) filters: strict inequalities, as the API reference words them. */
export function withinTimes(ms: number, before: unknown, after: unknown): boolean {
  const beforeMs = toEpochMs(before);
  const afterMs = toEpochMs(after);
  return (beforeMs === undefined || ms < beforeMs) && (afterMs === undefined || ms > afterMs);
}

/** Sorts by a key, then by name so that equal keys page stably. */
export function sortBy<T extends { readonly name: string }>(
  items: readonly T[],
  key: (item: T) => string | number,
  order: unknown,
): T[] {
  const direction = order === 'Ascending' ? 1 : -1;
  return [...items].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    const byKey =
      typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
    return direction * (byKey === 0 ? a.name.localeCompare(b.name) : byKey);
  });
}

/** One page of a sorted list: MaxResults (default 10) from the NextToken's offset. */
export function pageOf<T>(
  items: readonly T[],
  request: Readonly<Record<string, unknown>>,
  operation: string,
): { readonly page: T[]; readonly nextToken?: string } {
  const maxResults = typeof request.MaxResults === 'number' ? request.MaxResults : 10;
  const token = request.NextToken;
  let offset = 0;
  if (typeof token === 'string') {
    const decoded = decodeToken(token);
    if (decoded === undefined || decoded.operation !== operation) {
      throw invalid(operation, 'Invalid pagination token');
    }
    offset = decoded.offset;
  }
  const page = items.slice(offset, offset + maxResults);
  const end = offset + page.length;
  return end < items.length
    ? { page, nextToken: Buffer.from(JSON.stringify({ operation, offset: end }), 'utf8').toString('base64') }
    : { page };
}

function decodeToken(token: string): { operation: string; offset: number } | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isRecord(decoded) && typeof decoded.operation === 'string' && typeof decoded.offset === 'number') {
      return { operation: decoded.operation, offset: decoded.offset };
    }
  } catch {
    // Falls through: not a token this simulation issued.
  }
  return undefined;
}

/**
 * A job's VPC: once the test models EC2 (or the account checks references strictly), every subnet must
 * exist with the security groups in its VPC; SageMaker relays EC2's words in a ValidationException
 * (wording not confirmed). Whether AWS checks this when a job definition is created rather than when a
 * job runs is not documented: checking early is the stricter choice.
 */
export function checkNetwork(context: MonitoringContext, vpcConfig: unknown, operation: string): void {
  const ec2 = context.references?.ec2;
  if (ec2 === undefined || !ec2.modelled || !isRecord(vpcConfig)) return;
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
  const groups = strings(vpcConfig.SecurityGroupIds);
  for (const subnet of strings(vpcConfig.Subnets)) {
    const problem = ec2.networkProblem(subnet, groups);
    if (problem !== undefined) throw invalid(operation, problem);
  }
}

/**
 * A KMS key a resource names: once the test models KMS, it must exist and be enabled for encryption;
 * SageMaker relays KMS's message in a ValidationException (wording not confirmed). As for the network,
 * checking at creation is the stricter choice where AWS does not document when it checks.
 */
export function checkKey(context: MonitoringContext, keyId: unknown, operation: string): void {
  const kms = context.references?.kms;
  if (kms === undefined || !kms.modelled || typeof keyId !== 'string' || keyId === '') return;
  try {
    kms.useKey(keyId, 'GenerateDataKey');
  } catch (error) {
    if (error instanceof AwsServiceError) throw invalid(operation, error.message);
    throw error;
  }
}
