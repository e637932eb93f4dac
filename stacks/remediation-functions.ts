/**
 * The remediation's Lambda functions, each with its own encrypted log group and an explicit role
 * holding exactly the calls it makes: plan-remediation, report-failure, snapshot-notebook and
 * verify-recreation, which the state machine invokes, and custom-action, which answers the Security
 * Hub custom actions.
 *
 * The custom-action function is given the state machine's ARN, and the state machine is given the
 * other four functions' ARNs: so the four are created with the construct, and custom-action by
 * addCustomActionFunction once the state machine exists (the state machine does not reference it, so
 * there is no cycle: the function simply deploys after the state machine).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CONTROL_IDS, type ControlModes } from '../handlers/shared/controls-catalogue.js';
import type { CustomAction } from '../handlers/shared/custom-action-event.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  type CustomActionSettingsInput,
} from '../handlers/shared/custom-action-settings.js';
import {
  type RuntimeSettingsInput,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from '../handlers/shared/runtime-settings.js';
import { logRetentionProblems, sameKeyProblems } from './construct-validation.js';
import {
  LAMBDA_BUNDLING,
  LAMBDA_NODE_MAJOR_VERSION,
  type LambdaHandlerSource,
  lambdaHandler,
} from './lambda-bundling.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { ALL_NOTEBOOK_ROLES_PREFIX, type NotebookBackupBucket } from './notebook-backup-bucket.js';

export interface RemediationFunctionsProps {
  /**
   * Customer managed key of the log groups, which is also the key of the lock table, the approval
   * table and the snapshot bucket: the roles may use it through DynamoDB and S3 only.
   */
  readonly encryptionKey: IKey;
  /**
   * How long every function's log group keeps its events.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
  /**
   * REMEDIATION_SETTINGS of plan-remediation, snapshot-notebook and verify-recreation (one document
   * for the three). It must include `recreate`, name `lockTable` as its lock table and the bucket of
   * `notebookBackups` as its backup bucket: the roles are scoped to those.
   */
  readonly settings: RuntimeSettingsInput;
  /** Per-notebook locks: plan-remediation takes them (PutItem) and releases them (DeleteItem). */
  readonly lockTable: ITable;
  /** Notebook snapshots: snapshot-notebook writes them, verify-recreation reads them. */
  readonly notebookBackups: NotebookBackupBucket;
}

export interface CustomActionFunctionProps {
  /** The remediation state machine: the function answers its approval tasks and starts executions of it. */
  readonly stateMachine: IStateMachine;
  /** Pending approvals: the function reads a plan's record and marks it approved or rejected, once. */
  readonly approvalTable: ITable;
  /** ARN of each of this deployment's custom actions; events of any other action are rejected. */
  readonly actionArns: Readonly<Record<CustomAction, string>>;
  /** Mode of every control, by which Remediate now clicks are judged. */
  readonly modes: ControlModes;
}

/** A function with its own log group and role. */
export interface RemediationFunction {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
}

/** The five remediation Lambda functions, their log groups and their roles. */
export class RemediationFunctions extends Construct {
  /** Plans the remediation of one finding: mode, exemption tag, dry run, lock. */
  public readonly planRemediation: RemediationFunction;
  /** Words the finding note and alert for a failed remediation; makes no AWS calls. */
  public readonly reportFailure: RemediationFunction;
  /** Snapshots an approved notebook (configuration and data requests) before it is recreated. */
  public readonly snapshotNotebook: RemediationFunction;
  /** Verifies a recreated notebook: settings as planned, every file restored. */
  public readonly verifyRecreation: RemediationFunction;
  private readonly encryptionKey: IKey;
  private readonly logRetention: RetentionDays;

  constructor(scope: Construct, id: string, props: RemediationFunctionsProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? RetentionDays.ONE_YEAR;
    const backupBucket = props.notebookBackups.bucket;
    const problems = [
      ...logRetentionProblems('logRetention', logRetention),
      ...(props.settings.lockTableName === props.lockTable.tableName
        ? []
        : ["settings.lockTableName is not lockTable's name: plan-remediation may only use lockTable"]),
      ...(props.settings.recreate === undefined
        ? ['settings.recreate is missing: snapshot-notebook and verify-recreation need it']
        : props.settings.recreate.backupBucket === backupBucket.bucketName
          ? []
          : [
              "settings.recreate.backupBucket is not notebookBackups' bucket: the roles may only use that bucket",
            ]),
      ...sameKeyProblems('lockTable', props.lockTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('notebookBackups', props.notebookBackups.encryptionKey, props.encryptionKey),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid RemediationFunctions '${id}':\n${problems.join('\n')}`);
    }
    this.encryptionKey = props.encryptionKey;
    this.logRetention = logRetention;

    const stack = Stack.of(this);
    const notebookInstanceArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance',
      resourceName: '*',
    });
    const notebookInstanceArns = [notebookInstanceArn];
    const snapshotObjectsArn = backupBucket.arnForObjects(ALL_NOTEBOOK_ROLES_PREFIX);
    const s3ViaService = `s3.${stack.region}.${stack.urlSuffix}`;
    const dynamodbViaService = `dynamodb.${stack.region}.${stack.urlSuffix}`;
    // One settings document for every Lambda that reads REMEDIATION_SETTINGS.
    const remediationSettings = stack.toJsonString(props.settings);

    const plan = this.createFunction(lambdaHandler('plan-remediation'), {
      description: 'Plans the remediation of one Security Hub finding: mode, exemption tag, dry run, lock.',
      timeout: Duration.seconds(60),
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
          resources: [props.lockTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'LockTableKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': dynamodbViaService } },
        }),
      ],
    });
    acknowledge(
      plan.role,
      wildcardResourceFinding(this, notebookInstanceArn),
      'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and region, and the actions to read-only DescribeNotebookInstance and ListTags.',
    );
    this.planRemediation = plan;

    this.reportFailure = this.createFunction(lambdaHandler('report-failure'), {
      description: 'Words the finding note and alert for a failed remediation. Makes no AWS calls.',
      timeout: Duration.seconds(10),
      environment: {},
      statements: [],
    });

    const lifecycleConfigArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance-lifecycle-config',
      resourceName: '*',
    });
    const codeRepositoryArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'code-repository',
      resourceName: '*',
    });
    const accountRolesArn = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: '*',
    });
    const snapshot = this.createFunction(lambdaHandler('snapshot-notebook'), {
      description:
        'Snapshots an approved notebook before it is recreated: configuration.json written, read back and verified; backup and restore requests.',
      timeout: Duration.seconds(120),
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
    // roles/* objects (GetObject, PutObject), listing under roles/, and the key through S3 on this bucket.
    props.notebookBackups.grantWorkflowAccess(snapshot.role);
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
    this.snapshotNotebook = snapshot;

    const verify = this.createFunction(lambdaHandler('verify-recreation'), {
      description:
        'Verifies a recreated notebook: settings as planned, every file restored with the same size and checksum.',
      timeout: Duration.seconds(120),
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
    this.verifyRecreation = verify;
  }

  /**
   * Adds the custom-action function, which answers the Security Hub custom actions: approve or
   * reject a pending recreation, or remediate a finding now. Call it once, after the state machine
   * exists.
   */
  addCustomActionFunction(props: CustomActionFunctionProps): RemediationFunction {
    const problems = [
      ...(this.node.tryFindChild('CustomAction') === undefined
        ? []
        : ['the custom-action function was already added']),
      ...CONTROL_IDS.filter((control) => props.modes[control] === undefined).map(
        (control) => `modes has no mode for ${control}`,
      ),
      ...sameKeyProblems('approvalTable', props.approvalTable.encryptionKey, this.encryptionKey),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid custom-action function of '${this.node.id}':\n${problems.join('\n')}`);
    }
    const stack = Stack.of(this);
    const settings: CustomActionSettingsInput = {
      accountId: stack.account,
      region: stack.region,
      actionArns: { ...props.actionArns },
      approvalTableName: props.approvalTable.tableName,
      stateMachineArn: props.stateMachine.stateMachineArn,
      modes: props.modes,
    };
    return this.createFunction(lambdaHandler('custom-action'), {
      description:
        'Answers the Security Hub custom actions: approve or reject a pending recreation, or remediate a finding now.',
      timeout: Duration.seconds(60),
      environment: { [CUSTOM_ACTION_SETTINGS_VARIABLE]: stack.toJsonString(settings) },
      statements: [
        new PolicyStatement({
          sid: 'ApprovalRecords',
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resources: [props.approvalTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'ApprovalTableKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
        }),
        new PolicyStatement({
          sid: 'AnswerAndStartExecutions',
          actions: ['states:SendTaskFailure', 'states:SendTaskSuccess', 'states:StartExecution'],
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
      ],
    });
  }

  /** The function, its log group and its role, with ids derived from the handler's name. */
  private createFunction(
    source: LambdaHandlerSource,
    options: {
      readonly description: string;
      readonly timeout: Duration;
      readonly environment: Record<string, string>;
      readonly statements: readonly PolicyStatement[];
    },
  ): RemediationFunction {
    const id = source.name
      .split('-')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join('');
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: this.logRetention,
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
}

/** The Node.js Lambda runtime matching LAMBDA_NODE_MAJOR_VERSION (the esbuild target). */
function lambdaRuntime(): Runtime {
  const runtime = Runtime.ALL.find((candidate) => candidate.name === `nodejs${LAMBDA_NODE_MAJOR_VERSION}.x`);
  if (!runtime) throw new Error(`aws-cdk-lib knows no nodejs${LAMBDA_NODE_MAJOR_VERSION}.x Lambda runtime`);
  return runtime;
}
