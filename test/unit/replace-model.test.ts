/**
 * The replace-model change module (SageMaker.5) on its own: the calls of each step, from a snapshot
 * that lists the configurations using the model and the endpoints serving them.
 */
import { describe, expect, it } from 'vitest';
import { replaceModel } from '../../handlers/shared/changes/replace-model.js';
import type { ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';

const ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:model/churn-model';
const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-Models';
const DESCRIPTION = {
  ModelName: 'churn-model',
  ModelArn: ARN,
  CreationTime: '2026-11-01T10:00:00.000Z',
  ExecutionRoleArn: ROLE,
  PrimaryContainer: { Image: 'registry/churn:1.4', ModelDataUrl: 's3://models/churn/model.tar.gz' },
  EnableNetworkIsolation: false,
  DeploymentRecommendation: { RecommendationStatus: 'COMPLETED' },
};
const variant = (model: string) => ({
  VariantName: 'AllTraffic',
  ModelName: model,
  InitialInstanceCount: 2,
  InstanceType: 'ml.m5.large',
});
const SHADOW = {
  VariantName: 'Shadow',
  ModelName: 'other-model',
  InitialInstanceCount: 1,
  InstanceType: 'ml.m5.large',
};

const SNAPSHOT: ResourceSnapshot = {
  version: 1,
  kind: 'model',
  arn: ARN,
  name: 'churn-model',
  takenAt: '2026-11-23T09:05:00.000Z',
  executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:machine:execution-0001',
  fixes: ['SageMaker.5'],
  description: DESCRIPTION,
  tags: [{ Key: 'team', Value: 'churn' }],
  related: {
    replacementName: 'churn-model-fx00000001',
    configs: [
      {
        name: 'churn-config',
        replacementName: 'churn-config-fx00000002',
        definition: { ProductionVariants: [variant('Churn-Model')], ShadowProductionVariants: [SHADOW] },
        tags: [{ Key: 'team', Value: 'churn' }],
      },
      {
        name: 'churn-spare',
        replacementName: 'churn-spare-fx00000003',
        definition: { ProductionVariants: [variant('churn-model')] },
        tags: [],
      },
    ],
    endpoints: [
      { EndpointName: 'churn-live', EndpointConfigName: 'churn-config', EndpointStatus: 'InService' },
    ],
  },
};

const endpointOn = (config: string) => ({
  read: { operation: 'DescribeEndpoint', input: { EndpointName: 'churn-live' } },
  member: 'EndpointConfigName',
  equals: config,
});

describe('replace-model requests', () => {
  it('Given the snapshot, When the copies are created, Then the model is isolated and every configuration names it, the other variants as they were', () => {
    const [model, ...configs] = replaceModel.requests(SNAPSHOT, 'create');

    expect(model).toEqual({
      operation: 'CreateModel',
      input: {
        ModelName: 'churn-model-fx00000001',
        PrimaryContainer: DESCRIPTION.PrimaryContainer,
        ExecutionRoleArn: ROLE,
        EnableNetworkIsolation: true,
        Tags: [{ Key: 'team', Value: 'churn' }],
      },
      alreadyDone: 'exists',
    });
    expect(configs.map((request) => request.input)).toEqual([
      {
        EndpointConfigName: 'churn-config-fx00000002',
        ProductionVariants: [variant('churn-model-fx00000001')],
        ShadowProductionVariants: [SHADOW],
        Tags: [{ Key: 'team', Value: 'churn' }],
      },
      {
        EndpointConfigName: 'churn-spare-fx00000003',
        ProductionVariants: [variant('churn-model-fx00000001')],
      },
    ]);
  });

  it('Given the snapshot, When the endpoints move, Then each goes to the copy of its own configuration', () => {
    expect(replaceModel.requests(SNAPSHOT, 'move')).toEqual([
      {
        operation: 'UpdateEndpoint',
        input: { EndpointName: 'churn-live', EndpointConfigName: 'churn-config-fx00000002' },
        onlyIf: endpointOn('churn-config'),
      },
    ]);
    expect(replaceModel.watched?.(SNAPSHOT)).toEqual([
      { endpoint: 'churn-live', config: 'churn-config-fx00000002', from: 'churn-config' },
    ]);
  });

  it('Given the snapshot, When the old ones retire, Then the configurations go before the model, each done if gone', () => {
    expect(replaceModel.requests(SNAPSHOT, 'retire')).toEqual([
      {
        operation: 'DeleteEndpointConfig',
        input: { EndpointConfigName: 'churn-config' },
        alreadyDone: 'not-found',
      },
      {
        operation: 'DeleteEndpointConfig',
        input: { EndpointConfigName: 'churn-spare' },
        alreadyDone: 'not-found',
      },
      { operation: 'DeleteModel', input: { ModelName: 'churn-model' }, alreadyDone: 'not-found' },
    ]);
  });

  it('Given the snapshot, When it is restored, Then the originals are there again, the endpoint goes back, and the copies go only once it is back', () => {
    const requests = replaceModel.requests(SNAPSHOT, 'restore');

    expect(requests.map((request) => `${request.operation} ${Object.values(request.input)[0]}`)).toEqual([
      'CreateModel churn-model',
      'CreateEndpointConfig churn-config',
      'CreateEndpointConfig churn-spare',
      'UpdateEndpoint churn-live',
      'DeleteEndpointConfig churn-config-fx00000002',
      'DeleteEndpointConfig churn-spare-fx00000003',
      'DeleteModel churn-model-fx00000001',
    ]);
    expect(requests[0]?.input).toMatchObject({ EnableNetworkIsolation: false });
    expect(requests[0]?.input).not.toHaveProperty('DeploymentRecommendation');
    expect(requests[1]?.input).toMatchObject({ ProductionVariants: [variant('Churn-Model')] });
    expect(requests[3]).toMatchObject({
      input: { EndpointConfigName: 'churn-config' },
      onlyIf: endpointOn('churn-config-fx00000002'),
    });
    expect(requests[4]?.onlyIf).toEqual([endpointOn('churn-config')]);
    // No endpoint served the spare configuration: its copy goes at once
    expect(requests[5]).not.toHaveProperty('onlyIf');
    expect(requests[6]?.onlyIf).toEqual([endpointOn('churn-config')]);
    expect(replaceModel.requests(SNAPSHOT, 'move-back')).toEqual(requests.slice(0, 4));
  });

  it('Given the snapshot, Then the verification reads the isolated copy', () => {
    expect(replaceModel.target?.(SNAPSHOT)).toEqual({
      name: 'churn-model-fx00000001',
      arn: 'arn:aws:sagemaker:eu-west-1:111122223333:model/churn-model-fx00000001',
    });
  });

  it('Given a model no configuration uses, Then the request says nothing serving traffic changes, and warns about the network', () => {
    const words = replaceModel.describeRelated?.({ ...SNAPSHOT.related, configs: [], endpoints: [] }) ?? '';

    expect(words).toContain('No endpoint configuration uses the model');
    expect(words).toContain('no network access at run time');
  });
});
