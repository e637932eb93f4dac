/**
 * The subscriber of the alert topic that turns every reported outcome into custom metrics
 * (handlers/record-outcome.ts): the outcomes are only known in the state machine, which publishes each
 * with its `outcome` and `control` attributes, so counting them where they are published adds no state,
 * no Lambda invocation on the remediation's path and no change to the definition.
 *
 * Made after the state machine, whose executions it describes (the state machine does not reference
 * it: no cycle).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STATE_MACHINE_ARN_VARIABLE } from '../handlers/record-outcome.js';
import { lambdaHandler } from './lambda-bundling.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { createRemediationFunction, type RemediationFunction } from './remediation-function.js';
import { executionsArn } from './remediation-functions.js';

export interface OutcomeRecorderProps {
  /** The topic every outcome is published to; the recorder subscribes to it. */
  readonly alertTopic: ITopic;
  /** The remediation state machine: a RESOLVED alert's execution is described for its start. */
  readonly stateMachine: StateMachine;
  /** Key of the recorder's log group. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
}

export class OutcomeRecorder extends Construct {
  /** The subscriber: one EMF line per alert, two for a RESOLVED one. */
  public readonly recorder: RemediationFunction;
  /** Any error of the recorder in five minutes: outcomes may be missing from the dashboard. */
  public readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OutcomeRecorderProps) {
    super(scope, id);
    const executions = executionsArn(this, props.stateMachine);
    this.recorder = createRemediationFunction(this, lambdaHandler('record-outcome'), {
      description:
        'Counts each outcome on the alert topic as a custom metric (EMF), with the time to remediate of a RESOLVED one.',
      environment: { [STATE_MACHINE_ARN_VARIABLE]: props.stateMachine.stateMachineArn },
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      statements: [
        new PolicyStatement({
          sid: 'DescribeResolvedExecutions',
          actions: ['states:DescribeExecution'],
          resources: [executions],
        }),
      ],
    });
    acknowledge(
      this.recorder.role,
      wildcardResourceFinding(this, executions),
      "The execution a RESOLVED alert names is only known at run time; read-only DescribeExecution, on this stack's state machine's executions only.",
    );
    // No cloudwatch:PutMetricData: CloudWatch Logs extracts the metrics from its own log group's lines.
    props.alertTopic.addSubscription(new LambdaSubscription(this.recorder.fn));

    // Its notifications carry no `outcome` attribute, so the recorder does not count them.
    this.errorsAlarm = new Alarm(this, 'RecordOutcomeErrorsAlarm', {
      metric: this.recorder.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmDescription:
        'The recorder of outcome metrics failed: the dashboard may miss outcomes (the alerts themselves were delivered). Its log group says why.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(new SnsAction(props.alertTopic));
  }
}
