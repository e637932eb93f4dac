/**
 * What the inference family's calls need of IAM (simulation/account/authorization-rules-inference.ts):
 * their own action on the right ARNs, iam:PassRole, tag-on-create, the condition keys AWS sets, and the
 * KMS grant SageMaker makes for an encrypted endpoint.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  ListEndpointsCommand,
  UpdateEndpointCommand,
  UpdateInferenceExperimentCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import {
  allow,
  decisionsSince,
  givenRole,
  roleArnOf,
  type Statement,
  sessionArnOf,
} from './authorization-fixtures.js';
import {
  ARN_PREFIX,
  givenAccount,
  givenModelAndConfigs,
  IMAGE,
  instanceVariant,
  sageMaker,
} from './sagemaker-inference-fixtures.js';

const MODEL_ROLE = roleArnOf('model-execution');
const PASS_ROLE = allow('iam:PassRole', MODEL_ROLE, {
  StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
});

/** Sends the command as a new role (default `remediation`) with these statements: `ok` or `<error>: <message>`. */
async function as(
  account: SimulatedAccount,
  statements: readonly Statement[],
  command: object,
  roleName = 'remediation',
): Promise<string> {
  const client = sageMaker(account, givenRole(account, roleName, statements));
  return client.send(command as never).then(
    () => 'ok',
    (error: Error) => `${error.name}: ${error.message}`,
  );
}

const refusal = (action: string, resource: string, roleName = 'remediation') =>
  `AccessDeniedException: User: ${sessionArnOf(roleName)} is not authorized to perform: ${action} on ` +
  `resource: ${resource} because no identity-based policy allows the ${action} action`;

const createModel = (extra: Record<string, unknown> = {}) =>
  new CreateModelCommand({
    ModelName: 'fraud-isolated',
    ExecutionRoleArn: MODEL_ROLE,
    PrimaryContainer: { Image: IMAGE },
    ...extra,
  });

describe('CreateModel permissions', () => {
  it('Given a role without iam:PassRole, When it creates a model, Then it is refused on the execution role; with it, the model is created', async () => {
    // Given
    const refused = givenAccount();
    const account = givenAccount();
    const create = allow('sagemaker:CreateModel', `${ARN_PREFIX}:model/*`);

    // When
    const without = await as(refused, [create], createModel());
    const withPassRole = await as(account, [create, PASS_ROLE], createModel());

    // Then
    expect(without).toBe(refusal('iam:PassRole', MODEL_ROLE));
    expect(withPassRole).toBe('ok');
    expect(decisionsSince(account).filter((entry) => entry.startsWith('CreateModel'))).toEqual([
      `CreateModel: sagemaker:CreateModel ${ARN_PREFIX}:model/fraud-isolated Allowed`,
      `CreateModel: iam:PassRole ${MODEL_ROLE} Allowed`,
    ]);
  });

  it('Given a role allowed to create only isolated models, When it creates one without and one with EnableNetworkIsolation, Then only the isolated one is allowed', async () => {
    // Given
    const account = givenAccount();
    const statements = [
      allow('sagemaker:CreateModel', `${ARN_PREFIX}:model/*`, {
        Bool: { 'sagemaker:NetworkIsolation': 'true' },
      }),
      PASS_ROLE,
    ];

    // When
    const open = await as(account, statements, createModel({ ModelName: 'open' }));
    const isolated = await as(
      account,
      statements,
      createModel({ EnableNetworkIsolation: true }),
      'isolating',
    );

    // Then
    expect(open).toBe(refusal('sagemaker:CreateModel', `${ARN_PREFIX}:model/open`));
    expect(isolated).toBe('ok');
  });
});

describe('Endpoint configuration and endpoint permissions', () => {
  it('Given a role that may create configurations but not tag them, When it creates one with Tags, Then AddTags with the TaggingAction is required', async () => {
    // Given
    const refused = givenAccount();
    const account = givenAccount();
    for (const target of [refused, account]) target.sagemaker.inference.seedModel({ name: 'fraud-model' });
    const create = allow('sagemaker:CreateEndpointConfig', `${ARN_PREFIX}:endpoint-config/*`, {
      'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': ['ml.m5.large'] },
    });
    const tagOnCreate = allow('sagemaker:AddTags', `${ARN_PREFIX}:endpoint-config/*`, {
      StringEquals: { 'sagemaker:TaggingAction': 'CreateEndpointConfig' },
    });
    const command = new CreateEndpointConfigCommand({
      EndpointConfigName: 'fraud-config-ha',
      ProductionVariants: [instanceVariant('fraud-model', 2)],
      Tags: [{ Key: 'remediated-by', Value: 'sagemaker-remediation' }],
    });

    // When
    const withoutTagging = await as(refused, [create], command);
    const withTagging = await as(account, [create, tagOnCreate], command);

    // Then
    expect(withoutTagging).toBe(
      refusal('sagemaker:AddTags', `${ARN_PREFIX}:endpoint-config/fraud-config-ha`),
    );
    expect(withTagging).toBe('ok');
  });

  it('Given a configuration encrypted with a customer managed key, When a role without kms:CreateGrant creates an endpoint from it, Then it is refused on the key; a grant for AWS resources via SageMaker lets it', async () => {
    // Given
    const accounts = [givenAccount(), givenAccount()].map((target) => {
      const key = target.kms.seedKey();
      target.sagemaker.inference.seedModel({ name: 'fraud-model' });
      target.sagemaker.inference.seedEndpointConfig({
        name: 'encrypted',
        modelName: 'fraud-model',
        config: { KmsKeyId: key.keyId },
      });
      return { target, keyArn: key.arn };
    });
    const [refused, granted] = accounts as [(typeof accounts)[0], (typeof accounts)[0]];
    const create = allow('sagemaker:CreateEndpoint', [
      `${ARN_PREFIX}:endpoint/*`,
      `${ARN_PREFIX}:endpoint-config/*`,
    ]);
    const command = new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'encrypted' });

    // When
    const withoutGrant = await as(refused.target, [create], command);
    const withGrant = await as(
      granted.target,
      [
        create,
        allow('kms:CreateGrant', granted.keyArn, {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': 'sagemaker.eu-west-1.amazonaws.com' },
        }),
      ],
      command,
    );

    // Then
    expect(withoutGrant).toBe(refusal('kms:CreateGrant', refused.keyArn));
    expect(withGrant).toBe('ok');
    expect(decisionsSince(granted.target).filter((entry) => entry.startsWith('CreateEndpoint'))).toEqual([
      `CreateEndpoint: sagemaker:CreateEndpoint ${ARN_PREFIX}:endpoint/fraud Allowed`,
      `CreateEndpoint: sagemaker:CreateEndpoint ${ARN_PREFIX}:endpoint-config/encrypted Allowed`,
      `CreateEndpoint: kms:CreateGrant ${granted.keyArn} Allowed`,
    ]);
  });

  it('Given a role allowed UpdateEndpoint on endpoints only, When it updates an endpoint, Then it is refused on the endpoint configuration, which UpdateEndpoint also acts on', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);
    account.sagemaker.inference.seedEndpoint({ name: 'fraud', endpointConfigName: 'fraud-config-1' });
    const command = new UpdateEndpointCommand({
      EndpointName: 'fraud',
      EndpointConfigName: 'fraud-config-2',
    });

    // When
    const endpointOnly = await as(
      account,
      [allow('sagemaker:UpdateEndpoint', `${ARN_PREFIX}:endpoint/fraud`)],
      command,
    );

    // Then
    expect(endpointOnly).toBe(
      refusal('sagemaker:UpdateEndpoint', `${ARN_PREFIX}:endpoint-config/fraud-config-2`),
    );
    expect(account.sagemaker.inference.endpointStatusOf('fraud')).toBe('InService');
  });

  it('Given a role allowed to describe one endpoint, When it describes another and lists endpoints, Then both are refused: List calls need Resource "*"', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);
    account.sagemaker.inference.seedEndpoint({ name: 'other', endpointConfigName: 'fraud-config-1' });
    const statements = [
      allow(['sagemaker:DescribeEndpoint', 'sagemaker:ListEndpoints'], `${ARN_PREFIX}:endpoint/fraud`),
    ];

    // When
    const describeOther = await as(
      account,
      statements,
      new DescribeEndpointCommand({ EndpointName: 'other' }),
    );
    const list = await as(account, statements, new ListEndpointsCommand({}), 'lister');

    // Then
    expect(describeOther).toBe(refusal('sagemaker:DescribeEndpoint', `${ARN_PREFIX}:endpoint/other`));
    expect(list).toBe(refusal('sagemaker:ListEndpoints', '*', 'lister'));
  });
});

describe('Inference experiment permissions', () => {
  it('Given a role without sagemaker:UpdateInferenceExperiment, When it sets the data capture key, Then it is refused and nothing changes; with the action on the experiment, the update starts', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.inference.seedInferenceExperiment({ name: 'shadow-test', endpointName: 'fraud' });
    const command = new UpdateInferenceExperimentCommand({
      Name: 'shadow-test',
      DataStorageConfig: { Destination: 's3://captures/shadow-test', KmsKey: 'alias/captures' },
    });
    const experimentArn = `${ARN_PREFIX}:inference-experiment/shadow-test`;

    // When
    const refused = await as(account, [allow('sagemaker:DescribeInferenceExperiment', '*')], command);
    const statusAfterRefusal = account.sagemaker.inference.experimentStatusOf('shadow-test');
    const allowed = await as(
      account,
      [allow('sagemaker:UpdateInferenceExperiment', experimentArn)],
      command,
      'updater',
    );

    // Then
    expect(refused).toBe(refusal('sagemaker:UpdateInferenceExperiment', experimentArn));
    expect(statusAfterRefusal).toBe('Running');
    expect(allowed).toBe('ok');
    expect(account.sagemaker.inference.experimentStatusOf('shadow-test')).toBe('Updating');
  });
});
