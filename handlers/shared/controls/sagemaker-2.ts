/**
 * SageMaker.2: Notebook instance is not in a custom VPC.
 */
import { defineControl } from './control-module.js';
import { RECREATE_MODES, RECREATE_NOTEBOOK_CALLS } from './engine-calls.js';

export const sageMaker2 = defineControl({
  id: 'SageMaker.2',
  title: 'Notebook instance is not in a custom VPC',
  kind: 'notebook-instance',
  severity: 'HIGH',
  checks: 'SubnetId',
  fails: ({ description }) => typeof description.SubnetId !== 'string' || description.SubnetId === '',
  fix: {
    strategy: 'recreate',
    engine: 'recreate-notebook',
    modes: RECREATE_MODES,
    change: 'Recreate the notebook in the configured VPC subnet and security groups.',
    calls: RECREATE_NOTEBOOK_CALLS,
  },
  guidance: (name) =>
    `The subnet cannot be changed in place: recreate notebook instance ${name} with a SubnetId and SecurityGroupIds in your VPC, after copying the data on /home/ec2-user/SageMaker to S3.`,
});
