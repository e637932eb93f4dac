/**
 * How events reach the remediation: the EventBridge rule that starts the state machine on each
 * matching Security Hub finding (through a role that may do nothing else), the rule that sends this
 * deployment's custom-action clicks to the custom-action Lambda, and the encrypted dead-letter queue
 * both rules' targets fall back to after their retries.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ControlModes, controlsInScope } from '../handlers/shared/controls-catalogue.js';
import { durationProblems, wholeNumberProblems } from './construct-validation.js';
import { buildCustomActionEventPattern } from './custom-action-event-pattern.js';
import { buildFindingEventPattern } from './finding-event-pattern.js';
import { acknowledge } from './nag-acknowledgements.js';

/** EventBridge's limits on a target's retry policy. */
export const MAX_TARGET_RETRY_ATTEMPTS = 185;
export const MIN_EVENT_AGE_SECONDS = 60;
export const MAX_EVENT_AGE_SECONDS = 24 * 60 * 60;

export interface FindingIntakeProps {
  /** Started with each matching finding. */
  readonly stateMachine: IStateMachine;
  /** Mode of every control: the finding rule matches the controls that are not `off` (at least one). */
  readonly modes: ControlModes;
  /** Receives this deployment's custom-action events. */
  readonly customActionFunction: IFunction;
  /** ARN of each of this deployment's custom actions (at least one): the custom-action rule matches these only. */
  readonly customActionArns: readonly string[];
  /**
   * Customer managed key of the dead-letter queue. Its key policy must let EventBridge use it
   * (EncryptionKey's does).
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

/** The finding rule and its role, the custom-action rule, and their dead-letter queue. */
export class FindingIntake extends Construct {
  /** Starts the state machine on each matching Security Hub finding. */
  public readonly findingRule: Rule;
  /** May start executions of the state machine, and nothing else. */
  public readonly findingRuleRole: Role;
  /** Sends this deployment's custom-action events to the custom-action Lambda. */
  public readonly customActionRule: Rule;
  /** Events EventBridge could not deliver (findings to the state machine, clicks to the Lambda) after its retries. */
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
    const account = Stack.of(this).account;

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

    this.findingRuleRole = new Role(this, 'FindingRuleRole', {
      description: 'Lets the finding rule start the remediation state machine, and nothing else.',
      assumedBy: new ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': account },
      }),
    });
    this.findingRule = new Rule(this, 'FindingRule', {
      description: 'Failed, active, NEW Security Hub findings of the SageMaker controls in scope.',
      eventPattern: toCdkEventPattern(buildFindingEventPattern(props.modes)),
    });
    // Grants the role states:StartExecution on this state machine only.
    this.findingRule.addTarget(
      new SfnStateMachine(props.stateMachine, {
        role: this.findingRuleRole,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts,
        maxEventAge,
      }),
    );

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

/** The raw EventBridge pattern in CDK's vocabulary (detail-type is spelled detailType there). */
function toCdkEventPattern(pattern: Record<string, unknown>): EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, detailType } as EventPattern;
}
