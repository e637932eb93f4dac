/**
 * simulation/iam/grant-usage.ts on small hand-made templates: which grants exist, how a decision
 * marks one used, and how written reasons are checked.
 */
import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  applyReasons,
  grantKey,
  grantsOf,
  grantUsage,
  type ObservedDecision,
  type ObservedDeployment,
  overlappingGrants,
} from '../../simulation/iam/grant-usage.js';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/stack-TaskRole-ABC';
const OTHER_ROLE_ARN = 'arn:aws:iam::111122223333:role/stack-OtherRole-DEF';
const POLICY_ARN = 'arn:aws:iam::111122223333:policy/stack-OperatorPolicy-GHI';

const template = {
  Resources: {
    TaskRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyName: 'Tasks',
            PolicyDocument: {
              Statement: [
                {
                  Sid: 'Describe',
                  Effect: 'Allow',
                  Action: ['sagemaker:Describe*', 'sagemaker:ListTags'],
                  Resource: '*',
                },
                {
                  Sid: 'NoCreate',
                  Effect: 'Deny',
                  Action: 'sagemaker:CreateNotebookInstance',
                  Resource: '*',
                },
              ],
            },
          },
        ],
      },
    },
    OtherRole: { Type: 'AWS::IAM::Role', Properties: {} },
    TaskRoleDefaultPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'TaskRoleDefaultPolicy',
        Roles: [{ Ref: 'TaskRole' }, { Ref: 'OtherRole' }],
        PolicyDocument: { Statement: { Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' } },
      },
    },
    OperatorPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: {
          Statement: [{ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        },
      },
    },
    Bucket: { Type: 'AWS::S3::Bucket' },
  },
};

const arns = { TaskRole: ROLE_ARN, OtherRole: OTHER_ROLE_ARN, OperatorPolicy: POLICY_ARN };

const allowed = (roleArn: string, action: string, allowedBy: string[]): ObservedDecision => ({
  caller: { roleArn },
  action,
  decision: 'Allowed',
  allowedBy,
});

const deployment = (decisions: ObservedDecision[]): ObservedDeployment => ({ template, arns, decisions });

describe('the grants of a template', () => {
  it('Given inline, attached and managed policies, When listed, Then each Allow action is one grant per principal, named as the authorizer names statements, and Deny statements are not grants', () => {
    expect(grantsOf(template).map(grantKey)).toEqual([
      'TaskRole Tasks#Describe sagemaker:Describe*',
      'TaskRole Tasks#Describe sagemaker:ListTags',
      'TaskRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments',
      'OtherRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments',
      'OperatorPolicy OperatorPolicy#Read s3:GetObject',
    ]);
  });

  it('Given IAM action patterns, When matched, Then case is ignored and * and ? are wildcards', () => {
    expect(actionMatches('sagemaker:Describe*', 'sagemaker:describeNotebookInstance')).toBe(true);
    expect(actionMatches('s3:Get?bject', 's3:GetObject')).toBe(true);
    expect(actionMatches('s3:GetObject', 's3:GetObjectVersion')).toBe(false);
  });
});

describe('which grants were used', () => {
  it('Given decisions naming statements, When compared, Then a grant is used only by an allowed decision of its own principal naming its statement for a matching action; a managed policy by its ARN, whoever holds it', () => {
    const usage = grantUsage([
      deployment([
        allowed(ROLE_ARN, 'sagemaker:DescribeNotebookInstance', ['Tasks#Describe']),
        // Another principal naming the same statement name does not use TaskRole's grant
        allowed(OTHER_ROLE_ARN, 'xray:PutTraceSegments', ['TaskRoleDefaultPolicy#1']),
        { ...allowed(ROLE_ARN, 'sagemaker:ListTags', ['Tasks#Describe']), decision: 'ImplicitlyDenied' },
        allowed('arn:aws:iam::111122223333:role/Operator', 's3:GetObject', [`${POLICY_ARN}#Read`]),
      ]),
    ]);
    expect(usage.used.map(grantKey)).toEqual([
      'TaskRole Tasks#Describe sagemaker:Describe*',
      'OtherRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments',
      'OperatorPolicy OperatorPolicy#Read s3:GetObject',
    ]);
    expect(usage.unused.map(grantKey)).toEqual([
      'TaskRole Tasks#Describe sagemaker:ListTags',
      'TaskRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments',
    ]);
  });

  it('Given two deployments of different templates, When compared, Then the grants are their union and a use in either counts', () => {
    const smaller = { Resources: { TaskRole: template.Resources.TaskRole } };
    const usage = grantUsage([
      { template: smaller, arns, decisions: [allowed(ROLE_ARN, 'sagemaker:ListTags', ['Tasks#Describe'])] },
      deployment([allowed(ROLE_ARN, 'xray:PutTraceSegments', ['TaskRoleDefaultPolicy#1'])]),
    ]);
    expect(usage.grants).toHaveLength(5);
    expect(usage.used.map(grantKey)).toEqual([
      'TaskRole Tasks#Describe sagemaker:ListTags',
      'TaskRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments',
    ]);
  });

  it('Given a grant whose every use another statement allowed too, When overlaps are listed, Then it is one', () => {
    const deployments = [
      deployment([
        allowed(ROLE_ARN, 'sagemaker:ListTags', ['Tasks#Describe', 'TaskRoleDefaultPolicy#1']),
        allowed(ROLE_ARN, 'xray:PutTraceSegments', ['TaskRoleDefaultPolicy#1']),
      ]),
    ];
    const overlaps = overlappingGrants(deployments, grantUsage(deployments));
    expect(overlaps.map(({ grant, alsoAllowedBy }) => [grantKey(grant), alsoAllowedBy])).toEqual([
      ['TaskRole Tasks#Describe sagemaker:ListTags', ['TaskRoleDefaultPolicy#1']],
    ]);
  });
});

describe('written reasons for unused grants', () => {
  it('Given reasons by statement, by action pattern and by principal, When applied, Then the unused grants they cover are explained, the rest are not, and a reason naming nothing or a used grant is stale', () => {
    const usage = grantUsage([deployment([allowed(ROLE_ARN, 'sagemaker:ListTags', ['Tasks#Describe'])])]);
    const result = applyReasons(usage, [
      { principal: 'TaskRole', action: 'xray:*', reason: 'tracing' },
      { principal: 'OperatorPolicy', reason: 'people' },
      { principal: 'TaskRole', statement: 'Describe', reason: 'stale: ListTags was used' },
      { principal: 'NoSuchRole', reason: 'stale: no such principal' },
    ]);
    expect(result.explained.map(({ grant, reason }) => `${grantKey(grant)}: ${reason}`)).toEqual([
      'TaskRole Tasks#Describe sagemaker:Describe*: stale: ListTags was used',
      'TaskRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments: tracing',
      'OperatorPolicy OperatorPolicy#Read s3:GetObject: people',
    ]);
    expect(result.unexplained.map(grantKey)).toEqual([
      'OtherRole TaskRoleDefaultPolicy#1 xray:PutTraceSegments',
    ]);
    expect(result.stale.map(({ reason, problem }) => `${reason.principal}: ${problem}`)).toEqual([
      'TaskRole: covers grants a scenario used: TaskRole Tasks#Describe sagemaker:ListTags',
      'NoSuchRole: names no grant of the deployed templates',
    ]);
  });
});
