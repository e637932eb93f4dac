/**
 * Building blocks of the state machine definitions: retriers, catchers, conditions and the Task
 * states several branches share. Kept here so each branch reads as its steps, not its plumbing.
 */
import type { RemediationName } from '../handlers/shared/controls-catalogue.js';
import { IN_PLACE_NOTEBOOK_CONTROLS } from '../handlers/shared/notebook-settings.js';
import {
  type Catcher,
  type ChoiceCondition,
  type JsonObject,
  type Retrier,
  type State,
  sdkIntegration,
  type TaskState,
} from './amazon-states-language.js';
import { LOCK_OWNER_ATTRIBUTE, LOCK_TABLE_KEY } from './lock-table.js';

/** Placeholders filled at deploy time (definitionSubstitutions) and by the local runner. */
export const PLACEHOLDERS = {
  planFunctionArn: 'PlanRemediationFunctionArn',
  reportFailureFunctionArn: 'ReportFailureFunctionArn',
  planCleanupFunctionArn: 'PlanCleanupFunctionArn',
  verifyResourceFunctionArn: 'VerifyResourceFunctionArn',
  snapshotResourceFunctionArn: 'SnapshotResourceFunctionArn',
  changeResourceFunctionArn: 'ChangeResourceFunctionArn',
  alertTopicArn: 'AlertTopicArn',
  lockTableName: 'LockTableName',
} as const;

/** Placeholders the recreate branch adds. */
export const RECREATE_PLACEHOLDERS = {
  snapshotFunctionArn: 'SnapshotNotebookFunctionArn',
  verifyFunctionArn: 'VerifyRecreationFunctionArn',
  approvalTableName: 'ApprovalTableName',
} as const;

/** Who the finding notes say wrote them. */
export const NOTE_AUTHOR = 'sagemaker-remediation';

export const placeholder = (name: string): string => `\${${name}}`;

// Undeclared errors (throttling, 5xx, wrong-state ValidationException) reach Step Functions as the
// service's generic exception, so that is what the retriers name; see the reference notes.
const transientErrors = {
  sagemaker: ['SageMaker.SageMakerException'],
  securityhub: [
    'SecurityHub.SecurityHubException',
    'SecurityHub.InternalException',
    'SecurityHub.LimitExceededException',
  ],
  sns: [
    'Sns.SnsException',
    'Sns.ThrottledException',
    'Sns.InternalErrorException',
    'Sns.KmsThrottlingException',
  ],
  dynamodb: [
    'DynamoDb.DynamoDbException',
    'DynamoDb.ProvisionedThroughputExceededException',
    'DynamoDb.ThrottlingException',
    'DynamoDb.RequestLimitExceededException',
    'DynamoDb.InternalServerErrorException',
  ],
  s3: ['S3.S3Exception', 'S3.InternalErrorException', 'S3.SlowDownException'],
  // EC2 declares no errors: throttling and 5xx arrive as the generic exception (as do not-found errors,
  // which the pre-flight then reports after the retries).
  ec2: ['Ec2.Ec2Exception'],
  kms: ['Kms.KmsException', 'Kms.KmsInternalException', 'Kms.DependencyTimeoutException'],
  lambda: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
} as const;

export const retryTransient = (service: keyof typeof transientErrors): Retrier[] => [
  {
    ErrorEquals: [...transientErrors[service]],
    IntervalSeconds: 2,
    MaxAttempts: 5,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  },
];

/**
 * What a Lambda's own AWS calls raise when AWS is busy or briefly failing, once the SDK's retries are
 * spent: the function fails with the error's name as its type. A burst of findings throttles planning;
 * retried here with backoff and jitter, no finding is left NEW by it.
 */
export const HANDLER_TRANSIENT_ERRORS = [
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'SlowDown',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // The SDK's other throttling codes, and 5xx or timeouts of the services the handlers call
  // (IAM ServiceFailure, SNS InternalError, KMS throttling behind an encrypted topic, S3 and socket timeouts).
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'TransactionInProgressException',
  'KMSThrottlingException',
  'ServiceFailureException',
  'InternalErrorException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
] as const;

/** The handler's own AWS calls briefly failing, retried with backoff and jitter (up to ~6 minutes). */
export const retryHandlerTransient = (): Retrier[] => [
  {
    ErrorEquals: [...HANDLER_TRANSIENT_ERRORS],
    IntervalSeconds: 2,
    MaxAttempts: 8,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
];

/** A Lambda task's retries: the service's own errors, then the handler's transient ones. */
export const retryLambda = (): Retrier[] => [...retryTransient('lambda'), ...retryHandlerTransient()];

export const catchAll = (next: string, resultPath: string): Catcher[] => [
  { ErrorEquals: ['States.ALL'], Next: next, ResultPath: resultPath },
];

export const statusIs = (status: string): ChoiceCondition => ({
  Variable: '$.notebook.status',
  StringEquals: status,
});
export const statusIsOneOf = (statuses: readonly string[]): ChoiceCondition => ({
  Or: statuses.map(statusIs),
});
export const wasRunning: ChoiceCondition = { Variable: '$.runState.wasRunning', BooleanEquals: true };
export const actionIs = (action: string): ChoiceCondition => ({
  Variable: '$.plan.action',
  StringEquals: action,
});
export const remediationIs = (name: RemediationName): ChoiceCondition => ({
  Variable: '$.plan.remediation',
  StringEquals: name,
});

export const notebookName = { 'NotebookInstanceName.$': '$.plan.notebook.name' };

export const alertAttributes = (outcome: JsonObject): JsonObject => ({
  outcome: { DataType: 'String', ...outcome },
  control: { DataType: 'String', 'StringValue.$': '$.plan.controlId' },
});

/** What an observation keeps: the status and each in-place control's field (they drive the next step). */
export function observedNotebookSelector(): JsonObject {
  return {
    'status.$': '$.NotebookInstanceStatus',
    settings: Object.fromEntries(
      IN_PLACE_NOTEBOOK_CONTROLS.map(({ setting }) => [`${setting.field}.$`, `$.${setting.field}`]),
    ),
  };
}

export function describeNotebook(next: string, onError: Catcher[]): TaskState {
  return {
    Type: 'Task',
    Comment: "Observe the notebook: its status and the in-place controls' settings drive the next step.",
    Resource: sdkIntegration('sagemaker', 'describeNotebookInstance'),
    Parameters: notebookName,
    ResultSelector: observedNotebookSelector(),
    ResultPath: '$.notebook',
    TimeoutSeconds: 60,
    Retry: retryTransient('sagemaker'),
    Catch: onError,
    Next: next,
  };
}

export function waitSeconds(secondsPath: string, next: string, comment: string): State {
  return { Type: 'Wait', Comment: comment, SecondsPath: secondsPath, Next: next };
}

/** BatchUpdateFindings parameters for this execution's finding; `note` is a path or an intrinsic. */
export function updateFindings(status: string | { path: string }, note: string): JsonObject {
  return {
    FindingIdentifiers: [{ 'Id.$': '$.plan.finding.id', 'ProductArn.$': '$.plan.finding.productArn' }],
    Workflow: typeof status === 'string' ? { Status: status } : { 'Status.$': status.path },
    Note: { 'Text.$': note, UpdatedBy: NOTE_AUTHOR },
  };
}

export function releaseLock(next: string | undefined, onError: Catcher[]): TaskState {
  return {
    Type: 'Task',
    Comment: 'Release the per-notebook lock, only if this execution still holds it.',
    Resource: sdkIntegration('dynamodb', 'deleteItem'),
    Parameters: {
      TableName: placeholder(PLACEHOLDERS.lockTableName),
      Key: { [LOCK_TABLE_KEY]: { 'S.$': '$.plan.lock.key' } },
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': LOCK_OWNER_ATTRIBUTE },
      ExpressionAttributeValues: { ':owner': { 'S.$': '$$.Execution.Id' } },
    },
    ResultPath: null,
    TimeoutSeconds: 60,
    Retry: retryTransient('dynamodb'),
    Catch: onError,
    ...(next ? { Next: next } : { End: true }),
  };
}

/** Whether the status checks counted at `counterPath` (`$.poll` or `$.recovery`) have run out. */
export const checksExhausted = (counterPath: string): ChoiceCondition => ({
  Variable: `${counterPath}.attempt`,
  NumericGreaterThanEqualsPath: '$.plan.timing.maxPolls',
});

/**
 * Counts one more status check at `counterPath` and takes the next delay of the backoff schedule
 * (`extra` carries the counter's other fields over: a Pass replaces the whole object).
 */
export function countStatusCheck(counterPath: string, next: string, extra: JsonObject = {}): State {
  return {
    Type: 'Pass',
    Comment: 'Still settling: count the check and take the next delay of the backoff schedule.',
    Parameters: {
      'attempt.$': `States.MathAdd(${counterPath}.attempt, 1)`,
      'delaySeconds.$': `States.ArrayGetItem($.plan.timing.pollDelaysSeconds, ${counterPath}.attempt)`,
      ...extra,
    },
    ResultPath: counterPath,
    Next: next,
  };
}

/**
 * Notes a failure on every finding of the plan (`$.planFindingIdentifiers`) as NOTIFIED with the
 * report's note, then alerts: a failed note is kept for the alert, never lost.
 */
export function notePlanFailure(alertState: string): TaskState {
  return {
    Type: 'Task',
    Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
    Parameters: {
      'FindingIdentifiers.$': '$.planFindingIdentifiers',
      Workflow: { Status: 'NOTIFIED' },
      Note: { 'Text.$': '$.report.note', UpdatedBy: NOTE_AUTHOR },
    },
    ResultPath: null,
    TimeoutSeconds: 60,
    Retry: retryTransient('securityhub'),
    Catch: catchAll(alertState, '$.annotationError'),
    Next: alertState,
  };
}
