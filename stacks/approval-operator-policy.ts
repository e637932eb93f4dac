/**
 * The customer managed policy for the people who approve or reject plans with bin/approvals.ts
 * (docs/custom-actions.md): exactly the calls the command makes. Attach it to the approvers' role in
 * the deployment's account; the stack output ApprovalOperatorPolicyArn names it.
 *
 * What the command calls (bin/approvals/):
 * - DynamoDB on the approval table: Scan (list-pending, and finding the plan that lists a finding:
 *   the table has no index, and holds one small item per plan), GetItem (the plan's record, read
 *   consistently), UpdateItem (the conditional PENDING -> APPROVED/REJECTED);
 * - KMS: Decrypt of the table's key through DynamoDB, which decrypts the table key as the caller;
 * - Step Functions: SendTaskSuccess and SendTaskFailure with the plan's task token. They have no
 *   resource type in the Service Authorization Reference, so only `*` can allow them: the token, kept
 *   server side in this table, is what names the waiting execution, and Step Functions only accepts
 *   it from a principal of the execution's own account.
 * - STS GetCallerIdentity, who decided, which needs no permission.
 * It writes no finding notes (it prints its outcome instead), so it has no Security Hub permission.
 */
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';
import { tableKeyStatement } from './remediation-function.js';

export interface ApprovalOperatorPolicyProps {
  /** The approval table: one item per plan, with the waiting execution's task token. */
  readonly approvalTable: ITable;
  /** The customer managed key the approval table is encrypted with. */
  readonly encryptionKey: IKey;
}

/** The customer managed policy with what bin/approvals.ts needs, and nothing else. */
export class ApprovalOperatorPolicy extends Construct {
  public readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ApprovalOperatorPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description:
        'Runs bin/approvals.ts: approves, rejects or lists the SageMaker remediation plans waiting for approval (docs/custom-actions.md).',
      statements: [
        new PolicyStatement({
          sid: 'ApprovalRecords',
          actions: ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
          resources: [props.approvalTable.tableArn],
        }),
        tableKeyStatement(
          'ApprovalTableKey',
          props.encryptionKey.keyArn,
          `dynamodb.${stack.region}.${stack.urlSuffix}`,
        ),
        new PolicyStatement({
          sid: 'AnswerApprovalTasks',
          actions: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
          resources: ['*'],
        }),
      ],
    });
    acknowledge(
      this.policy,
      wildcardResourceFinding(this, '*'),
      'states:SendTaskSuccess and states:SendTaskFailure have no resource type in the Service Authorization Reference, so only "*" can allow them; the task token, kept server side in the approval table this policy reads, is what names the waiting execution.',
    );
  }
}
