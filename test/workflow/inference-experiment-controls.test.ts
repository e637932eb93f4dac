/**
 * SageMaker.24: an inference experiment whose captured data has no KMS key, fixed after an approval
 * with UpdateInferenceExperiment and the deployment's dataCaptureKmsKeyId, while the experiment is
 * Created or Running; without the key the finding says what to configure.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { RESOURCE_ROLE } from '../../simulation/scenarios/failing-resources.js';
import { clickLater } from './recreation-fixtures.js';
import {
  alertOutcomes,
  alerts,
  deniedCalls,
  findingNow,
  givenDeployment,
  lockItems,
  statesOf,
} from './workflow-fixtures.js';

const EXPERIMENT = 'churn-shadow-test';
const KEY_ID = '0b7e3c5d-4a1f-4e8b-9c2d-6f5a4b3c2d1e';
const KEY_ARN = `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`;
const STORAGE = {
  Destination: 's3://capture/churn-shadow',
  ContentType: { JsonContentTypes: ['application/json'] },
};

function givenExperiment(
  options: {
    readonly key?: boolean;
    readonly status?: 'Created' | 'Running' | 'Completed';
    readonly storage?: boolean;
  } = {},
): LocalDeployment {
  const deployment = givenDeployment({
    configuration: options.key === false ? {} : { dataCaptureKmsKeyId: KEY_ARN },
  });
  deployment.account.kms.seedKey({ keyId: KEY_ID });
  deployment.account.sagemaker.inference.seedInferenceExperiment({
    name: EXPERIMENT,
    endpointName: 'churn-live',
    roleArn: RESOURCE_ROLE(deployment.account),
    status: options.status ?? 'Running',
    // A Created experiment waits for its schedule: not within the test.
    ...(options.status === 'Created'
      ? { schedule: { StartTime: new Date(deployment.account.clock.nowMs() + 30 * 24 * 3600_000) } }
      : {}),
    ...(options.storage === false ? {} : { dataStorageConfig: STORAGE }),
  });
  return deployment;
}

function experimentNow(deployment: LocalDeployment) {
  return deployment.account.sagemaker.operations().DescribeInferenceExperiment?.({ Name: EXPERIMENT }) as {
    Status: string;
    DataStorageConfig?: Record<string, unknown>;
  };
}

const finding = (): AwsSecurityFinding =>
  resourceControlFinding({ controlId: 'SageMaker.24', resourceName: EXPERIMENT });

async function importedThenClicked(
  deployment: LocalDeployment,
  imported: AwsSecurityFinding,
  click?: 'approve' | 'reject',
) {
  deployment.importFinding(imported);
  if (click) clickLater(deployment, click, imported, 5);
  return deployment.settle();
}

async function approvedRun(deployment: LocalDeployment, imported: AwsSecurityFinding) {
  const executions = await importedThenClicked(deployment, imported, 'approve');
  const run = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
  if (!run) throw new Error('no execution took a snapshot');
  return run;
}

describe('SageMaker.24 on an inference experiment DataStorageConfig.KmsKey', () => {
  it.each(['Running', 'Created'] as const)(
    'Given a %s experiment capturing without a key, When the plan is approved, Then it captures with the configured key, back in its status, and the finding is RESOLVED',
    async (status) => {
      const deployment = givenExperiment({ status });
      const imported = finding();

      const run = await approvedRun(deployment, imported);

      expect(run.status).toBe('SUCCEEDED');
      expect(statesOf(run)).toEqual(
        expect.arrayContaining([
          'DescribeExperimentBeforeUpdate',
          'ApplyExperimentKey',
          'DescribeUpdatedExperiment',
          'VerifyChangedResource',
        ]),
      );
      expect(experimentNow(deployment)).toMatchObject({
        Status: status,
        DataStorageConfig: { ...STORAGE, KmsKey: KEY_ARN },
      });
      expect(findingNow(deployment, imported).Workflow?.Status).toBe('RESOLVED');
      expect(
        deployment.account.s3.keys(
          deployment.resourceSnapshotBucket,
          `resources/${deployment.account.accountId}/${deployment.account.region}/inference-experiment/${EXPERIMENT}/`,
        ),
      ).toHaveLength(1);
      expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'RESOLVED']);
      expect(lockItems(deployment)).toEqual([]);
      expect(deniedCalls(deployment)).toEqual([]);
    },
  );

  it('Given the approval request, Then it names the key, and nothing changes when it is rejected', async () => {
    const deployment = givenExperiment();
    const imported = finding();

    await importedThenClicked(deployment, imported, 'reject');

    expect(alerts(deployment)[0]?.Subject).toBe(`SageMaker approval needed: update ${EXPERIMENT}`);
    expect(alerts(deployment)[0]?.Message).toContain(
      `The key is ${KEY_ARN}, this deployment's dataCaptureKmsKeyId`,
    );
    expect(deployment.account.callsTo('SageMaker', 'UpdateInferenceExperiment')).toEqual([]);
    expect(findingNow(deployment, imported).Note?.Text).toContain(
      `The update of inference experiment ${EXPERIMENT} was rejected`,
    );
  });

  it('Given nobody answers, When the approval window closes, Then nothing changes', async () => {
    const deployment = givenExperiment();
    const imported = finding();

    await importedThenClicked(deployment, imported);

    expect(deployment.account.callsTo('SageMaker', 'UpdateInferenceExperiment')).toEqual([]);
    expect(findingNow(deployment, imported).Note?.Text).toContain(
      `Nobody approved the update of inference experiment ${EXPERIMENT} in time`,
    );
  });

  it('Given no dataCaptureKmsKeyId is configured, Then the finding says what to set and nothing is planned', async () => {
    const deployment = givenExperiment({ key: false });
    const imported = finding();

    await importedThenClicked(deployment, imported);

    const annotated = findingNow(deployment, imported);
    expect(annotated.Workflow?.Status).toBe('NOTIFIED');
    expect(annotated.Note?.Text).toContain('Set dataCaptureKmsKeyId');
    expect(alertOutcomes(deployment)).toEqual(['NEEDS_CONFIGURATION']);
    expect(deployment.account.callsTo('SageMaker', 'UpdateInferenceExperiment')).toEqual([]);
  });

  it.each([
    [
      { status: 'Completed' as const },
      'UpdateInferenceExperiment accepts changes only while an experiment is Created or Running',
    ],
    [{ storage: false }, 'captures no data to encrypt'],
  ])(
    'Given an experiment the update cannot fix (%o), Then the finding says why and nothing is planned',
    async (options, words) => {
      const deployment = givenExperiment(options);
      const imported = finding();

      await importedThenClicked(deployment, imported);

      expect(findingNow(deployment, imported).Note?.Text).toContain(words);
      expect(alertOutcomes(deployment)).toEqual(['NOTIFIED']);
    },
  );

  it('Given the update is refused, Then the experiment is as before and the finding says so', async () => {
    const deployment = givenExperiment();
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'UpdateInferenceExperiment',
      code: 'ResourceLimitExceeded',
    });
    const imported = finding();

    const run = await approvedRun(deployment, imported);

    expect(run.status).toBe('FAILED');
    expect(experimentNow(deployment)).toMatchObject({ Status: 'Running', DataStorageConfig: STORAGE });
    const note = findingNow(deployment, imported).Note?.Text ?? '';
    expect(note).toContain(`The update of inference experiment ${EXPERIMENT} failed`);
    expect(note).toContain('Its definition was put back from the snapshot');
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given the experiment is stopped after the approval and before the change, Then nothing is updated and the failure names its status', async () => {
    const deployment = givenExperiment();
    const imported = finding();
    void deployment.account.clock.sleep(4 * 60_000).then(() =>
      deployment.account.sagemaker.operations().StopInferenceExperiment?.({
        Name: EXPERIMENT,
        ModelVariantActions: { production: 'Retain', shadow: 'Remove' },
      }),
    );

    const run = await approvedRun(deployment, imported);

    expect(run.status).toBe('FAILED');
    expect(statesOf(run)).toEqual(
      expect.arrayContaining(['RecordExperimentNotUpdatable', 'RollBackResourceChange']),
    );
    expect(deployment.account.callsTo('SageMaker', 'UpdateInferenceExperiment')).toEqual([]);
    expect(experimentNow(deployment).DataStorageConfig).toEqual(STORAGE);
    expect(findingNow(deployment, imported).Note?.Text).toContain('ExperimentNotUpdatable');
  });
});
