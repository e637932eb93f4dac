/**
 * The SageMaker controls of Security Hub CSPM, and what this project does about each.
 *
 * This module is the single source of truth: the EventBridge pattern, the planning Lambda's
 * routing, the configuration validation, IAM and docs/controls.md are all derived from it.
 * It is plain data with no imports so that it bundles into a Lambda at no cost.
 */

/** How a failing control can be fixed at all. */
export type FixStrategy =
  /** An update call changes the field on the existing resource. */
  | 'in-place'
  /** The field is immutable: the resource must be deleted and created again. */
  | 'recreate'
  /** No generic fix exists (a private registry, a data migration): the finding carries guidance. */
  | 'guidance';

/**
 * What the workflow does when the control fails.
 *
 * - `auto`: remediate without asking (only for non-destructive, implemented remediations).
 * - `approval`: remediate after a human approves (destructive remediations).
 * - `notify`: annotate the finding with guidance and alert; change nothing.
 * - `off`: ignore the control; its findings do not even reach the workflow.
 */
export type RemediationMode = 'auto' | 'approval' | 'notify' | 'off';

export const REMEDIATION_MODES: readonly RemediationMode[] = ['auto', 'approval', 'notify', 'off'];

/** Remediations this project implements, by the name the state machine routes on. */
export type RemediationName = 'disable-root-access' | 'recreate-notebook';

export type ResourceType =
  | 'AwsSageMakerNotebookInstance'
  | 'AwsSageMakerEndpointConfig'
  | 'AwsSageMakerModel'
  | 'AwsSageMakerAppImageConfig'
  | 'AwsSageMakerImage'
  | 'AwsSageMakerDataQualityJobDefinition'
  | 'AwsSageMakerModelExplainabilityJobDefinition'
  | 'AwsSageMakerModelBiasJobDefinition'
  | 'AwsSageMakerModelQualityJobDefinition'
  | 'AwsSageMakerMonitoringSchedule'
  | 'AwsSageMakerFeatureGroup'
  | 'AwsSageMakerInferenceExperiment';

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface ControlDefinition {
  /** Security Hub security control id, e.g. `SageMaker.3`. */
  readonly id: string;
  readonly title: string;
  readonly resourceType: ResourceType;
  readonly severity: Severity;
  /** The configuration field the control checks. */
  readonly checks: string;
  readonly fix: FixStrategy;
  /** The remediation the workflow runs, when this project implements one. */
  readonly remediation?: {
    readonly name: RemediationName;
    /** Modes a user may choose; the first is the default. */
    readonly modes: readonly RemediationMode[];
  };
  /** What a human should do, written on the finding when the workflow does not fix it. */
  readonly guidance: string;
}

/**
 * Recreating a notebook deletes it (after an approval and a verified snapshot): never automatic,
 * approval-gated by default. Without a configured target the finding says what to configure.
 */
const RECREATE_MODES = ['approval', 'notify', 'off'] as const satisfies readonly RemediationMode[];

export const CONTROLS = [
  {
    id: 'SageMaker.1',
    title: 'Notebook instance has direct internet access',
    resourceType: 'AwsSageMakerNotebookInstance',
    severity: 'HIGH',
    checks: 'DirectInternetAccess',
    fix: 'recreate',
    remediation: { name: 'recreate-notebook', modes: RECREATE_MODES },
    guidance:
      'DirectInternetAccess cannot be changed in place: recreate the notebook instance with DirectInternetAccess=Disabled in a VPC subnet (SubnetId and SecurityGroupIds), after copying the data on /home/ec2-user/SageMaker to S3.',
  },
  {
    id: 'SageMaker.2',
    title: 'Notebook instance is not in a custom VPC',
    resourceType: 'AwsSageMakerNotebookInstance',
    severity: 'HIGH',
    checks: 'SubnetId',
    fix: 'recreate',
    remediation: { name: 'recreate-notebook', modes: RECREATE_MODES },
    guidance:
      'The subnet cannot be changed in place: recreate the notebook instance with a SubnetId and SecurityGroupIds in your VPC, after copying the data on /home/ec2-user/SageMaker to S3.',
  },
  {
    id: 'SageMaker.3',
    title: 'Notebook instance has root access enabled',
    resourceType: 'AwsSageMakerNotebookInstance',
    severity: 'HIGH',
    checks: 'RootAccess',
    fix: 'in-place',
    remediation: { name: 'disable-root-access', modes: ['auto', 'notify', 'off'] },
    guidance:
      'Stop the notebook instance, call UpdateNotebookInstance with RootAccess=Disabled, and start it again if it was running.',
  },
  {
    id: 'SageMaker.4',
    title: 'Endpoint production variant has an initial instance count of 1 or less',
    resourceType: 'AwsSageMakerEndpointConfig',
    severity: 'MEDIUM',
    checks: 'ProductionVariants[].InitialInstanceCount',
    fix: 'recreate',
    guidance:
      'Endpoint configurations are immutable: create a new endpoint configuration with InitialInstanceCount >= 2, call UpdateEndpoint, then delete the old configuration once unused.',
  },
  {
    id: 'SageMaker.5',
    title: 'Model does not enable network isolation',
    resourceType: 'AwsSageMakerModel',
    severity: 'MEDIUM',
    checks: 'EnableNetworkIsolation',
    fix: 'recreate',
    guidance:
      'Models cannot be updated: create a new model with EnableNetworkIsolation=true, a new endpoint configuration using it, and call UpdateEndpoint.',
  },
  {
    id: 'SageMaker.6',
    title: 'App image configuration is not tagged',
    resourceType: 'AwsSageMakerAppImageConfig',
    severity: 'LOW',
    checks: 'Tags',
    fix: 'in-place',
    guidance: 'Add the tags your organisation requires with AddTags.',
  },
  {
    id: 'SageMaker.7',
    title: 'Image is not tagged',
    resourceType: 'AwsSageMakerImage',
    severity: 'LOW',
    checks: 'Tags',
    fix: 'in-place',
    guidance: 'Add the tags your organisation requires with AddTags.',
  },
  {
    id: 'SageMaker.8',
    title: 'Notebook instance runs on an unsupported platform',
    resourceType: 'AwsSageMakerNotebookInstance',
    severity: 'MEDIUM',
    checks: 'PlatformIdentifier',
    fix: 'recreate',
    remediation: { name: 'recreate-notebook', modes: RECREATE_MODES },
    guidance:
      'Move the notebook instance to notebook-al2023-v1. A platform change rebuilds the operating system: copy the data on /home/ec2-user/SageMaker to S3 first.',
  },
  {
    id: 'SageMaker.9',
    title: 'Data quality job definition does not encrypt inter-container traffic',
    resourceType: 'AwsSageMakerDataQualityJobDefinition',
    severity: 'MEDIUM',
    checks: 'NetworkConfig.EnableInterContainerTrafficEncryption',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableInterContainerTrafficEncryption=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.10',
    title: 'Model explainability job definition does not encrypt inter-container traffic',
    resourceType: 'AwsSageMakerModelExplainabilityJobDefinition',
    severity: 'MEDIUM',
    checks: 'NetworkConfig.EnableInterContainerTrafficEncryption',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableInterContainerTrafficEncryption=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.11',
    title: 'Data quality job definition does not enable network isolation',
    resourceType: 'AwsSageMakerDataQualityJobDefinition',
    severity: 'MEDIUM',
    checks: 'NetworkConfig.EnableNetworkIsolation',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableNetworkIsolation=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.12',
    title: 'Model bias job definition does not enable network isolation',
    resourceType: 'AwsSageMakerModelBiasJobDefinition',
    severity: 'MEDIUM',
    checks: 'NetworkConfig.EnableNetworkIsolation',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableNetworkIsolation=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.13',
    title: 'Model quality job definition does not encrypt inter-container traffic',
    resourceType: 'AwsSageMakerModelQualityJobDefinition',
    severity: 'MEDIUM',
    checks: 'NetworkConfig.EnableInterContainerTrafficEncryption',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableInterContainerTrafficEncryption=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.14',
    title: 'Monitoring schedule does not enable network isolation',
    resourceType: 'AwsSageMakerMonitoringSchedule',
    severity: 'MEDIUM',
    checks: 'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation',
    fix: 'in-place',
    guidance:
      'Call UpdateMonitoringSchedule with the full schedule configuration and NetworkConfig.EnableNetworkIsolation=true.',
  },
  {
    id: 'SageMaker.15',
    title: 'Model bias job definition does not encrypt inter-container traffic',
    resourceType: 'AwsSageMakerModelBiasJobDefinition',
    severity: 'MEDIUM',
    checks: 'NetworkConfig.EnableInterContainerTrafficEncryption',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableInterContainerTrafficEncryption=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.16',
    title: 'Model primary container pulls images from a public registry',
    resourceType: 'AwsSageMakerModel',
    severity: 'MEDIUM',
    checks: 'PrimaryContainer.ImageConfig.RepositoryAccessMode',
    fix: 'guidance',
    guidance:
      'Copy the image into a private Amazon ECR repository (or a private registry reachable through your VPC) and create a new model that references it with RepositoryAccessMode=Vpc or Platform.',
  },
  {
    id: 'SageMaker.17',
    title: 'Feature group offline store is not encrypted with a KMS key',
    resourceType: 'AwsSageMakerFeatureGroup',
    severity: 'MEDIUM',
    checks: 'OfflineStoreConfig.S3StorageConfig.KmsKeyId',
    fix: 'guidance',
    guidance:
      'The key can only be set at creation: create a new feature group with a customer-managed KMS key for the offline store and migrate the records.',
  },
  {
    id: 'SageMaker.18',
    title: 'Feature group online store is not encrypted with a KMS key',
    resourceType: 'AwsSageMakerFeatureGroup',
    severity: 'MEDIUM',
    checks: 'OnlineStoreConfig.SecurityConfig.KmsKeyId',
    fix: 'guidance',
    guidance:
      'The key can only be set at creation: create a new feature group with a customer-managed KMS key for the online store and migrate the records.',
  },
  {
    id: 'SageMaker.19',
    title: 'Multi-container model pulls images from a public registry',
    resourceType: 'AwsSageMakerModel',
    severity: 'MEDIUM',
    checks: 'Containers[].ImageConfig.RepositoryAccessMode',
    fix: 'guidance',
    guidance:
      'Copy every container image into a private registry and create a new model whose containers all use RepositoryAccessMode=Vpc or Platform.',
  },
  {
    id: 'SageMaker.20',
    title: 'Model explainability job definition does not enable network isolation',
    resourceType: 'AwsSageMakerModelExplainabilityJobDefinition',
    severity: 'HIGH',
    checks: 'NetworkConfig.EnableNetworkIsolation',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableNetworkIsolation=true, point the monitoring schedule at it, delete the old one.',
  },
  {
    id: 'SageMaker.21',
    title: 'Notebook instance volume is not encrypted with a customer-managed KMS key',
    resourceType: 'AwsSageMakerNotebookInstance',
    severity: 'MEDIUM',
    checks: 'KmsKeyId',
    fix: 'recreate',
    remediation: { name: 'recreate-notebook', modes: RECREATE_MODES },
    guidance:
      'The KMS key can only be set at creation: recreate the notebook instance with KmsKeyId set to a customer-managed key, after copying the data on /home/ec2-user/SageMaker to S3.',
  },
  {
    id: 'SageMaker.22',
    title: 'Monitoring schedule does not encrypt inter-container traffic',
    resourceType: 'AwsSageMakerMonitoringSchedule',
    severity: 'MEDIUM',
    checks:
      'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption',
    fix: 'recreate',
    guidance:
      'Recreate the monitoring schedule (or its job definition) with EnableInterContainerTrafficEncryption=true.',
  },
  {
    id: 'SageMaker.23',
    title: 'Inference experiment storage is not encrypted with a KMS key',
    resourceType: 'AwsSageMakerInferenceExperiment',
    severity: 'MEDIUM',
    checks: 'KmsKey',
    fix: 'guidance',
    guidance:
      'The storage key can only be set at creation: create a new inference experiment with a customer-managed KMS key.',
  },
  {
    id: 'SageMaker.24',
    title: 'Inference experiment data capture is not encrypted with a KMS key',
    resourceType: 'AwsSageMakerInferenceExperiment',
    severity: 'MEDIUM',
    checks: 'DataStorageConfig.KmsKey',
    fix: 'in-place',
    guidance:
      'Call UpdateInferenceExperiment with DataStorageConfig.KmsKey set to a customer-managed key (while Created or Running).',
  },
  {
    id: 'SageMaker.25',
    title: 'Model quality job definition does not enable network isolation',
    resourceType: 'AwsSageMakerModelQualityJobDefinition',
    severity: 'HIGH',
    checks: 'NetworkConfig.EnableNetworkIsolation',
    fix: 'recreate',
    guidance:
      'Job definitions cannot be updated: create a new one with EnableNetworkIsolation=true, point the monitoring schedule at it, delete the old one.',
  },
] as const satisfies readonly ControlDefinition[];

export type ControlId = (typeof CONTROLS)[number]['id'];

export const CONTROL_IDS: readonly ControlId[] = CONTROLS.map((control) => control.id);

type RemediatedControl = Extract<(typeof CONTROLS)[number], { readonly remediation: object }>;

/** The notebook controls this project remediates (recreation or in place). */
export type NotebookControl = RemediatedControl['id'];

/** The controls only a recreation can fix: their fields cannot be updated on a notebook instance. */
export type RecreateControlId = Extract<
  RemediatedControl,
  { readonly remediation: { readonly name: 'recreate-notebook' } }
>['id'];

export const NOTEBOOK_CONTROL_IDS = CONTROLS.flatMap((control) =>
  'remediation' in control ? [control.id] : [],
) as readonly NotebookControl[] as readonly [NotebookControl, ...NotebookControl[]];

export const RECREATE_CONTROL_IDS = CONTROLS.flatMap((control) =>
  'remediation' in control && control.remediation.name === 'recreate-notebook' ? [control.id] : [],
) as readonly RecreateControlId[] as readonly [RecreateControlId, ...RecreateControlId[]];

const controlsById: ReadonlyMap<string, ControlDefinition> = new Map(
  CONTROLS.map((control) => [control.id, control]),
);

export function findControl(id: string): ControlDefinition | undefined {
  return controlsById.get(id);
}

/** The modes a user may choose for a control: the remediation's, or only notify/off without one. */
export function allowedModes(control: ControlDefinition): readonly RemediationMode[] {
  return control.remediation?.modes ?? ['notify', 'off'];
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
