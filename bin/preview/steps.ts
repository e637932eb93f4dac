/**
 * The steps a fix would take on one resource, named with the resource's own names and those of what
 * it serves (the schedules a job definition's copy takes over, the endpoints a new configuration is
 * rolled out to), and what is snapshotted before. The engine's sequence comes from the control
 * module's fix (its strategy and engine, and `change` in its own words).
 */
import type {
  ControlModule,
  Description,
  RemediatedFix,
} from '../../handlers/shared/controls/control-module.js';
import { memberAt } from '../../handlers/shared/controls/control-module.js';
import type { ResourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import type { AccountInventory, ObservedAccountResource } from './inventory.js';

export const NOTEBOOK_DATA_PATH = '/home/ec2-user/SageMaker';

/** SageMaker's VolumeSizeInGB when a notebook was created without one (GiB). */
export const DEFAULT_VOLUME_GIB = 5;

/** The notebook's volume size, as Describe reports it. */
export function volumeOf(resource: ObservedAccountResource): number {
  const volume = resource.description.VolumeSizeInGB;
  return typeof volume === 'number' ? volume : DEFAULT_VOLUME_GIB;
}

/** What a step list needs to know beyond the control: the resource and the configuration's choices. */
export interface StepContext {
  readonly resource: ObservedAccountResource;
  readonly inventory: AccountInventory;
  readonly approval: boolean;
  /** The notebook is running (InService or starting): it is started again after the fix. */
  readonly running: boolean;
  /** A notebook recreation copies the data out and back (unless recreate.acceptDataLoss names the control). */
  readonly copiesData: boolean;
  readonly requiredTagKeys: readonly string[];
  readonly dataCaptureKmsKeyId?: string | undefined;
}

const APPROVAL_STEP =
  'wait for approval (the Security Hub "Approve" action, or npm run approvals -- approve)';

const MONITORING_TYPES: Readonly<Partial<Record<ResourceKind, string>>> = {
  'data-quality-job-definition': 'DataQuality',
  'model-bias-job-definition': 'ModelBias',
  'model-explainability-job-definition': 'ModelExplainability',
  'model-quality-job-definition': 'ModelQuality',
};

const listed = (names: readonly string[]): string => names.join(', ');

/** The monitoring schedules that run a job definition (they are moved to its fixed copy). */
export function schedulesUsing(inventory: AccountInventory, kind: ResourceKind, name: string): string[] {
  const type = MONITORING_TYPES[kind];
  return inventory.resources
    .filter(
      (resource) =>
        resource.kind === 'monitoring-schedule' &&
        memberAt(resource.description, 'MonitoringScheduleConfig.MonitoringJobDefinitionName') === name &&
        (memberAt(resource.description, 'MonitoringScheduleConfig.MonitoringType') ?? type) === type,
    )
    .map((resource) => resource.name);
}

const variantsOf = (description: Description): unknown[] => [
  ...(Array.isArray(description.ProductionVariants) ? description.ProductionVariants : []),
  ...(Array.isArray(description.ShadowProductionVariants) ? description.ShadowProductionVariants : []),
];

/** The endpoint configurations with a variant of the model (copied to use its fixed copy). */
export function configurationsUsing(inventory: AccountInventory, model: string): string[] {
  return inventory.resources
    .filter(
      (resource) =>
        resource.kind === 'endpoint-config' &&
        variantsOf(resource.description).some((variant) => memberAt(variant, 'ModelName') === model),
    )
    .map((resource) => resource.name);
}

/** The endpoints serving one of the configurations (moved with UpdateEndpoint). */
export function endpointsServing(inventory: AccountInventory, configurations: readonly string[]): string[] {
  return inventory.endpoints
    .filter((endpoint) => endpoint.configName !== undefined && configurations.includes(endpoint.configName))
    .map((endpoint) => endpoint.name);
}

/** The endpoints a fix of this resource moves: those serving it, or its model's configurations. */
export function endpointsMovedBy(resource: ObservedAccountResource, inventory: AccountInventory): string[] {
  if (resource.kind === 'endpoint-config') return endpointsServing(inventory, [resource.name]);
  if (resource.kind === 'model')
    return endpointsServing(inventory, configurationsUsing(inventory, resource.name));
  return [];
}

/** The notebook setting a control writes (`RootAccess=Disabled`), where its module names one. */
function notebookSetting(fix: RemediatedFix, module: ControlModule): string {
  const setting = (
    fix as { readonly notebookSetting?: { readonly field?: unknown; readonly value?: unknown } }
  ).notebookSetting;
  return typeof setting?.field === 'string' && typeof setting.value === 'string'
    ? `${setting.field}=${setting.value}`
    : `${module.checks} fixed`;
}

/** The fix's steps on this resource, in order. */
export function plannedSteps(module: ControlModule, fix: RemediatedFix, context: StepContext): string[] {
  const { resource, inventory, approval } = context;
  const name = resource.name;
  const gate = approval ? [APPROVAL_STEP] : [];
  const verify = `verify that ${name} passes ${module.id}`;
  if (resource.kind === 'notebook-instance' && fix.strategy === 'in-place') {
    const update = `UpdateNotebookInstance ${notebookSetting(fix, module)}`;
    return context.running
      ? [
          ...gate,
          'StopNotebookInstance, wait until Stopped',
          update,
          'StartNotebookInstance, wait until InService',
          verify,
        ]
      : [...gate, update, verify, 'leave it Stopped'];
  }
  if (resource.kind === 'notebook-instance') {
    return [
      ...gate,
      context.copiesData
        ? `snapshot its configuration and copy the data on ${NOTEBOOK_DATA_PATH} to S3`
        : `snapshot its configuration (the data on ${NOTEBOOK_DATA_PATH} is not copied)`,
      'StopNotebookInstance, DeleteNotebookInstance',
      `CreateNotebookInstance with every other setting kept and ${notebookSetting(fix, module)}`,
      ...(context.copiesData ? [`copy the data back to ${NOTEBOOK_DATA_PATH}`] : []),
      context.running ? 'leave it InService' : 'stop it again',
      verify,
    ];
  }
  const snapshot = 'snapshot its definition and tags';
  switch (fix.engine) {
    case 'add-required-tags':
      return [`AddTags ${listed(context.requiredTagKeys)} (requiredTags; existing tags kept)`, verify];
    case 'update-monitoring-schedule':
      return [
        ...gate,
        snapshot,
        `UpdateMonitoringSchedule ${name} with its full configuration and ${module.checks.split('.').slice(-2).join('.')}=true`,
        verify,
      ];
    case 'update-inference-experiment':
      return [
        ...gate,
        snapshot,
        `UpdateInferenceExperiment ${name} DataStorageConfig.KmsKey=${context.dataCaptureKmsKeyId ?? '(dataCaptureKmsKeyId)'}`,
        verify,
      ];
    case 'recreate-job-definition': {
      const schedules = schedulesUsing(inventory, resource.kind, name);
      return [
        ...gate,
        snapshot,
        `create a copy of ${name} with ${module.checks}=true`,
        schedules.length > 0
          ? `move the monitoring schedules ${listed(schedules)} to the copy (UpdateMonitoringSchedule)`
          : 'no monitoring schedule uses it',
        `delete ${name}`,
        verify,
      ];
    }
    case 'replace-endpoint-config':
    case 'replace-model': {
      const endpoints = endpointsMovedBy(resource, inventory);
      const configurations = resource.kind === 'model' ? configurationsUsing(inventory, name) : [];
      return [
        ...gate,
        snapshot,
        resource.kind === 'model'
          ? `create an isolated copy of ${name}, and copies of the endpoint configurations that use it${configurations.length > 0 ? ` (${listed(configurations)})` : ' (none)'}`
          : `create a copy of ${name} with the fix`,
        endpoints.length > 0 ? `UpdateEndpoint ${listed(endpoints)} to the copy` : 'no endpoint uses it',
        `delete ${name} once no endpoint uses it`,
        verify,
      ];
    }
    default:
      return [...gate, fix.change, verify];
  }
}

/** What is kept before the change, so that it can be put back (docs/restore.md). */
export function snapshotOf(
  resource: ObservedAccountResource,
  fix: RemediatedFix,
  copiesData: boolean,
): string {
  if (resource.kind === 'notebook-instance' && fix.strategy === 'in-place') {
    return 'none: an in-place update; the data stays on the volume';
  }
  if (resource.kind === 'notebook-instance') {
    return copiesData
      ? `configuration (settings, tags, lifecycle configuration, code repositories) and the data on ${NOTEBOOK_DATA_PATH} (${volumeOf(resource)} GiB volume), to S3`
      : `configuration only: the data on ${NOTEBOOK_DATA_PATH} is not copied (recreate.acceptDataLoss)`;
  }
  if (fix.engine === 'add-required-tags') return 'none: tags are only added';
  return "the full definition (its Describe output) and its tags, to the deployment's backup bucket";
}
