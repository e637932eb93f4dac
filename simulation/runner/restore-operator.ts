/**
 * The operator who runs bin/restore-notebook.ts and bin/restore-resource.ts, in the simulated account: a
 * role with the stack's two restore operator policies attached, exactly as deployed from the synthesized
 * template (outputs RestoreOperatorPolicyArn and RestoreResourceOperatorPolicyArn,
 * stacks/restore-operator-policy.ts). The tools' calls made through `account.sdkClients(caller)` are
 * then authorized against those policies, and nothing else.
 */
import type { Caller } from '../account/authorizer.js';
import type { LocalDeployment } from './local-deployment.js';

/** The stack output that names the policy. */
export const RESTORE_OPERATOR_POLICY_OUTPUT = 'RestoreOperatorPolicyArn';
/** The stack output that names bin/restore-resource.ts's policy. */
export const RESTORE_RESOURCE_OPERATOR_POLICY_OUTPUT = 'RestoreResourceOperatorPolicyArn';

/** The session name operators sign in with here (anything but `SageMaker`, which the bucket policy confines). */
const OPERATOR_SESSION = 'restore-operator';

export interface RestoreOperatorOptions {
  /** The role's name; one role per name (default `RestoreOperator`). */
  readonly roleName?: string;
  /** Attach the stack's policies (default true); false makes an operator with no permission at all. */
  readonly withPolicy?: boolean;
}

/** The ARN of the deployed restore operator policy that `outputName` names, found through the template's output. */
export function restoreOperatorPolicyArn(
  deployment: LocalDeployment,
  outputName: string = RESTORE_OPERATOR_POLICY_OUTPUT,
): string {
  const output = deployment.template.Outputs?.[outputName];
  const logicalId = (output?.Value as { Ref?: unknown } | undefined)?.Ref;
  const resource = typeof logicalId === 'string' ? deployment.template.Resources[logicalId] : undefined;
  if (typeof logicalId !== 'string' || resource?.Type !== 'AWS::IAM::ManagedPolicy') {
    throw new Error(`the template's ${outputName} output must Ref an AWS::IAM::ManagedPolicy`);
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
    managedPolicyArns:
      options.withPolicy === false
        ? []
        : [RESTORE_OPERATOR_POLICY_OUTPUT, RESTORE_RESOURCE_OPERATOR_POLICY_OUTPUT].map((output) =>
            restoreOperatorPolicyArn(deployment, output),
          ),
  });
  return account.callerFor(roleArn, OPERATOR_SESSION);
}
