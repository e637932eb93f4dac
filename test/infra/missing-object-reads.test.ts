/**
 * A read of a snapshot object that does not exist must say NoSuchKey, not AccessDenied: S3 answers
 * 404 only to a caller allowed s3:ListBucket on the bucket (GetObject API reference, "Permissions"),
 * and the handlers tell "not written yet" from "refused" by that code. A notebook's snapshot is read
 * (by the snapshot's read-back and by the verification) as the member role, in its account's data
 * bucket: that role is allowed ListBucket on the whole bucket, with no s3:prefix condition.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MemberStack } from '../../stacks/member-stack.js';
import type { SageMakerRemediationStack } from '../../stacks/remediation-stack.js';
import {
  appWithoutBundling,
  attachedPolicyStatements,
  buildStack,
  inlinePolicies,
  logicalId,
  type ReadableStatement,
  TEST_ACCOUNT,
  TEST_REGION,
} from './synthesis.js';

let stack: SageMakerRemediationStack;
let template: Template;
let member: MemberStack;
let memberTemplate: Template;

beforeAll(() => {
  stack = buildStack({}, appWithoutBundling());
  template = Template.fromStack(stack);
  member = new MemberStack(new App(), 'SageMakerRemediationMember', {
    configuration: loadConfiguration({}),
    env: { account: TEST_ACCOUNT, region: TEST_REGION },
  });
  memberTemplate = Template.fromStack(member);
});

/** A role's statements (inline and attached) that allow s3:ListBucket. */
function listBucketStatements(
  role: IRole | undefined,
  of: { readonly stack: Stack; readonly template: Template } = { stack, template },
): ReadableStatement[] {
  if (!role) throw new Error('no role');
  const id = logicalId(of.stack, role);
  return [
    ...Object.values(inlinePolicies(of.template, id)).flat(),
    ...attachedPolicyStatements(of.template, id),
  ].filter(({ Effect, Action }) => Effect === 'Allow' && Action.includes('s3:ListBucket'));
}

describe('reads of a notebook snapshot object that may be missing', () => {
  it('Given the member role, as which the snapshot reads configuration.json back and the verification reads the manifests a restore may not have written, Then it may list its data bucket with no prefix condition', () => {
    const bucketArn = `arn:aws:s3:::remediation-notebook-data-${TEST_ACCOUNT}-${TEST_REGION}`;

    expect(listBucketStatements(member.memberRole, { stack: member, template: memberTemplate })).toEqual([
      // The state machine's status listing, as the member role: under the notebook prefixes
      {
        Sid: 'S3TasksStatusListing',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: { StringLike: { 's3:prefix': ['roles/*'] } },
      },
      // The Lambdas' reads, as the member role: a missing key is NoSuchKey
      { Sid: 'NotebookDataListBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] },
    ]);
  });

  it("Given the administrator side's snapshot and verification functions and its state machine, Then none may list a bucket: they read nothing of a notebook's but through the member role", () => {
    for (const role of [
      stack.snapshotNotebookFunction.role,
      stack.verifyRecreationFunction.role,
      stack.stateMachineRole,
    ]) {
      expect(listBucketStatements(role)).toEqual([]);
    }
  });
});
