/**
 * The SageMaker calls each engine makes on the resource it fixes, shared by the modules of the
 * controls that engine fixes (the engine's infrastructure calls, on its own table, bucket and topic,
 * are granted by the stack that deploys the engine).
 */
import type { ApiCall, RemediationMode } from './control-module.js';

/** A notebook recreation deletes the notebook: never automatic. */
export const RECREATE_MODES: readonly RemediationMode[] = ['approval', 'notify', 'off'];

/** Behaviour-changing and destructive fixes of other resources: approval by default, never automatic. */
export const APPROVAL_MODES: readonly RemediationMode[] = ['approval', 'notify', 'off'];

/** Fixes that change nothing a workload depends on (tags): automatic by default. */
export const AUTO_MODES: readonly RemediationMode[] = ['auto', 'approval', 'notify', 'off'];

export const RECREATE_NOTEBOOK_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:StopNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:UpdateNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:DeleteNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:CreateNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:StartNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:DescribeNotebookInstance', on: 'notebook-instance', by: 'state-machine' },
  { action: 'sagemaker:ListTags', on: 'notebook-instance', by: 'plan-remediation' },
];

export const DISABLE_ROOT_ACCESS_CALLS: readonly ApiCall[] = [
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

/** Create the fixed definition, move the schedules that use the old one, delete the old one. */
export function recreateJobDefinitionCalls(on: JobDefinitionKind): readonly ApiCall[] {
  const type = JOB_DEFINITION_OPERATIONS[on];
  return [
    { action: `sagemaker:Create${type}`, on, by: 'state-machine' },
    { action: 'sagemaker:AddTags', on, by: 'state-machine' },
    { action: `sagemaker:Delete${type}`, on, by: 'state-machine' },
    { action: 'sagemaker:ListMonitoringSchedules', on: '*', by: 'plan-remediation' },
    { action: 'sagemaker:UpdateMonitoringSchedule', on: 'monitoring-schedule', by: 'state-machine' },
    { action: 'sagemaker:DescribeMonitoringSchedule', on: 'monitoring-schedule', by: 'state-machine' },
    { action: 'iam:PassRole', on: '*', by: 'state-machine' },
  ];
}

export const UPDATE_MONITORING_SCHEDULE_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:UpdateMonitoringSchedule', on: 'monitoring-schedule', by: 'state-machine' },
  { action: 'sagemaker:DescribeMonitoringSchedule', on: 'monitoring-schedule', by: 'state-machine' },
  { action: 'iam:PassRole', on: '*', by: 'state-machine' },
];

export const UPDATE_INFERENCE_EXPERIMENT_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:UpdateInferenceExperiment', on: 'inference-experiment', by: 'state-machine' },
  { action: 'sagemaker:DescribeInferenceExperiment', on: 'inference-experiment', by: 'state-machine' },
];

export const REPLACE_ENDPOINT_CONFIG_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:CreateEndpointConfig', on: 'endpoint-config', by: 'state-machine' },
  { action: 'sagemaker:AddTags', on: 'endpoint-config', by: 'state-machine' },
  { action: 'sagemaker:ListEndpoints', on: '*', by: 'plan-remediation' },
  { action: 'sagemaker:UpdateEndpoint', on: 'endpoint', by: 'state-machine' },
  { action: 'sagemaker:DescribeEndpoint', on: 'endpoint', by: 'state-machine' },
  { action: 'sagemaker:DeleteEndpointConfig', on: 'endpoint-config', by: 'state-machine' },
];

export const REPLACE_MODEL_CALLS: readonly ApiCall[] = [
  { action: 'sagemaker:CreateModel', on: 'model', by: 'state-machine' },
  { action: 'sagemaker:AddTags', on: 'model', by: 'state-machine' },
  { action: 'iam:PassRole', on: '*', by: 'state-machine' },
  ...REPLACE_ENDPOINT_CONFIG_CALLS,
  { action: 'sagemaker:DeleteModel', on: 'model', by: 'state-machine' },
];
