/**
 * The operator who runs bin/restore-notebook.ts and bin/restore-resource.ts, in the simulated account: a
 * role with the stack's two restore operator policies attached, exactly as deployed from the synthesized
 * template (outputs RestoreOperatorPolicyArn and RestoreResourceOperatorPolicyArn,
 * stacks/restore-operator-policy.ts). The tools' calls made through `account.sdkClients(caller)` are
 * then authorized against those policies, and nothing else.
 *
 * For a resource of a member account, the tools assume the restore role the member stack deploys there
 * (`memberRestoreRoleArn`), with the simulated STS (`restoreRoleSessions`): its trust policy and the
 * operator's identity policies (the stack's two policies allow sts:AssumeRole on it) are evaluated as
 * for the deployment's own member sessions. A role an operator builds by hand instead is
 * `createMemberRestoreOperator`'s.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { RoleSessions, StsLike } from '../../bin/restore-notebook/role-session.js';
import { restoreRoleArn } from '../../handlers/shared/restore-command.js';
import type { SimulatedAccount } from '../account/account.js';
import type { Caller, PolicyDocument } from '../account/authorizer.js';
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

/** The restore role the member stack deploys in an account and Region, as the note's command names it. */
export function memberRestoreRoleArn(deployment: LocalDeployment, member: SimulatedAccount): string {
  return restoreRoleArn(deployment.settings.members, { accountId: member.accountId, region: member.region });
}

/** The role an operator builds by hand in a member account, by default. */
export const MEMBER_RESTORE_OPERATOR_ROLE = 'RestoreOperator';

/**
 * A role the operator builds by hand in a member account, as before the member stack shipped one:
 * trusted by `operator`'s role in the deployment's account
 * (which may assume it), holding the SageMaker and IAM statements of the stack's resource restore
 * policy, scoped to the member's account and Region instead of the deployment's. The snapshot bucket
 * stays the deployment's: nothing of S3 or KMS is granted here. Returns the role's ARN.
 */
export function createMemberRestoreOperator(
  deployment: LocalDeployment,
  member: SimulatedAccount,
  operator: Caller,
  options: { readonly roleName?: string } = {},
): string {
  const home = deployment.account;
  const policyArn = restoreOperatorPolicyArn(deployment, RESTORE_RESOURCE_OPERATOR_POLICY_OUTPUT);
  const deployed = home.iam.identityPoliciesOf(operator.roleArn)?.find((policy) => policy.name === policyArn);
  if (!deployed) throw new Error(`the operator ${operator.roleArn} does not hold ${policyArn}`);
  const rehomed = JSON.stringify(deployed.document)
    .replaceAll(`:${home.region}:${home.accountId}:`, `:${member.region}:${member.accountId}:`)
    .replaceAll(`:iam::${home.accountId}:`, `:iam::${member.accountId}:`);
  const document = JSON.parse(rehomed) as PolicyDocument;
  type Statement = { readonly Action?: string | string[] };
  const actionsOf = (statement: Statement) => [statement.Action ?? []].flat();
  const statements = [document.Statement as Statement | Statement[]]
    .flat()
    .filter((statement) =>
      actionsOf(statement).every((action) => action.startsWith('sagemaker:') || action.startsWith('iam:')),
    );
  const roleArn = member.iam.createRole({
    roleName: options.roleName ?? MEMBER_RESTORE_OPERATOR_ROLE,
    inlinePolicies: [{ name: 'ResourceRestore', document: { ...document, Statement: statements } }],
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${home.accountId}:root` },
          Action: 'sts:AssumeRole',
          Condition: { ArnEquals: { 'aws:PrincipalArn': operator.roleArn } },
        },
      ],
    },
  });
  // The operator's own role must be allowed to assume it too (the trust names an account principal).
  home.iam.putRolePolicy(roleNameOf(operator.roleArn), {
    name: `AssumeRestoreOperator-${member.accountId}`,
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }],
    },
  });
  return roleArn;
}

/**
 * How the restore tools assume --role-arn as `operator` here: the simulated STS of the deployment's
 * directory, and each session's clients bound to the assumed role in its account and Region (S3 for
 * the notebook tool, which reads the notebook data bucket there as the session).
 */
export function restoreRoleSessions(
  deployment: LocalDeployment,
  operator: Caller,
): RoleSessions<{
  sagemaker: Pick<SageMakerClient, 'send'>;
  iam: Pick<IAMClient, 'send'>;
  s3: Pick<S3Client, 'send'>;
}> {
  const { directory } = deployment;
  return {
    sts: directory.stsClient(operator, deployment.account.region) as StsLike,
    assumeRoleCommand: AssumeRoleCommand,
    createClients: (region, credentials) => {
      const session = directory.sessionFor(credentials.AccessKeyId, region);
      const clients = session.account.sdkClients(session.caller);
      // The simulated clients have the minimal `send` shape the tools use.
      return {
        sagemaker: clients.sagemaker,
        iam: clients.iam as unknown as Pick<IAMClient, 'send'>,
        s3: clients.s3 as unknown as Pick<S3Client, 'send'>,
      };
    },
  };
}

function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}
