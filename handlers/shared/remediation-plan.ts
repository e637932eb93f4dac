/**
 * The contract between the planning Lambda and the state machine: what PlanRemediation returns and
 * the state machine routes on. The JSONPaths in statemachines/remediation-definition.ts read these
 * fields, and a workflow test runs both together, so a renamed field fails a test.
 */

import type { ResourceKind } from './controls/resource-kinds.js';
import type { RemediationName } from './controls-catalogue.js';
import type { NotebookDataPlacement } from './notebook-data-placement.js';

/**
 * - `remediate`: change the resource (in place: under the notebook's lock, held by this execution;
 *   a recreation: after its approval, which the plan asks for first).
 * - `annotate`: change nothing; write `annotation` on the finding and publish it as an alert
 *   (notify mode, exempt resource, dry run, already compliant, resource gone, duplicate...).
 * - `ignore`: do nothing at all (the control is off, or this very finding is already being handled).
 */
export type PlanAction = 'remediate' | 'annotate' | 'ignore';

/** What the workflow reports for an outcome; also the `outcome` SNS message attribute. */
export type Outcome =
  | 'RESOLVED'
  | 'AWAITING_APPROVAL'
  | 'JOINED_PLAN'
  | 'NEEDS_CONFIGURATION'
  | 'REJECTED'
  | 'APPROVAL_EXPIRED'
  | 'NOTHING_CHANGED'
  | 'FAILED'
  | 'NOTIFIED'
  | 'SKIPPED_EXEMPT'
  | 'SKIPPED_OUT_OF_SCOPE'
  | 'SCOPE_NOT_EVALUATED'
  | 'DRY_RUN'
  | 'ALREADY_COMPLIANT'
  | 'RESOURCE_GONE'
  | 'ALREADY_IN_PROGRESS'
  | 'NEEDS_ATTENTION';

/**
 * How the note of a finding waiting for an approval starts (its plan's, or one that joined it): the
 * Security Hub insight of findings awaiting approval filters on these (stacks/awaiting-approval-insight.ts).
 */
export const AWAITING_APPROVAL_NOTE_PREFIX = 'Awaiting approval until ';
export const JOINED_PLAN_NOTE_PREFIX = 'Joined the recreation plan of ';

export interface WorkflowTiming {
  /** First wait after StopNotebookInstance: how long a stop typically takes. */
  readonly stopSeconds: number;
  /** First wait after UpdateNotebookInstance. */
  readonly updateSeconds: number;
  /** First wait after DeleteNotebookInstance (a recreation): the shortest delete. */
  readonly deleteSeconds: number;
  /** First wait after StartNotebookInstance. */
  readonly startSeconds: number;
  /** Delays of the further status checks, in order; its length bounds the checks of one run. */
  readonly pollDelaysSeconds: readonly number[];
  /** `pollDelaysSeconds.length`, given separately because a Choice state cannot take a length. */
  readonly maxPolls: number;
  /**
   * After a failure: the delays between attempts to bring the notebook back to its prior run state,
   * and, separately, to put its own lifecycle configuration back (each adds up to its budget).
   */
  readonly runStateRecoveryDelaysSeconds: readonly number[];
  readonly lifecycleRecoveryDelaysSeconds: readonly number[];
  readonly maxRunStateRecoveries: number;
  readonly maxLifecycleRecoveries: number;
}

export interface Annotation {
  readonly workflowStatus: 'NOTIFIED' | 'RESOLVED';
  readonly note: string;
  readonly outcome: Outcome;
  readonly subject: string;
  readonly message: string;
  /** `workflowStatus` as an OCSF status_id: set for an OCSF finding, which BatchUpdateFindingsV2 annotates. */
  readonly statusId?: number;
}

export interface RemediationPlan {
  readonly action: PlanAction;
  readonly controlId: string;
  /** The remediation the state machine runs; `none` unless `action` is `remediate`. */
  readonly remediation: RemediationName | 'none';
  /**
   * The finding the execution started with. An OCSF one also carries `format` and its account, the
   * BatchUpdateFindingsV2 identifier's CloudAccountUid (the state machine picks the V2 call on `format`).
   */
  readonly finding: {
    readonly id: string;
    readonly productArn: string;
    readonly format?: 'ocsf';
    readonly accountId?: string;
  };
  /** BatchUpdateFindings identifiers of the findings the outcome is written on (a recreation reads its plan's). */
  readonly findingIdentifiers: ReadonlyArray<{ readonly Id: string; readonly ProductArn: string }>;
  /** The same for BatchUpdateFindingsV2: the OCSF findings (this one, if it is an OCSF finding). */
  readonly ocsfFindingIdentifiers: ReadonlyArray<{
    readonly CloudAccountUid: string;
    readonly FindingInfoUid: string;
    readonly MetadataProductUid: string;
  }>;
  readonly notebook: { readonly name: string; readonly arn: string };
  /** Where the resource is, and the member role every change and read of it is made as (Task Credentials). */
  readonly target: MemberTargetPlan;
  /**
   * Key of the per-notebook lock: held from planning by an in-place fix, taken by a recreation only
   * once it is approved (the snapshot step), never while it waits.
   */
  readonly lock: { readonly key: string };
  readonly timing: WorkflowTiming;
  /** Written on the finding and alerted when `action` is `annotate`. */
  readonly annotation: Annotation;
  /** Subject of the alert sent when the remediation succeeds (SNS subjects are limited to 100 chars). */
  readonly resolvedSubject: string;
  /** The approval-gated recreation; placeholders unless `remediation` is `recreate-notebook`. */
  readonly recreate: RecreatePlanDetails;
  /**
   * The resource the fix changes and how. For notebooks only its identity (the notebook engines plan
   * their own changes); for other kinds the engine's bounded input.
   */
  readonly resource: ResourceChange;
  /**
   * '' or, when this execution took the notebook's lock over from one that had ended, a sentence
   * saying so (with a leading space, at most LOCK_TAKEOVER_MAX_LENGTH): the resolved note ends with it.
   */
  readonly lockTakeover: string;
}

/** The finding's account and Region, and the ARN of the member role there. */
export interface MemberTargetPlan {
  readonly accountId: string;
  readonly region: string;
  readonly roleArn: string;
}

/** The longest `lockTakeover` sentence (execution names are at most 80 characters). */
export const LOCK_TAKEOVER_MAX_LENGTH = 180;

export interface RecreatePlanDetails {
  /** Approval table key of this notebook. */
  readonly approvalKey: string;
  /** Epoch seconds the approval window closes (the plan item's approvalDeadline; its TTL is later). */
  readonly approvalExpiresAt: number;
  /** What changes and what is kept (describePlan). */
  readonly summary: string;
  /** Note, subject and message asking for approval. */
  readonly approvalNote: string;
  readonly approvalSubject: string;
  readonly approvalMessage: string;
  /** The controls the recreation fixes. */
  readonly fixes: readonly string[];
  /**
   * What the plan does, in words the closing notes use: "recreation of notebook instance <name>",
   * "network isolation update of monitoring schedule <name>" (at most PLAN_WHAT_LIMIT characters).
   */
  readonly what: string;
  /** The plan's kind in one word for alert subjects: "recreation", "update" (at most PLAN_NOUN_LIMIT). */
  readonly noun: string;
  /**
   * A notebook's recreation only: the bucket its data is copied to and the lifecycle configurations
   * that copy it, its own account's and Region's (the member stack's there).
   */
  readonly notebookData?: NotebookDataPlacement;
}

/** The longest `what` of a plan: a verb phrase (<= 30), a kind's label (<= 35) and a name (<= 63). */
export const PLAN_WHAT_LIMIT = 130;
export const PLAN_NOUN_LIMIT = 12;

/** A fix of one resource: what it is, the controls it makes pass, and the engine's bounded input. */
export interface ResourceChange {
  readonly kind: ResourceKind;
  /** The real name (Describe's; the ARN lowercases it). */
  readonly name: string;
  readonly arn: string;
  /** The controls the fix makes pass: verified on the resource afterwards. */
  readonly fixes: readonly string[];
  /** add-required-tags: the tags AddTags adds (at most 50, from the configuration). */
  readonly tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  /**
   * update-notebook: the fields UpdateNotebookInstance sets, those of `fixes` (each Update state of
   * the engine runs only when its field is here and not yet as required).
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * update-notebook: the same as text ("RootAccess=Disabled") for the resolved note and alert; at most
   * every in-place setting's text (message-limits.ts), far below `summary`'s bound.
   */
  readonly settingsText?: string;
  /** What changed, for the resolved note and alert ("added the tags owner=ml"). */
  readonly summary: string;
}

/** The notebook as last observed: refreshed by every DescribeNotebook state. */
export interface ObservedNotebook {
  readonly status: string;
  /** Every in-place control's field (notebook-settings.ts), as Describe reported it. */
  readonly settings: Readonly<Record<string, string>>;
}

/** PlanRemediation's full result, which becomes the execution's state. */
export interface PlanResult {
  readonly plan: RemediationPlan;
  readonly notebook: ObservedNotebook;
  /** Whether the notebook counts as running before the workflow touched it (restart it at the end). */
  readonly runState: { readonly wasRunning: boolean };
}

/** Statuses from which a notebook will settle by itself: wait, then look again. */
export const TRANSITIONAL_STATUSES = [
  'Pending',
  'Stopping',
  'Updating',
  'PendingMaintenance',
  'InMaintenance',
] as const;

/** Statuses that count as running when the workflow first sees them (it restarts them at the end). */
const RUNNING_STATUSES = ['InService', 'Pending', 'PendingMaintenance', 'InMaintenance'] as const;

/** Whether a notebook seen in this status counts as running (and is restarted at the end). */
export function isRunningStatus(status: string | undefined): boolean {
  return (RUNNING_STATUSES as readonly (string | undefined)[]).includes(status);
}

/** What the snapshot step returns: where the snapshot is and how to recreate the notebook. */
export interface SnapshotResult {
  /** `roles/<role id>:SageMaker/<notebook>/<snapshot id>` in the backup bucket. */
  readonly snapshotPrefix: string;
  readonly configurationKey: string;
  /** sha256 of configuration.json as written and read back. */
  readonly configurationDigest: string;
  /** CreateNotebookInstance parameters (PascalCase), with the restore lifecycle config when data is kept. */
  readonly createRequest: Readonly<Record<string, unknown>>;
  /** The lifecycle configuration to put back once the data is restored; '' when there was none. */
  readonly originalLifecycleConfigName: string;
  /** The command an operator runs to recreate the notebook from this snapshot by hand. */
  readonly restoreCommand: string;
}

/** What the verification step returns (it throws RecreationNotVerified otherwise). */
export interface VerificationResult {
  readonly verified: true;
  /** Regular files restored and verified (and every directory and symlink, counted in `entries`). */
  readonly fileCount: number;
  readonly entries: number;
  readonly totalBytes: number;
}
