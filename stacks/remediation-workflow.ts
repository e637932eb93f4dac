/**
 * The remediation state machine: the definition from statemachines/, its placeholders substituted
 * with the deployed resources, its role (the Task permissions derived from the definition, and what
 * its SageMaker calls need besides), and its encrypted log group.
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Annotation } from '../handlers/shared/remediation-plan.js';
import { placeholdersIn } from '../statemachines/amazon-states-language.js';
import {
  buildRemediationDefinition,
  type DefinitionOptions,
  EXECUTION_TIMEOUT_SECONDS,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../statemachines/remediation-definition.js';
import { logRetentionProblems, sameKeyProblems, wholeNumberProblems } from './construct-validation.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { ALL_NOTEBOOK_ROLES_PREFIX, type NotebookBackupBucket } from './notebook-backup-bucket.js';
import { type KeyTarget, kmsKeyIdProblem, volumeKeyArns } from './recreation-resources.js';
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

/** Step Functions' limit on the duration of a Standard execution: one year. */
const MAX_STANDARD_EXECUTION_SECONDS = 365 * 24 * 60 * 60;

/** The functions the definition invokes. */
export interface WorkflowFunctions {
  readonly planRemediation: IFunction;
  readonly reportFailure: IFunction;
  readonly snapshotNotebook: IFunction;
  readonly verifyRecreation: IFunction;
}

export interface RemediationWorkflowProps {
  /**
   * How the definition is built. `recreate` is required: the approval-gated recreation is always
   * part of the workflow (its approval window is also part of the execution timeout).
   */
  readonly definitionOptions: DefinitionOptions;
  /** The Lambda functions the definition invokes; the role may invoke these and no other. */
  readonly functions: WorkflowFunctions;
  /** Where outcome and failure alerts are published. */
  readonly alertTopic: ITopic;
  /** Per-notebook locks, released (DeleteItem) and read (GetItem) by the workflow. */
  readonly lockTable: ITable;
  /** Pending approvals: the workflow waits on a task token it puts there (PutItem). */
  readonly approvalTable: ITable;
  /** Notebook snapshots: the workflow waits for the data and restore manifests there. */
  readonly notebookBackups: NotebookBackupBucket;
  /** Name of the lifecycle configuration attached while a notebook's volume is copied to the bucket. */
  readonly backupLifecycleConfigName: string;
  /**
   * Customer managed key of the topic, the tables and the bucket (the role may use it only through
   * SNS, DynamoDB and S3), and of the state machine's log group.
   */
  readonly encryptionKey: IKey;
  /**
   * How long the state machine's log group keeps its events.
   *
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
  /**
   * Where recreated notebooks go: the KMS keys these targets name (for this account and region, or
   * every target's when either is a deploy-time token) may be granted to SageMaker for their volumes.
   *
   * @default - none: only the keys notebooks already use, through SageMaker
   */
  readonly recreateTargets?: readonly KeyTarget[];
}

/** A Standard state machine logging ALL events to an encrypted log group, traced, with a derived role. */
export class RemediationWorkflow extends Construct {
  public readonly stateMachine: StateMachine;
  /** The Task permissions derived from the definition, and what those calls need besides. */
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  /** Value of every placeholder of the definition (`${Name}` → deployed resource). */
  public readonly definitionSubstitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: RemediationWorkflowProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? RetentionDays.ONE_YEAR;
    const approvalTimeoutSeconds = props.definitionOptions.recreate?.approvalTimeoutSeconds;
    const problems = [
      ...logRetentionProblems('logRetention', logRetention),
      ...(approvalTimeoutSeconds === undefined
        ? ['definitionOptions.recreate is missing: the approval-gated recreation is always deployed']
        : wholeNumberProblems(
            'definitionOptions.recreate.approvalTimeoutSeconds',
            approvalTimeoutSeconds,
            60,
            // A Standard execution lasts at most a year, and the work itself takes up to its own timeout.
            MAX_STANDARD_EXECUTION_SECONDS - EXECUTION_TIMEOUT_SECONDS,
          )),
      ...(props.recreateTargets ?? []).flatMap((target, index) => {
        const problem = target.kmsKeyId === undefined ? undefined : kmsKeyIdProblem(target.kmsKeyId);
        return problem ? [`recreateTargets.${index}.kmsKeyId ${problem}`] : [];
      }),
      ...sameKeyProblems('alertTopic', props.alertTopic.masterKey, props.encryptionKey),
      ...sameKeyProblems('lockTable', props.lockTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('approvalTable', props.approvalTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('notebookBackups', props.notebookBackups.encryptionKey, props.encryptionKey),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid RemediationWorkflow '${id}':\n${problems.join('\n')}`);
    }

    const stack = Stack.of(this);
    const backupBucket = props.notebookBackups.bucket;
    const notebookInstanceArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'notebook-instance',
      resourceName: '*',
    });
    const snapshotObjectsArn = backupBucket.arnForObjects(ALL_NOTEBOOK_ROLES_PREFIX);
    const accountRolesArn = accountRoles(stack);

    const definition = buildRemediationDefinition(props.definitionOptions);
    const lambdaFunctions: Record<string, string> = {
      [PLACEHOLDERS.planFunctionArn]: props.functions.planRemediation.functionArn,
      [PLACEHOLDERS.reportFailureFunctionArn]: props.functions.reportFailure.functionArn,
      [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: props.functions.snapshotNotebook.functionArn,
      [RECREATE_PLACEHOLDERS.verifyFunctionArn]: props.functions.verifyRecreation.functionArn,
    };
    const definitionSubstitutions: Record<string, string> = {
      ...lambdaFunctions,
      [PLACEHOLDERS.alertTopicArn]: props.alertTopic.topicArn,
      [PLACEHOLDERS.lockTableName]: props.lockTable.tableName,
      [RECREATE_PLACEHOLDERS.approvalTableName]: props.approvalTable.tableName,
      [RECREATE_PLACEHOLDERS.backupBucketName]: backupBucket.bucketName,
      [RECREATE_PLACEHOLDERS.backupLifecycleConfigName]: props.backupLifecycleConfigName,
    };
    assertSubstitutionsMatch(placeholdersIn(definition), Object.keys(definitionSubstitutions));
    this.definitionSubstitutions = definitionSubstitutions;

    const scopes: StateMachineScopes = {
      services: {
        sagemaker: {
          resources: [notebookInstanceArn],
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
          resources: [stack.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          conditions: {
            StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': [...WORKFLOW_STATUSES_WRITTEN] },
          },
        },
        sns: { resources: [props.alertTopic.topicArn], kmsKeyArn: props.encryptionKey.keyArn },
        dynamodb: {
          resources: [props.lockTable.tableArn, props.approvalTable.tableArn],
          kmsKeyArn: props.encryptionKey.keyArn,
        },
        // The data and restore manifests the lifecycle scripts write last.
        s3: { resources: [snapshotObjectsArn], kmsKeyArn: props.encryptionKey.keyArn },
      },
      lambdaFunctions,
      kmsViaService: { region: stack.region, urlSuffix: stack.urlSuffix },
    };

    this.role = new Role(this, 'StateMachineRole', {
      description:
        'Remediation state machine: the Task permissions derived from its definition, and what those calls need besides.',
      assumedBy: new ServicePrincipal('states.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      inlinePolicies: {
        RemediationTasks: new PolicyDocument({
          statements: deriveStateMachineStatements(definition, scopes).map((statement) =>
            PolicyStatement.fromJson(statement),
          ),
        }),
        RecreationDependencies: new PolicyDocument({
          statements: recreationDependencies(stack, {
            notebookInstanceArn,
            backupBucketArn: backupBucket.bucketArn,
            recreateTargets: props.recreateTargets ?? [],
          }),
        }),
      },
    });
    this.acknowledgeRoleFindings({ notebookInstanceArn, snapshotObjectsArn, accountRolesArn });

    this.logGroup = new LogGroup(this, 'StateMachineLogs', {
      retention: logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new StateMachine(this, 'RemediationStateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: definition.Comment,
      // The definition carries its own TimeoutSeconds (executionTimeoutSeconds), also the lock lifetime.
      definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
      definitionSubstitutions,
      role: this.role,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
  }

  private acknowledgeRoleFindings(arns: {
    readonly notebookInstanceArn: string;
    readonly snapshotObjectsArn: string;
    readonly accountRolesArn: string;
  }): void {
    const stack = Stack.of(this);
    acknowledge(
      this.role,
      wildcardResourceFinding(this, arns.notebookInstanceArn),
      'The notebook a finding names is only known at run time; the wildcard is limited to notebook instances of this account and region, Update and Create to RootAccess and DirectInternetAccess Disabled by condition, and AddTags to tagging on create.',
    );
    acknowledge(
      this.role,
      wildcardResourceFinding(this, arns.snapshotObjectsArn),
      "The manifests the workflow waits for are under the notebook role's prefix, only known at run time; read-only GetObject, limited to the roles/ prefix of the snapshot bucket.",
    );
    acknowledge(
      this.role,
      wildcardResourceFinding(this, arns.accountRolesArn),
      "CreateNotebookInstance passes the recreated notebook's own role, which may be any role of the account; PassRole is limited by iam:PassedToService to SageMaker.",
    );
    acknowledge(
      this.role,
      wildcardResourceFinding(this, existingNotebookKeysArn(stack)),
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
        this.role,
        wildcardResourceFinding(this, ec2Arn(stack, resource)),
        `The SageMaker API permissions reference requires the caller of CreateNotebookInstance with a VPC to be allowed ec2:CreateNetworkInterface (and DeleteNotebookInstance ec2:DeleteNetworkInterface); the wildcard covers ${what}, in this account and region.`,
      );
    }
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Added by CDK for X-Ray tracing (xray:PutTraceSegments and related) and CloudWatch Logs vended delivery (logs:CreateLogDelivery and related), and ec2:DescribeSecurityGroups, DescribeSubnets and DescribeVpcs (which CreateNotebookInstance in a VPC needs), none of which support resource-level permissions.',
    );
  }
}

/**
 * What the state machine's SageMaker calls need besides their own actions, which the derivation
 * from the definition cannot know (see docs/configuration.md for the sources).
 */
function recreationDependencies(
  stack: Stack,
  scope: {
    readonly notebookInstanceArn: string;
    readonly backupBucketArn: string;
    readonly recreateTargets: readonly KeyTarget[];
  },
): PolicyStatement[] {
  const statements = [
    new PolicyStatement({
      sid: 'PassNotebookRoles',
      actions: ['iam:PassRole'],
      resources: [accountRoles(stack)],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
    new PolicyStatement({
      sid: 'TagNotebooksOnCreate',
      actions: ['sagemaker:AddTags'],
      resources: [scope.notebookInstanceArn],
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
      resources: [scope.backupBucketArn],
    }),
    new PolicyStatement({
      sid: 'CreateNotebookNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ec2Arn(stack, 'network-interface'),
        ec2Arn(stack, 'subnet'),
        ec2Arn(stack, 'security-group'),
      ],
    }),
    new PolicyStatement({
      sid: 'DeleteNotebookNetworkInterfaces',
      actions: ['ec2:DeleteNetworkInterface'],
      resources: [ec2Arn(stack, 'network-interface')],
    }),
    new PolicyStatement({
      sid: 'DescribeNotebookNetwork',
      actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
      resources: ['*'],
    }),
  ];
  // A notebook recreated without a configured key keeps its own: SageMaker then needs a grant on
  // that key, which no configuration names. Only through SageMaker, and only for AWS resources.
  const sageMakerViaService = `sagemaker.${stack.region}.${stack.urlSuffix}`;
  statements.push(
    new PolicyStatement({
      sid: 'GrantExistingNotebookVolumeKeys',
      actions: ['kms:CreateGrant'],
      resources: [existingNotebookKeysArn(stack)],
      conditions: {
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
        StringEquals: { 'kms:ViaService': sageMakerViaService },
      },
    }),
    new PolicyStatement({
      sid: 'DescribeExistingNotebookVolumeKeys',
      actions: ['kms:DescribeKey'],
      resources: [existingNotebookKeysArn(stack)],
      conditions: { StringEquals: { 'kms:ViaService': sageMakerViaService } },
    }),
  );
  const keyArns = volumeKeyArns(scope.recreateTargets, {
    partition: stack.partition,
    ...(Token.isUnresolved(stack.account) ? {} : { account: stack.account }),
    ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }),
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

/** Every role of the account: a notebook's role may be any of them. */
function accountRoles(stack: Stack): string {
  return stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' });
}

/** Every KMS key of this account and region: the keys notebooks already use are not known in advance. */
function existingNotebookKeysArn(stack: Stack): string {
  return stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
}

function ec2Arn(stack: Stack, resource: 'network-interface' | 'subnet' | 'security-group'): string {
  return stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
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
