/**
 * One simulated AWS account and region: SageMaker, Security Hub, DynamoDB, SNS, S3, IAM, EC2, KMS, SQS,
 * Secrets Manager and the default event bus on a shared virtual clock, reachable the two ways the project calls AWS: SDK v3 clients
 * (Lambda handlers) and Step Functions Task integrations (the state machine).
 *
 * S3 buckets and notebook storage volumes are real directories under one temporary root, created on
 * first use: call `dispose()` when done (a process-exit hook removes forgotten roots as a fallback).
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { StandInIamContext } from '../fake-aws/authorize.js';
import type { AccountDirectory } from './account-directory.js';
import {
  type AuthorizationLookups,
  listBucketForMissingObject,
  requiredAuthorizations,
} from './authorization-rules.js';
import {
  type AuthorizationResult,
  authorize,
  authorizeService,
  type Caller,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySource,
  type RequiredAuthorization,
  type ServiceCaller,
} from './authorizer.js';
import { SimulatedClock } from './clock.js';
import { type CopyThroughput, DEFAULT_COPY_THROUGHPUT } from './copy-throughput.js';
import { IdSequence } from './deterministic-ids.js';
import { SimulatedDynamoDb } from './dynamodb.js';
import { SimulatedEc2 } from './ec2.js';
import { AwsServiceError, accessDeniedError, type SimulatedService, toStepFunctionsError } from './errors.js';
import { SimulatedEventBus } from './event-bus.js';
import { FaultInjector } from './faults.js';
import { isRoleArn, roleIdFor, SimulatedIam } from './iam.js';
import { SimulatedKms } from './kms.js';
import { NotebookHost } from './notebook-host.js';
import { SimulatedOrganizations } from './organizations.js';
import {
  SimulatedS3,
  s3SdkOutput,
  s3StepFunctionsError,
  s3StepFunctionsInput,
  s3StepFunctionsOutput,
} from './s3.js';
import { SimulatedSageMaker, type TransitionDurations } from './sagemaker.js';
import { defaultMaxAttempts, type RetriedResult, SeededFractions, withSdkRetries } from './sdk-retries.js';
import { SimulatedSecretsManager } from './secrets-manager.js';
import { SimulatedSecurityHub } from './security-hub.js';
import { SimulatedSns } from './sns.js';
import { SimulatedSqs } from './sqs.js';
import { SimulatedStorage } from './storage.js';

export interface SimulatedAccountOptions {
  readonly accountId?: string;
  readonly region?: string;
  readonly clock?: SimulatedClock;
  /** Virtual round-trip time of every API call (default 50 ms; 0 makes calls instantaneous). */
  readonly latencyMs?: number;
  readonly durations?: Partial<TransitionDurations>;
  /** `typical` applies TYPICAL_RATE_LIMITS from the start (default `none`). */
  readonly rateLimits?: 'none' | 'typical';
  readonly eventDeliveryDelayMs?: number;
  readonly securityHubUpdateDelayMs?: number;
  /**
   * Directory for S3 buckets (`<root>/s3`), notebook volumes and script scratch space. Default: a
   * fresh temporary directory, removed by `dispose()`; a directory given here is left in place.
   */
  readonly storageRoot?: string;
  /** Real-time limit of one lifecycle script run, standing for AWS's 5 minutes (default 30 000 ms). */
  readonly lifecycleScriptTimeoutMs?: number;
  /** Directory of the stand-in `aws` CLI scripts find first on PATH (default simulation/fake-aws). */
  readonly fakeAwsDir?: string;
  /** Extra variables for every lifecycle script (also settable later on `notebookHost.extraEnv`). */
  readonly lifecycleScriptEnv?: Readonly<Record<string, string>>;
  /** The rates of a lifecycle script's copy, in simulated time (default DEFAULT_COPY_THROUGHPUT). */
  readonly copyThroughput?: CopyThroughput;
  /**
   * Check the subnets, security groups, KMS keys and secrets notebooks name from the start (default:
   * once the test seeds something in EC2, KMS or Secrets Manager; until then they are taken as given).
   */
  readonly strictReferences?: boolean;
  /**
   * The SDK clients' retries (`sdkClients`, `routeSdkClient`, the DynamoDB wire): `standard` (default)
   * retries throttling and transient errors as the SDK's standard mode does (sdk-retries.ts), waiting on
   * the clock; `off` makes every call one attempt. Step Functions tasks are never retried here: their
   * Retry fields are the runner's business.
   */
  readonly sdkRetries?: 'standard' | 'off';
  /** Seed of the retries' jitter (default `sdk-retries`): the same seed, the same delays. */
  readonly sdkRetrySeed?: string;
  /** IAM is global to an account: the same account in another Region shares it (AccountDirectory). */
  readonly iam?: SimulatedIam;
}

/** Per set of SDK clients: what the project's client constructors set. */
export interface SdkClientOptions {
  /** Attempts in all, as the client's `maxAttempts` (default: the SDK's, 3, or 4 for DynamoDB). */
  readonly maxAttempts?: number;
}

export type CallChannel = 'sdk' | 'step-functions';

/** One authorization the account evaluated: who, what, and what decided it. */
export interface AuthorizationRecord {
  readonly at: Date;
  readonly caller: Caller;
  readonly service: SimulatedService | 'Lambda' | 'StepFunctions' | 'EventBridge' | 'STS';
  readonly operation: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: AuthorizationResult['decision'];
  /** The identity statements that allowed it (`<policy>#<Sid or index>`). */
  readonly allowedBy: readonly string[];
}

/** The session name SageMaker gives a notebook instance's role. */
const NOTEBOOK_SESSION_NAME = 'SageMaker';

/** The role every call without a caller of its own is made as: it may do anything (tests, seeding). */
export const ADMINISTRATOR_ROLE_NAME = 'SimulationAdministrator';

/**
 * What a notebook role may do in S3 unless a test says otherwise: the object statement of the AWS
 * managed policy AmazonSageMakerFullAccess, which most notebook roles carry. Any bucket whose name
 * contains "sagemaker" is open to it, which is why the snapshot bucket's own policy must fence each
 * notebook into its prefix.
 */
export const TYPICAL_NOTEBOOK_ROLE_POLICY: NamedPolicy = {
  name: 'AmazonSageMakerFullAccess-S3Objects',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: ['arn:aws:s3:::*SageMaker*', 'arn:aws:s3:::*Sagemaker*', 'arn:aws:s3:::*sagemaker*'],
      },
    ],
  },
};

export interface ApiCall {
  /** When the service handled the call (half the latency after it was sent). */
  readonly at: Date;
  readonly service: SimulatedService;
  readonly operation: string;
  readonly input: unknown;
  /** `ok`, or the error code the call failed with. */
  readonly outcome: string;
  readonly via: CallChannel;
  readonly requestId: string;
}

/** The minimal client shape: what `send` needs from an SDK v3 command. */
export interface SimulatedSdkClient {
  send(command: { readonly input?: unknown }): Promise<unknown>;
}

export interface SimulatedSdkClients {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly securityHub: Pick<SecurityHubClient, 'send'>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  /** No SNS client is installed in the project, so this one has the minimal shape. */
  readonly sns: SimulatedSdkClient;
  /**
   * No `@aws-sdk/client-s3` is installed either: minimal shape, keyed by the command's class name
   * (`new GetObjectCommand({...})` of the real SDK, or any class named `<Operation>Command` with an
   * `input`). GetObject's Body has `transformToString()` and `transformToByteArray()`.
   */
  readonly s3: SimulatedSdkClient;
  /** Minimal shape as well (`GetRoleCommand`). */
  readonly iam: SimulatedSdkClient;
  /** No EC2, KMS, SQS or Secrets Manager client is installed: minimal shape too. */
  readonly ec2: SimulatedSdkClient;
  readonly kms: SimulatedSdkClient;
  readonly sqs: SimulatedSdkClient;
  readonly secretsManager: SimulatedSdkClient;
  /** ListParents (organizations.ts). */
  readonly organizations: SimulatedSdkClient;
}

type RoutableClient = SageMakerClient | SecurityHubClient | DynamoDBClient;

const STEP_FUNCTIONS_SERVICES: Readonly<Record<string, SimulatedService>> = {
  sagemaker: 'SageMaker',
  securityhub: 'SecurityHub',
  dynamodb: 'DynamoDB',
  sns: 'SNS',
  s3: 'S3',
  iam: 'IAM',
  ec2: 'EC2',
  kms: 'KMS',
  sqs: 'SQS',
  secretsmanager: 'SecretsManager',
};

const SDK_CLIENT_SERVICES: Readonly<Record<string, SimulatedService>> = {
  SageMakerClient: 'SageMaker',
  SecurityHubClient: 'SecurityHub',
  DynamoDBClient: 'DynamoDB',
  SNSClient: 'SNS',
  S3Client: 'S3',
  IAMClient: 'IAM',
  EC2Client: 'EC2',
  KMSClient: 'KMS',
  SQSClient: 'SQS',
  SecretsManagerClient: 'SecretsManager',
  OrganizationsClient: 'Organizations',
};

/** Optimized (non aws-sdk) integrations the project might use, and their actions. */
const OPTIMIZED_INTEGRATIONS: Readonly<Record<string, readonly string[]>> = {
  dynamodb: ['getItem', 'putItem', 'updateItem', 'deleteItem'],
  sns: ['publish'],
  sqs: ['sendMessage'],
};

export class SimulatedAccount {
  readonly accountId: string;
  readonly region: string;
  readonly clock: SimulatedClock;
  readonly latencyMs: number;
  readonly sdkRetries: 'standard' | 'off';
  readonly faults: FaultInjector;
  readonly bus: SimulatedEventBus;
  readonly sagemaker: SimulatedSageMaker;
  readonly securityHub: SimulatedSecurityHub;
  readonly dynamodb: SimulatedDynamoDb;
  readonly sns: SimulatedSns;
  readonly s3: SimulatedS3;
  readonly iam: SimulatedIam;
  readonly ec2: SimulatedEc2;
  readonly kms: SimulatedKms;
  readonly sqs: SimulatedSqs;
  readonly secretsManager: SimulatedSecretsManager;
  /** AWS Organizations as this account calls it: create or join an organization to use it. */
  readonly organizations: SimulatedOrganizations;
  /** The directories behind S3 and the notebook volumes. */
  readonly storage: SimulatedStorage;
  /** Notebook storage volumes and lifecycle script runs. */
  readonly notebookHost: NotebookHost;
  /** Every API call made against the account, in the order the services handled them. */
  readonly calls: ApiCall[] = [];
  /** Every authorization evaluated (allowed or denied), in order. */
  readonly authorizations: AuthorizationRecord[] = [];
  /** Who calls made without a caller of their own are made as. */
  readonly administrator: Caller;
  private readonly requestIds = new IdSequence('request');
  /** The other accounts and Regions of the estate, once the account joined an AccountDirectory. */
  private directory: AccountDirectory | undefined;
  private readonly retryJitter: SeededFractions;
  private readonly handlers: Readonly<
    Record<SimulatedService, Readonly<Record<string, (input: unknown) => unknown>>>
  >;

  constructor(options: SimulatedAccountOptions = {}) {
    this.accountId = options.accountId ?? '111122223333';
    this.region = options.region ?? 'eu-west-1';
    this.clock = options.clock ?? new SimulatedClock();
    this.latencyMs = options.latencyMs ?? 50;
    if (!Number.isFinite(this.latencyMs) || this.latencyMs < 0) {
      throw new Error(`latencyMs must be >= 0, got ${this.latencyMs}`);
    }
    this.sdkRetries = options.sdkRetries ?? 'standard';
    this.retryJitter = new SeededFractions(options.sdkRetrySeed ?? 'sdk-retries');
    this.faults = new FaultInjector(this.clock);
    if (options.rateLimits === 'typical') {
      this.faults.applyTypicalRateLimits();
    }
    this.bus = new SimulatedEventBus(this.clock, { deliveryDelayMs: options.eventDeliveryDelayMs ?? 0 });
    this.storage = new SimulatedStorage(
      options.storageRoot === undefined ? {} : { root: options.storageRoot },
    );
    this.notebookHost = new NotebookHost({
      storage: this.storage,
      region: this.region,
      throughput: options.copyThroughput ?? DEFAULT_COPY_THROUGHPUT,
      iam: {
        contextFor: (roleArn, at) => this.standInContext(roleArn, at),
        record: (roleArn, at, decisions) => {
          const caller = this.callerFor(roleArn, NOTEBOOK_SESSION_NAME);
          for (const decision of decisions) {
            this.authorizations.push({ at, caller, service: 'S3', ...decision });
          }
        },
      },
      ...(options.fakeAwsDir === undefined ? {} : { fakeAwsDir: options.fakeAwsDir }),
      ...(options.lifecycleScriptTimeoutMs === undefined
        ? {}
        : { scriptTimeoutMs: options.lifecycleScriptTimeoutMs }),
      ...(options.lifecycleScriptEnv === undefined ? {} : { extraEnv: options.lifecycleScriptEnv }),
    });
    this.iam = options.iam ?? new SimulatedIam(this.clock, this.accountId);
    // Notebook deletions due by now release their interface and grant before anyone looks.
    const settleNotebooks = () => this.sagemaker.settleAll();
    this.ec2 = new SimulatedEc2(this.accountId, this.region, settleNotebooks);
    this.kms = new SimulatedKms(this.clock, this.accountId, this.region, settleNotebooks);
    this.secretsManager = new SimulatedSecretsManager(this.clock, this.accountId, this.region);
    this.organizations = new SimulatedOrganizations(this.accountId);
    this.sqs = new SimulatedSqs(this.clock, this.kms, this.accountId, this.region);
    if (options.strictReferences === true) {
      for (const service of [this.ec2, this.kms, this.secretsManager]) service.checkReferencesStrictly();
    }
    this.sagemaker = new SimulatedSageMaker(this.clock, {
      accountId: this.accountId,
      region: this.region,
      faults: this.faults,
      host: this.notebookHost,
      onRoleUsed: (roleArn) => {
        if (isRoleArn(roleArn)) this.iam.ensureRole(roleArn, [TYPICAL_NOTEBOOK_ROLE_POLICY]);
      },
      references: { ec2: this.ec2, kms: this.kms, secretsManager: this.secretsManager },
      ...(options.durations === undefined ? {} : { durations: options.durations }),
    });
    this.s3 = new SimulatedS3(this.clock, {
      root: () => this.storage.s3Root(),
      accountId: this.accountId,
      region: this.region,
      // Lifecycle scripts due by now have run before anyone looks at the bucket.
      beforeAccess: () => {
        this.sagemaker.settleAll();
        this.notebookHost.landDue(this.clock.nowMs());
      },
    });
    this.securityHub = new SimulatedSecurityHub(this.clock, this.bus, {
      accountId: this.accountId,
      region: this.region,
      updateProcessingDelayMs: options.securityHubUpdateDelayMs ?? 0,
    });
    this.dynamodb = new SimulatedDynamoDb(this.clock, this.accountId, this.region);
    this.sns = new SimulatedSns(this.clock, this.accountId, this.region);
    this.handlers = {
      SageMaker: this.sagemaker.operations(),
      SecurityHub: this.securityHub.operations(),
      DynamoDB: this.dynamodb.operations(),
      SNS: this.sns.operations(),
      S3: this.s3.operations(),
      IAM: this.iam.operations(),
      EC2: this.ec2.operations(),
      KMS: this.kms.operations(),
      SQS: this.sqs.operations(),
      SecretsManager: this.secretsManager.operations(),
      Organizations: this.organizations.operations(),
    };
    // The same account in another Region shares its IAM, administrator role included.
    const administratorArn = this.iam.hasRole(ADMINISTRATOR_ROLE_NAME)
      ? this.iam.getRole({ RoleName: ADMINISTRATOR_ROLE_NAME }).Role.Arn
      : this.iam.createRole({
          roleName: ADMINISTRATOR_ROLE_NAME,
          inlinePolicies: [
            {
              name: 'AdministratorAccess',
              document: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
              },
            },
          ],
        });
    this.administrator = this.callerFor(administratorArn, 'simulation');
  }

  /**
   * What Step Functions does before a `lambda:invoke` Task: the state machine's role must be allowed
   * lambda:InvokeFunction on the function. A denial reaches the Task as Lambda.AWSLambdaException.
   */
  async authorizeInvoke(caller: Caller, functionArn: string): Promise<void> {
    try {
      await this.authorize(caller, 'Lambda', 'Invoke', [
        { action: 'lambda:InvokeFunction', resource: functionArn, resourcePolicyArn: functionArn },
      ]);
    } catch (error) {
      throw Object.assign(
        new Error(
          `${(error as Error).message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`,
        ),
        { name: 'Lambda.AWSLambdaException' },
      );
    }
  }

  /**
   * An AWS service acting for a resource of the account (EventBridge for a rule invoking a function):
   * only the resource's policy can allow it. Throws AccessDeniedException otherwise.
   */
  async authorizeServicePrincipal(
    caller: ServiceCaller,
    service: AuthorizationRecord['service'],
    operation: string,
    required: RequiredAuthorization,
  ): Promise<void> {
    const result = await this.clock.hold(() =>
      authorizeService(caller, required, this.policies, {
        accountId: this.accountId,
        region: this.region,
        now: this.clock.now(),
      }),
    );
    this.authorizations.push({
      at: this.clock.now(),
      caller: { roleArn: caller.service, sessionName: caller.sourceArn, roleId: caller.service },
      service,
      operation,
      action: required.action,
      resource: required.resource,
      decision: result.decision,
      allowedBy: result.allowedBy,
    });
    if (result.decision !== 'Allowed') {
      throw accessDeniedError(service, operation, required, result.message ?? 'Access denied');
    }
  }

  /**
   * What the stand-in CLI on a notebook needs to authorize its calls as the notebook's role: the
   * role's policies, and the policies of every bucket and of the keys that encrypt them.
   */
  private standInContext(roleArn: string, at: Date): StandInIamContext {
    const buckets = Object.fromEntries(
      this.s3
        .encryptedBuckets()
        .map(({ bucket, keyArn, bucketKeyEnabled }) => [bucket, { keyArn, bucketKey: bucketKeyEnabled }]),
    );
    const resourcePolicies: Record<string, PolicyDocument> = {};
    for (const bucket of this.s3.bucketNames()) {
      const arn = `arn:aws:s3:::${bucket}`;
      const policy = this.policies.resourcePolicyOf(arn);
      if (policy) resourcePolicies[arn] = policy;
    }
    for (const { keyArn } of Object.values(buckets)) {
      const policy = this.policies.resourcePolicyOf(keyArn);
      if (policy) resourcePolicies[keyArn] = policy;
    }
    return {
      accountId: this.accountId,
      region: this.region,
      at: at.toISOString(),
      caller: this.callerFor(roleArn, NOTEBOOK_SESSION_NAME),
      identityPolicies: this.iam.identityPoliciesOf(roleArn) ?? [],
      resourcePolicies,
      buckets,
    };
  }

  /** Called by AccountDirectory: the account can now route calls made as another account's roles. */
  joinDirectory(directory: AccountDirectory): void {
    if (this.directory !== undefined && this.directory !== directory) {
      throw new Error(`account ${this.accountId} in ${this.region} already belongs to a directory`);
    }
    this.directory = directory;
  }

  /**
   * What Step Functions does for a Task with Credentials: AssumeRole as the state machine's role, in
   * this Region. Needs the account to be in an AccountDirectory (which holds STS).
   */
  async assumeTaskRole(caller: Caller, roleArn: string, sessionName: string): Promise<Caller> {
    if (!this.directory) {
      throw new Error('assumeTaskRole needs the account to be in an AccountDirectory');
    }
    const assumed = await this.directory.assumeRole(
      caller,
      { RoleArn: roleArn, RoleSessionName: sessionName },
      this.region,
    );
    return assumed.caller;
  }

  /** The directory this account belongs to, if any (several accounts and Regions, and STS). */
  get accountDirectory(): AccountDirectory | undefined {
    return this.directory;
  }

  /** A session of a role of this account (the role's id comes from IAM). */
  callerFor(roleArn: string, sessionName: string): Caller {
    return { roleArn, sessionName, roleId: roleIdFor(roleArn) };
  }

  /** The policies the authorizer evaluates: identity policies from IAM, resource policies from their owners. */
  get policies(): PolicySource {
    return {
      identityPoliciesOf: (roleArn) => this.iam.identityPoliciesOf(roleArn),
      resourcePolicyOf: (arn) => {
        if (arn.includes(':kms:')) return parsePolicy(this.kms.keyPolicy(arn));
        if (arn.includes(':sqs:')) {
          const queueName = arn.slice(arn.lastIndexOf(':') + 1);
          const url = `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${queueName}`;
          return parsePolicy(this.sqs.queue(url)?.policy) ?? this.iam.resourcePolicyOf(arn);
        }
        return this.iam.resourcePolicyOf(arn);
      },
    };
  }

  /** What the IAM rules need to know of the account's resources. */
  get authorizationLookups(): AuthorizationLookups {
    return {
      accountId: this.accountId,
      region: this.region,
      partition: 'aws',
      notebook: (name) => this.sagemaker.authorizationFacts(name),
      codeRepositorySecretArn: (name) => this.sagemaker.codeRepositorySecretArn(name),
      secretArn: (secretId) => this.secretsManager.secretArn(secretId),
      keyArn: (keyId) => this.kms.keyArn(keyId),
      bucketEncryption: (bucket) => {
        const encryption = this.s3.bucketEncryption(bucket);
        return encryption && { keyArn: encryption.keyArn, bucketKey: encryption.bucketKeyEnabled };
      },
      objectKeyArn: (bucket, key) => this.s3.objectKmsKeyArn(bucket, key),
      tableKeyArn: (table) => this.dynamodb.tableKmsKeyArn(table),
      topicKeyArn: (topic) => this.sns.topicKmsKeyArn(topic),
      queue: (queueUrl) => this.sqs.queue(queueUrl),
      endpointConfigKmsKeyId: (name) => this.sagemaker.inference.endpointConfigKmsKeyId(name),
      organizationsChildArn: (childId) => this.organizations.resourceArnOf(childId),
    };
  }

  /**
   * Evaluates the permissions a request needs, in order, for `caller`; throws the service's
   * access-denied error for the first one missing. Every evaluation is recorded.
   */
  async authorize(
    caller: Caller,
    service: AuthorizationRecord['service'],
    operation: string,
    required: readonly RequiredAuthorization[],
  ): Promise<void> {
    for (const requirement of required) {
      const principalOrgId = this.directory?.organizationOf(caller.roleArn.split(':')[4] ?? '');
      const result = await this.clock.hold(() =>
        authorize(caller, requirement, this.policies, {
          accountId: this.accountId,
          region: this.region,
          now: this.clock.now(),
          ...(principalOrgId === undefined ? {} : { principalOrgId }),
        }),
      );
      this.authorizations.push({
        at: this.clock.now(),
        caller,
        service,
        operation,
        action: requirement.action,
        resource: requirement.resource,
        decision: result.decision,
        allowedBy: result.allowedBy,
      });
      if (result.decision !== 'Allowed') {
        throw accessDeniedError(service, operation, requirement, result.message ?? 'Access denied');
      }
    }
  }

  /** Removes the account's temporary directories (S3 objects, notebook volumes). Idempotent. */
  dispose(): void {
    this.storage.dispose();
  }

  /** Calls of one service (and operation), for assertions. */
  callsTo(service: SimulatedService, operation?: string): ApiCall[] {
    return this.calls.filter(
      (call) => call.service === service && (operation === undefined || call.operation === operation),
    );
  }

  /**
   * Makes one API call: half the latency out, the fault check, the service, half the latency back.
   * Returns the service's result (Dates as Dates), without `$metadata`.
   */
  async invoke(
    service: SimulatedService,
    operation: string,
    input: unknown,
    via: CallChannel,
    caller: Caller = this.administrator,
  ): Promise<unknown> {
    return (await this.perform(service, operation, input, via, caller)).value;
  }

  private async perform(
    service: SimulatedService,
    operation: string,
    input: unknown,
    via: CallChannel,
    caller: Caller,
  ): Promise<{ value: unknown; requestId: string }> {
    const handler = this.handlers[service][operation];
    if (handler === undefined) {
      throw new Error(`The simulated account does not simulate ${service} ${operation}`);
    }
    const requestId = this.requestIds.next();
    const ownInput = structuredClone(input);
    const outbound = Math.floor(this.latencyMs / 2);
    await this.clock.sleep(outbound);
    const at = this.clock.now();
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      // AWS authorizes a request before the service acts on it (or throttles it).
      await this.authorize(
        caller,
        service,
        operation,
        requiredAuthorizations(service, operation, ownInput, this.authorizationLookups),
      );
      const fault = this.faults.check(service, operation, ownInput);
      if (fault !== undefined) {
        throw fault;
      }
      // The caller gets its own copy, as it would get a deserialised response.
      outcome = { ok: true, value: structuredClone(handler(ownInput)) };
    } catch (thrown) {
      let error = thrown;
      if (isMissingObject(service, operation, error)) {
        // S3 says NoSuchKey only to callers that may list the bucket; to others, AccessDenied.
        const bucket = String((ownInput as { Bucket?: unknown }).Bucket ?? '');
        try {
          await this.authorize(caller, service, operation, [
            listBucketForMissingObject(bucket, this.authorizationLookups),
          ]);
        } catch (denied) {
          error = denied;
        }
      }
      if (error instanceof AwsServiceError && error.$metadata.requestId === '') {
        error.$metadata.requestId = requestId;
      }
      outcome = { ok: false, error };
    }
    this.calls.push({
      at,
      service,
      operation,
      input: ownInput,
      outcome: outcome.ok
        ? 'ok'
        : outcome.error instanceof AwsServiceError
          ? outcome.error.name
          : 'SimulationError',
      via,
      requestId,
    });
    await this.clock.sleep(this.latencyMs - outbound);
    if (!outcome.ok) {
      throw outcome.error;
    }
    return { value: outcome.value, requestId };
  }

  /**
   * SDK v3 shaped clients: `send(new DescribeNotebookInstanceCommand({...}))` resolves with the
   * response and `$metadata`, or rejects with an AwsServiceError.
   *
   * The clients are typed as the real ones (only `send`), so handler code written against
   * `Pick<SageMakerClient, 'send'>` takes them without a cast. That type is a promise about the
   * runtime shape, which `send` keeps: it reads only `command.input` and the command class name.
   *
   * Every call is authorized for `caller` (default: the administrator, for seeding and tests), and
   * retried as the SDK would (`sdkRetries`), each attempt a call of its own in `calls`.
   */
  sdkClients(caller: Caller = this.administrator, options: SdkClientOptions = {}): SimulatedSdkClients {
    const clientFor = (service: SimulatedService): SimulatedSdkClient => ({
      send: (command) => this.sendCommand(service, command, caller, options.maxAttempts),
    });
    return {
      sagemaker: clientFor('SageMaker') as unknown as Pick<SageMakerClient, 'send'>,
      securityHub: clientFor('SecurityHub') as unknown as Pick<SecurityHubClient, 'send'>,
      dynamodb: clientFor('DynamoDB') as unknown as Pick<DynamoDBClient, 'send'>,
      sns: clientFor('SNS'),
      s3: clientFor('S3'),
      iam: clientFor('IAM'),
      ec2: clientFor('EC2'),
      kms: clientFor('KMS'),
      sqs: clientFor('SQS'),
      secretsManager: clientFor('SecretsManager'),
      organizations: clientFor('Organizations'),
    };
  }

  /**
   * Routes a real SDK v3 client to this account by adding a middleware that answers every command
   * before serialisation. Paginators (which insist on a real client) then work too. The middleware sits
   * before the SDK's retry step, so the SDK's own retries (on real timers) never run: the account
   * retries instead, on its clock, as many attempts as the client's `maxAttempts`.
   */
  routeSdkClient<T extends RoutableClient>(client: T, caller: Caller = this.administrator): T {
    const stack = client.middlewareStack as SageMakerClient['middlewareStack'];
    const configured = (client.config as { maxAttempts?: () => Promise<number> }).maxAttempts;
    stack.add(
      (_next, context) => async (args) => {
        const service = SDK_CLIENT_SERVICES[context.clientName ?? ''];
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        if (service === undefined) {
          throw new Error(`The simulated account cannot route ${context.clientName ?? 'an unnamed client'}`);
        }
        const maxAttempts = configured === undefined ? undefined : await configured();
        const output = await this.sendCommand(service, { operation, input: args.input }, caller, maxAttempts);
        // The SDK's output type is per command; the simulated response has that command's shape.
        return { output: output as never, response: {} };
      },
      { step: 'initialize', priority: 'high', name: 'simulatedAccountRouter' },
    );
    return client;
  }

  /**
   * One SDK call with the SDK's retries (unless `sdkRetries` is `off`): each attempt is authorized,
   * logged in `calls` and takes the latency; the backoff waits on the clock. The DynamoDB wire uses it
   * too. Rejects with the last attempt's error, `$metadata.attempts` set.
   */
  async invokeWithSdkRetries(
    service: SimulatedService,
    operation: string,
    input: unknown,
    caller: Caller = this.administrator,
    maxAttempts?: number,
  ): Promise<RetriedResult<{ value: unknown; requestId: string }>> {
    const attempt = () => this.perform(service, operation, input, 'sdk', caller);
    if (this.sdkRetries === 'off') {
      return { value: await attempt(), attempts: 1, totalRetryDelay: 0 };
    }
    return withSdkRetries(attempt, {
      service,
      maxAttempts: maxAttempts ?? defaultMaxAttempts(service),
      random: () => this.retryJitter.next(),
      sleep: (ms) => this.clock.sleep(ms),
    });
  }

  /**
   * What a Step Functions Task state does for `arn:aws:states:::aws-sdk:<service>:<action>` (and the
   * optimized `dynamodb:*Item`, `sns:publish` and `sqs:sendMessage` integrations): PascalCase JSON parameters in, the
   * JSON result out (Dates become ISO strings, S3 GetObject's Body is text), errors named as Retry and
   * Catch see them (`S3.NoSuchKeyException` also for a HeadObject miss, as the SDK for Java translates it).
   * With `.waitForTaskToken` the call is made and its result returned; waiting for the token is the
   * caller's business. The call is authorized for `caller`, the state machine's role.
   */
  async callStepFunctionsIntegration(
    resource: string,
    parameters: unknown,
    caller: Caller = this.administrator,
  ): Promise<unknown> {
    const match = /^arn:aws:states:::(aws-sdk:)?([a-z0-9]+):([A-Za-z0-9]+)(\.waitForTaskToken)?$/.exec(
      resource,
    );
    const [, sdkPrefix, serviceKey = '', action = ''] = match ?? [];
    const service = STEP_FUNCTIONS_SERVICES[serviceKey];
    const optimized = sdkPrefix === undefined;
    if (
      match === null ||
      service === undefined ||
      (optimized && !(OPTIMIZED_INTEGRATIONS[serviceKey]?.includes(action) ?? false))
    ) {
      throw new Error(
        `The simulated account does not simulate the Task resource ${resource}: it simulates ` +
          'arn:aws:states:::aws-sdk:{sagemaker,securityhub,dynamodb,sns,s3,iam,ec2,kms,sqs,secretsmanager}:' +
          '<action>, arn:aws:states:::dynamodb:{getItem,putItem,updateItem,deleteItem}, ' +
          'arn:aws:states:::sns:publish and arn:aws:states:::sqs:sendMessage',
      );
    }
    // A Task with Credentials calls as a role of another account, in the state machine's own Region:
    // the AWS SDK integrations do not cross Regions.
    const callerAccount = caller.roleArn.split(':')[4];
    if (callerAccount !== undefined && callerAccount !== this.accountId) {
      const other = this.directory?.account(callerAccount, this.region);
      if (!other) {
        throw new Error(
          `A Task calls as ${caller.roleArn}, but the simulation has no account ${callerAccount} in ${this.region}`,
        );
      }
      return other.callStepFunctionsIntegration(resource, parameters, caller);
    }
    const operation = action.charAt(0).toUpperCase() + action.slice(1);
    const parsed: unknown = parameters === undefined ? {} : JSON.parse(JSON.stringify(parameters));
    const input = service === 'S3' ? s3StepFunctionsInput(operation, parsed) : parsed;
    try {
      const { value, requestId } = await this.perform(service, operation, input, 'step-functions', caller);
      const output = service === 'S3' ? s3StepFunctionsOutput(operation, value) : value;
      const json: unknown = JSON.parse(JSON.stringify(output ?? {}));
      if (!optimized) {
        return json;
      }
      // The optimized integrations return the SDK for Java v1 response metadata as well.
      return {
        ...(json as Record<string, unknown>),
        SdkHttpMetadata: {
          AllHttpHeaders: { 'x-amzn-RequestId': [requestId] },
          HttpHeaders: { 'x-amzn-RequestId': requestId },
          HttpStatusCode: 200,
        },
        SdkResponseMetadata: { RequestId: requestId },
      };
    } catch (error) {
      if (error instanceof AwsServiceError) {
        const seen = service === 'S3' ? s3StepFunctionsError(operation, error) : error;
        throw toStepFunctionsError(seen, service, operation, optimized ? 'optimized' : 'aws-sdk');
      }
      throw error;
    }
  }

  private async sendCommand(
    service: SimulatedService,
    command: { readonly input?: unknown; readonly operation?: string },
    caller: Caller,
    maxAttempts: number | undefined,
  ): Promise<unknown> {
    const operation = command.operation ?? commandOperation(command);
    const {
      value: result,
      attempts,
      totalRetryDelay,
    } = await this.invokeWithSdkRetries(service, operation, command.input ?? {}, caller, maxAttempts);
    const value = service === 'S3' ? s3SdkOutput(operation, result.value) : result.value;
    return {
      ...(typeof value === 'object' && value !== null ? value : {}),
      $metadata: { httpStatusCode: 200, requestId: result.requestId, attempts, totalRetryDelay },
    };
  }
}

/** A resource policy as IAM JSON, from the text or document a service keeps. */
function parsePolicy(
  policy: string | Readonly<Record<string, unknown>> | undefined,
): PolicyDocument | undefined {
  if (policy === undefined) return undefined;
  return (typeof policy === 'string' ? JSON.parse(policy) : policy) as PolicyDocument;
}

/** A GetObject or HeadObject that found no object (NoSuchKey, or the bodyless NotFound of a HEAD). */
function isMissingObject(service: SimulatedService, operation: string, error: unknown): boolean {
  return (
    service === 'S3' &&
    (operation === 'GetObject' || operation === 'HeadObject') &&
    error instanceof AwsServiceError &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound')
  );
}

/** `DescribeNotebookInstanceCommand` -> `DescribeNotebookInstance`. */
function commandOperation(command: object): string {
  const name = command.constructor.name;
  if (!name.endsWith('Command') || name === 'Command') {
    throw new Error(`Cannot tell the operation of ${name}: pass an SDK v3 command instance`);
  }
  return name.slice(0, -'Command'.length);
}
