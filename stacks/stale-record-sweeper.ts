/**
 * The scheduled sweeper of stale records (handlers/sweep-stale-records.ts): an EventBridge schedule
 * invokes it every 15 minutes; it clears the locks and plans that no running execution holds,
 * tells their findings, and publishes one alert. Its role holds exactly the calls it makes, and an
 * alarm publishes to the alert topic when it fails.
 *
 * Made after the state machine, whose executions it describes (the state machine does not reference
 * it: no cycle). A missed or failed sweep is not retried: the next one, 15 minutes later, does the same
 * work, and the alarm says that one failed.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SWEEP_SETTINGS_VARIABLE, type SweepSettingsInput } from '../handlers/shared/sweep-settings.js';
import { sameKeyProblems } from './construct-validation.js';
import { lambdaHandler } from './lambda-bundling.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { acknowledgeOcsfNotes, ocsfNoteStatement } from './ocsf-note-permissions.js';
import {
  createRemediationFunction,
  type RemediationFunction,
  tableKeyStatement,
} from './remediation-function.js';
import { executionsArn } from './remediation-functions.js';

/** How often the sweeper runs: a stale lock holds a notebook back at most this long (plus a run). */
export const SWEEP_INTERVAL_MINUTES = 15;

export interface StaleRecordSweeperProps {
  /** The remediation state machine: the sweeper asks about its executions only. */
  readonly stateMachine: StateMachine;
  /** Scanned, and stale locks deleted. */
  readonly lockTable: ITable;
  /** Scanned, and stale plans deleted (PLANNED or PENDING ones, and decided ones their execution left). */
  readonly approvalTable: ITable;
  /** The one alert of a sweep that cleared something. */
  readonly alertTopic: ITopic;
  /** Key of the two tables, the topic and the sweeper's log group. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
}

export class StaleRecordSweeper extends Construct {
  public readonly sweeper: RemediationFunction;
  public readonly schedule: Rule;
  /** Any error of the sweeper in five minutes. */
  public readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: StaleRecordSweeperProps) {
    super(scope, id);
    const problems = [
      ...sameKeyProblems('lockTable', props.lockTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('approvalTable', props.approvalTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('alertTopic', props.alertTopic.masterKey, props.encryptionKey),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid StaleRecordSweeper '${id}':\n${problems.join('\n')}`);
    }
    const stack = Stack.of(this);
    const { encryptionKey, lockTable, approvalTable, alertTopic, stateMachine } = props;
    const executions = executionsArn(this, stateMachine);
    const settings: SweepSettingsInput = {
      lockTableName: lockTable.tableName,
      approvalTableName: approvalTable.tableName,
      alertTopicArn: alertTopic.topicArn,
      stateMachineArn: stateMachine.stateMachineArn,
      securityHubProductArn: `arn:${stack.partition}:securityhub:${stack.region}::product/aws/securityhub`,
    };

    const sweeper = createRemediationFunction(this, lambdaHandler('sweep-stale-records'), {
      description:
        'Clears the locks and waiting recreation plans that no running execution holds, and tells their findings.',
      environment: { [SWEEP_SETTINGS_VARIABLE]: stack.toJsonString(settings) },
      encryptionKey,
      logRetention: props.logRetention,
      statements: [
        new PolicyStatement({
          sid: 'SweepLocks',
          // Every lock is read; a stale one is deleted, on the condition that it is still as read.
          actions: ['dynamodb:DeleteItem', 'dynamodb:Scan'],
          resources: [lockTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'SweepPlans',
          actions: ['dynamodb:DeleteItem', 'dynamodb:Scan'],
          resources: [approvalTable.tableArn],
        }),
        tableKeyStatement('TablesKey', encryptionKey.keyArn, `dynamodb.${stack.region}.${stack.urlSuffix}`),
        new PolicyStatement({
          sid: 'DescribeHolders',
          actions: ['states:DescribeExecution'],
          resources: [executions],
        }),
        new PolicyStatement({
          sid: 'NoteFindings',
          actions: ['securityhub:BatchUpdateFindings'],
          resources: [stack.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          // Notes with workflow status NOTIFIED only: never RESOLVED, SUPPRESSED or NEW.
          conditions: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED'] } },
        }),
        // The same on OCSF findings (BatchUpdateFindingsV2): status_id 2 (In Progress) only.
        ocsfNoteStatement(this, 'NoteOcsfFindings', ['NOTIFIED']),
        new PolicyStatement({
          sid: 'PublishAlert',
          actions: ['sns:Publish'],
          resources: [alertTopic.topicArn],
        }),
        // A publisher to a topic under a customer managed key ("Key management", SNS developer guide).
        new PolicyStatement({
          sid: 'AlertTopicKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.${stack.urlSuffix}` } },
        }),
      ],
    });
    acknowledge(
      sweeper.role,
      wildcardResourceFinding(this, executions),
      "The execution holding a lock or plan is only known at run time; read-only DescribeExecution, on this stack's state machine's executions only.",
    );
    acknowledgeOcsfNotes(sweeper.role);
    this.sweeper = sweeper;

    this.schedule = new Rule(this, 'Schedule', {
      description: 'Runs the sweeper of stale locks and waiting plans.',
      schedule: Schedule.rate(Duration.minutes(SWEEP_INTERVAL_MINUTES)),
      // The next run does the same work: an undelivered one is not worth a retry or a dead letter.
      targets: [new LambdaFunction(sweeper.fn, { retryAttempts: 0 })],
    });

    this.errorsAlarm = new Alarm(this, 'SweepStaleRecordsErrorsAlarm', {
      metric: sweeper.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      alarmDescription:
        'The sweeper of stale locks and plans failed: some may still hold notebooks back. Its log group says which; the next run, 15 minutes later, tries again.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(new SnsAction(alertTopic));
  }
}
