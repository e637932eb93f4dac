/**
 * SageMaker.5: a model without network isolation, replaced after an approval by an isolated copy, with a
 * copy of every endpoint configuration that uses it; the endpoints serving them moved and watched, then
 * the old configurations and model deleted. A failure at any step puts the model, its configurations
 * and the endpoints back as they were.
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
  MODEL,
  modelNow,
  tagsOf,
} from './endpoint-fixtures.js';
import { alertOutcomes, alerts, deniedCalls, findingNow, lockItems, statesOf } from './workflow-fixtures.js';

/** A second configuration of the model that no endpoint uses, and one of another model. */
const SPARE = 'churn-config-spare';
const OTHER = 'other-config';

function givenUnisolatedModel(): LocalDeployment {
  const deployment = givenServingEndpoints();
  const { inference } = deployment.account.sagemaker;
  inference.seedEndpointConfig({ name: SPARE, modelName: MODEL });
  inference.seedModel({ name: 'other-model' });
  inference.seedEndpointConfig({ name: OTHER, modelName: 'other-model' });
  return deployment;
}

/** The names the copies get (planning names them the same way). */
function copies(deployment: LocalDeployment) {
  const named = (name: string, description: Record<string, unknown> | undefined) =>
    replacementName('replace-model', name, description ?? {});
  return {
    model: named(MODEL, modelNow(deployment, MODEL)),
    config: named(CONFIG, endpointConfigNow(deployment, CONFIG)),
    spare: named(SPARE, endpointConfigNow(deployment, SPARE)),
  };
}

async function approvedRun(deployment: LocalDeployment, finding: AwsSecurityFinding) {
  const executions = await importedThenClicked(deployment, finding, 'approve');
  const run = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
  if (!run) throw new Error('no execution took a snapshot');
  return run;
}

const modelsOf = (deployment: LocalDeployment, config: string) =>
  endpointConfigNow(deployment, config)?.ProductionVariants.map((variant) => variant.ModelName);

/** As before: the model and its configurations as they were, the endpoints on CONFIG, no copy left. */
function expectAsBefore(deployment: LocalDeployment, copy: ReturnType<typeof copies>) {
  for (const name of ENDPOINTS) {
    expect(endpointNow(deployment, name)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: CONFIG,
    });
  }
  expect(endpointConfigNames(deployment)).toEqual([CONFIG, SPARE, OTHER].sort());
  expect(modelsOf(deployment, CONFIG)).toEqual([MODEL, MODEL]);
  expect(modelNow(deployment, MODEL)?.EnableNetworkIsolation).toBe(false);
  expect(modelNow(deployment, copy.model)).toBeUndefined();
}

function expectFailureNoted(deployment: LocalDeployment, finding: AwsSecurityFinding) {
  const note = findingNow(deployment, finding).Note?.Text ?? '';
  expect(note).toContain(`The replacement of model ${MODEL} failed`);
  expect(note).toContain('Its definition was put back from the snapshot');
  expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
  expect(lockItems(deployment)).toEqual([]);
}

describe('SageMaker.5 on a model EnableNetworkIsolation', () => {
  it('Given a model served by two endpoints, When the plan is approved, Then an isolated copy serves them through copied configurations, and the old model and configurations are deleted', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    const before = modelNow(deployment, MODEL);
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('SUCCEEDED');
    expect(modelNow(deployment, copy.model)).toMatchObject({
      EnableNetworkIsolation: true,
      PrimaryContainer: before?.PrimaryContainer,
      ExecutionRoleArn: before?.ExecutionRoleArn,
    });
    const copiedModelArn = String(modelNow(deployment, copy.model)?.ModelArn);
    expect(tagsOf(deployment, copiedModelArn)).toEqual([{ Key: 'team', Value: 'churn' }]);
    for (const name of ENDPOINTS) {
      expect(endpointNow(deployment, name)).toMatchObject({
        EndpointStatus: 'InService',
        EndpointConfigName: copy.config,
      });
    }
    // Both configurations of the model copied (naming the copy), the other model's untouched
    expect(endpointConfigNames(deployment)).toEqual([copy.config, copy.spare, OTHER].sort());
    expect(modelsOf(deployment, copy.config)).toEqual([copy.model, copy.model]);
    expect(modelsOf(deployment, copy.spare)).toEqual([copy.model]);
    expect(modelsOf(deployment, OTHER)).toEqual(['other-model']);
    expect(modelNow(deployment, MODEL)).toBeUndefined();
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect(
      deployment.account.s3.keys(
        deployment.resourceSnapshotBucket,
        `resources/${deployment.account.accountId}/${deployment.account.region}/model/${MODEL}/`,
      ),
    ).toHaveLength(1);
    expect(lockItems(deployment)).toEqual([]);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('Given the approval request, Then it warns that the container loses its network and names the configurations and endpoints', async () => {
    const deployment = givenUnisolatedModel();
    const finding = findingOn('SageMaker.5', MODEL);

    await importedThenClicked(deployment, finding, 'reject');

    const request = alerts(deployment)[0]?.Message ?? '';
    expect(request).toContain('the container then has no network access at run time');
    expect(request).toContain(`The 2 endpoint configurations using it (${CONFIG}, ${SPARE})`);
    expect(request).toContain(`The 2 endpoints serving them (${ENDPOINTS.join(', ')})`);
    expect(deployment.account.callsTo('SageMaker', 'CreateModel')).toEqual([]);
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      `The replacement of model ${MODEL} was rejected`,
    );
  });

  it('Given nobody answers, When the approval window closes, Then nothing is created or moved and the finding says the plan expired', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    const finding = findingOn('SageMaker.5', MODEL);

    await importedThenClicked(deployment, finding);

    for (const operation of ['CreateModel', 'CreateEndpointConfig', 'UpdateEndpoint', 'DeleteModel']) {
      expect(deployment.account.callsTo('SageMaker', operation)).toEqual([]);
    }
    expectAsBefore(deployment, copy);
    expect(findingNow(deployment, finding).Note?.Text).toContain(
      `Nobody approved the replacement of model ${MODEL} in time`,
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given the isolated model copy cannot be created, Then no configuration is copied, nothing moves, and the finding says the definition was put back', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateModel',
      code: 'ResourceLimitExceeded',
      resourceName: copy.model,
    });
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(expect.arrayContaining(['CreateReplacement', 'RollBackResourceChange']));
    const created = (name: string) =>
      deployment.account
        .callsTo('SageMaker', 'CreateEndpointConfig')
        .filter(
          (call) =>
            call.outcome === 'ok' &&
            (call.input as { EndpointConfigName?: string }).EndpointConfigName === name,
        );
    expect(created(copy.config)).toEqual([]);
    expect(deployment.account.callsTo('SageMaker', 'UpdateEndpoint')).toEqual([]);
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given UpdateEndpoint is refused for the second endpoint, Then the first is moved back, the copies deleted and the finding says so', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'UpdateEndpoint',
      code: 'ResourceLimitExceeded',
      resourceName: ENDPOINTS[1],
    });
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(expect.arrayContaining(['MoveEndpointsBack', 'RollBackResourceChange']));
    expect(statesOf(run)).not.toContain('RetireReplaced');
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given the isolated copy cannot be read back for the verification, Then the old model and configurations are created again and the endpoints moved back to them', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'DescribeModel',
      code: 'ValidationException',
      resourceName: copy.model,
      times: 5,
    });
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['RetireReplaced', 'VerifyChangedResource', 'RollBackResourceChange']),
    );
    // The roll-back created the old model and configurations again and moved the endpoints back; the
    // copies stay while endpoints update away from them (the restore tool then deletes them)
    afterMinutes(deployment, 15);
    for (const name of ENDPOINTS) {
      expect(endpointNow(deployment, name)).toMatchObject({
        EndpointStatus: 'InService',
        EndpointConfigName: CONFIG,
      });
    }
    expect(modelsOf(deployment, CONFIG)).toEqual([MODEL, MODEL]);
    expect(modelNow(deployment, MODEL)?.EnableNetworkIsolation).toBe(false);
    expectFailureNoted(deployment, finding);
    expect(alerts(deployment).at(-1)?.Message).toContain('ValidationException');
  });

  it('Given the second configuration copy cannot be created, Then the model copy and the first configuration copy are deleted and nothing moved', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'CreateEndpointConfig',
      code: 'ResourceLimitExceeded',
      resourceName: copy.spare,
    });
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(deployment.account.callsTo('SageMaker', 'UpdateEndpoint')).toEqual([]);
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given the isolated container fails its health check and the update rolls back, Then everything is put back', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    deployment.account.sagemaker.inference.failNextUpdate(ENDPOINTS[1], 'The container could not reach S3');
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['RecordMovedEndpointRolledBack', 'MoveEndpointsBack']),
    );
    expectAsBefore(deployment, copy);
    expectFailureNoted(deployment, finding);
  });

  it('Given the old model cannot be deleted after its configurations were, Then they are created again and the endpoints moved back to them', async () => {
    const deployment = givenUnisolatedModel();
    const copy = copies(deployment);
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'DeleteModel',
      code: 'ResourceLimitExceeded',
      resourceName: MODEL,
    });
    const finding = findingOn('SageMaker.5', MODEL);

    const run = await approvedRun(deployment, finding);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(expect.arrayContaining(['RetireReplaced', 'MoveEndpointsBack']));
    expectAsBefore(deployment, copy);
    const restored = endpointConfigNow(deployment, CONFIG)?.EndpointConfigArn ?? '';
    expect(tagsOf(deployment, restored)).toEqual([{ Key: 'team', Value: 'churn' }]);
    expectFailureNoted(deployment, finding);
  });
});
