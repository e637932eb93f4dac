/**
 * The custom-action function, which answers the Security Hub custom actions (approve or reject a
 * pending recreation, remediate a finding now), and its on-failure queue.
 *
 * EventBridge invokes the function asynchronously: an event that still fails after Lambda's own
 * retries goes to the queue (KMS-encrypted, TLS-only; RemediationAlarms alarms on any message in it)
 * instead of being dropped, so a failed click is never lost.
 *
 * Made in the scope of RemediationFunctions (see addCustomActionFunction there), so that its logical
 * ids stay those of deployed stacks.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { CONTROL_IDS, type ControlModes } from '../handlers/shared/controls-catalogue.js';
import type { CustomAction } from '../handlers/shared/custom-action-event.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  type CustomActionSettingsInput,
} from '../handlers/shared/custom-action-settings.js';
import { lambdaHandler } from './lambda-bundling.js';
import { acknowledge } from './nag-acknowledgements.js';
import {
  createRemediationFunction,
  type RemediationFunction,
  tableKeyStatement,
} from './remediation-function.js';

export interface CustomActionFunctionProps {
  /** The remediation state machine: the function answers its approval tasks and starts executions of it. */
  readonly stateMachine: IStateMachine;
  /** ARN of each of this deployment's custom actions; events of any other action are rejected. */
  readonly actionArns: Readonly<Record<CustomAction, string>>;
  /** Mode of every control, by which Remediate now clicks are judged. */
  readonly modes: ControlModes;
}

/** The custom-action function, and where its failed clicks go. */
export interface CustomActionFunction extends RemediationFunction {
  /** On-failure destination of its asynchronous invocations: one message per click that failed. */
  readonly failureQueue: Queue;
}

/** What RemediationFunctions shares with the custom-action function. */
export interface CustomActionFunctionContext {
  /** Key of the log group, the failure queue and the approval table. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
  /** Recreation plans: the function reads a plan and marks it approved or rejected, once. */
  readonly approvalTable: ITable;
}

/** Adds the function and its failure queue to `scope`; throws listing every invalid prop. */
export function createCustomActionFunction(
  scope: Construct,
  context: CustomActionFunctionContext,
  props: CustomActionFunctionProps,
): CustomActionFunction {
  const problems = [
    ...(scope.node.tryFindChild('CustomAction') === undefined
      ? []
      : ['the custom-action function was already added']),
    ...CONTROL_IDS.filter((control) => props.modes[control] === undefined).map(
      (control) => `modes has no mode for ${control}`,
    ),
  ];
  if (problems.length > 0) {
    throw new Error(`Invalid custom-action function of '${scope.node.id}':\n${problems.join('\n')}`);
  }
  const { encryptionKey, approvalTable } = context;
  const stack = Stack.of(scope);
  const settings: CustomActionSettingsInput = {
    accountId: stack.account,
    region: stack.region,
    actionArns: { ...props.actionArns },
    approvalTableName: approvalTable.tableName,
    stateMachineArn: props.stateMachine.stateMachineArn,
    modes: props.modes,
  };
  const failureQueue = new Queue(scope, 'CustomActionFailureQueue', {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: encryptionKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(
    failureQueue,
    'AwsSolutions-SQS3',
    "This queue is itself the on-failure destination of the custom-action function's asynchronous invocations (a Lambda destination, not an SQS redrive dead-letter queue, which cdk-nag cannot see); its messages are alarmed on.",
  );
  const created = createRemediationFunction(scope, lambdaHandler('custom-action'), {
    description:
      'Answers the Security Hub custom actions: approve or reject a pending recreation, or remediate a finding now.',
    environment: { [CUSTOM_ACTION_SETTINGS_VARIABLE]: stack.toJsonString(settings) },
    encryptionKey,
    logRetention: context.logRetention,
    everyResourceReason:
      'states:SendTaskSuccess and states:SendTaskFailure have no resource type in the Service Authorization Reference, so only "*" can allow them; the task token, kept server side in the approval table, is what names the waiting execution.',
    statements: [
      new PolicyStatement({
        sid: 'ApprovalRecords',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [approvalTable.tableArn],
      }),
      tableKeyStatement(
        'ApprovalTableKey',
        encryptionKey.keyArn,
        `dynamodb.${stack.region}.${stack.urlSuffix}`,
      ),
      new PolicyStatement({
        sid: 'AnswerApprovalTasks',
        actions: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'StartExecutions',
        actions: ['states:StartExecution'],
        resources: [props.stateMachine.stateMachineArn],
      }),
      new PolicyStatement({
        sid: 'NoteFindings',
        actions: ['securityhub:BatchUpdateFindings'],
        resources: [stack.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
        // The key is absent unless the request sets Workflow.Status (Security Hub user guide,
        // "Disallowing all updates to a field"): notes only, never a workflow status change.
        conditions: { Null: { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'true' } },
      }),
      // Lambda sends a failed event to the destination as the function's role ("Amazon SQS –
      // sqs:SendMessage"); a producer to an SSE-KMS queue also needs GenerateDataKey and Decrypt.
      new PolicyStatement({
        sid: 'SendFailedClicks',
        actions: ['sqs:SendMessage'],
        resources: [failureQueue.queueArn],
      }),
      new PolicyStatement({
        sid: 'FailureQueueKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.${stack.urlSuffix}` } },
      }),
    ],
  });
  created.fn.configureAsyncInvoke({
    // Not CDK's SqsDestination: its grant adds sqs:GetQueueAttributes, sqs:GetQueueUrl, kms:Encrypt,
    // kms:ReEncrypt* and kms:GenerateDataKey*, without kms:ViaService. The role has the two above only.
    onFailure: { bind: () => ({ destination: failureQueue.queueArn }) },
    // Lambda's defaults, stated: retrying is safe (the handler is idempotent per event id), and an
    // event still unprocessed after 6 hours (throttling) goes to the queue as well.
    retryAttempts: 2,
    maxEventAge: Duration.hours(6),
  });
  return { ...created, failureQueue };
}
