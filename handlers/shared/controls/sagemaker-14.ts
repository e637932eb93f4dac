/**
 * SageMaker.14: Monitoring schedule does not enable network isolation.
 */
import { defineControl, memberAt, withMember } from './control-module.js';
import { APPROVAL_MODES, UPDATE_MONITORING_SCHEDULE_CALLS } from './engine-calls.js';

export const sageMaker14 = defineControl({
  id: 'SageMaker.14',
  title: 'Monitoring schedule does not enable network isolation',
  kind: 'monitoring-schedule',
  severity: 'MEDIUM',
  checks: 'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation',
  fails: ({ description }) =>
    memberAt(
      description,
      'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation',
    ) !== true,
  fix: {
    strategy: 'in-place',
    engine: 'update-monitoring-schedule',
    modes: APPROVAL_MODES,
    change:
      'UpdateMonitoringSchedule with the full schedule configuration and NetworkConfig.EnableNetworkIsolation=true: the next monitoring job runs with no network access.',
    calls: UPDATE_MONITORING_SCHEDULE_CALLS,
    apply: (description) =>
      withMember(
        description,
        'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation',
        true,
      ),
  },
  guidance: (name) =>
    `Call UpdateMonitoringSchedule on ${name} with its full MonitoringScheduleConfig and MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation=true. If the schedule names a job definition (MonitoringJobDefinitionName) instead of embedding one, fix that definition: its own control (SageMaker.9 to .25) recreates it.`,
});
