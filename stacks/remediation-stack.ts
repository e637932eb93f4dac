/**
 * The deployed remediation workflow: an EventBridge rule on Security Hub findings starts a Standard
 * state machine whose definition, placeholders and IAM all come from statemachines/ and the catalogue.
 * The approval-gated recreation of notebooks is always part of it: the approval table, the three
 * Security Hub custom actions and the rule that sends their clicks to the custom-action Lambda. What a
 * recreation needs on the notebook's side (the bucket its data is copied to, the backup and restore
 * lifecycle configurations) is the member stack's, in the notebook's own account and Region.
 *
 * This stack is the composition: the configuration, the alert topic and the lock table, and the
 * constructs that hold the rest, wired together:
 *
 * - EncryptionKey (encryption-key.ts): the customer managed key and its service key policy;
 * - NotebookBackupBucket (the snapshots of resources other than notebooks), ApprovalTable,
 *   SecurityHubCustomActions, PrivateNotebookNetwork: what the approval-gated changes need;
 * - RemediationFunctions (remediation-functions.ts): the five Lambda functions, logs and roles
 *   (remediation-function.ts), and the custom-action function's on-failure queue
 *   (custom-action-function.ts);
 * - RemediationWorkflow (remediation-workflow.ts): the state machine, its role (state-machine-role.ts)
 *   and log group;
 * - FindingIntake (finding-intake.ts): the EventBridge rules and their dead-letter queue;
 * - RemediationAlarms (remediation-alarms.ts): the alarms on the alert topic.
 */
import { CfnOutput, type CfnResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import { type ControlId, controlsInScope, resolveModes } from '../handlers/shared/controls-catalogue.js';
import { notebookDataBucketName } from '../handlers/shared/notebook-data-placement.js';
import { IN_PLACE_LOCK_SECONDS } from '../handlers/shared/work-budget.js';
import { LOCK_EXPIRY_ATTRIBUTE, LOCK_TABLE_KEY } from '../statemachines/lock-table.js';
import { ApprovalOperatorPolicy } from './approval-operator-policy.js';
import { ApprovalTable } from './approval-table.js';
import { APPROVAL_CONTROL_IDS, AwaitingApprovalInsight } from './awaiting-approval-insight.js';
import {
  definitionOptionsFor,
  loadConfiguration,
  type RemediationConfiguration,
  toRuntimeSettings,
} from './configuration.js';
import { EncryptionKey } from './encryption-key.js';
import { ExecutionCleanup } from './execution-cleanup.js';
import { FindingIntake } from './finding-intake.js';
import { NotebookBackupBucket } from './notebook-backup-bucket.js';
import { OperationsDashboard } from './operations-dashboard.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import { PrivateNotebookNetwork } from './private-notebook-network.js';
import { RemediationAlarms } from './remediation-alarms.js';
import { RemediationFunctions } from './remediation-functions.js';
import { RemediationWorkflow } from './remediation-workflow.js';
import { RestoreOperatorPolicy } from './restore-operator-policy.js';
import { SecurityHubCustomActions } from './security-hub-custom-actions.js';
import { StaleRecordSweeper } from './stale-record-sweeper.js';

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
   * approval tables and the resource snapshots.
   */
  public readonly encryptionKey: Key;
  /** Remediation outcomes and operational alarms; subscribed by `alertEmails`. */
  public readonly alertTopic: Topic;
  /** One item per notebook being remediated, so two executions never act on the same notebook. */
  public readonly lockTable: Table;
  /**
   * Snapshots of resources other than notebooks before an approved change (a notebook's go to its
   * member stack's bucket, in its own account and Region).
   */
  public readonly notebookBackups: NotebookBackupBucket;
  /** Recreation plans: their findings, and while one waits, the task token of the waiting execution. */
  public readonly approvalTable: ApprovalTable;
  /** Approve, reject and remediate now, in the Security Hub console. */
  public readonly customActions: SecurityHubCustomActions;
  /** The private network for recreated notebooks, when `recreate.createPrivateNetwork` is set. */
  public readonly privateNetwork: PrivateNotebookNetwork | undefined;
  /** The five Lambda functions with their log groups and roles. */
  public readonly functions: RemediationFunctions;
  /** The state machine with its role and log group. */
  public readonly workflow: RemediationWorkflow;
  /** The EventBridge rules and their dead-letter queue. */
  public readonly intake: FindingIntake;
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
  /** Sends each matching Security Hub finding to the finding buffer, which starts the state machine. */
  public readonly findingRule: Rule;
  /** Sends this deployment's custom-action events to the custom-action Lambda. */
  public readonly customActionRule: Rule;
  /** Events EventBridge could not deliver (findings to the state machine, clicks to the Lambda) after its retries. */
  public readonly deadLetterQueue: Queue;
  /** Custom-action clicks that reached the Lambda but still failed after its retries, each with its event. */
  public readonly customActionFailureQueue: Queue;
  /** Every alarm, each publishing to the alert topic. */
  public readonly alarms: readonly Alarm[];
  /** Cleans up after executions that ended without their own failure handling (stopped, timed out). */
  public readonly executionCleanup: ExecutionCleanup;
  /** Clears, every 15 minutes, the locks and waiting plans no running execution holds. */
  public readonly staleRecordSweeper: StaleRecordSweeper;
  /** Counts every outcome on the alert topic as custom metrics (EMF), for the dashboard. */
  public readonly outcomeRecorder: OutcomeRecorder;
  /** Outcomes, time to remediate, approvals waiting, executions and dead letters (docs/operations.md). */
  public readonly operationsDashboard: OperationsDashboard;
  /** The Security Hub insight of findings awaiting approval; none when every approval control is off. */
  public readonly awaitingApprovalInsight: AwaitingApprovalInsight | undefined;

  constructor(scope: Construct, id: string, props: SageMakerRemediationStackProps) {
    super(scope, id, props);
    const configuration = loadConfiguration(props.configuration);
    this.configuration = configuration;
    const logRetention = configuration.logRetentionDays as RetentionDays;
    const modes = resolveModes(configuration.modes);

    const encryption = new EncryptionKey(this, 'EncryptionKey');
    this.encryptionKey = encryption.key;

    this.alertTopic = new Topic(this, 'AlertTopic', {
      displayName: 'SageMaker remediation',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
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
    // '' means the built-in ids; the construct wants the prop left out then.
    const idPrefix = configuration.customActions.idPrefix;
    this.customActions = new SecurityHubCustomActions(this, 'CustomActions', idPrefix ? { idPrefix } : {});

    // For users without a private network: one for recreated notebooks, with the endpoints they need.
    const privateNetwork = configuration.recreate.createPrivateNetwork
      ? new PrivateNotebookNetwork(this, 'PrivateNotebookNetwork', {
          flowLogRetention: logRetention,
          flowLogKey: this.encryptionKey,
        })
      : undefined;
    this.privateNetwork = privateNetwork;

    // The execution timeout includes the approval window (the lock lifetime does not).
    const definitionOptions = definitionOptionsFor(configuration);

    // One settings document for every Lambda that reads REMEDIATION_SETTINGS.
    const settings = toRuntimeSettings(configuration, {
      accountId: this.account,
      region: this.region,
      lockTableName: this.lockTable.tableName,
      // An in-place fix's lock; a recreation's lapses with its execution (work-budget.ts).
      lockSeconds: IN_PLACE_LOCK_SECONDS,
      recreate: {
        backupBucket: backupBucket.bucketName,
        approvalTableName: approvalTable.tableName,
        ...(privateNetwork
          ? {
              privateNetwork: {
                subnetId: privateNetwork.subnetIds[0] as string,
                securityGroupIds: [privateNetwork.securityGroupId],
              },
            }
          : {}),
      },
    });

    this.functions = new RemediationFunctions(this, 'Functions', {
      encryptionKey: this.encryptionKey,
      logRetention,
      settings,
      lockTable: this.lockTable,
      approvalTable,
      notebookBackups: this.notebookBackups,
    });
    const functions = this.functions;
    // Made before the state machine, which invokes it; it watches the state machine once that exists.
    this.executionCleanup = new ExecutionCleanup(this, 'ExecutionCleanup', {
      encryptionKey: this.encryptionKey,
      logRetention,
      settings,
      lockTable: this.lockTable,
      approvalTable,
    });
    const cleanup = this.executionCleanup;

    this.workflow = new RemediationWorkflow(this, 'Workflow', {
      definitionOptions,
      functions: {
        planRemediation: functions.planRemediation.fn,
        reportFailure: functions.reportFailure.fn,
        snapshotNotebook: functions.snapshotNotebook.fn,
        verifyRecreation: functions.verifyRecreation.fn,
        planCleanup: cleanup.planCleanup.fn,
        verifyResource: functions.verifyResource.fn,
        snapshotResource: functions.snapshotResource.fn,
        changeResource: functions.changeResource.fn,
        memberApiCall: functions.memberApiCall.fn,
      },
      memberRoleName: configuration.members.roleName,
      alertTopic: this.alertTopic,
      lockTable: this.lockTable,
      approvalTable,
      encryptionKey: this.encryptionKey,
      logRetention,
      recreateTargets: configuration.recreate.targets,
    });
    const stateMachine = this.workflow.stateMachine;
    // Kept before anything names its executions: the cdk-nag acknowledgements of those wildcards
    // (wildcardResourceFinding) are computed from the logical ID as it is when they are made.
    keepLogicalIds([[stateMachine, 'RemediationStateMachine769D94C7']]);
    cleanup.watch(stateMachine);

    // After the state machine, whose ARN it is given (the state machine does not reference it).
    const customAction = functions.addCustomActionFunction({
      stateMachine,
      actionArns: this.customActions.actionArns,
      modes,
    });

    // A lock or plan whose execution has ended is taken over at once, or swept on a schedule.
    functions.allowLockTakeover(stateMachine);
    this.staleRecordSweeper = new StaleRecordSweeper(this, 'StaleRecordSweeper', {
      stateMachine,
      lockTable: this.lockTable,
      approvalTable,
      alertTopic: this.alertTopic,
      encryptionKey: this.encryptionKey,
      logRetention,
    });

    this.intake = new FindingIntake(this, 'FindingIntake', {
      stateMachine,
      modes,
      customActionFunction: customAction.fn,
      customActionArns: Object.values(this.customActions.actionArns),
      encryptionKey: this.encryptionKey,
      logRetention,
      concurrencyPerAccountRegion: configuration.intake.concurrencyPerAccountRegion,
    });

    const alarms = new RemediationAlarms(this, 'Alarms', {
      alertTopic: this.alertTopic,
      stateMachine,
      deadLetterQueue: this.intake.deadLetterQueue,
      customActionFailureQueue: customAction.failureQueue,
      findingBuffer: {
        deadLetterQueue: this.intake.buffer.deadLetterQueue,
        starter: this.intake.buffer.starter.fn,
      },
      functions: {
        planRemediation: functions.planRemediation.fn,
        reportFailure: functions.reportFailure.fn,
        snapshotNotebook: functions.snapshotNotebook.fn,
        verifyRecreation: functions.verifyRecreation.fn,
        verifyResource: functions.verifyResource.fn,
        snapshotResource: functions.snapshotResource.fn,
        changeResource: functions.changeResource.fn,
        customAction: customAction.fn,
        planCleanup: cleanup.planCleanup.fn,
      },
    });

    // What operators see (docs/operations.md): the outcomes counted off the alert topic, the dashboard
    // over them and the dead-letter queues, and the insight of the findings that wait for approval.
    this.outcomeRecorder = new OutcomeRecorder(this, 'OutcomeRecorder', {
      alertTopic: this.alertTopic,
      stateMachine,
      encryptionKey: this.encryptionKey,
      logRetention,
    });
    this.operationsDashboard = new OperationsDashboard(this, 'OperationsDashboard', {
      stateMachine,
      controls: controlsInScope(modes),
      deadLetterQueues: [
        { label: 'Events EventBridge could not deliver', queue: this.intake.deadLetterQueue },
        { label: 'Custom-action clicks that failed', queue: customAction.failureQueue },
        { label: 'Findings that never started', queue: this.intake.buffer.deadLetterQueue },
      ],
    });
    const approvalControls = APPROVAL_CONTROL_IDS.filter((id) => modes[id as ControlId] !== 'off');
    this.awaitingApprovalInsight =
      approvalControls.length > 0
        ? new AwaitingApprovalInsight(this, 'AwaitingApprovalInsight', { controls: approvalControls })
        : undefined;

    this.planRemediationFunction = functions.planRemediation.fn;
    this.planRemediationLogGroup = functions.planRemediation.logGroup;
    this.reportFailureFunction = functions.reportFailure.fn;
    this.reportFailureLogGroup = functions.reportFailure.logGroup;
    this.snapshotNotebookFunction = functions.snapshotNotebook.fn;
    this.snapshotNotebookLogGroup = functions.snapshotNotebook.logGroup;
    this.verifyRecreationFunction = functions.verifyRecreation.fn;
    this.verifyRecreationLogGroup = functions.verifyRecreation.logGroup;
    this.customActionFunction = customAction.fn;
    this.customActionLogGroup = customAction.logGroup;
    this.stateMachine = stateMachine;
    this.stateMachineRole = this.workflow.role;
    this.stateMachineLogGroup = this.workflow.logGroup;
    this.findingRule = this.intake.findingRule;
    this.customActionRule = this.intake.customActionRule;
    this.deadLetterQueue = this.intake.deadLetterQueue;
    this.customActionFailureQueue = customAction.failureQueue;
    // The sweeper's alarm is its own construct's; it publishes to the same topic.
    this.alarms = [...alarms.alarms, this.staleRecordSweeper.errorsAlarm, this.outcomeRecorder.errorsAlarm];

    keepLogicalIds([
      [this.encryptionKey, 'EncryptionKey1B843E66'],
      [this.planRemediationLogGroup, 'PlanRemediationLogs1804686B'],
      [this.reportFailureLogGroup, 'ReportFailureLogsB4FDED6C'],
      [this.snapshotNotebookLogGroup, 'SnapshotNotebookLogsCD389F27'],
      [this.verifyRecreationLogGroup, 'VerifyRecreationLogs12314862'],
      [this.customActionLogGroup, 'CustomActionLogsBC1DA5E5'],
      [this.stateMachineLogGroup, 'StateMachineLogs3CB16D3C'],
      [this.deadLetterQueue, 'FindingRuleDeadLetterQueueE77181A8'],
      // The queue's policy: its TLS-only statement and EventBridge's permission to send dead letters.
      [this.deadLetterQueue.node.tryFindChild('Policy'), 'FindingRuleDeadLetterQueuePolicy7B50095B'],
      [this.stateMachineRole, 'StateMachineRole78EC082E'],
      [this.planRemediationFunction, 'PlanRemediationF7CBB810'],
      [this.reportFailureFunction, 'ReportFailure85F407E6'],
      [this.snapshotNotebookFunction, 'SnapshotNotebook1CF2787C'],
      [this.verifyRecreationFunction, 'VerifyRecreation03AE769D'],
    ]);

    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alertTopic.topicArn });
    new CfnOutput(this, 'LockTableName', { value: this.lockTable.tableName });
    new CfnOutput(this, 'NotebookBackupBucketName', { value: backupBucket.bucketName });
    new CfnOutput(this, 'ApprovalTableName', { value: approvalTable.tableName });
    new CfnOutput(this, 'CustomActionFailureQueueUrl', {
      description: 'Failed custom-action clicks, each message with its event: see CustomActionFailuresAlarm.',
      value: this.customActionFailureQueue.queueUrl,
    });

    // For the operators who run bin/restore-notebook.ts and bin/restore-resource.ts (docs/restore.md).
    const restoreOperator = new RestoreOperatorPolicy(this, 'RestoreOperator', {
      notebookBackups: this.notebookBackups,
      // This account's own notebooks: the member stack deployed here keeps their snapshots.
      notebookDataBucketName: notebookDataBucketName(configuration.members.dataBucketPrefix, {
        accountId: this.account,
        region: this.region,
      }),
      memberRoleName: configuration.members.roleName,
    });
    new CfnOutput(this, 'RestoreOperatorPolicyArn', {
      description: 'Attach to the role that runs bin/restore-notebook.ts (docs/restore.md).',
      value: restoreOperator.policy.managedPolicyArn,
    });
    new CfnOutput(this, 'RestoreResourceOperatorPolicyArn', {
      description: 'Attach to the role that runs bin/restore-resource.ts (docs/restore.md).',
      value: restoreOperator.resourcePolicy.managedPolicyArn,
    });
    // For the approvers who run bin/approvals.ts (docs/custom-actions.md).
    const approvalOperator = new ApprovalOperatorPolicy(this, 'ApprovalOperator', {
      approvalTable,
      encryptionKey: this.encryptionKey,
    });
    new CfnOutput(this, 'ApprovalOperatorPolicyArn', {
      description: 'Attach to the role that runs bin/approvals.ts (docs/custom-actions.md).',
      value: approvalOperator.policy.managedPolicyArn,
    });
  }
}

/**
 * Gives resources that moved into a construct the logical ID they had when the stack defined them
 * itself, because CloudFormation replaces a resource whose logical ID changes, and for these that
 * would lose data or break what is running: the KMS key encrypts everything stored (a new key would
 * orphan the retained old one), the log groups are the retained audit trail (a new one would start
 * empty beside the orphaned old one), the dead-letter queue holds undelivered events and its policy
 * is a property of the queue (a replaced QueuePolicy deletes the queue's policy after the new one was
 * set), and running executions, which wait up to the approval window, keep using the state machine,
 * role and function ARNs they started with and fail once those are deleted. Resources that did not
 * move (the topic, the tables, the buckets, the custom actions) keep theirs unaided; test/infra/logical-ids.test.ts holds every one of them.
 */
function keepLogicalIds(resources: ReadonlyArray<readonly [IConstruct | undefined, string]>): void {
  for (const [construct, logicalId] of resources) {
    const resource = (construct?.node.defaultChild ?? construct) as CfnResource | undefined;
    if (!resource || typeof resource.overrideLogicalId !== 'function') {
      throw new Error(`cannot keep logical ID ${logicalId}: no CloudFormation resource to give it to`);
    }
    resource.overrideLogicalId(logicalId);
  }
}
