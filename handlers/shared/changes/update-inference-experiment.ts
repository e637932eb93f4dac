/**
 * update-inference-experiment (SageMaker.24): UpdateInferenceExperiment takes a DataStorageConfig
 * (API reference), accepted only while the experiment is Created or Running; the fix is the
 * snapshot's DataStorageConfig with KmsKey set to the deployment's `dataCaptureKmsKeyId`. The key is
 * read into the snapshot (`related`) when it is taken, so the change made is the one approved.
 *
 * Steps:
 * - `apply`: UpdateInferenceExperiment with the key; the experiment goes Updating, then back to its
 *   status (the state machine waits for that, having checked first that the status allows it).
 * - `restore`: UpdateInferenceExperiment with the snapshot's DataStorageConfig, sent only while the
 *   experiment has the configured key (the update went through): from any point, nothing is undone
 *   that was not done. An update still under way when the roll-back reads shows the old key, so the
 *   roll-back leaves it: the key it sets is the approved fix.
 */
import { type Description, memberAt } from '../controls/control-module.js';
import type { ResourceSnapshot } from '../resource-snapshot.js';
import type { ChangeEngine } from './change-engine.js';
import type { SageMakerRequest } from './sagemaker-requests.js';

export const ENGINE = 'update-inference-experiment';

/** The statuses in which UpdateInferenceExperiment is accepted (API reference). */
export const UPDATABLE_STATUSES = ['Created', 'Running'] as const;
/** Statuses that end in an updatable one: the snapshot waits for them to settle. */
const SETTLING_TO_UPDATABLE = ['Creating', 'Starting', 'Updating'];

function experimentName(description: Description): string {
  const name = description.Name;
  if (typeof name !== 'string' || name === '')
    throw new Error('the snapshot has no inference experiment Name');
  return name;
}

function storageOf(description: Description): Readonly<Record<string, unknown>> | undefined {
  const storage = description.DataStorageConfig;
  return storage !== null && typeof storage === 'object' ? (storage as Record<string, unknown>) : undefined;
}

function configuredKey(related: Readonly<Record<string, unknown>>): string | undefined {
  return typeof related.kmsKeyId === 'string' && related.kmsKeyId !== '' ? related.kmsKeyId : undefined;
}

function requestsOf(snapshot: ResourceSnapshot, step: string): SageMakerRequest[] {
  const name = experimentName(snapshot.description);
  const storage = storageOf(snapshot.description);
  const key = configuredKey(snapshot.related);
  switch (step) {
    case 'apply':
      if (!key)
        throw new Error(
          'no data capture key was configured (dataCaptureKmsKeyId) when the snapshot was taken',
        );
      if (!storage) throw new Error(`inference experiment ${name} has no DataStorageConfig to encrypt`);
      return [
        {
          operation: 'UpdateInferenceExperiment',
          input: { Name: name, DataStorageConfig: { ...storage, KmsKey: key } },
        },
      ];
    case 'restore':
      // Nothing was applied without a key or a DataStorageConfig.
      if (!key || !storage) return [];
      return [
        {
          operation: 'UpdateInferenceExperiment',
          input: { Name: name, DataStorageConfig: storage },
          onlyIf: {
            read: { operation: 'DescribeInferenceExperiment', input: { Name: name } },
            member: 'DataStorageConfig.KmsKey',
            equals: key,
          },
        },
      ];
    default:
      throw new Error(`${ENGINE} has no step ${step}`);
  }
}

export const updateInferenceExperiment: ChangeEngine = {
  steps: ['apply', 'restore'],
  related: async (_sagemaker, _description, settings) =>
    settings.dataCaptureKmsKeyId ? { kmsKeyId: settings.dataCaptureKmsKeyId } : {},
  requests: requestsOf,
  refusal: (description, _related, settings) => {
    const name = String(description.Name ?? 'the experiment');
    if (!settings.dataCaptureKmsKeyId) {
      return {
        outcome: 'NEEDS_CONFIGURATION',
        reason: `This deployment names no KMS key for inference experiment data capture (dataCaptureKmsKeyId in its configuration). Set dataCaptureKmsKeyId, or set DataStorageConfig.KmsKey on ${name} yourself with UpdateInferenceExperiment while it is Created or Running.`,
      };
    }
    if (typeof memberAt(description, 'DataStorageConfig.Destination') !== 'string') {
      return {
        outcome: 'NOTIFIED',
        reason: `${name} has no DataStorageConfig, so it captures no data to encrypt. If it should capture data, give it a DataStorageConfig with a Destination and a KmsKey (UpdateInferenceExperiment, while it is Created or Running).`,
      };
    }
    const status = String(description.Status ?? '');
    if (![...UPDATABLE_STATUSES, ...SETTLING_TO_UPDATABLE].includes(status)) {
      return {
        outcome: 'NOTIFIED',
        reason: `${name} is ${status || 'in an unknown status'}, and UpdateInferenceExperiment accepts changes only while an experiment is Created or Running: the data it captured stays as it is. Give a KmsKey in the DataStorageConfig of the experiments you create next.`,
      };
    }
    return undefined;
  },
  describeRelated: (related) => {
    const key = configuredKey(related);
    return key
      ? `The key is ${key}, this deployment's dataCaptureKmsKeyId; every other member of the DataStorageConfig is kept, and data captured before stays as it was. The experiment's role must be allowed to use the key, or capturing fails.`
      : '';
  },
};
