/**
 * The clean-up after an execution that ended without its own failure handling (aborted, timed out, or
 * failed with an error no Catch takes): an EventBridge rule on the state machine's own status changes
 * starts it again with the change as its input, and its first step, the plan-cleanup function
 * (handlers/plan-cleanup.ts), reads where the ended execution was from its history and takes over what
 * it held. The rest is the workflow's own failure handling.
 *
 * The function is made before the state machine (which invokes it); its right to read the history of
 * the state machine's executions, and the rule, are added once the state machine exists (watch), in a
 * policy of their own, so that nothing depends on itself.
 */
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CLEANED_UP_STATUSES, EXECUTION_STATUS_CHANGE } from '../handlers/shared/cleanup-plan.js';
import { ADMINISTRATOR_ROLE_PATH } from '../handlers/shared/member-access.js';
import {
  type RuntimeSettingsInput,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from '../handlers/shared/runtime-settings.js';
import { lambdaHandler } from './lambda-bundling.js';
import { DEFAULT_MEMBER_ROLE_NAME } from './member-configuration.js';
import { assumeMemberRolesStatement, memberRolesArn } from './member-role-access.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import {
  createRemediationFunction,
  type RemediationFunction,
  tableKeyStatement,
} from './remediation-function.js';
import { executionsArn } from './remediation-functions.js';

export interface ExecutionCleanupProps {
  /** Key of the tables and of the function's log group. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
  /** REMEDIATION_SETTINGS, as the other functions get it (the tables' names, the backup lifecycle configuration). */
  readonly settings: RuntimeSettingsInput;
  /** An ended execution's lock is taken over here (UpdateItem on its owner). */
  readonly lockTable: ITable;
  /** An ended execution's plan is taken over here, to be closed. */
  readonly approvalTable: ITable;
}

export class ExecutionCleanup extends Construct {
  /** The first step of a clean-up: what the ended execution held and where it was. */
  public readonly planCleanup: RemediationFunction;
  /** Set by watch: the state machine's own status changes that need a clean-up. */
  public statusRule?: Rule;

  constructor(scope: Construct, id: string, props: ExecutionCleanupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const memberRoleName = props.settings.members?.roleName ?? DEFAULT_MEMBER_ROLE_NAME;
    this.planCleanup = createRemediationFunction(this, lambdaHandler('plan-cleanup'), {
      description:
        'First step of a clean-up after an execution ended without its failure handling: reads where it was, takes over its lock and plan.',
      environment: { [SETTINGS_ENVIRONMENT_VARIABLE]: stack.toJsonString(props.settings) },
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      // Whether the recreation had swapped its lifecycle configuration, deleted or recreated the
      // notebook: read as the member role of its account and Region.
      rolePath: ADMINISTRATOR_ROLE_PATH,
      statements: [
        assumeMemberRolesStatement(stack, memberRoleName),
        // One statement per table, as every role of the stack has (test/infra/table-grants.test.ts).
        new PolicyStatement({
          sid: 'TakeOverLocks',
          actions: ['dynamodb:UpdateItem'],
          resources: [props.lockTable.tableArn],
        }),
        new PolicyStatement({
          sid: 'TakeOverPlans',
          actions: ['dynamodb:UpdateItem'],
          resources: [props.approvalTable.tableArn],
        }),
        tableKeyStatement(
          'TablesKey',
          props.encryptionKey.keyArn,
          `dynamodb.${stack.region}.${stack.urlSuffix}`,
        ),
      ],
    });
    acknowledge(
      this.planCleanup.role,
      wildcardResourceFinding(this, memberRolesArn(stack, memberRoleName)),
      "The notebook of an ended execution may be in any account of the organization: the member role of its account and Region is only known at run time. The wildcard is limited to the member roles (their path and name), which trust only this account's remediation roles in the organization.",
    );
  }

  /** The rule that starts a clean-up, and the function's right to read the history it needs. */
  watch(stateMachine: StateMachine): void {
    const executions = executionsArn(this, stateMachine);
    const history = new Policy(this, 'ReadExecutionHistory', {
      statements: [
        new PolicyStatement({
          sid: 'ReadEndedExecutions',
          actions: ['states:GetExecutionHistory'],
          resources: [executions],
        }),
      ],
    });
    history.attachToRole(this.planCleanup.role);
    acknowledge(
      history,
      wildcardResourceFinding(this, executions),
      "Which execution ended is only known at run time; the wildcard is limited to this state machine's executions, and to reading their history (GetExecutionHistory).",
    );
    const role = new Role(this, 'StatusRuleRole', {
      description:
        'Lets the status change rule start a clean-up execution of the remediation state machine, and nothing else.',
      assumedBy: new ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
    });
    this.statusRule = new Rule(this, 'StatusRule', {
      description:
        'Executions of the remediation state machine that ended aborted, timed out or failed: clean up after them.',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { stateMachineArn: [stateMachine.stateMachineArn], status: [...CLEANED_UP_STATUSES] },
      },
    });
    // Grants the role states:StartExecution on this state machine only. Only the change's identifying
    // fields are passed on: its input and output (up to 256 KiB each) would make the clean-up's own
    // input too large to start; PlanCleanup reads the error and cause from the history.
    this.statusRule.addTarget(
      new SfnStateMachine(stateMachine, {
        role,
        input: RuleTargetInput.fromObject({
          source: 'aws.states',
          'detail-type': EXECUTION_STATUS_CHANGE,
          detail: {
            executionArn: EventField.fromPath('$.detail.executionArn'),
            stateMachineArn: EventField.fromPath('$.detail.stateMachineArn'),
            name: EventField.fromPath('$.detail.name'),
            status: EventField.fromPath('$.detail.status'),
          },
        }),
      }),
    );
  }
}
