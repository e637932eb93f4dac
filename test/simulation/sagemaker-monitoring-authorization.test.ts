/**
 * What the monitoring family's calls need of IAM (simulation/account/authorization-rules-monitoring.ts),
 * checked through the enforced IAM of the simulated account: own actions on lowercased ARNs, PassRole,
 * tag-on-create, and the condition keys the controls' policies can use.
 */
import {
  AddTagsCommand,
  CreateDataQualityJobDefinitionCommand,
  CreateImageCommand,
  CreateMonitoringScheduleCommand,
  DescribeMonitoringScheduleCommand,
  ListMonitoringSchedulesCommand,
  UpdateMonitoringScheduleCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../simulation/account/account.js';
import {
  allow,
  decisionsSince,
  deny,
  givenRole,
  type Statement,
  sessionArnOf,
} from './authorization-fixtures.js';
import {
  arnOf,
  dataQualityRequest,
  embeddedDefinition,
  failureOf,
  givenAccount,
  ROLE,
} from './sagemaker-monitoring-fixtures.js';

const PASS_ROLE = allow('iam:PassRole', ROLE);

/** The SageMaker client of a role `remediation` with these statements (the execution role exists). */
function clientOf(account: SimulatedAccount, statements: readonly Statement[]) {
  account.iam.createRole({ roleName: 'monitoring-execution' });
  return account.sdkClients(givenRole(account, 'remediation', statements)).sagemaker;
}

const refusal = (action: string, resource: string) =>
  `User: ${sessionArnOf('remediation')} is not authorized to perform: ${action} on resource: ${resource} ` +
  `because no identity-based policy allows the ${action} action`;

describe('Job definitions under IAM', () => {
  it('Given a role allowed to create definitions but not to pass the execution role, When it creates one, Then AccessDeniedException on iam:PassRole; with it, the calls checked are the action then PassRole', async () => {
    // Given
    const refused = givenAccount();
    const account = givenAccount();
    const create = allow(
      'sagemaker:CreateDataQualityJobDefinition',
      arnOf('data-quality-job-definition', '*'),
    );

    // When
    const error = await failureOf(
      clientOf(refused, [create]).send(
        new CreateDataQualityJobDefinitionCommand(dataQualityRequest('Churn')),
      ),
    );
    const from = account.authorizations.length;
    await clientOf(account, [create, PASS_ROLE]).send(
      new CreateDataQualityJobDefinitionCommand(dataQualityRequest('Churn')),
    );

    // Then
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe(refusal('iam:PassRole', ROLE));
    expect(decisionsSince(account, from)).toEqual([
      `CreateDataQualityJobDefinition: sagemaker:CreateDataQualityJobDefinition ${arnOf('data-quality-job-definition', 'churn')} Allowed`,
      `CreateDataQualityJobDefinition: iam:PassRole ${ROLE} Allowed`,
    ]);
  });

  it('Given a policy denying definitions without network isolation (sagemaker:NetworkIsolation), When definitions are created without and with it, Then the first is refused and the second created', async () => {
    // Given
    const account = givenAccount();
    const sagemaker = clientOf(account, [
      allow('sagemaker:CreateDataQualityJobDefinition', '*'),
      deny('sagemaker:CreateDataQualityJobDefinition', '*', {
        Bool: { 'sagemaker:NetworkIsolation': 'false' },
      }),
      PASS_ROLE,
    ]);

    // When
    const open = await failureOf(
      sagemaker.send(new CreateDataQualityJobDefinitionCommand(dataQualityRequest('open'))),
    );
    const isolated = await sagemaker.send(
      new CreateDataQualityJobDefinitionCommand(
        dataQualityRequest('isolated', { NetworkConfig: { EnableNetworkIsolation: true } }),
      ),
    );

    // Then
    expect(open.name).toBe('AccessDeniedException');
    expect(open.message).toContain('with an explicit deny in an identity-based policy');
    expect(isolated.JobDefinitionArn).toBe(arnOf('data-quality-job-definition', 'isolated'));
  });

  it('Given a role without sagemaker:AddTags, When it creates a definition with Tags, Then it is refused on AddTags; allowed AddTags only with TaggingAction, it is created', async () => {
    // Given
    const refused = givenAccount();
    const account = givenAccount();
    const base = [allow('sagemaker:CreateDataQualityJobDefinition', '*'), PASS_ROLE];
    const request = dataQualityRequest('tagged', { Tags: [{ Key: 'team', Value: 'ml' }] });
    const onCreate = allow('sagemaker:AddTags', '*', {
      StringEquals: { 'sagemaker:TaggingAction': 'CreateDataQualityJobDefinition' },
    });

    // When
    const error = await failureOf(
      clientOf(refused, base).send(new CreateDataQualityJobDefinitionCommand(request)),
    );
    const created = await clientOf(account, [...base, onCreate]).send(
      new CreateDataQualityJobDefinitionCommand(request),
    );

    // Then
    expect(error.message).toBe(refusal('sagemaker:AddTags', arnOf('data-quality-job-definition', 'tagged')));
    expect(created.JobDefinitionArn).toBe(arnOf('data-quality-job-definition', 'tagged'));
  });
});

describe('Monitoring schedules under IAM', () => {
  it('Given a role allowed UpdateMonitoringSchedule but not PassRole, When it updates an embedded schedule, Then it is refused on PassRole; a schedule naming a definition needs no PassRole', async () => {
    // Given
    const account = givenAccount();
    const { monitoring } = account.sagemaker;
    monitoring.seedJobDefinition('DataQuality', { name: 'dq' });
    monitoring.seedMonitoringSchedule({
      name: 'embedded',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    monitoring.seedMonitoringSchedule({
      name: 'named',
      config: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
    });
    const sagemaker = clientOf(account, [
      allow('sagemaker:UpdateMonitoringSchedule', arnOf('monitoring-schedule', '*')),
    ]);

    // When
    const embedded = await failureOf(
      sagemaker.send(
        new UpdateMonitoringScheduleCommand({
          MonitoringScheduleName: 'embedded',
          MonitoringScheduleConfig: {
            MonitoringJobDefinition: embeddedDefinition({ NetworkConfig: { EnableNetworkIsolation: true } }),
          },
        }),
      ),
    );
    const named = await sagemaker.send(
      new UpdateMonitoringScheduleCommand({
        MonitoringScheduleName: 'named',
        MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
      }),
    );

    // Then
    expect(embedded.message).toBe(refusal('iam:PassRole', ROLE));
    expect(named.MonitoringScheduleArn).toBe(arnOf('monitoring-schedule', 'named'));
  });

  it('Given a role allowed only to describe one schedule, When it describes another, creates one or lists, Then each is refused on its own action and resource', async () => {
    // Given
    const account = givenAccount();
    account.sagemaker.monitoring.seedMonitoringSchedule({
      name: 'Other',
      config: { MonitoringJobDefinition: embeddedDefinition() },
    });
    const sagemaker = clientOf(account, [
      allow('sagemaker:DescribeMonitoringSchedule', arnOf('monitoring-schedule', 'mine')),
    ]);

    // When
    const other = await failureOf(
      sagemaker.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'Other' })),
    );
    const create = await failureOf(
      sagemaker.send(
        new CreateMonitoringScheduleCommand({
          MonitoringScheduleName: 'New',
          MonitoringScheduleConfig: { MonitoringJobDefinition: embeddedDefinition() },
        }),
      ),
    );
    const list = await failureOf(sagemaker.send(new ListMonitoringSchedulesCommand({})));

    // Then
    expect(other.message).toBe(
      refusal('sagemaker:DescribeMonitoringSchedule', arnOf('monitoring-schedule', 'other')),
    );
    expect(create.message).toBe(
      refusal('sagemaker:CreateMonitoringSchedule', arnOf('monitoring-schedule', 'new')),
    );
    expect(list.message).toBe(refusal('sagemaker:ListMonitoringSchedules', '*'));
  });
});

describe('Images under IAM', () => {
  it('Given a role allowed CreateImage and PassRole, When it creates an image, Then it is created; a role allowed AddTags only on images tags an image but not an app image config', async () => {
    // Given
    const account = givenAccount();
    const configArn = account.sagemaker.monitoring.seedAppImageConfig({ name: 'cfg' });
    const sagemaker = clientOf(account, [
      allow('sagemaker:CreateImage', arnOf('image', '*')),
      PASS_ROLE,
      allow('sagemaker:AddTags', arnOf('image', '*')),
    ]);
    const tags = [{ Key: 'owner', Value: 'platform' }];

    // When
    const { ImageArn } = await sagemaker.send(new CreateImageCommand({ ImageName: 'img', RoleArn: ROLE }));
    await sagemaker.send(new AddTagsCommand({ ResourceArn: String(ImageArn), Tags: tags }));
    const config = await failureOf(
      sagemaker.send(new AddTagsCommand({ ResourceArn: configArn, Tags: tags })),
    );

    // Then
    expect(account.sagemaker.monitoring.tagsOf(String(ImageArn))).toEqual(tags);
    expect(config.message).toBe(refusal('sagemaker:AddTags', configArn));
  });
});
