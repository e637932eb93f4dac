/**
 * What the inference family's resource kinds share: durations, AWS's error shapes, ARNs, list paging,
 * tags, and the checks of what a resource refers to in KMS and EC2.
 */

import { AwsServiceError, validationError } from './errors.js';
import { isRecord } from './input-reader.js';
import type { Tag } from './sagemaker.js';
import type { Input } from './sagemaker-inference-validation.js';
import { sageMakerInputReader } from './sagemaker-notebook-resources.js';
import type { ResourceFamilyContext, TaggedResource } from './sagemaker-resource-family.js';

/** How long each transition takes, in virtual seconds (rough AWS figures). */
export interface InferenceDurations {
  /** Creating -> InService (AWS: 5 to 10 minutes for an instance-based endpoint). */
  readonly endpointCreateSeconds: number;
  /** Updating -> InService on the new configuration (AWS: 5 to 10 minutes, a new fleet is launched). */
  readonly endpointUpdateSeconds: number;
  /** RollingBack -> InService (a seeded endpoint rolling back a capacity change; a failed UpdateEndpoint does not roll back this way). */
  readonly endpointRollbackSeconds: number;
  /** Deleting -> gone. */
  readonly endpointDeleteSeconds: number;
  /** Creating -> Created. */
  readonly experimentCreateSeconds: number;
  /** Starting -> Running (the shadow variant is deployed). */
  readonly experimentStartSeconds: number;
  /** Updating -> the status the experiment had. */
  readonly experimentUpdateSeconds: number;
  /** Stopping -> Completed or Cancelled. */
  readonly experimentStopSeconds: number;
}

export const DEFAULT_INFERENCE_DURATIONS: InferenceDurations = {
  endpointCreateSeconds: 420,
  endpointUpdateSeconds: 420,
  endpointRollbackSeconds: 180,
  endpointDeleteSeconds: 60,
  experimentCreateSeconds: 60,
  experimentStartSeconds: 300,
  experimentUpdateSeconds: 60,
  experimentStopSeconds: 300,
};

/** The family's shared state, handed to each resource kind. */
export interface InferenceContext extends ResourceFamilyContext {
  durations(): InferenceDurations;
}

/** A resource record AddTags and ListTags reach, with its creation time. */
export interface InferenceRecord extends TaggedResource {
  readonly name: string;
  readonly creationMs: number;
}

export const arnOf = (context: ResourceFamilyContext, type: string, name: string): string =>
  `arn:aws:sagemaker:${context.region}:${context.accountId}:${type}/${name.toLowerCase()}`;

export const invalid = (operation: string, message: string): AwsServiceError =>
  validationError({ service: 'SageMaker', operation }, message);

/** SageMaker's not-found message for models, endpoint configurations and endpoints (ValidationException). */
export const couldNotFind = (kind: string, arn: string, operation: string): AwsServiceError =>
  invalid(operation, `Could not find ${kind} "${arn}".`);

export const alreadyExists = (kind: string, arn: string, operation: string): AwsServiceError =>
  invalid(operation, `Cannot create already existing ${kind} "${arn}".`);

/** A modeled SageMaker error (ResourceNotFound, ConflictException, ResourceInUse). */
export const modeled = (code: string, operation: string, message: string): AwsServiceError =>
  new AwsServiceError({ service: 'SageMaker', operation, code, message });

/** The Create call's `Tags`, read with the account's rules (reserved `aws:` keys, lengths, the 50 limit). */
export function readCreateTags(context: ResourceFamilyContext, input: unknown, operation: string): Tag[] {
  const tags = context.readTags(sageMakerInputReader(input, operation), operation) ?? [];
  context.checkTagLimit([], tags, operation);
  return tags;
}

/** The request without its Tags, as Describe gives it back. */
export function withoutTags(request: Input): Input {
  const { Tags: _tags, ...rest } = request;
  return rest;
}

interface Listable {
  readonly name: string;
  readonly creationMs: number;
  readonly lastModifiedMs?: number;
  readonly status?: string;
}

/**
 * One page of a List call: NameContains (case-insensitive), the time filters, StatusEquals, SortBy
 * (Name, CreationTime, Status), SortOrder (default Descending), MaxResults (default 10), NextToken.
 */
export function listPage<T extends Listable>(
  records: readonly T[],
  request: Input,
  operation: string,
): { page: T[]; nextToken?: string } {
  const nameContains = (request.NameContains as string | undefined)?.toLowerCase();
  const after = (member: string, value: number | undefined) =>
    request[member] === undefined || (value !== undefined && value > (request[member] as Date).getTime());
  const before = (member: string, value: number | undefined) =>
    request[member] === undefined || (value !== undefined && value < (request[member] as Date).getTime());
  const matching = records.filter(
    (record) =>
      (nameContains === undefined || record.name.toLowerCase().includes(nameContains)) &&
      after('CreationTimeAfter', record.creationMs) &&
      before('CreationTimeBefore', record.creationMs) &&
      after('LastModifiedTimeAfter', record.lastModifiedMs) &&
      before('LastModifiedTimeBefore', record.lastModifiedMs) &&
      (request.StatusEquals === undefined || record.status === request.StatusEquals),
  );
  const sortBy = (request.SortBy as string | undefined) ?? 'CreationTime';
  const direction = request.SortOrder === 'Ascending' ? 1 : -1;
  const sorted = matching.sort((a, b) => {
    const byKey =
      sortBy === 'Name'
        ? a.name.localeCompare(b.name)
        : sortBy === 'Status'
          ? (a.status ?? '').localeCompare(b.status ?? '')
          : a.creationMs - b.creationMs;
    return direction * (byKey === 0 ? a.name.localeCompare(b.name) : byKey);
  });
  const offset = request.NextToken === undefined ? 0 : decodeToken(request.NextToken as string, operation);
  const maxResults = (request.MaxResults as number | undefined) ?? 10;
  const page = sorted.slice(offset, offset + maxResults);
  const end = offset + page.length;
  return end < sorted.length ? { page, nextToken: encodeToken(operation, end) } : { page };
}

function encodeToken(operation: string, offset: number): string {
  return Buffer.from(JSON.stringify({ operation, offset }), 'utf8').toString('base64');
}

function decodeToken(token: string, operation: string): number {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isRecord(decoded) && decoded.operation === operation && typeof decoded.offset === 'number') {
      return decoded.offset;
    }
  } catch {
    // Falls through to the error below.
  }
  throw invalid(operation, 'Invalid pagination token');
}

/**
 * A KMS key a request names must exist once the account models KMS (strict references, or a key was
 * seeded); SageMaker relays KMS's message in a ValidationException (wording not confirmed). Until then
 * any key is taken as given, as for notebooks.
 */
export function checkKeyExists(
  context: ResourceFamilyContext,
  keyId: string | undefined,
  operation: string,
): void {
  const kms = context.references?.kms;
  if (keyId === undefined || kms === undefined || !kms.modelled) return;
  relay(() => kms.describeKey({ KeyId: keyId }), operation);
}

/** Subnets and security groups of a VpcConfig must exist once the account models EC2. */
export function checkNetwork(context: ResourceFamilyContext, vpcConfig: unknown, operation: string): void {
  const ec2 = context.references?.ec2;
  if (ec2 === undefined || !ec2.modelled || !isRecord(vpcConfig)) return;
  const groups = (vpcConfig.SecurityGroupIds as string[] | undefined) ?? [];
  for (const subnet of (vpcConfig.Subnets as string[] | undefined) ?? []) {
    const problem = ec2.networkProblem(subnet, groups);
    // Wording not confirmed: SageMaker is assumed to relay EC2's message, as for notebooks.
    if (problem !== undefined) throw invalid(operation, problem);
  }
}

/** Runs another service's check; its error becomes SageMaker's ValidationException with its message. */
export function relay(check: () => unknown, operation: string): void {
  try {
    check();
  } catch (error) {
    if (error instanceof AwsServiceError) throw invalid(operation, error.message);
    throw error;
  }
}

/** A deep copy with Dates kept (what Describe hands out). */
export const copy = <T>(value: T): T => structuredClone(value);
