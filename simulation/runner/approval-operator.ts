/**
 * The approver who runs bin/approvals.ts, in the simulated account: a role with only the stack's
 * approval operator policy attached, exactly as deployed from the synthesized template (output
 * ApprovalOperatorPolicyArn, stacks/approval-operator-policy.ts), and the command wired to clients
 * that call the account as that role. Every DynamoDB and Step Functions call the command makes is then
 * authorized against that policy, and nothing else. STS GetCallerIdentity, which needs no permission,
 * answers with the role session's ARN, as STS does.
 */

import type { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ApprovalsCommand, createApprovalsCommand } from '../../bin/approvals/command.js';
import { type Caller, sessionArn } from '../account/authorizer.js';
import { simulatedDynamoDbClient } from '../account/dynamodb-wire.js';
import type { LocalDeployment } from './local-deployment.js';
import { restoreOperatorPolicyArn } from './restore-operator.js';

/** The stack output that names the policy. */
export const APPROVAL_OPERATOR_POLICY_OUTPUT = 'ApprovalOperatorPolicyArn';

export interface ApprovalOperatorOptions {
  /** The role's name; one role per name (default `SecurityApprover`). */
  readonly roleName?: string;
  /** The session name, which the recorded ARN ends with (default `alice`). */
  readonly sessionName?: string;
  /** Attach the stack's policy (default true); false makes an approver with no permission at all. */
  readonly withPolicy?: boolean;
}

export interface ApprovalOperator {
  readonly caller: Caller;
  /** What GetCallerIdentity answers, and the decisions record. */
  readonly arn: string;
  /** Runs the command as this operator; what it printed is in `out` and `err`. */
  run(args: readonly string[]): Promise<{ exitCode: number; out: string; err: string }>;
}

/** Creates the approver's role in the deployment's account, and the command running as it. */
export function createApprovalOperator(
  deployment: LocalDeployment,
  options: ApprovalOperatorOptions = {},
): ApprovalOperator {
  const { account } = deployment;
  const roleArn = account.iam.createRole({
    roleName: options.roleName ?? 'SecurityApprover',
    managedPolicyArns:
      options.withPolicy === false
        ? []
        : [restoreOperatorPolicyArn(deployment, APPROVAL_OPERATOR_POLICY_OUTPUT)],
  });
  const caller = account.callerFor(roleArn, options.sessionName ?? 'alice');
  const arn = sessionArn(caller);
  const sfn = deployment.stepFunctionsClient(caller) as unknown as Pick<SFNClient, 'send'>;
  return {
    caller,
    arn,
    async run(args) {
      const out: string[] = [];
      const err: string[] = [];
      const command: ApprovalsCommand = createApprovalsCommand({
        dynamodb: DynamoDBDocumentClient.from(simulatedDynamoDbClient(account, caller, { maxAttempts: 5 })),
        sfn,
        identity: async () => arn,
        now: () => account.clock.now(),
        print: (line) => out.push(line),
        printError: (line) => err.push(line),
      });
      const exitCode = await command.run(args);
      return { exitCode, out: out.join('\n'), err: err.join('\n') };
    },
  };
}
