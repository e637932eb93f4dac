/**
 * SageMaker.4: an endpoint configuration whose instance-based variant starts on one instance, replaced
 * after an approval by a copy on two instances: the endpoints using it moved with UpdateEndpoint and
 * watched until they run the copy, then the old configuration deleted. A verified snapshot first; a
 * failure at any step moves the endpoints back and removes the copy.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { replacementName } from '../../handlers/shared/changes/endpoint-replacement.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import {
  afterMinutes,
  CONFIG,
  ENDPOINTS,
  endpointConfigNames,
  endpointConfigNow,
  endpointNow,
  findingOn,
  givenServingEndpoints,
  importedThenClicked,
  tagsOf,
} from './endpoint-fixtures.js';
import { alertOutcomes, alerts, deniedCalls, findingNow, lockItems, statesOf } from './workflow-fixtures.js';

function copyName(deployment: LocalDeployment): string {
  const described = endpointConfigNow(deployment, CONFIG);
  if (!described) throw new Error(`${CONFIG} is gone`);
  return replacementName('replace-endpoint-config', CONFIG, described);
}

function approvedRun(deployment: LocalDeployment, finding: AwsSecurityFinding) {
  return importedThenClicked(deployment, finding, 'approve').then((executions) => {
    const run = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
    if (!run) throw new Error('no execution took a snapshot');
    return run;
  });
}

/** As before the change: every endpoint InService on the old configuration, the copy gone. */
function expectAsBefore(deployment: LocalDeployment, copy: string) {
  for (const name of ENDPOINTS) {
    expect(endpointNow(deployment, name)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: CONFIG,
    });
  }
  expect(endpointConfigNames(deployment)).toEqual([CONFIG]);
  expect(endpointConfigNow(deployment, copy)).toBeUndefined();
}

function expectFailureNoted(deployment: LocalDeployment, finding: AwsSecurityFinding) {
  const note = findingNow(deployment, finding).Note?.Text ?? '';
  expect(note).toContain(`The replacement of endpoint configuration ${CONFIG} failed`);
  expect(note).toContain('Its definition was put back from the snapshot');
  expect(findingNow(deployment, finding).Workflow?.Status).toBe('NOTIFIED');
  expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
  expect(lockItems(deployment)).toEqual([]);
}

describe('SageMaker.4 on an endpoint configuration ProductionVariants[].InitialInstanceCount', () => {
  it('Given a configuration on one instance used by two endpoints, When the plan is approved, Then a copy on two instances serves both endpoints, the old one is deleted and the finding is RESOLVED', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('SUCCEEDED');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining([
        'SnapshotResource',
        'CreateReplacement',
        'MoveEndpointsToReplacement',
        'DescribeMovedEndpoint',
        'RetireReplaced',
        'VerifyChangedResource',
        'PrepareResourceResolvedClosing',
      ]),
    );
    for (const name of ENDPOINTS) {
      expect(endpointNow(deployment, name)).toMatchObject({
        EndpointStatus: 'InService',
        EndpointConfigName: copy,
      });
    }
    // The copy: two instances, the serverless variant as it was, the user's tags kept
    const variants = endpointConfigNow(deployment, copy)?.ProductionVariants;
    expect(variants?.map((variant) => [variant.VariantName, variant.InitialInstanceCount])).toEqual([
      ['AllTraffic', 2],
      ['Serverless', undefined],
    ]);
    expect(variants?.[1]?.ServerlessConfig).toEqual({ MemorySizeInMB: 2048, MaxConcurrency: 5 });
    const copyArn = endpointConfigNow(deployment, copy)?.EndpointConfigArn ?? '';
    expect(tagsOf(deployment, copyArn)).toEqual([{ Key: 'team', Value: 'churn' }]);
    expect(endpointConfigNames(deployment)).toEqual([copy]);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect(
      deployment.account.s3.keys(
        deployment.resourceSnapshotBucket,
        `resources/${deployment.account.accountId}/${deployment.account.region}/endpoint-config/${CONFIG}/`,
      ),
    ).toHaveLength(1);
    expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'RESOLVED']);
    expect(lockItems(deployment)).toEqual([]);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('Given the approval request, Then it names the endpoints, the instance counts before and after, and the cost', async () => {
    const deployment = givenServingEndpoints();
    const finding = findingOn('SageMaker.4', CONFIG);

    await importedThenClicked(deployment, finding, 'reject');

    const request = alerts(deployment)[0];
    expect(request?.Subject).toBe(`SageMaker approval needed: replacement ${CONFIG}`);
    expect(request?.Message).toContain(`The 2 endpoints using it (${ENDPOINTS.join(', ')}) move to the copy`);
    expect(request?.Message).toContain('variant AllTraffic (ml.m5.large) from 1 to 2 instances');
    expect(request?.Message).toContain('Each extra instance costs as much as the first');
  });

  it('Given the plan is rejected, Then nothing changes and the finding says so', async () => {
    const deployment = givenServingEndpoints();
    const finding = findingOn('SageMaker.4', CONFIG);

    await importedThenClicked(deployment, finding, 'reject');

    expect(deployment.account.callsTo('SageMaker', 'CreateEndpointConfig')).toEqual([]);
    expect(deployment.account.callsTo('SageMaker', 'UpdateEndpoint')).toEqual([]);
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      `The replacement of endpoint configuration ${CONFIG} was rejected`,
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given nobody answers, When the approval window closes, Then nothing changes and the finding says the plan expired', async () => {
    const deployment = givenServingEndpoints();
    const finding = findingOn('SageMaker.4', CONFIG);

    await importedThenClicked(deployment, finding);

    expect(deployment.account.callsTo('SageMaker', 'CreateEndpointConfig')).toEqual([]);
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      `Nobody approved the replacement of endpoint configuration ${CONFIG} in time`,
    );
  });

  it('Given the copy cannot be created, Then nothing moves, and the finding says the definition was put back', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateEndpointConfig',
      code: 'ResourceLimitExceeded',
    });
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(deployment.account.callsTo('SageMaker', 'UpdateEndpoint')).toEqual([]);
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given UpdateEndpoint is refused for the second endpoint, Then the first is moved back and the copy deleted', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'UpdateEndpoint',
      code: 'ResourceLimitExceeded',
      resourceName: ENDPOINTS[1],
    });
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(expect.arrayContaining(['MoveEndpointsBack', 'RollBackResourceChange']));
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given an endpoint update that fails and rolls back, Then the run fails, every endpoint ends on the old configuration and the copy is deleted', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    deployment.account.sagemaker.inference.failNextUpdate(
      ENDPOINTS[0],
      'Model container failed the ping health check',
    );
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['RecordMovedEndpointRolledBack', 'MoveEndpointsBack']),
    );
    expect(statesOf(run)).not.toContain('RetireReplaced');
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
    expect(findingNow(deployment, finding).Note?.Text).toContain('EndpointUpdateRolledBack');
  });

  it('Given the old configuration cannot be deleted, Then the endpoints go back to it and the copy is deleted', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'DeleteEndpointConfig',
      code: 'ResourceLimitExceeded',
      resourceName: CONFIG,
    });
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(expect.arrayContaining(['RetireReplaced', 'MoveEndpointsBack']));
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given the copy cannot be read back for the verification, Then the endpoints are moved back to the old configuration', async () => {
    const deployment = givenServingEndpoints();
    const copy = copyName(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeEndpointConfig',
      code: 'ValidationException',
      resourceName: copy,
      times: 5,
    });
    const finding = findingOn('SageMaker.4', CONFIG);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['VerifyChangedResource', 'RollBackResourceChange']),
    );
    // The roll-back recreated the old configuration and moved the endpoints back; the copy stays until
    // no endpoint updates away from it (the restore tool then deletes it)
    afterMinutes(deployment, 15);
    for (const name of ENDPOINTS) {
      expect(endpointNow(deployment, name)).toMatchObject({
        EndpointStatus: 'InService',
        EndpointConfigName: CONFIG,
      });
    }
    expect(endpointConfigNow(deployment, CONFIG)?.ProductionVariants[0]?.InitialInstanceCount).toBe(1);
    expectFailureNoted(deployment, finding);
  });
});
