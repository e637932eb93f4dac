/**
 * `customActions.idPrefix` reaches every place an action id or ARN is used: the three ActionTargets,
 * the custom-action rule's pattern and the custom-action Lambda's settings, so that two deployments
 * can share an account and region.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  CUSTOM_ACTION_SETTINGS_VARIABLE,
  parseCustomActionSettings,
} from '../../handlers/shared/custom-action-settings.js';
import { loadConfiguration } from '../../stacks/configuration.js';
import { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import {
  appWithoutBundling,
  buildStack,
  logicalId,
  readable,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

const actionArn = (id: string) => `arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/${id}`;

/** The ActionTargets' ids, the rule's matched ARNs and the Lambda's settings, as deployed. */
function deployedActions(stack: SageMakerRemediationStack) {
  const template = Template.fromStack(stack).toJSON();
  const targets = [
    stack.customActions.approveAction,
    stack.customActions.rejectAction,
    stack.customActions.remediateNowAction,
  ];
  // CloudFormation's Ref of an ActionTarget is its ARN
  const arnOfRef = new Map(
    targets.map((target) => [
      `ref:${logicalId(stack, target)}`,
      actionArn(template.Resources[logicalId(stack, target)].Properties.Id),
    ]),
  );
  arnOfRef.set(`ref:${logicalId(stack, stack.approvalTable.table)}`, 'ApprovalTable-1');
  arnOfRef.set(
    `ref:${logicalId(stack, stack.stateMachine)}`,
    `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:Remediation-1`,
  );
  const deployed = (value: string) => arnOfRef.get(value) ?? value;
  const rule = template.Resources[logicalId(stack, stack.customActionRule)].Properties;
  const fn = template.Resources[logicalId(stack, stack.customActionFunction)].Properties;
  let settingsText = readable(fn.Environment.Variables[CUSTOM_ACTION_SETTINGS_VARIABLE]) as string;
  for (const [ref, value] of arnOfRef)
    settingsText = settingsText.replaceAll(`"${ref}"`, JSON.stringify(value));
  return {
    ids: targets.map((target) => template.Resources[logicalId(stack, target)].Properties.Id as string),
    ruleArns: (readable(rule.EventPattern.resources) as string[]).map(deployed),
    settingsArns: parseCustomActionSettings(settingsText).actionArns,
  };
}

describe('customActions.idPrefix reaches the stack', () => {
  it('Given idPrefix "Prod", When the stack is built, Then the actions, the rule and the Lambda settings all use ProdApprovePlan, ProdRejectPlan and ProdRemediateNow', () => {
    // Given / When
    const stack = buildStack({ customActions: { idPrefix: 'Prod' } }, appWithoutBundling());
    const deployed = deployedActions(stack);

    // Then
    const expectedArns = ['ProdApprovePlan', 'ProdRejectPlan', 'ProdRemediateNow'].map(actionArn);
    expect(deployed.ids).toEqual(['ProdApprovePlan', 'ProdRejectPlan', 'ProdRemediateNow']);
    expect(deployed.ruleArns).toEqual(expectedArns);
    expect(deployed.settingsArns).toEqual({
      approve: expectedArns[0],
      reject: expectedArns[1],
      'remediate-now': expectedArns[2],
    });
    expect(stack.customActions.formattedActionArn('approve')).toBe(
      `arn:${stack.partition}:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/ProdApprovePlan`,
    );
  });

  it('Given no customActions, When the stack is built, Then the ids are the built-in ones, as deployed before the option existed', () => {
    const deployed = deployedActions(buildStack({}, appWithoutBundling()));
    expect(deployed.ids).toEqual(['ApprovePlan', 'RejectPlan', 'RemediateNow']);
    expect(deployed.ruleArns).toEqual(['ApprovePlan', 'RejectPlan', 'RemediateNow'].map(actionArn));
  });

  it('Given two deployments in one account and region with prefixes Prod and Test, Then they share no action id, and neither rule matches the other one’s actions', () => {
    // Given
    const app = appWithoutBundling();
    const build = (name: string, idPrefix: string) =>
      new SageMakerRemediationStack(app, name, {
        configuration: loadConfiguration({ customActions: { idPrefix } }),
        env: { account: TEST_ACCOUNT, region: TEST_REGION },
      });
    const prodStack = build('RemediationProd', 'Prod');
    const testStack = build('RemediationTest', 'Test');
    const prod = deployedActions(prodStack);
    const test = deployedActions(testStack);

    // Then
    expect(prod.ids.filter((id) => test.ids.includes(id))).toEqual([]);
    expect(prod.ruleArns.filter((arn) => test.ruleArns.includes(arn))).toEqual([]);
    expect(test.ids).toEqual(['TestApprovePlan', 'TestRejectPlan', 'TestRemediateNow']);
  });

  it('Given an invalid idPrefix handed to the stack directly, When it is built, Then synthesis fails with the configuration error', () => {
    expect(() => buildStack({ customActions: { idPrefix: 'Prod-1' } }, appWithoutBundling())).toThrow(
      "Invalid remediation configuration:\n- customActions.idPrefix: 'Prod-1' must be alphanumeric (A-Z, a-z, 0-9): custom action ids allow nothing else",
    );
  });
});
