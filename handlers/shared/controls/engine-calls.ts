/**
 * The SageMaker calls each engine makes on the resource it fixes, shared by the modules of the
 * controls that engine fixes (the engine's infrastructure calls, on its own table, bucket and topic,
 * are granted by the stack that deploys the engine).
 */
import type { ApiCall, Caller, RemediationMode } from './control-module.js';
import { type ResourceKind, resourceKind } from './resource-kinds.js';

/** A notebook recreation deletes the notebook: never automatic. */
export const RECREATE_MODES: readonly RemediationMode[] = ['approval', 'notify', 'off'];

/** Behaviour-changing and destructive fixes of other resources: approval by default, never automatic. */
export const APPROVAL_MODES: readonly RemediationMode[] = ['approval', 'notify', 'off'];

/** Fixes that change nothing a workload depends on (tags): automatic by default, never behind an approval. */
export const AUTO_MODES: readonly RemediationMode[] = ['auto', 'notify', 'off'];

export const RECREATE_NOTEBOOK_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:StopNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:UpdateNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:DeleteNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:CreateNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:StartNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:DescribeNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:ListTags', on: 'notebook-instance', by: 'plan-remediation' },
];

/** Stop, UpdateNotebookInstance with the settings, start again, each step observed. */
export const UPDATE_NOTEBOOK_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:StopNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:UpdateNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:StartNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:DescribeNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
];

/** AddTags on the resource, ListTags to verify. */
export function addRequiredTagsCalls(on: 'image' | 'app-image-config'): readonly ApiCall[] {
  return [
    { action: 'sagemaker:AddTags', on, by: 'state-machine' },
    { action: 'sagemaker:ListTags', on, by: 'verify-resource' },
  ];
}

type JobDefinitionKind =
  | 'data-quality-job-definition'
  | 'model-bias-job-definition'
  | 'model-explainability-job-definition'
  | 'model-quality-job-definition';

const JOB_DEFINITION_OPERATIONS: Readonly<Record<JobDefinitionKind, string>> = {
  'data-quality-job-definition': 'DataQualityJobDefinition',
  'model-bias-job-definition': 'ModelBiasJobDefinition',
  'model-explainability-job-definition': 'ModelExplainabilityJobDefinition',
  'model-quality-job-definition': 'ModelQualityJobDefinition',
};

/**
 * Create the fixed definition, move the schedules that use the old one, delete the old one
 * (handlers/shared/changes/recreate-job-definition.ts). The schedules that name the definition are read
 * when planning (the approval message names them) and into the snapshot; the change reads each before
 * moving it, so a step run again moves nothing twice. Create passes the definition's role again
 * (iam:PassRole, granted to change-resource with the account's roles) and writes its tags (AddTags).
 */
export function recreateJobDefinitionCalls(on: JobDefinitionKind): readonly ApiCall[] {
  const type = JOB_DEFINITION_OPERATIONS[on];
  const schedules = (by: Caller): readonly ApiCall[] => [
    { action: 'sagemaker:ListMonitoringSchedules', on: '*', by },
    { action: 'sagemaker:DescribeMonitoringSchedule', on: 'monitoring-schedule', by },
  ];
  return [
    ...schedules('plan-remediation'),
    ...snapshotCalls(on),
    ...schedules('snapshot-resource'),
    { action: `sagemaker:Create${type}`, on, by: 'change-resource' },
    { action: 'sagemaker:AddTags', on, by: 'change-resource' },
    { action: `sagemaker:Delete${type}`, on, by: 'change-resource' },
    { action: 'sagemaker:UpdateMonitoringSchedule', on: 'monitoring-schedule', by: 'change-resource' },
    { action: 'sagemaker:DescribeMonitoringSchedule', on: 'monitoring-schedule', by: 'change-resource' },
    // Waiting for the moved schedules: those still Pending (or Failed) on the new definition.
    { action: 'sagemaker:ListMonitoringSchedules', on: '*', by: 'state-machine' },
  ];
}

/** The snapshot before an approved change: the resource read whole, with its tags. */
function snapshotCalls(on: ResourceKind): readonly ApiCall[] {
  return [
    { action: `sagemaker:${resourceKind(on).describe.operation}`, on, by: 'snapshot-resource' },
    { action: 'sagemaker:ListTags', on, by: 'snapshot-resource' },
  ];
}

export const UPDATE_MONITORING_SCHEDULE_CALLS: readonly ApiCall[] = [
  ...snapshotCalls('monitoring-schedule'),
  // The update passes the embedded job's role again (iam:PassRole, granted with the account's roles).
  { action: 'sagemaker:UpdateMonitoringSchedule', on: 'monitoring-schedule', by: 'change-resource' },
  { action: 'sagemaker:DescribeMonitoringSchedule', on: 'monitoring-schedule', by: 'state-machine' },
  { action: 'sagemaker:DescribeMonitoringSchedule', on: 'monitoring-schedule', by: 'verify-resource' },
];

/** UpdateInferenceExperiment with the data-capture key; the guard of its roll-back reads the experiment. */
export const UPDATE_INFERENCE_EXPERIMENT_CALLS: readonly ApiCall[] = [
  ...snapshotCalls('inference-experiment'),
  { action: 'sagemaker:UpdateInferenceExperiment', on: 'inference-experiment', by: 'change-resource' },
  { action: 'sagemaker:DescribeInferenceExperiment', on: 'inference-experiment', by: 'change-resource' },
  { action: 'sagemaker:DescribeInferenceExperiment', on: 'inference-experiment', by: 'state-machine' },
];

/** The endpoints using a configuration: every endpoint described (ListEndpoints has no such filter). */
const readServingEndpoints = (by: Caller): readonly ApiCall[] => [
  { action: 'sagemaker:ListEndpoints', on: '*', by },
  { action: 'sagemaker:DescribeEndpoint', on: 'endpoint', by },
];

/**
 * Copies of endpoint configurations (tags on create), each endpoint moved with UpdateEndpoint (which
 * acts on the endpoint and on the configuration it is given), the old configurations deleted; the
 * moves and the roll-back's guards read the endpoints, and the state machine watches them. A
 * configuration with ExecutionRoleArn passes it again (iam:PassRole, granted with the account's roles).
 */
const ENDPOINT_MOVES: readonly ApiCall[] = [
  ...readServingEndpoints('plan-remediation'),
  ...readServingEndpoints('snapshot-resource'),
  { action: 'sagemaker:CreateEndpointConfig', on: 'endpoint-config', by: 'change-resource' },
  { action: 'sagemaker:AddTags', on: 'endpoint-config', by: 'change-resource' },
  { action: 'sagemaker:UpdateEndpoint', on: 'endpoint', by: 'change-resource' },
  { action: 'sagemaker:UpdateEndpoint', on: 'endpoint-config', by: 'change-resource' },
  { action: 'sagemaker:DescribeEndpoint', on: 'endpoint', by: 'change-resource' },
  { action: 'sagemaker:DeleteEndpointConfig', on: 'endpoint-config', by: 'change-resource' },
  { action: 'sagemaker:DescribeEndpoint', on: 'endpoint', by: 'state-machine' },
];

export const REPLACE_ENDPOINT_CONFIG_CALLS: readonly ApiCall[] = [
  ...snapshotCalls('endpoint-config'),
  ...ENDPOINT_MOVES,
];

/** The configurations using a model: every configuration described, with its tags (they are copied). */
const readModelConfigurations = (by: Caller): readonly ApiCall[] => [
  { action: 'sagemaker:ListEndpointConfigs', on: '*', by },
  { action: 'sagemaker:DescribeEndpointConfig', on: 'endpoint-config', by },
  { action: 'sagemaker:ListTags', on: 'endpoint-config', by },
];

/** The model's copy (PassRole of its execution role, granted with the account's roles), then as above. */
export const REPLACE_MODEL_CALLS: readonly ApiCall[] = [
  ...snapshotCalls('model'),
  ...readModelConfigurations('plan-remediation'),
  ...readModelConfigurations('snapshot-resource'),
  { action: 'sagemaker:CreateModel', on: 'model', by: 'change-resource' },
  { action: 'sagemaker:AddTags', on: 'model', by: 'change-resource' },
  ...ENDPOINT_MOVES,
  { action: 'sagemaker:DeleteModel', on: 'model', by: 'change-resource' },
];
