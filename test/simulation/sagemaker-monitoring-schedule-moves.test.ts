/**
 * Moving a monitoring schedule to a new job definition (the recreate path of the job definition
 * controls), and the test hooks of the simulated schedules: durations and a creation that fails.
 */
import {
  CreateDataQualityJobDefinitionCommand,
  CreateMonitoringScheduleCommand,
  DeleteDataQualityJobDefinitionCommand,
  DescribeMonitoringScheduleCommand,
  UpdateMonitoringScheduleCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import {
  dataQualityRequest,
  embeddedDefinition,
  failureOf,
  givenAccount,
  SECOND,
} from './sagemaker-monitoring-fixtures.js';

describe('Moving a schedule to a recreated job definition', () => {
  it('Given a schedule on definition v1, When v2 is created with isolation and the schedule updated to it, Then v1 stays locked while the schedule is Pending and can be deleted once it is Scheduled on v2', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedJobDefinition('DataQuality', { name: 'churn-v1', endpointName: 'churn-endpoint' });
    monitoring.seedMonitoringSchedule({
      name: 'churn',
      config: { MonitoringJobDefinitionName: 'churn-v1', MonitoringType: 'DataQuality' },
    });
    const { sagemaker } = account.sdkClients();
    const deleteV1 = () =>
      sagemaker.send(new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: 'churn-v1' }));

    // When
    await sagemaker.send(
      new CreateDataQualityJobDefinitionCommand(
        dataQualityRequest('churn-v2', { NetworkConfig: { EnableNetworkIsolation: true } }),
      ),
    );
    await sagemaker.send(
      new UpdateMonitoringScheduleCommand({
        MonitoringScheduleName: 'churn',
        MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'churn-v2', MonitoringType: 'DataQuality' },
      }),
    );
    const whilePending = await failureOf(deleteV1());
    account.clock.advance(20 * SECOND);
    await deleteV1();
    const moved = await sagemaker.send(
      new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'churn' }),
    );
    const v2Locked = await failureOf(
      sagemaker.send(new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: 'churn-v2' })),
    );

    // Then
    expect(whilePending.message).toContain('in use by monitoring schedule churn');
    expect(monitoring.hasJobDefinition('DataQuality', 'churn-v1')).toBe(false);
    expect(moved).toMatchObject({
      MonitoringScheduleStatus: 'Scheduled',
      MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'churn-v2' },
      EndpointName: 'churn-endpoint',
    });
    expect(v2Locked.name).toBe('ValidationException');
  });
});

describe('Test hooks of the simulated schedules', () => {
  it('Given setDurations with a 60 s schedule transition, When a schedule is created, Then it is still Pending after 59 s and Scheduled at 60 s', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.setDurations({ scheduleSeconds: 60 });

    // When
    await account.sdkClients().sagemaker.send(
      new CreateMonitoringScheduleCommand({
        MonitoringScheduleName: 'slow',
        MonitoringScheduleConfig: { MonitoringJobDefinition: embeddedDefinition() },
      }),
    );
    account.clock.advance(59 * SECOND);
    const before = account.sagemaker.monitoring.scheduleStatusOf('slow');
    account.clock.advance(SECOND);

    // Then
    expect(before).toBe('Pending');
    expect(account.sagemaker.monitoring.scheduleStatusOf('slow')).toBe('Scheduled');
  });

  it('Given failNextCreate, When the schedule is created, Then the call succeeds and the schedule ends Failed with the reason', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.failNextCreate('doomed', 'Endpoint churn-endpoint does not capture data.');
    const { sagemaker } = account.sdkClients();

    // When
    await sagemaker.send(
      new CreateMonitoringScheduleCommand({
        MonitoringScheduleName: 'doomed',
        MonitoringScheduleConfig: { MonitoringJobDefinition: embeddedDefinition() },
      }),
    );
    account.clock.advance(20 * SECOND);
    const described = await sagemaker.send(
      new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'doomed' }),
    );

    // Then
    expect(described).toMatchObject({
      MonitoringScheduleStatus: 'Failed',
      FailureReason: 'Endpoint churn-endpoint does not capture data.',
    });
  });

  it('Given a Step Functions task listing schedules with ISO time filters, When it runs, Then the filters apply and the times come back as ISO text', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedMonitoringSchedule({
      name: 'old',
      config: { MonitoringJobDefinition: embeddedDefinition() },
      createdAt: new Date('2026-01-01T00:00:00Z'),
    });
    monitoring.seedMonitoringSchedule({
      name: 'new',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });

    // When
    const output = (await account.callStepFunctionsIntegration(
      'arn:aws:states:::aws-sdk:sagemaker:listMonitoringSchedules',
      { CreationTimeAfter: '2026-06-01T00:00:00Z' },
    )) as { MonitoringScheduleSummaries: { MonitoringScheduleName: string; CreationTime: string }[] };

    // Then
    expect(output.MonitoringScheduleSummaries.map((summary) => summary.MonitoringScheduleName)).toEqual([
      'new',
    ]);
    expect(output.MonitoringScheduleSummaries[0]?.CreationTime).toBe('2026-11-23T09:00:00.000Z');
  });
});
