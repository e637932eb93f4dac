/**
 * The replace-endpoint-config change module (SageMaker.4) on its own: the calls of each step, worked out
 * from a snapshot alone, and the copy's name.
 */
import { describe, expect, it } from 'vitest';
import { replacementName } from '../../handlers/shared/changes/endpoint-replacement.js';
import { replaceEndpointConfig } from '../../handlers/shared/changes/replace-endpoint-config.js';
import type { ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';

const ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:endpoint-config/churn-config';
const DESCRIPTION = {
  EndpointConfigName: 'churn-config',
  EndpointConfigArn: ARN,
  CreationTime: '2026-11-01T10:00:00.000Z',
  ProductionVariants: [
    {
      VariantName: 'AllTraffic',
      ModelName: 'churn-model',
      InitialInstanceCount: 1,
      InstanceType: 'ml.m5.large',
    },
    {
      VariantName: 'Burst',
      ModelName: 'churn-model',
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
    },
  ],
  DataCaptureConfig: {
    InitialSamplingPercentage: 10,
    DestinationS3Uri: 's3://capture/churn',
    CaptureOptions: [],
  },
  KmsKeyId: 'alias/endpoints',
};
const COPY = replacementName('replace-endpoint-config', 'churn-config', DESCRIPTION);
const ENDPOINTS = ['churn-live', 'churn-canary'];

function snapshot(endpoints: readonly string[] = ENDPOINTS): ResourceSnapshot {
  return {
    version: 1,
    kind: 'endpoint-config',
    arn: ARN,
    name: 'churn-config',
    takenAt: '2026-11-23T09:05:00.000Z',
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:machine:execution-0001',
    fixes: ['SageMaker.4'],
    description: DESCRIPTION,
    tags: [
      { Key: 'team', Value: 'churn' },
      { Key: 'aws:cloudformation:stack-name', Value: 'churn' },
    ],
    related: {
      replacementName: COPY,
      endpoints: endpoints.map((name) => ({ EndpointName: name, EndpointConfigName: 'churn-config' })),
      raised: [{ VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', before: 1, after: 2 }],
    },
  };
}

const on = (endpoint: string, config: string) => ({
  read: { operation: 'DescribeEndpoint', input: { EndpointName: endpoint } },
  member: 'EndpointConfigName',
  equals: config,
});

describe('replace-endpoint-config requests', () => {
  it('Given the snapshot, When the copy is created, Then it has two instances, every other member and the user tags, and is skipped if there', () => {
    const [create, ...rest] = replaceEndpointConfig.requests(snapshot(), 'create');

    expect(rest).toEqual([]);
    expect(create).toEqual({
      operation: 'CreateEndpointConfig',
      input: {
        EndpointConfigName: COPY,
        ProductionVariants: [
          { ...DESCRIPTION.ProductionVariants[0], InitialInstanceCount: 2 },
          DESCRIPTION.ProductionVariants[1],
        ],
        DataCaptureConfig: DESCRIPTION.DataCaptureConfig,
        KmsKeyId: 'alias/endpoints',
        Tags: [{ Key: 'team', Value: 'churn' }],
      },
      alreadyDone: 'exists',
    });
  });

  it('Given the snapshot, When the endpoints move, Then each is updated to the copy only while it still runs the old configuration', () => {
    expect(replaceEndpointConfig.requests(snapshot(), 'move')).toEqual(
      ENDPOINTS.map((endpoint) => ({
        operation: 'UpdateEndpoint',
        input: { EndpointName: endpoint, EndpointConfigName: COPY },
        onlyIf: on(endpoint, 'churn-config'),
      })),
    );
  });

  it('Given the snapshot, When the old configuration is retired, Then it is deleted, done if gone', () => {
    expect(replaceEndpointConfig.requests(snapshot(), 'retire')).toEqual([
      {
        operation: 'DeleteEndpointConfig',
        input: { EndpointConfigName: 'churn-config' },
        alreadyDone: 'not-found',
      },
    ]);
  });

  it('Given the snapshot, When it is restored, Then the old configuration is there again, the endpoints on the copy go back, and the copy is deleted only once all are back', () => {
    const requests = replaceEndpointConfig.requests(snapshot(), 'restore');

    expect(requests.map((request) => request.operation)).toEqual([
      'CreateEndpointConfig',
      'UpdateEndpoint',
      'UpdateEndpoint',
      'DeleteEndpointConfig',
    ]);
    // The old one exactly as it was (its own name, its own counts), skipped while it exists
    expect(requests[0]?.input).toMatchObject({
      EndpointConfigName: 'churn-config',
      ProductionVariants: DESCRIPTION.ProductionVariants,
    });
    expect(requests[0]?.input).not.toHaveProperty('EndpointConfigArn');
    expect(requests[0]?.input).not.toHaveProperty('CreationTime');
    expect(requests[0]?.alreadyDone).toBe('exists');
    expect(requests[1]).toMatchObject({
      input: { EndpointName: 'churn-live', EndpointConfigName: 'churn-config' },
      onlyIf: on('churn-live', COPY),
    });
    expect(requests[3]).toEqual({
      operation: 'DeleteEndpointConfig',
      input: { EndpointConfigName: COPY },
      alreadyDone: 'not-found',
      onlyIf: ENDPOINTS.map((endpoint) => on(endpoint, 'churn-config')),
    });
    // Moving back alone (the state machine's failure path) is the same without the deletion
    expect(replaceEndpointConfig.requests(snapshot(), 'move-back')).toEqual(requests.slice(0, 3));
  });

  it('Given no endpoint uses the configuration, When it is restored, Then the copy is deleted without a condition', () => {
    const requests = replaceEndpointConfig.requests(snapshot([]), 'restore');

    expect(requests.map((request) => request.operation)).toEqual([
      'CreateEndpointConfig',
      'DeleteEndpointConfig',
    ]);
    expect(requests[1]).not.toHaveProperty('onlyIf');
  });

  it('Given the snapshot, Then the state machine watches each endpoint for the copy, and verifies the copy', () => {
    expect(replaceEndpointConfig.watched?.(snapshot())).toEqual(
      ENDPOINTS.map((endpoint) => ({ endpoint, config: COPY, from: 'churn-config' })),
    );
    expect(replaceEndpointConfig.target?.(snapshot())).toEqual({
      name: COPY,
      arn: `arn:aws:sagemaker:eu-west-1:111122223333:endpoint-config/${COPY.toLowerCase()}`,
    });
  });

  it('Given an unknown step, Then it is refused', () => {
    expect(() => replaceEndpointConfig.requests(snapshot(), 'apply')).toThrow('has no step apply');
  });
});

describe('replacementName', () => {
  it('Given a long name already replaced once, Then the copy keeps one suffix and at most 63 characters', () => {
    const long = `${'a'.repeat(60)}-fx0123abcd`;

    const name = replacementName('replace-endpoint-config', long, DESCRIPTION);

    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^a+-fx[0-9a-f]{8}$/);
    expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
  });

  it('Given the same configuration, Then planning and the snapshot name the same copy, and another engine another one', () => {
    const again = replacementName('replace-endpoint-config', 'churn-config', { ...DESCRIPTION });

    expect(again).toBe(COPY);
    expect(replacementName('replace-model', 'churn-config', DESCRIPTION)).not.toBe(COPY);
  });
});

describe('replace-endpoint-config approval words', () => {
  it('Given no endpoint uses the configuration, Then the request says nothing serving traffic changes', () => {
    const words = replaceEndpointConfig.describeRelated?.({ ...snapshot([]).related }) ?? '';

    expect(words).toContain('No endpoint uses this configuration now');
    expect(words).toContain('nothing costs more until one does');
  });

  it('Given more endpoints than one plan moves, Then planning refuses with their count', () => {
    const many = Array.from({ length: 11 }, (_, index) => `endpoint-${index}`);

    const refusal = replaceEndpointConfig.refusal?.(DESCRIPTION, snapshot(many).related, {} as never);

    expect(refusal?.outcome).toBe('NOTIFIED');
    expect(refusal?.reason).toContain('11 endpoints use it');
  });
});
