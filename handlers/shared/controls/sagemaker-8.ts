/**
 * SageMaker.8: Notebook instance runs on an unsupported platform.
 * Security Hub fixes the control parameter to notebook-al2023-v1.
 */
import { defineControl } from './control-module.js';
import { RECREATE_MODES, RECREATE_NOTEBOOK_CALLS } from './engine-calls.js';

/** The only platform the control accepts (its parameter is fixed by Security Hub). */
export const SUPPORTED_NOTEBOOK_PLATFORM = 'notebook-al2023-v1';

export const sageMaker8 = defineControl({
  id: 'SageMaker.8',
  title: 'Notebook instance runs on an unsupported platform',
  kind: 'notebook-instance',
  severity: 'MEDIUM',
  checks: 'PlatformIdentifier',
  fails: ({ description }) => description.PlatformIdentifier !== SUPPORTED_NOTEBOOK_PLATFORM,
  fix: {
    strategy: 'recreate',
    engine: 'recreate-notebook',
    modes: RECREATE_MODES,
    change: 'Recreate the notebook on notebook-al2023-v1 (a platform change rebuilds the operating system).',
    calls: RECREATE_NOTEBOOK_CALLS,
    // SageMaker reports no platform for notebooks made before platforms: not the supported one.
    notebookSetting: { field: 'PlatformIdentifier', value: SUPPORTED_NOTEBOOK_PLATFORM, absent: '' },
  },
  guidance: (name) =>
    `Move notebook instance ${name} to ${SUPPORTED_NOTEBOOK_PLATFORM}. A platform change rebuilds the operating system: copy the data on /home/ec2-user/SageMaker to S3 first.`,
});
