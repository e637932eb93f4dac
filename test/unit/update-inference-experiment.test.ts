/**
 * The update-inference-experiment change module (SageMaker.24) on its own: its calls from a snapshot,
 * what planning refuses, and the dataCaptureKmsKeyId setting it takes the key from.
 */
import { describe, expect, it } from 'vitest';
import { updateInferenceExperiment } from '../../handlers/shared/changes/update-inference-experiment.js';
import type { ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import type { RuntimeSettings } from '../../handlers/shared/runtime-settings.js';
import { loadConfiguration, toRuntimeSettings } from '../../stacks/configuration.js';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0b7e3c5d-4a1f-4e8b-9c2d-6f5a4b3c2d1e';
const STORAGE = { Destination: 's3://capture/churn', ContentType: { CsvContentTypes: ['text/csv'] } };
const DESCRIPTION = { Name: 'churn-shadow', Status: 'Running', DataStorageConfig: STORAGE };

function snapshot(related: Record<string, unknown> = { kmsKeyId: KEY }): ResourceSnapshot {
  return {
    version: 1,
    kind: 'inference-experiment',
    arn: 'arn:aws:sagemaker:eu-west-1:111122223333:inference-experiment/churn-shadow',
    name: 'churn-shadow',
    takenAt: '2026-11-23T09:05:00.000Z',
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:machine:execution-0001',
    fixes: ['SageMaker.24'],
    description: DESCRIPTION,
    tags: [],
    related,
  };
}

const settings = (dataCaptureKmsKeyId?: string) =>
  ({ ...(dataCaptureKmsKeyId ? { dataCaptureKmsKeyId } : {}) }) as RuntimeSettings;

describe('update-inference-experiment requests', () => {
  it('Given the snapshot, When applied, Then its DataStorageConfig is sent with the configured key and every other member', () => {
    expect(updateInferenceExperiment.requests(snapshot(), 'apply')).toEqual([
      {
        operation: 'UpdateInferenceExperiment',
        input: { Name: 'churn-shadow', DataStorageConfig: { ...STORAGE, KmsKey: KEY } },
      },
    ]);
  });

  it('Given the snapshot, When restored, Then its DataStorageConfig goes back only while the experiment has the configured key', () => {
    expect(updateInferenceExperiment.requests(snapshot(), 'restore')).toEqual([
      {
        operation: 'UpdateInferenceExperiment',
        input: { Name: 'churn-shadow', DataStorageConfig: STORAGE },
        onlyIf: {
          read: { operation: 'DescribeInferenceExperiment', input: { Name: 'churn-shadow' } },
          member: 'DataStorageConfig.KmsKey',
          equals: KEY,
        },
      },
    ]);
  });

  it('Given a snapshot taken without a configured key, Then the change refuses to run and the restore has nothing to undo', () => {
    expect(() => updateInferenceExperiment.requests(snapshot({}), 'apply')).toThrow('dataCaptureKmsKeyId');
    expect(updateInferenceExperiment.requests(snapshot({}), 'restore')).toEqual([]);
  });

  it('Given the settings, Then the snapshot records the key the change will set', async () => {
    const related = await updateInferenceExperiment.related?.(
      { send: async () => ({}) },
      DESCRIPTION,
      settings(KEY),
    );

    expect(related).toEqual({ kmsKeyId: KEY });
  });
});

describe('update-inference-experiment planning', () => {
  it('Given no configured key, Then planning asks for the configuration', () => {
    expect(updateInferenceExperiment.refusal?.(DESCRIPTION, {}, settings())).toEqual({
      outcome: 'NEEDS_CONFIGURATION',
      reason: expect.stringContaining('Set dataCaptureKmsKeyId'),
    });
  });

  it.each([
    ['Completed', 'is Completed, and UpdateInferenceExperiment accepts changes only while'],
    ['Stopping', 'is Stopping'],
  ])('Given an experiment that is %s, Then planning says it can no longer be updated', (status, words) => {
    const refusal = updateInferenceExperiment.refusal?.(
      { ...DESCRIPTION, Status: status },
      {},
      settings(KEY),
    );

    expect(refusal?.outcome).toBe('NOTIFIED');
    expect(refusal?.reason).toContain(words);
  });

  it.each(['Created', 'Running', 'Starting', 'Updating'])(
    'Given an experiment that is %s, Then the change can be planned',
    (status) => {
      expect(
        updateInferenceExperiment.refusal?.({ ...DESCRIPTION, Status: status }, {}, settings(KEY)),
      ).toBeUndefined();
    },
  );

  it('Given an experiment that captures no data, Then planning says there is nothing to encrypt', () => {
    const { DataStorageConfig: _storage, ...capturing } = DESCRIPTION;

    expect(updateInferenceExperiment.refusal?.(capturing, {}, settings(KEY))?.reason).toContain(
      'captures no data to encrypt',
    );
  });
});

describe('dataCaptureKmsKeyId in the configuration', () => {
  it.each([
    KEY,
    '0b7e3c5d-4a1f-4e8b-9c2d-6f5a4b3c2d1e',
    'alias/capture',
    'arn:aws:kms:eu-west-1:111122223333:alias/capture',
  ])('Given %s, Then it is accepted and reaches the Lambdas’ settings', (key) => {
    const configuration = loadConfiguration({ dataCaptureKmsKeyId: key });

    expect(
      toRuntimeSettings(configuration, {
        accountId: '111122223333',
        region: 'eu-west-1',
        lockTableName: 'locks',
        lockSeconds: 3600,
      }).dataCaptureKmsKeyId,
    ).toBe(key);
  });

  it('Given a value that is no key, Then synthesis stops with it listed among every other problem', () => {
    expect(() => loadConfiguration({ dataCaptureKmsKeyId: 'my key', dryRun: 'yes' })).toThrow(
      /- dryRun: .*\n- dataCaptureKmsKeyId: must be a KMS key ARN, key id, alias name \(alias\/<name>\) or alias ARN/,
    );
  });

  it('Given no key, Then the settings carry none', () => {
    const configuration = loadConfiguration({});

    expect(
      toRuntimeSettings(configuration, {
        accountId: '111122223333',
        region: 'eu-west-1',
        lockTableName: 'l',
        lockSeconds: 60,
      }),
    ).not.toHaveProperty('dataCaptureKmsKeyId');
  });
});
