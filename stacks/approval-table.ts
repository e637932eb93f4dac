/**
 * The table of recreation plans: a plan is recorded here when it is made (with every finding of the
 * notebook that joins it), waits here with its Step Functions task token until a human approves or
 * rejects it with a Security Hub custom action or the wait expires, and is deleted when it is closed.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { APPROVAL_EXPIRY_ATTRIBUTE, APPROVAL_TABLE_KEY } from './approval-table-schema.js';

export interface ApprovalTableProps {
  /**
   * Customer managed key the table is encrypted with. Task tokens are bearer credentials for the
   * waiting execution, so the table must not use an AWS owned key: this key's policy and CloudTrail
   * record decide and show who can read them.
   */
  readonly encryptionKey: IKey;
}

/** DynamoDB table of recreation plans; attribute names in approval-table-schema.ts. */
export class ApprovalTable extends Construct {
  /** On demand, TTL on `expiresAt`, point-in-time recovery, encrypted with the given key. */
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: ApprovalTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: APPROVAL_TABLE_KEY, type: AttributeType.STRING },
      // A handful of approvals a week: provisioned capacity would cost more and could throttle a burst.
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: APPROVAL_EXPIRY_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      // Plans mean nothing once the stack is gone: the executions waiting on them are
      // deleted with the state machine, and the outcome of every approval is already recorded in the
      // finding notes and the execution history. A retained table would only be an orphan holding
      // task tokens of executions that no longer exist.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
