import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CUSTOM_ACTION_DETAIL_TYPE,
  parseCustomActionEvent,
} from '../../handlers/shared/custom-action-event.js';
import type { InvalidFindingEvent } from '../../handlers/shared/finding-event.js';
import {
  buildCustomActionEventPattern,
  customActionArn,
  MAX_CUSTOM_ACTION_ID_LENGTH,
} from '../../stacks/custom-action-event-pattern.js';
import {
  CUSTOM_ACTION_DEFINITIONS,
  SecurityHubCustomActions,
} from '../../stacks/security-hub-custom-actions.js';
import {
  type ConstructStack,
  nagAcknowledgementsIn,
  nagFindings,
  synthesiseConstruct,
} from './construct-harness.js';
import { TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

let built: ConstructStack;
let actions: SecurityHubCustomActions;

beforeAll(() => {
  // Given the three custom actions with no prefix
  built = synthesiseConstruct((stack) => {
    actions = new SecurityHubCustomActions(stack, 'CustomActions');
  });
});

type ActionTarget = { Id: string; Name: string; Description: string };

function actionTargets(): Record<string, ActionTarget> {
  return Object.fromEntries(
    Object.entries(built.template.findResources('AWS::SecurityHub::ActionTarget')).map(([id, resource]) => [
      id,
      resource.Properties as ActionTarget,
    ]),
  );
}

describe('SecurityHubCustomActions', () => {
  it('creates exactly the approve, reject and remediate-now actions', () => {
    const targets = Object.values(actionTargets());
    expect(targets.map(({ Id, Name }) => ({ Id, Name }))).toEqual([
      { Id: 'ApprovePlan', Name: 'Approve remediation' },
      { Id: 'RejectPlan', Name: 'Reject remediation' },
      { Id: 'RemediateNow', Name: 'Remediate now' },
    ]);
  });

  it('uses ids of at most 20 alphanumerics and names under 20 characters (console limit)', () => {
    for (const { Id, Name } of Object.values(actionTargets())) {
      expect(Id).toMatch(/^[A-Za-z0-9]{1,20}$/);
      expect(Name.length, Name).toBeLessThan(20);
    }
  });

  it('describes what each action does, and that approve and reject need a pending plan', () => {
    const byId = Object.fromEntries(Object.values(actionTargets()).map((target) => [target.Id, target]));
    expect(byId.ApprovePlan?.Description).toMatch(/snapshot .* then delete and recreate/);
    expect(byId.ApprovePlan?.Description).toMatch(/Only acts if the notebook has a pending plan/);
    expect(byId.RejectPlan?.Description).toMatch(/Only acts if the notebook has a pending plan/);
    expect(byId.RemediateNow?.Description).toMatch(/approval or notify mode/);
  });

  it("exposes each action's Ref as its ARN, keyed as the event handler expects", () => {
    // When the exposed ARNs are resolved
    const stack = built.stack;
    const refs = Object.fromEntries(
      Object.entries(actions.actionArns).map(([action, arn]) => [action, stack.resolve(arn)]),
    );

    // Then each is the Ref of its action target (CloudFormation's Ref of an ActionTarget is the ARN)
    const ids = Object.fromEntries(
      Object.entries(actionTargets()).map(([logical, target]) => [target.Id, { Ref: logical }]),
    );
    expect(refs).toEqual({
      approve: ids.ApprovePlan,
      reject: ids.RejectPlan,
      'remediate-now': ids.RemediateNow,
    });
    expect(stack.resolve(actions.approveActionArn)).toEqual(ids.ApprovePlan);
    expect(stack.resolve(actions.rejectActionArn)).toEqual(ids.RejectPlan);
    expect(stack.resolve(actions.remediateNowActionArn)).toEqual(ids.RemediateNow);
  });

  it('formats the same ARN Security Hub returns: arn:<partition>:securityhub:<region>:<account>:action/custom/<id>', () => {
    const resolved = built.stack.resolve(actions.formattedActionArn('approve'));
    expect(resolved).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/ApprovePlan`,
        ],
      ],
    });
    expect(
      customActionArn({ partition: 'aws', region: TEST_REGION, account: TEST_ACCOUNT, id: 'RejectPlan' }),
    ).toBe(`arn:aws:securityhub:${TEST_REGION}:${TEST_ACCOUNT}:action/custom/RejectPlan`);
  });

  it('builds ARNs the custom-action handler accepts, and a pattern matching exactly those ARNs', () => {
    // Given the ARNs as they are once deployed
    const arns = {
      approve: customActionArn({
        partition: 'aws',
        region: TEST_REGION,
        account: TEST_ACCOUNT,
        id: actions.actionIds.approve,
      }),
      reject: customActionArn({
        partition: 'aws',
        region: TEST_REGION,
        account: TEST_ACCOUNT,
        id: actions.actionIds.reject,
      }),
      'remediate-now': customActionArn({
        partition: 'aws',
        region: TEST_REGION,
        account: TEST_ACCOUNT,
        id: actions.actionIds['remediate-now'],
      }),
    };

    // Then the rule pattern names them
    expect(buildCustomActionEventPattern(Object.values(arns))).toEqual({
      source: ['aws.securityhub'],
      'detail-type': [CUSTOM_ACTION_DETAIL_TYPE],
      resources: Object.values(arns),
    });

    // And the handler recognises our approve ARN, and not another deployment's
    const problemsFor = (actionArn: string): readonly string[] => {
      try {
        parseCustomActionEvent(
          {
            id: 'event-1',
            source: 'aws.securityhub',
            'detail-type': CUSTOM_ACTION_DETAIL_TYPE,
            account: TEST_ACCOUNT,
            region: TEST_REGION,
            time: '2026-11-23T09:00:00Z',
            resources: [actionArn],
            detail: { actionName: 'Approve remediation', findings: [{}] },
          },
          arns,
          { accountId: TEST_ACCOUNT, region: TEST_REGION },
        );
        return [];
      } catch (error) {
        return (error as InvalidFindingEvent).problems;
      }
    };
    const foreign = /is not one of this deployment's custom actions/;
    expect(problemsFor(arns.approve).some((problem) => foreign.test(problem))).toBe(false);
    expect(
      problemsFor(arns.approve.replace('ApprovePlan', 'TestApprovePlan')).some((p) => foreign.test(p)),
    ).toBe(true);
  });

  it('is cdk-nag clean without any acknowledgement', () => {
    expect(nagFindings(built.app)).toEqual([]);
    expect(nagAcknowledgementsIn(built.stack)).toEqual([]);
  });

  it("reports only CDK's CloudFormation validator note that AWS::SecurityHub::ActionTarget is not in its eu-west-1 data", () => {
    // The validator bundled with aws-cdk-lib lists the type in us-east-1 and eu-central-1 but not in
    // eu-west-1; if that is so, deploying the actions there fails. Check with
    // `aws cloudformation describe-type --type RESOURCE --type-name AWS::SecurityHub::ActionTarget`.
    expect(built.validationFindings.sort()).toEqual(
      ['ApproveAction', 'RejectAction', 'RemediateNowAction'].map(
        (id) => `CloudFormation Validate F3006 ConstructUnderTest/CustomActions/${id}`,
      ),
    );
  });
});

describe('SecurityHubCustomActions: idPrefix', () => {
  // Construction only (ids are validated in the constructor): no synthesis needed
  const construct = (idPrefix?: string) =>
    new SecurityHubCustomActions(new Stack(new App(), 'ConstructUnderTest'), 'A', { idPrefix });

  it('prefixes every id and names the deployment in the descriptions', () => {
    const prefixed = construct('Staging');
    const targets = [prefixed.approveAction, prefixed.rejectAction, prefixed.remediateNowAction];
    expect(targets.map((target) => target.id)).toEqual([
      'StagingApprovePlan',
      'StagingRejectPlan',
      'StagingRemediateNow',
    ]);
    expect(prefixed.actionIds).toEqual({
      approve: 'StagingApprovePlan',
      reject: 'StagingRejectPlan',
      'remediate-now': 'StagingRemediateNow',
    });
    for (const target of targets) expect(target.description).toMatch(/\(Deployment Staging\.\)$/);
  });

  it('accepts the longest prefix that fits (8 characters) and rejects a longer one, naming the id', () => {
    expect(() => construct('Abcdefgh')).not.toThrow();
    expect(() => construct('Abcdefghi')).toThrow(
      [
        "Invalid SecurityHubCustomActions 'A':",
        "custom action id 'AbcdefghiRemediateNow' has 21 characters; at most 20 are allowed",
      ].join('\n'),
    );
    expect(MAX_CUSTOM_ACTION_ID_LENGTH).toBe(20);
  });

  it('rejects a prefix that is not alphanumeric or too long, with every problem at once', () => {
    expect(() => construct('Team-B_long')).toThrow(
      [
        "Invalid SecurityHubCustomActions 'A':",
        "custom action id 'Team-B_longApprovePlan' must be alphanumeric (A-Z, a-z, 0-9)",
        "custom action id 'Team-B_longApprovePlan' has 22 characters; at most 20 are allowed",
        "custom action id 'Team-B_longRejectPlan' must be alphanumeric (A-Z, a-z, 0-9)",
        "custom action id 'Team-B_longRejectPlan' has 21 characters; at most 20 are allowed",
        "custom action id 'Team-B_longRemediateNow' must be alphanumeric (A-Z, a-z, 0-9)",
        "custom action id 'Team-B_longRemediateNow' has 23 characters; at most 20 are allowed",
      ].join('\n'),
    );
  });

  it('rejects an empty prefix (leave it out instead)', () => {
    expect(() => construct('')).toThrow('idPrefix must not be empty: leave it out instead');
  });

  it('keeps every built-in name under 20 characters', () => {
    for (const definition of Object.values(CUSTOM_ACTION_DEFINITIONS)) {
      expect(definition.name.length, definition.name).toBeLessThan(20);
    }
  });
});
