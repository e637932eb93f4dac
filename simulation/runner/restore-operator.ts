/**
 * The operator who runs bin/restore-notebook.ts, in the simulated account: a role with the stack's
 * restore operator policy attached, exactly as deployed from the synthesized template (output
 * RestoreOperatorPolicyArn, stacks/restore-operator-policy.ts). The tool's calls made through
 * `account.sdkClients(caller)` are then authorized against that policy, and nothing else.
 */
import type { Caller } from '../account/authorizer.js';
import type { LocalDeployment } from './local-deployment.js';

/** The stack output that names the policy. */
export const RESTORE_OPERATOR_POLICY_OUTPUT = 'RestoreOperatorPolicyArn';

/** The session name operators sign in with here (anything but `SageMaker`, which the bucket policy confines). */
const OPERATOR_SESSION = 'restore-operator';

export interface RestoreOperatorOptions {
  /** The role's name; one role per name (default `RestoreOperator`). */
  readonly roleName?: string;
  /** Attach the stack's policy (default true); false makes an operator with no permission at all. */
  readonly withPolicy?: boolean;
}

/** The ARN of the deployed restore operator policy, found through the template's output. */
export function restoreOperatorPolicyArn(deployment: LocalDeployment): string {
  const output = deployment.template.Outputs?.[RESTORE_OPERATOR_POLICY_OUTPUT];
  const logicalId = (output?.Value as { Ref?: unknown } | undefined)?.Ref;
  const resource = typeof logicalId === 'string' ? deployment.template.Resources[logicalId] : undefined;
  if (typeof logicalId !== 'string' || resource?.Type !== 'AWS::IAM::ManagedPolicy') {
    throw new Error(
      `the template's ${RESTORE_OPERATOR_POLICY_OUTPUT} output must Ref an AWS::IAM::ManagedPolicy`,
    );
  }
  const deployed = deployment.stack.resources.get(logicalId);
  if (!deployed) throw new Error(`the deployment has no resource ${logicalId}`);
  return deployed.ref;
}

/** Creates the operator's role in the deployment's account and returns the session it calls AWS as. */
export function createRestoreOperator(
  deployment: LocalDeployment,
  options: RestoreOperatorOptions = {},
): Caller {
  const { account } = deployment;
  const roleArn = account.iam.createRole({
    roleName: options.roleName ?? 'RestoreOperator',
    managedPolicyArns: options.withPolicy === false ? [] : [restoreOperatorPolicyArn(deployment)],
  });
  return account.callerFor(roleArn, OPERATOR_SESSION);
}
