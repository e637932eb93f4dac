import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { runtimeSettingsSchema } from '../../handlers/shared/runtime-settings.js';
import { nagFindings } from './construct-harness.js';
import { appWithoutBundling, buildStack, logicalId, readable } from './synthesis.js';

describe('recreate.createPrivateNetwork', () => {
  it('off by default: no VPC is deployed', () => {
    const template = Template.fromStack(buildStack({}, appWithoutBundling()));
    template.resourceCountIs('AWS::EC2::VPC', 0);
  });

  it('on: a private network is deployed and becomes the first recreate target of this account and region', () => {
    // Given the option set
    const app = appWithoutBundling();
    const stack = buildStack({ recreate: { createPrivateNetwork: true } }, app);
    const template = Template.fromStack(stack);
    const network = stack.privateNetwork;
    expect(network).toBeDefined();
    if (!network) return;

    // Then the VPC, its endpoints and flow logs exist
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((endpoint) =>
      JSON.stringify(readable(endpoint.Properties.ServiceName)),
    );
    expect(services.some((name) => name.includes('sagemaker.api'))).toBe(true);
    expect(services.some((name) => name.includes('notebook'))).toBe(true);

    // And the planning Lambda's settings name its subnet and security group for this account and region
    const functions = template.findResources('AWS::Lambda::Function');
    const plan = Object.values(functions).find((fn) =>
      JSON.stringify(fn.Properties.Description ?? '').includes('Plans the remediation'),
    );
    const settingsText = String(readable(plan?.Properties.Environment.Variables.REMEDIATION_SETTINGS));
    const settings = runtimeSettingsSchema.parse(JSON.parse(settingsText));
    expect(settings.recreate?.targets[0]).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
      subnetId: `ref:${logicalId(stack, network.vpc.isolatedSubnets[0] as never)}`,
      securityGroupIds: [`${logicalId(stack, network.notebookSecurityGroup)}.GroupId`],
    });
  });

  it('on: cdk-nag AwsSolutions finds nothing unacknowledged', () => {
    const app = appWithoutBundling();
    buildStack({ recreate: { createPrivateNetwork: true } }, app);
    expect(nagFindings(app)).toEqual([]);
  });
});
