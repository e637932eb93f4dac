/**
 * What one control module declares: the control's catalogue facts, how a resource fails it (a
 * predicate over the Describe output), its fix and default mode, and the API calls (so the IAM) the
 * fix needs. The registry (registry.ts) lists the modules; the event pattern, routing, IAM, docs,
 * sample findings and test matrix are derived from it.
 *
 * Modules are plain data and pure functions with type-only imports, so they bundle into a Lambda at no cost.
 */
import type { ResourceKind } from './resource-kinds.js';

/** How a failing control can be fixed at all. */
export type FixStrategy =
  /** An update call changes the field on the existing resource. */
  | 'in-place'
  /** The field is immutable: the resource is created again (or replaced where it serves traffic). */
  | 'recreate'
  /** No generic fix exists (a private registry, a data migration): the finding carries precise steps. */
  | 'guidance';

/**
 * What the workflow does when the control fails.
 *
 * - `auto`: remediate without asking (only for non-destructive remediations).
 * - `approval`: remediate after a human approves (destructive or behaviour-changing remediations).
 * - `notify`: annotate the finding with guidance and alert; change nothing.
 * - `off`: ignore the control; its findings do not even reach the workflow.
 */
export type RemediationMode = 'auto' | 'approval' | 'notify' | 'off';

export const REMEDIATION_MODES: readonly RemediationMode[] = ['auto', 'approval', 'notify', 'off'];

/**
 * The engines that carry out a fix, one per strategy and resource kind. The state machine routes on
 * these names (plan.remediation); statemachines/ builds one branch per engine.
 */
export type EngineName =
  /**
   * Stop, UpdateNotebookInstance with the controls' settings, start again if it was running
   * (notebooks; in place). The states are built from the modules' `notebookSetting`.
   */
  | 'update-notebook'
  /** Approval, snapshot with the data, delete, create with every other setting kept (notebooks). */
  | 'recreate-notebook'
  /** AddTags with the deployment's required tags (images, app image configurations; in place). */
  | 'add-required-tags'
  /** Snapshot, UpdateMonitoringSchedule with the full configuration and the fixed NetworkConfig. */
  | 'update-monitoring-schedule'
  /** Snapshot, UpdateInferenceExperiment with the data-capture KMS key. */
  | 'update-inference-experiment'
  /** Snapshot, create the fixed definition under a new name, move every schedule to it, delete the old one. */
  | 'recreate-job-definition'
  /** A new endpoint configuration, UpdateEndpoint for each endpoint using the old one, delete it once unused. */
  | 'replace-endpoint-config'
  /** A new isolated model and endpoint configurations, UpdateEndpoint, delete the old model once unused. */
  | 'replace-model';

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * Who makes a call: the planning Lambda, the state machine through an SDK integration, or one of the
 * resource engines' Lambdas (the snapshot before an approved change, the change itself, the check after).
 */
export type Caller =
  | 'plan-remediation'
  | 'state-machine'
  | 'verify-resource'
  | 'snapshot-resource'
  | 'change-resource';

/** One API call a fix makes, on a resource of a kind (its ARN) or on `*` where IAM has no resource type. */
export interface ApiCall {
  /** IAM action, e.g. `sagemaker:AddTags`. */
  readonly action: string;
  readonly on: ResourceKind | 'endpoint' | '*';
  readonly by: Caller;
}

/** A fix the workflow carries out. */
export interface RemediatedFix {
  readonly strategy: Exclude<FixStrategy, 'guidance'>;
  readonly engine: EngineName;
  /** Modes a user may choose; the first is the default. */
  readonly modes: readonly RemediationMode[];
  /** What the fix changes, in one sentence (docs, approval messages). */
  readonly change: string;
  /** The calls the engine makes for this control, beyond reading the resource. */
  readonly calls: readonly ApiCall[];
  /**
   * The resource's definition (its Describe output) with this control's field fixed: what an update
   * or a recreation writes. Controls of one resource apply in turn, so one change fixes them all.
   */
  readonly apply?: (description: Description) => Description;
  /**
   * Notebook controls: the one setting that makes the notebook pass. The in-place engine
   * (`update-notebook`) writes it with UpdateNotebookInstance; a recreation writes every notebook
   * control's setting into CreateNotebookInstance, so one recreation fixes them all.
   */
  readonly notebookSetting?: NotebookSetting;
}

/** A notebook field and the value a control requires, as DescribeNotebookInstance reports it. */
export interface NotebookSetting {
  /** The field, named as in DescribeNotebookInstance, UpdateNotebookInstance and CreateNotebookInstance. */
  readonly field: string;
  readonly value: string;
  /** What Describe leaving the field out means (SageMaker's default). */
  readonly absent: string;
  /**
   * The IAM condition key SageMaker sets from the request's field: the workflow's roles may write
   * `value` only, so they can never be used to undo the fix.
   */
  readonly conditionKey?: string;
  /** `update-notebook`: the state that writes it, named as an action ("DisableRootAccess"). */
  readonly updateState?: string;
}

export type Description = Readonly<Record<string, unknown>>;

/** A fix people carry out: the finding gets the steps, written with the resource's own names. */
export interface GuidanceFix {
  readonly strategy: 'guidance';
}

/** What a predicate gets: the Describe output of the resource, and its tags where the control needs them. */
export interface ObservedResource {
  readonly description: Readonly<Record<string, unknown>>;
  readonly tags?: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

/** Deployment settings a predicate or a guidance text may depend on. */
export interface ControlContext {
  /** Tag keys every image and app image configuration must carry (SageMaker.6 and .7). */
  readonly requiredTagKeys: readonly string[];
}

export interface ControlModule {
  /** Security Hub security control id, e.g. `SageMaker.3`. */
  readonly id: string;
  readonly title: string;
  readonly kind: ResourceKind;
  readonly severity: Severity;
  /** The configuration field the control checks. */
  readonly checks: string;
  /** Whether the resource as observed fails the control. */
  readonly fails: (resource: ObservedResource, context: ControlContext) => boolean;
  /** Whether the predicate needs the resource's tags (ListTags), not only its Describe output. */
  readonly needsTags?: boolean;
  readonly fix: RemediatedFix | GuidanceFix;
  /**
   * What a person should do, with the resource's own name (and, where planning read it, its Describe
   * output, for the names of what it uses): written on the finding when the workflow does not fix it
   * (notify mode, guidance-only controls, a fix that cannot run). The finding's note keeps 512
   * characters, so the steps come first and stay short.
   */
  readonly guidance: (name: string, description?: Description) => string;
}

/** A copy of `value` with the member at `a.b.c` set (the objects on the way created if missing). */
export function withMember(value: Description, path: string, member: unknown): Description {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return value;
  if (rest.length === 0) return { ...value, [head]: member };
  const inner = value[head];
  const next = inner !== null && typeof inner === 'object' ? (inner as Description) : {};
  return { ...value, [head]: withMember(next, rest.join('.'), member) };
}

/** Reads a nested member of a Describe output (`a.b.c`), or undefined. */
export function memberAt(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The guidance-only modes: annotate (the default) or ignore. */
export const GUIDANCE_MODES: readonly RemediationMode[] = ['notify', 'off'];

/** Keeps the literal id type of a module while checking it against the interface. */
export function defineControl<const M extends ControlModule>(module: M): M {
  return module;
}

/**
 * The SageMaker.6/.7 check: a resource fails without any user tag (`aws:` tags are the system's), or
 * without one of the required keys when the deployment names some.
 */
export function lacksRequiredTags(
  tags: ReadonlyArray<{ readonly Key: string }>,
  requiredTagKeys: readonly string[],
): boolean {
  const keys = new Set(tags.map((tag) => tag.Key).filter((key) => !key.toLowerCase().startsWith('aws:')));
  if (keys.size === 0) return true;
  return requiredTagKeys.some((key) => !keys.has(key));
}

/**
 * The SageMaker.16/.19 check (the AWS Config rule sagemaker-model-private-registry-required): a container
 * without ImageConfig, or with RepositoryAccessMode=Platform, pulls from outside a private registry.
 */
export function pullsFromPlatform(container: unknown): boolean {
  const mode = memberAt(container, 'ImageConfig.RepositoryAccessMode');
  return mode === undefined || mode === 'Platform';
}
