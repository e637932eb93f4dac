/**
 * The deployed remediation workflow: an EventBridge rule on Security Hub findings starts a Standard
 * state machine whose definition, placeholders and IAM all come from statemachines/ and the catalogue.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { resolveModes } from '../handlers/shared/controls-catalogue.js';
import type { Annotation } from '../handlers/shared/remediation-plan.js';
import { SETTINGS_ENVIRONMENT_VARIABLE } from '../handlers/shared/runtime-settings.js';
import { placeholdersIn } from '../statemachines/amazon-states-language.js';
import { LOCK_EXPIRY_ATTRIBUTE, LOCK_TABLE_KEY } from '../statemachines/lock-table.js';
import {
  buildRemediationDefinition,
  EXECUTION_TIMEOUT_SECONDS,
  PLACEHOLDERS,
} from '../statemachines/remediation-definition.js';
import { loadConfiguration, type RemediationConfiguration, toRuntimeSettings } from './configuration.js';
import { buildFindingEventPattern } from './finding-event-pattern.js';
import {
  LAMBDA_BUNDLING,
  LAMBDA_NODE_MAJOR_VERSION,
  type LambdaHandlerSource,
  lambdaHandler,
} from './lambda-bundling.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { deriveStateMachineStatements, type StateMachineScopes } from './state-machine-permissions.js';

/**
 * Finding workflow statuses the state machine writes (RESOLVED on success; NOTIFIED for annotations and
 * failures, see Annotation['workflowStatus']). BatchUpdateFindings is allowed for these only, so the
 * workflow can never SUPPRESS a finding or reset it to NEW.
 */
export const WORKFLOW_STATUSES_WRITTEN = [
  'NOTIFIED',
  'RESOLVED',
] as const satisfies readonly Annotation['workflowStatus'][];

export interface SageMakerRemediationStackProps extends StackProps {
  /**
   * What to remediate and how; see docs/configuration.md. Validated again here, so a hand-built object
   * gets the same complete list of errors as the cdk.json context does.
   */
  readonly configuration: RemediationConfiguration;
}

export class SageMakerRemediationStack extends Stack {
  /** The configuration the stack was built from, with every default applied. */
  public readonly configuration: RemediationConfiguration;
  /** Customer managed key (rotated yearly) of the topic, the queue, the log groups and the lock table. */
  public readonly encryptionKey: Key;
  /** Remediation outcomes and operational alarms; subscribed by `alertEmails`. */
  public readonly alertTopic: Topic;
  /** One item per notebook being remediated, so two executions never act on the same notebook. */
  public readonly lockTable: Table;
  public readonly planRemediationFunction: NodejsFunction;
  public readonly planRemediationLogGroup: LogGroup;
  public readonly reportFailureFunction: NodejsFunction;
  public readonly reportFailureLogGroup: LogGroup;
  public readonly stateMachine: StateMachine;
  public readonly stateMachineRole: Role;
  public readonly stateMachineLogGroup: LogGroup;
  /** Starts the state machine on each matching Security Hub finding. */
  public readonly findingRule: Rule;
  public readonly findingRuleRole: Role;
  /** Findings EventBridge could not deliver to the state machine after its retries. */
  public readonly deadLetterQueue: Queue;
  /** Every alarm, each publishing to the alert topic. */
  public readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: SageMakerRemediationStackProps) {
    super(scope, id, props);
    const configuration = loadConfiguration(props.configuration);
    this.configuration = configuration;
    const retention = configuration.logRetentionDays;

    this.encryptionKey = new Key(this, 'EncryptionKey', {
      description:
        'Encrypts the SageMaker remediation alert topic, dead-letter queue, log groups and lock table.',
      enableKeyRotation: true,
      // The log groups are retained (they are the audit trail) and stay readable only with this key.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServicesToUseKey();

    this.alertTopic = new Topic(this, 'AlertTopic', {
      displayName: 'SageMaker remediation',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    // Alarm actions publish as the CloudWatch service, which the topic policy must name.
    this.alertTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    for (const email of configuration.alertEmails) {
      this.alertTopic.addSubscription(new EmailSubscription(email));
    }

    this.lockTable = new Table(this, 'LockTable', {
      partitionKey: { name: LOCK_TABLE_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: LOCK_EXPIRY_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      // Locks live at most one execution timeout and record nothing the audit trail (finding notes,
      // execution history, logs) does not: a retained table would only be an orphan to clean up.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const notebookInstanceArn = this.formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance',
      resourceName: '*',
    });
    const notebookInstanceArns = [notebookInstanceArn];

    const plan = this.createFunction(lambdaHandler('plan-remediation'), {
      description: 'Plans the remediation of one Security Hub finding: mode, exemption tag, dry run, lock.',
      timeout: Duration.seconds(60),
      retention,
      environment: {
        [SETTINGS_ENVIRONMENT_VARIABLE]: this.toJsonString(
          toRuntimeSettings(configuration, {
            accountId: this.account,
            region: this.region,
            lockTableName: this.lockTable.tableName,
            lockSeconds: EXECUTION_TIMEOUT_SECONDS,
          }),
        ),
      },
      statements: [
        new PolicyStatement({
          sid: 'ObserveNotebooks',
          actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:ListTags'],
          resources: notebookInstanceArns,
        }),
        new PolicyStatement({
          sid: 'NotebookLocks',
          actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          resources: [this.lockTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'LockTableKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${this.region}.${this.urlSuffix}` } },
        }),
      ],
    });
    this.planRemediationFunction = plan.fn;
    this.planRemediationLogGroup = plan.logGroup;
    acknowledge(
      plan.role,
      wildcardResourceFinding(this, notebookInstanceArn),
      'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and region, and the actions to read-only DescribeNotebookInstance and ListTags.',
    );

    const report = this.createFunction(lambdaHandler('report-failure'), {
      description: 'Words the finding note and alert for a failed remediation. Makes no AWS calls.',
      timeout: Duration.seconds(10),
      retention,
      environment: {},
      statements: [],
    });
    this.reportFailureFunction = report.fn;
    this.reportFailureLogGroup = report.logGroup;

    const definition = buildRemediationDefinition();
    const definitionSubstitutions: Record<string, string> = {
      [PLACEHOLDERS.planFunctionArn]: plan.fn.functionArn,
      [PLACEHOLDERS.reportFailureFunctionArn]: report.fn.functionArn,
      [PLACEHOLDERS.alertTopicArn]: this.alertTopic.topicArn,
      [PLACEHOLDERS.lockTableName]: this.lockTable.tableName,
    };
    assertSubstitutionsMatch(placeholdersIn(definition), Object.keys(definitionSubstitutions));

    const scopes: StateMachineScopes = {
      services: {
        sagemaker: {
          resources: notebookInstanceArns,
          // The workflow only ever disables root access; it can never be used to enable it.
          conditions: { StringEqualsIfExists: { 'sagemaker:RootAccess': 'Disabled' } },
        },
        securityhub: {
          // The Service Authorization Reference lists `hub` as BatchUpdateFindings' resource type.
          resources: [this.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          conditions: {
            StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': [...WORKFLOW_STATUSES_WRITTEN] },
          },
        },
        sns: { resources: [this.alertTopic.topicArn], kmsKeyArn: this.encryptionKey.keyArn },
        dynamodb: { resources: [this.lockTable.tableArn], kmsKeyArn: this.encryptionKey.keyArn },
      },
      lambdaFunctions: {
        [PLACEHOLDERS.planFunctionArn]: plan.fn.functionArn,
        [PLACEHOLDERS.reportFailureFunctionArn]: report.fn.functionArn,
      },
      kmsViaService: { region: this.region, urlSuffix: this.urlSuffix },
    };

    this.stateMachineRole = new Role(this, 'StateMachineRole', {
      description: 'Remediation state machine: exactly the Task permissions derived from its definition.',
      assumedBy: new ServicePrincipal('states.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
      inlinePolicies: {
        RemediationTasks: new PolicyDocument({
          statements: deriveStateMachineStatements(definition, scopes).map((statement) =>
            PolicyStatement.fromJson(statement),
          ),
        }),
      },
    });
    acknowledge(
      this.stateMachineRole,
      wildcardResourceFinding(this, notebookInstanceArn),
      'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and region, and UpdateNotebookInstance to RootAccess=Disabled by condition.',
    );
    acknowledge(
      this.stateMachineRole,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for X-Ray tracing (xray:PutTraceSegments and related) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and related), none of which support resource-level permissions.',
    );

    this.stateMachineLogGroup = new LogGroup(this, 'StateMachineLogs', {
      retention,
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new StateMachine(this, 'RemediationStateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: definition.Comment,
      // The definition carries its own TimeoutSeconds (EXECUTION_TIMEOUT_SECONDS), also the lock lifetime.
      definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
      definitionSubstitutions,
      role: this.stateMachineRole,
      logs: { destination: this.stateMachineLogGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    this.deadLetterQueue = new Queue(this, 'FindingRuleDeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the EventBridge rule target (an EventBridge DLQ, not an SQS redrive DLQ, which cdk-nag cannot see); its messages are alarmed on.',
    );

    this.findingRuleRole = new Role(this, 'FindingRuleRole', {
      description: 'Lets the finding rule start the remediation state machine, and nothing else.',
      assumedBy: new ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
    });
    this.findingRule = new Rule(this, 'FindingRule', {
      description: 'Failed, active, NEW Security Hub findings of the SageMaker controls in scope.',
      eventPattern: toCdkEventPattern(buildFindingEventPattern(resolveModes(configuration.modes))),
    });
    this.findingRule.addTarget(
      new SfnStateMachine(this.stateMachine, {
        role: this.findingRuleRole,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(24),
      }),
    );

    const fiveMinutes = Duration.minutes(5);
    this.alarms = [
      this.alarmOnAnyOccurrence(
        'ExecutionsFailedAlarm',
        this.stateMachine.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
        'A remediation execution failed: check the finding note and the execution history.',
      ),
      this.alarmOnAnyOccurrence(
        'ExecutionsTimedOutAlarm',
        this.stateMachine.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
        'A remediation execution hit the execution timeout: its notebook may be left stopped.',
      ),
      this.alarmOnAnyOccurrence(
        'ExecutionsAbortedAlarm',
        this.stateMachine.metricAborted({ period: fiveMinutes, statistic: 'Sum' }),
        'A remediation execution was stopped by hand: its notebook may be left stopped and its lock held.',
      ),
      this.alarmOnAnyOccurrence(
        'UndeliveredFindingsAlarm',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: fiveMinutes,
          statistic: 'Maximum',
        }),
        'EventBridge could not start the state machine for a finding: see the dead-letter queue.',
      ),
      this.alarmOnAnyOccurrence(
        'PlanRemediationErrorsAlarm',
        plan.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        'The planning Lambda failed: findings were alerted on but not remediated.',
      ),
      this.alarmOnAnyOccurrence(
        'ReportFailureErrorsAlarm',
        report.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        'The failure-report Lambda failed: failures were reported with the fallback text.',
      ),
    ];

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alertTopic.topicArn });
    new CfnOutput(this, 'LockTableName', { value: this.lockTable.tableName });
  }

  /** Key policy for the services that encrypt or decrypt with the key on the stack's behalf. */
  private allowServicesToUseKey(): void {
    this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchLogsLogGroups',
        principals: [new ServicePrincipal(`logs.${this.region}.${this.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    // Alarm actions publish to the encrypted topic; EventBridge writes to the encrypted dead-letter queue.
    for (const [sid, service] of [
      ['AllowCloudWatchAlarmsToPublish', 'cloudwatch.amazonaws.com'],
      ['AllowEventBridgeDeadLetters', 'events.amazonaws.com'],
    ] as const) {
      this.encryptionKey.addToResourcePolicy(
        new PolicyStatement({
          sid,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
  }

  private createFunction(
    source: LambdaHandlerSource,
    options: {
      readonly description: string;
      readonly timeout: Duration;
      readonly retention: number;
      readonly environment: Record<string, string>;
      readonly statements: readonly PolicyStatement[];
    },
  ): { fn: NodejsFunction; logGroup: LogGroup; role: Role } {
    const id = source.name
      .split('-')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join('');
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: options.retention,
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(this, `${id}Role`, {
      description: `${source.name} Lambda: its own log group${options.statements.length > 0 ? ' and the calls it makes' : ' only'}.`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        [`${id}Permissions`]: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'WriteOwnLogGroup',
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
            ...options.statements,
          ],
        }),
      },
    });
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for active X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords), which supports no resource-level permissions.',
    );
    const fn = new NodejsFunction(this, id, {
      entry: source.entry,
      handler: source.handler,
      description: options.description,
      runtime: lambdaRuntime(),
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: options.timeout,
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: options.environment,
      bundling: {
        minify: LAMBDA_BUNDLING.minify,
        keepNames: LAMBDA_BUNDLING.keepNames,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        target: LAMBDA_BUNDLING.target,
        format: OutputFormat.CJS,
        bundleAwsSDK: LAMBDA_BUNDLING.bundleAwsSDK,
      },
    });
    return { fn, logGroup, role };
  }

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

/** The Node.js Lambda runtime matching LAMBDA_NODE_MAJOR_VERSION (the esbuild target). */
function lambdaRuntime(): Runtime {
  const runtime = Runtime.ALL.find((candidate) => candidate.name === `nodejs${LAMBDA_NODE_MAJOR_VERSION}.x`);
  if (!runtime) throw new Error(`aws-cdk-lib knows no nodejs${LAMBDA_NODE_MAJOR_VERSION}.x Lambda runtime`);
  return runtime;
}

/** The raw EventBridge pattern in CDK's vocabulary (detail-type is spelled detailType there). */
function toCdkEventPattern(pattern: Record<string, unknown>): EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, detailType } as EventPattern;
}

/** Throws, listing each difference, unless the definition's placeholders and the substitutions are the same set. */
export function assertSubstitutionsMatch(
  placeholders: readonly string[],
  substituted: readonly string[],
): void {
  const missing = placeholders.filter((name) => !substituted.includes(name));
  const unused = substituted.filter((name) => !placeholders.includes(name));
  const problems = [
    ...missing.map((name) => `- \${${name}} is in the definition but not substituted`),
    ...unused.map((name) => `- \${${name}} is substituted but not in the definition`),
  ];
  if (problems.length > 0) {
    throw new Error(`State machine placeholders and substitutions differ:\n${problems.join('\n')}`);
  }
}
