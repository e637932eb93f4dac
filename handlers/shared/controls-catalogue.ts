/**
 * The catalogue: what this deployment does about each SageMaker control, derived from the control
 * modules (controls/registry.ts) and the engines this version builds. The EventBridge pattern, the
 * planning Lambda's routing, the configuration validation, IAM and docs/controls.md read it.
 *
 * Plain data and pure functions: it bundles into a Lambda at no cost.
 */
import type {
  ControlModule,
  EngineName,
  FixStrategy,
  RemediationMode,
  Severity,
} from './controls/control-module.js';
import { GUIDANCE_MODES } from './controls/control-module.js';
import { CONTROL_MODULES } from './controls/registry.js';
import { type ResourceKind, resourceKind } from './controls/resource-kinds.js';

export type { FixStrategy, RemediationMode, Severity } from './controls/control-module.js';
export { REMEDIATION_MODES } from './controls/control-module.js';

/**
 * The engines this version deploys. A control whose engine is not here is annotated with its guidance
 * (modes notify/off) until it is: its module still says which fix it needs.
 */
export const BUILT_ENGINES = [
  'update-notebook',
  'recreate-notebook',
  'add-required-tags',
  'update-monitoring-schedule',
  'recreate-job-definition',
  'replace-endpoint-config',
  'replace-model',
  'update-inference-experiment',
] as const satisfies readonly EngineName[];

/** The engines that change nothing before an approval: they hold a plan (and, once approved, a lock). */
export const APPROVAL_GATED_ENGINES = [
  'recreate-notebook',
  'update-monitoring-schedule',
  'recreate-job-definition',
  'replace-endpoint-config',
  'replace-model',
  'update-inference-experiment',
] as const satisfies readonly (typeof BUILT_ENGINES)[number][];

/** Remediations this project implements, by the name the state machine routes on. */
export type RemediationName = (typeof BUILT_ENGINES)[number];

type Module = (typeof CONTROL_MODULES)[number];

export type ControlId = Module['id'];

export interface ControlDefinition {
  /** Security Hub security control id, e.g. `SageMaker.3`. */
  readonly id: ControlId;
  readonly title: string;
  readonly kind: ResourceKind;
  /** The ASFF resource type of the kind (only notebooks carry Details of it). */
  readonly resourceType: string;
  readonly severity: Severity;
  readonly checks: string;
  readonly fix: FixStrategy;
  /** The remediation the workflow runs, when this version builds its engine. */
  readonly remediation?: {
    readonly name: RemediationName;
    /** Modes a user may choose; the first is the default. */
    readonly modes: readonly RemediationMode[];
  };
  /** What a person should do about this resource (by name), written on the finding when nothing is fixed. */
  readonly guidance: ControlModule['guidance'];
  readonly module: ControlModule;
}

function isBuilt(engine: EngineName): engine is RemediationName {
  return (BUILT_ENGINES as readonly EngineName[]).includes(engine);
}

function definitionOf(module: Module): ControlDefinition {
  const fix: ControlModule['fix'] = module.fix;
  return {
    id: module.id,
    title: module.title,
    kind: module.kind,
    resourceType: resourceKind(module.kind).asffType,
    severity: module.severity,
    checks: module.checks,
    fix: fix.strategy,
    ...('engine' in fix && isBuilt(fix.engine)
      ? { remediation: { name: fix.engine, modes: fix.modes } }
      : {}),
    guidance: module.guidance,
    module,
  };
}

export const CONTROLS: readonly ControlDefinition[] = CONTROL_MODULES.map(definitionOf);

export const CONTROL_IDS: readonly ControlId[] = CONTROLS.map((control) => control.id);

type RemediatedModule = Extract<Module, { readonly fix: { readonly engine: RemediationName } }>;

/** The notebook controls this project remediates (recreation or in place). */
export type NotebookControl = Extract<RemediatedModule, { readonly kind: 'notebook-instance' }>['id'];

/** The controls only a recreation can fix: their fields cannot be updated on a notebook instance. */
export type RecreateControlId = Extract<
  RemediatedModule,
  { readonly fix: { readonly engine: 'recreate-notebook' } }
>['id'];

export const NOTEBOOK_CONTROL_IDS = CONTROLS.flatMap((control) =>
  control.kind === 'notebook-instance' && control.remediation ? [control.id] : [],
) as readonly NotebookControl[] as readonly [NotebookControl, ...NotebookControl[]];

export const RECREATE_CONTROL_IDS = CONTROLS.flatMap((control) =>
  control.remediation?.name === 'recreate-notebook' ? [control.id] : [],
) as readonly RecreateControlId[] as readonly [RecreateControlId, ...RecreateControlId[]];

const controlsById: ReadonlyMap<string, ControlDefinition> = new Map(
  CONTROLS.map((control) => [control.id, control]),
);

export function findControl(id: string): ControlDefinition | undefined {
  return controlsById.get(id);
}

/** The modes a user may choose for a control: the remediation's, or only notify/off without one. */
export function allowedModes(control: ControlDefinition): readonly RemediationMode[] {
  return control.remediation?.modes ?? GUIDANCE_MODES;
}

/** The mode a control runs in when the configuration does not name it. */
export function defaultMode(control: ControlDefinition): RemediationMode {
  return allowedModes(control)[0] ?? 'notify';
}

export type ControlModes = Readonly<Record<ControlId, RemediationMode>>;

/** Every control's mode: the defaults, with the configured overrides applied. */
export function resolveModes(overrides: Partial<Record<ControlId, RemediationMode>> = {}): ControlModes {
  return Object.fromEntries(
    CONTROLS.map((control) => [control.id, overrides[control.id] ?? defaultMode(control)]),
  ) as ControlModes;
}

/** Controls whose findings the workflow receives: every control not switched off. */
export function controlsInScope(modes: ControlModes): ControlId[] {
  return CONTROL_IDS.filter((id) => modes[id] !== 'off');
}
