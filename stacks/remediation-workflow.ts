/**
 * The remediation state machine: the definition from statemachines/, its placeholders substituted
 * with the deployed resources, its role (the Task permissions derived from the definition, and what
 * its SageMaker calls need besides), and its encrypted log group.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OCSF_STATUS_IDS } from '../handlers/shared/ocsf-finding.js';
import type { Annotation } from '../handlers/shared/remediation-plan.js';
import { placeholdersIn } from '../statemachines/amazon-states-language.js';
import { HOME_REGION_PLACEHOLDER } from '../statemachines/member-api-routing.js';
import { MEMBER_API_FUNCTION_PLACEHOLDER, tasksRunBy } from '../statemachines/member-credentials.js';
import { messageLimitProblems } from '../statemachines/message-limits.js';
import {
  buildRemediationDefinition,
  type DefinitionOptions,
  EXECUTION_TIMEOUT_SECONDS,
  MAX_STANDARD_EXECUTION_SECONDS,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../statemachines/remediation-definition.js';
import { logRetentionProblems, sameKeyProblems, wholeNumberProblems } from './construct-validation.js';
import { DEFAULT_MEMBER_ROLE_NAME } from './member-configuration.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { type KeyTarget, kmsKeyIdProblem } from './recreation-resources.js';
import type { StateMachineScopes } from './state-machine-permissions.js';
import { createStateMachineRole } from './state-machine-role.js';

/**
 * Finding workflow statuses the state machine writes (RESOLVED on success; NOTIFIED for annotations and
 * failures, see Annotation['workflowStatus']). BatchUpdateFindings is allowed for these only, so the
 * workflow can never SUPPRESS a finding or reset it to NEW.
 */
export const WORKFLOW_STATUSES_WRITTEN = [
  'NOTIFIED',
  'RESOLVED',
] as const satisfies readonly Annotation['workflowStatus'][];

/** The functions the definition invokes. */
export interface WorkflowFunctions {
  readonly planRemediation: IFunction;
  readonly reportFailure: IFunction;
  readonly snapshotNotebook: IFunction;
  readonly verifyRecreation: IFunction;
  /** The first step of a clean-up after an execution that ended without its failure handling. */
  readonly planCleanup: IFunction;
  /** Verifies a fixed resource other than a notebook (only invoked when a resource engine is in the definition). */
  readonly verifyResource: IFunction;
  /** The snapshot before an approved change of a resource (only with an approval-gated resource engine). */
  readonly snapshotResource: IFunction;
  /** The approved change of a resource, or its roll-back (only with an approval-gated resource engine). */
  readonly changeResource: IFunction;
  /** The member calls Step Functions cannot make (member-api-routing.ts): only invoked when routed. */
  readonly memberApiCall: IFunction;
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
  /** Per-notebook locks: the workflow releases them (DeleteItem), and does nothing else with them. */
  readonly lockTable: ITable;
  /**
   * Recreation plans: the workflow waits on a task token it stores on the plan (UpdateItem
   * .waitForTaskToken), reads the plan's findings (GetItem) and closes the plan (DeleteItem).
   */
  readonly approvalTable: ITable;
  /**
   * Customer managed key of the topic and the tables (the role may use it only through SNS and
   * DynamoDB, each for what its Tasks call there), and of the state machine's log group. The notebook
   * data bucket the lifecycle scripts report to is the member stack's, read as the member role.
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
  /**
   * The member roles' name before `-<region>` (the configuration's members.roleName): the state
   * machine's role may assume these, in any account, for its member Tasks.
   *
   * @default DEFAULT_MEMBER_ROLE_NAME
   */
  readonly memberRoleName?: string;
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
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid RemediationWorkflow '${id}':\n${problems.join('\n')}`);
    }

    const stack = Stack.of(this);

    const definition = buildRemediationDefinition(props.definitionOptions);
    // A note over 512 characters (or a subject over 100) would be refused at run time.
    const messageProblems = messageLimitProblems(definition);
    if (messageProblems.length > 0) {
      throw new Error(`Invalid RemediationWorkflow '${id}':\n${messageProblems.join('\n')}`);
    }
    const lambdaFunctions: Record<string, string> = {
      [PLACEHOLDERS.planFunctionArn]: props.functions.planRemediation.functionArn,
      [PLACEHOLDERS.reportFailureFunctionArn]: props.functions.reportFailure.functionArn,
      [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: props.functions.snapshotNotebook.functionArn,
      [RECREATE_PLACEHOLDERS.verifyFunctionArn]: props.functions.verifyRecreation.functionArn,
      [PLACEHOLDERS.planCleanupFunctionArn]: props.functions.planCleanup.functionArn,
      // Only those the resource engines in the definition invoke (none when every such control is off).
      ...Object.fromEntries(
        (
          [
            [PLACEHOLDERS.verifyResourceFunctionArn, props.functions.verifyResource],
            [PLACEHOLDERS.snapshotResourceFunctionArn, props.functions.snapshotResource],
            [PLACEHOLDERS.changeResourceFunctionArn, props.functions.changeResource],
            [MEMBER_API_FUNCTION_PLACEHOLDER, props.functions.memberApiCall],
          ] as const
        )
          .filter(([placeholder]) => placeholdersIn(definition).includes(placeholder))
          .map(([placeholder, fn]) => [placeholder, fn.functionArn]),
      ),
    };
    const definitionSubstitutions: Record<string, string> = {
      ...lambdaFunctions,
      [PLACEHOLDERS.alertTopicArn]: props.alertTopic.topicArn,
      [PLACEHOLDERS.lockTableName]: props.lockTable.tableName,
      [RECREATE_PLACEHOLDERS.approvalTableName]: props.approvalTable.tableName,
      // What a linked Region's target is told apart by (only with linked Regions).
      ...(placeholdersIn(definition).includes(HOME_REGION_PLACEHOLDER)
        ? { [HOME_REGION_PLACEHOLDER]: stack.region }
        : {}),
    };
    assertSubstitutionsMatch(placeholdersIn(definition), Object.keys(definitionSubstitutions));
    this.definitionSubstitutions = definitionSubstitutions;

    const hubV2Arn = stack.formatArn({ service: 'securityhub', resource: 'hubv2', resourceName: '*' });
    const scopes: StateMachineScopes = {
      services: {
        securityhub: {
          // The Service Authorization Reference lists `hub` as BatchUpdateFindings' resource type.
          resources: [stack.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          conditions: {
            StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': [...WORKFLOW_STATUSES_WRITTEN] },
          },
          actions: {
            // BatchUpdateFindingsV2 is authorized as securityhub:BatchUpdateFindings on the `hubv2`
            // resource (its id is not known at synth), limited by status_id as V1 is by Workflow.Status.
            BatchUpdateFindingsV2: {
              sidSuffix: 'Ocsf',
              resources: [hubV2Arn],
              conditions: {
                StringEquals: {
                  'securityhub:OCSFSyntaxPath/StatusId': WORKFLOW_STATUSES_WRITTEN.map((status) =>
                    String(OCSF_STATUS_IDS[status]),
                  ),
                },
              },
            },
          },
        },
        sns: { resources: [props.alertTopic.topicArn], kmsKeyArn: props.encryptionKey.keyArn },
        dynamodb: {
          resources: [],
          // Each table only what the Tasks do with it.
          resourceParameter: {
            name: 'TableName',
            byPlaceholder: {
              [PLACEHOLDERS.lockTableName]: { sidSuffix: 'LockTable', resources: [props.lockTable.tableArn] },
              [RECREATE_PLACEHOLDERS.approvalTableName]: {
                sidSuffix: 'ApprovalTable',
                resources: [props.approvalTable.tableArn],
              },
            },
          },
          kmsKeyArn: props.encryptionKey.keyArn,
        },
      },
      lambdaFunctions,
      kmsViaService: { region: stack.region, urlSuffix: stack.urlSuffix },
    };

    // The member Tasks run as the member role (member-stack.ts); the role assumes it.
    this.role = createStateMachineRole(this, {
      definition: tasksRunBy(definition, 'state-machine'),
      scopes,
      memberRoleName: props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME,
    });
    acknowledge(
      this.role,
      wildcardResourceFinding(this, hubV2Arn),
      "The new Security Hub's hubv2 resource id is generated when it is enabled and not known at synth; the grant is BatchUpdateFindings in this account and region only, with status_id limited to the statuses the workflow writes.",
    );

    this.logGroup = new LogGroup(this, 'StateMachineLogs', {
      retention: logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateMachine = new StateMachine(this, 'RemediationStateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: definition.Comment,
      // The definition carries its own TimeoutSeconds (executionTimeoutSeconds): the work budget plus
      // the approval window. The lock lives the work budget only: it is taken after any approval.
      definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
      definitionSubstitutions,
      role: this.role,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
  }
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
