/**
 * SageMaker.1: Notebook instance has direct internet access.
 */
import { defineControl } from './control-module.js';
import { RECREATE_MODES, RECREATE_NOTEBOOK_CALLS } from './engine-calls.js';

export const sageMaker1 = defineControl({
  id: 'SageMaker.1',
  title: 'Notebook instance has direct internet access',
  kind: 'notebook-instance',
  severity: 'HIGH',
  checks: 'DirectInternetAccess',
  fails: ({ description }) => (description.DirectInternetAccess ?? 'Enabled') === 'Enabled',
  fix: {
    strategy: 'recreate',
    engine: 'recreate-notebook',
    modes: RECREATE_MODES,
    change:
      'Recreate the notebook with DirectInternetAccess=Disabled in a VPC subnet (SageMaker.2 is fixed with it).',
    calls: RECREATE_NOTEBOOK_CALLS,
    notebookSetting: {
      field: 'DirectInternetAccess',
      value: 'Disabled',
      absent: 'Enabled',
      conditionKey: 'sagemaker:DirectInternetAccess',
    },
  },
  guidance: (name) =>
    `DirectInternetAccess cannot be changed in place: recreate notebook instance ${name} with DirectInternetAccess=Disabled in a VPC subnet (SubnetId and SecurityGroupIds), after copying the data on /home/ec2-user/SageMaker to S3.`,
});
