/**
 * The List calls of notebook instances, images, app image configurations and feature groups in the
 * simulated account (simulation/account/sagemaker-listings.ts): filters, sort orders and pages as the
 * API reference describes them, and each call's own IAM action on `*`.
 */
import {
  ListAppImageConfigsCommand,
  ListFeatureGroupsCommand,
  ListImagesCommand,
  ListNotebookInstancesCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { allow, givenRole, sessionArnOf } from './authorization-fixtures.js';
import { failure, givenAccount, SECOND, sageMaker } from './sagemaker-inference-fixtures.js';

describe('the List calls of notebooks, images, app image configurations and feature groups', () => {
  it('Given five notebooks, When listed a page of two at a time, Then the pages follow each other by name and a filter on status applies', async () => {
    // Given
    const account = givenAccount();
    for (const name of ['team-c', 'team-a', 'other', 'team-b', 'team-d']) {
      account.sagemaker.seedNotebook({ name, status: name === 'team-b' ? 'Stopped' : 'InService' });
      account.clock.advance(SECOND);
    }
    const client = sageMaker(account);

    // When
    const first = await client.send(
      new ListNotebookInstancesCommand({ NameContains: 'TEAM', MaxResults: 2 }),
    );
    const second = await client.send(
      new ListNotebookInstancesCommand({ NameContains: 'TEAM', MaxResults: 2, NextToken: first.NextToken }),
    );
    const stopped = await client.send(new ListNotebookInstancesCommand({ StatusEquals: 'Stopped' }));

    // Then
    expect(
      [first, second].map((page) => page.NotebookInstances?.map((notebook) => notebook.NotebookInstanceName)),
    ).toEqual([
      ['team-a', 'team-b'],
      ['team-c', 'team-d'],
    ]);
    expect(second.NextToken).toBeUndefined();
    expect(
      stopped.NotebookInstances?.map((notebook) => [
        notebook.NotebookInstanceName,
        notebook.NotebookInstanceStatus,
      ]),
    ).toEqual([['team-b', 'Stopped']]);
    expect(Object.keys(first.NotebookInstances?.[0] ?? {}).sort()).toEqual([
      'CreationTime',
      'InstanceType',
      'LastModifiedTime',
      'NotebookInstanceArn',
      'NotebookInstanceName',
      'NotebookInstanceStatus',
      'Url',
    ]);
  });

  it('Given three images, When listed without a sort, Then the newest comes first (CREATION_TIME, DESCENDING), and IMAGE_NAME ASCENDING sorts by name', async () => {
    // Given
    const account = givenAccount();
    for (const name of ['beta', 'alpha', 'gamma']) {
      account.sagemaker.monitoring.seedImage({ name });
      account.clock.advance(SECOND);
    }
    const client = sageMaker(account);

    // When
    const byDefault = await client.send(new ListImagesCommand({}));
    const byName = await client.send(new ListImagesCommand({ SortBy: 'IMAGE_NAME', SortOrder: 'ASCENDING' }));

    // Then
    expect(byDefault.Images?.map((image) => image.ImageName)).toEqual(['gamma', 'alpha', 'beta']);
    expect(byName.Images?.map((image) => image.ImageName)).toEqual(['alpha', 'beta', 'gamma']);
    expect(byDefault.Images?.[0]).not.toHaveProperty('RoleArn');
  });

  it('Given two app image configurations and two feature groups, When listed with a name filter, Then only the matching ones come back, with their configuration or statuses', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedAppImageConfig({ name: 'team-kernel' });
    account.sagemaker.monitoring.seedAppImageConfig({ name: 'other-kernel' });
    account.sagemaker.monitoring.seedFeatureGroup({ name: 'team-features' });
    account.sagemaker.monitoring.seedFeatureGroup({ name: 'other-features', status: 'Creating' });
    const client = sageMaker(account);

    // When
    const configs = await client.send(new ListAppImageConfigsCommand({ NameContains: 'team' }));
    const groups = await client.send(
      new ListFeatureGroupsCommand({ NameContains: 'features', SortBy: 'Name' }),
    );
    const creating = await client.send(
      new ListFeatureGroupsCommand({ FeatureGroupStatusEquals: 'Creating' }),
    );

    // Then
    expect(
      configs.AppImageConfigs?.map((config) => [config.AppImageConfigName, config.KernelGatewayImageConfig]),
    ).toEqual([['team-kernel', { KernelSpecs: [{ Name: 'python3', DisplayName: 'Python 3' }] }]]);
    expect(groups.FeatureGroupSummaries?.map((group) => group.FeatureGroupName)).toEqual([
      'team-features',
      'other-features',
    ]);
    expect(
      creating.FeatureGroupSummaries?.map((group) => [group.FeatureGroupName, group.FeatureGroupStatus]),
    ).toEqual([['other-features', 'Creating']]);
  });

  it('Given a request with an unknown sort key or too large a page, When listed, Then SageMaker refuses it with a ValidationException', async () => {
    // Given
    const account = givenAccount();
    const client = sageMaker(account);

    // When
    const sortKey = await failure(client.send(new ListImagesCommand({ SortBy: 'Name' as never })));
    const page = await failure(client.send(new ListNotebookInstancesCommand({ MaxResults: 101 })));

    // Then
    expect(sortKey).toBe(
      "ValidationException: 1 validation error detected: Value 'Name' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CREATION_TIME, LAST_MODIFIED_TIME, IMAGE_NAME]",
    );
    expect(page).toMatch(/^ValidationException: .*Member must have value less than or equal to 100$/);
  });

  it('Given a role allowed only ListNotebookInstances, When it lists notebooks and images, Then the first is allowed on * and the second refused on its own action', async () => {
    // Given
    const account = givenAccount();
    const client = sageMaker(
      account,
      givenRole(account, 'auditor', [allow('sagemaker:ListNotebookInstances', '*')]),
    );

    // When
    const notebooks = await client.send(new ListNotebookInstancesCommand({}));
    const images = await failure(client.send(new ListImagesCommand({})));

    // Then
    expect(notebooks.NotebookInstances).toEqual([]);
    expect(images).toBe(
      `AccessDeniedException: User: ${sessionArnOf('auditor')} is not authorized to perform: sagemaker:ListImages on resource: * because no identity-based policy allows the sagemaker:ListImages action`,
    );
  });
});
