/**
 * The simulated monitoring schedules (simulation/account/sagemaker-monitoring-schedules.ts), driven
 * through SDK commands: Pending to Scheduled, updates with the full configuration, Stop and Start,
 * deletion, the wrong-state errors, the failure hook and listing.
 */
import {
  CreateMonitoringScheduleCommand,
  DeleteMonitoringScheduleCommand,
  DescribeMonitoringScheduleCommand,
  ListMonitoringSchedulesCommand,
  StartMonitoringScheduleCommand,
  StopMonitoringScheduleCommand,
  UpdateMonitoringScheduleCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import { rejectionOf } from '../unit/caught-errors.js';
import {
  arnOf,
  embeddedDefinition,
  failureOf,
  givenAccount,
  HOURLY,
  SECOND,
} from './sagemaker-monitoring-fixtures.js';

const ISOLATED = { EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true };

/** An account with a data quality definition `dq` on the endpoint `churn`, and its SDK client. */
function givenDefinition(): {
  account: SimulatedAccount;
  sagemaker: ReturnType<SimulatedAccount['sdkClients']>['sagemaker'];
} {
  const account = givenAccount();
  account.sagemaker.monitoring.seedJobDefinition('DataQuality', { name: 'dq', endpointName: 'churn' });
  return { account, sagemaker: account.sdkClients().sagemaker };
}

const describeSchedule = (account: SimulatedAccount, name: string) =>
  account
    .sdkClients()
    .sagemaker.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: name }));

describe('Monitoring schedules: creation and description', () => {
  it('Given a job definition, When a schedule naming it is created, Then it is Pending, then Scheduled 20 s later, with the type and endpoint of the definition', async () => {
    // Given
    const { account, sagemaker } = givenDefinition();

    // When
    const { MonitoringScheduleArn } = await sagemaker.send(
      new CreateMonitoringScheduleCommand({
        MonitoringScheduleName: 'Nightly',
        MonitoringScheduleConfig: {
          ScheduleConfig: HOURLY,
          MonitoringJobDefinitionName: 'dq',
          MonitoringType: 'DataQuality',
        },
      }),
    );
    const pending = await describeSchedule(account, 'nightly');
    account.clock.advance(20 * SECOND);
    const scheduled = await describeSchedule(account, 'nightly');

    // Then
    expect(MonitoringScheduleArn).toBe(arnOf('monitoring-schedule', 'nightly'));
    expect(pending.MonitoringScheduleStatus).toBe('Pending');
    expect(scheduled).toMatchObject({
      MonitoringScheduleName: 'Nightly',
      MonitoringScheduleStatus: 'Scheduled',
      MonitoringType: 'DataQuality',
      EndpointName: 'churn',
      MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
    });
  });

  it('Given an embedded definition without isolation, When the schedule is created and described, Then the configuration comes back as given, a DataQuality schedule', async () => {
    // Given
    const account = givenAccount();
    const { sagemaker } = account.sdkClients();
    const definition = embeddedDefinition({ NetworkConfig: { EnableNetworkIsolation: false } });

    // When
    await sagemaker.send(
      new CreateMonitoringScheduleCommand({
        MonitoringScheduleName: 'embedded',
        MonitoringScheduleConfig: { ScheduleConfig: HOURLY, MonitoringJobDefinition: definition },
      }),
    );
    const described = await describeSchedule(account, 'embedded');

    // Then
    expect(described.MonitoringType).toBe('DataQuality');
    expect(described.EndpointName).toBe('churn-endpoint');
    expect(described.MonitoringScheduleConfig?.MonitoringJobDefinition).toEqual(definition);
  });

  it.each([
    ['neither a definition nor a name', { ScheduleConfig: HOURLY }, 'exactly one of'],
    [
      'both',
      {
        MonitoringJobDefinition: embeddedDefinition(),
        MonitoringJobDefinitionName: 'dq',
        MonitoringType: 'DataQuality' as const,
      },
      'exactly one of',
    ],
    ['a name without its type', { MonitoringJobDefinitionName: 'dq' }, 'MonitoringType is required'],
    [
      'a definition of another type',
      { MonitoringJobDefinitionName: 'dq', MonitoringType: 'ModelBias' as const },
      'Could not find ModelBias job definition',
    ],
    [
      'NOW without the analysis window',
      {
        ScheduleConfig: { ScheduleExpression: 'NOW' },
        MonitoringJobDefinitionName: 'dq',
        MonitoringType: 'DataQuality' as const,
      },
      'DataAnalysisStartTime',
    ],
  ])(
    'Given a configuration with %s, When the schedule is created, Then ValidationException',
    async (_case, config, message) => {
      // Given
      const { sagemaker } = givenDefinition();

      // When
      const error = await failureOf(
        sagemaker.send(
          new CreateMonitoringScheduleCommand({
            MonitoringScheduleName: 's',
            MonitoringScheduleConfig: config,
          }),
        ),
      );

      // Then
      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain(message);
    },
  );

  it('Given a schedule, When one of the same name in another case is created, Then ResourceInUse', async () => {
    // Given
    const { account, sagemaker } = givenDefinition();
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: 'Nightly',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });

    // When
    const error = await failureOf(
      sagemaker.send(
        new CreateMonitoringScheduleCommand({
          MonitoringScheduleName: 'NIGHTLY',
          MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
        }),
      ),
    );

    // Then
    expect(error.name).toBe('ResourceInUse');
  });
});

describe('Monitoring schedules: updates', () => {
  it('Given a scheduled embedded schedule without isolation, When it is updated with the full configuration and isolation, Then Pending, then Scheduled with the new NetworkConfig', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: 'embedded',
      config: { ScheduleConfig: HOURLY, MonitoringJobDefinition: embeddedDefinition() },
    });
    const { sagemaker } = account.sdkClients();

    // When
    await sagemaker.send(
      new UpdateMonitoringScheduleCommand({
        MonitoringScheduleName: 'embedded',
        MonitoringScheduleConfig: {
          ScheduleConfig: HOURLY,
          MonitoringJobDefinition: embeddedDefinition({ NetworkConfig: ISOLATED }),
        },
      }),
    );
    const during = await describeSchedule(account, 'embedded');
    account.clock.advance(20 * SECOND);
    const after = await describeSchedule(account, 'embedded');

    // Then
    expect(during.MonitoringScheduleStatus).toBe('Pending');
    expect(after.MonitoringScheduleStatus).toBe('Scheduled');
    expect(after.MonitoringScheduleConfig?.MonitoringJobDefinition?.NetworkConfig).toEqual(ISOLATED);
  });

  it('Given a pending schedule, When it is updated or deleted, Then ValidationException "Monitoring schedule in status Pending", which Step Functions sees as SageMaker.SageMakerException', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: 'busy',
      status: 'Pending',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    const { sagemaker } = account.sdkClients();
    const config = { MonitoringJobDefinition: embeddedDefinition() };

    // When
    const update = await failureOf(
      sagemaker.send(
        new UpdateMonitoringScheduleCommand({
          MonitoringScheduleName: 'busy',
          MonitoringScheduleConfig: config,
        }),
      ),
    );
    const task = await rejectionOf(
      account.callStepFunctionsIntegration('arn:aws:states:::aws-sdk:sagemaker:deleteMonitoringSchedule', {
        MonitoringScheduleName: 'busy',
      }),
    );

    // Then
    expect(update.name).toBe('ValidationException');
    expect(update.message).toBe('Monitoring schedule in status Pending');
    expect(task.name).toBe('SageMaker.SageMakerException');
    expect(task.message).toContain('Monitoring schedule in status Pending');
  });

  it('Given failNextUpdate, When the schedule is updated, Then it ends Failed with the reason and the new configuration, and can be updated again', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedMonitoringSchedule({
      name: 'flaky',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    monitoring.failNextUpdate('flaky', 'The monitoring job could not be set up.');
    const { sagemaker } = account.sdkClients();
    const update = () =>
      sagemaker.send(
        new UpdateMonitoringScheduleCommand({
          MonitoringScheduleName: 'flaky',
          MonitoringScheduleConfig: {
            MonitoringJobDefinition: embeddedDefinition({ NetworkConfig: ISOLATED }),
          },
        }),
      );

    // When
    await update();
    account.clock.advance(20 * SECOND);
    const failed = await describeSchedule(account, 'flaky');
    await update();
    account.clock.advance(20 * SECOND);

    // Then
    expect(failed).toMatchObject({
      MonitoringScheduleStatus: 'Failed',
      FailureReason: 'The monitoring job could not be set up.',
    });
    expect(failed.MonitoringScheduleConfig?.MonitoringJobDefinition?.NetworkConfig).toEqual(ISOLATED);
    expect(monitoring.scheduleStatusOf('flaky')).toBe('Scheduled');
  });

  it('Given a schedule naming a data quality definition, When it is updated to name a model bias one, Then ValidationException: the type cannot change', async () => {
    // Given
    const { account, sagemaker } = givenDefinition();
    account.sagemaker.monitoring.seedJobDefinition('ModelBias', { name: 'bias' });
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: 's',
      config: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
    });

    // When
    const error = await failureOf(
      sagemaker.send(
        new UpdateMonitoringScheduleCommand({
          MonitoringScheduleName: 's',
          MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'bias', MonitoringType: 'ModelBias' },
        }),
      ),
    );

    // Then
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('cannot change');
  });
});

describe('Monitoring schedules: stop, start, delete and list', () => {
  it('Given a scheduled schedule, When it is stopped, started while stopping and started, Then Stopped <-> Scheduled through Pending, with the wrong-state error in between', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedMonitoringSchedule({
      name: 's',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    const { sagemaker } = account.sdkClients();
    const name = { MonitoringScheduleName: 's' };

    // When
    const stopTwice = await failureOf(
      sagemaker
        .send(new StopMonitoringScheduleCommand(name))
        .then(() => sagemaker.send(new StopMonitoringScheduleCommand(name))),
    );
    account.clock.advance(20 * SECOND);
    const stopped = monitoring.scheduleStatusOf('s');
    const stopStopped = await failureOf(sagemaker.send(new StopMonitoringScheduleCommand(name)));
    await sagemaker.send(new StartMonitoringScheduleCommand(name));
    account.clock.advance(20 * SECOND);

    // Then
    expect(stopTwice.message).toBe('Monitoring schedule in status Pending');
    expect(stopped).toBe('Stopped');
    expect(stopStopped.message).toBe('Monitoring schedule in status Stopped');
    expect(monitoring.scheduleStatusOf('s')).toBe('Scheduled');
  });

  it('Given a stopped schedule, When it is updated, Then it goes back to Stopped', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedMonitoringSchedule({
      name: 's',
      status: 'Stopped',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });

    // When
    await account.sdkClients().sagemaker.send(
      new UpdateMonitoringScheduleCommand({
        MonitoringScheduleName: 's',
        MonitoringScheduleConfig: { MonitoringJobDefinition: embeddedDefinition() },
      }),
    );
    account.clock.advance(20 * SECOND);

    // Then
    expect(monitoring.scheduleStatusOf('s')).toBe('Stopped');
  });

  it('Given a schedule, When it is deleted, Then it stays Pending for 20 s, then Describe answers ResourceNotFound', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: 'old',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    const { sagemaker } = account.sdkClients();

    // When
    await sagemaker.send(new DeleteMonitoringScheduleCommand({ MonitoringScheduleName: 'old' }));
    const deleting = await describeSchedule(account, 'old');
    account.clock.advance(20 * SECOND);
    const gone = await failureOf(describeSchedule(account, 'old'));

    // Then
    expect(deleting.MonitoringScheduleStatus).toBe('Pending');
    expect(gone.name).toBe('ResourceNotFound');
  });

  it('Given schedules on two definitions and an embedded one, When listed by definition name, status and endpoint, Then each filter picks its schedules', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedJobDefinition('DataQuality', { name: 'dq', endpointName: 'churn' });
    monitoring.seedJobDefinition('ModelQuality', { name: 'mq', endpointName: 'fraud' });
    monitoring.seedMonitoringSchedule({
      name: 'a',
      config: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
    });
    monitoring.seedMonitoringSchedule({
      name: 'b',
      status: 'Stopped',
      config: { MonitoringJobDefinitionName: 'mq', MonitoringType: 'ModelQuality' },
    });
    monitoring.seedMonitoringSchedule({
      name: 'c',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    const { sagemaker } = account.sdkClients();
    const names = async (filter: ConstructorParameters<typeof ListMonitoringSchedulesCommand>[0]) =>
      (
        await sagemaker.send(
          new ListMonitoringSchedulesCommand({ ...filter, SortBy: 'Name', SortOrder: 'Ascending' }),
        )
      ).MonitoringScheduleSummaries?.map((summary) => summary.MonitoringScheduleName);

    // When
    const byDefinition = await names({ MonitoringJobDefinitionName: 'dq' });
    const byStatus = await names({ StatusEquals: 'Scheduled' });
    const byEndpoint = await names({ EndpointName: 'fraud' });
    const byType = await names({ MonitoringTypeEquals: 'DataQuality' });

    // Then
    expect(byDefinition).toEqual(['a']);
    expect(byStatus).toEqual(['a', 'c']);
    expect(byEndpoint).toEqual(['b']);
    expect(byType).toEqual(['a', 'c']);
  });
});
