/**
 * The remediation's Lambda functions, each with its own encrypted log group and an explicit role
 * holding exactly the calls it makes (remediation-function.ts): plan-remediation, report-failure,
 * snapshot-notebook and verify-recreation, which the state machine invokes, and custom-action, which
 * answers the Security Hub custom actions (custom-action-function.ts).
 *
 * The custom-action function is given the state machine's ARN, and the state machine is given the
 * other four functions' ARNs: so the four are created with the construct, and custom-action by
 * addCustomActionFunction once the state machine exists (the state machine does not reference it, so
 * there is no cycle: the function simply deploys after the state machine).
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ADMINISTRATOR_ROLE_PATH } from '../handlers/shared/member-access.js';
import {
  type RuntimeSettingsInput,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from '../handlers/shared/runtime-settings.js';
import { logRetentionProblems, sameKeyProblems } from './construct-validation.js';
import {
  type CustomActionFunction,
  type CustomActionFunctionProps,
  createCustomActionFunction,
} from './custom-action-function.js';
import { type LambdaHandlerSource, lambdaHandler } from './lambda-bundling.js';
import { DEFAULT_MEMBER_ROLE_NAME } from './member-configuration.js';
import { assumeMemberRolesStatement, memberRolesArn } from './member-role-access.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import type { NotebookBackupBucket } from './notebook-backup-bucket.js';
import { acknowledgeOcsfNotes, ocsfNoteStatement } from './ocsf-note-permissions.js';
import {
  createRemediationFunction,
  type RemediationFunction,
  type RemediationFunctionOptions,
  tableKeyStatement,
} from './remediation-function.js';
import { acknowledgeOrganizationPlacement, organizationPlacementStatements } from './scope-permissions.js';

export type { CustomActionFunction, CustomActionFunctionProps } from './custom-action-function.js';
export type { RemediationFunction } from './remediation-function.js';

export interface RemediationFunctionsProps {
  /**
   * Customer managed key of the log groups, which is also the key of the lock table, the approval
   * table, the snapshot bucket and the custom-action failure queue: the roles may use it through
   * DynamoDB, S3 and SQS only.
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
   * for the three). It must include `recreate`, name `lockTable` as its lock table, `approvalTable`
   * as its approval table and the bucket of `notebookBackups` as its backup bucket: the roles are
   * scoped to those.
   */
  readonly settings: RuntimeSettingsInput;
  /** Per-notebook locks: plan-remediation and snapshot-notebook take them (PutItem) and release them (DeleteItem). */
  readonly lockTable: ITable;
  /**
   * Recreation plans: plan-remediation records a plan (PutItem) and adds sibling findings to it
   * (UpdateItem); custom-action reads a plan (GetItem) and records the decision (UpdateItem).
   */
  readonly approvalTable: ITable;
  /**
   * Snapshots of resources other than notebooks: snapshot-resource writes them, change-resource reads
   * them (a notebook's go to its member stack's bucket, through the member role).
   */
  readonly notebookBackups: NotebookBackupBucket;
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
  /** Verifies a fixed resource other than a notebook against the controls it was fixed for. */
  public readonly verifyResource: RemediationFunction;
  /** Takes the lock and the verified snapshot before an approved change of a resource. */
  public readonly snapshotResource: RemediationFunction;
  /** Makes an approved change of a resource (or rolls it back) from its snapshot. */
  public readonly changeResource: RemediationFunction;
  /**
   * Makes the member Tasks' calls Step Functions cannot make itself (statemachines/member-api-routing.ts).
   * Not alarmed on its errors: a SageMaker error it passes on is often the expected answer (a notebook
   * already deleted), which the state machine handles.
   */
  public readonly memberApiCall: RemediationFunction;
  private readonly encryptionKey: IKey;
  private readonly logRetention: RetentionDays;
  private readonly approvalTable: ITable;

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
        : [
            ...(props.settings.recreate.backupBucket === backupBucket.bucketName
              ? []
              : [
                  "settings.recreate.backupBucket is not notebookBackups' bucket: the roles may only use that bucket",
                ]),
            ...(props.settings.recreate.approvalTableName === props.approvalTable.tableName
              ? []
              : [
                  "settings.recreate.approvalTableName is not approvalTable's name: plan-remediation may only use approvalTable",
                ]),
          ]),
      ...sameKeyProblems('lockTable', props.lockTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('approvalTable', props.approvalTable.encryptionKey, props.encryptionKey),
      ...sameKeyProblems('notebookBackups', props.notebookBackups.encryptionKey, props.encryptionKey),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid RemediationFunctions '${id}':\n${problems.join('\n')}`);
    }
    this.encryptionKey = props.encryptionKey;
    this.logRetention = logRetention;
    this.approvalTable = props.approvalTable;

    const stack = Stack.of(this);
    const dynamodbViaService = `dynamodb.${stack.region}.${stack.urlSuffix}`;
    // The member role of a finding's account and Region is what reads and changes its resource.
    const memberRoleName = props.settings.members?.roleName ?? DEFAULT_MEMBER_ROLE_NAME;
    const assumeMemberRoles = assumeMemberRolesStatement(stack, memberRoleName);
    const acknowledgeMemberRoles = (role: Role) =>
      acknowledge(
        role,
        wildcardResourceFinding(this, memberRolesArn(stack, memberRoleName)),
        "A finding may come from any account of the organization: the member role of its account and Region is only known at run time. The wildcard is limited to the member roles (their path and name), which trust only this account's remediation roles in the organization and may do only what the remediations do.",
      );
    // One settings document for every Lambda that reads REMEDIATION_SETTINGS.
    const remediationSettings = stack.toJsonString(props.settings);

    const plan = this.createFunction(lambdaHandler('plan-remediation'), {
      description: 'Plans the remediation of one Security Hub finding: mode, exemption tag, dry run, lock.',
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      // It reads the finding's resource as the member role of its account and Region.
      rolePath: ADMINISTRATOR_ROLE_PATH,
      statements: [
        assumeMemberRoles,
        new PolicyStatement({
          sid: 'NotebookLocks',
          actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          resources: [props.lockTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'RecreationPlans',
          // A plan is recorded (PutItem), and a sibling finding joins it (UpdateItem).
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [props.approvalTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'NoteJoinedFindings',
          // A finding that joins a plan gets its "joined" note before it joins (plan-remediation.ts,
          // joinWithNote): NOTIFIED only. The Service Authorization Reference lists `hub` as its resource.
          actions: ['securityhub:BatchUpdateFindings'],
          resources: [stack.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' })],
          conditions: { StringEquals: { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['NOTIFIED'] } },
        }),
        // The same note on an OCSF finding, with BatchUpdateFindingsV2: status_id 2 (In Progress) only.
        ocsfNoteStatement(this, 'NoteJoinedOcsfFindings', ['NOTIFIED']),
        tableKeyStatement('TablesKey', this.encryptionKey.keyArn, dynamodbViaService),
        ...organizationPlacementStatements(stack, props.settings.scope),
      ],
    });
    acknowledgeMemberRoles(plan.role);
    acknowledgeOcsfNotes(plan.role);
    acknowledgeOrganizationPlacement(plan.role, props.settings.scope);
    this.planRemediation = plan;

    this.reportFailure = this.createFunction(lambdaHandler('report-failure'), {
      description: 'Words the finding note and alert for a failed remediation. Makes no AWS calls.',
      environment: {},
      statements: [],
    });

    const snapshot = this.createFunction(lambdaHandler('snapshot-notebook'), {
      description:
        'Snapshots an approved notebook before it is recreated: configuration.json written, read back and verified; backup and restore requests.',
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      rolePath: ADMINISTRATOR_ROLE_PATH,
      statements: [
        assumeMemberRoles,
        new PolicyStatement({
          sid: 'NotebookLocks',
          // The approved recreation takes the notebook's lock before anything changes.
          actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          resources: [props.lockTable.tableArn],
        }),
        tableKeyStatement('LockTableKey', this.encryptionKey.keyArn, dynamodbViaService),
      ],
    });
    // configuration.json and the requests are written as the member role, in the notebook's own
    // account's and Region's data bucket (member-permissions.ts).
    acknowledgeMemberRoles(snapshot.role);
    this.snapshotNotebook = snapshot;

    const verify = this.createFunction(lambdaHandler('verify-recreation'), {
      description:
        'Verifies a recreated notebook: settings as planned, every file restored with the same size and checksum.',
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      rolePath: ADMINISTRATOR_ROLE_PATH,
      // The snapshot is read as the member role, in the notebook's account's and Region's data bucket.
      statements: [assumeMemberRoles],
    });
    acknowledgeMemberRoles(verify.role);
    this.verifyRecreation = verify;

    const verifyResource = this.createFunction(lambdaHandler('verify-resource'), {
      description:
        "Verifies a fixed resource (other than a notebook): every fixed control's own check, on what SageMaker reports.",
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      rolePath: ADMINISTRATOR_ROLE_PATH,
      statements: [assumeMemberRoles],
    });
    acknowledgeMemberRoles(verifyResource.role);
    this.verifyResource = verifyResource;

    const snapshotResource = this.createFunction(lambdaHandler('snapshot-resource'), {
      description:
        'Before an approved change of a resource other than a notebook: takes its lock and writes its verified snapshot.',
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      rolePath: ADMINISTRATOR_ROLE_PATH,
      statements: [
        assumeMemberRoles,
        new PolicyStatement({
          sid: 'ResourceLocks',
          actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          resources: [props.lockTable.tableArn],
        }),
        tableKeyStatement('LockTableKey', this.encryptionKey.keyArn, dynamodbViaService),
      ],
    });
    props.notebookBackups.grantResourceSnapshots(snapshotResource.role, { write: true });
    acknowledgeMemberRoles(snapshotResource.role);
    this.snapshotResource = snapshotResource;

    const changeResource = this.createFunction(lambdaHandler('change-resource'), {
      description:
        'An approved change of a resource other than a notebook, or its roll-back, built from the verified snapshot.',
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      rolePath: ADMINISTRATOR_ROLE_PATH,
      statements: [assumeMemberRoles],
    });
    props.notebookBackups.grantResourceSnapshots(changeResource.role, { write: false });
    acknowledgeMemberRoles(changeResource.role);
    this.changeResource = changeResource;

    const memberApiCall = this.createFunction(lambdaHandler('member-api-call'), {
      description:
        "Makes a member Task's SageMaker, EC2 or KMS call that Step Functions cannot: in a linked Region, or with a whole-object request.",
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: remediationSettings },
      rolePath: ADMINISTRATOR_ROLE_PATH,
      // The call itself is the member role's to make: this role may only assume it.
      statements: [assumeMemberRoles],
    });
    acknowledgeMemberRoles(memberApiCall.role);
    this.memberApiCall = memberApiCall;
  }

  /**
   * Lets plan-remediation and snapshot-notebook ask Step Functions whether the execution holding a
   * lock or plan still runs (DescribeExecution on this state machine's executions), so that one that
   * has ended is taken over. Call it once, after the state machine exists.
   *
   * A policy of its own, attached to the two roles, not their inline one: the state machine names the
   * functions, so their roles (which the functions depend on) cannot name the state machine without a
   * circular dependency. The policy depends on the state machine and nothing depends on the policy.
   * Until it is attached (briefly, on the first deployment) DescribeExecution is refused, and a holder
   * nobody can vouch for keeps its record until it expires, as before.
   */
  allowLockTakeover(stateMachine: StateMachine): Policy {
    if (this.node.tryFindChild('LockTakeoverPermissions'))
      throw new Error('allowLockTakeover was already called');
    const executions = executionsArn(this, stateMachine);
    const policy = new Policy(this, 'LockTakeoverPermissions', {
      roles: [this.planRemediation.role, this.snapshotNotebook.role, this.snapshotResource.role],
      statements: [
        new PolicyStatement({
          sid: 'DescribeLockHolders',
          // The Service Authorization Reference: DescribeExecution's resource type is the execution.
          actions: ['states:DescribeExecution'],
          resources: [executions],
        }),
      ],
    });
    acknowledge(
      policy,
      wildcardResourceFinding(this, executions),
      "The execution holding a lock or plan is only known at run time; read-only DescribeExecution, on this stack's state machine's executions only.",
    );
    return policy;
  }

  /**
   * Adds the custom-action function (custom-action-function.ts), which answers the Security Hub
   * custom actions, and its on-failure queue. Call it once, after the state machine exists.
   */
  addCustomActionFunction(props: CustomActionFunctionProps): CustomActionFunction {
    return createCustomActionFunction(
      this,
      {
        encryptionKey: this.encryptionKey,
        logRetention: this.logRetention,
        approvalTable: this.approvalTable,
      },
      props,
    );
  }

  /** The function, its log group and its role, with ids derived from the handler's name. */
  private createFunction(
    source: LambdaHandlerSource,
    options: Pick<
      RemediationFunctionOptions,
      'description' | 'environment' | 'statements' | 'everyResourceReason' | 'rolePath'
    >,
  ): RemediationFunction {
    return createRemediationFunction(this, source, {
      ...options,
      encryptionKey: this.encryptionKey,
      logRetention: this.logRetention,
    });
  }
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine name>:*`: its executions only. */
export function executionsArn(scope: Construct, stateMachine: StateMachine): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
