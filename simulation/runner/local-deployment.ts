import './node20-compatibility.js';

/**
 * The stack, deployed into the simulated account: the same configuration loader, the same EventBridge
 * pattern, the same state machine definition and the same handler code as the CDK app, with the
 * simulated account's SDK clients in place of real ones. The demo, the benchmark and the workflow
 * tests all start from here, so they exercise what would be deployed.
 */

import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { createCustomActionHandler } from '../../handlers/custom-action.js';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import { handler as reportFailure } from '../../handlers/report-failure.js';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import type { CustomAction } from '../../handlers/shared/custom-action-event.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { type RuntimeSettings, runtimeSettingsSchema } from '../../handlers/shared/runtime-settings.js';
import { createSnapshotHandler } from '../../handlers/snapshot-notebook.js';
import { createVerifyHandler } from '../../handlers/verify-recreation.js';
import { backupOnStartScript, restoreOnCreateScript } from '../../lifecycle/lifecycle-scripts.js';
import { APPROVAL_EXPIRY_ATTRIBUTE, APPROVAL_TABLE_KEY } from '../../stacks/approval-table-schema.js';
import {
  definitionOptionsFor,
  loadConfiguration,
  type RemediationConfiguration,
  toRuntimeSettings,
} from '../../stacks/configuration.js';
import {
  buildCustomActionEventPattern,
  CUSTOM_ACTION_DEFINITIONS,
  customActionArn,
} from '../../stacks/custom-action-event-pattern.js';
import { buildFindingEventPattern } from '../../stacks/finding-event-pattern.js';
import { LOCK_EXPIRY_ATTRIBUTE, LOCK_TABLE_KEY } from '../../statemachines/lock-table.js';
import {
  buildRemediationDefinition,
  executionTimeoutSeconds,
  PLACEHOLDERS,
  RECREATE_PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';
import { SimulatedAccount, type SimulatedAccountOptions } from '../account/account.js';
import { type ExecutionRecord, LocalStateMachine } from './local-state-machine.js';

export const STATE_MACHINE_NAME = 'SageMakerRemediation';
export const LOCK_TABLE_NAME = 'SageMakerRemediationLocks';
export const ALERT_TOPIC_NAME = 'SageMakerRemediationAlerts';
export const RULE_NAME = 'SageMakerFindingsImported';
export const CUSTOM_ACTION_RULE_NAME = 'SageMakerRemediationCustomActions';
export const APPROVAL_TABLE_NAME = 'SageMakerRemediationApprovals';
export const BACKUP_LIFECYCLE_CONFIG_NAME = 'SageMakerRemediation-backup-on-start';
export const RESTORE_LIFECYCLE_CONFIG_NAME = 'SageMakerRemediation-restore-on-create';
/** The custom action ids the stack deploys (no prefix), from the same definitions. */
export const CUSTOM_ACTION_IDS = Object.fromEntries(
  Object.entries(CUSTOM_ACTION_DEFINITIONS).map(([action, definition]) => [action, definition.id]),
) as Readonly<Record<CustomAction, string>>;

/** Typical duration of one warm Lambda invocation (simulated). */
export const DEFAULT_LAMBDA_LATENCY_MS = 120;

export interface LocalDeploymentOptions {
  /** The `remediation` context, exactly as in cdk.json. */
  readonly configuration?: unknown;
  /** The account to deploy into; a fresh one by default. */
  readonly account?: SimulatedAccount;
  readonly accountOptions?: SimulatedAccountOptions;
  readonly lambdaLatencyMs?: number;
}

export class LocalDeployment {
  readonly account: SimulatedAccount;
  readonly configuration: RemediationConfiguration;
  readonly settings: RuntimeSettings;
  readonly eventPattern: Record<string, unknown>;
  readonly stateMachine: LocalStateMachine;
  readonly alertTopicArn: string;
  readonly backupBucket: string;
  readonly customActionArns: Readonly<Record<CustomAction, string>>;

  constructor(options: LocalDeploymentOptions = {}) {
    this.account = options.account ?? new SimulatedAccount(options.accountOptions);
    const { account } = this;
    this.configuration = loadConfiguration(options.configuration);

    this.alertTopicArn = account.sns.createTopic(ALERT_TOPIC_NAME);
    account.dynamodb.createTable({
      TableName: LOCK_TABLE_NAME,
      partitionKey: LOCK_TABLE_KEY,
      timeToLiveAttribute: LOCK_EXPIRY_ATTRIBUTE,
    });
    account.dynamodb.createTable({
      TableName: APPROVAL_TABLE_NAME,
      partitionKey: APPROVAL_TABLE_KEY,
      timeToLiveAttribute: APPROVAL_EXPIRY_ATTRIBUTE,
    });
    // The recreation's resources, as the stack deploys them: the bucket and the real lifecycle scripts.
    this.backupBucket = `sagemaker-remediation-backups-${account.accountId}-${account.region}`;
    account.s3.seedBucket(this.backupBucket);
    account.sagemaker.seedLifecycleConfig({
      name: BACKUP_LIFECYCLE_CONFIG_NAME,
      onStart: backupOnStartScript(this.backupBucket),
    });
    account.sagemaker.seedLifecycleConfig({
      name: RESTORE_LIFECYCLE_CONFIG_NAME,
      onCreate: restoreOnCreateScript(this.backupBucket),
    });

    const definitionOptions = definitionOptionsFor(this.configuration);
    this.settings = runtimeSettingsSchema.parse(
      toRuntimeSettings(this.configuration, {
        accountId: account.accountId,
        region: account.region,
        lockTableName: LOCK_TABLE_NAME,
        lockSeconds: executionTimeoutSeconds(definitionOptions),
        recreate: {
          backupBucket: this.backupBucket,
          approvalTableName: APPROVAL_TABLE_NAME,
          backupLifecycleConfigName: BACKUP_LIFECYCLE_CONFIG_NAME,
          restoreLifecycleConfigName: RESTORE_LIFECYCLE_CONFIG_NAME,
        },
      }),
    ) as RuntimeSettings;

    const clients = account.sdkClients();
    const now = () => account.clock.now();
    const planRemediation = createPlanHandler({
      sagemaker: clients.sagemaker,
      dynamodb: clients.dynamodb,
      settings: this.settings,
      now,
      logger: silentLogger,
    });
    // The simulated clients have the minimal `send` shape the handlers use.
    const s3 = clients.s3 as unknown as Pick<S3Client, 'send'>;
    const iam = clients.iam as unknown as Pick<IAMClient, 'send'>;
    const snapshotNotebook = createSnapshotHandler({
      sagemaker: clients.sagemaker,
      s3,
      iam,
      settings: this.settings,
      now,
      logger: silentLogger,
    });
    const verifyRecreation = createVerifyHandler({
      sagemaker: clients.sagemaker,
      s3,
      settings: this.settings,
      logger: silentLogger,
    });

    this.stateMachine = new LocalStateMachine({
      name: STATE_MACHINE_NAME,
      definition: buildRemediationDefinition(definitionOptions),
      backend: account,
      functions: {
        [PLACEHOLDERS.planFunctionArn]: planRemediation,
        [PLACEHOLDERS.reportFailureFunctionArn]: reportFailure,
        [RECREATE_PLACEHOLDERS.snapshotFunctionArn]: snapshotNotebook,
        [RECREATE_PLACEHOLDERS.verifyFunctionArn]: verifyRecreation,
      },
      resources: {
        [PLACEHOLDERS.alertTopicArn]: this.alertTopicArn,
        [PLACEHOLDERS.lockTableName]: LOCK_TABLE_NAME,
        [RECREATE_PLACEHOLDERS.approvalTableName]: APPROVAL_TABLE_NAME,
        [RECREATE_PLACEHOLDERS.backupBucketName]: this.backupBucket,
        [RECREATE_PLACEHOLDERS.backupLifecycleConfigName]: BACKUP_LIFECYCLE_CONFIG_NAME,
      },
      lambdaLatencyMs: options.lambdaLatencyMs ?? DEFAULT_LAMBDA_LATENCY_MS,
    });

    this.eventPattern = buildFindingEventPattern(resolveModes(this.configuration.modes));
    account.bus.addRule(RULE_NAME, this.eventPattern, (event) => {
      this.stateMachine.start(event);
    });

    this.customActionArns = Object.fromEntries(
      Object.entries(CUSTOM_ACTION_IDS).map(([action, id]) => [
        action,
        customActionArn({ partition: 'aws', region: account.region, account: account.accountId, id }),
      ]),
    ) as Record<CustomAction, string>;
    const customAction = createCustomActionHandler({
      dynamodb: clients.dynamodb,
      sfn: this.stepFunctionsClient() as unknown as Pick<SFNClient, 'send'>,
      securityhub: clients.securityHub,
      settings: {
        accountId: account.accountId,
        region: account.region,
        actionArns: this.customActionArns,
        approvalTableName: APPROVAL_TABLE_NAME,
        stateMachineArn: this.stateMachine.stateMachineArn,
        modes: resolveModes(this.configuration.modes),
      },
      now,
      logger: silentLogger,
    });
    account.bus.addRule(
      CUSTOM_ACTION_RULE_NAME,
      buildCustomActionEventPattern(Object.values(this.customActionArns)),
      async (event) => {
        await customAction(event);
      },
    );
  }

  /** What the custom-action Lambda's SFN client reaches: this state machine, as the API would. */
  private stepFunctionsClient(): {
    send(command: { constructor: { name: string }; input: unknown }): Promise<unknown>;
  } {
    return {
      send: async (command) => {
        const input = command.input as Record<string, string>;
        await this.account.clock.sleep(this.account.latencyMs);
        switch (command.constructor.name) {
          case 'SendTaskSuccessCommand':
            this.stateMachine.sendTaskSuccess(input.taskToken ?? '', JSON.parse(input.output ?? '{}'));
            return {};
          case 'SendTaskFailureCommand':
            this.stateMachine.sendTaskFailure(input.taskToken ?? '', input.error ?? '', input.cause ?? '');
            return {};
          case 'StartExecutionCommand': {
            const { record } = this.stateMachine.start(JSON.parse(input.input ?? '{}'), input.name);
            return { executionArn: record.executionArn, startDate: record.startedAt };
          }
          default:
            throw new Error(`${command.constructor.name} is not simulated`);
        }
      },
    };
  }

  /** Security Hub imports the finding and emits its Imported event; the rule may start an execution. */
  importFinding(finding: AwsSecurityFinding): AwsSecurityFinding {
    return this.account.securityHub.importFinding(finding);
  }

  /** Runs simulated time until every event is delivered and every execution has ended. */
  async settle(): Promise<ExecutionRecord[]> {
    for (;;) {
      await this.account.bus.settled();
      await this.stateMachine.settle();
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stateMachine.executions.every((execution) => execution.status !== 'RUNNING')) {
        await this.account.bus.settled();
        if (this.stateMachine.executions.every((execution) => execution.status !== 'RUNNING')) {
          return this.stateMachine.executions;
        }
      }
    }
  }
}
