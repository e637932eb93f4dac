/**
 * The three Security Hub custom actions a security engineer uses on a notebook finding: approve or
 * reject its pending recreation plan, or start the workflow now.
 *
 * Who may use them: choosing a custom action in the console (or the console's API) sends the
 * selected findings to EventBridge, and IAM governs that with the action `securityhub:SendFindingEvents`
 * ("Grants permission to use a custom action to send Security Hub findings to Amazon EventBridge").
 * Its only resource type is the hub (`arn:<partition>:securityhub:<region>:<account>:hub/default`),
 * not the action target, and it has no condition key naming the action: IAM can decide WHO may send
 * custom-action events in an account and region, but not WHICH custom action they may choose. The
 * event carries no caller identity either. Restrict SendFindingEvents to the security operations role
 * (docs/custom-actions.md has the policies), and treat any principal allowed it as an approver.
 * `securityhub:BatchUpdateFindings` plays no part: it governs editing findings, not custom actions.
 */
import { Stack } from 'aws-cdk-lib';
import { CfnActionTarget } from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import type { CustomAction } from '../handlers/shared/custom-action-event.js';
import {
  CUSTOM_ACTION_DEFINITIONS,
  customActionArn,
  customActionIdProblems,
  customActionNameProblems,
} from './custom-action-event-pattern.js';

export { CUSTOM_ACTION_DEFINITIONS } from './custom-action-event-pattern.js';

export interface SecurityHubCustomActionsProps {
  /**
   * Prepended to each action id, so that two deployments (say `Prod` and `Test`) can share an account
   * and region: custom action ids are unique per account. Alphanumeric; the longest id is 12
   * characters, so the prefix may have at most 8. The stack sets it from `customActions.idPrefix`.
   *
   * @default - no prefix: ids `ApprovePlan`, `RejectPlan`, `RemediateNow`
   */
  readonly idPrefix?: string;
}

/**
 * Three `AWS::SecurityHub::ActionTarget`s. Security Hub must be enabled in the account and region,
 * and an account holds at most 50 custom actions.
 */
export class SecurityHubCustomActions extends Construct {
  public readonly approveAction: CfnActionTarget;
  public readonly rejectAction: CfnActionTarget;
  public readonly remediateNowAction: CfnActionTarget;
  /** ARN of each action (its Ref), keyed as parseCustomActionEvent expects. */
  public readonly actionArns: Readonly<Record<CustomAction, string>>;
  public readonly approveActionArn: string;
  public readonly rejectActionArn: string;
  public readonly remediateNowActionArn: string;
  /** The action ids, prefix included. */
  public readonly actionIds: Readonly<Record<CustomAction, string>>;

  constructor(scope: Construct, id: string, props: SecurityHubCustomActionsProps = {}) {
    super(scope, id);
    const prefix = props.idPrefix ?? '';
    const actions = Object.keys(CUSTOM_ACTION_DEFINITIONS) as CustomAction[];
    const ids = Object.fromEntries(
      actions.map((action) => [action, `${prefix}${CUSTOM_ACTION_DEFINITIONS[action].id}`]),
    ) as Record<CustomAction, string>;

    const problems = [
      ...(props.idPrefix !== undefined && prefix.length === 0
        ? ['idPrefix must not be empty: leave it out instead']
        : []),
      ...actions.flatMap((action) => customActionIdProblems(ids[action])),
      ...actions.flatMap((action) => customActionNameProblems(CUSTOM_ACTION_DEFINITIONS[action].name)),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid SecurityHubCustomActions '${id}':\n${[...new Set(problems)].join('\n')}`);
    }
    this.actionIds = ids;

    const targets = Object.fromEntries(
      actions.map((action) => {
        const definition = CUSTOM_ACTION_DEFINITIONS[action];
        return [
          action,
          new CfnActionTarget(this, definition.constructId, {
            id: ids[action],
            name: definition.name,
            description: prefix
              ? `${definition.description} (Deployment ${prefix}.)`
              : definition.description,
          }),
        ];
      }),
    ) as Record<CustomAction, CfnActionTarget>;
    this.approveAction = targets.approve;
    this.rejectAction = targets.reject;
    this.remediateNowAction = targets['remediate-now'];

    // CloudFormation's Ref of AWS::SecurityHub::ActionTarget is the action's ARN (CDK's own
    // actionTargetRef.actionTargetArn is the Ref too). Using it, rather than formatting the ARN,
    // makes every consumer (the rule, the handler's settings) depend on the action existing.
    this.actionArns = {
      approve: targets.approve.ref,
      reject: targets.reject.ref,
      'remediate-now': targets['remediate-now'].ref,
    };
    this.approveActionArn = this.actionArns.approve;
    this.rejectActionArn = this.actionArns.reject;
    this.remediateNowActionArn = this.actionArns['remediate-now'];
  }

  /**
   * The ARN Security Hub gives an action, formatted from the stack's partition, region and account.
   * Equal to the Ref once deployed; for documentation, IAM examples and tests.
   */
  formattedActionArn(action: CustomAction): string {
    const stack = Stack.of(this);
    return customActionArn({
      partition: stack.partition,
      region: stack.region,
      account: stack.account,
      id: this.actionIds[action],
    });
  }
}
