/**
 * The plan of a recreation, from the approval request to its closing.
 *
 *   RequestApproval, PublishApprovalRequest: the finding and an alert say what would change and how
 *     to approve; nothing changes before.
 *   WaitForApproval: the task token goes onto the plan's item in the approval table (never onto the
 *     finding). The notebook is not locked meanwhile: an automatic fix of the same notebook (root
 *     access) runs at once, and the recreation keeps it.
 *   PrepareRecreation: takes the notebook's lock (waiting for an in-place fix that holds it), plans
 *     again from what the notebook is now, and snapshots its configuration; then the pre-flight checks
 *     that the subnet, security groups and key the new notebook gets exist and are usable. A plan that
 *     is no longer needed or cannot happen ends with nothing changed.
 *   Closing: every finding of the plan (its own and the ones that joined) gets the plan's outcome, an
 *     alert, the plan's item is deleted (unless a finding joined meanwhile: then it is closed too), and
 *     the lock released.
 */
import { REJECTION_ERROR } from '../handlers/shared/custom-action-event.js';
import {
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_TABLE_KEY,
  APPROVAL_TOKEN_ATTRIBUTE,
} from '../stacks/approval-table-schema.js';
import { lambdaTaskTimeoutSeconds } from '../stacks/lambda-bundling.js';
import {
  type Catcher,
  LAMBDA_INVOKE,
  type Retrier,
  type State,
  sdkIntegration,
  type TaskState,
} from './amazon-states-language.js';
import { expiryStates } from './expiry-states.js';
import { isOcsfFinding } from './ocsf-notes.js';
import { asffAfterOcsf, collectOcsfFindings, ocsfTwinName, planWideTwin } from './ocsf-plan-notes.js';
import {
  alertAttributes,
  catchAll,
  NOTE_AUTHOR,
  PLACEHOLDERS,
  placeholder,
  RECREATE_PLACEHOLDERS,
  retryLambda,
  retryTransient,
  updateFindings,
} from './state-builders.js';

export interface RecreateOptions {
  /** How long a plan waits for approval before it expires (the task's TimeoutSeconds). */
  readonly approvalTimeoutSeconds: number;
  /**
   * The state an approval goes on to: a Choice between the engines when resource engines wait for
   * approvals too.
   *
   * @default 'PrepareRecreation'
   */
  readonly approvedWork?: string;
}

/** Errors of the preparation that mean "nothing was changed, and nothing will be": a closing, not a failure. */
export const NOTHING_CHANGED_ERRORS = [
  'RecreationNotNeeded',
  'RecreationNotConfigured',
  'RecreationTargetUnusable',
] as const;

/** The preparation found the notebook locked by an in-place fix in progress: it tries again later. */
export const NOTEBOOK_BUSY_ERROR = 'NotebookBusy';

/** How long the preparation keeps trying to take a lock an in-place fix holds (about 90 minutes). */
export const WAIT_FOR_LOCK: Retrier = {
  ErrorEquals: [NOTEBOOK_BUSY_ERROR],
  IntervalSeconds: 30,
  MaxAttempts: 20,
  BackoffRate: 1.5,
  MaxDelaySeconds: 300,
  JitterStrategy: 'FULL',
};

/** Closing again because findings joined meanwhile: a few times at most (each join is a rare race). */
const MAX_PLAN_CLOSE_ATTEMPTS = 3;

const toFailure = catchAll('CheckNotebookAfterFailure', '$.failure');
const planKey = { [APPROVAL_TABLE_KEY]: { 'S.$': '$.plan.recreate.approvalKey' } };

export function approvalStates(options: RecreateOptions): Record<string, State> {
  return {
    RequestApproval: {
      Type: 'Task',
      Comment: 'Nothing changes before approval: the finding says what would change and how to approve.',
      Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
      Parameters: updateFindings('NOTIFIED', '$.plan.recreate.approvalNote'),
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('securityhub'),
      Catch: toFailure,
      Next: 'PublishApprovalRequest',
    },
    PublishApprovalRequest: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.plan.recreate.approvalSubject',
        'Message.$': '$.plan.recreate.approvalMessage',
        MessageAttributes: alertAttributes({ StringValue: 'AWAITING_APPROVAL' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      Catch: toFailure,
      Next: 'WaitForApproval',
    },
    WaitForApproval: {
      Type: 'Task',
      Comment: 'The task token goes onto the plan, server side; the wait is bounded. No lock is held.',
      Resource: sdkIntegration('dynamodb', 'updateItem', { waitForTaskToken: true }),
      Parameters: {
        TableName: placeholder(RECREATE_PLACEHOLDERS.approvalTableName),
        Key: planKey,
        UpdateExpression: 'SET #token = :token, #status = :pending',
        // Only this execution's own plan, and only once.
        ConditionExpression: '#owner = :me AND #status = :planned',
        ExpressionAttributeNames: {
          '#token': APPROVAL_TOKEN_ATTRIBUTE,
          '#status': APPROVAL_STATUS_ATTRIBUTE,
          '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':token': { 'S.$': '$$.Task.Token' },
          ':pending': { S: 'PENDING' },
          ':planned': { S: 'PLANNED' },
          ':me': { 'S.$': '$$.Execution.Id' },
        },
      },
      TimeoutSeconds: options.approvalTimeoutSeconds,
      ResultPath: '$.approval',
      Catch: [
        { ErrorEquals: [REJECTION_ERROR], Next: 'PrepareRejectedClosing', ResultPath: '$.rejection' },
        // Truthful expiry (expiry-states.ts): the plan says whether a click decided without getting through.
        { ErrorEquals: ['States.Timeout'], Next: 'ReadExpiredPlan', ResultPath: '$.expiry' },
        ...toFailure,
      ],
      // Approved: a notebook's recreation, or a resource engine's change (DecideApprovedWork routes).
      Next: options.approvedWork ?? 'PrepareRecreation',
    },
    ...expiryStates('PrepareExpiredClosing'),
    PrepareRecreation: {
      Type: 'Task',
      Comment:
        'Takes the lock, plans again from the notebook as it is now, writes and verifies configuration.json.',
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: placeholder(RECREATE_PLACEHOLDERS.snapshotFunctionArn),
        Payload: {
          'plan.$': '$.plan',
          // Its start dates its timeout: the copies must fit in what is left of it.
          execution: {
            'id.$': '$$.Execution.Id',
            'name.$': '$$.Execution.Name',
            'startTime.$': '$$.Execution.StartTime',
          },
        },
      },
      ResultPath: '$.snapshot',
      TimeoutSeconds: lambdaTaskTimeoutSeconds('snapshot-notebook'),
      Retry: [...retryLambda(), WAIT_FOR_LOCK],
      Catch: [
        {
          ErrorEquals: [...NOTHING_CHANGED_ERRORS],
          Next: 'PrepareNothingChangedClosing',
          ResultPath: '$.nothingChanged',
        },
        ...toFailure,
      ],
      Next: 'CheckTargetSubnet',
    },
    ...preflightStates('DescribeBeforeRecreating'),
  };
}

/**
 * Before anything changes: the subnet, security groups and key the recreated notebook will get must
 * exist and be usable, or CreateNotebookInstance would fail after the old notebook is deleted.
 */
function preflightStates(next: string): Record<string, State> {
  const unusable = (cause: string): State => ({
    Type: 'Pass',
    Parameters: { Error: 'RecreationTargetUnusable', 'Cause.$': cause },
    ResultPath: '$.nothingChanged',
    Next: 'PrepareNothingChangedClosing',
  });
  // Not found, not allowed, malformed: whatever it is, nothing has changed yet and nothing will.
  const notFound = (next: string): Catcher[] => catchAll(next, '$.preflightError');
  return {
    CheckTargetSubnet: {
      Type: 'Task',
      Comment: 'The subnet the new notebook goes into, and its VPC.',
      Resource: sdkIntegration('ec2', 'describeSubnets'),
      Parameters: { 'SubnetIds.$': 'States.Array($.snapshot.Payload.preflight.subnetId)' },
      ResultSelector: { 'vpcId.$': '$.Subnets[0].VpcId' },
      ResultPath: '$.preflightSubnet',
      TimeoutSeconds: 60,
      Retry: retryTransient('ec2'),
      Catch: notFound('TargetSubnetUnusable'),
      Next: 'CheckTargetSecurityGroups',
    },
    TargetSubnetUnusable: unusable(
      "States.Format('Subnet {} cannot be used for the recreated notebook: {}', $.snapshot.Payload.preflight.subnetId, $.preflightError.Cause)",
    ),
    CheckTargetSecurityGroups: {
      Type: 'Task',
      Comment:
        "The new notebook's security groups, those of the subnet's VPC only: each must be found there.",
      Resource: sdkIntegration('ec2', 'describeSecurityGroups'),
      Parameters: {
        Filters: [
          { Name: 'vpc-id', 'Values.$': 'States.Array($.preflightSubnet.vpcId)' },
          { Name: 'group-id', 'Values.$': '$.snapshot.Payload.preflight.securityGroupIds' },
        ],
      },
      ResultSelector: { 'found.$': 'States.ArrayLength($.SecurityGroups)' },
      ResultPath: '$.preflightGroups',
      TimeoutSeconds: 60,
      Retry: retryTransient('ec2'),
      Catch: notFound('TargetSecurityGroupsUnusable'),
      Next: 'DecideTargetSecurityGroups',
    },
    DecideTargetSecurityGroups: {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.preflightGroups.found',
          NumericEqualsPath: '$.snapshot.Payload.preflight.securityGroupCount',
          Next: 'DecideTargetKey',
        },
      ],
      Default: 'TargetSecurityGroupsMissing',
    },
    TargetSecurityGroupsMissing: unusable(
      "States.Format('Security groups {} are not all in the VPC {} of subnet {}: only {} found there.', States.JsonToString($.snapshot.Payload.preflight.securityGroupIds), $.preflightSubnet.vpcId, $.snapshot.Payload.preflight.subnetId, $.preflightGroups.found)",
    ),
    TargetSecurityGroupsUnusable: unusable(
      "States.Format('Security groups {} cannot be used for the recreated notebook: {}', States.JsonToString($.snapshot.Payload.preflight.securityGroupIds), $.preflightError.Cause)",
    ),
    DecideTargetKey: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.snapshot.Payload.preflight.kmsKeyId', IsPresent: true, Next: 'CheckTargetKey' },
      ],
      Default: next,
    },
    CheckTargetKey: {
      Type: 'Task',
      Comment: "The new notebook's volume key: it must exist, be enabled and be a symmetric encryption key.",
      Resource: sdkIntegration('kms', 'describeKey'),
      Parameters: { 'KeyId.$': '$.snapshot.Payload.preflight.kmsKeyId' },
      ResultSelector: {
        'state.$': '$.KeyMetadata.KeyState',
        'usage.$': '$.KeyMetadata.KeyUsage',
        'spec.$': '$.KeyMetadata.KeySpec',
      },
      ResultPath: '$.preflightKey',
      TimeoutSeconds: 60,
      Retry: retryTransient('kms'),
      Catch: notFound('TargetKeyUnusable'),
      Next: 'DecideTargetKeyUsable',
    },
    DecideTargetKeyUsable: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.preflightKey.state', StringEquals: 'Enabled' },
            { Variable: '$.preflightKey.usage', StringEquals: 'ENCRYPT_DECRYPT' },
            { Variable: '$.preflightKey.spec', StringEquals: 'SYMMETRIC_DEFAULT' },
          ],
          Next: next,
        },
      ],
      Default: 'TargetKeyNotUsable',
    },
    TargetKeyNotUsable: unusable(
      "States.Format('KMS key {} cannot encrypt the recreated notebook: it is {} ({}, {}); it must be Enabled, ENCRYPT_DECRYPT and SYMMETRIC_DEFAULT.', $.snapshot.Payload.preflight.kmsKeyId, $.preflightKey.state, $.preflightKey.usage, $.preflightKey.spec)",
    ),
    TargetKeyUnusable: unusable(
      "States.Format('KMS key {} cannot be used for the recreated notebook: {}', $.snapshot.Payload.preflight.kmsKeyId, $.preflightError.Cause)",
    ),
  };
}

/**
 * Reads the plan's findings into `$.planFindingIdentifiers` and `$.planOcsfFindingIdentifiers` (left as
 * the execution's own finding when the plan's item is gone or cannot be read): `<prefix>` is the entry
 * state, `next` the ASFF note, `ocsfNext` the OCSF note (ocsf-plan-notes.ts: it comes first).
 */
export function planFindingsStates(prefix: string, next: string, ocsfNext: string): Record<string, State> {
  return {
    [`Read${prefix}`]: {
      Type: 'Task',
      Comment: "The plan's item lists every finding of it: its own and those that joined.",
      Resource: sdkIntegration('dynamodb', 'getItem'),
      Parameters: {
        TableName: placeholder(RECREATE_PLACEHOLDERS.approvalTableName),
        Key: planKey,
        ConsistentRead: true,
        ProjectionExpression: '#findings, #ocsf',
        ExpressionAttributeNames: {
          '#findings': APPROVAL_FINDINGS_ATTRIBUTE,
          '#ocsf': APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
        },
      },
      // The whole (projected, bounded) output: a missing item must not break a path.
      ResultPath: '$.planRead',
      TimeoutSeconds: 60,
      Retry: retryTransient('dynamodb'),
      // Unread, the notes go to the findings known (the own one, or those of an earlier read).
      Catch: catchAll(`Decide${prefix}`, '$.planReadError'),
      Next: `Decide${prefix}`,
    },
    [`Decide${prefix}`]: {
      Type: 'Choice',
      Choices: [
        {
          Variable: `$.planRead.Item.${APPROVAL_OCSF_FINDINGS_ATTRIBUTE}.L[0]`,
          IsPresent: true,
          Next: `CollectOcsf${prefix}`,
        },
        {
          Variable: `$.planRead.Item.${APPROVAL_FINDINGS_ATTRIBUTE}.L[0]`,
          IsPresent: true,
          Next: `Collect${prefix}`,
        },
        { ...isOcsfFinding, Next: ocsfNext },
      ],
      Default: next,
    },
    [`CollectOcsf${prefix}`]: collectOcsfFindings(prefix, ocsfNext),
    [`Collect${prefix}`]: {
      Type: 'Map',
      ItemsPath: `$.planRead.Item.${APPROVAL_FINDINGS_ATTRIBUTE}.L`,
      ItemSelector: {
        'Id.$': '$$.Map.Item.Value.M.Id.S',
        'ProductArn.$': '$$.Map.Item.Value.M.ProductArn.S',
      },
      // State names are unique across the whole machine, Map iterations included.
      ItemProcessor: {
        StartAt: `${prefix}Identifier`,
        States: { [`${prefix}Identifier`]: { Type: 'Pass', End: true } },
      },
      ResultPath: '$.planFindingIdentifiers',
      Next: next,
    },
  };
}

/** Closing of a plan: every finding of it updated the same way, an alert, the plan deleted, the lock released. */
export function closingStates(): Record<string, State> {
  const close: TaskState = {
    Type: 'Task',
    Resource: sdkIntegration('securityhub', 'batchUpdateFindings'),
    Parameters: {
      'FindingIdentifiers.$': '$.planFindingIdentifiers',
      Workflow: { 'Status.$': '$.closing.status' },
      Note: { 'Text.$': '$.closing.note', UpdatedBy: NOTE_AUTHOR },
    },
    ResultSelector: { 'unprocessed.$': '$.UnprocessedFindings' },
    ResultPath: '$.findingUpdate',
    TimeoutSeconds: 60,
    Retry: retryTransient('securityhub'),
    Catch: toFailure,
    Next: 'CheckPlanFindingsClosed',
  };
  return {
    ...planFindingsStates('PlanFindings', 'ClosePlanFindings', ocsfTwinName('ClosePlanFindings')),
    ClosePlanFindings: close,
    [ocsfTwinName('ClosePlanFindings')]: planWideTwin(
      'ClosePlanFindings',
      close,
      'CheckPlanFindingsClosedOcsf',
    ),
    CheckPlanFindingsClosedOcsf: asffAfterOcsf({
      unprocessed: 'RecordFindingNotUpdated',
      prefix: 'PlanFindings',
      v1: 'ClosePlanFindings',
      otherwise: 'PublishClosingAlert',
    }),
    CheckPlanFindingsClosed: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.findingUpdate.unprocessed[0]', IsPresent: true, Next: 'RecordFindingNotUpdated' },
      ],
      Default: 'PublishClosingAlert',
    },
    PublishClosingAlert: {
      Type: 'Task',
      Resource: sdkIntegration('sns', 'publish'),
      Parameters: {
        TopicArn: placeholder(PLACEHOLDERS.alertTopicArn),
        'Subject.$': '$.closing.subject',
        'Message.$': '$.closing.message',
        MessageAttributes: alertAttributes({ 'StringValue.$': '$.closing.outcome' }),
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('sns'),
      // The findings already say how it ended: the plan is still closed, and then the alert failure told.
      Catch: catchAll('CountPlanFindings', '$.closingAlertFailure'),
      Next: 'CountPlanFindings',
    },
    CountPlanFindings: {
      Type: 'Pass',
      Parameters: {
        'count.$': "States.Format('{}', States.ArrayLength($.planFindingIdentifiers))",
        'ocsfCount.$': "States.Format('{}', States.ArrayLength($.planOcsfFindingIdentifiers))",
        'attempt.$': 'States.MathAdd($.planClose.attempt, 1)',
      },
      ResultPath: '$.planClose',
      Next: 'ClosePlan',
    },
    ClosePlan: {
      Type: 'Task',
      Comment: 'Deletes the plan, unless a finding joined it since it was read: that one is closed too.',
      Resource: sdkIntegration('dynamodb', 'deleteItem'),
      Parameters: {
        TableName: placeholder(RECREATE_PLACEHOLDERS.approvalTableName),
        Key: planKey,
        ConditionExpression:
          '#owner = :me AND size(#findings) = :count AND (attribute_not_exists(#ocsf) OR size(#ocsf) = :ocsfCount)',
        ExpressionAttributeNames: {
          '#owner': APPROVAL_EXECUTION_ARN_ATTRIBUTE,
          '#findings': APPROVAL_FINDINGS_ATTRIBUTE,
          '#ocsf': APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':me': { 'S.$': '$$.Execution.Id' },
          ':count': { 'N.$': '$.planClose.count' },
          ':ocsfCount': { 'N.$': '$.planClose.ocsfCount' },
        },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: retryTransient('dynamodb'),
      Catch: [
        {
          ErrorEquals: ['DynamoDb.ConditionalCheckFailedException'],
          Next: 'DecideCloseAgain',
          ResultPath: null,
        },
        ...catchAll('DecideClosingEnd', '$.planCloseError'),
      ],
      Next: 'DecideClosingEnd',
    },
    DecideCloseAgain: {
      Type: 'Choice',
      Comment:
        'A finding joined while the plan was being closed (or the plan is not ours any more): a bounded retry.',
      Choices: [
        {
          Variable: '$.planClose.attempt',
          NumericGreaterThanEquals: MAX_PLAN_CLOSE_ATTEMPTS,
          Next: 'DecideClosingEnd',
        },
      ],
      Default: 'ReadPlanFindings',
    },
    DecideClosingEnd: {
      Type: 'Choice',
      Choices: [{ Variable: '$.closingAlertFailure', IsPresent: true, Next: 'RecordClosingAlertFailure' }],
      Default: 'ReleaseNotebookLock',
    },
    RecordClosingAlertFailure: {
      Type: 'Pass',
      Comment: 'The execution fails with the alert error, so the ExecutionsFailed alarm tells instead.',
      InputPath: '$.closingAlertFailure',
      ResultPath: '$.failure',
      Next: 'ReleaseLockAfterAlertFailure',
    },
  };
}
