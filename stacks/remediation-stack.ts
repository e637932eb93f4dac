/**
 * The deployed remediation workflow: an EventBridge rule on Security Hub findings starts a Standard
 * state machine whose definition, placeholders and IAM all come from statemachines/ and the catalogue.
 * The approval-gated recreation of notebooks is always part of it: the snapshot bucket, the approval
 * table, the backup and restore lifecycle configurations, the three Security Hub custom actions and
 * the rule that sends their clicks to the custom-action Lambda.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnNotebookInstanceLifecycleConfig } from 'aws-cdk-lib/aws-sagemaker';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { resolveModes } from '../handlers/shared/controls-catalogue.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  type CustomActionSettingsInput,
} from '../handlers/shared/custom-action-settings.js';
import type { Annotation } from '../handlers/shared/remediation-plan.js';
import { SETTINGS_ENVIRONMENT_VARIABLE } from '../handlers/shared/runtime-settings.js';
import {
  backupOnStartScript,
  restoreOnCreateScript,
  toLifecycleContent,
} from '../lifecycle/lifecycle-scripts.js';
import { placeholdersIn } from '../statemachines/amazon-states-language.js';
import { LOCK_EXPIRY_ATTRIBUTE, LOCK_TABLE_KEY } from '../statemachines/lock-table.js';
import {
  buildRemediationDefinition,
  executionTimeoutSeconds,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../statemachines/remediation-definition.js';
import { ApprovalTable } from './approval-table.js';
import {
  definitionOptionsFor,
  loadConfiguration,
  type RemediationConfiguration,
  toRuntimeSettings,
} from './configuration.js';
import { buildCustomActionEventPattern } from './custom-action-event-pattern.js';
import { buildFindingEventPattern } from './finding-event-pattern.js';
import {
  LAMBDA_BUNDLING,
  LAMBDA_NODE_MAJOR_VERSION,
  type LambdaHandlerSource,
  lambdaHandler,
} from './lambda-bundling.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { ALL_NOTEBOOK_ROLES_PREFIX, NotebookBackupBucket } from './notebook-backup-bucket.js';
import { PrivateNotebookNetwork } from './private-notebook-network.js';
import { LIFECYCLE_CONFIG_PURPOSES, lifecycleConfigName, volumeKeyArns } from './recreation-resources.js';
import { SecurityHubCustomActions } from './security-hub-custom-actions.js';
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
  /**
   * Customer managed key (rotated yearly) of the topic, the queue, the log groups, the lock and
   * approval tables and the notebook snapshots.
   */
  public readonly encryptionKey: Key;
  /** Remediation outcomes and operational alarms; subscribed by `alertEmails`. */
  public readonly alertTopic: Topic;
  /** One item per notebook being remediated, so two executions never act on the same notebook. */
  public readonly lockTable: Table;
  /** Snapshots (configuration and data) of notebooks before they are deleted and recreated. */
  public readonly notebookBackups: NotebookBackupBucket;
  /** Pending approvals of recreation plans, with the task token of the waiting execution. */
  public readonly approvalTable: ApprovalTable;
  /** Attached while a notebook's volume is copied to the snapshot bucket (OnStart). */
  public readonly backupLifecycleConfig: CfnNotebookInstanceLifecycleConfig;
  /** The recreated notebook starts with it, to copy the data back (OnCreate). */
  public readonly restoreLifecycleConfig: CfnNotebookInstanceLifecycleConfig;
  /** Approve, reject and remediate now, in the Security Hub console. */
  public readonly customActions: SecurityHubCustomActions;
  /** The private network for recreated notebooks, when `recreate.createPrivateNetwork` is set. */
  public readonly privateNetwork: PrivateNotebookNetwork | undefined;
  public readonly planRemediationFunction: NodejsFunction;
  public readonly planRemediationLogGroup: LogGroup;
  public readonly reportFailureFunction: NodejsFunction;
  public readonly reportFailureLogGroup: LogGroup;
  public readonly snapshotNotebookFunction: NodejsFunction;
  public readonly snapshotNotebookLogGroup: LogGroup;
  public readonly verifyRecreationFunction: NodejsFunction;
  public readonly verifyRecreationLogGroup: LogGroup;
  public readonly customActionFunction: NodejsFunction;
  public readonly customActionLogGroup: LogGroup;
  public readonly stateMachine: StateMachine;
  public readonly stateMachineRole: Role;
  public readonly stateMachineLogGroup: LogGroup;
  /** Starts the state machine on each matching Security Hub finding. */
  public readonly findingRule: Rule;
  public readonly findingRuleRole: Role;
  /** Sends this deployment's custom-action events to the custom-action Lambda. */
  public readonly customActionRule: Rule;
  /** Events EventBridge could not deliver (findings to the state machine, clicks to the Lambda) after its retries. */
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
        'Encrypts the SageMaker remediation alert topic, dead-letter queue, log groups, lock and approval tables, and notebook snapshots.',
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

    // The approval-gated recreation is always deployed: without a recreate target for this account
    // and region, its plans end in a finding note saying exactly what to configure.
    this.notebookBackups = new NotebookBackupBucket(this, 'NotebookBackups', {
      encryptionKey: this.encryptionKey,
    });
    const backupBucket = this.notebookBackups.bucket;
    this.approvalTable = new ApprovalTable(this, 'ApprovalTable', { encryptionKey: this.encryptionKey });
    const approvalTable = this.approvalTable.table;
    this.backupLifecycleConfig = new CfnNotebookInstanceLifecycleConfig(this, 'BackupLifecycleConfig', {
      notebookInstanceLifecycleConfigName: lifecycleConfigName(
        this.stackNameForResources(),
        LIFECYCLE_CONFIG_PURPOSES.backup,
      ),
      onStart: [{ content: toLifecycleContent(backupOnStartScript(backupBucket.bucketName)) }],
    });
    this.restoreLifecycleConfig = new CfnNotebookInstanceLifecycleConfig(this, 'RestoreLifecycleConfig', {
      notebookInstanceLifecycleConfigName: lifecycleConfigName(
        this.stackNameForResources(),
        LIFECYCLE_CONFIG_PURPOSES.restore,
      ),
      onCreate: [{ content: toLifecycleContent(restoreOnCreateScript(backupBucket.bucketName)) }],
    });
    this.customActions = new SecurityHubCustomActions(this, 'CustomActions');

    // The execution timeout, and so the lock lifetime, includes the approval window.
    const definitionOptions = definitionOptionsFor(configuration);
    const timeoutSeconds = executionTimeoutSeconds(definitionOptions);

    const notebookInstanceArn = this.formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance',
      resourceName: '*',
    });
    const notebookInstanceArns = [notebookInstanceArn];
    const snapshotObjectsArn = backupBucket.arnForObjects(ALL_NOTEBOOK_ROLES_PREFIX);
    const s3ViaService = `s3.${this.region}.${this.urlSuffix}`;
    const dynamodbViaService = `dynamodb.${this.region}.${this.urlSuffix}`;

    // For users without a private network: one for recreated notebooks, with the endpoints they need.
    const privateNetwork = configuration.recreate.createPrivateNetwork
      ? new PrivateNotebookNetwork(this, 'PrivateNotebookNetwork', {
          flowLogRetention: retention as RetentionDays,
          flowLogKey: this.encryptionKey,
        })
      : undefined;
    this.privateNetwork = privateNetwork;

    // One settings document for every Lambda that reads REMEDIATION_SETTINGS. The lifecycle names
    // are the resources' own attributes, so nothing can use them before the configurations exist.
    const remediationSettings = this.toJsonString(
      toRuntimeSettings(configuration, {
        accountId: this.account,
        region: this.region,
        lockTableName: this.lockTable.tableName,
        lockSeconds: timeoutSeconds,
        recreate: {
          backupBucket: backupBucket.bucketName,
          approvalTableName: approvalTable.tableName,
          backupLifecycleConfigName: this.backupLifecycleConfig.attrNotebookInstanceLifecycleConfigName,
          restoreLifecycleConfigName: this.restoreLifecycleConfig.attrNotebookInstanceLifecycleConfigName,
          ...(privateNetwork
            ? {
                privateNetwork: {
                  subnetId: privateNetwork.subnetIds[0] as string,
                  securityGroupIds: [privateNetwork.securityGroupId],
                },
              }
            : {}),
        },
      }),
    );

    const plan = this.createFunction(lambdaHandler('plan-remediation'), {
      description: 'Plans the remediation of one Security Hub finding: mode, exemption tag, dry run, lock.',
      timeout: Duration.seconds(60),
      retention,
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
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
          conditions: { StringEquals: { 'kms:ViaService': dynamodbViaService } },
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

    const lifecycleConfigArn = this.formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance-lifecycle-config',
      resourceName: '*',
    });
    const codeRepositoryArn = this.formatArn({
      service: 'sagemaker',
      resource: 'code-repository',
      resourceName: '*',
    });
    const accountRolesArn = this.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: '*',
    });
    const snapshot = this.createFunction(lambdaHandler('snapshot-notebook'), {
      description:
        'Snapshots an approved notebook before it is recreated: configuration.json written, read back and verified; backup and restore requests.',
      timeout: Duration.seconds(120),
      retention,
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      statements: [
        new PolicyStatement({
          sid: 'DescribeNotebooks',
          actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:ListTags'],
          resources: notebookInstanceArns,
        }),
        new PolicyStatement({
          sid: 'ReadLifecycleConfigs',
          actions: ['sagemaker:DescribeNotebookInstanceLifecycleConfig'],
          resources: [lifecycleConfigArn],
        }),
        new PolicyStatement({
          sid: 'ReadCodeRepositories',
          actions: ['sagemaker:DescribeCodeRepository'],
          resources: [codeRepositoryArn],
        }),
        new PolicyStatement({
          sid: 'ReadNotebookRoleIds',
          actions: ['iam:GetRole'],
          resources: [accountRolesArn],
        }),
      ],
    });
    this.snapshotNotebookFunction = snapshot.fn;
    this.snapshotNotebookLogGroup = snapshot.logGroup;
    // roles/* objects (GetObject, PutObject), listing under roles/, and the key through S3 on this bucket.
    this.notebookBackups.grantWorkflowAccess(snapshot.role);
    acknowledge(
      snapshot.role,
      wildcardResourceFinding(this, notebookInstanceArn),
      'The notebook to snapshot is only known at run time; the wildcard is limited to notebook instances of this account and region, and the actions to read-only DescribeNotebookInstance and ListTags.',
    );
    acknowledge(
      snapshot.role,
      wildcardResourceFinding(this, lifecycleConfigArn),
      "The notebook's lifecycle configuration is only known at run time; read-only DescribeNotebookInstanceLifecycleConfig, on lifecycle configurations of this account and region.",
    );
    acknowledge(
      snapshot.role,
      wildcardResourceFinding(this, codeRepositoryArn),
      "The notebook's code repositories are only known at run time; read-only DescribeCodeRepository, on code repositories of this account and region.",
    );
    acknowledge(
      snapshot.role,
      wildcardResourceFinding(this, accountRolesArn),
      "Any role of the account may be a notebook's; read-only iam:GetRole gives its role id, which names the notebook's prefix in the snapshot bucket.",
    );

    const verify = this.createFunction(lambdaHandler('verify-recreation'), {
      description:
        'Verifies a recreated notebook: settings as planned, every file restored with the same size and checksum.',
      timeout: Duration.seconds(120),
      retention,
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      statements: [
        new PolicyStatement({
          sid: 'DescribeNotebooks',
          actions: ['sagemaker:DescribeNotebookInstance'],
          resources: notebookInstanceArns,
        }),
        new PolicyStatement({
          sid: 'ReadSnapshots',
          actions: ['s3:GetObject'],
          resources: [snapshotObjectsArn],
        }),
        new PolicyStatement({
          sid: 'ListSnapshots',
          actions: ['s3:ListBucket'],
          resources: [backupBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [ALL_NOTEBOOK_ROLES_PREFIX] } },
        }),
        new PolicyStatement({
          sid: 'SnapshotKey',
          actions: ['kms:Decrypt'],
          resources: [this.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': s3ViaService,
              'kms:EncryptionContext:aws:s3:arn': backupBucket.bucketArn,
            },
          },
        }),
      ],
    });
    this.verifyRecreationFunction = verify.fn;
    this.verifyRecreationLogGroup = verify.logGroup;
    acknowledge(
      verify.role,
      wildcardResourceFinding(this, notebookInstanceArn),
      'The recreated notebook is only known at run time; the wildcard is limited to notebook instances of this account and region, and the action to read-only DescribeNotebookInstance.',
    );
    acknowledge(
      verify.role,
      wildcardResourceFinding(this, snapshotObjectsArn),
      "The snapshot to verify is under the notebook role's prefix, only known at run time; read-only GetObject, limited to the roles/ prefix of the snapshot bucket.",
    );

    const definition = buildRemediationDefinition(definitionOptions);
    const lambdaFunctions: Record<string, string> = {
      [PLACEHOLDERS.planFunctionArn]: plan.fn.functionArn,
      [PLACEHOLDERS.reportFailureFunctionArn]: report.fn.functionArn,
      [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: snapshot.fn.functionArn,
      [RECREATE_PLACEHOLDERS.verifyFunctionArn]: verify.fn.functionArn,
    };
    const definitionSubstitutions: Record<string, string> = {
      ...lambdaFunctions,
      [PLACEHOLDERS.alertTopicArn]: this.alertTopic.topicArn,
      [PLACEHOLDERS.lockTableName]: this.lockTable.tableName,
      [RECREATE_PLACEHOLDERS.approvalTableName]: approvalTable.tableName,
      [RECREATE_PLACEHOLDERS.backupBucketName]: backupBucket.bucketName,
      [RECREATE_PLACEHOLDERS.backupLifecycleConfigName]:
        this.backupLifecycleConfig.attrNotebookInstanceLifecycleConfigName,
    };
    assertSubstitutionsMatch(placeholdersIn(definition), Object.keys(definitionSubstitutions));

    const scopes: StateMachineScopes = {
      services: {
        sagemaker: {
          resources: notebookInstanceArns,
          // The workflow only ever disables root access and direct internet access: it can never be
          // used to enable either (CreateNotebookInstance is also denied below when it omits them).
          conditions: {
            StringEqualsIfExists: {
              'sagemaker:RootAccess': 'Disabled',
              'sagemaker:DirectInternetAccess': 'Disabled',
            },
          },
        },
        securityhub: {
          // The Service Authorization Reference lists `hub` as BatchUpdateFindings' resource type.
          resources: [this.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          conditions: {
            StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': [...WORKFLOW_STATUSES_WRITTEN] },
          },
        },
        sns: { resources: [this.alertTopic.topicArn], kmsKeyArn: this.encryptionKey.keyArn },
        dynamodb: {
          resources: [this.lockTable.tableArn, approvalTable.tableArn],
          kmsKeyArn: this.encryptionKey.keyArn,
        },
        // The data and restore manifests the lifecycle scripts write last.
        s3: { resources: [snapshotObjectsArn], kmsKeyArn: this.encryptionKey.keyArn },
      },
      lambdaFunctions,
      kmsViaService: { region: this.region, urlSuffix: this.urlSuffix },
    };

    this.stateMachineRole = new Role(this, 'StateMachineRole', {
      description:
        'Remediation state machine: the Task permissions derived from its definition, and what those calls need besides.',
      assumedBy: new ServicePrincipal('states.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
      inlinePolicies: {
        RemediationTasks: new PolicyDocument({
          statements: deriveStateMachineStatements(definition, scopes).map((statement) =>
            PolicyStatement.fromJson(statement),
          ),
        }),
        RecreationDependencies: new PolicyDocument({
          statements: this.recreationDependencies(notebookInstanceArn, backupBucket.bucketArn),
        }),
      },
    });
    acknowledge(
      this.stateMachineRole,
      wildcardResourceFinding(this, notebookInstanceArn),
      'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and region, Update and Create to RootAccess and DirectInternetAccess Disabled by condition, and AddTags to tagging on create.',
    );
    acknowledge(
      this.stateMachineRole,
      wildcardResourceFinding(this, snapshotObjectsArn),
      "The manifests the workflow waits for are under the notebook role's prefix, only known at run time; read-only GetObject, limited to the roles/ prefix of the snapshot bucket.",
    );
    acknowledge(
      this.stateMachineRole,
      wildcardResourceFinding(this, accountRolesArn),
      "CreateNotebookInstance passes the recreated notebook's own role, which may be any role of the account; PassRole is limited by iam:PassedToService to SageMaker.",
    );
    acknowledge(
      this.stateMachineRole,
      wildcardResourceFinding(this, this.existingNotebookKeysArn()),
      'A notebook recreated without a configured key keeps its own customer-managed key, which no configuration names; CreateGrant and DescribeKey are limited to requests SageMaker makes (kms:ViaService), and grants to AWS resources.',
    );
    for (const [resource, what] of [
      [
        'network-interface',
        'the network interface SageMaker creates for the notebook (its id does not exist yet) and deletes with the old one',
      ],
      ['subnet', "the notebook's subnet (the configured one, or the one it keeps)"],
      ['security-group', "the notebook's security groups (the configured ones, or the ones it keeps)"],
    ] as const) {
      acknowledge(
        this.stateMachineRole,
        wildcardResourceFinding(this, this.ec2Arn(resource)),
        `The SageMaker API permissions reference requires the caller of CreateNotebookInstance with a VPC to be allowed ec2:CreateNetworkInterface (and DeleteNotebookInstance ec2:DeleteNetworkInterface); the wildcard covers ${what}, in this account and region.`,
      );
    }
    acknowledge(
      this.stateMachineRole,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for X-Ray tracing (xray:PutTraceSegments and related) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and related), and ec2:DescribeSecurityGroups, DescribeSubnets and DescribeVpcs (which CreateNotebookInstance in a VPC needs), none of which support resource-level permissions.',
    );

    this.stateMachineLogGroup = new LogGroup(this, 'StateMachineLogs', {
      retention,
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new StateMachine(this, 'RemediationStateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: definition.Comment,
      // The definition carries its own TimeoutSeconds (executionTimeoutSeconds), also the lock lifetime.
      definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
      definitionSubstitutions,
      role: this.stateMachineRole,
      logs: { destination: this.stateMachineLogGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    // The state machine does not reference this Lambda, so its ARN in the Lambda's settings and
    // policy makes no dependency cycle: the Lambda simply deploys after the state machine.
    const customActionSettings: CustomActionSettingsInput = {
      accountId: this.account,
      region: this.region,
      actionArns: { ...this.customActions.actionArns },
      approvalTableName: approvalTable.tableName,
      stateMachineArn: this.stateMachine.stateMachineArn,
      modes: resolveModes(configuration.modes),
    };
    const customAction = this.createFunction(lambdaHandler('custom-action'), {
      description:
        'Answers the Security Hub custom actions: approve or reject a pending recreation, or remediate a finding now.',
      timeout: Duration.seconds(60),
      retention,
      environment: { [CUSTOM_ACTION_SETTINGS_VARIABLE]: this.toJsonString(customActionSettings) },
      statements: [
        new PolicyStatement({
          sid: 'ApprovalRecords',
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resources: [approvalTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'ApprovalTableKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': dynamodbViaService } },
        }),
        new PolicyStatement({
          sid: 'AnswerAndStartExecutions',
          actions: ['states:SendTaskFailure', 'states:SendTaskSuccess', 'states:StartExecution'],
          resources: [this.stateMachine.stateMachineArn],
        }),
        new PolicyStatement({
          sid: 'NoteFindings',
          actions: ['securityhub:BatchUpdateFindings'],
          resources: [this.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          // The key is absent unless the request sets Workflow.Status (Security Hub user guide,
          // "Disallowing all updates to a field"): notes only, never a workflow status change.
          conditions: { Null: { 'securityhub:ASFFSyntaxPath/Workflow.Status': 'true' } },
        }),
      ],
    });
    this.customActionFunction = customAction.fn;
    this.customActionLogGroup = customAction.logGroup;

    this.deadLetterQueue = new Queue(this, 'FindingRuleDeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
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

    this.customActionRule = new Rule(this, 'CustomActionRule', {
      description: "This deployment's Security Hub custom actions: approve, reject, remediate now.",
      eventPattern: toCdkEventPattern(
        buildCustomActionEventPattern(Object.values(this.customActions.actionArns)),
      ),
    });
    this.customActionRule.addTarget(
      new LambdaFunction(customAction.fn, {
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
        'EventBridge could not deliver a finding to the state machine, or a custom-action click to its Lambda: see the dead-letter queue.',
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
      this.alarmOnAnyOccurrence(
        'SnapshotNotebookErrorsAlarm',
        snapshot.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        'The snapshot Lambda failed: an approved recreation stopped before anything was deleted.',
      ),
      this.alarmOnAnyOccurrence(
        'VerifyRecreationErrorsAlarm',
        verify.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        'The verification Lambda failed: a recreated notebook could not be verified; the alert gives the restore command.',
      ),
      this.alarmOnAnyOccurrence(
        'CustomActionErrorsAlarm',
        customAction.fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        'The custom-action Lambda failed: an approve, reject or remediate-now click may not have taken effect.',
      ),
    ];

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alertTopic.topicArn });
    new CfnOutput(this, 'LockTableName', { value: this.lockTable.tableName });
    new CfnOutput(this, 'NotebookBackupBucketName', { value: backupBucket.bucketName });
    new CfnOutput(this, 'ApprovalTableName', { value: approvalTable.tableName });
  }

  /**
   * What the state machine's SageMaker calls need besides their own actions, which the derivation
   * from the definition cannot know (see docs/configuration.md for the sources).
   */
  private recreationDependencies(notebookInstanceArn: string, backupBucketArn: string): PolicyStatement[] {
    const statements = [
      new PolicyStatement({
        sid: 'PassNotebookRoles',
        actions: ['iam:PassRole'],
        resources: [this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' })],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
      new PolicyStatement({
        sid: 'TagNotebooksOnCreate',
        actions: ['sagemaker:AddTags'],
        resources: [notebookInstanceArn],
        conditions: { StringEquals: { 'sagemaker:TaggingAction': 'CreateNotebookInstance' } },
      }),
      new PolicyStatement({
        sid: 'DenyInternetAccessOnCreate',
        effect: Effect.DENY,
        actions: ['sagemaker:CreateNotebookInstance'],
        resources: ['*'],
        conditions: { StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' } },
      }),
      new PolicyStatement({
        sid: 'DenyRootAccessOnCreate',
        effect: Effect.DENY,
        actions: ['sagemaker:CreateNotebookInstance'],
        resources: ['*'],
        conditions: { StringNotEquals: { 'sagemaker:RootAccess': 'Disabled' } },
      }),
      new PolicyStatement({
        sid: 'ManifestNotFoundIsNoSuchKey',
        actions: ['s3:ListBucket'],
        resources: [backupBucketArn],
      }),
      new PolicyStatement({
        sid: 'CreateNotebookNetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface'],
        resources: [this.ec2Arn('network-interface'), this.ec2Arn('subnet'), this.ec2Arn('security-group')],
      }),
      new PolicyStatement({
        sid: 'DeleteNotebookNetworkInterfaces',
        actions: ['ec2:DeleteNetworkInterface'],
        resources: [this.ec2Arn('network-interface')],
      }),
      new PolicyStatement({
        sid: 'DescribeNotebookNetwork',
        actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
        resources: ['*'],
      }),
    ];
    // A notebook recreated without a configured key keeps its own: SageMaker then needs a grant on
    // that key, which no configuration names. Only through SageMaker, and only for AWS resources.
    const sageMakerViaService = `sagemaker.${this.region}.${this.urlSuffix}`;
    statements.push(
      new PolicyStatement({
        sid: 'GrantExistingNotebookVolumeKeys',
        actions: ['kms:CreateGrant'],
        resources: [this.existingNotebookKeysArn()],
        conditions: {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': sageMakerViaService },
        },
      }),
      new PolicyStatement({
        sid: 'DescribeExistingNotebookVolumeKeys',
        actions: ['kms:DescribeKey'],
        resources: [this.existingNotebookKeysArn()],
        conditions: { StringEquals: { 'kms:ViaService': sageMakerViaService } },
      }),
    );
    const keyArns = volumeKeyArns(this.configuration.recreate.targets, {
      partition: this.partition,
      ...(Token.isUnresolved(this.account) ? {} : { account: this.account }),
      ...(Token.isUnresolved(this.region) ? {} : { region: this.region }),
    });
    if (keyArns.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'GrantNotebookVolumeKeys',
          actions: ['kms:CreateGrant'],
          resources: keyArns,
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        new PolicyStatement({
          sid: 'DescribeNotebookVolumeKeys',
          actions: ['kms:DescribeKey'],
          resources: keyArns,
        }),
      );
    }
    return statements;
  }

  /** Every KMS key of this account and region: the keys notebooks already use are not known in advance. */
  private existingNotebookKeysArn(): string {
    return this.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
  }

  private ec2Arn(resource: 'network-interface' | 'subnet' | 'security-group'): string {
    return this.formatArn({ service: 'ec2', resource, resourceName: '*' });
  }

  /** The stack name, which the names of account-wide resources derive from. */
  private stackNameForResources(): string {
    if (Token.isUnresolved(this.stackName)) {
      throw new Error('the stack name must be known at synthesis: resource names derive from it');
    }
    return this.stackName;
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
      // The enum's values are esbuild's format strings; the benchmark bundles with the same object.
      bundling: { ...LAMBDA_BUNDLING, format: LAMBDA_BUNDLING.format as OutputFormat },
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
