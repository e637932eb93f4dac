import { applyInputTransformer } from '../account/input-transformer.js';
import './node20-compatibility.js';

/**
 * The stack, deployed into the simulated account: the template `cdk synth` writes for the
 * configuration is deployed as CloudFormation would (simulation/deploy), so the roles and their
 * policies, the key and bucket policies, the resource names, the functions' settings, the state
 * machine definition and the EventBridge patterns are exactly what AWS would get. The handlers run
 * in-process with SDK clients bound to their function's role, the state machine's tasks run as its
 * role, and every call is authorized by the simulated account. The demo, the benchmark and the
 * workflow tests all start from here.
 */

import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createChangeResourceHandler } from '../../handlers/change-resource.js';
import { createCustomActionHandler } from '../../handlers/custom-action.js';
import {
  createMemberApiCallHandler,
  MEMBER_API_CALL_MAX_ATTEMPTS,
  type MemberApiClients,
} from '../../handlers/member-api-call.js';
import { createPlanCleanupHandler } from '../../handlers/plan-cleanup.js';
import { createPlanHandler } from '../../handlers/plan-remediation.js';
import { handler as reportFailure } from '../../handlers/report-failure.js';
import type { CustomAction } from '../../handlers/shared/custom-action-event.js';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  type CustomActionSettings,
  parseCustomActionSettings,
} from '../../handlers/shared/custom-action-settings.js';
import { parseStartSettings, START_SETTINGS_VARIABLE } from '../../handlers/shared/execution-spacing.js';
import type { StepFunctionsClient } from '../../handlers/shared/execution-status.js';
import { silentLogger } from '../../handlers/shared/logger.js';
import {
  type MemberSessions,
  memberRoleArn,
  type StsLike,
  stsMemberSessions,
} from '../../handlers/shared/member-access.js';
import type { MemberS3, MemberSageMakerAndIam } from '../../handlers/shared/member-clients.js';
import {
  type NotebookDataPlacement,
  notebookDataPlacement,
} from '../../handlers/shared/notebook-data-placement.js';
import { createPlacementReader } from '../../handlers/shared/organization-placement.js';
import {
  parseRuntimeSettings,
  type RuntimeSettings,
  SETTINGS_ENVIRONMENT_VARIABLE,
} from '../../handlers/shared/runtime-settings.js';
import { createSnapshotHandler } from '../../handlers/snapshot-notebook.js';
import { createSnapshotResourceHandler } from '../../handlers/snapshot-resource.js';
import { createStartRemediationHandler } from '../../handlers/start-remediation.js';
import { createVerifyHandler } from '../../handlers/verify-recreation.js';
import { createVerifyResourceHandler } from '../../handlers/verify-resource.js';
import { loadConfiguration, type RemediationConfiguration } from '../../stacks/configuration.js';
import type { StateMachineDefinition } from '../../statemachines/amazon-states-language.js';
import { SimulatedAccount, type SimulatedAccountOptions } from '../account/account.js';
import { AccountDirectory } from '../account/account-directory.js';
import { kmsUse } from '../account/authorization-rule-kit.js';
import type { Caller } from '../account/authorizer.js';
import { simulatedDynamoDbClient } from '../account/dynamodb-wire.js';
import type { CloudFormationTemplate } from '../deploy/cloudformation.js';
import { type DeployedFunction, type DeployedStack, deployTemplate } from '../deploy/deploy-template.js';
import {
  MEMBER_STACK_NAME,
  STACK_NAME,
  synthesizeMemberTemplate,
  synthesizeTemplate,
} from '../deploy/synthesize.js';
import { type AsyncInvocation, invokeAsynchronously } from './async-invocation.js';
import { executionStatusChange } from './execution-status-change.js';
import { type ExecutionRecord, LocalStateMachine, type TimedLocalFunction } from './local-state-machine.js';
import { QueuePoller } from './queue-poller.js';
import { ScheduledSweep, type SweepOutcome } from './scheduled-sweep.js';

/** The `maxAttempts` every handler gives its SDK clients (handlers/*.ts, at the bottom of each). */
export const HANDLER_SDK_MAX_ATTEMPTS = 5;

/** Typical duration of one warm Lambda invocation (simulated). */
export const DEFAULT_LAMBDA_LATENCY_MS = 120;

/** The role session name Step Functions' tasks appear under (AWS uses an opaque one). */
const STATE_MACHINE_SESSION = 'StepFunctionsExecution';

export interface LocalDeploymentOptions {
  /** The `remediation` context, exactly as in cdk.json. */
  readonly configuration?: unknown;
  /** The account to deploy into; a fresh one (checking every reference strictly) by default. */
  readonly account?: SimulatedAccount;
  readonly accountOptions?: SimulatedAccountOptions;
  readonly lambdaLatencyMs?: number;
  /**
   * Deploy the member stack into the deployment's own account too, as operators do (its resources are
   * remediated through the member role like any member account's). Off: its findings cannot be acted on.
   *
   * @default true
   */
  readonly memberStackInHomeAccount?: boolean;
}

export class LocalDeployment {
  readonly account: SimulatedAccount;
  /** The deployment's account and every member account and Region added, with STS between them. */
  readonly directory: AccountDirectory;
  /** Every member stack deployed, with its template and the account it is in. */
  readonly memberStacks: Array<{
    readonly account: SimulatedAccount;
    readonly template: CloudFormationTemplate;
    readonly stack: DeployedStack;
  }> = [];
  readonly configuration: RemediationConfiguration;
  /** The synthesized template, as deployed. */
  readonly template: CloudFormationTemplate;
  /** What the deployment created: names, ARNs, functions, rules. */
  readonly stack: DeployedStack;
  /** The settings the planning function was deployed with (REMEDIATION_SETTINGS). */
  readonly settings: RuntimeSettings;
  /** The custom-action function's settings (CUSTOM_ACTION_SETTINGS). */
  readonly customActionSettings: CustomActionSettings;
  /** The finding rule's pattern, as deployed. */
  readonly eventPattern: Record<string, unknown>;
  readonly stateMachine: LocalStateMachine;
  readonly alertTopicArn: string;
  /**
   * The notebook data bucket of the deployment's own account and Region: the member stack's there,
   * where the snapshots of the home account's notebooks go (a member account's go to its own).
   */
  readonly backupBucket: string;
  /** The deployment's own snapshot bucket: the snapshots of resources other than notebooks. */
  readonly resourceSnapshotBucket: string;
  readonly customActionArns: Readonly<Record<CustomAction, string>>;
  /** The custom action ids (what a click carries in its ARN), by action. */
  readonly customActionIds: Readonly<Record<CustomAction, string>>;
  /** The role session the state machine's tasks call AWS as. */
  readonly stateMachineCaller: Caller;
  /** Every asynchronous invocation of the custom-action function, and what became of it. */
  readonly asyncInvocations: AsyncInvocation[] = [];
  /** The sweeper of stale locks and plans and its schedule: see runScheduledSweep. */
  readonly scheduledSweep: ScheduledSweep;
  /** The finding buffer's event source mapping: the queue between the finding rules and the state machine. */
  readonly findingQueue: QueuePoller;

  constructor(options: LocalDeploymentOptions = {}) {
    this.account =
      options.account ?? new SimulatedAccount({ strictReferences: true, ...options.accountOptions });
    const { account } = this;
    this.configuration = loadConfiguration(options.configuration);
    this.template = synthesizeTemplate({
      configuration: options.configuration,
      accountId: account.accountId,
      region: account.region,
    });
    this.stack = deployTemplate(account, this.template, STACK_NAME);
    const { stack } = this;
    this.directory = account.accountDirectory ?? new AccountDirectory(account);
    if (options.memberStackInHomeAccount !== false) this.deployMemberStack(account);

    const planFunction = this.deployedFunction('PlanRemediation');
    this.settings = parseRuntimeSettings(planFunction.environment[SETTINGS_ENVIRONMENT_VARIABLE]);
    const customActionFunction = this.deployedFunction('CustomAction');
    this.customActionSettings = parseCustomActionSettings(
      customActionFunction.environment[CUSTOM_ACTION_SETTINGS_VARIABLE],
    );
    this.customActionArns = this.customActionSettings.actionArns;
    this.customActionIds = Object.fromEntries(
      Object.entries(this.customActionArns).map(([action, arn]) => [
        action,
        arn.slice(arn.lastIndexOf('/') + 1),
      ]),
    ) as Record<CustomAction, string>;
    this.alertTopicArn = this.output('AlertTopicArn');
    this.resourceSnapshotBucket = this.output('NotebookBackupBucketName');
    this.backupBucket = this.notebookData().bucket;

    const now = () => account.clock.now();
    // The handlers build their clients with `maxAttempts: 5`: the SDK retries that often before they see an error.
    const sdk = { maxAttempts: HANDLER_SDK_MAX_ATTEMPTS };
    const clientsOf = (fn: DeployedFunction) => account.sdkClients(this.functionCaller(fn), sdk);
    const documentClientOf = (fn: DeployedFunction) =>
      DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, this.functionCaller(fn), sdk));
    // As the deployed functions: AssumeRole of the member role through (simulated) STS, as their role.
    const membersOf = (fn: DeployedFunction) => this.memberSessions(this.functionCaller(fn));
    const snapshotFunction = this.deployedFunction('SnapshotNotebook');
    const verifyFunction = this.deployedFunction('VerifyRecreation');
    const cleanupFunction = this.deployedFunction('PlanCleanup');
    const verifyResourceFunction = this.deployedFunction('VerifyResource');
    const planClients = clientsOf(planFunction);
    const handlers: Record<string, (payload: unknown) => Promise<unknown>> = {
      PlanRemediation: createPlanHandler({
        members: membersOf(planFunction),
        dynamodb: documentClientOf(planFunction),
        sfn: this.stepFunctionsClient(this.functionCaller(planFunction)) as unknown as StepFunctionsClient,
        securityhub: planClients.securityHub,
        // As the deployed function: one cache per container, here per deployment.
        placements: createPlacementReader(
          planClients.organizations as unknown as Pick<OrganizationsClient, 'send'>,
          now,
        ),
        settings: this.settings,
        now,
        logger: silentLogger,
      }),
      ReportFailure: reportFailure,
      SnapshotNotebook: createSnapshotHandler({
        members: membersOf(snapshotFunction),
        dynamodb: documentClientOf(snapshotFunction),
        sfn: this.stepFunctionsClient(
          this.functionCaller(snapshotFunction),
        ) as unknown as StepFunctionsClient,
        settings: parseRuntimeSettings(snapshotFunction.environment[SETTINGS_ENVIRONMENT_VARIABLE]),
        now,
        logger: silentLogger,
      }),
      PlanCleanup: createPlanCleanupHandler({
        sfn: this.stepFunctionsClient(this.functionCaller(cleanupFunction)) as unknown as Pick<
          SFNClient,
          'send'
        >,
        members: membersOf(cleanupFunction),
        dynamodb: documentClientOf(cleanupFunction),
        settings: parseRuntimeSettings(cleanupFunction.environment[SETTINGS_ENVIRONMENT_VARIABLE]),
        now,
        logger: silentLogger,
      }),
      VerifyRecreation: createVerifyHandler({
        members: membersOf(verifyFunction),
        settings: parseRuntimeSettings(verifyFunction.environment[SETTINGS_ENVIRONMENT_VARIABLE]),
        logger: silentLogger,
      }),
      SnapshotResource: createSnapshotResourceHandler({
        members: membersOf(this.deployedFunction('SnapshotResource')),
        dynamodb: documentClientOf(this.deployedFunction('SnapshotResource')),
        sfn: this.stepFunctionsClient(
          this.functionCaller(this.deployedFunction('SnapshotResource')),
        ) as unknown as StepFunctionsClient,
        s3: clientsOf(this.deployedFunction('SnapshotResource')).s3 as unknown as Pick<S3Client, 'send'>,
        settings: this.settings,
        now,
        logger: silentLogger,
      }),
      ChangeResource: createChangeResourceHandler({
        members: membersOf(this.deployedFunction('ChangeResource')),
        s3: clientsOf(this.deployedFunction('ChangeResource')).s3 as unknown as Pick<S3Client, 'send'>,
        settings: this.settings,
        logger: silentLogger,
      }),
      MemberApiCall: createMemberApiCallHandler({
        // One attempt per invocation, as the deployed function's clients: the Task retries.
        members: this.memberSessions(
          this.functionCaller(this.deployedFunction('MemberApiCall')),
          MEMBER_API_CALL_MAX_ATTEMPTS,
        ),
        logger: silentLogger,
      }),
      VerifyResource: createVerifyResourceHandler({
        members: membersOf(verifyResourceFunction),
        settings: parseRuntimeSettings(verifyResourceFunction.environment[SETTINGS_ENVIRONMENT_VARIABLE]),
        logger: silentLogger,
      }),
    };

    const [machine, ...others] = stack.stateMachines;
    if (!machine || others.length > 0) throw new Error('the stack must deploy exactly one state machine');
    this.stateMachineCaller = account.callerFor(machine.roleArn, STATE_MACHINE_SESSION);
    const functionsByArn = new Map(stack.functions.map((fn) => [fn.arn, fn]));
    const functions: Record<string, TimedLocalFunction> = {};
    const resources: Record<string, string> = {};
    for (const [placeholder, value] of Object.entries(machine.substitutions)) {
      const fn = functionsByArn.get(value);
      const handler = fn ? handlers[fn.constructId] : undefined;
      if (fn && !handler) throw new Error(`no local handler for function ${fn.constructId}`);
      if (fn && handler) functions[placeholder] = { handler, timeoutSeconds: fn.timeoutSeconds, arn: fn.arn };
      else resources[placeholder] = value;
    }
    this.stateMachine = new LocalStateMachine({
      name: machine.name,
      stateMachineArn: machine.arn,
      definition: machine.definition as unknown as StateMachineDefinition,
      backend: account,
      functions,
      resources,
      caller: this.stateMachineCaller,
      lambdaLatencyMs: options.lambdaLatencyMs ?? DEFAULT_LAMBDA_LATENCY_MS,
      // As Step Functions sends a Standard execution's status changes to EventBridge.
      onExecutionEnd: (record) => account.bus.putEvent(executionStatusChange(record, machine.arn, account)),
    });

    const customActionClients = clientsOf(customActionFunction);
    const customAction = createCustomActionHandler({
      dynamodb: documentClientOf(customActionFunction),
      sfn: this.stepFunctionsClient(this.functionCaller(customActionFunction)) as unknown as Pick<
        SFNClient,
        'send'
      >,
      securityhub: customActionClients.securityHub,
      settings: this.customActionSettings,
      now,
      logger: silentLogger,
    });

    const sweeperFunction = this.deployedFunction('SweepStaleRecords');
    let scheduledSweep: ScheduledSweep | undefined;
    // The ASFF finding rule: the first rule sending events to a queue (the finding buffer's).
    const findingRule = stack.rules.find((rule) =>
      rule.targets.some((target) => target.arn.includes(':sqs:')),
    );
    if (!findingRule) throw new Error('no rule sends findings to the finding queue');
    this.eventPattern = findingRule.pattern;
    let findingQueue: QueuePoller | undefined;
    for (const rule of stack.rules) {
      for (const target of rule.targets) {
        if (target.arn.includes(':sqs:')) {
          // The event source mapping reading the queue starts the executions (queue-poller.ts).
          findingQueue ??= QueuePoller.forQueue({
            account,
            template: this.template,
            stack,
            queueArn: target.arn,
            functionFor: (nameOrArn) => {
              const fn = stack.functions.find((f) => f.functionName === nameOrArn || f.arn === nameOrArn);
              if (!fn) throw new Error(`no function ${nameOrArn} reads the finding queue`);
              return {
                caller: this.functionCaller(fn),
                handler: createStartRemediationHandler({
                  sfn: this.stepFunctionsClient(this.functionCaller(fn)) as unknown as StepFunctionsClient,
                  dynamodb: documentClientOf(fn),
                  settings: parseStartSettings(fn.environment[START_SETTINGS_VARIABLE]),
                  now,
                  logger: silentLogger,
                }),
              };
            },
            invocationLatencyMs: options.lambdaLatencyMs ?? DEFAULT_LAMBDA_LATENCY_MS,
          });
          const poller = findingQueue;
          account.bus.addRule(rule.name, rule.pattern, async (event) => {
            // EventBridge sends as its service principal: the queue policy and the key policy must allow it.
            const source = {
              service: 'events.amazonaws.com',
              sourceArn: rule.arn,
              sourceAccount: account.accountId,
            };
            const required = [
              { action: 'sqs:SendMessage', resource: target.arn, resourcePolicyArn: target.arn },
              ...kmsUse(
                ['kms:GenerateDataKey', 'kms:Decrypt'],
                account.sqs.queue(poller.settings.queueUrl)?.keyArn,
                'sqs',
                account.authorizationLookups,
                { 'aws:sqs:arn': target.arn },
              ),
            ];
            for (const requirement of required) {
              await account.authorizeServicePrincipal(source, 'SQS', 'SendMessage', requirement);
            }
            const { inputTransformer } = target;
            const body = inputTransformer ? applyInputTransformer(event, inputTransformer) : event;
            account.sqs.sendMessage({
              QueueUrl: poller.settings.queueUrl,
              MessageBody: JSON.stringify(body),
            });
            poller.notify();
          });
        } else if (target.arn === machine.arn) {
          const ruleCaller = account.callerFor(target.roleArn ?? '', 'EventBridgeRuleTarget');
          account.bus.addRule(rule.name, rule.pattern, async (event) => {
            // EventBridge starts the execution as the target's role.
            await account.authorize(ruleCaller, 'StepFunctions', 'StartExecution', [
              { action: 'states:StartExecution', resource: machine.arn },
            ]);
            const { inputTransformer } = target;
            this.stateMachine.start(
              inputTransformer ? applyInputTransformer(event, inputTransformer) : event,
            );
          });
        } else if (target.arn === sweeperFunction.arn) {
          // A schedule, not a pattern: run by runScheduledSweep (scheduled-sweep.ts says why).
          scheduledSweep = new ScheduledSweep(account, sweeperFunction, rule, {
            dynamodb: documentClientOf(sweeperFunction),
            sfn: this.stepFunctionsClient(
              this.functionCaller(sweeperFunction),
            ) as unknown as StepFunctionsClient,
            securityhub: clientsOf(sweeperFunction).securityHub,
            sns: clientsOf(sweeperFunction).sns as never,
          });
        } else if (target.arn === customActionFunction.arn) {
          account.bus.addRule(rule.name, rule.pattern, async (event) => {
            await account.authorizeServicePrincipal(
              { service: 'events.amazonaws.com', sourceArn: rule.arn, sourceAccount: account.accountId },
              'Lambda',
              'Invoke',
              {
                action: 'lambda:InvokeFunction',
                resource: customActionFunction.arn,
                resourcePolicyArn: customActionFunction.arn,
              },
            );
            // EventBridge invokes asynchronously: Lambda retries, then the on-failure destination.
            this.asyncInvocations.push(
              await invokeAsynchronously({
                account,
                fn: customActionFunction,
                caller: this.functionCaller(customActionFunction),
                handler: customAction,
                event,
                requestId: `async-${this.asyncInvocations.length + 1}`,
              }),
            );
          });
        } else {
          throw new Error(
            `rule ${rule.logicalId} targets ${target.arn}, which the local deployment does not run`,
          );
        }
      }
    }
    if (!scheduledSweep) throw new Error('no rule schedules the sweeper of stale records');
    this.scheduledSweep = scheduledSweep;
    if (!findingQueue) throw new Error('no rule sends findings to a queue');
    this.findingQueue = findingQueue;
  }

  /**
   * A member account in a Region, with the member stack deployed as the StackSet would (unless
   * `memberStack` is false: a member the StackSet has not reached). Strict references, like the home account.
   */
  addMemberAccount(
    accountId: string,
    region: string,
    options: { readonly memberStack?: boolean; readonly accountOptions?: SimulatedAccountOptions } = {},
  ): SimulatedAccount {
    const member = this.directory.add(accountId, region, {
      strictReferences: true,
      latencyMs: this.account.latencyMs,
      ...options.accountOptions,
    });
    if (options.memberStack !== false) this.deployMemberStack(member);
    return member;
  }

  /**
   * What a deployed function's member sessions are: the production stsMemberSessions, with the
   * simulated STS answering AssumeRole as `caller` (trust and identity policies evaluated), and each
   * session's clients bound to the assumed role in the target's account and Region.
   */
  memberSessions(
    caller: Caller,
    maxAttempts = HANDLER_SDK_MAX_ATTEMPTS,
  ): MemberSessions<MemberSageMakerAndIam & MemberS3 & MemberApiClients> {
    const sdk = { maxAttempts };
    return stsMemberSessions({
      sts: this.directory.stsClient(caller, this.account.region) as StsLike,
      settings: this.settings.members,
      assumeRoleCommand: AssumeRoleCommand,
      now: () => this.account.clock.now(),
      createClients: (region, credentials) => {
        const session = this.directory.sessionFor(credentials.AccessKeyId, region);
        const clients = session.account.sdkClients(session.caller, sdk);
        return {
          sagemaker: clients.sagemaker,
          // The simulated clients have the minimal `send` shape the handlers use.
          iam: clients.iam as unknown as Pick<IAMClient, 'send'>,
          s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
          ec2: clients.ec2,
          kms: clients.kms,
        };
      },
    });
  }

  /**
   * The notebook data bucket and lifecycle configurations of an account and Region (default: the
   * deployment's own), as its member stack names them.
   */
  notebookData(accountId = this.account.accountId, region = this.account.region): NotebookDataPlacement {
    return notebookDataPlacement(this.configuration.members, { accountId, region });
  }

  /** The member role of an account and Region (default: the deployment's own), as the deployment names it. */
  memberRoleArn(accountId = this.account.accountId, region = this.account.region): string {
    return memberRoleArn(this.settings.members, { accountId, region });
  }

  /** The member stack in an account of the directory, with this deployment's account and organization. */
  deployMemberStack(member: SimulatedAccount): DeployedStack {
    const template = synthesizeMemberTemplate(this.configuration);
    const stack = deployTemplate(member, template, MEMBER_STACK_NAME, {
      AdministratorAccountId: this.account.accountId,
      OrganizationId: this.directory.organizationId,
    });
    this.memberStacks.push({ account: member, template, stack });
    return stack;
  }

  /** One run of the sweeper of stale locks and plans, as its schedule makes it at the current time. */
  runScheduledSweep(): Promise<SweepOutcome> {
    return this.scheduledSweep.run();
  }

  /** The role session a function's handler calls AWS as (Lambda names the session after the function). */
  functionCaller(fn: DeployedFunction): Caller {
    return this.account.callerFor(fn.roleArn, fn.functionName);
  }

  /** A deployed function by the construct id it was created with (`PlanRemediation`...). */
  deployedFunction(constructId: string): DeployedFunction {
    const found = this.stack.functions.find((fn) => fn.constructId === constructId);
    if (!found) throw new Error(`the stack deploys no function ${constructId}`);
    return found;
  }

  private output(name: string): string {
    const value = this.stack.outputs[name];
    if (value === undefined) throw new Error(`the stack has no output ${name}`);
    return value;
  }

  /**
   * What a function's (or an operator's) SFN client reaches: this state machine, as the API would,
   * authorized for the caller's role (SendTaskSuccess and SendTaskFailure have no resource type: `*`;
   * DescribeExecution's is the execution).
   */
  stepFunctionsClient(caller: Caller): {
    send(command: { constructor: { name: string }; input: unknown }): Promise<unknown>;
  } {
    return {
      send: async (command) => {
        const input = command.input as Record<string, string>;
        await this.account.clock.sleep(this.account.latencyMs);
        const operation = command.constructor.name.replace(/Command$/, '');
        const resource =
          operation === 'StartExecution'
            ? this.stateMachine.stateMachineArn
            : operation === 'DescribeExecution' || operation === 'GetExecutionHistory'
              ? (input.executionArn ?? '')
              : '*';
        await this.account.authorize(caller, 'StepFunctions', operation, [
          { action: `states:${operation}`, resource },
        ]);
        switch (operation) {
          case 'SendTaskSuccess':
            this.stateMachine.sendTaskSuccess(input.taskToken ?? '', JSON.parse(input.output ?? '{}'));
            return {};
          case 'SendTaskFailure':
            this.stateMachine.sendTaskFailure(input.taskToken ?? '', input.error ?? '', input.cause ?? '');
            return {};
          case 'StartExecution': {
            const { record } = this.stateMachine.start(JSON.parse(input.input ?? '{}'), input.name);
            return { executionArn: record.executionArn, startDate: record.startedAt };
          }
          case 'DescribeExecution': {
            const found = this.stateMachine.executions.find((run) => run.executionArn === input.executionArn);
            if (!found) {
              const message = `Execution Does Not Exist: '${input.executionArn}'`;
              throw Object.assign(new Error(message), { name: 'ExecutionDoesNotExist' });
            }
            return {
              executionArn: found.executionArn,
              stateMachineArn: this.stateMachine.stateMachineArn,
              name: found.name,
              status: found.status,
              startDate: found.startedAt,
              ...(found.stoppedAt ? { stopDate: found.stoppedAt } : {}),
            };
          }
          case 'GetExecutionHistory': {
            const request = command.input as Parameters<LocalStateMachine['getExecutionHistory']>[0];
            return this.stateMachine.getExecutionHistory(request);
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
      // Findings wait in the queue until their account and Region has a free slot.
      await this.findingQueue.settled();
      await this.stateMachine.settle();
      await new Promise((resolve) => setImmediate(resolve));
      if (this.stateMachine.executions.every((execution) => execution.status !== 'RUNNING')) {
        await this.account.bus.settled();
        if (
          this.findingQueue.pending === 0 &&
          this.stateMachine.executions.every((execution) => execution.status !== 'RUNNING')
        ) {
          return this.stateMachine.executions;
        }
      }
    }
  }
}
