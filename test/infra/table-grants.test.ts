/**
 * DynamoDB grants per table: every role may do with each table exactly what its code does with that
 * table, and nothing with a table it does not use. The lock table holds a lock only while a notebook
 * changes; the approval table holds the recreation plans, which a sibling finding joins (UpdateItem);
 * the slot table holds the executions running per account and Region (the finding buffer's starter).
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import {
  appWithoutBundling,
  attachedPolicyStatements,
  buildStack,
  inlinePolicies,
  logicalId,
  type ReadableStatement,
  TEST_REGION,
} from './synthesis.js';

let stack: SageMakerRemediationStack;
let template: Template;
let locks: string;
let approvals: string;
let slots: string;
let key: string;

beforeAll(() => {
  // Given the stack with its defaults (no bundling: only the template is looked at)
  stack = buildStack({}, appWithoutBundling());
  template = Template.fromStack(stack);
  locks = `${logicalId(stack, stack.lockTable)}.Arn`;
  approvals = `${logicalId(stack, stack.approvalTable.table)}.Arn`;
  slots = `${logicalId(stack, stack.intake.buffer.slotTable)}.Arn`;
  key = `${logicalId(stack, stack.encryptionKey)}.Arn`;
});

/** Every statement of a role (inline and attached) with a DynamoDB action or the key through DynamoDB. */
function tableStatements(role: IRole | undefined): ReadableStatement[] {
  if (!role) throw new Error('no role');
  const id = logicalId(stack, role);
  return [
    ...Object.values(inlinePolicies(template, id)).flat(),
    ...attachedPolicyStatements(template, id),
  ].filter(
    ({ Action, Condition }) =>
      Action.some((action) => action.startsWith('dynamodb:')) ||
      Condition?.StringEquals?.['kms:ViaService'] === `dynamodb.${TEST_REGION}.amazonaws.com`,
  );
}

const tableKey = (sid: string) => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['kms:Decrypt'],
  Resource: [key],
  Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_REGION}.amazonaws.com` } },
});

describe('DynamoDB grants per table', () => {
  it('Given the state machine role, Then it may only release locks, and wait on, read and close plans', () => {
    expect(tableStatements(stack.stateMachineRole)).toEqual([
      {
        Sid: 'DynamodbTasksApprovalTable',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [approvals],
      },
      { Sid: 'DynamodbTasksLockTable', Effect: 'Allow', Action: ['dynamodb:DeleteItem'], Resource: [locks] },
      tableKey('KmsThroughDynamodb'),
    ]);
  });

  it('Given plan-remediation, Then it may take and release locks, and record a plan and add a sibling finding to it', () => {
    // A notebook failing SageMaker.1, .2 and .3 at once: the second recreate finding joins the plan
    expect(tableStatements(stack.planRemediationFunction.role)).toEqual([
      {
        Sid: 'NotebookLocks',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
        Resource: [locks],
      },
      {
        Sid: 'RecreationPlans',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: [approvals],
      },
      tableKey('TablesKey'),
    ]);
  });

  it('Given snapshot-notebook, Then it may take and release the lock of the notebook it changes, and no plan', () => {
    expect(tableStatements(stack.snapshotNotebookFunction.role)).toEqual([
      {
        Sid: 'NotebookLocks',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
        Resource: [locks],
      },
      tableKey('LockTableKey'),
    ]);
  });

  it('Given custom-action, Then it may read a plan and record the decision, and touch no lock', () => {
    expect(tableStatements(stack.customActionFunction.role)).toEqual([
      {
        Sid: 'ApprovalRecords',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [approvals],
      },
      tableKey('ApprovalTableKey'),
    ]);
  });

  it('Given report-failure and verify-recreation, Then neither may use any table or the key through DynamoDB', () => {
    expect(tableStatements(stack.reportFailureFunction.role)).toEqual([]);
    expect(tableStatements(stack.verifyRecreationFunction.role)).toEqual([]);
  });

  it('Given start-remediation, Then it may read and write the slot table only, and touch no lock or plan', () => {
    expect(tableStatements(stack.intake.buffer.starter.role)).toEqual([
      {
        Sid: 'Slots',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: [slots],
      },
      tableKey('SlotTableKey'),
    ]);
  });

  it('Given every role of the stack, Then no statement names two tables, or a table by wildcard', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role'));
    const statements = roles.flatMap((id) => [
      ...Object.values(inlinePolicies(template, id)).flat(),
      ...attachedPolicyStatements(template, id),
    ]);
    const withTableActions = statements.filter(({ Action }) =>
      Action.some((action) => action.startsWith('dynamodb:')),
    );
    expect(withTableActions.length).toBeGreaterThan(0);
    for (const { Sid, Resource } of withTableActions) {
      expect(Resource.length, Sid).toBe(1);
      expect([locks, approvals, slots], Sid).toContain(Resource[0]);
    }
  });
});
