/**
 * The simulated images, app image configurations (simulation/account/sagemaker-monitoring-images.ts)
 * and feature groups (sagemaker-monitoring-feature-groups.ts), driven through SDK commands.
 */
import {
  AddTagsCommand,
  CreateAppImageConfigCommand,
  CreateFeatureGroupCommand,
  type CreateFeatureGroupCommandInput,
  CreateImageCommand,
  DeleteAppImageConfigCommand,
  DeleteFeatureGroupCommand,
  DeleteImageCommand,
  DescribeAppImageConfigCommand,
  DescribeFeatureGroupCommand,
  DescribeImageCommand,
  ListTagsCommand,
  UpdateAppImageConfigCommand,
  UpdateImageCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ID, arnOf, failureOf, givenAccount, ROLE, SECOND } from './sagemaker-monitoring-fixtures.js';

const FEATURES = [
  { FeatureName: 'customer_id', FeatureType: 'String' as const },
  { FeatureName: 'event_time', FeatureType: 'Fractional' as const },
];

function featureGroupRequest(
  overrides: Partial<CreateFeatureGroupCommandInput> = {},
): CreateFeatureGroupCommandInput {
  return {
    FeatureGroupName: 'Customers',
    RecordIdentifierFeatureName: 'customer_id',
    EventTimeFeatureName: 'event_time',
    FeatureDefinitions: FEATURES,
    OnlineStoreConfig: { EnableOnlineStore: true },
    ...overrides,
  };
}

describe('Images', () => {
  it('Given CreateImage with tags, When described over time, Then CREATING, then CREATED 15 s later, and its tags are listed by ARN', async () => {
    // Given
    const account = givenAccount();
    const { sagemaker } = account.sdkClients();

    // When
    const { ImageArn } = await sagemaker.send(
      new CreateImageCommand({
        ImageName: 'Team-Image',
        RoleArn: ROLE,
        DisplayName: 'Team',
        Tags: [{ Key: 'team', Value: 'ml' }],
      }),
    );
    const creating = await sagemaker.send(new DescribeImageCommand({ ImageName: 'team-image' }));
    account.clock.advance(15 * SECOND);
    const created = await sagemaker.send(new DescribeImageCommand({ ImageName: 'team-image' }));
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: String(ImageArn) }));

    // Then
    expect(ImageArn).toBe(arnOf('image', 'team-image'));
    expect(creating.ImageStatus).toBe('CREATING');
    expect(created).toMatchObject({
      ImageName: 'Team-Image',
      ImageStatus: 'CREATED',
      DisplayName: 'Team',
      RoleArn: ROLE,
    });
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
  });

  it('Given an image being created, When it is updated or deleted, Then ResourceInUse; once CREATED, the update clears the display name and ends CREATED', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedImage({ name: 'img', status: 'CREATING', displayName: 'Old' });
    const { sagemaker } = account.sdkClients();
    const update = () =>
      sagemaker.send(new UpdateImageCommand({ ImageName: 'img', DeleteProperties: ['DisplayName'] }));

    // When
    const busyUpdate = await failureOf(update());
    const busyDelete = await failureOf(sagemaker.send(new DeleteImageCommand({ ImageName: 'img' })));
    account.clock.advance(15 * SECOND);
    await update();
    const updating = await sagemaker.send(new DescribeImageCommand({ ImageName: 'img' }));
    account.clock.advance(15 * SECOND);
    const updated = await sagemaker.send(new DescribeImageCommand({ ImageName: 'img' }));

    // Then
    expect([busyUpdate.name, busyDelete.name]).toEqual(['ResourceInUse', 'ResourceInUse']);
    expect(updating.ImageStatus).toBe('UPDATING');
    expect(updated.ImageStatus).toBe('CREATED');
    expect(updated.DisplayName).toBeUndefined();
  });

  it('Given an image, When it is deleted, Then DELETING, then ResourceNotFound', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedImage({ name: 'img' });
    const { sagemaker } = account.sdkClients();

    // When
    await sagemaker.send(new DeleteImageCommand({ ImageName: 'img' }));
    const deleting = await sagemaker.send(new DescribeImageCommand({ ImageName: 'img' }));
    account.clock.advance(15 * SECOND);
    const gone = await failureOf(sagemaker.send(new DescribeImageCommand({ ImageName: 'img' })));

    // Then
    expect(deleting.ImageStatus).toBe('DELETING');
    expect(gone.name).toBe('ResourceNotFound');
  });

  it('Given an image name with a space and no role, When created, Then one ValidationException names both', async () => {
    // Given
    const { sagemaker } = givenAccount().sdkClients();

    // When
    const error = await failureOf(sagemaker.send(new CreateImageCommand({ ImageName: 'bad name' } as never)));

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/^2 validation errors detected: .*'roleArn'.*'imageName'/);
  });
});

describe('App image configurations', () => {
  it('Given an app image config without tags, When the required tags are added by ARN, Then ListTags shows them (the SageMaker.6 fix)', async () => {
    // Given
    const account = givenAccount();
    const arn = account.sagemaker.monitoring.seedAppImageConfig({ name: 'Kernels' });
    const { sagemaker } = account.sdkClients();

    // When
    await sagemaker.send(
      new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: 'owner', Value: 'platform' }] }),
    );
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }));

    // Then
    expect(arn).toBe(arnOf('app-image-config', 'kernels'));
    expect(tags.Tags).toEqual([{ Key: 'owner', Value: 'platform' }]);
  });

  it('Given a config, When a JupyterLab configuration is added by update, Then Describe shows both, and after deletion ResourceNotFound', async () => {
    // Given
    const { sagemaker } = givenAccount().sdkClients();
    const kernels = { KernelSpecs: [{ Name: 'python3' }] };
    await sagemaker.send(
      new CreateAppImageConfigCommand({ AppImageConfigName: 'cfg', KernelGatewayImageConfig: kernels }),
    );
    const jupyter = { ContainerConfig: { ContainerArguments: ['--debug'] } };

    // When
    await sagemaker.send(
      new UpdateAppImageConfigCommand({ AppImageConfigName: 'cfg', JupyterLabAppImageConfig: jupyter }),
    );
    const described = await sagemaker.send(new DescribeAppImageConfigCommand({ AppImageConfigName: 'cfg' }));
    await sagemaker.send(new DeleteAppImageConfigCommand({ AppImageConfigName: 'cfg' }));
    const gone = await failureOf(
      sagemaker.send(new DescribeAppImageConfigCommand({ AppImageConfigName: 'cfg' })),
    );

    // Then
    expect(described).toMatchObject({ KernelGatewayImageConfig: kernels, JupyterLabAppImageConfig: jupyter });
    expect(gone.name).toBe('ResourceNotFound');
  });
});

describe('Feature groups', () => {
  it('Given an offline store with a key, When the group is created and described by ARN, Then Creating, then Created, with the key and the resolved S3 location', async () => {
    // Given
    const account = givenAccount();
    const { sagemaker } = account.sdkClients();
    const keyId = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const offline = { S3StorageConfig: { S3Uri: 's3://features/', KmsKeyId: keyId } };

    // When
    const { FeatureGroupArn } = await sagemaker.send(
      new CreateFeatureGroupCommand(featureGroupRequest({ OfflineStoreConfig: offline, RoleArn: ROLE })),
    );
    const creating = await sagemaker.send(new DescribeFeatureGroupCommand({ FeatureGroupName: 'Customers' }));
    account.clock.advance(60 * SECOND);
    const created = await sagemaker.send(
      new DescribeFeatureGroupCommand({ FeatureGroupName: String(FeatureGroupArn) }),
    );

    // Then
    expect(FeatureGroupArn).toBe(arnOf('feature-group', 'customers'));
    expect(creating.FeatureGroupStatus).toBe('Creating');
    expect(created.FeatureGroupStatus).toBe('Created');
    expect(created.OfflineStoreConfig?.S3StorageConfig).toMatchObject({
      KmsKeyId: keyId,
      ResolvedOutputS3Uri: expect.stringMatching(
        /^s3:\/\/features\/111122223333\/sagemaker\/eu-west-1\/offline-store\/Customers-\d+\/data$/,
      ),
    });
    expect(created.OnlineStoreConfig).toEqual({ EnableOnlineStore: true });
  });

  it.each([
    [
      'no store',
      { OnlineStoreConfig: undefined },
      'at least one of OnlineStoreConfig and OfflineStoreConfig',
    ],
    ['an unknown record identifier', { RecordIdentifierFeatureName: 'id' }, 'RecordIdentifierFeatureName id'],
    [
      'an offline store without a role',
      { OfflineStoreConfig: { S3StorageConfig: { S3Uri: 's3://f' } } },
      'RoleArn is required',
    ],
  ])(
    'Given %s, When the feature group is created, Then ValidationException',
    async (_case, overrides, message) => {
      // Given
      const { sagemaker } = givenAccount().sdkClients();

      // When
      const error = await failureOf(
        sagemaker.send(new CreateFeatureGroupCommand(featureGroupRequest(overrides))),
      );

      // Then
      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain(message);
    },
  );

  it('Given a created group, When it is created again and then deleted, Then ResourceInUse, then Deleting and gone 60 s later', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedFeatureGroup({ name: 'Customers' });
    const { sagemaker } = account.sdkClients();

    // When
    const duplicate = await failureOf(sagemaker.send(new CreateFeatureGroupCommand(featureGroupRequest())));
    await sagemaker.send(new DeleteFeatureGroupCommand({ FeatureGroupName: 'customers' }));
    const deleting = await sagemaker.send(new DescribeFeatureGroupCommand({ FeatureGroupName: 'Customers' }));
    account.clock.advance(60 * SECOND);

    // Then
    expect(duplicate.name).toBe('ResourceInUse');
    expect(deleting.FeatureGroupStatus).toBe('Deleting');
    expect(account.sagemaker.monitoring.hasFeatureGroup('Customers')).toBe(false);
  });

  it('Given KMS is modelled, When a group names a key that does not exist for its online store, Then ValidationException', async () => {
    // Given
    const account = givenAccount();
    account.kms.seedKey();
    const { sagemaker } = account.sdkClients();
    const missing = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/00000000-0000-0000-0000-000000000000`;

    // When
    const error = await failureOf(
      sagemaker.send(
        new CreateFeatureGroupCommand(
          featureGroupRequest({ OnlineStoreConfig: { SecurityConfig: { KmsKeyId: missing } } }),
        ),
      ),
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(missing);
  });
});
