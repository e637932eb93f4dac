/**
 * What the stack hands the planning Lambda, as one JSON environment variable. Parsed once at cold
 * start: a deployment with broken settings fails loudly on its first event instead of acting wrongly.
 */
import { z } from 'zod';
import {
  CONTROL_IDS,
  type ControlId,
  REMEDIATION_MODES,
  type RemediationMode,
} from './controls-catalogue.js';
import type { WorkflowTiming } from './remediation-plan.js';

export const SETTINGS_ENVIRONMENT_VARIABLE = 'REMEDIATION_SETTINGS';

const mode = z.enum(REMEDIATION_MODES as [RemediationMode, ...RemediationMode[]]);

const timing = z
  .object({
    stopSeconds: z.number().int().min(1).max(3600),
    updateSeconds: z.number().int().min(1).max(3600),
    startSeconds: z.number().int().min(1).max(3600),
    pollDelaysSeconds: z.array(z.number().int().min(1).max(3600)).min(1).max(200),
  })
  .transform((value): WorkflowTiming => ({ ...value, maxPolls: value.pollDelaysSeconds.length }));

export const runtimeSettingsSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  lockTableName: z.string().min(3).max(255),
  modes: z.record(z.string(), mode).refine((modes) => CONTROL_IDS.every((id) => id in modes), {
    message: 'must name a mode for every control',
  }),
  exemptionTag: z.object({ key: z.string().min(1).max(128), value: z.string().max(256) }),
  dryRun: z.boolean(),
  timing,
  /** How long a lock lives: the execution timeout, after which its holder cannot still be running. */
  lockSeconds: z.number().int().min(60),
});

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema> & {
  readonly modes: Readonly<Record<ControlId, RemediationMode>>;
};

export type RuntimeSettingsInput = z.input<typeof runtimeSettingsSchema>;

export function parseRuntimeSettings(text: string | undefined): RuntimeSettings {
  if (!text) throw new Error(`${SETTINGS_ENVIRONMENT_VARIABLE} is not set`);
  const parsed = runtimeSettingsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${SETTINGS_ENVIRONMENT_VARIABLE} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data as RuntimeSettings;
}

/** The backoff of the further status checks: each check waits the next delay, then the last one again. */
export const DEFAULT_CHECK_BACKOFF_SECONDS = [10, 15, 20, 30, 45, 60] as const;
/** Further status checks per phase before the run gives up (about 30 minutes with the default backoff). */
export const DEFAULT_MAX_STATUS_CHECKS = 33;

/** The delay before each further status check: the backoff, its last delay repeated up to `checks`. */
export function expandBackoff(backoffSeconds: readonly number[], checks: number): number[] {
  const last = backoffSeconds[backoffSeconds.length - 1] ?? 60;
  return Array.from({ length: checks }, (_, index) => backoffSeconds[index] ?? last);
}

/**
 * Typical SageMaker transition times, used as the first wait after each call so that one status
 * check usually suffices, then a capped backoff for slower cases.
 */
export const DEFAULT_TIMING = {
  stopSeconds: 60,
  updateSeconds: 60,
  startSeconds: 180,
  pollDelaysSeconds: expandBackoff(DEFAULT_CHECK_BACKOFF_SECONDS, DEFAULT_MAX_STATUS_CHECKS),
} as const;
