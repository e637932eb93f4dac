/**
 * What the deployment would do to each failing resource under this configuration, as pure functions
 * of what was read (inventory.ts) and the configuration as the stack loads it (stacks/configuration.ts):
 * per resource and failing control, the strategy, the mode, the outcome, the planned steps, the
 * snapshot and the downtime. Nothing here calls AWS.
 */

import type {
  ControlModule,
  FixStrategy,
  RemediatedFix,
  RemediationMode,
  Severity,
} from '../../handlers/shared/controls/control-module.js';
import type { ResourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { findControl, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { evaluateScope } from '../../handlers/shared/finding-scope.js';
import type { RemediationConfiguration } from '../../stacks/configuration.js';
import {
  type Downtime,
  endpointMoveDowntime,
  inPlaceNotebookDowntime,
  NO_DOWNTIME,
  notebookSeconds,
  recreationDowntime,
} from './estimates.js';
import { type AccountInventory, failingModules, type ObservedAccountResource } from './inventory.js';
import { PREVIEWED_KINDS } from './read-calls.js';
import { endpointsMovedBy, plannedSteps, snapshotOf, volumeOf } from './steps.js';

/** What the workflow would do with the control's finding on this resource. */
export type Outcome =
  /** Fixed as soon as the finding arrives. */
  | 'automatic'
  /** Fixed once someone approves the plan. */
  | 'after-approval'
  /** Planned and annotated, nothing changed (dryRun). */
  | 'dry-run'
  /** The finding is annotated with the control's guidance; nothing changes. */
  | 'notify'
  /** The control is off: its findings never reach the workflow. */
  | 'ignored'
  /** The resource carries the exemption tag: annotated, never changed. */
  | 'exempt'
  /** The fix needs configuration the deployment lacks: annotated with what to configure. */
  | 'needs-configuration'
  /** The resource is in a state no fix starts from (a Failed notebook): annotated. */
  | 'needs-attention'
  /** The account or Region is outside the deployment's scope: skipped. */
  | 'out-of-scope';

export interface PreviewRow {
  readonly kind: ResourceKind;
  readonly resource: string;
  readonly arn: string;
  /** The notebook's status (the fix depends on it); absent for other kinds. */
  readonly status?: string;
  readonly control: string;
  readonly title: string;
  readonly severity: Severity;
  readonly strategy: FixStrategy;
  readonly mode: RemediationMode;
  readonly outcome: Outcome;
  /** Why the outcome, when it is not the mode's plain consequence. */
  readonly reason?: string;
  /** The fix waits for someone's approval (also in a dry run: it would). */
  readonly approvalRequired: boolean;
  readonly exempt: boolean;
  readonly dryRun: boolean;
  /** The fix in the control module's words, or its guidance where the finding gets it (notify). */
  readonly change: string;
  /** What the fix would do, in order; empty where nothing is done. */
  readonly steps: readonly string[];
  readonly snapshot: string;
  readonly downtime: Downtime;
}

export interface PreviewReport {
  readonly accountId: string;
  readonly region: string;
  readonly configuration: {
    readonly path: string;
    readonly dryRun: boolean;
    readonly exemptionTag: string;
    /** The deployment's scope as it applies to this account and Region. */
    readonly scope: string;
  };
  readonly counts: AccountInventory['counts'];
  readonly failingResources: number;
  readonly rows: readonly PreviewRow[];
}

/** Notebook statuses after which the notebook is InService again: it is restarted after the fix. */
const RUNNING_STATUSES = ['InService', 'Pending'];

const isRemediated = (outcome: Outcome): boolean =>
  outcome === 'automatic' || outcome === 'after-approval' || outcome === 'dry-run';

function scopeOf(configuration: RemediationConfiguration, inventory: AccountInventory) {
  const verdict = evaluateScope(configuration.scope, inventory);
  if (verdict.kind === 'out-of-scope') return { inScope: false, text: `out of scope: ${verdict.reason}` };
  if (verdict.kind === 'needs-placement') {
    return {
      inScope: true,
      text: "depends on the account's organizational units, which the preview does not read (no Organizations call): shown as in scope",
    };
  }
  return { inScope: true, text: 'in scope' };
}

/**
 * What a recreation of this notebook lacks in the configuration: for every control (a subnet and
 * security groups, unless the notebook keeps its own), and for SageMaker.21 (a KMS key).
 */
function recreationGaps(
  resource: ObservedAccountResource,
  failing: readonly string[],
  configuration: RemediationConfiguration,
  inventory: AccountInventory,
): { readonly all: string[]; readonly kmsKey?: string } {
  const target = configuration.recreate.targets.find(
    (candidate) => candidate.account === inventory.accountId && candidate.region === inventory.region,
  );
  const subnet = resource.description.SubnetId;
  const keepsNetwork = typeof subnet === 'string' && subnet !== '' && !failing.includes('SageMaker.2');
  // The stack's private network is the target of its own account and Region.
  const network = keepsNetwork || configuration.recreate.createPrivateNetwork;
  const all: string[] = [];
  if (!network && !target?.subnetId)
    all.push('a private subnet (recreate target subnetId) for this account and Region');
  if (!network && (target?.securityGroupIds?.length ?? 0) === 0) {
    all.push('security groups (recreate target securityGroupIds) for this account and Region');
  }
  return {
    all,
    ...(target?.kmsKeyId
      ? {}
      : { kmsKey: 'a customer-managed KMS key (recreate target kmsKeyId) for this account and Region' }),
  };
}

/** What configuration the fix lacks, if any (the finding then says what to configure). */
function missingConfiguration(
  module: ControlModule,
  fix: RemediatedFix,
  resource: ObservedAccountResource,
  failing: readonly string[],
  configuration: RemediationConfiguration,
  inventory: AccountInventory,
): string | undefined {
  if (fix.engine === 'add-required-tags' && Object.keys(configuration.requiredTags).length === 0) {
    return 'requiredTags in the configuration names no tag to add';
  }
  if (fix.engine === 'update-inference-experiment' && !configuration.dataCaptureKmsKeyId) {
    return 'the configuration names no dataCaptureKmsKeyId';
  }
  if (resource.kind !== 'notebook-instance' || fix.strategy !== 'recreate') return undefined;
  const gaps = recreationGaps(resource, failing, configuration, inventory);
  const lacking = [...gaps.all, ...(module.id === 'SageMaker.21' && gaps.kmsKey ? [gaps.kmsKey] : [])];
  return lacking.length > 0 ? `the deployment lacks ${lacking.join('; ')}` : undefined;
}

function rowFor(
  resource: ObservedAccountResource,
  module: ControlModule,
  failing: readonly string[],
  configuration: RemediationConfiguration,
  inventory: AccountInventory,
  inScope: boolean,
): PreviewRow {
  const modes = resolveModes(configuration.modes) as Readonly<Record<string, RemediationMode>>;
  const mode = modes[module.id] ?? 'notify';
  const fix = findControl(module.id)?.remediation ? (module.fix as RemediatedFix) : undefined;
  const { key, value } = configuration.exemptionTag;
  const exempt = (resource.tags ?? []).some((tag) => tag.Key === key && tag.Value === value);
  const status =
    resource.kind === 'notebook-instance' && typeof resource.description.NotebookInstanceStatus === 'string'
      ? resource.description.NotebookInstanceStatus
      : undefined;
  const missing = fix && missingConfiguration(module, fix, resource, failing, configuration, inventory);

  let outcome: Outcome;
  let reason: string | undefined;
  if (!inScope) outcome = 'out-of-scope';
  else if (mode === 'off') outcome = 'ignored';
  else if (mode === 'notify' || !fix) {
    outcome = 'notify';
    if (!fix) reason = `${module.id} has no automatic fix`;
  } else if (exempt) {
    outcome = 'exempt';
    reason = `tagged ${key}=${value}`;
  } else if (status === 'Failed') {
    outcome = 'needs-attention';
    reason = 'the notebook is Failed: no fix starts from there';
  } else if (missing) {
    outcome = 'needs-configuration';
    reason = missing;
  } else if (configuration.dryRun) outcome = 'dry-run';
  else outcome = mode === 'approval' ? 'after-approval' : 'automatic';

  const remediated = fix !== undefined && isRemediated(outcome);
  const running = status === undefined || RUNNING_STATUSES.includes(status);
  const copiesData = !configuration.recreate.acceptDataLoss.includes(module.id);
  const approval = mode === 'approval';
  const steps =
    remediated && fix
      ? plannedSteps(module, fix, {
          resource,
          inventory,
          approval,
          running,
          copiesData,
          requiredTagKeys: Object.keys(configuration.requiredTags),
          dataCaptureKmsKeyId: configuration.dataCaptureKmsKeyId,
        })
      : [];
  const wouldTake = remediated && fix ? downtimeOf(resource, fix, inventory, running, copiesData) : undefined;
  const downtime =
    wouldTake === undefined
      ? NO_DOWNTIME('nothing changes')
      : outcome === 'dry-run'
        ? NO_DOWNTIME(
            `dry run: nothing changes (with dryRun off: ${wouldTake.seconds} s; ${wouldTake.basis})`,
          )
        : wouldTake;
  return {
    kind: resource.kind,
    resource: resource.name,
    arn: resource.arn,
    ...(status ? { status } : {}),
    control: module.id,
    title: module.title,
    severity: module.severity,
    strategy: module.fix.strategy,
    mode,
    outcome,
    ...(reason ? { reason } : {}),
    approvalRequired: remediated && approval,
    exempt,
    dryRun: configuration.dryRun,
    change: fix && outcome !== 'notify' ? fix.change : module.guidance(resource.name, resource.description),
    steps,
    snapshot: remediated && fix ? snapshotOf(resource, fix, copiesData) : 'none',
    downtime,
  };
}

function downtimeOf(
  resource: ObservedAccountResource,
  fix: RemediatedFix,
  inventory: AccountInventory,
  running: boolean,
  copiesData: boolean,
): Downtime {
  if (resource.kind === 'notebook-instance') {
    const times = notebookSeconds();
    if (fix.strategy === 'in-place') return inPlaceNotebookDowntime(times, running);
    return recreationDowntime(times, volumeOf(resource), copiesData, running);
  }
  if (resource.kind === 'endpoint-config' || resource.kind === 'model') {
    return endpointMoveDowntime(endpointsMovedBy(resource, inventory));
  }
  if (fix.engine === 'recreate-job-definition') {
    return NO_DOWNTIME('its schedules keep their times: the next monitoring job runs on the copy');
  }
  return NO_DOWNTIME('an update of its definition: nothing it serves stops');
}

const controlNumber = (id: string): number => Number(id.split('.')[1] ?? 0);

/** Every failing control of every resource, by kind, name and control. */
export function planPreview(
  inventory: AccountInventory,
  configuration: RemediationConfiguration,
  configurationPath: string,
): PreviewReport {
  const context = { requiredTagKeys: Object.keys(configuration.requiredTags) };
  const scope = scopeOf(configuration, inventory);
  const kindOrder = (kind: ResourceKind) => PREVIEWED_KINDS.indexOf(kind);
  const resources = inventory.resources
    // A notebook being deleted is gone by the time a finding about it is planned.
    .filter((resource) => resource.description.NotebookInstanceStatus !== 'Deleting')
    .map((resource) => ({ resource, failing: failingModules(resource, context) }))
    .filter(({ failing }) => failing.length > 0)
    .sort(
      (a, b) =>
        kindOrder(a.resource.kind) - kindOrder(b.resource.kind) ||
        a.resource.name.localeCompare(b.resource.name),
    );
  const rows = resources.flatMap(({ resource, failing }) => {
    const ids = failing.map((module) => module.id);
    return [...failing]
      .sort((a, b) => controlNumber(a.id) - controlNumber(b.id))
      .map((module) => rowFor(resource, module, ids, configuration, inventory, scope.inScope));
  });
  return {
    accountId: inventory.accountId,
    region: inventory.region,
    configuration: {
      path: configurationPath,
      dryRun: configuration.dryRun,
      exemptionTag: `${configuration.exemptionTag.key}=${configuration.exemptionTag.value}`,
      scope: scope.text,
    },
    counts: inventory.counts,
    failingResources: resources.length,
    rows,
  };
}
