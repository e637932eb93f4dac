/**
 * The recreate-job-definition change module: the calls of each step, worked out from the snapshot
 * alone (the copy's name and members, the schedules moved only while they name the old definition,
 * and a restore that tolerates every point the change may have stopped at).
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import {
  recreatedName,
  recreateJobDefinition,
} from '../../handlers/shared/changes/recreate-job-definition.js';
import { type SageMakerRequest, sendRequest } from '../../handlers/shared/changes/sagemaker-requests.js';
import type { ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';

const ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:data-quality-job-definition/churn-quality';

const DESCRIPTION = {
  JobDefinitionArn: ARN,
  JobDefinitionName: 'Churn-Quality',
  CreationTime: '2026-11-01T08:00:00.000Z',
  DataQualityAppSpecification: { ImageUri: 'analyzer:1' },
  DataQualityJobInput: { EndpointInput: { EndpointName: 'churn', LocalPath: '/opt/ml/processing/input' } },
  DataQualityJobOutputConfig: { MonitoringOutputs: [] },
  JobResources: { ClusterConfig: { InstanceCount: 2, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 } },
  NetworkConfig: { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false },
  RoleArn: 'arn:aws:iam::111122223333:role/monitor',
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
};

function schedule(name: string, status = 'Scheduled') {
  return {
    MonitoringScheduleName: name,
    MonitoringScheduleStatus: status,
    MonitoringScheduleConfig: {
      ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
      MonitoringJobDefinitionName: 'Churn-Quality',
      MonitoringType: 'DataQuality',
    },
  };
}

function snapshotOf(overrides: Partial<ResourceSnapshot> = {}): ResourceSnapshot {
  return {
    version: 1,
    kind: 'data-quality-job-definition',
    arn: ARN,
    name: 'Churn-Quality',
    takenAt: '2026-12-01T10:00:00.000Z',
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:run-1',
    fixes: ['SageMaker.9', 'SageMaker.11'],
    description: DESCRIPTION,
    tags: [
      { Key: 'team', Value: 'ml' },
      { Key: 'aws:cloudformation:stack-name', Value: 'monitoring' },
    ],
    related: { schedules: [schedule('hourly'), schedule('nightly', 'Stopped')] },
    ...overrides,
  };
}

const NEW_NAME = recreatedName(DESCRIPTION);

describe('recreate-job-definition requests', () => {
  it('Given a definition, When it is named again, Then the name is the old one, -fx and 8 hex characters, the same for the same definition only', () => {
    expect(NEW_NAME).toMatch(/^Churn-Quality-fx[0-9a-f]{8}$/);
    expect(recreatedName({ ...DESCRIPTION })).toBe(NEW_NAME);
    expect(recreatedName({ ...DESCRIPTION, CreationTime: new Date('2026-11-01T08:00:00.000Z') })).toBe(
      NEW_NAME,
    );
    expect(recreatedName({ ...DESCRIPTION, CreationTime: '2026-11-02T08:00:00.000Z' })).not.toBe(NEW_NAME);
  });

  it('Given a 63-character name with an earlier suffix, When it is named again, Then the suffix is replaced and the name fits the pattern', () => {
    const long = `${'a'.repeat(40)}-${'b'.repeat(11)}-fx0123abcd`;
    expect(long).toHaveLength(63);

    const name = recreatedName({ ...DESCRIPTION, JobDefinitionName: long });

    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(name).toMatch(new RegExp(`^${'a'.repeat(40)}-${'b'.repeat(11)}-fx[0-9a-f]{8}$`));
    const cut = recreatedName({ ...DESCRIPTION, JobDefinitionName: `${'c'.repeat(51)}-${'d'.repeat(11)}` });
    expect(cut).toMatch(/^c{51}-fx[0-9a-f]{8}$/);
  });

  it('Given the snapshot, When the copy is created, Then it has every member, the fixed flags and the user tags, under the new name', () => {
    const [create, ...rest] = recreateJobDefinition.requests(snapshotOf(), 'create');

    expect(rest).toEqual([]);
    expect(create?.operation).toBe('CreateDataQualityJobDefinition');
    expect(create?.alreadyDone).toBeUndefined();
    const {
      JobDefinitionArn: _arn,
      CreationTime: _created,
      JobDefinitionName: _name,
      ...members
    } = DESCRIPTION;
    expect(create?.input).toEqual({
      ...members,
      JobDefinitionName: NEW_NAME,
      NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true },
      Tags: [{ Key: 'team', Value: 'ml' }],
    });
  });

  it('Given only the isolation control is fixed, When the copy is created, Then encryption stays as it was', () => {
    const [create] = recreateJobDefinition.requests(snapshotOf({ fixes: ['SageMaker.11'] }), 'create');

    expect(create?.input.NetworkConfig).toEqual({
      EnableInterContainerTrafficEncryption: false,
      EnableNetworkIsolation: true,
    });
  });

  it('Given two schedules, When they are moved, Then each keeps its configuration but the name, and moves only while it names the old definition', () => {
    const moves = recreateJobDefinition.requests(snapshotOf(), 'move');

    expect(moves.map((move) => move.input.MonitoringScheduleName)).toEqual(['hourly', 'nightly']);
    expect(moves[0]).toEqual({
      operation: 'UpdateMonitoringSchedule',
      input: {
        MonitoringScheduleName: 'hourly',
        MonitoringScheduleConfig: {
          ...schedule('hourly').MonitoringScheduleConfig,
          MonitoringJobDefinitionName: NEW_NAME,
        },
      },
      onlyIf: {
        read: { operation: 'DescribeMonitoringSchedule', input: { MonitoringScheduleName: 'hourly' } },
        member: 'MonitoringScheduleConfig.MonitoringJobDefinitionName',
        equals: 'Churn-Quality',
      },
    });
  });

  it('Given no schedule runs the definition, When moving, Then nothing is called', () => {
    expect(recreateJobDefinition.requests(snapshotOf({ related: { schedules: [] } }), 'move')).toEqual([]);
  });

  it('Given the move is done, When the old definition is retired, Then it is deleted, and one already gone counts as deleted', () => {
    expect(recreateJobDefinition.requests(snapshotOf(), 'retire')).toEqual([
      {
        operation: 'DeleteDataQualityJobDefinition',
        input: { JobDefinitionName: 'Churn-Quality' },
        alreadyDone: 'not-found',
      },
    ]);
  });

  it('Given any point of the change, When it is restored, Then the old definition is created unless there, the schedules on the copy move back as they were, and the copy is deleted unless gone', () => {
    const [createOld, ...others] = recreateJobDefinition.requests(snapshotOf(), 'restore');
    const deleteNew = others.at(-1);
    const moves = others.slice(0, -1);

    expect(createOld?.operation).toBe('CreateDataQualityJobDefinition');
    expect(createOld?.alreadyDone).toBe('exists');
    expect(createOld?.input.JobDefinitionName).toBe('Churn-Quality');
    expect(createOld?.input.NetworkConfig).toEqual(DESCRIPTION.NetworkConfig);
    expect(moves).toHaveLength(2);
    expect(moves[1]?.input).toEqual({
      MonitoringScheduleName: 'nightly',
      MonitoringScheduleConfig: schedule('nightly').MonitoringScheduleConfig,
    });
    expect(moves[1]?.onlyIf).toMatchObject({ equals: NEW_NAME });
    expect(deleteNew).toEqual({
      operation: 'DeleteDataQualityJobDefinition',
      input: { JobDefinitionName: NEW_NAME },
      alreadyDone: 'not-found',
    });
  });

  it('Given the snapshot, Then the resource to verify is the copy, its ARN with the name lowercased', () => {
    expect(recreateJobDefinition.target?.(snapshotOf())).toEqual({
      name: NEW_NAME,
      arn: `arn:aws:sagemaker:eu-west-1:111122223333:data-quality-job-definition/${NEW_NAME.toLowerCase()}`,
    });
  });

  it('Given a model bias definition, Then its own Create and Delete calls are used', () => {
    const snapshot = snapshotOf({
      kind: 'model-bias-job-definition',
      fixes: ['SageMaker.12'],
      related: { schedules: [] },
    });

    expect(recreateJobDefinition.requests(snapshot, 'create')[0]?.operation).toBe(
      'CreateModelBiasJobDefinition',
    );
    expect(recreateJobDefinition.requests(snapshot, 'retire')[0]?.operation).toBe(
      'DeleteModelBiasJobDefinition',
    );
  });

  it('Given the schedules read when planning, Then the approval sentence names the copy and every schedule moved', () => {
    const sentence = recreateJobDefinition.describeRelated?.({
      recreatedName: NEW_NAME,
      schedules: [schedule('hourly'), schedule('nightly')],
    });

    expect(sentence).toContain(`under a new name, ${NEW_NAME}`);
    expect(sentence).toContain('The 2 monitoring schedules that run it (hourly, nightly) move to the copy');
    expect(recreateJobDefinition.describeRelated?.({ recreatedName: NEW_NAME, schedules: [] })).toContain(
      'No monitoring schedule runs this definition.',
    );
  });

  it('Given a snapshot without the schedules, Then no request is made up', () => {
    expect(() => recreateJobDefinition.requests(snapshotOf({ related: {} }), 'move')).toThrow(
      'does not list the schedules',
    );
  });
});

/** A SageMaker client that answers each command by its name, recording what was sent. */
function fakeSageMaker(answers: Record<string, () => unknown>) {
  const sent: string[] = [];
  const sagemaker = {
    send: async (command: { constructor: { name: string } }) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      sent.push(operation);
      const answer = answers[operation];
      if (!answer) throw new Error(`unexpected ${operation}`);
      return answer();
    },
  };
  return { sagemaker: sagemaker as unknown as Pick<SageMakerClient, 'send'>, sent };
}

function sdkError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe('sending the requests of a step run again', () => {
  const snapshot = snapshotOf();
  const requestOf = (step: string, index: number): SageMakerRequest => {
    const request = recreateJobDefinition.requests(snapshot, step).at(index);
    if (!request) throw new Error(`${step} has no request ${index}`);
    return request;
  };
  const moveHourly = requestOf('move', 0);
  const createOld = requestOf('restore', 0);
  const moveHourlyBack = requestOf('restore', 1);
  const deleteCopy = requestOf('restore', -1);

  it('Given a schedule already moved, When the move is sent again, Then only the read is made', async () => {
    const { sagemaker, sent } = fakeSageMaker({
      DescribeMonitoringSchedule: () => ({
        MonitoringScheduleConfig: { MonitoringJobDefinitionName: NEW_NAME },
      }),
    });

    expect(await sendRequest(sagemaker, moveHourly)).toBeUndefined();
    expect(sent).toEqual(['DescribeMonitoringSchedule']);
  });

  it('Given a schedule still on the old definition, When the move is sent, Then it is updated', async () => {
    const { sagemaker, sent } = fakeSageMaker({
      DescribeMonitoringSchedule: () => ({
        MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'Churn-Quality' },
      }),
      UpdateMonitoringSchedule: () => ({ MonitoringScheduleArn: 'arn' }),
    });

    await sendRequest(sagemaker, moveHourly);

    expect(sent).toEqual(['DescribeMonitoringSchedule', 'UpdateMonitoringSchedule']);
  });

  it('Given a schedule deleted since the snapshot, When it is moved back, Then nothing is sent for it', async () => {
    const { sagemaker, sent } = fakeSageMaker({
      DescribeMonitoringSchedule: () => {
        throw sdkError('ResourceNotFound', 'Monitoring Schedule hourly does not exist.');
      },
    });

    expect(await sendRequest(sagemaker, moveHourlyBack)).toBeUndefined();
    expect(sent).toEqual(['DescribeMonitoringSchedule']);
  });

  it('Given the old definition still there and the copy never created, When restored, Then both answers count as done, and any other error does not', async () => {
    const { sagemaker } = fakeSageMaker({
      CreateDataQualityJobDefinition: () => {
        throw sdkError(
          'ResourceInUse',
          'Resource Already Exists: DataQualityJobDefinition with name Churn-Quality',
        );
      },
      DeleteDataQualityJobDefinition: () => {
        throw sdkError('ResourceNotFound', `Could not find job definition ${NEW_NAME}.`);
      },
    });

    await expect(sendRequest(sagemaker, createOld)).resolves.toBeUndefined();
    await expect(sendRequest(sagemaker, deleteCopy)).resolves.toBeUndefined();

    const locked = fakeSageMaker({
      DeleteDataQualityJobDefinition: () => {
        throw sdkError('ValidationException', 'Job definition is in use by monitoring schedule hourly.');
      },
    });
    await expect(sendRequest(locked.sagemaker, deleteCopy)).rejects.toThrow('is in use');
  });
});
