/**
 * What SageMaker checks of whoever creates or starts a notebook instance, besides the SageMaker action
 * itself (SageMaker API permissions reference; Service Authorization Reference for AddTags): the state
 * machine's role, which recreates and restarts notebooks, and the restore tool's operators need the same.
 * Notebooks are whatever a finding names, so their roles, networks, keys and secrets are not known in
 * advance: the wildcards are bounded to this account and region, the service and the condition AWS sets.
 */
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

export function notebookLaunchStatements(stack: Stack, notebookInstanceArn: string): PolicyStatement[] {
  const sageMakerViaService = `sagemaker.${stack.region}.${stack.urlSuffix}`;
  return [
    new PolicyStatement({
      sid: 'PassNotebookRoles',
      actions: ['iam:PassRole'],
      resources: [accountRolesArn(stack)],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
    new PolicyStatement({
      sid: 'TagNotebooksOnCreate',
      actions: ['sagemaker:AddTags'],
      resources: [notebookInstanceArn],
      conditions: { StringEquals: { 'sagemaker:TaggingAction': 'CreateNotebookInstance' } },
    }),
    new PolicyStatement({
      sid: 'CreateNotebookNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        ec2Arn(stack, 'network-interface'),
        ec2Arn(stack, 'subnet'),
        ec2Arn(stack, 'security-group'),
      ],
    }),
    new PolicyStatement({
      sid: 'DescribeNotebookNetwork',
      // Create needs the last three with a VPC; Start also DescribeNetworkInterfaces ("only if you
      // specified a VPC"). None has a resource type.
      actions: [
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
      ],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'ReadNotebookRepositorySecrets',
      // A notebook whose Git repository is secret-backed: Create and Start read that secret as the caller.
      actions: ['secretsmanager:GetSecretValue'],
      resources: notebookRepositorySecretsArns(stack),
    }),
    // A notebook's volume key (its own, or a configured one): only through SageMaker, grants only for
    // AWS resources.
    new PolicyStatement({
      sid: 'GrantExistingNotebookVolumeKeys',
      actions: ['kms:CreateGrant'],
      resources: [existingNotebookKeysArn(stack)],
      conditions: {
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
        StringEquals: { 'kms:ViaService': sageMakerViaService },
      },
    }),
    new PolicyStatement({
      sid: 'DescribeExistingNotebookVolumeKeys',
      actions: ['kms:DescribeKey'],
      resources: [existingNotebookKeysArn(stack)],
      conditions: { StringEquals: { 'kms:ViaService': sageMakerViaService } },
    }),
  ];
}

/** Every role of the account: a notebook's role may be any of them. */
export function accountRolesArn(stack: Stack): string {
  return stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' });
}

/** Every KMS key of this account and region: the keys notebooks already use are not known in advance. */
export function existingNotebookKeysArn(stack: Stack): string {
  return stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });
}

/**
 * The secrets a notebook's private Git repository may use: SageMaker requires "sagemaker" in their
 * name, and the console creates them as `AmazonSageMaker-<name>`. IAM matches ARNs case-sensitively,
 * so each casing AWS's own policies use is listed.
 */
export function notebookRepositorySecretsArns(stack: Stack): string[] {
  return ['sagemaker', 'SageMaker', 'Sagemaker'].map((name) =>
    stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `*${name}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
}

export function ec2Arn(stack: Stack, resource: 'network-interface' | 'subnet' | 'security-group'): string {
  return stack.formatArn({ service: 'ec2', resource, resourceName: '*' });
}
