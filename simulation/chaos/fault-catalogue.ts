/**
 * What the campaign can break, per path: every AWS call the workflow makes on that path (a fault-free
 * run of each path calls each of them: test/unit/chaos-plan.test.ts keeps the lists honest), the error
 * codes each service really answers with, the functions the state machine invokes, and the objects of
 * the backup and restore copies.
 */
import type { SimulatedService } from '../account/errors.js';

export const CHAOS_PATHS = ['in-place', 'recreation'] as const;
/** in-place: SageMaker.3 (root access) fixed at once; recreation: SageMaker.1/.2, approval-gated. */
export type ChaosPath = (typeof CHAOS_PATHS)[number];

export interface ApiTarget {
  readonly service: SimulatedService;
  readonly operation: string;
}

const IN_PLACE_CALLS: readonly ApiTarget[] = [
  { service: 'SageMaker', operation: 'DescribeNotebookInstance' },
  { service: 'SageMaker', operation: 'ListTags' },
  { service: 'SageMaker', operation: 'StopNotebookInstance' },
  { service: 'SageMaker', operation: 'UpdateNotebookInstance' },
  { service: 'SageMaker', operation: 'StartNotebookInstance' },
  { service: 'DynamoDB', operation: 'PutItem' },
  { service: 'DynamoDB', operation: 'DeleteItem' },
  { service: 'SecurityHub', operation: 'BatchUpdateFindings' },
  { service: 'SNS', operation: 'Publish' },
];

const RECREATION_CALLS: readonly ApiTarget[] = [
  ...IN_PLACE_CALLS,
  { service: 'SageMaker', operation: 'DeleteNotebookInstance' },
  { service: 'SageMaker', operation: 'CreateNotebookInstance' },
  { service: 'DynamoDB', operation: 'GetItem' },
  { service: 'DynamoDB', operation: 'UpdateItem' },
  { service: 'EC2', operation: 'DescribeSubnets' },
  { service: 'EC2', operation: 'DescribeSecurityGroups' },
  // Only when the recreate target names a volume key (plans with `volumeKey`).
  { service: 'KMS', operation: 'DescribeKey' },
  { service: 'S3', operation: 'ListObjectsV2' },
  { service: 'S3', operation: 'GetObject' },
  { service: 'S3', operation: 'PutObject' },
  { service: 'IAM', operation: 'GetRole' },
];

/** The calls of each path a fault can hit. */
export const API_TARGETS: Readonly<Record<ChaosPath, readonly ApiTarget[]>> = {
  'in-place': IN_PLACE_CALLS,
  recreation: RECREATION_CALLS,
};

/** 5xx codes as each service sends them. */
export const SERVER_ERROR_CODES: Readonly<Record<SimulatedService, readonly string[]>> = {
  SageMaker: ['InternalFailure', 'ServiceUnavailable'],
  SecurityHub: ['InternalException', 'ServiceUnavailable'],
  DynamoDB: ['InternalServerError', 'ServiceUnavailable'],
  SNS: ['InternalErrorException', 'ServiceUnavailable'],
  S3: ['InternalError', 'ServiceUnavailable'],
  EC2: ['InternalError', 'Unavailable'],
  KMS: ['KMSInternalException', 'DependencyTimeoutException'],
  IAM: ['ServiceFailure', 'ServiceUnavailable'],
  SQS: ['InternalError', 'ServiceUnavailable'],
  SecretsManager: ['InternalServiceError', 'ServiceUnavailable'],
  Organizations: ['ServiceException'],
};

/** What each service answers a request it finds invalid with (SageMaker: also a wrong-state call). */
export const VALIDATION_ERROR_CODES: Readonly<Record<SimulatedService, string>> = {
  SageMaker: 'ValidationException',
  SecurityHub: 'InvalidInputException',
  DynamoDB: 'ValidationException',
  SNS: 'InvalidParameterException',
  S3: 'InvalidRequest',
  EC2: 'InvalidParameterValue',
  KMS: 'InvalidArnException',
  IAM: 'InvalidInput',
  SQS: 'InvalidParameterValue',
  SecretsManager: 'InvalidParameterException',
  Organizations: 'InvalidInputException',
};

/** The functions the state machine invokes on each path, by construct id. */
export const INVOKED_FUNCTIONS: Readonly<Record<ChaosPath, readonly string[]>> = {
  'in-place': ['PlanRemediation', 'ReportFailure'],
  recreation: ['PlanRemediation', 'ReportFailure', 'SnapshotNotebook', 'VerifyRecreation'],
};

/** How Step Functions names a failed Invoke (the Lambda service's errors, not the function's). */
export const LAMBDA_INVOKE_ERRORS = ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'] as const;

/**
 * Parts of the keys the lifecycle scripts copy (FAKE_AWS_FAIL_ON): the archive (backup upload and
 * restore download), the manifest, the backup's complete status, and everything a restore writes.
 */
export const BACKUP_FAILURE_KEYS = [
  'data/archive.tar',
  'data/manifest.jsonl',
  'backup-status/complete',
  'restores/',
] as const;

/** The notebook operations after which someone else may delete it, per path. */
export const DELETION_TRIGGERS = {
  'in-place': ['StopNotebookInstance', 'UpdateNotebookInstance', 'StartNotebookInstance'],
  recreation: [
    'StopNotebookInstance',
    'UpdateNotebookInstance',
    'StartNotebookInstance',
    'CreateNotebookInstance',
  ],
} as const satisfies Record<ChaosPath, readonly string[]>;
