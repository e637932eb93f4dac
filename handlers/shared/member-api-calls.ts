/**
 * The calls the member-api-call function makes for the state machine: the member Tasks that Step
 * Functions cannot make itself. An AWS SDK integration calls its service in the state machine's own
 * Region, so a resource of a linked Region is called through this function instead; and a Task whose
 * whole request is a state field (InputPath) is too, because the Region-independent Task Credentials
 * would have to be read from that same narrowed input.
 *
 * The function answers as the integration would: the API's response, and on failure an error named
 * `<Service>.<Exception>` as Step Functions names it, so the Task's Retry and Catch work unchanged.
 * Pure: no SDK imports (the handler maps each call to its Command).
 */

import * as z from 'zod/mini';
import { memberTargetSchema } from './member-clients.js';

/** Every call the function makes, as `<sdk service>:<action>` of the integration it stands in for. */
export const MEMBER_API_CALLS = [
  'sagemaker:addTags',
  'sagemaker:createNotebookInstance',
  'sagemaker:deleteNotebookInstance',
  'sagemaker:describeEndpoint',
  'sagemaker:describeInferenceExperiment',
  'sagemaker:describeMonitoringSchedule',
  'sagemaker:describeNotebookInstance',
  'sagemaker:listMonitoringSchedules',
  'sagemaker:startNotebookInstance',
  'sagemaker:stopNotebookInstance',
  'sagemaker:updateNotebookInstance',
  'ec2:describeSecurityGroups',
  'ec2:describeSubnets',
  'kms:describeKey',
  's3:getObject',
  's3:listObjectsV2',
] as const;

export type MemberApiCall = (typeof MEMBER_API_CALLS)[number];
export type MemberApiService = MemberApiCall extends `${infer Service}:${string}` ? Service : never;

export function isMemberApiCall(call: string): call is MemberApiCall {
  return (MEMBER_API_CALLS as readonly string[]).includes(call);
}

/** What the state machine sends: the integration's service and action, its request, and where. */
export const memberApiRequestSchema = z.object({
  service: z.enum(['sagemaker', 'ec2', 'kms', 's3']),
  action: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The integration's Parameters (or the state field its InputPath named), as the API takes them. */
  request: z.record(z.string(), z.unknown()),
  /** The resource's account and Region (`$.plan.target`). */
  target: memberTargetSchema,
  /** The execution the member role session is named after. */
  executionName: z.string().check(z.minLength(1), z.maxLength(80)),
});

export type MemberApiRequest = z.infer<typeof memberApiRequestSchema>;

/**
 * The error shapes the S3 API model defines (SDK v3 `@aws-sdk/client-s3` exports the same names).
 * Step Functions calls S3 through the SDK for Java v2, which maps these codes on any operation. The
 * simulated account raises and names S3 errors from this same list.
 */
export const S3_MODELED_ERRORS: readonly string[] = [
  'BucketAlreadyExists',
  'BucketAlreadyOwnedByYou',
  'EncryptionTypeMismatch',
  'IdempotencyParameterMismatch',
  'InvalidObjectState',
  'InvalidRequest',
  'InvalidWriteOffset',
  'NoSuchBucket',
  'NoSuchKey',
  'NoSuchUpload',
  'ObjectAlreadyInActiveTierError',
  'ObjectNotInActiveTierError',
  'TooManyParts',
];

/**
 * The errors each call's API model declares (from the SageMaker, EC2 and KMS API references; EC2
 * declares none): Step Functions names those after the error, and every other one (throttling, 5xx,
 * ValidationException) after the service's generic exception.
 */
const DECLARED_ERRORS: Readonly<Record<MemberApiCall, readonly string[]>> = {
  'sagemaker:addTags': [],
  'sagemaker:createNotebookInstance': ['ResourceLimitExceeded'],
  'sagemaker:deleteNotebookInstance': [],
  'sagemaker:describeEndpoint': [],
  'sagemaker:describeInferenceExperiment': ['ResourceNotFound'],
  'sagemaker:describeMonitoringSchedule': ['ResourceNotFound'],
  'sagemaker:describeNotebookInstance': [],
  'sagemaker:listMonitoringSchedules': [],
  'sagemaker:startNotebookInstance': ['ResourceLimitExceeded'],
  'sagemaker:stopNotebookInstance': [],
  'sagemaker:updateNotebookInstance': ['ResourceLimitExceeded'],
  'ec2:describeSecurityGroups': [],
  'ec2:describeSubnets': [],
  'kms:describeKey': [
    'DependencyTimeoutException',
    'InvalidArnException',
    'KMSInternalException',
    'NotFoundException',
  ],
  's3:getObject': S3_MODELED_ERRORS,
  's3:listObjectsV2': S3_MODELED_ERRORS,
};

/** The service as the AWS SDK integration's error names spell it. */
const ERROR_PREFIXES: Readonly<Record<MemberApiService, string>> = {
  sagemaker: 'SageMaker',
  ec2: 'Ec2',
  kms: 'Kms',
  s3: 'S3',
};

/** `KMSInternalException` -> `KmsInternalException`, `ResourceNotFound` -> `ResourceNotFoundException`. */
function exceptionName(code: string): string {
  const pascal = code.replace(
    /^[A-Z]{2,}(?=[A-Z][a-z])/,
    (acronym) => acronym[0] + acronym.slice(1).toLowerCase(),
  );
  return pascal.endsWith('Exception') ? pascal : `${pascal}Exception`;
}

/** The error a service error becomes, named as the AWS SDK integration would name it. */
export function integrationError(call: MemberApiCall, error: unknown): Error {
  const code = error instanceof Error ? error.name : 'UnknownError';
  const message = error instanceof Error ? error.message : String(error);
  const prefix = ERROR_PREFIXES[call.slice(0, call.indexOf(':')) as MemberApiService];
  const declared = DECLARED_ERRORS[call].includes(code);
  const failure = new Error(declared ? message : `${message} (Service: ${prefix}, Error Code: ${code})`);
  failure.name = `${prefix}.${declared ? exceptionName(code) : `${prefix}Exception`}`;
  return failure;
}

/** A streamed body, as the SDK returns GetObject's. */
interface StreamedBody {
  transformToString(): Promise<string>;
}

/**
 * The response as the integration returns it: the API's fields without the SDK's metadata, dates as
 * text, and an object's body as text (what Step Functions returns for GetObject).
 */
export async function integrationResult(output: unknown): Promise<Record<string, unknown>> {
  const { $metadata: _metadata, ...fields } = (output ?? {}) as Record<string, unknown>;
  const body = fields.Body as StreamedBody | undefined;
  if (body !== undefined && typeof body.transformToString === 'function') {
    fields.Body = await body.transformToString();
  }
  return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
}
