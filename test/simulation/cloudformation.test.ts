// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation and IAM placeholders, meant literally
import { describe, expect, it } from 'vitest';
import {
  generatedName,
  IntrinsicResolver,
  type StackEnvironment,
} from '../../simulation/deploy/cloudformation.js';

const ENVIRONMENT: StackEnvironment = {
  stackName: 'SageMakerRemediation',
  accountId: '111122223333',
  region: 'eu-west-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
};

function resolverWithTable(): IntrinsicResolver {
  const resolver = new IntrinsicResolver(ENVIRONMENT);
  resolver.define('LockTable', {
    ref: 'SageMakerRemediation-LockTable-ABC',
    attributes: { Arn: 'arn:aws:dynamodb:eu-west-1:111122223333:table/SageMakerRemediation-LockTable-ABC' },
  });
  return resolver;
}

describe('CloudFormation intrinsics in the simulated deployment', () => {
  it('Given a table, when a policy joins its ARN and a pseudo parameter, then the value is the literal ARN', () => {
    const value = resolverWithTable().resolve({
      'Fn::Join': ['', [{ 'Fn::GetAtt': ['LockTable', 'Arn'] }, '/index/', { Ref: 'AWS::Region' }]],
    });
    expect(value).toBe(
      'arn:aws:dynamodb:eu-west-1:111122223333:table/SageMakerRemediation-LockTable-ABC/index/eu-west-1',
    );
  });

  it('Given Fn::Sub with an IAM policy variable, when resolved, then the variable stays for IAM and ${!x} is a literal', () => {
    const value = resolverWithTable().resolve({
      'Fn::Sub':
        'arn:${AWS::Partition}:s3:::bucket/roles/${aws:userid}/* ${LockTable} ${LockTable.Arn} ${!Literal}',
    });
    expect(value).toBe(
      'arn:aws:s3:::bucket/roles/${aws:userid}/* SageMakerRemediation-LockTable-ABC arn:aws:dynamodb:eu-west-1:111122223333:table/SageMakerRemediation-LockTable-ABC ${Literal}',
    );
  });

  it('Given a script with a Ref inside Fn::Base64, when resolved, then the base64 holds the substituted text', () => {
    const value = resolverWithTable().resolve({
      'Fn::Base64': { 'Fn::Join': ['', ['table=', { Ref: 'LockTable' }]] },
    });
    expect(Buffer.from(String(value), 'base64').toString('utf8')).toBe(
      'table=SageMakerRemediation-LockTable-ABC',
    );
  });

  it('Given a reference to a resource not deployed yet, when resolved, then it fails naming the resource', () => {
    expect(() => resolverWithTable().resolve({ Ref: 'Missing' })).toThrow(
      'Ref to Missing, which is not deployed (yet)',
    );
    expect(() => resolverWithTable().resolve({ 'Fn::GetAtt': ['LockTable', 'StreamArn'] })).toThrow(
      'Fn::GetAtt LockTable.StreamArn is not simulated',
    );
  });

  it('Given an intrinsic the deployment does not model, when resolved, then it fails rather than guessing', () => {
    expect(() => resolverWithTable().resolve({ 'Fn::ImportValue': 'x' })).toThrow(
      'The simulated deployment cannot resolve Fn::ImportValue',
    );
  });

  it('Given the same logical id, when a name is generated twice, then it is the same, within the length limit', () => {
    const first = generatedName(ENVIRONMENT, 'PlanRemediationRoleA4F03F03', 64);
    expect(first).toBe(generatedName(ENVIRONMENT, 'PlanRemediationRoleA4F03F03', 64));
    expect(first).toMatch(/^SageMakerRemediation-PlanRemediationRoleA4F03F03-[0-9A-F]{12}$/);
    expect(generatedName(ENVIRONMENT, 'X'.repeat(100), 64)).toHaveLength(64);
  });

  it('Given one stack in two Regions of an account (a StackSet), When a name is generated for the same logical id, Then the two differ, as the random suffix of CloudFormation makes them', () => {
    const elsewhere = { ...ENVIRONMENT, region: 'us-east-1' };

    expect(generatedName(elsewhere, 'RemediationsPolicy', 128)).not.toBe(
      generatedName(ENVIRONMENT, 'RemediationsPolicy', 128),
    );
  });

  it('Given a template, when its dependencies are listed, then Refs, GetAtts and Fn::Sub names are found but not pseudo parameters', () => {
    expect(
      IntrinsicResolver.dependencies({
        A: { Ref: 'Topic' },
        B: { 'Fn::GetAtt': ['Key', 'Arn'] },
        C: { 'Fn::Sub': '${Bucket.Arn}/x ${AWS::Region}' },
        D: { Ref: 'AWS::AccountId' },
      }).sort(),
    ).toEqual(['Bucket', 'Key', 'Topic']);
  });
});
