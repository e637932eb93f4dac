/**
 * The EventBridge pattern for this deployment's Security Hub custom actions, and the rules an action
 * id and name must follow.
 *
 * Pure on purpose (no CDK imports): the stack deploys the pattern and the local harness matches
 * events against the very same object, as with finding-event-pattern.ts.
 */
import { CUSTOM_ACTION_DETAIL_TYPE } from '../handlers/shared/custom-action-event.js';
import { FINDING_EVENT_SOURCE } from './finding-event-pattern.js';

/** CreateActionTarget: "Can contain up to 20 alphanumeric characters". */
export const MAX_CUSTOM_ACTION_ID_LENGTH = 20;
/** The Security Hub console requires a name of fewer than 20 characters (the API allows 20). */
export const MAX_CUSTOM_ACTION_NAME_LENGTH = 19;

/**
 * Matches the custom-action events of exactly the given actions. EventBridge matches `resources`
 * exactly, so another deployment's (or another tool's) custom actions in the same account never
 * start this workflow. The handler still checks the ARN, account and region of every event
 * (handlers/shared/custom-action-event.ts), because anyone allowed events:PutEvents on the default
 * bus could send a look-alike (though not with `source: aws.securityhub`, which only AWS may use).
 */
export function buildCustomActionEventPattern(actionArns: readonly string[]): Record<string, unknown> {
  if (actionArns.length === 0) {
    // An empty list in an EventBridge pattern is invalid, and a rule matching nothing has no purpose.
    throw new Error('No custom action ARNs: the custom-action rule would match no event.');
  }
  return {
    source: [FINDING_EVENT_SOURCE],
    'detail-type': [CUSTOM_ACTION_DETAIL_TYPE],
    resources: [...actionArns],
  };
}

/** `arn:<partition>:securityhub:<region>:<account>:action/custom/<id>`, as CreateActionTarget returns. */
export function customActionArn(target: {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly id: string;
}): string {
  return `arn:${target.partition}:securityhub:${target.region}:${target.account}:action/custom/${target.id}`;
}

/** Every rule a custom action id breaks (empty when it is valid). */
export function customActionIdProblems(id: string): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9]*$/.test(id))
    problems.push(`custom action id '${id}' must be alphanumeric (A-Z, a-z, 0-9)`);
  if (id.length === 0) problems.push('custom action id must not be empty');
  if (id.length > MAX_CUSTOM_ACTION_ID_LENGTH) {
    problems.push(
      `custom action id '${id}' has ${id.length} characters; at most ${MAX_CUSTOM_ACTION_ID_LENGTH} are allowed`,
    );
  }
  return problems;
}

/** Every rule a custom action name breaks (empty when it is valid). */
export function customActionNameProblems(name: string): string[] {
  if (name.trim().length === 0) return ['custom action name must not be blank'];
  return name.length > MAX_CUSTOM_ACTION_NAME_LENGTH
    ? [
        `custom action name '${name}' has ${name.length} characters; Security Hub requires fewer than ${MAX_CUSTOM_ACTION_NAME_LENGTH + 1}`,
      ]
    : [];
}
