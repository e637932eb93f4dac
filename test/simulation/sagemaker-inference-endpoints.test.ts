/**
 * Endpoints in the simulated account: Creating -> InService, Updating -> InService on the new
 * configuration, a failed update rolled back to the old one, Deleting -> gone; AWS's wrong-state and
 * not-found errors, RetainAllVariantProperties, KMS grants, listing and tags.
 */
import {
  CreateEndpointCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  ListEndpointsCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import {
  ARN_PREFIX,
  failure,
  givenAccount,
  givenModelAndConfigs,
  IMAGE,
  instanceVariant,
  SECOND,
  sageMaker,
  stepFunctionsFailure,
} from './sagemaker-inference-fixtures.js';

const ENDPOINT_ARN = `${ARN_PREFIX}:endpoint/fraud`;

function describeFraud(account: SimulatedAccount) {
  return sageMaker(account).send(new DescribeEndpointCommand({ EndpointName: 'fraud' }));
}

/** An account with the model, its two configurations and endpoint `fraud` InService on `fraud-config-1`. */
function givenServingEndpoint() {
  const account = givenAccount();
  givenModelAndConfigs(account);
  account.sagemaker.inference.seedEndpoint({ name: 'fraud', endpointConfigName: 'fraud-config-1' });
  return account;
}

describe('Endpoint creation', () => {
  it('Given a configuration, When an endpoint is created, Then it is Creating for 7 minutes and then InService with its variants as deployed', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);

    // When
    const { EndpointArn } = await sageMaker(account).send(
      new CreateEndpointCommand({
        EndpointName: 'Fraud',
        EndpointConfigName: 'fraud-config-2',
        Tags: [{ Key: 'team', Value: 'fraud' }],
      }),
    );
    const creating = await describeFraud(account);
    account.clock.advance(420 * SECOND);
    const inService = await describeFraud(account);

    // Then
    expect(EndpointArn).toBe(ENDPOINT_ARN);
    expect(creating).toMatchObject({
      EndpointName: 'Fraud',
      EndpointStatus: 'Creating',
      EndpointConfigName: 'fraud-config-2',
    });
    expect(creating.ProductionVariants).toBeUndefined();
    expect(inService.EndpointStatus).toBe('InService');
    expect(inService.LastModifiedTime).toEqual(account.clock.now());
    expect(inService.ProductionVariants).toEqual([
      {
        VariantName: 'AllTraffic',
        DeployedImages: [
          {
            SpecifiedImage: IMAGE,
            ResolvedImage: expect.stringMatching(
              /^111122223333\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/fraud-detector@sha256:[0-9a-f]{64}$/,
            ),
            ResolutionTime: inService.CreationTime,
          },
        ],
        CurrentWeight: 1,
        DesiredWeight: 1,
        CurrentInstanceCount: 2,
        DesiredInstanceCount: 2,
      },
    ]);
    expect((await sageMaker(account).send(new ListTagsCommand({ ResourceArn: EndpointArn }))).Tags).toEqual([
      { Key: 'team', Value: 'fraud' },
    ]);
  });

  it('Given a missing configuration or an existing endpoint, When CreateEndpoint is called, Then AWS refuses it', async () => {
    // Given
    const account = givenServingEndpoint();
    const client = sageMaker(account);

    // When
    const noConfig = await failure(
      client.send(new CreateEndpointCommand({ EndpointName: 'other', EndpointConfigName: 'no-such-config' })),
    );
    const duplicate = await failure(
      client.send(new CreateEndpointCommand({ EndpointName: 'FRAUD', EndpointConfigName: 'fraud-config-1' })),
    );

    // Then
    expect(noConfig).toBe(
      `ValidationException: Could not find endpoint configuration "${ARN_PREFIX}:endpoint-config/no-such-config".`,
    );
    expect(duplicate).toBe(`ValidationException: Cannot create already existing endpoint "${ENDPOINT_ARN}".`);
  });

  it('Given a creation set to fail, When it completes, Then the endpoint is Failed with the reason, cannot be updated, and can be deleted', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);
    account.sagemaker.inference.failNextCreate(
      'fraud',
      'The primary container did not pass the ping health check.',
    );
    const client = sageMaker(account);
    await client.send(
      new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-1' }),
    );

    // When
    account.clock.advance(420 * SECOND);
    const failed = await describeFraud(account);
    const update = await failure(
      client.send(new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' })),
    );
    await client.send(new DeleteEndpointCommand({ EndpointName: 'fraud' }));

    // Then
    expect(failed).toMatchObject({
      EndpointStatus: 'Failed',
      FailureReason: 'The primary container did not pass the ping health check.',
    });
    expect(failed.ProductionVariants).toBeUndefined();
    expect(update).toMatch(/^ValidationException: Cannot update endpoint .* in status Failed\.$/);
    expect(account.sagemaker.inference.endpointStatusOf('fraud')).toBe('Deleting');
  });
});

describe('Endpoint updates', () => {
  it('Given an endpoint InService, When it is updated, Then it serves the old configuration while Updating and the new one once InService', async () => {
    // Given
    const account = givenServingEndpoint();

    // When
    const { EndpointArn } = await sageMaker(account).send(
      new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' }),
    );
    const updating = await describeFraud(account);
    account.clock.advance(420 * SECOND);
    const updated = await describeFraud(account);

    // Then
    expect(EndpointArn).toBe(ENDPOINT_ARN);
    expect(updating).toMatchObject({
      EndpointStatus: 'Updating',
      EndpointConfigName: 'fraud-config-1',
      ProductionVariants: [{ CurrentInstanceCount: 1 }],
      PendingDeploymentSummary: {
        EndpointConfigName: 'fraud-config-2',
        ProductionVariants: [
          { VariantName: 'AllTraffic', DesiredInstanceCount: 2, InstanceType: 'ml.m5.large' },
        ],
      },
    });
    expect(updated).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'fraud-config-2',
      ProductionVariants: [{ CurrentInstanceCount: 2, DesiredInstanceCount: 2 }],
    });
    expect(updated.PendingDeploymentSummary).toBeUndefined();
    expect(updated.FailureReason).toBeUndefined();
  });

  it('Given an update set to fail, When it runs, Then the endpoint goes from Updating straight back to InService on the old configuration with the reason (RollingBack is for capacity changes only)', async () => {
    // Given
    const account = givenServingEndpoint();
    account.sagemaker.inference.failNextUpdate('fraud', 'Insufficient capacity for ml.m5.large.');
    await sageMaker(account).send(
      new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' }),
    );

    // When
    const statuses: (string | undefined)[] = [];
    for (const seconds of [0, 419, 1, 180]) {
      account.clock.advance(seconds * SECOND);
      statuses.push((await describeFraud(account)).EndpointStatus);
    }
    const after = await describeFraud(account);

    // Then
    expect(statuses).toEqual(['Updating', 'Updating', 'InService', 'InService']);
    expect(after).toMatchObject({
      EndpointConfigName: 'fraud-config-1',
      FailureReason: 'Insufficient capacity for ml.m5.large.',
      ProductionVariants: [{ CurrentInstanceCount: 1 }],
    });
    expect(after.PendingDeploymentSummary).toBeUndefined();
  });

  it('Given an endpoint being created or updated, When it is updated or deleted, Then AWS answers "Cannot update in-progress endpoint", under the generic name in Step Functions', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);
    const client = sageMaker(account);
    await client.send(
      new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-1' }),
    );

    // When
    const updateWhileCreating = await failure(
      client.send(new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' })),
    );
    const deleteWhileCreating = await failure(
      client.send(new DeleteEndpointCommand({ EndpointName: 'fraud' })),
    );
    account.clock.advance(420 * SECOND);
    await client.send(
      new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' }),
    );
    const task = await stepFunctionsFailure(account, 'updateEndpoint', {
      EndpointName: 'fraud',
      EndpointConfigName: 'fraud-config-1',
    });

    // Then
    const inProgress = `ValidationException: Cannot update in-progress endpoint "${ENDPOINT_ARN}".`;
    expect(updateWhileCreating).toBe(inProgress);
    expect(deleteWhileCreating).toBe(inProgress);
    expect(task.error).toBe('SageMaker.SageMakerException');
    expect(task.cause).toMatch(/^Cannot update in-progress endpoint .*Error Code: ValidationException/);
  });

  it('Given an endpoint on one instance, When it is updated to a two-instance configuration retaining variant properties, Then it keeps one instance unless the count is excluded', async () => {
    // Given
    const account = givenServingEndpoint();
    const client = sageMaker(account);

    // When
    await client.send(
      new UpdateEndpointCommand({
        EndpointName: 'fraud',
        EndpointConfigName: 'fraud-config-2',
        RetainAllVariantProperties: true,
      }),
    );
    account.clock.advance(420 * SECOND);
    const retained = await describeFraud(account);
    await client.send(
      new UpdateEndpointCommand({
        EndpointName: 'fraud',
        EndpointConfigName: 'fraud-config-2',
        RetainAllVariantProperties: true,
        ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredInstanceCount' }],
      }),
    );
    account.clock.advance(420 * SECOND);
    const excluded = await describeFraud(account);

    // Then
    expect(retained.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(1);
    expect(excluded.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(2);
  });

  it('Given a configuration whose model was deleted, When an endpoint is updated to it, Then SageMaker refuses it', async () => {
    // Given
    const account = givenServingEndpoint();
    account.sagemaker.inference.seedEndpointConfig({
      name: 'orphan',
      productionVariants: [instanceVariant('deleted-model', 2)],
    });

    // When
    const refused = await failure(
      sageMaker(account).send(
        new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'orphan' }),
      ),
    );

    // Then
    expect(refused).toBe(`ValidationException: Could not find model "${ARN_PREFIX}:model/deleted-model".`);
    expect(account.sagemaker.inference.endpointStatusOf('fraud')).toBe('InService');
  });
});

describe('Endpoint deletion, listing and keys', () => {
  it('Given an endpoint InService, When it is deleted, Then it is Deleting for a minute, its name stays taken meanwhile, and then it is not found', async () => {
    // Given
    const account = givenServingEndpoint();
    const client = sageMaker(account);

    // When
    await client.send(new DeleteEndpointCommand({ EndpointName: 'fraud' }));
    const deleting = await describeFraud(account);
    const recreate = await failure(
      client.send(new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' })),
    );
    account.clock.advance(60 * SECOND);
    const gone = await failure(describeFraud(account));

    // Then
    expect(deleting.EndpointStatus).toBe('Deleting');
    expect(recreate).toBe(`ValidationException: Cannot create already existing endpoint "${ENDPOINT_ARN}".`);
    expect(gone).toBe(`ValidationException: Could not find endpoint "${ENDPOINT_ARN}".`);
  });

  it('Given endpoints in several statuses, When they are listed with StatusEquals, NameContains and pages, Then only the matching ones come back', async () => {
    // Given
    const account = givenAccount();
    givenModelAndConfigs(account);
    const inference = account.sagemaker.inference;
    for (const [name, status] of [
      ['fraud-a', 'InService'],
      ['fraud-b', 'Updating'],
      ['fraud-c', 'InService'],
      ['churn', 'InService'],
    ] as const) {
      inference.seedEndpoint({ name, endpointConfigName: 'fraud-config-1', status });
      account.clock.advance(SECOND);
    }
    const client = sageMaker(account);

    // When
    const first = await client.send(
      new ListEndpointsCommand({
        StatusEquals: 'InService',
        NameContains: 'fraud',
        MaxResults: 1,
        SortOrder: 'Ascending',
      }),
    );
    const second = await client.send(
      new ListEndpointsCommand({
        StatusEquals: 'InService',
        NameContains: 'fraud',
        MaxResults: 1,
        SortOrder: 'Ascending',
        NextToken: first.NextToken,
      }),
    );
    const badStatus = await failure(
      client.send(new ListEndpointsCommand({ StatusEquals: 'Running' as never })),
    );

    // Then
    expect(first.Endpoints?.map((endpoint) => endpoint.EndpointName)).toEqual(['fraud-a']);
    expect(second.Endpoints?.map((endpoint) => [endpoint.EndpointName, endpoint.EndpointStatus])).toEqual([
      ['fraud-c', 'InService'],
    ]);
    expect(second.NextToken).toBeUndefined();
    expect(badStatus).toMatch(
      /at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set/,
    );
  });

  it('Given a configuration encrypted with a KMS key, When an endpoint is created from it and deleted, Then SageMaker grants itself the key and retires the grant', async () => {
    // Given
    const account = givenAccount({ strictReferences: true });
    const key = account.kms.seedKey();
    account.sagemaker.inference.seedModel({ name: 'fraud-model' });
    account.sagemaker.inference.seedEndpointConfig({
      name: 'encrypted',
      modelName: 'fraud-model',
      config: { KmsKeyId: key.keyId },
    });
    const client = sageMaker(account);

    // When
    await client.send(new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'encrypted' }));
    const granted = account.kms.grants(key.keyId).map((grant) => grant.Name);
    account.clock.advance(420 * SECOND);
    await client.send(new DeleteEndpointCommand({ EndpointName: 'fraud' }));
    account.clock.advance(60 * SECOND);

    // Then
    expect(granted).toEqual([ENDPOINT_ARN]);
    expect(account.sagemaker.inference.endpointStatusOf('fraud')).toBeUndefined();
    expect(account.kms.grants(key.keyId)).toEqual([]);
  });

  it('Given a disabled key, When an endpoint is created from a configuration using it, Then SageMaker relays KMS refusal', async () => {
    // Given
    const account = givenAccount({ strictReferences: true });
    const key = account.kms.seedKey({ keyState: 'Disabled' });
    account.sagemaker.inference.seedModel({ name: 'fraud-model' });
    account.sagemaker.inference.seedEndpointConfig({
      name: 'encrypted',
      modelName: 'fraud-model',
      config: { KmsKeyId: key.arn },
    });

    // When
    const refused = await failure(
      sageMaker(account).send(
        new CreateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'encrypted' }),
      ),
    );

    // Then
    expect(refused).toMatch(/^ValidationException: .*is disabled/);
    expect(account.sagemaker.inference.endpointStatusOf('fraud')).toBeUndefined();
  });

  it('Given longer durations set on the family, When an endpoint is updated, Then the transition takes that long', async () => {
    // Given
    const account = givenServingEndpoint();
    account.sagemaker.inference.setDurations({ endpointUpdateSeconds: 900 });

    // When
    await sageMaker(account).send(
      new UpdateEndpointCommand({ EndpointName: 'fraud', EndpointConfigName: 'fraud-config-2' }),
    );
    account.clock.advance(899 * SECOND);
    const before = account.sagemaker.inference.endpointStatusOf('fraud');
    account.clock.advance(SECOND);

    // Then
    expect(before).toBe('Updating');
    expect(account.sagemaker.inference.endpointStatusOf('fraud')).toBe('InService');
    expect(account.sagemaker.inference.endpointConfigNameOf('fraud')).toBe('fraud-config-2');
  });
});
