/**
 * A read of a snapshot object that does not exist must say NoSuchKey, not AccessDenied: S3 answers
 * 404 only to a caller allowed s3:ListBucket on the bucket (GetObject API reference, "Permissions"),
 * and the handlers tell "not written yet" from "refused" by that code. So the functions that read
 * objects which may be missing are allowed ListBucket on the whole bucket, with no s3:prefix condition.
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
} from './synthesis.js';

let stack: SageMakerRemediationStack;
let template: Template;
let bucketArn: string;

beforeAll(() => {
  stack = buildStack({}, appWithoutBundling());
  template = Template.fromStack(stack);
  bucketArn = `${logicalId(stack, stack.notebookBackups.bucket)}.Arn`;
});

/** A role's statements (inline and attached) that allow s3:ListBucket. */
function listBucketStatements(role: IRole | undefined): ReadableStatement[] {
  if (!role) throw new Error('no role');
  const id = logicalId(stack, role);
  return [
    ...Object.values(inlinePolicies(template, id)).flat(),
    ...attachedPolicyStatements(template, id),
  ].filter(({ Effect, Action }) => Effect === 'Allow' && Action.includes('s3:ListBucket'));
}

describe('reads of a snapshot object that may be missing', () => {
  it('Given verify-recreation, which reads the manifests a restore may not have written, Then it may list the bucket with no prefix condition', () => {
    expect(listBucketStatements(stack.verifyRecreationFunction.role)).toEqual([
      { Sid: 'MissingObjectIsNoSuchKey', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] },
    ]);
  });

  it('Given snapshot-notebook, which reads back configuration.json, Then it may list the bucket with no prefix condition', () => {
    expect(listBucketStatements(stack.snapshotNotebookFunction.role)).toEqual([
      { Sid: 'NotebookSnapshotListing', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn] },
    ]);
  });

  it('Given the state machine, which only lists status markers it then reads, Then its listing stays under the notebook prefixes', () => {
    // It reads a failure marker only after the listing found a status key, and handles any error of
    // that read alike (the listing is then the cause), so it needs no 404 for a missing marker
    expect(listBucketStatements(stack.stateMachineRole)).toEqual([
      {
        Sid: 'S3TasksStatusListing',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [bucketArn],
        Condition: { StringLike: { 's3:prefix': ['roles/*'] } },
      },
    ]);
  });
});
