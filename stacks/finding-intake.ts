/**
 * How events reach the remediation: the EventBridge rules that send each matching Security Hub finding
 * (ASFF and OCSF) to the finding buffer (finding-buffer.ts: a queue and the Lambda that starts the
 * executions, spaced per account and Region), the rule that sends this deployment's custom-action
 * clicks to the custom-action Lambda, and the encrypted dead-letter queue the rules' targets fall back
 * to after their retries.
 */
import { Duration } from 'aws-cdk-lib';
import { type EventPattern, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import {
  addToDeadLetterQueueResourcePolicy,
  bindBaseTargetConfig,
  LambdaFunction,
  type TargetBaseProps,
} from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ControlModes, controlsInScope } from '../handlers/shared/controls-catalogue.js';
import { durationProblems, wholeNumberProblems } from './construct-validation.js';
import { buildCustomActionEventPattern } from './custom-action-event-pattern.js';
import { FindingBuffer } from './finding-buffer.js';
import { buildFindingEventPattern, buildOcsfFindingEventPattern } from './finding-event-pattern.js';
import { acknowledge } from './nag-acknowledgements.js';

/** EventBridge's limits on a target's retry policy. */
export const MAX_TARGET_RETRY_ATTEMPTS = 185;
export const MIN_EVENT_AGE_SECONDS = 60;
export const MAX_EVENT_AGE_SECONDS = 24 * 60 * 60;

export interface FindingIntakeProps {
  /** Started with each matching finding, through the finding buffer. */
  readonly stateMachine: StateMachine;
  /** At most this many executions run at once per account and Region (the buffer's starter). */
  readonly concurrencyPerAccountRegion: number;
  /** Retention of the starter's log group. */
  readonly logRetention: RetentionDays;
  /** Mode of every control: the finding rule matches the controls that are not `off` (at least one). */
  readonly modes: ControlModes;
  /** Receives this deployment's custom-action events. */
  readonly customActionFunction: IFunction;
  /** ARN of each of this deployment's custom actions (at least one): the custom-action rule matches these only. */
  readonly customActionArns: readonly string[];
  /**
   * Customer managed key of the dead-letter queue and of the finding buffer. Its key policy must let
   * EventBridge use it (EncryptionKey's does).
   */
  readonly encryptionKey: IKey;
  /**
   * How many times EventBridge retries delivering an event to a target before it dead-letters it.
   * 0 to 185.
   *
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an event. 60 seconds to 24 hours.
   *
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;
}

/** The finding rules, the finding buffer, the custom-action rule, and the rules' dead-letter queue. */
export class FindingIntake extends Construct {
  /** Sends each matching Security Hub finding to the finding buffer. */
  public readonly findingRule: Rule;
  /** Sends each matching OCSF finding of the new Security Hub (Findings Imported V2) to the finding buffer. */
  public readonly ocsfFindingRule: Rule;
  /** The queue between the finding rules and the state machine, and the Lambda that starts executions. */
  public readonly buffer: FindingBuffer;
  /** Sends this deployment's custom-action events to the custom-action Lambda. */
  public readonly customActionRule: Rule;
  /** Events EventBridge could not deliver (findings to the buffer, clicks to the Lambda) after its retries. */
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: FindingIntakeProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 10;
    const maxEventAge = props.maxEventAge ?? Duration.hours(24);
    const problems = [
      ...(controlsInScope(props.modes).length === 0
        ? ['modes switches every control off: the finding rule would match no finding']
        : []),
      ...(props.customActionArns.length === 0
        ? ['customActionArns is empty: the custom-action rule would match no event']
        : []),
      ...wholeNumberProblems('retryAttempts', retryAttempts, 0, MAX_TARGET_RETRY_ATTEMPTS),
      ...durationProblems('maxEventAge', maxEventAge, MIN_EVENT_AGE_SECONDS, MAX_EVENT_AGE_SECONDS),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid FindingIntake '${id}':\n${problems.join('\n')}`);
    }

    this.deadLetterQueue = new Queue(this, 'FindingRuleDeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the EventBridge rule targets (an EventBridge DLQ, not an SQS redrive DLQ, which cdk-nag cannot see); its messages are alarmed on.',
    );

    // SQS rather than the rule's own retries: a burst is held durably and started at the pace each
    // account and Region allows (docs/architecture.md, "Bursts").
    this.buffer = new FindingBuffer(this, 'Buffer', {
      stateMachine: props.stateMachine,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      concurrencyPerAccountRegion: props.concurrencyPerAccountRegion,
    });
    const bufferTarget = () =>
      encryptedQueueTarget(this.buffer.queue, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts,
        maxEventAge,
      });
    this.findingRule = new Rule(this, 'FindingRule', {
      description: 'Failed, active, NEW Security Hub findings of the SageMaker controls in scope.',
      eventPattern: toCdkEventPattern(buildFindingEventPattern(props.modes)),
    });
    this.findingRule.addTarget(bufferTarget());

    // A rule of its own rather than an $or: each rule's pattern stays one format, and ASFF's is unchanged.
    this.ocsfFindingRule = new Rule(this, 'OcsfFindingRule', {
      description:
        'Failed, active, New OCSF findings (the new Security Hub) of the SageMaker controls in scope.',
      eventPattern: toCdkEventPattern(buildOcsfFindingEventPattern(props.modes)),
    });
    this.ocsfFindingRule.addTarget(bufferTarget());

    this.customActionRule = new Rule(this, 'CustomActionRule', {
      description: "This deployment's Security Hub custom actions: approve, reject, remediate now.",
      eventPattern: toCdkEventPattern(buildCustomActionEventPattern(props.customActionArns)),
    });
    // Lets EventBridge invoke the function for this rule only.
    this.customActionRule.addTarget(
      new LambdaFunction(props.customActionFunction, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts,
        maxEventAge,
      }),
    );
  }
}

/**
 * A rule target sending to a KMS-encrypted queue, which only that rule may send to (aws:SourceArn).
 * CDK's SqsQueue target drops that condition for an encrypted queue (a dependency cycle through the key
 * policy) and grants EventBridge the key without any; here the key is left alone: its policy already
 * lets EventBridge use it for this account's rules (encryption-key.ts).
 */
function encryptedQueueTarget(queue: Queue, props: TargetBaseProps): IRuleTarget {
  return {
    bind: (rule) => {
      queue.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } },
        }),
      );
      if (props.deadLetterQueue) addToDeadLetterQueueResourcePolicy(rule, props.deadLetterQueue);
      return { ...bindBaseTargetConfig(props), arn: queue.queueArn, targetResource: queue };
    },
  };
}

/** The raw EventBridge pattern in CDK's vocabulary (detail-type is spelled detailType there). */
function toCdkEventPattern(pattern: Record<string, unknown>): EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, detailType } as EventPattern;
}
