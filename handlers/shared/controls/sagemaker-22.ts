/**
 * SageMaker.22: Monitoring schedule does not encrypt inter-container traffic.
 * UpdateMonitoringSchedule accepts the whole MonitoringScheduleConfig, NetworkConfig included (API reference), so the fix is in place.
 */
import { defineControl, memberAt, withMember } from './control-module.js';
import { APPROVAL_MODES, UPDATE_MONITORING_SCHEDULE_CALLS } from './engine-calls.js';

export const sageMaker22 = defineControl({
  id: 'SageMaker.22',
  title: 'Monitoring schedule does not encrypt inter-container traffic',
  kind: 'monitoring-schedule',
  severity: 'MEDIUM',
  checks:
    'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption',
  fails: ({ description }) =>
    memberAt(
      description,
      'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption',
    ) !== true,
  fix: {
    strategy: 'in-place',
    engine: 'update-monitoring-schedule',
    modes: APPROVAL_MODES,
    change:
      'UpdateMonitoringSchedule with the full schedule configuration and NetworkConfig.EnableInterContainerTrafficEncryption=true: the next monitoring job runs with encrypted traffic between its containers.',
    calls: UPDATE_MONITORING_SCHEDULE_CALLS,
    apply: (description) =>
      withMember(
        description,
        'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption',
        true,
      ),
  },
  guidance: (name) =>
    `Call UpdateMonitoringSchedule on ${name} with its full MonitoringScheduleConfig and MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption=true. If the schedule names a job definition (MonitoringJobDefinitionName) instead of embedding one, fix that definition: its own control (SageMaker.9 to .25) recreates it.`,
});
