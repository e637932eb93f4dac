/**
 * The deployment's configuration: the one place where what an operator may set is defined, validated
 * and defaulted. It is read from the CDK context key `remediation` (cdk.json, or `-c remediation='{...}'`)
 * and documented in docs/configuration.md.
 *
 * No CDK imports: the local harness and the benchmark can load a configuration without synthesising.
 */
import { z } from 'zod';
import {
  allowedModes,
  CONTROL_IDS,
  CONTROLS,
  type ControlId,
  controlsInScope,
  findControl,
  RECREATE_CONTROL_IDS,
  REMEDIATION_MODES,
  type RemediationMode,
  resolveModes,
} from '../handlers/shared/controls-catalogue.js';
import type { FindingScope } from '../handlers/shared/finding-scope.js';
import {
  DEFAULT_CHECK_BACKOFF_SECONDS,
  DEFAULT_MAX_STATUS_CHECKS,
  DEFAULT_RECOVERY_MINUTES,
  DEFAULT_TIMING,
  expandBackoff,
  type RuntimeSettingsInput,
  recoveryDelays,
} from '../handlers/shared/runtime-settings.js';
import { IN_PLACE_LOCK_SECONDS, recoveryWorstSeconds } from '../handlers/shared/work-budget.js';
import {
  type DefinitionOptions,
  EXECUTION_TIMEOUT_SECONDS,
  MAX_STANDARD_EXECUTION_SECONDS,
} from '../statemachines/remediation-definition.js';
import { RESOURCE_ENGINES, type ResourceEngine } from '../statemachines/resource-states.js';
import { customActionIdPrefixProblems } from './custom-action-event-pattern.js';
import { type MembersConfiguration, membersSchema } from './member-configuration.js';
import { kmsKeyIdProblem } from './recreation-resources.js';
import { scopeSchema, scopeSettings } from './scope-configuration.js';

/** The CDK context key the configuration is read from. */
export const CONFIGURATION_CONTEXT_KEY = 'remediation';

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

export const DEFAULT_EXEMPTION_TAG = { key: 'securityhub-remediation', value: 'skip' } as const;
export const DEFAULT_LOG_RETENTION_DAYS: LogRetentionDays = 365;

const firstControl = CONTROL_IDS[0];
const lastControl = CONTROL_IDS[CONTROL_IDS.length - 1];

const modesSchema = z
  .record(z.string(), z.string())
  .superRefine((modes, context) => {
    for (const [controlId, mode] of Object.entries(modes)) {
      const control = findControl(controlId);
      if (!control) {
        context.addIssue({
          code: 'custom',
          path: [controlId],
          message: `unknown control; the catalogue has ${firstControl} to ${lastControl}`,
        });
      } else if (!(REMEDIATION_MODES as readonly string[]).includes(mode)) {
        context.addIssue({
          code: 'custom',
          path: [controlId],
          message: `'${mode}' is not a mode; modes are ${REMEDIATION_MODES.join(', ')}`,
        });
      } else if (!allowedModes(control).includes(mode as RemediationMode)) {
        context.addIssue({
          code: 'custom',
          path: [controlId],
          message: `'${mode}' is not allowed; ${controlId} supports ${allowedModes(control).join(', ')}`,
        });
      }
    }
  })
  .superRefine((modes, context) => {
    // Only meaningful once every entry is valid: a rule matching no control is a deployment mistake.
    const overrides = modes as Partial<Record<ControlId, RemediationMode>>;
    if (controlsInScope(resolveModes(overrides)).length === 0) {
      context.addIssue({ code: 'custom', message: 'every control is off: the workflow would never start' });
    }
  })
  .transform((modes) => modes as Partial<Record<ControlId, RemediationMode>>);

const exemptionTagSchema = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(128)
    .refine((key) => !key.toLowerCase().startsWith('aws:'), {
      message: "must not start with 'aws:' (reserved by AWS)",
    })
    .default(DEFAULT_EXEMPTION_TAG.key),
  value: z.string().max(256).default(DEFAULT_EXEMPTION_TAG.value),
});

/**
 * The tags SageMaker.6 and .7 require on images and app image configurations: key to value. The same
 * rules as SageMaker's AddTags (at most 50, keys 1-128 characters without `aws:`, values up to 256).
 */
const requiredTagsSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(128)
      .regex(/^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u, { message: 'is not a valid tag key' })
      .refine((key) => !key.toLowerCase().startsWith('aws:'), {
        message: "must not start with 'aws:' (reserved by AWS)",
      }),
    z
      .string()
      .max(256)
      .regex(/^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u, { message: 'is not a valid tag value' }),
  )
  .refine((tags) => Object.keys(tags).length <= 50, { message: 'names more than 50 tags' });

const seconds = z.number().int().min(1).max(3600);

/**
 * The longest a root-access run (SageMaker.3) can spend waiting: the first wait of each action, then
 * every status check of each phase. It must stay under the in-place lock; a recreation has more phases
 * and the work budget (handlers/shared/work-budget.ts, docs/configuration.md).
 */
export function worstCaseWaitSeconds(timing: {
  readonly stopSeconds: number;
  readonly updateSeconds: number;
  readonly deleteSeconds: number;
  readonly startSeconds: number;
  readonly pollDelaysSeconds: readonly number[];
  readonly runStateRecoveryMinutes: number;
}): number {
  const checksPerPhase = timing.pollDelaysSeconds.reduce((total, delay) => total + delay, 0);
  // Phases: after stop, after update, after start; then the recovery, which tries for its own budget.
  const phases = 3;
  const recovery = recoveryWorstSeconds(recoveryDelays(timing.runStateRecoveryMinutes), timing);
  return timing.stopSeconds + timing.updateSeconds + timing.startSeconds + phases * checksPerPhase + recovery;
}

const timingSchema = z
  .strictObject({
    stopSeconds: seconds.optional(),
    updateSeconds: seconds.optional(),
    deleteSeconds: seconds.optional(),
    startSeconds: seconds.optional(),
    checkBackoffSeconds: z.array(seconds).min(1).max(40).optional(),
    maxStatusChecks: z.number().int().min(1).max(200).optional(),
    /** The explicit delay of every check; what the other two expand to (a loaded configuration has it). */
    pollDelaysSeconds: z.array(seconds).min(1).max(200).optional(),
    /** After a failure, how long to keep trying to bring a notebook back to its prior run state. */
    runStateRecoveryMinutes: z.number().int().min(1).max(180).optional(),
    /** After a failure, how long to keep trying to put a notebook's own lifecycle configuration back. */
    lifecycleRecoveryMinutes: z.number().int().min(1).max(180).optional(),
  })
  .refine(
    (overrides) =>
      overrides.pollDelaysSeconds === undefined ||
      (overrides.checkBackoffSeconds === undefined && overrides.maxStatusChecks === undefined),
    { message: 'give either pollDelaysSeconds or checkBackoffSeconds/maxStatusChecks, not both' },
  )
  .transform((overrides) => ({
    stopSeconds: overrides.stopSeconds ?? DEFAULT_TIMING.stopSeconds,
    updateSeconds: overrides.updateSeconds ?? DEFAULT_TIMING.updateSeconds,
    deleteSeconds: overrides.deleteSeconds ?? DEFAULT_TIMING.deleteSeconds,
    startSeconds: overrides.startSeconds ?? DEFAULT_TIMING.startSeconds,
    // The state machine indexes one delay per check; users give the short backoff and a count.
    pollDelaysSeconds:
      overrides.pollDelaysSeconds ??
      expandBackoff(
        overrides.checkBackoffSeconds ?? DEFAULT_CHECK_BACKOFF_SECONDS,
        overrides.maxStatusChecks ?? DEFAULT_MAX_STATUS_CHECKS,
      ),
    runStateRecoveryMinutes: overrides.runStateRecoveryMinutes ?? DEFAULT_RECOVERY_MINUTES,
    lifecycleRecoveryMinutes: overrides.lifecycleRecoveryMinutes ?? DEFAULT_RECOVERY_MINUTES,
  }))
  .superRefine((timing, context) => {
    // An in-place fix's lock lapses after IN_PLACE_LOCK_SECONDS: a run that could outlive it could lose it.
    const worstCase = worstCaseWaitSeconds(timing);
    if (worstCase >= IN_PLACE_LOCK_SECONDS) {
      context.addIssue({
        code: 'custom',
        message: `these timings allow ${worstCase} s of waiting in one run, not less than the ${IN_PLACE_LOCK_SECONDS} s an in-place fix holds its notebook's lock`,
      });
    }
  });

export const DEFAULT_APPROVAL_TIMEOUT_DAYS = 7;

const SECONDS_PER_DAY = 24 * 60 * 60;

/**
 * The longest approval window: the execution timeout is the work budget plus the window, and a
 * Standard execution runs at most a year. Derived, so a change of either constant moves it.
 */
export const MAX_APPROVAL_TIMEOUT_DAYS = Math.floor(
  (MAX_STANDARD_EXECUTION_SECONDS - EXECUTION_TIMEOUT_SECONDS) / SECONDS_PER_DAY,
);

const approvalTimeoutDaysSchema = z
  .number()
  .int()
  .min(1)
  .superRefine((days, context) => {
    const timeout = EXECUTION_TIMEOUT_SECONDS + days * SECONDS_PER_DAY;
    if (timeout > MAX_STANDARD_EXECUTION_SECONDS) {
      context.addIssue({
        code: 'custom',
        message: `${days} days plus the ${EXECUTION_TIMEOUT_SECONDS} s work budget make a ${timeout} s execution timeout, more than the ${MAX_STANDARD_EXECUTION_SECONDS} s (one year) a Standard execution may run; at most ${MAX_APPROVAL_TIMEOUT_DAYS} days`,
      });
    }
  });

const recreateTargetSchema = z.strictObject({
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name'),
  subnetId: z
    .string()
    .regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')
    .optional(),
  securityGroupIds: z
    .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id'))
    .min(1)
    .max(5)
    .optional(),
  kmsKeyId: z
    .string()
    .max(2048)
    .superRefine((kmsKeyId, context) => {
      const problem = kmsKeyIdProblem(kmsKeyId);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
});

const recreateSchema = z
  .strictObject({
    /** Where recreated notebooks go, per account and region. */
    targets: z.array(recreateTargetSchema).default([]),
    /** How long a recreation plan waits for approval. */
    approvalTimeoutDays: approvalTimeoutDaysSchema.default(DEFAULT_APPROVAL_TIMEOUT_DAYS),
    /** Controls whose recreation may delete the notebook's data without copying it first. */
    acceptDataLoss: z.array(z.enum(RECREATE_CONTROL_IDS)).default([]),
    /**
     * Deploy a private subnet, security group and VPC endpoints for recreated notebooks, and use them
     * as the target of the stack's own account and region (for users without a private network).
     */
    createPrivateNetwork: z.boolean().default(false),
  })
  .superRefine((recreate, context) => {
    const seen = new Set<string>();
    recreate.targets.forEach((target, index) => {
      const key = `${target.account}/${target.region}`;
      if (seen.has(key)) {
        context.addIssue({ code: 'custom', path: ['targets', index], message: `a second target for ${key}` });
      }
      seen.add(key);
      if (target.subnetId && !target.securityGroupIds) {
        context.addIssue({
          code: 'custom',
          path: ['targets', index, 'securityGroupIds'],
          message: 'a subnet needs its security groups',
        });
      }
    });
  });

/**
 * The key SageMaker.24 sets as an inference experiment's DataStorageConfig.KmsKey. SageMaker uses it
 * with the experiment's own role (the workflow makes no grant), so an alias is accepted too.
 */
const dataCaptureKmsKeyIdSchema = z
  .string()
  .max(2048)
  .superRefine((keyId, context) => {
    const alias = /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?alias\/[a-zA-Z0-9/_-]{1,250}$/;
    if (kmsKeyIdProblem(keyId) !== undefined && !alias.test(keyId)) {
      context.addIssue({
        code: 'custom',
        message: 'must be a KMS key ARN, key id, alias name (alias/<name>) or alias ARN',
      });
    }
  });

const customActionsSchema = z.strictObject({
  /**
   * Prepended to the three action ids, so that a second deployment in the account and region gets
   * actions of its own (ids are unique per account and region). '' keeps the built-in ids.
   */
  idPrefix: z
    .string()
    .superRefine((prefix, context) => {
      for (const message of customActionIdPrefixProblems(prefix))
        context.addIssue({ code: 'custom', message });
    })
    .default(''),
});

/** Default of `intake.concurrencyPerAccountRegion`. */
export const DEFAULT_CONCURRENCY_PER_ACCOUNT_REGION = 10;
/** The most executions per account and Region: one slot item holds every holder's name. */
export const MAX_CONCURRENCY_PER_ACCOUNT_REGION = 100;

const intakeSchema = z.strictObject({
  /** At most this many executions run at once per account and Region (handlers/shared/execution-spacing.ts). */
  concurrencyPerAccountRegion: z
    .number()
    .int()
    .min(1)
    .max(MAX_CONCURRENCY_PER_ACCOUNT_REGION)
    .default(DEFAULT_CONCURRENCY_PER_ACCOUNT_REGION),
});

const configurationSchema = z.strictObject({
  modes: modesSchema.default({}),
  exemptionTag: exemptionTagSchema.default({ ...DEFAULT_EXEMPTION_TAG }),
  dryRun: z.boolean().default(false),
  requiredTags: requiredTagsSchema.default({}),
  dataCaptureKmsKeyId: dataCaptureKmsKeyIdSchema.optional(),
  alertEmails: z
    .array(z.email())
    .refine((emails) => new Set(emails.map((email) => email.toLowerCase())).size === emails.length, {
      message: 'lists an address twice',
    })
    .default([]),
  timing: timingSchema.prefault({}),
  recreate: recreateSchema.prefault({}),
  customActions: customActionsSchema.prefault({}),
  /** Which accounts, organizational units and Regions this deployment remediates (scope-configuration.ts). */
  scope: scopeSchema,
  /** The member role it acts through in each account and Region (member-configuration.ts). */
  members: membersSchema,
  /** How buffered findings start their executions (stacks/finding-buffer.ts). */
  intake: intakeSchema.prefault({}),
  logRetentionDays: z
    .number()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(DEFAULT_LOG_RETENTION_DAYS),
});

/** A validated configuration with every default applied. */
export interface RemediationConfiguration {
  /** Mode overrides by control id; controls not named run in their catalogue default. */
  readonly modes: Partial<Record<ControlId, RemediationMode>>;
  /** Resources carrying this tag are never changed; their findings are annotated instead. */
  readonly exemptionTag: { readonly key: string; readonly value: string };
  /** Plan and annotate, but never change a resource. */
  readonly dryRun: boolean;
  /** Tags (key to value) images and app image configurations must carry (SageMaker.6 and .7). */
  readonly requiredTags: Readonly<Record<string, string>>;
  /** The KMS key SageMaker.24 sets on inference experiments' data capture (none: their findings say so). */
  readonly dataCaptureKmsKeyId?: string | undefined;
  /** Addresses subscribed to the alert topic (each must confirm the subscription). */
  readonly alertEmails: readonly string[];
  /** Waits of the reconcile loop, with the defaults filled in. */
  readonly timing: {
    readonly stopSeconds: number;
    readonly updateSeconds: number;
    readonly deleteSeconds: number;
    readonly startSeconds: number;
    readonly pollDelaysSeconds: readonly number[];
    /** After a failure, how long recovery keeps trying, for the run state and the lifecycle configuration. */
    readonly runStateRecoveryMinutes: number;
    readonly lifecycleRecoveryMinutes: number;
  };
  /** Retention of every log group of the stack. */
  readonly logRetentionDays: LogRetentionDays;
  /** The approval-gated recreation of notebooks. */
  readonly recreate: {
    readonly targets: readonly {
      readonly account: string;
      readonly region: string;
      readonly subnetId?: string | undefined;
      readonly securityGroupIds?: readonly string[] | undefined;
      readonly kmsKeyId?: string | undefined;
    }[];
    readonly approvalTimeoutDays: number;
    readonly acceptDataLoss: readonly string[];
    readonly createPrivateNetwork: boolean;
  };
  /** Allow and deny lists of accounts, organizational units and Regions: a finding outside is skipped. */
  readonly scope: FindingScope;
  /** The member role in each account and Region, and the StackSet that deploys it. */
  readonly members: MembersConfiguration;
  /** How buffered findings start: at most this many executions at once per account and Region. */
  readonly intake: { readonly concurrencyPerAccountRegion: number };
  /** The Security Hub custom actions. */
  readonly customActions: {
    /** Prepended to each action id ('' for none): alphanumeric, at most 8 characters. */
    readonly idPrefix: string;
  };
}

function describePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** The approval window in seconds: the wait's timeout, the approval item's expiry and part of the lock lifetime. */
export function approvalTimeoutSeconds(configuration: RemediationConfiguration): number {
  return configuration.recreate.approvalTimeoutDays * SECONDS_PER_DAY;
}

/** How this configuration shapes the state machine definition. */
export function definitionOptionsFor(configuration: RemediationConfiguration): DefinitionOptions {
  return {
    recreate: { approvalTimeoutSeconds: approvalTimeoutSeconds(configuration) },
    resourceEngines: resourceEnginesInUse(configuration),
    linkedRegions: configuration.members.linkedRegions.length > 0,
  };
}

/**
 * The resource engines the deployment can run: used by a control in scope (not off: "Remediate now"
 * may run a notify-mode one), and configured (AddTags has nothing to add without requiredTags, the
 * inference experiment's update no key without dataCaptureKmsKeyId).
 */
export function resourceEnginesInUse(configuration: RemediationConfiguration): ResourceEngine[] {
  const inScope = new Set<string>(controlsInScope(resolveModes(configuration.modes)));
  return RESOURCE_ENGINES.filter(
    (engine) =>
      (engine !== 'add-required-tags' || Object.keys(configuration.requiredTags).length > 0) &&
      (engine !== 'update-inference-experiment' || configuration.dataCaptureKmsKeyId !== undefined) &&
      CONTROLS.some((control) => inScope.has(control.id) && control.remediation?.name === engine),
  );
}

/**
 * Validates the raw context value and applies the defaults.
 *
 * @param raw the value of the `remediation` context key: an object (cdk.json), a JSON string
 *   (`-c remediation='{...}'`), or undefined for all defaults
 * @throws one Error listing every problem found, one per line
 */
export function loadConfiguration(raw: unknown): RemediationConfiguration {
  let value: unknown = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new Error(
        `Invalid remediation configuration:\n- (root): not valid JSON (${(error as Error).message})`,
      );
    }
  }
  const parsed = configurationSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `- ${describePath(issue.path)}: ${issue.message}`);
    throw new Error(`Invalid remediation configuration:\n${problems.join('\n')}`);
  }
  return { ...parsed.data, logRetentionDays: parsed.data.logRetentionDays as LogRetentionDays };
}

/** Where the deployed settings live; known only to the stack. */
export interface DeploymentFacts {
  /** Account id; a CDK token is fine, it resolves inside the JSON string. */
  readonly accountId: string;
  /** Region; a CDK token is fine. */
  readonly region: string;
  readonly lockTableName: string;
  /** How long a lock lives: the execution timeout, after which its holder cannot still be running. */
  readonly lockSeconds: number;
  /** The recreation's resources, when the stack deploys them. */
  readonly recreate?: {
    /** The snapshots of resources other than notebooks (a notebook's go to its member stack's bucket). */
    readonly backupBucket: string;
    readonly approvalTableName: string;
    /** The network the stack deployed for recreated notebooks: this account and region's target. */
    readonly privateNetwork?: { readonly subnetId: string; readonly securityGroupIds: readonly string[] };
  };
}

/** The object the plan, snapshot and verify Lambdas receive as JSON in REMEDIATION_SETTINGS (see runtimeSettingsSchema). */
export function toRuntimeSettings(
  configuration: RemediationConfiguration,
  facts: DeploymentFacts,
): RuntimeSettingsInput {
  return {
    accountId: facts.accountId,
    region: facts.region,
    lockTableName: facts.lockTableName,
    // Every control spelled out, so the Lambda never needs the catalogue defaults to agree with the stack's.
    modes: resolveModes(configuration.modes),
    exemptionTag: { ...configuration.exemptionTag },
    dryRun: configuration.dryRun,
    requiredTags: { ...configuration.requiredTags },
    ...(configuration.dataCaptureKmsKeyId ? { dataCaptureKmsKeyId: configuration.dataCaptureKmsKeyId } : {}),
    scope: scopeSettings(configuration.scope),
    members: { ...configuration.members, linkedRegions: [...configuration.members.linkedRegions] },
    timing: {
      stopSeconds: configuration.timing.stopSeconds,
      updateSeconds: configuration.timing.updateSeconds,
      deleteSeconds: configuration.timing.deleteSeconds,
      startSeconds: configuration.timing.startSeconds,
      pollDelaysSeconds: [...configuration.timing.pollDelaysSeconds],
      runStateRecoveryDelaysSeconds: recoveryDelays(configuration.timing.runStateRecoveryMinutes),
      lifecycleRecoveryDelaysSeconds: recoveryDelays(configuration.timing.lifecycleRecoveryMinutes),
    },
    lockSeconds: facts.lockSeconds,
    ...(facts.recreate
      ? {
          recreate: {
            backupBucket: facts.recreate.backupBucket,
            approvalTableName: facts.recreate.approvalTableName,
            // The deployed network comes first: the Lambdas take the first target of their account and region.
            targets: [
              ...(facts.recreate.privateNetwork
                ? [
                    {
                      account: facts.accountId,
                      region: facts.region,
                      subnetId: facts.recreate.privateNetwork.subnetId,
                      securityGroupIds: [...facts.recreate.privateNetwork.securityGroupIds],
                    },
                  ]
                : []),
              ...configuration.recreate.targets.map(({ securityGroupIds, ...target }) => ({
                ...target,
                ...(securityGroupIds ? { securityGroupIds: [...securityGroupIds] } : {}),
              })),
            ],
            approvalTimeoutSeconds: approvalTimeoutSeconds(configuration),
            acceptDataLoss: [...configuration.recreate.acceptDataLoss],
          },
        }
      : {}),
  };
}
