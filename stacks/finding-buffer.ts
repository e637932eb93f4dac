/**
 * The buffer between the finding rules and the state machine (docs/architecture.md, "Bursts"): an
 * encrypted SQS queue the rules send each finding event to, with its own dead-letter queue, and the
 * start-remediation Lambda (handlers/start-remediation.ts) reading it through an event source mapping
 * with ReportBatchItemFailures and a maximum concurrency. The Lambda starts one execution per event and
 * keeps at most `concurrencyPerAccountRegion` of them running per account and Region, counted in the
 * slot table (handlers/shared/execution-spacing.ts).
 *
 * The numbers, worked through in docs/architecture.md: the function may run 30 s, so the queue's
 * visibility timeout is six times that (what the Lambda developer guide asks of an SQS event source);
 * a message waiting for a slot is received once per visibility timeout, and MAX_RECEIVE_COUNT receives
 * outlast the worst case of a 1,000-finding burst in one account and Region at the default concurrency.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  SLOT_EXPIRY_ATTRIBUTE,
  SLOT_TABLE_KEY,
  START_SETTINGS_VARIABLE,
  type StartSettings,
  worstCaseReceives,
} from '../handlers/shared/execution-spacing.js';
import { MAX_CONCURRENCY_PER_ACCOUNT_REGION } from './configuration.js';
import { wholeNumberProblems } from './construct-validation.js';
import { lambdaHandler } from './lambda-bundling.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import {
  createRemediationFunction,
  type RemediationFunction,
  tableKeyStatement,
} from './remediation-function.js';
import { executionsArn } from './remediation-functions.js';

/** Messages per invocation of the starter: SQS's largest receive. */
export const START_BATCH_SIZE = 10;
/** The Lambda developer guide asks at least six times the function timeout of an SQS event source's queue. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Receives before a message is dead-lettered: enough for BURST_FINDINGS in one account and Region. */
export const MAX_RECEIVE_COUNT = 1000;
/** The burst that must never dead-letter at the default concurrency (issue 9: a standard enabled). */
export const BURST_FINDINGS = 1000;

/** The queue's visibility timeout, in seconds: six times the starter's timeout. */
export function visibilityTimeoutSeconds(): number {
  return VISIBILITY_TIMEOUT_FACTOR * lambdaHandler('start-remediation').timeoutSeconds;
}

export interface FindingBufferProps {
  /** Started once per buffered finding event. */
  readonly stateMachine: StateMachine;
  /** Key of both queues, the slot table and the starter's log group. Its key policy must let EventBridge use it. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
  /** At most this many executions run at once per account and Region. 1 to 100. */
  readonly concurrencyPerAccountRegion: number;
  /**
   * How many starter invocations read the queue at once (the event source's MaximumConcurrency, 2 to
   * 1000). Two: the slot writes of one account and Region are conditional, and more starters would only
   * contend for them; a batch of 10 starts in well under a second.
   *
   * @default 2
   */
  readonly maximumConcurrency?: number;
}

export class FindingBuffer extends Construct {
  /** The finding rules' target: one message per finding event. */
  public readonly queue: Queue;
  /** Messages received MAX_RECEIVE_COUNT times without starting: alarmed on. */
  public readonly deadLetterQueue: Queue;
  /** One item per account and Region: the executions holding its slots. */
  public readonly slotTable: Table;
  /** Reads the queue and starts the executions, spaced per account and Region. */
  public readonly starter: RemediationFunction;

  constructor(scope: Construct, id: string, props: FindingBufferProps) {
    super(scope, id);
    const maximumConcurrency = props.maximumConcurrency ?? 2;
    const problems = [
      ...wholeNumberProblems(
        'concurrencyPerAccountRegion',
        props.concurrencyPerAccountRegion,
        1,
        MAX_CONCURRENCY_PER_ACCOUNT_REGION,
      ),
      ...wholeNumberProblems('maximumConcurrency', maximumConcurrency, 2, 1000),
    ];
    if (problems.length > 0) throw new Error(`Invalid FindingBuffer '${id}':\n${problems.join('\n')}`);
    const stack = Stack.of(this);
    const visibility = visibilityTimeoutSeconds();
    if (worstCaseReceives(BURST_FINDINGS, 10, visibility) > MAX_RECEIVE_COUNT) {
      throw new Error(
        'MAX_RECEIVE_COUNT no longer outlasts a 1,000-finding burst at the default concurrency',
      );
    }

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(visibility),
      // The longest burst drains well within it (docs/architecture.md, "Bursts").
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.slotTable = new Table(this, 'SlotTable', {
      partitionKey: { name: SLOT_TABLE_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: SLOT_EXPIRY_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      // Slots lapse within minutes of their executions: a retained table would only be an orphan.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const settings: StartSettings = {
      stateMachineArn: props.stateMachine.stateMachineArn,
      slotTableName: this.slotTable.tableName,
      concurrencyPerAccountRegion: props.concurrencyPerAccountRegion,
    };
    const executions = executionsArn(this, props.stateMachine);
    this.starter = createRemediationFunction(this, lambdaHandler('start-remediation'), {
      description:
        'Starts one remediation execution per buffered finding event, at most concurrencyPerAccountRegion at once per account and Region.',
      environment: { [START_SETTINGS_VARIABLE]: stack.toJsonString(settings) },
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      statements: [
        // What the event source mapping does as the function's role (Lambda developer guide, SQS).
        new PolicyStatement({
          sid: 'ConsumeFindingQueue',
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          resources: [this.queue.queueArn],
        }),
        new PolicyStatement({
          sid: 'FindingQueueKey',
          actions: ['kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.${stack.urlSuffix}` } },
        }),
        new PolicyStatement({
          sid: 'StartExecutions',
          actions: ['states:StartExecution'],
          resources: [props.stateMachine.stateMachineArn],
        }),
        new PolicyStatement({
          sid: 'DescribeSlotHolders',
          actions: ['states:DescribeExecution'],
          resources: [executions],
        }),
        new PolicyStatement({
          sid: 'Slots',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          resources: [this.slotTable.tableArn],
        }),
        tableKeyStatement(
          'SlotTableKey',
          props.encryptionKey.keyArn,
          `dynamodb.${stack.region}.${stack.urlSuffix}`,
        ),
      ],
    });
    acknowledge(
      this.starter.role,
      wildcardResourceFinding(this, executions),
      "Which executions hold an account's slots is only known at run time; the wildcard is limited to this state machine's executions, and to DescribeExecution.",
    );

    new EventSourceMapping(this, 'QueueEventSource', {
      target: this.starter.fn,
      eventSourceArn: this.queue.queueArn,
      batchSize: START_BATCH_SIZE,
      reportBatchItemFailures: true,
      maxConcurrency: maximumConcurrency,
    });
  }
}
