/**
 * What the stack hands the planning Lambda, as one JSON environment variable. Parsed once at cold
 * start: a deployment with broken settings fails loudly on its first event instead of acting wrongly.
 */

import * as z from 'zod/mini';
import {
  CONTROL_IDS,
  type ControlId,
  REMEDIATION_MODES,
  type RemediationMode,
} from './controls-catalogue.js';
import { findingScopeSchema } from './finding-scope.js';
import { DEFAULT_DATA_BUCKET_PREFIX } from './notebook-data-placement.js';
import type { WorkflowTiming } from './remediation-plan.js';
import { describeIssues } from './validation.js';

export const SETTINGS_ENVIRONMENT_VARIABLE = 'REMEDIATION_SETTINGS';

const mode = z.enum(REMEDIATION_MODES as [RemediationMode, ...RemediationMode[]]);
const seconds = z.int().check(z.gte(1), z.lte(3600));

const delays = z.array(seconds).check(z.minLength(1), z.maxLength(200));

const timing = z.pipe(
  z.object({
    stopSeconds: seconds,
    updateSeconds: seconds,
    deleteSeconds: seconds,
    startSeconds: seconds,
    pollDelaysSeconds: delays,
    runStateRecoveryDelaysSeconds: delays,
    lifecycleRecoveryDelaysSeconds: delays,
  }),
  z.transform(
    (value): WorkflowTiming => ({
      ...value,
      maxPolls: value.pollDelaysSeconds.length,
      maxRunStateRecoveries: value.runStateRecoveryDelaysSeconds.length,
      maxLifecycleRecoveries: value.lifecycleRecoveryDelaysSeconds.length,
    }),
  ),
);

export const runtimeSettingsSchema = z.object({
  accountId: z.string().check(z.regex(/^\d{12}$/)),
  region: z.string().check(z.minLength(1)),
  lockTableName: z.string().check(z.minLength(3), z.maxLength(255)),
  modes: z
    .record(z.string(), mode)
    .check(z.refine((modes) => CONTROL_IDS.every((id) => id in modes), 'must name a mode for every control')),
  exemptionTag: z.object({
    key: z.string().check(z.minLength(1), z.maxLength(128)),
    value: z.string().check(z.maxLength(256)),
  }),
  dryRun: z.boolean(),
  /** Tags images and app image configurations must carry (SageMaker.6 and .7): key to value. */
  requiredTags: z.record(z.string(), z.string()),
  /** The KMS key SageMaker.24 sets as inference experiments' DataStorageConfig.KmsKey (absent: not configured). */
  dataCaptureKmsKeyId: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  timing,
  /** Which accounts, organizational units and Regions are remediated (absent: all). */
  scope: z.optional(findingScopeSchema),
  /**
   * The member role of each account and Region (`<roleName>-<region>` under MEMBER_ROLE_PATH), the
   * StackSet that deploys it, and the prefix of the member stacks' notebook data buckets
   * (notebook-data-placement.ts). Absent in settings written before the deployment spanned accounts:
   * the defaults then apply.
   */
  members: z._default(
    z.object({
      // At most 41: the restore role `<roleName>-restore-<region>` fits IAM's 64 (member-configuration.ts).
      roleName: z.string().check(z.regex(/^[\w+=,.@-]{1,41}$/)),
      stackSetName: z.string().check(z.minLength(1), z.maxLength(128)),
      dataBucketPrefix: z._default(
        z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,34}$/)),
        DEFAULT_DATA_BUCKET_PREFIX,
      ),
      /** The linked Regions whose resources the deployment acts on, besides its own (member-reach.ts). */
      linkedRegions: z._default(z.array(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/))), []),
    }),
    {
      roleName: 'SageMakerRemediationMember',
      stackSetName: 'sagemaker-remediation-members',
      dataBucketPrefix: DEFAULT_DATA_BUCKET_PREFIX,
      linkedRegions: [],
    },
  ),
  /** How long a lock lives: the execution timeout, after which its holder cannot still be running. */
  lockSeconds: z.int().check(z.gte(60)),
  /** The approval-gated recreation of notebooks (absent: not deployed). */
  recreate: z.optional(
    z.object({
      /** Where recreated notebooks go, per account and region (none for this one: findings say what to configure). */
      targets: z.array(
        z.object({
          account: z.string(),
          region: z.string(),
          subnetId: z.optional(z.string()),
          securityGroupIds: z.optional(z.array(z.string())),
          kmsKeyId: z.optional(z.string()),
        }),
      ),
      /**
       * The deployment's own bucket: snapshots of resources other than notebooks. A notebook's data goes
       * to its own account's and Region's bucket (notebook-data-placement.ts).
       */
      backupBucket: z.string().check(z.minLength(3)),
      approvalTableName: z.string().check(z.minLength(3)),
      approvalTimeoutSeconds: z.int().check(z.gte(60)),
      /** Controls whose recreation may go ahead without copying the data (explicit data loss). */
      acceptDataLoss: z.array(z.string()),
    }),
  ),
});

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema> & {
  readonly modes: Readonly<Record<ControlId, RemediationMode>>;
};

export type RuntimeSettingsInput = z.input<typeof runtimeSettingsSchema>;

export function parseRuntimeSettings(text: string | undefined): RuntimeSettings {
  if (!text) throw new Error(`${SETTINGS_ENVIRONMENT_VARIABLE} is not set`);
  const parsed = runtimeSettingsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${SETTINGS_ENVIRONMENT_VARIABLE} is invalid: ${describeIssues(parsed.error).join('; ')}`,
    );
  }
  return parsed.data as RuntimeSettings;
}

/**
 * The further status checks, once the first wait (SageMaker's shortest time) is over: every 10 s for
 * 5 minutes, so a notebook waits at most 10 s for the look that sees it settled (its downtime; the
 * slowest start known, 420 s, is 300 s past the first wait), then every minute: a phase that slow is
 * already stuck, and 4 transitions (about 11 history events) a look would otherwise fill a
 * recreation's 25,000-event history before its 30 minutes per phase ran out.
 */
export const DEFAULT_CHECK_BACKOFF_SECONDS: readonly number[] = [...Array<number>(30).fill(10), 60];
/** Further status checks per phase before the run gives up: 30 minutes of them (30 at 10 s, 25 at 60 s). */
export const DEFAULT_MAX_STATUS_CHECKS = 55;

/** The delay before each further status check: the backoff, its last delay repeated up to `checks`. */
export function expandBackoff(backoffSeconds: readonly number[], checks: number): number[] {
  const last = backoffSeconds[backoffSeconds.length - 1] ?? 60;
  return Array.from({ length: checks }, (_, index) => backoffSeconds[index] ?? last);
}

/** The backoff of recovery attempts: quick at first (most faults are brief), then every 5 minutes. */
export const RECOVERY_BACKOFF_SECONDS = [15, 30, 60, 120, 240, 300] as const;
/** How long recovery keeps trying to restore the run state, and the lifecycle configuration, by default. */
export const DEFAULT_RECOVERY_MINUTES = 30;

/**
 * The delay before each recovery attempt within a budget of `minutes`: the backoff, its last delay
 * repeated, until the delays add up to the budget.
 */
export function recoveryDelays(minutes: number): number[] {
  const last = RECOVERY_BACKOFF_SECONDS[RECOVERY_BACKOFF_SECONDS.length - 1] ?? 300;
  const delays: number[] = [];
  let total = 0;
  while (total < minutes * 60) {
    const delay = RECOVERY_BACKOFF_SECONDS[delays.length] ?? last;
    delays.push(delay);
    total += delay;
  }
  return delays;
}

/**
 * The shortest times SageMaker takes (a stop 45 s, an update 15 s, a start 120 s, a delete 30 s: the
 * low ends of the spread bin/benchmark-timing-spread.ts measures over), as the first wait after each
 * call: looking sooner only costs transitions. A slower transition is seen within a check interval.
 */
export const DEFAULT_TIMING = {
  stopSeconds: 45,
  updateSeconds: 15,
  deleteSeconds: 30,
  startSeconds: 120,
  pollDelaysSeconds: expandBackoff(DEFAULT_CHECK_BACKOFF_SECONDS, DEFAULT_MAX_STATUS_CHECKS),
  runStateRecoveryDelaysSeconds: recoveryDelays(DEFAULT_RECOVERY_MINUTES),
  lifecycleRecoveryDelaysSeconds: recoveryDelays(DEFAULT_RECOVERY_MINUTES),
} as const;

/**
 * The recreate target configured for an account and Region (by default the deployment's own), if any:
 * where a notebook of that account and Region is recreated.
 */
export function recreateTarget(
  settings: RuntimeSettings,
  where: { readonly accountId: string; readonly region: string } = settings,
) {
  return settings.recreate?.targets.find(
    (target) => target.account === where.accountId && target.region === where.region,
  );
}

/**
 * The failing notebook controls a recreation promises to fix: those this deployment remediates
 * (approval or auto mode). A control left in notify or off mode is not a reason to ask for a KMS key.
 */
export function controlsToFix<Control extends string>(
  failing: readonly Control[],
  settings: RuntimeSettings,
): Control[] {
  return failing.filter((control) => {
    const mode = settings.modes[control as unknown as keyof RuntimeSettings['modes']];
    return mode === 'approval' || mode === 'auto';
  });
}
