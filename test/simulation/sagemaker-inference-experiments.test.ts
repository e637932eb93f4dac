/**
 * Inference experiments (shadow tests) in the simulated account: their lifecycle on the schedule and on
 * Start/Stop, UpdateInferenceExperiment only while Created or Running, the modeled ConflictException,
 * ResourceNotFound and ResourceInUse errors, KMS keys checked strictly, listing and tags.
 */
import {
  CreateInferenceExperimentCommand,
  type CreateInferenceExperimentCommandInput,
  DeleteInferenceExperimentCommand,
  DescribeInferenceExperimentCommand,
  ListInferenceExperimentsCommand,
  StartInferenceExperimentCommand,
  StopInferenceExperimentCommand,
  UpdateInferenceExperimentCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import {
  ARN_PREFIX,
  experimentVariant,
  failure,
  givenAccount,
  givenModelAndConfigs,
  ROLE,
  SECOND,
  sageMaker,
  stepFunctionsFailure,
} from './sagemaker-inference-fixtures.js';

const HOUR = 3600 * SECOND;
const EXPERIMENT_ARN = `${ARN_PREFIX}:inference-experiment/shadow-test`;

/** An endpoint `fraud` InService on `fraud-model`, and a second model `candidate`. */
function givenEndpoint(options: { readonly strictReferences?: boolean } = {}): SimulatedAccount {
  const account = givenAccount(options);
  givenModelAndConfigs(account);
  account.sagemaker.inference.seedModel({ name: 'candidate' });
  account.sagemaker.inference.seedEndpoint({ name: 'fraud', endpointConfigName: 'fraud-config-1' });
  return account;
}

function request(
  extra: Partial<CreateInferenceExperimentCommandInput> = {},
): CreateInferenceExperimentCommandInput {
  return {
    Name: 'shadow-test',
    Type: 'ShadowMode',
    RoleArn: ROLE,
    EndpointName: 'fraud',
    ModelVariants: [
      experimentVariant('production', 'fraud-model'),
      experimentVariant('candidate', 'candidate'),
    ],
    ShadowModeConfig: {
      SourceModelVariantName: 'production',
      ShadowModelVariants: [{ ShadowModelVariantName: 'candidate', SamplingPercentage: 20 }],
    },
    ...extra,
  };
}

async function statusOf(account: SimulatedAccount): Promise<string | undefined> {
  return (await sageMaker(account).send(new DescribeInferenceExperimentCommand({ Name: 'shadow-test' })))
    .Status;
}

describe('Inference experiment lifecycle', () => {
  it('Given an experiment scheduled for tomorrow, When it is created and then started, Then it goes Creating, Created, Starting, Running', async () => {
    // Given
    const account = givenEndpoint();
    const client = sageMaker(account);
    const start = new Date(account.clock.nowMs() + 24 * HOUR);

    // When
    const { InferenceExperimentArn } = await client.send(
      new CreateInferenceExperimentCommand(
        request({ Schedule: { StartTime: start }, Tags: [{ Key: 'team', Value: 'fraud' }] }),
      ),
    );
    const statuses = [await statusOf(account)];
    account.clock.advance(60 * SECOND);
    statuses.push(await statusOf(account));
    await client.send(new StartInferenceExperimentCommand({ Name: 'shadow-test' }));
    statuses.push(await statusOf(account));
    account.clock.advance(300 * SECOND);
    statuses.push(await statusOf(account));
    const described = await client.send(new DescribeInferenceExperimentCommand({ Name: 'shadow-test' }));

    // Then
    expect(InferenceExperimentArn).toBe(EXPERIMENT_ARN);
    expect(statuses).toEqual(['Creating', 'Created', 'Starting', 'Running']);
    expect(described).toMatchObject({
      Arn: EXPERIMENT_ARN,
      Type: 'ShadowMode',
      RoleArn: ROLE,
      EndpointMetadata: {
        EndpointName: 'fraud',
        EndpointConfigName: 'fraud-config-1',
        EndpointStatus: 'InService',
      },
      ModelVariants: [
        { VariantName: 'production', Status: 'InService' },
        { VariantName: 'candidate', Status: 'InService' },
      ],
    });
    // Read without IAM: the SAR lists no ListTags resource type for inference experiments.
    expect(account.sagemaker.listTags({ ResourceArn: EXPERIMENT_ARN }).Tags).toEqual([
      { Key: 'team', Value: 'fraud' },
    ]);
  });

  it('Given no Schedule, When the experiment is created, Then it starts on its own and completes after 7 days', async () => {
    // Given
    const account = givenEndpoint();
    await sageMaker(account).send(new CreateInferenceExperimentCommand(request()));

    // When
    account.clock.advance(360 * SECOND);
    const running = await statusOf(account);
    account.clock.advance(7 * 24 * HOUR);
    const described = await sageMaker(account).send(
      new DescribeInferenceExperimentCommand({ Name: 'shadow-test' }),
    );

    // Then
    expect(running).toBe('Running');
    expect(described.Status).toBe('Completed');
    expect(described.CompletionTime).toBeInstanceOf(Date);
  });

  it('Given a running experiment, When it is stopped as cancelled, Then it goes Stopping then Cancelled with the reason, and can then be deleted', async () => {
    // Given
    const account = givenEndpoint();
    account.sagemaker.inference.seedInferenceExperiment({
      name: 'shadow-test',
      endpointName: 'fraud',
      modelName: 'fraud-model',
      shadowModelName: 'candidate',
    });
    const client = sageMaker(account);

    // When
    const whileRunning = await failure(
      client.send(new DeleteInferenceExperimentCommand({ Name: 'shadow-test' })),
    );
    await client.send(
      new StopInferenceExperimentCommand({
        Name: 'shadow-test',
        ModelVariantActions: { production: 'Retain', shadow: 'Remove' },
        DesiredState: 'Cancelled',
        Reason: 'Candidate regressed',
      }),
    );
    const stopping = await statusOf(account);
    account.clock.advance(300 * SECOND);
    const stopped = await client.send(new DescribeInferenceExperimentCommand({ Name: 'shadow-test' }));
    await client.send(new DeleteInferenceExperimentCommand({ Name: 'shadow-test' }));
    const gone = await stepFunctionsFailure(account, 'describeInferenceExperiment', { Name: 'shadow-test' });

    // Then
    expect(whileRunning).toMatch(
      /^ConflictException: Inference experiment .* is Running and cannot be deleted/,
    );
    expect(stopping).toBe('Stopping');
    expect(stopped).toMatchObject({ Status: 'Cancelled', StatusReason: 'Candidate regressed' });
    expect(gone.error).toBe('SageMaker.ResourceNotFoundException');
  });
});

describe('UpdateInferenceExperiment', () => {
  it('Given a running experiment without a data capture key, When the key is set, Then it shows once the update completes and the experiment is Running again', async () => {
    // Given
    const account = givenEndpoint({ strictReferences: true });
    const key = account.kms.seedKey();
    account.sagemaker.inference.seedInferenceExperiment({
      name: 'shadow-test',
      endpointName: 'fraud',
      dataStorageConfig: { Destination: 's3://captures/shadow-test' },
    });
    const client = sageMaker(account);

    // When
    await client.send(
      new UpdateInferenceExperimentCommand({
        Name: 'shadow-test',
        DataStorageConfig: { Destination: 's3://captures/shadow-test', KmsKey: key.arn },
      }),
    );
    const updating = await client.send(new DescribeInferenceExperimentCommand({ Name: 'shadow-test' }));
    account.clock.advance(60 * SECOND);
    const updated = await client.send(new DescribeInferenceExperimentCommand({ Name: 'shadow-test' }));

    // Then
    expect(updating.Status).toBe('Updating');
    expect(updating.DataStorageConfig?.KmsKey).toBeUndefined();
    expect(updated.Status).toBe('Running');
    expect(updated.DataStorageConfig).toEqual({ Destination: 's3://captures/shadow-test', KmsKey: key.arn });
  });

  it('Given experiments Creating, Updating and Completed, When they are updated, Then each is a ConflictException, as Step Functions names it', async () => {
    // Given
    const account = givenEndpoint();
    const inference = account.sagemaker.inference;
    for (const [name, status] of [
      ['creating', 'Creating'],
      ['updating', 'Updating'],
      ['completed', 'Completed'],
    ] as const) {
      inference.seedInferenceExperiment({ name, endpointName: 'fraud', status });
    }

    // When
    const results = await Promise.all(
      ['creating', 'updating', 'completed'].map((Name) =>
        failure(sageMaker(account).send(new UpdateInferenceExperimentCommand({ Name, Description: 'x' }))),
      ),
    );
    const task = await stepFunctionsFailure(account, 'updateInferenceExperiment', {
      Name: 'completed',
      Description: 'x',
    });

    // Then
    expect(results).toEqual([
      expect.stringMatching(
        /^ConflictException: .* is Creating and cannot be updated: it must be Created or Running\.$/,
      ),
      expect.stringMatching(/^ConflictException: .* is Updating and cannot be updated/),
      expect.stringMatching(/^ConflictException: .* is Completed and cannot be updated/),
    ]);
    expect(task.error).toBe('SageMaker.ConflictException');
  });

  it('Given a running experiment, When its start time or an unknown variant is changed, Then SageMaker refuses; an unknown experiment is ResourceNotFound', async () => {
    // Given
    const account = givenEndpoint();
    account.sagemaker.inference.seedInferenceExperiment({ name: 'shadow-test', endpointName: 'fraud' });
    const client = sageMaker(account);
    const update = (input: Record<string, unknown>) =>
      failure(client.send(new UpdateInferenceExperimentCommand({ Name: 'shadow-test', ...input })));

    // When
    const newStart = await update({ Schedule: { StartTime: new Date(account.clock.nowMs() + HOUR) } });
    const unknownVariant = await update({ ModelVariants: [experimentVariant('other', 'candidate')] });
    const missing = await failure(client.send(new UpdateInferenceExperimentCommand({ Name: 'nope' })));

    // Then
    expect(newStart).toMatch(/^ValidationException: The start time of a Running inference experiment/);
    expect(unknownVariant).toMatch(/^ValidationException: Model variant other is not part of the experiment/);
    expect(missing).toBe(
      `ResourceNotFound: Could not find inference experiment "${ARN_PREFIX}:inference-experiment/nope".`,
    );
  });
});

describe('CreateInferenceExperiment checks', () => {
  it('Given an existing experiment, a missing endpoint or model, or a missing key, When experiments are created, Then SageMaker refuses each', async () => {
    // Given
    const account = givenEndpoint({ strictReferences: true });
    const client = sageMaker(account);
    await client.send(new CreateInferenceExperimentCommand(request()));
    const create = (extra: Partial<CreateInferenceExperimentCommandInput>) =>
      failure(client.send(new CreateInferenceExperimentCommand(request({ Name: 'other', ...extra }))));

    // When
    const duplicate = await failure(
      client.send(new CreateInferenceExperimentCommand(request({ Name: 'Shadow-Test' }))),
    );
    const noEndpoint = await create({ EndpointName: 'no-endpoint' });
    const noModel = await create({
      ModelVariants: [
        experimentVariant('production', 'fraud-model'),
        experimentVariant('candidate', 'no-model'),
      ],
    });
    const noKey = await create({ KmsKey: 'alias/no-such-key' });
    const badShadow = await create({
      ShadowModeConfig: {
        SourceModelVariantName: 'production',
        ShadowModelVariants: [{ ShadowModelVariantName: 'production', SamplingPercentage: 20 }],
      },
    });

    // Then
    expect(duplicate).toBe(`ResourceInUse: Inference experiment "${EXPERIMENT_ARN}" already exists.`);
    expect(noEndpoint).toBe(
      `ValidationException: Could not find endpoint "${ARN_PREFIX}:endpoint/no-endpoint".`,
    );
    expect(noModel).toBe(`ValidationException: Could not find model "${ARN_PREFIX}:model/no-model".`);
    expect(noKey).toMatch(/^ValidationException: Alias .*alias\/no-such-key is not found\.$/);
    expect(badShadow).toMatch(/^ValidationException: The shadow variant must differ/);
  });

  it('Given experiments in several statuses, When they are listed by status, Then only those come back, newest first', async () => {
    // Given
    const account = givenEndpoint();
    for (const [name, status] of [
      ['a-running', 'Running'],
      ['b-completed', 'Completed'],
      ['c-running', 'Running'],
    ] as const) {
      account.sagemaker.inference.seedInferenceExperiment({ name, endpointName: 'fraud', status });
      account.clock.advance(SECOND);
    }

    // When
    const listed = await sageMaker(account).send(
      new ListInferenceExperimentsCommand({ StatusEquals: 'Running' }),
    );

    // Then
    expect(listed.InferenceExperiments?.map((experiment) => experiment.Name)).toEqual([
      'c-running',
      'a-running',
    ]);
  });
});
