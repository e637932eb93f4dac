import { readFileSync } from 'node:fs';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApprovalTable } from '../../stacks/approval-table.js';
import {
  APPROVAL_DEADLINE_ATTRIBUTE,
  APPROVAL_EXECUTION_ARN_ATTRIBUTE,
  APPROVAL_EXPIRY_ATTRIBUTE,
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_PLAN_SUMMARY_ATTRIBUTE,
  APPROVAL_STATUS_ATTRIBUTE,
  APPROVAL_STATUSES,
  APPROVAL_TABLE_KEY,
  APPROVAL_TOKEN_ATTRIBUTE,
  approvalKeyFor,
  MAX_PLAN_FINDINGS,
} from '../../stacks/approval-table-schema.js';
import {
  type ConstructStack,
  nagAcknowledgementsIn,
  nagFindings,
  onlyResource,
  synthesiseConstruct,
} from './construct-harness.js';
import { logicalId, TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

let built: ConstructStack;
let keyId: string;

beforeAll(() => {
  // Given the approval table with a customer managed key of the app
  built = synthesiseConstruct((stack) => {
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    new ApprovalTable(stack, 'Approvals', { encryptionKey: key });
    keyId = logicalId(stack, key);
  });
});

describe('ApprovalTable', () => {
  it('is keyed by approvalKey (string), on demand, with TTL on expiresAt, PITR and the given key', () => {
    const { resource } = onlyResource(built.template, 'AWS::DynamoDB::Table');
    expect(resource.Properties).toEqual({
      KeySchema: [{ AttributeName: 'approvalKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'approvalKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
  });

  it('is deleted with the stack (pending approvals end with the executions waiting on them)', () => {
    const { resource } = onlyResource(built.template, 'AWS::DynamoDB::Table');
    expect(resource.DeletionPolicy).toBe('Delete');
    expect(resource.UpdateReplacePolicy).toBe('Delete');
  });

  it('declares its key and TTL from the CDK-free schema module the handlers import', () => {
    expect({
      APPROVAL_TABLE_KEY,
      APPROVAL_TOKEN_ATTRIBUTE,
      APPROVAL_STATUS_ATTRIBUTE,
      APPROVAL_STATUSES,
      APPROVAL_EXECUTION_ARN_ATTRIBUTE,
      APPROVAL_FINDINGS_ATTRIBUTE,
      MAX_PLAN_FINDINGS,
      APPROVAL_DEADLINE_ATTRIBUTE,
      APPROVAL_PLAN_SUMMARY_ATTRIBUTE,
      APPROVAL_EXPIRY_ATTRIBUTE,
    }).toEqual({
      APPROVAL_TABLE_KEY: 'approvalKey',
      APPROVAL_TOKEN_ATTRIBUTE: 'taskToken',
      APPROVAL_STATUS_ATTRIBUTE: 'status',
      // A plan is recorded before the wait (PLANNED), so a sibling finding can join it at once.
      APPROVAL_STATUSES: ['PLANNED', 'PENDING', 'APPROVED', 'REJECTED'],
      APPROVAL_EXECUTION_ARN_ATTRIBUTE: 'executionArn',
      // Every finding of the plan, {Id, ProductArn}, closed by one BatchUpdateFindings call (100 at most).
      APPROVAL_FINDINGS_ATTRIBUTE: 'findings',
      MAX_PLAN_FINDINGS: 100,
      APPROVAL_DEADLINE_ATTRIBUTE: 'approvalDeadline',
      APPROVAL_PLAN_SUMMARY_ATTRIBUTE: 'planSummary',
      APPROVAL_EXPIRY_ATTRIBUTE: 'expiresAt',
    });
  });

  it('keeps the schema module free of CDK, so Lambda bundles can import it', () => {
    const source = readFileSync('stacks/approval-table-schema.ts', 'utf8');
    expect(source).not.toMatch(/from '(aws-cdk-lib|constructs)/);
    expect(source).not.toMatch(/^import /m);
  });

  it('keys a notebook by its ARN lowercased, however the name was cased', () => {
    expect(
      approvalKeyFor(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance/Research-Notebook`),
    ).toBe(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance/research-notebook`);
  });

  it('is cdk-nag clean without any acknowledgement, and passes CloudFormation validation', () => {
    expect(nagFindings(built.app)).toEqual([]);
    expect(nagAcknowledgementsIn(built.stack)).toEqual([]);
    expect(built.validationFindings).toEqual([]);
  });
});
