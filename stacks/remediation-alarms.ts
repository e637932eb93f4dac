/**
 * The operational alarms of the remediation, each publishing to the alert topic: failed, timed-out
 * and aborted executions, undelivered events, dead-lettered findings, failed custom-action clicks, and
 * errors of each Lambda function. Also the topic
 * policy statement that lets CloudWatch alarm actions publish (the key policy statement they need
 * is EncryptionKey's).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { durationProblems } from './construct-validation.js';

/** The functions alarmed on, one alarm each. */
export interface AlarmedFunctions {
  readonly planRemediation: IFunction;
  readonly reportFailure: IFunction;
  readonly snapshotNotebook: IFunction;
  readonly verifyRecreation: IFunction;
  readonly verifyResource: IFunction;
  readonly snapshotResource: IFunction;
  readonly changeResource: IFunction;
  readonly customAction: IFunction;
  readonly planCleanup: IFunction;
}

export interface RemediationAlarmsProps {
  /**
   * Where every alarm publishes. Its resource policy gets a statement for CloudWatch alarm actions,
   * so it must be a topic defined in this app.
   */
  readonly alertTopic: ITopic;
  /** Alarmed on failed, timed-out and aborted executions. */
  readonly stateMachine: IStateMachine;
  /** Alarmed on any message: an event EventBridge could not deliver. */
  readonly deadLetterQueue: IQueue;
  /**
   * Alarmed on any message: a custom-action click whose invocation still failed after Lambda's
   * retries (the on-failure destination of `functions.customAction`).
   */
  readonly customActionFailureQueue: IQueue;
  /** Alarmed on any error of each. */
  readonly functions: AlarmedFunctions;
  /**
   * The finding buffer (finding-buffer.ts): alarmed on any dead-lettered finding (received
   * maxReceiveCount times without starting its execution), and on any error of its starter.
   *
   * @default - no finding buffer alarms
   */
  readonly findingBuffer?: { readonly deadLetterQueue: IQueue; readonly starter: IFunction };
  /**
   * The period each alarm evaluates (one period, any occurrence alarms). Whole minutes, at most a day.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** One alarm per failure signal, each on any occurrence in one period, each publishing to the topic. */
export class RemediationAlarms extends Construct {
  /** Every alarm, in the order above. */
  public readonly alarms: readonly Alarm[];
  private readonly alertTopic: ITopic;

  constructor(scope: Construct, id: string, props: RemediationAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const problems = [
      ...durationProblems('period', period, 60, 24 * 60 * 60),
      ...(period.toSeconds({ integral: false }) % 60 === 0
        ? []
        : ['period must be a whole number of minutes']),
      // An imported topic has no CloudFormation resource of its own in the app, and no policy to add to.
      ...(props.alertTopic.node.defaultChild === undefined
        ? ['alertTopic is an imported topic: its policy cannot be given the CloudWatch alarms statement']
        : []),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid RemediationAlarms '${id}':\n${problems.join('\n')}`);
    }
    this.alertTopic = props.alertTopic;

    // Alarm actions publish as the CloudWatch service, which the topic policy must name.
    props.alertTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.alertTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    const { stateMachine, deadLetterQueue, customActionFailureQueue, functions } = props;
    this.alarms = [
      this.alarmOnAnyOccurrence(
        'ExecutionsFailedAlarm',
        stateMachine.metricFailed({ period, statistic: 'Sum' }),
        'A remediation execution failed: check the finding note and the execution history.',
      ),
      this.alarmOnAnyOccurrence(
        'ExecutionsTimedOutAlarm',
        stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        'A remediation execution hit the execution timeout: its notebook may be left stopped.',
      ),
      this.alarmOnAnyOccurrence(
        'ExecutionsAbortedAlarm',
        stateMachine.metricAborted({ period, statistic: 'Sum' }),
        'A remediation execution was stopped by hand: its notebook may be left stopped and its lock held.',
      ),
      this.alarmOnAnyOccurrence(
        'UndeliveredFindingsAlarm',
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        'EventBridge could not deliver a finding to the finding queue, or a custom-action click to its Lambda: see the dead-letter queue.',
      ),
      this.alarmOnAnyOccurrence(
        'CustomActionFailuresAlarm',
        customActionFailureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        customActionFailureDescription(
          customActionFailureQueue.queueUrl,
          functions.customAction.functionName,
        ),
      ),
      this.alarmOnAnyOccurrence(
        'PlanRemediationErrorsAlarm',
        functions.planRemediation.metricErrors({ period, statistic: 'Sum' }),
        'The planning Lambda failed: findings were alerted on but not remediated.',
      ),
      this.alarmOnAnyOccurrence(
        'ReportFailureErrorsAlarm',
        functions.reportFailure.metricErrors({ period, statistic: 'Sum' }),
        'The failure-report Lambda failed: failures were reported with the fallback text.',
      ),
      this.alarmOnAnyOccurrence(
        'SnapshotNotebookErrorsAlarm',
        functions.snapshotNotebook.metricErrors({ period, statistic: 'Sum' }),
        'The snapshot Lambda failed: an approved recreation stopped before anything was deleted.',
      ),
      this.alarmOnAnyOccurrence(
        'VerifyRecreationErrorsAlarm',
        functions.verifyRecreation.metricErrors({ period, statistic: 'Sum' }),
        'The verification Lambda failed: a recreated notebook could not be verified; the alert gives the restore command.',
      ),
      this.alarmOnAnyOccurrence(
        'VerifyResourceErrorsAlarm',
        functions.verifyResource.metricErrors({ period, statistic: 'Sum' }),
        'The resource verification Lambda failed: a fixed resource could not be read back; its findings say so.',
      ),
      this.alarmOnAnyOccurrence(
        'SnapshotResourceErrorsAlarm',
        functions.snapshotResource.metricErrors({ period, statistic: 'Sum' }),
        'The resource snapshot Lambda failed: an approved change stopped before anything was changed.',
      ),
      this.alarmOnAnyOccurrence(
        'ChangeResourceErrorsAlarm',
        functions.changeResource.metricErrors({ period, statistic: 'Sum' }),
        'The resource change Lambda failed: an approved change or its roll-back did not go through; the findings say which.',
      ),
      this.alarmOnAnyOccurrence(
        'CustomActionErrorsAlarm',
        functions.customAction.metricErrors({ period, statistic: 'Sum' }),
        'The custom-action Lambda failed: an approve, reject or remediate-now click may not have taken effect.',
      ),
      this.alarmOnAnyOccurrence(
        'PlanCleanupErrorsAlarm',
        functions.planCleanup.metricErrors({ period, statistic: 'Sum' }),
        'The clean-up Lambda failed: an execution that was stopped or timed out may have left its notebook, lock or findings as they were; the clean-up alert names it.',
      ),
      ...(props.findingBuffer
        ? [
            this.alarmOnAnyOccurrence(
              'DeadLetteredFindingsAlarm',
              props.findingBuffer.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period,
                statistic: 'Maximum',
              }),
              'A buffered finding was received 1,000 times without its execution starting: it is in the finding buffer dead-letter queue. Check the StartRemediation log group, fix the cause, then redrive the dead-letter queue to the finding queue (a redriven finding never starts twice).',
            ),
            this.alarmOnAnyOccurrence(
              'StartRemediationErrorsAlarm',
              props.findingBuffer.starter.metricErrors({ period, statistic: 'Sum' }),
              'The Lambda that starts executions from the finding buffer failed: its whole batch is received again after the visibility timeout, and dead-lettered if it keeps failing.',
            ),
          ]
        : []),
    ];
  }

  /** A description may hold deploy-time values (it becomes an Fn::Join); CloudWatch allows 1024 characters. */
  private alarmOnAnyOccurrence(id: string, metric: IMetric, description: string): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: description,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alertTopic));
    return alarm;
  }
}

/**
 * What to do about a failed click, with the queue URL and function name filled in at deployment.
 * Replaying the very event comes first: it also finishes an approval recorded but not yet sent to
 * the waiting execution, which a new click would only call "already approved".
 */
export function customActionFailureDescription(queueUrl: string, functionName: string): string {
  return [
    'A custom-action click (Approve remediation, Reject remediation or Remediate now) failed after the Lambda retries and may not have taken effect.',
    `Read it: aws sqs receive-message --queue-url ${queueUrl} --attribute-names All.`,
    "In the message, requestPayload is the click's event (detail.actionName, detail.findings) and responsePayload the error; the custom-action log group has the details.",
    `Once the cause is fixed, save requestPayload as event.json and replay it: aws lambda invoke --function-name ${functionName} --cli-binary-format raw-in-base64-out --payload file://event.json out.json (one event never decides or starts twice).`,
    'Or choose the action again on those findings in the Security Hub console.',
    'Then delete the message: the alarm lasts while it is there.',
  ].join(' ');
}
