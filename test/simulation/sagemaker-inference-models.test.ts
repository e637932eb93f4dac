/**
 * Models and endpoint configurations in the simulated account: created, described, listed and deleted
 * as the SageMaker API does, immutable, validated, with their tags reachable by ARN.
 */
import {
  AddTagsCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import {
  ARN_PREFIX,
  failure,
  givenAccount,
  givenModelAndConfigs,
  IMAGE,
  instanceVariant,
  ROLE,
  SECOND,
  sageMaker,
  stepFunctionsFailure,
} from './sagemaker-inference-fixtures.js';

describe('Models', () => {
  it('Given a CreateModel with an isolated container from a private registry and tags, When it is described, Then it comes back as the API gives it, with its tags by ARN', async () => {
    // Given
    const account = givenAccount();
    const client = sageMaker(account);

    // When
    const { ModelArn } = await client.send(
      new CreateModelCommand({
        ModelName: 'Fraud-Model',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: IMAGE, ImageConfig: { RepositoryAccessMode: 'Vpc' } },
        EnableNetworkIsolation: true,
        VpcConfig: { Subnets: ['subnet-0a1b2c3d4e5f60718'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
        Tags: [{ Key: 'team', Value: 'fraud' }],
      }),
    );
    const { $metadata: _metadata, ...described } = await client.send(
      new DescribeModelCommand({ ModelName: 'fraud-model' }),
    );
    const tags = await client.send(new ListTagsCommand({ ResourceArn: ModelArn }));

    // Then
    expect(ModelArn).toBe(`${ARN_PREFIX}:model/fraud-model`);
    expect(described).toEqual({
      ModelName: 'Fraud-Model',
      PrimaryContainer: { Image: IMAGE, ImageConfig: { RepositoryAccessMode: 'Vpc' } },
      ExecutionRoleArn: ROLE,
      VpcConfig: { Subnets: ['subnet-0a1b2c3d4e5f60718'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'] },
      EnableNetworkIsolation: true,
      CreationTime: account.clock.now(),
      ModelArn,
    });
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'fraud' }]);
  });

  it('Given a model created without EnableNetworkIsolation, When it is described, Then it states false', async () => {
    // Given
    const account = givenAccount();
    const client = sageMaker(account);
    await client.send(
      new CreateModelCommand({ ModelName: 'm', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE } }),
    );

    // When
    const described = await client.send(new DescribeModelCommand({ ModelName: 'm' }));

    // Then
    expect(described.EnableNetworkIsolation).toBe(false);
  });

  it('Given invalid CreateModel requests, When they are sent, Then each violation is named as AWS names it', async () => {
    // Given
    const client = sageMaker(givenAccount());
    const create = (input: Record<string, unknown>) =>
      failure(client.send(new CreateModelCommand(input as never)));

    // When
    const badName = await create({
      ModelName: 'fraud_model',
      PrimaryContainer: { Image: IMAGE, ImageConfig: { RepositoryAccessMode: 'Public' } },
    });
    const noContainer = await create({ ModelName: 'm' });
    const unknownMember = await create({
      ModelName: 'm',
      PrimaryContainer: { Image: IMAGE },
      Isolated: true,
    });

    // Then
    expect(badName).toBe(
      'ValidationException: 2 validation errors detected: ' +
        "Value 'fraud_model' at 'modelName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?; " +
        "Value 'Public' at 'primaryContainer.imageConfig.repositoryAccessMode' failed to satisfy constraint: Member must satisfy enum value set: [Platform, Vpc]",
    );
    expect(noContainer).toMatch(/^ValidationException: Either PrimaryContainer or Containers/);
    expect(unknownMember).toMatch(/^ValidationException: Unknown parameter in input: "Isolated"/);
  });

  it('Given a model, When a model of the same name in other case is created, Then SageMaker refuses the duplicate', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.inference.seedModel({ name: 'fraud-model' });

    // When
    const duplicate = await failure(
      sageMaker(account).send(
        new CreateModelCommand({ ModelName: 'FRAUD-MODEL', PrimaryContainer: { Image: IMAGE } }),
      ),
    );

    // Then
    expect(duplicate).toBe(
      `ValidationException: Cannot create already existing model "${ARN_PREFIX}:model/fraud-model".`,
    );
  });

  it('Given no such model, When a Step Functions task describes or deletes it, Then it fails with the generic SageMaker error and AWS message', async () => {
    // Given
    const account = givenAccount();

    // When
    const described = await stepFunctionsFailure(account, 'describeModel', { ModelName: 'gone' });
    const deleted = await failure(sageMaker(account).send(new DeleteModelCommand({ ModelName: 'gone' })));

    // Then
    expect(described.error).toBe('SageMaker.SageMakerException');
    expect(described.cause).toMatch(
      new RegExp(`^Could not find model "${ARN_PREFIX}:model/gone"\\. \\(.*Error Code: ValidationException`),
    );
    expect(deleted).toBe(`ValidationException: Could not find model "${ARN_PREFIX}:model/gone".`);
  });

  it('Given models and endpoint configurations, When the operations are listed, Then nothing can update them in place', () => {
    // Given
    const account = givenAccount();

    // When
    const operations = Object.keys(account.sagemaker.operations());

    // Then
    expect(operations).toEqual(
      expect.arrayContaining(['CreateModel', 'DeleteModel', 'CreateEndpointConfig']),
    );
    expect(operations.filter((operation) => /^Update(Model|EndpointConfig)/.test(operation))).toEqual([]);
  });

  it('Given five models, When they are listed by name with a page size, Then NameContains, sorting and paging apply', async () => {
    // Given
    const account = givenAccount();
    for (const name of ['fraud-b', 'churn', 'fraud-a', 'fraud-c', 'fraud-d']) {
      account.sagemaker.inference.seedModel({ name });
      account.clock.advance(SECOND);
    }
    const client = sageMaker(account);

    // When
    const first = await client.send(
      new ListModelsCommand({ NameContains: 'FRAUD', SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 3 }),
    );
    const second = await client.send(
      new ListModelsCommand({
        NameContains: 'FRAUD',
        SortBy: 'Name',
        SortOrder: 'Ascending',
        MaxResults: 3,
        NextToken: first.NextToken,
      }),
    );
    const tooMany = await failure(client.send(new ListModelsCommand({ MaxResults: 101 })));

    // Then
    expect(first.Models?.map((model) => model.ModelName)).toEqual(['fraud-a', 'fraud-b', 'fraud-c']);
    expect(second.Models?.map((model) => model.ModelName)).toEqual(['fraud-d']);
    expect(second.NextToken).toBeUndefined();
    expect(tooMany).toMatch(/Member must have value less than or equal to 100$/);
  });
});

describe('Endpoint configurations', () => {
  it('Given a model, When an endpoint configuration with an instance-based and a serverless variant is created, Then Describe shows them with the default weight', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.inference.seedModel({ name: 'fraud-model' });
    const client = sageMaker(account);

    // When
    const { EndpointConfigArn } = await client.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'Fraud-Config',
        ProductionVariants: [
          instanceVariant('fraud-model', 2),
          {
            VariantName: 'Serverless',
            ModelName: 'fraud-model',
            ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
          },
        ],
        Tags: [{ Key: 'team', Value: 'fraud' }],
      }),
    );
    const described = await client.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: 'fraud-config' }),
    );

    // Then
    expect(EndpointConfigArn).toBe(`${ARN_PREFIX}:endpoint-config/fraud-config`);
    expect(described.EndpointConfigName).toBe('Fraud-Config');
    expect(described.ProductionVariants).toEqual([
      { ...instanceVariant('fraud-model', 2), InitialVariantWeight: 1 },
      {
        VariantName: 'Serverless',
        ModelName: 'fraud-model',
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
        InitialVariantWeight: 1,
      },
    ]);
    expect((await client.send(new ListTagsCommand({ ResourceArn: EndpointConfigArn }))).Tags).toEqual([
      { Key: 'team', Value: 'fraud' },
    ]);
  });

  it('Given invalid variants, When the configurations are created, Then SageMaker refuses each', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.inference.seedModel({ name: 'fraud-model' });
    const client = sageMaker(account);
    const create = (name: string, variants: readonly object[], extra: Record<string, unknown> = {}) =>
      failure(
        client.send(
          new CreateEndpointConfigCommand({
            EndpointConfigName: name,
            ProductionVariants: variants as never,
            ...extra,
          }),
        ),
      );

    // When
    const missingModel = await create('a', [instanceVariant('no-such-model')]);
    const serverlessWithCount = await create('b', [
      { ...instanceVariant('fraud-model'), ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
    ]);
    const noCount = await create('c', [
      { VariantName: 'v', ModelName: 'fraud-model', InstanceType: 'ml.m5.large' },
    ]);
    const twoWithShadow = await create(
      'd',
      [instanceVariant('fraud-model'), instanceVariant('fraud-model', 1, { VariantName: 'Second' })],
      { ShadowProductionVariants: [instanceVariant('fraud-model', 1, { VariantName: 'Shadow' })] },
    );
    const badCount = await create('e', [instanceVariant('fraud-model', 0)]);

    // Then
    expect(missingModel).toBe(
      `ValidationException: Could not find model "${ARN_PREFIX}:model/no-such-model".`,
    );
    expect(serverlessWithCount).toMatch(
      /^ValidationException: Variant AllTraffic: a serverless variant cannot/,
    );
    expect(noCount).toMatch(/^ValidationException: Variant v: InitialInstanceCount is required/);
    expect(twoWithShadow).toMatch(/^ValidationException: With ShadowProductionVariants, specify exactly one/);
    expect(badCount).toBe(
      "ValidationException: 1 validation error detected: Value '0' at 'productionVariants.1.member.initialInstanceCount' " +
        'failed to satisfy constraint: Member must have value greater than or equal to 1',
    );
  });

  it('Given an account that checks references strictly, When a configuration names a KMS key that does not exist, Then it is refused; with a seeded key it is created', async () => {
    // Given
    const account = givenAccount({ strictReferences: true });
    account.sagemaker.inference.seedModel({ name: 'fraud-model' });
    const key = account.kms.seedKey();
    const client = sageMaker(account);
    const create = (name: string, KmsKeyId: string) =>
      client.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ProductionVariants: [instanceVariant('fraud-model')],
          KmsKeyId,
        }),
      );

    // When
    const missing = await failure(create('missing-key', 'alias/no-such-key'));
    await create('with-key', key.arn);

    // Then
    expect(missing).toMatch(/^ValidationException: Alias .*alias\/no-such-key is not found\.$/);
    expect(account.sagemaker.inference.hasEndpointConfig('missing-key')).toBe(false);
    expect(account.sagemaker.inference.hasEndpointConfig('with-key')).toBe(true);
  });

  it('Given an endpoint serving a configuration and its model, When both are deleted, Then AWS allows it and the endpoint keeps serving what it deployed', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);
    account.sagemaker.inference.seedEndpoint({ name: 'fraud', endpointConfigName: 'fraud-config-1' });
    const client = sageMaker(account);

    // When
    await client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'fraud-config-1' }));
    await client.send(new DeleteModelCommand({ ModelName: 'fraud-model' }));
    const endpoint = await client.send(new DescribeEndpointCommand({ EndpointName: 'fraud' }));
    const configs = await client.send(new ListEndpointConfigsCommand({}));
    const again = await failure(
      client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'fraud-config-1' })),
    );

    // Then
    expect(endpoint.EndpointStatus).toBe('InService');
    expect(endpoint.EndpointConfigName).toBe('fraud-config-1');
    expect(endpoint.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(1);
    expect(configs.EndpointConfigs?.map((config) => config.EndpointConfigName)).toEqual(['fraud-config-2']);
    expect(again).toBe(
      `ValidationException: Could not find endpoint configuration "${ARN_PREFIX}:endpoint-config/fraud-config-1".`,
    );
  });

  it('Given a seeded configuration with a system tag, When a user tag is added by ARN, Then both are listed and reserved keys stay refused', async () => {
    // Given
    const account = givenAccount();
    const arn = account.sagemaker.inference.seedEndpointConfig({
      name: 'tagged',
      modelName: 'fraud-model',
      tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'inference' }],
    });
    const client = sageMaker(account);

    // When
    await client.send(
      new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 'owner', Value: 'fraud-team' }] }),
    );
    const reserved = await failure(
      client.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 'aws:owner', Value: 'x' }] })),
    );
    const listed = await client.send(new ListTagsCommand({ ResourceArn: arn }));

    // Then
    expect(listed.Tags).toEqual([
      { Key: 'aws:cloudformation:stack-name', Value: 'inference' },
      { Key: 'owner', Value: 'fraud-team' },
    ]);
    expect(reserved).toMatch(/^ValidationException: Tag keys starting with 'aws:' are reserved/);
  });
});
