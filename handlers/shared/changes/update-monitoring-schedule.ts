/**
 * update-monitoring-schedule (SageMaker.14, .22): UpdateMonitoringSchedule accepts the whole
 * MonitoringScheduleConfig (API reference), so the fix is the snapshot's configuration with every
 * fixed control's NetworkConfig flag set, and the roll-back the snapshot's configuration as it was.
 */
import type { Description } from '../controls/control-module.js';
import type { ChangeEngine } from './change-engine.js';
import { fixedDescription } from './fixed-description.js';
import type { SageMakerRequest } from './sagemaker-requests.js';

function scheduleUpdate(description: Description): SageMakerRequest {
  const { MonitoringScheduleName, MonitoringScheduleConfig } = description;
  if (typeof MonitoringScheduleName !== 'string' || typeof MonitoringScheduleConfig !== 'object') {
    throw new Error('the snapshot has no MonitoringScheduleName or MonitoringScheduleConfig');
  }
  return {
    operation: 'UpdateMonitoringSchedule',
    input: { MonitoringScheduleName, MonitoringScheduleConfig },
  };
}

export const updateMonitoringSchedule: ChangeEngine = {
  steps: ['apply', 'restore'],
  requests: (snapshot, step) => [
    scheduleUpdate(
      step === 'apply' ? fixedDescription(snapshot.description, snapshot.fixes) : snapshot.description,
    ),
  ],
};
