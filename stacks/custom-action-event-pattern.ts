/**
 * The EventBridge pattern for this deployment's Security Hub custom actions, and the rules an action
 * id and name must follow.
 *
 * Pure on purpose (no CDK imports): the stack deploys the pattern and the local harness matches
 * events against the very same object, as with finding-event-pattern.ts.
 */
import { CUSTOM_ACTION_DETAIL_TYPE, type CustomAction } from '../handlers/shared/custom-action-event.js';
import { SECURITY_HUB_SOURCE } from '../handlers/shared/finding-event.js';

interface ActionDefinition {
  readonly constructId: string;
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

/**
 * Ids (before the prefix), names and descriptions. Ids are short so that a prefix of up to 8
 * characters still fits the 20-character limit. Names stay under 20 characters (console rule).
 */
export const CUSTOM_ACTION_DEFINITIONS: Readonly<Record<CustomAction, ActionDefinition>> = {
  approve: {
    constructId: 'ApproveAction',
    id: 'ApprovePlan',
    name: 'Approve remediation',
    description:
      "Approves the pending remediation plan of the finding's SageMaker notebook: snapshot its configuration and data to S3, then delete and recreate it compliant. Only acts if the notebook has a pending plan; otherwise a note says so and nothing changes.",
  },
  reject: {
    constructId: 'RejectAction',
    id: 'RejectPlan',
    name: 'Reject remediation',
    description:
      "Rejects the pending remediation plan of the finding's SageMaker notebook and ends its workflow; the notebook is left as it is. Only acts if the notebook has a pending plan; otherwise a note says so and nothing changes.",
  },
  'remediate-now': {
    constructId: 'RemediateNowAction',
    id: 'RemediateNow',
    name: 'Remediate now',
    description:
      'Starts the SageMaker remediation workflow now for the selected findings whose control is in approval or notify mode. Fixes that recreate a notebook still wait for Approve remediation.',
  },
};

/** CreateActionTarget: "Can contain up to 20 alphanumeric characters". */
export const MAX_CUSTOM_ACTION_ID_LENGTH = 20;
/** The Security Hub console requires a name of fewer than 20 characters (the API allows 20). */
export const MAX_CUSTOM_ACTION_NAME_LENGTH = 19;

/** The longest built-in id: the one a prefix must still fit with. */
export const LONGEST_CUSTOM_ACTION_ID = Object.values(CUSTOM_ACTION_DEFINITIONS)
  .map((definition) => definition.id)
  .reduce((longest, id) => (id.length > longest.length ? id : longest));

/** The longest id prefix every action id still fits with (8 with `RemediateNow`). */
export const MAX_CUSTOM_ACTION_ID_PREFIX_LENGTH =
  MAX_CUSTOM_ACTION_ID_LENGTH - LONGEST_CUSTOM_ACTION_ID.length;

/**
 * Every rule an id prefix breaks (empty when it is valid), said of the prefix the operator wrote
 * rather than of each prefixed id. The empty prefix is valid: it means the built-in ids.
 */
export function customActionIdPrefixProblems(prefix: string): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9]*$/.test(prefix)) {
    problems.push(`'${prefix}' must be alphanumeric (A-Z, a-z, 0-9): custom action ids allow nothing else`);
  }
  if (prefix.length > MAX_CUSTOM_ACTION_ID_PREFIX_LENGTH) {
    const longest = LONGEST_CUSTOM_ACTION_ID;
    problems.push(
      `'${prefix}' has ${prefix.length} characters: with the longest action id, ${longest} (${longest.length}), the id would have ${prefix.length + longest.length}, more than the ${MAX_CUSTOM_ACTION_ID_LENGTH} CreateActionTarget allows; use at most ${MAX_CUSTOM_ACTION_ID_PREFIX_LENGTH}`,
    );
  }
  return problems;
}

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
    source: [SECURITY_HUB_SOURCE],
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
