import './node20-compatibility.js';
/**
 * The stack, deployed into the simulated account: the same configuration loader, the same EventBridge
 * pattern, the same state machine definition and the same handler code as the CDK app, with the
 * simulated account's SDK clients in place of real ones. The demo, the benchmark and the workflow
 * tests all start from here, so they exercise what would be deployed.
 */

import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import { handler as reportFailure } from '../../handlers/report-failure.js';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import { type RuntimeSettings, runtimeSettingsSchema } from '../../handlers/shared/runtime-settings.js';
import {
  loadConfiguration,
  type RemediationConfiguration,
  toRuntimeSettings,
} from '../../stacks/configuration.js';
import { buildFindingEventPattern } from '../../stacks/finding-event-pattern.js';
import { LOCK_EXPIRY_ATTRIBUTE, LOCK_TABLE_KEY } from '../../statemachines/lock-table.js';
import {
  buildRemediationDefinition,
  EXECUTION_TIMEOUT_SECONDS,
  PLACEHOLDERS,
} from '../../statemachines/remediation-definition.js';
import { SimulatedAccount, type SimulatedAccountOptions } from '../simulated-account/account.js';
import { type ExecutionRecord, LocalStateMachine } from './local-state-machine.js';

export const STATE_MACHINE_NAME = 'SageMakerRemediation';
export const LOCK_TABLE_NAME = 'SageMakerRemediationLocks';
export const ALERT_TOPIC_NAME = 'SageMakerRemediationAlerts';
export const RULE_NAME = 'SageMakerFindingsImported';

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
    this.settings = runtimeSettingsSchema.parse(
      toRuntimeSettings(this.configuration, {
        accountId: account.accountId,
        region: account.region,
        lockTableName: LOCK_TABLE_NAME,
        lockSeconds: EXECUTION_TIMEOUT_SECONDS,
      }),
    ) as RuntimeSettings;

    const clients = account.sdkClients();
    const planRemediation = createPlanHandler({
      sagemaker: clients.sagemaker,
      dynamodb: clients.dynamodb,
      settings: this.settings,
      now: () => account.clock.now(),
      logger: silentLogger,
    });

    this.stateMachine = new LocalStateMachine({
      name: STATE_MACHINE_NAME,
      definition: buildRemediationDefinition(),
      backend: account,
      functions: {
        [PLACEHOLDERS.planFunctionArn]: planRemediation,
        [PLACEHOLDERS.reportFailureFunctionArn]: reportFailure,
      },
      resources: {
        [PLACEHOLDERS.alertTopicArn]: this.alertTopicArn,
        [PLACEHOLDERS.lockTableName]: LOCK_TABLE_NAME,
      },
      lambdaLatencyMs: options.lambdaLatencyMs ?? DEFAULT_LAMBDA_LATENCY_MS,
    });

    this.eventPattern = buildFindingEventPattern(resolveModes(this.configuration.modes));
    account.bus.addRule(RULE_NAME, this.eventPattern, (event) => {
      this.stateMachine.start(event);
    });
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
