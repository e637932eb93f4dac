/**
 * The bucket policy that lets a notebook's own role copy its data to a bucket of its account: the
 * notebook roles are not known in advance (any role of the account may be a notebook's), so every role
 * of the account gets its own prefix only, `roles/${aws:userid}/`, which IAM fills in per request with
 * `<role id>:<session name>` (`AROA...:SageMaker` on a notebook), and a notebook session is denied
 * everything else of the bucket. Layout: handlers/shared/notebook-backup-layout.ts.
 */
import { Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { NOTEBOOK_ROLE_SESSION_NAME } from '../handlers/shared/notebook-backup-layout.js';

/**
 * The per-role prefix, with the IAM policy variable left for IAM to resolve at request time. It is
 * a plain string, not a CDK token: CDK and CloudFormation (Fn::Join, not Fn::Sub) pass it through.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, meant literally
export const NOTEBOOK_ROLE_OWN_PREFIX = 'roles/${aws:userid}/*';
/** Every notebook's prefix: what the workflow reads and writes. */
export const ALL_NOTEBOOK_ROLES_PREFIX = 'roles/*';

/** A notebook instance's session of its role: `aws:userid` is `<role id>:SageMaker`. */
const NOTEBOOK_SESSION = { 'aws:userid': `*:${NOTEBOOK_ROLE_SESSION_NAME}` };

/**
 * (a) Every role of the bucket's account may read and write its own prefix, and list it; (b) a
 * notebook session may do nothing else there. Both are needed: a notebook's role often may read and
 * write every bucket whose name contains "sagemaker" (the AWS managed policy AmazonSageMakerFullAccess),
 * and without (b) any notebook could read every other notebook's snapshot.
 */
export function notebookRolePrefixStatements(bucket: IBucket): PolicyStatement[] {
  const stack = Stack.of(bucket);
  const ownRoles = {
    StringEquals: { 'aws:PrincipalAccount': stack.account },
    ArnLike: { 'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/*` },
  };
  return [
    new PolicyStatement({
      sid: 'NotebookRolesOwnPrefixOnly',
      principals: [new AnyPrincipal()],
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: [bucket.arnForObjects(NOTEBOOK_ROLE_OWN_PREFIX)],
      conditions: ownRoles,
    }),
    // Listing its own prefix lets a script see which statuses exist without reading missing keys
    // (refused with 403 without s3:ListBucket on the whole bucket, which would show every notebook's).
    new PolicyStatement({
      sid: 'NotebookRolesListOwnPrefix',
      principals: [new AnyPrincipal()],
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { ...ownRoles, StringLike: { 's3:prefix': NOTEBOOK_ROLE_OWN_PREFIX } },
    }),
    new PolicyStatement({
      sid: 'NotebooksOnlyTheirOwnPrefix',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:*'],
      notResources: [bucket.arnForObjects(NOTEBOOK_ROLE_OWN_PREFIX), bucket.bucketArn],
      conditions: { StringLike: NOTEBOOK_SESSION },
    }),
    // On the bucket itself, a notebook may only list, and only its own prefix (no s3:prefix is denied too).
    new PolicyStatement({
      sid: 'NotebooksNoOtherBucketActions',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      notActions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: NOTEBOOK_SESSION },
    }),
    new PolicyStatement({
      sid: 'NotebooksListNothingElse',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: {
        StringLike: NOTEBOOK_SESSION,
        StringNotLike: { 's3:prefix': NOTEBOOK_ROLE_OWN_PREFIX },
      },
    }),
  ];
}

/**
 * A bucket no notebook session may use at all: the administrator deployment's own bucket, which holds
 * snapshots of other resources (its name contains "sagemaker" when the stack's does).
 */
export function noNotebookSessionsStatement(bucket: IBucket): PolicyStatement {
  return new PolicyStatement({
    sid: 'NoNotebookSessions',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['s3:*'],
    resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    conditions: { StringLike: NOTEBOOK_SESSION },
  });
}
