/**
 * Service errors as the AWS SDK for JavaScript v3 raises them, and their conversion to the errors a
 * Step Functions Task state sees (the names Retry and Catch match on).
 */

import { S3_MODELED_ERRORS } from '../../handlers/shared/member-api-calls.js';
import { INFERENCE_DECLARED_ERRORS } from './declared-errors-inference.js';
import { MONITORING_DECLARED_ERRORS } from './declared-errors-monitoring.js';

export type SimulatedService =
  | 'SageMaker'
  | 'SecurityHub'
  | 'DynamoDB'
  | 'SNS'
  | 'S3'
  | 'IAM'
  | 'EC2'
  | 'KMS'
  | 'SQS'
  | 'SecretsManager'
  | 'Organizations';

export type ErrorFault = 'client' | 'server';

export interface AwsServiceErrorOptions {
  /** The error code, which the SDK uses as the error's `name` (e.g. `ValidationException`). */
  readonly code: string;
  readonly message: string;
  readonly service: SimulatedService;
  readonly operation: string;
  readonly httpStatusCode?: number;
  readonly fault?: ErrorFault;
  readonly requestId?: string;
  /** Extra members the SDK puts on some modeled errors, e.g. `Item` on ConditionalCheckFailedException. */
  readonly members?: Readonly<Record<string, unknown>>;
}

export interface ResponseMetadata {
  httpStatusCode: number;
  /** Filled in by the simulated account when the error leaves a call. */
  requestId: string;
  attempts: number;
  totalRetryDelay: number;
}

/** Shaped like an SDK v3 ServiceException: `name` is the code, `$fault` and `$metadata` are set. */
export class AwsServiceError extends Error {
  readonly $fault: ErrorFault;
  readonly $metadata: ResponseMetadata;
  readonly service: SimulatedService;
  readonly operation: string;
  /** Modeled members, also copied onto the error itself as the SDK does. */
  readonly members: Readonly<Record<string, unknown>>;

  constructor(options: AwsServiceErrorOptions) {
    super(options.message);
    this.name = options.code;
    const httpStatusCode = options.httpStatusCode ?? 400;
    this.$fault = options.fault ?? (httpStatusCode >= 500 ? 'server' : 'client');
    this.$metadata = {
      httpStatusCode,
      requestId: options.requestId ?? '',
      attempts: 1,
      totalRetryDelay: 0,
    };
    this.service = options.service;
    this.operation = options.operation;
    this.members = options.members ?? {};
    Object.assign(this, this.members);
  }

  get code(): string {
    return this.name;
  }
}

export function isAwsServiceError(error: unknown): error is AwsServiceError {
  return error instanceof AwsServiceError;
}

type ErrorContext = Pick<AwsServiceErrorOptions, 'service' | 'operation'>;

export function validationError(context: ErrorContext, message: string): AwsServiceError {
  return new AwsServiceError({ ...context, code: 'ValidationException', message });
}

/** The error a JSON-protocol service returns when a member has the wrong JSON type. */
export function serializationError(context: ErrorContext, message: string): AwsServiceError {
  return new AwsServiceError({ ...context, code: 'SerializationException', message });
}

/** The throttling error each service actually returns (codes and statuses differ between services). */
export function throttlingError(context: ErrorContext, message?: string): AwsServiceError {
  const byService: Record<SimulatedService, { code: string; status: number; message: string }> = {
    SageMaker: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
    SecurityHub: { code: 'TooManyRequestsException', status: 429, message: 'Rate exceeded' },
    DynamoDB: {
      code: 'ProvisionedThroughputExceededException',
      status: 400,
      message:
        'The level of configured provisioned throughput for the table was exceeded. ' +
        'Consider increasing your provisioning level with the UpdateTable API.',
    },
    SNS: { code: 'ThrottledException', status: 429, message: 'Rate exceeded' },
    S3: { code: 'SlowDown', status: 503, message: 'Please reduce your request rate.' },
    IAM: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
    // EC2's common server errors: RequestLimitExceeded (503). KMS words its own throttling message.
    EC2: { code: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' },
    KMS: {
      code: 'ThrottlingException',
      status: 400,
      message: 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.',
    },
    SQS: { code: 'RequestThrottled', status: 400, message: 'Rate exceeded' },
    SecretsManager: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
    // ListParents declares TooManyRequestsException, a client fault.
    Organizations: { code: 'TooManyRequestsException', status: 400, message: 'Rate exceeded' },
  };
  const shape = byService[context.service];
  return new AwsServiceError({
    ...context,
    code: shape.code,
    httpStatusCode: shape.status,
    message: message ?? shape.message,
  });
}

/** The internal error each service returns on a 5xx. */
export function internalError(context: ErrorContext, message?: string): AwsServiceError {
  const byService: Record<SimulatedService, string> = {
    SageMaker: 'InternalFailure',
    SecurityHub: 'InternalException',
    DynamoDB: 'InternalServerError',
    SNS: 'InternalErrorException',
    S3: 'InternalError',
    IAM: 'ServiceFailure',
    EC2: 'InternalError',
    KMS: 'KMSInternalException',
    SQS: 'InternalFailure',
    SecretsManager: 'InternalServiceError',
    Organizations: 'ServiceException',
  };
  return new AwsServiceError({
    ...context,
    code: byService[context.service],
    httpStatusCode: 500,
    message: message ?? 'An internal error occurred. Try again later.',
  });
}

export function serviceUnavailableError(context: ErrorContext, message?: string): AwsServiceError {
  return new AwsServiceError({
    ...context,
    code: 'ServiceUnavailable',
    httpStatusCode: 503,
    message: message ?? 'Service is unavailable. Try again later.',
  });
}

/** Default HTTP status for an error code when a test injects it without saying. */
export function defaultStatusFor(code: string): number {
  const statuses: Readonly<Record<string, number>> = {
    InternalFailure: 500,
    InternalServerError: 500,
    InternalException: 500,
    InternalErrorException: 500,
    InternalServerException: 500,
    ServiceUnavailable: 503,
    ServiceUnavailableException: 503,
    TooManyRequestsException: 429,
    ThrottledException: 429,
    SlowDown: 503,
    InternalError: 500,
    ServiceFailure: 500,
    NoSuchKey: 404,
    NoSuchBucket: 404,
    NoSuchVersion: 404,
    NotFound: 404,
    NoSuchEntity: 404,
    BucketAlreadyOwnedByYou: 409,
    BucketAlreadyExists: 409,
    NotFoundException: 404,
    AccessDeniedException: 403,
    AuthorizationErrorException: 403,
    KMSInternalException: 500,
    DependencyTimeoutException: 503,
    InternalServiceError: 500,
    RequestLimitExceeded: 503,
    Unavailable: 503,
  };
  return statuses[code] ?? 400;
}

/**
 * The errors each operation's API model declares, as the SDK names them (from the
 * `@throws` lists of the installed SDK v3 clients, and the SNS, S3, IAM, EC2, KMS, SQS and Secrets Manager
 * API references). Step
 * Functions gives these their own error names; anything else arrives as the service's generic exception.
 */
export const DECLARED_ERRORS: Readonly<
  Record<SimulatedService, Readonly<Record<string, readonly string[]>>>
> = {
  SageMaker: {
    CreateNotebookInstance: ['ResourceLimitExceeded'],
    StartNotebookInstance: ['ResourceLimitExceeded'],
    UpdateNotebookInstance: ['ResourceLimitExceeded'],
    DescribeNotebookInstance: [],
    StopNotebookInstance: [],
    DeleteNotebookInstance: [],
    ListNotebookInstances: [],
    ListTags: [],
    AddTags: [],
    DeleteTags: [],
    CreateNotebookInstanceLifecycleConfig: ['ResourceLimitExceeded'],
    UpdateNotebookInstanceLifecycleConfig: ['ResourceLimitExceeded'],
    DescribeNotebookInstanceLifecycleConfig: [],
    DeleteNotebookInstanceLifecycleConfig: [],
    ListNotebookInstanceLifecycleConfigs: [],
    CreateCodeRepository: [],
    DescribeCodeRepository: [],
    DeleteCodeRepository: [],
    ...INFERENCE_DECLARED_ERRORS,
    ...MONITORING_DECLARED_ERRORS,
  },
  // Step Functions calls S3 through the SDK for Java v2, which maps error codes to its modeled
  // exceptions for the whole service (not per operation): every operation gets the full list.
  S3: Object.fromEntries(
    [
      'CreateBucket',
      'HeadBucket',
      'PutBucketVersioning',
      'GetBucketVersioning',
      'PutObject',
      'GetObject',
      'HeadObject',
      'DeleteObject',
      'ListObjectsV2',
      'ListObjectVersions',
    ].map((operation) => [operation, S3_MODELED_ERRORS]),
  ),
  IAM: {
    GetRole: ['NoSuchEntity', 'ServiceFailure'],
  },
  SecurityHub: {
    BatchUpdateFindings: [
      'InternalException',
      'InvalidAccessException',
      'InvalidInputException',
      'LimitExceededException',
    ],
    BatchUpdateFindingsV2: [
      'AccessDeniedException',
      'ConflictException',
      'InternalServerException',
      'ThrottlingException',
      'ValidationException',
    ],
  },
  DynamoDB: {
    PutItem: dynamoDbWriteErrors(),
    UpdateItem: dynamoDbWriteErrors(),
    DeleteItem: dynamoDbWriteErrors(),
    GetItem: [
      'InternalServerError',
      'InvalidEndpointException',
      'ProvisionedThroughputExceededException',
      'RequestLimitExceeded',
      'ResourceNotFoundException',
      'ThrottlingException',
    ],
  },
  // The EC2 model declares no errors (every EC2 error reaches Step Functions as Ec2.Ec2Exception).
  EC2: Object.fromEntries(
    [
      'DescribeSubnets',
      'DescribeSecurityGroups',
      'DescribeVpcs',
      'DescribeNetworkInterfaces',
      'CreateNetworkInterface',
      'DeleteNetworkInterface',
    ].map((operation) => [operation, []]),
  ),
  // From the KMS, SQS and Secrets Manager API references (their SDK v3 clients are not installed).
  KMS: {
    DescribeKey: [
      'DependencyTimeoutException',
      'InvalidArnException',
      'KMSInternalException',
      'NotFoundException',
    ],
    CreateGrant: [
      'DependencyTimeoutException',
      'DisabledException',
      'DryRunOperationException',
      'InvalidArnException',
      'InvalidGrantTokenException',
      'KMSInternalException',
      'KMSInvalidStateException',
      'LimitExceededException',
      'NotFoundException',
    ],
    ListGrants: [
      'DependencyTimeoutException',
      'InvalidArnException',
      'InvalidGrantIdException',
      'InvalidMarkerException',
      'KMSInternalException',
      'KMSInvalidStateException',
      'NotFoundException',
    ],
  },
  SQS: {
    SendMessage: [
      'InvalidAddress',
      'InvalidMessageContents',
      'InvalidSecurity',
      'KmsAccessDenied',
      'KmsDisabled',
      'KmsInvalidKeyUsage',
      'KmsInvalidState',
      'KmsNotFound',
      'KmsOptInRequired',
      'KmsThrottled',
      'QueueDoesNotExist',
      'RequestThrottled',
      'UnsupportedOperation',
    ],
    GetQueueAttributes: [
      'InvalidAddress',
      'InvalidAttributeName',
      'InvalidSecurity',
      'QueueDoesNotExist',
      'RequestThrottled',
      'UnsupportedOperation',
    ],
  },
  SecretsManager: {
    GetSecretValue: [
      'DecryptionFailure',
      'InternalServiceError',
      'InvalidParameterException',
      'InvalidRequestException',
      'ResourceNotFoundException',
    ],
    DescribeSecret: ['InternalServiceError', 'InvalidParameterException', 'ResourceNotFoundException'],
  },
  Organizations: {
    ListParents: [
      'AccessDeniedException',
      'AWSOrganizationsNotInUseException',
      'ChildNotFoundException',
      'InvalidInputException',
      'ServiceException',
      'TooManyRequestsException',
    ],
  },
  SNS: {
    Publish: [
      'AuthorizationErrorException',
      'EndpointDisabledException',
      'InternalErrorException',
      'InvalidParameterException',
      'InvalidParameterValueException',
      'InvalidSecurityException',
      'KMSAccessDeniedException',
      'KMSDisabledException',
      'KMSInvalidStateException',
      'KMSNotFoundException',
      'KMSOptInRequired',
      'KMSThrottlingException',
      'NotFoundException',
      'PlatformApplicationDisabledException',
      'ValidationException',
    ],
  },
};

function dynamoDbWriteErrors(): readonly string[] {
  return [
    'ConditionalCheckFailedException',
    'InternalServerError',
    'InvalidEndpointException',
    'ItemCollectionSizeLimitExceededException',
    'ProvisionedThroughputExceededException',
    'ReplicatedWriteConflictException',
    'RequestLimitExceeded',
    'ResourceNotFoundException',
    'ThrottlingException',
    'TransactionConflictException',
  ];
}

export function isDeclaredError(service: SimulatedService, operation: string, code: string): boolean {
  return DECLARED_ERRORS[service][operation]?.includes(code) ?? false;
}

/** Which Step Functions integration raised the error: they name errors differently. */
export type StepFunctionsIntegration = 'aws-sdk' | 'optimized';

/** Service names as `arn:aws:states:::aws-sdk:*` tasks spell them in error names (PascalCase). */
const AWS_SDK_SERVICE_NAMES: Record<SimulatedService, string> = {
  SageMaker: 'SageMaker',
  SecurityHub: 'SecurityHub',
  DynamoDB: 'DynamoDb',
  SNS: 'Sns',
  S3: 'S3',
  IAM: 'Iam',
  EC2: 'Ec2',
  KMS: 'Kms',
  SQS: 'Sqs',
  SecretsManager: 'SecretsManager',
  Organizations: 'Organizations',
};

/**
 * Names used by the older optimized integrations (`arn:aws:states:::dynamodb:putItem`,
 * `arn:aws:states:::sns:publish`, `arn:aws:states:::sqs:sendMessage`), whose generic error is the SDK for Java v1 class name.
 */
const OPTIMIZED_SERVICE_NAMES: Record<SimulatedService, { prefix: string; generic: string }> = {
  SageMaker: { prefix: 'SageMaker', generic: 'AmazonSageMakerException' },
  SecurityHub: { prefix: 'SecurityHub', generic: 'AWSSecurityHubException' },
  DynamoDB: { prefix: 'DynamoDB', generic: 'AmazonDynamoDBException' },
  SNS: { prefix: 'SNS', generic: 'AmazonSNSException' },
  SQS: { prefix: 'SQS', generic: 'AmazonSQSException' },
  // No optimized integrations exist for S3, IAM, EC2, KMS and Secrets Manager; listed for completeness.
  S3: { prefix: 'S3', generic: 'AmazonS3Exception' },
  IAM: { prefix: 'IAM', generic: 'AmazonIdentityManagementException' },
  EC2: { prefix: 'EC2', generic: 'AmazonEC2Exception' },
  KMS: { prefix: 'KMS', generic: 'AWSKMSException' },
  SecretsManager: { prefix: 'SecretsManager', generic: 'AWSSecretsManagerException' },
  Organizations: { prefix: 'Organizations', generic: 'AWSOrganizationsException' },
};

/** `InternalServerError` -> `InternalServerErrorException`, `KMSOptInRequired` -> `KmsOptInRequiredException`. */
export function stepFunctionsErrorName(code: string): string {
  // The SDK for Java v2 (which Step Functions uses) writes leading acronyms in PascalCase.
  const pascal = code.replace(/^[A-Z]{2,}(?=[A-Z][a-z])/, (acronym) => {
    return acronym.charAt(0) + acronym.slice(1).toLowerCase();
  });
  return pascal.endsWith('Exception') ? pascal : `${pascal}Exception`;
}

/**
 * Converts a service error to what a Step Functions Task state raises: `name` is the Error that Retry
 * and Catch match, `message` is the Cause. Errors the operation's model does not declare become the
 * service's generic exception, with the original code only in the Cause.
 */
export function toStepFunctionsError(
  error: AwsServiceError,
  service: SimulatedService,
  operation: string,
  integration: StepFunctionsIntegration = 'aws-sdk',
): Error {
  const declared = isDeclaredError(service, operation, error.name);
  const serviceName =
    integration === 'aws-sdk' ? AWS_SDK_SERVICE_NAMES[service] : OPTIMIZED_SERVICE_NAMES[service].prefix;
  const genericName =
    integration === 'aws-sdk' ? `${serviceName}Exception` : OPTIMIZED_SERVICE_NAMES[service].generic;
  const details = [
    `Service: ${AWS_SDK_SERVICE_NAMES[service]}`,
    `Status Code: ${error.$metadata.httpStatusCode}`,
  ];
  if (!declared) {
    details.push(`Error Code: ${error.name}`);
  }
  details.push(`Request ID: ${error.$metadata.requestId}`);
  const converted = new Error(`${error.message} (${details.join(', ')})`);
  converted.name = `${serviceName}.${declared ? stepFunctionsErrorName(error.name) : genericName}`;
  return converted;
}

/** The code, status and message shape each service answers a denied request with (as the SDK names it). */
const ACCESS_DENIED: Readonly<Record<SimulatedService, { readonly code: string; readonly status: number }>> =
  {
    SageMaker: { code: 'AccessDeniedException', status: 400 },
    SecurityHub: { code: 'AccessDeniedException', status: 403 },
    DynamoDB: { code: 'AccessDeniedException', status: 400 },
    SNS: { code: 'AuthorizationErrorException', status: 403 },
    S3: { code: 'AccessDenied', status: 403 },
    IAM: { code: 'AccessDenied', status: 403 },
    EC2: { code: 'UnauthorizedOperation', status: 403 },
    KMS: { code: 'AccessDeniedException', status: 400 },
    // Wording not confirmed: SQS's JSON protocol answer to a denied request.
    SQS: { code: 'AccessDeniedException', status: 400 },
    SecretsManager: { code: 'AccessDeniedException', status: 400 },
    Organizations: { code: 'AccessDeniedException', status: 400 },
  };

/** When the key a service uses on the caller's behalf is denied, some services say so in their own terms. */
const KMS_DENIED_THROUGH: Readonly<Partial<Record<SimulatedService, string>>> = {
  SNS: 'KMSAccessDeniedException',
  SQS: 'KmsAccessDenied',
};

/**
 * The error a denied request gets: the service's access-denied code, with IAM's message ("User: ...
 * is not authorized to perform: ... on resource: ... because ..."). A denial outside the simulated
 * services (Lambda, Step Functions, EventBridge) is an Error named AccessDeniedException.
 */
export function accessDeniedError(
  service: SimulatedService | 'Lambda' | 'StepFunctions' | 'EventBridge' | 'STS',
  operation: string,
  required: { readonly action: string },
  message: string,
): Error {
  // STS's Query protocol names the error after its code.
  if (service === 'STS') return Object.assign(new Error(message), { name: 'AccessDenied' });
  if (service === 'Lambda' || service === 'StepFunctions' || service === 'EventBridge') {
    return Object.assign(new Error(message), { name: 'AccessDeniedException' });
  }
  const throughKms = required.action.startsWith('kms:') && service !== 'KMS';
  const shape = ACCESS_DENIED[service];
  const code = (throughKms ? KMS_DENIED_THROUGH[service] : undefined) ?? shape.code;
  const text = service === 'EC2' ? `You are not authorized to perform this operation. ${message}` : message;
  return new AwsServiceError({ service, operation, code, message: text, httpStatusCode: shape.status });
}
