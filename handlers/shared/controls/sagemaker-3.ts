/**
 * SageMaker.3: Notebook instance has root access enabled.
 */
import { defineControl } from './control-module.js';
import { UPDATE_NOTEBOOK_CALLS } from './engine-calls.js';

export const sageMaker3 = defineControl({
  id: 'SageMaker.3',
  title: 'Notebook instance has root access enabled',
  kind: 'notebook-instance',
  severity: 'HIGH',
  checks: 'RootAccess',
  fails: ({ description }) => (description.RootAccess ?? 'Enabled') === 'Enabled',
  fix: {
    strategy: 'in-place',
    engine: 'update-notebook',
    modes: ['auto', 'notify', 'off'],
    change:
      'Stop the notebook, UpdateNotebookInstance RootAccess=Disabled, start it again if it was running.',
    calls: UPDATE_NOTEBOOK_CALLS,
    notebookSetting: {
      field: 'RootAccess',
      value: 'Disabled',
      absent: 'Enabled',
      conditionKey: 'sagemaker:RootAccess',
      updateState: 'DisableRootAccess',
    },
  },
  guidance: (name) =>
    `Stop notebook instance ${name}, call UpdateNotebookInstance with RootAccess=Disabled, and start it again if it was running.`,
});
