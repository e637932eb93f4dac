/**
 * The member stack, as a service-managed StackSet deploys it to every member account and Region: a
 * plain template (no assets, no nested stacks, no bootstrap rule), one role under the member path that
 * trusts only the administrator account's remediation roles in the organization, and may do what the
 * remediations do (derived), nothing else (the operators' restore role beside it:
 * member-restore-role.test.ts). cdk-nag AwsSolutions passes with reasons.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfiguration } from '../../stacks/configuration.js';
import { MemberStack } from '../../stacks/member-stack.js';
import { allAcknowledgementsIn } from './construct-harness.js';
import { synthesizedMemberStack } from './member-synthesis.js';
import { attachedPolicyStatements, logicalId, TEST_ACCOUNT, TEST_REGION } from './synthesis.js';

function synthesize(raw: unknown = {}) {
  const { stack, assembly, template } = synthesizedMemberStack(raw);
  return { stack, template: template(), assembly };
}

/** The ARN types the approval-gated resource engines change or watch (an endpoint while it is updated). */
const ENGINE_ARN_TYPES = [
  'data-quality-job-definition',
  'endpoint',
  'endpoint-config',
  'inference-experiment',
  'model',
  'model-bias-job-definition',
  'model-explainability-job-definition',
  'model-quality-job-definition',
  'monitoring-schedule',
];

type Statement = { Sid?: string; Effect?: string; Action: string | string[] };

/**
 * The member role's statements: in the managed policies attached to it (IAM's size quota splits them);
 * the restore role's are member-restore-role.test.ts's.
 */
function statements(template: Template): Statement[] {
  return (
    Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as Array<{
      Properties: { PolicyDocument: { Statement: Statement[] }; Roles: Array<{ Ref: string }> };
    }>
  )
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref.startsWith('MemberRole')))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (template: Template) =>
  new Set(statements(template).flatMap((statement) => [statement.Action].flat()));

describe('MemberStack', () => {
  it('Given the default configuration, when it is synthesized, then it is a plain template StackSets can deploy: the member and restore roles, the notebook data bucket and lifecycle configurations, no assets, no bootstrap rule', () => {
    const { template, assembly, stack } = synthesize();
    const json = template.toJSON() as { Parameters?: Record<string, unknown>; Rules?: unknown };

    // The member role and the restore role, their permissions in managed policies (each within IAM's
    // 6,144 characters); the notebook data bucket with its log bucket and policies; the two lifecycle
    // configurations
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map(
      (resource) => resource.Type,
    );
    expect(new Set(types)).toEqual(
      new Set([
        'AWS::IAM::Role',
        'AWS::IAM::ManagedPolicy',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::SageMaker::NotebookInstanceLifecycleConfig',
      ]),
    );
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.resourceCountIs('AWS::SageMaker::NotebookInstanceLifecycleConfig', 2);
    template.resourceCountIs('AWS::IAM::Role', 2);
    template.resourceCountIs('AWS::CloudFormation::Stack', 0);
    expect(json.Rules).toBeUndefined();
    expect(Object.keys(json.Parameters ?? {}).sort()).toEqual(['AdministratorAccountId', 'OrganizationId']);
    expect(assembly.getStackArtifact(stack.artifactId).assets).toEqual([]);
  });

  it('Given the default configuration, when it is synthesized, then the role trusts only the administrator account remediation roles of the organization', () => {
    const { template } = synthesize();

    template.hasResourceProperties('AWS::IAM::Role', {
      Path: '/sagemaker-remediation/',
      RoleName: { 'Fn::Join': ['', ['SageMakerRemediationMember-', { Ref: 'AWS::Region' }]] },
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AdministratorAccountId' }, ':root'],
                ],
              },
            },
            Condition: {
              ArnLike: {
                'aws:PrincipalArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':iam::',
                      { Ref: 'AdministratorAccountId' },
                      ':role/sagemaker-remediation/administrator/*',
                    ],
                  ],
                },
              },
              StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
            },
          },
        ],
      },
    });
  });

  it('Given the default configuration, when it is synthesized, then the role may make the in-place fix, the recreation and the planning reads, and never enable root or internet access', () => {
    const { template } = synthesize();
    const actions = actionsOf(template);
    const denies = statements(template).filter((statement) => statement.Effect === 'Deny');

    for (const action of [
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
      'sagemaker:StartNotebookInstance',
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:ListTags',
      'sagemaker:CreateNotebookInstance',
      'sagemaker:DeleteNotebookInstance',
      'iam:GetRole',
      'iam:PassRole',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(denies.map((statement) => statement.Sid).sort()).toEqual([
      'DenyDirectInternetAccessOnCreate',
      'DenyRootAccessOnCreate',
    ]);
    // The administrator side's own services are not the member role's business (its S3 is the notebook
    // data bucket's only: member-notebook-data.test.ts).
    for (const prefix of ['securityhub:', 'sns:', 'dynamodb:', 'states:', 'lambda:']) {
      expect(
        [...actions].filter((action) => action.startsWith(prefix)),
        prefix,
      ).toEqual([]);
    }
  });

  it('Given every control switched off but SageMaker.3, when it is synthesized, then the role may do no resource engine calls', () => {
    const modes = Object.fromEntries(
      Array.from({ length: 25 }, (_, index) => [`SageMaker.${index + 1}`, index === 2 ? 'auto' : 'off']),
    );
    const { template } = synthesize({ modes });
    const actions = actionsOf(template);

    expect(actions).toContain('sagemaker:StopNotebookInstance');
    expect(actions).not.toContain('sagemaker:UpdateEndpoint');
    expect(actions).not.toContain('sagemaker:DeleteDataQualityJobDefinition');
  });

  it('Given the AWS Solutions checks, when the member stack is synthesized, then it passes, and each kind the engines change is acknowledged as only known at run time', () => {
    // (synthesis itself throws on an unacknowledged finding: the validation plugin is on)
    const { stack } = synthesize();
    const acknowledged = allAcknowledgementsIn(stack);

    for (const arnType of ENGINE_ARN_TYPES) {
      const found = acknowledged.find(({ id }) => id.includes(`:${arnType}/*]`));
      expect(found?.reason, arnType).toMatch(/only known at run time/);
    }
    for (const { id, reason } of acknowledged) expect(reason.length, id).toBeGreaterThanOrEqual(40);
  });
});

/** The member stack in the test account and Region, so its ARNs read as literals. */
function memberStackIn(raw: unknown = {}) {
  const stack = new MemberStack(new App(), 'SageMakerRemediationMember', {
    configuration: loadConfiguration(raw),
    env: { account: TEST_ACCOUNT, region: TEST_REGION },
  });
  return { stack, template: Template.fromStack(stack) };
}

/** What CreateNotebookInstance and friends need besides their own actions (notebook-launch-permissions.ts). */
const DEPENDENCY_SIDS = [
  'PassNotebookRoles',
  'TagNotebooksOnCreate',
  'CreateNotebookNetworkInterfaces',
  'DescribeNotebookNetwork',
  'ReadNotebookRepositorySecrets',
  'GrantExistingNotebookVolumeKeys',
  'DescribeExistingNotebookVolumeKeys',
  'DenyDirectInternetAccessOnCreate',
  'DenyRootAccessOnCreate',
  'DeleteNotebookNetworkInterfaces',
];
const NOTEBOOKS = `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:notebook-instance/*`;

describe('MemberStack: what the notebook changes need besides their own actions', () => {
  it('Given the default configuration, the member role has exactly the statements its SageMaker calls need besides their own actions', () => {
    const ec2 = (resource: string) => `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:${resource}/*`;
    const { template, stack } = memberStackIn();
    const sids = new Set(DEPENDENCY_SIDS);
    const dependencies = (
      attachedPolicyStatements(template, logicalId(stack, stack.memberRole)) as Array<{ Sid: string }>
    )
      .filter((statement) => sids.has(statement.Sid))
      // (in the order of DEPENDENCY_SIDS: the statements are spread over the role's policies)
      .sort((a, b) => DEPENDENCY_SIDS.indexOf(a.Sid) - DEPENDENCY_SIDS.indexOf(b.Sid));
    expect(dependencies).toEqual([
      {
        // CreateNotebookInstance passes the notebook's own role (RoleArn)
        Sid: 'PassNotebookRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [`arn:aws:iam::${TEST_ACCOUNT}:role/*`],
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      },
      {
        // CreateNotebookInstance with Tags: tag on create only, never retagging an existing notebook
        Sid: 'TagNotebooksOnCreate',
        Effect: 'Allow',
        Action: ['sagemaker:AddTags'],
        Resource: [NOTEBOOKS],
        Condition: { StringEquals: { 'sagemaker:TaggingAction': 'CreateNotebookInstance' } },
      },
      {
        Sid: 'CreateNotebookNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface'],
        Resource: [ec2('network-interface'), ec2('subnet'), ec2('security-group')],
      },
      {
        // Create in a VPC needs the last three; Start also DescribeNetworkInterfaces
        Sid: 'DescribeNotebookNetwork',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        Resource: ['*'],
      },
      {
        // Create and Start of a notebook whose Git repository is backed by a secret read it as the
        // caller; SageMaker wants "sagemaker" in the name, IAM matches ARNs case-sensitively
        Sid: 'ReadNotebookRepositorySecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: ['sagemaker', 'SageMaker', 'Sagemaker'].map(
          (name) => `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:*${name}*`,
        ),
      },
      // A notebook that keeps its own key: grants only through SageMaker, only for AWS resources.
      {
        Sid: 'GrantExistingNotebookVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [`arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/*`],
        Condition: {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': `sagemaker.${TEST_REGION}.amazonaws.com` },
        },
      },
      {
        Sid: 'DescribeExistingNotebookVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:DescribeKey'],
        Resource: [`arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/*`],
        Condition: { StringEquals: { 'kms:ViaService': `sagemaker.${TEST_REGION}.amazonaws.com` } },
      },
      {
        // A request that omits DirectInternetAccess gets Enabled: the negated operator denies that too
        Sid: 'DenyDirectInternetAccessOnCreate',
        Effect: 'Deny',
        Action: ['sagemaker:CreateNotebookInstance'],
        Resource: ['*'],
        Condition: { StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' } },
      },
      {
        Sid: 'DenyRootAccessOnCreate',
        Effect: 'Deny',
        Action: ['sagemaker:CreateNotebookInstance'],
        Resource: ['*'],
        Condition: { StringNotEquals: { 'sagemaker:RootAccess': 'Disabled' } },
      },
      {
        Sid: 'DeleteNotebookNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:DeleteNetworkInterface'],
        Resource: [ec2('network-interface')],
      },
    ]);
  });

  it('Given configured volume keys, the member role may let SageMaker use the key of its own account and Region, and no other', () => {
    // Given a key id for this account and region, and a key ARN for another account
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const foreignKey = 'arn:aws:kms:eu-west-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';
    const { template: configuredTemplate, stack: configured } = memberStackIn({
      recreate: {
        targets: [
          {
            account: TEST_ACCOUNT,
            region: TEST_REGION,
            subnetId: 'subnet-0123456789abcdef0',
            securityGroupIds: ['sg-0123456789abcdef0'],
            kmsKeyId: keyId,
          },
          { account: '111122223333', region: TEST_REGION, kmsKeyId: foreignKey },
        ],
      },
    });
    const statements = (
      attachedPolicyStatements(configuredTemplate, logicalId(configured, configured.memberRole)) as Array<{
        Sid: string;
      }>
    ).filter(
      (statement) => statement.Sid.endsWith('NotebookVolumeKeys') && !statement.Sid.includes('Existing'),
    );

    // Then the own key, completed to an ARN, may be granted to SageMaker (for AWS resources only) and described
    const ownKey = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/${keyId}`;
    expect(statements).toEqual([
      {
        Sid: 'GrantNotebookVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: [ownKey],
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      { Sid: 'DescribeNotebookVolumeKeys', Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: [ownKey] },
    ]);
    expect(JSON.stringify(statements)).not.toContain('111122223333');
  });
});

/** The kinds beside notebooks whose controls are in scope by default, by Describe call (sorted by it). */
const OBSERVED_KINDS: ReadonlyArray<readonly [string, string]> = [
  ['DescribeAppImageConfig', 'app-image-config'],
  ['DescribeDataQualityJobDefinition', 'data-quality-job-definition'],
  ['DescribeEndpointConfig', 'endpoint-config'],
  ['DescribeFeatureGroup', 'feature-group'],
  ['DescribeImage', 'image'],
  ['DescribeInferenceExperiment', 'inference-experiment'],
  ['DescribeModel', 'model'],
  ['DescribeModelBiasJobDefinition', 'model-bias-job-definition'],
  ['DescribeModelExplainabilityJobDefinition', 'model-explainability-job-definition'],
  ['DescribeModelQualityJobDefinition', 'model-quality-job-definition'],
  ['DescribeMonitoringSchedule', 'monitoring-schedule'],
];

/** What plan-remediation reads beside notebooks, by action (sorted), and on which ARN type ("*": no type). */
const PLANNER_READS: ReadonlyArray<readonly [string, string]> = [
  ...OBSERVED_KINDS.slice(0, 2),
  ['DescribeEndpoint', 'endpoint'],
  ...OBSERVED_KINDS.slice(2),
  ['ListEndpointConfigs', '*'],
  ['ListEndpoints', '*'],
  ['ListMonitoringSchedules', '*'],
];

describe('MemberStack: what planning reads', () => {
  it("Given the default configuration, the member role may read each in-scope kind (an endpoint too: what a change also touches), list what a change touches, and read every kind's tags, in its own account and Region only", () => {
    const { template, stack } = memberStackIn();
    const granted = attachedPolicyStatements(template, logicalId(stack, stack.memberRole)).filter(
      (statement) =>
        statement.Effect === 'Allow' && statement.Action.some((action) => action.startsWith('sagemaker:')),
    );
    const resourcesOf = (action: string) =>
      granted
        .filter((statement) => statement.Action.includes(action))
        .flatMap((statement) => statement.Resource);

    // Every statement named once (planning, verification, snapshots and changes are one role)
    expect(new Set(granted.map((statement) => statement.Sid)).size).toBe(granted.length);
    for (const [operation, resource] of PLANNER_READS) {
      expect(resourcesOf(`sagemaker:${operation}`), operation).toContain(
        resource === '*' ? '*' : `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:${resource}/*`,
      );
    }
    expect(resourcesOf('sagemaker:ListTags')).toEqual(
      expect.arrayContaining(
        OBSERVED_KINDS.map(([, arnType]) => `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:${arnType}/*`),
      ),
    );
    // Nothing outside this account and Region
    for (const resource of granted.flatMap((statement) => statement.Resource)) {
      expect(
        resource === '*' ||
          resource.startsWith(`arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:`) ||
          resource.startsWith(`arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:`),
        resource,
      ).toBe(true);
    }
  });
});
