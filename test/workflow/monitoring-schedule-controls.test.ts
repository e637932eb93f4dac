/**
 * SageMaker.14 and .22: a monitoring schedule's embedded job without network isolation or traffic
 * encryption, fixed in place with UpdateMonitoringSchedule after an approval: one plan for both
 * controls, a verified snapshot first, the definition put back from it when the change fails.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import { seedFailingResource } from '../../simulation/scenarios/failing-resources.js';
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

const SCHEDULE = 'Churn-Data-Quality';
const NETWORK = 'MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig';

function givenFailingSchedule() {
  const deployment = givenDeployment();
  seedFailingResource(deployment.account, 'SageMaker.14', SCHEDULE);
  const findings = ['SageMaker.14', 'SageMaker.22'].map((controlId) =>
    resourceControlFinding({ controlId, resourceName: SCHEDULE }),
  );
  return { deployment, findings };
}

function scheduleNow(deployment: ReturnType<typeof givenDeployment>) {
  return deployment.account.sagemaker.operations().DescribeMonitoringSchedule?.({
    MonitoringScheduleName: SCHEDULE,
  }) as { MonitoringScheduleStatus: string; MonitoringScheduleConfig: Record<string, unknown> };
}

function networkConfigOf(deployment: ReturnType<typeof givenDeployment>) {
  const config = scheduleNow(deployment).MonitoringScheduleConfig as {
    MonitoringJobDefinition: { NetworkConfig: Record<string, unknown> };
  };
  return config.MonitoringJobDefinition.NetworkConfig;
}

async function importedThenClicked(
  deployment: ReturnType<typeof givenDeployment>,
  findings: readonly AwsSecurityFinding[],
  click?: 'approve' | 'reject',
) {
  for (const finding of findings) deployment.importFinding(finding);
  if (click) clickLater(deployment, click, findings[0] as AwsSecurityFinding, 5);
  return deployment.settle();
}

describe(`SageMaker.14 and .22 on monitoring schedule ${NETWORK}`, () => {
  it('Given a schedule failing both controls, When both findings arrive and one is approved, Then one update fixes both, verified, and both findings are RESOLVED', async () => {
    const { deployment, findings } = givenFailingSchedule();

    const executions = await importedThenClicked(deployment, findings, 'approve');

    const planner = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
    expect(planner?.status).toBe('SUCCEEDED');
    expect(statesOf(planner as never)).toEqual(
      expect.arrayContaining([
        'RequestApproval',
        'WaitForApproval',
        'DecideApprovedWork',
        'SnapshotResource',
        'ApplyResourceChange',
        'DescribeChangedSchedule',
        'VerifyChangedResource',
        'PrepareResourceResolvedClosing',
        'ClosePlanFindings',
      ]),
    );
    // One update, both flags fixed, every other member kept
    const updates = deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule');
    expect(updates).toHaveLength(1);
    expect(networkConfigOf(deployment)).toEqual({
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: true,
    });
    expect(scheduleNow(deployment).MonitoringScheduleStatus).toBe('Scheduled');
    for (const finding of findings) {
      expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    }
    // The snapshot from before the change is in the bucket, with the definition as it was
    const snapshots = deployment.account.s3.keys(
      deployment.resourceSnapshotBucket,
      `resources/${deployment.account.accountId}/${deployment.account.region}/monitoring-schedule/${SCHEDULE}/`,
    );
    expect(snapshots).toHaveLength(1);
    // The sibling joined the plan (its note says so; no alert of its own), then the outcome
    expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'RESOLVED']);
    expect(alerts(deployment).at(-1)?.Message).toContain('npx tsx bin/restore-resource.ts --snapshot s3://');
    expect(lockItems(deployment)).toEqual([]);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('Given the approval request, Then it says the change alters how the schedule runs, before anything changes', async () => {
    const { deployment, findings } = givenFailingSchedule();

    await importedThenClicked(deployment, findings.slice(0, 1), 'reject');

    const request = alerts(deployment)[0];
    expect(request?.Subject).toBe(`SageMaker approval needed: update ${SCHEDULE}`);
    expect(request?.Message).toContain('This changes how the monitoring schedule behaves at run time');
    expect(request?.Message).toContain('the next monitoring job runs with no network access');
  });

  it('Given the plan is rejected, Then nothing changes and both findings say it was rejected', async () => {
    const { deployment, findings } = givenFailingSchedule();

    await importedThenClicked(deployment, findings, 'reject');

    expect(deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule')).toEqual([]);
    expect(networkConfigOf(deployment)).toEqual({
      EnableInterContainerTrafficEncryption: false,
      EnableNetworkIsolation: false,
    });
    for (const finding of findings) {
      const note = findingNow(deployment, finding).Note?.Text ?? '';
      expect(note).toContain(`The update of monitoring schedule ${SCHEDULE} was rejected`);
    }
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given nobody answers, When the approval window closes, Then nothing changes and the findings say the plan expired', async () => {
    const { deployment, findings } = givenFailingSchedule();

    await importedThenClicked(deployment, findings.slice(0, 1));

    expect(deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule')).toEqual([]);
    expect(findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      `Nobody approved the update of monitoring schedule ${SCHEDULE} in time`,
    );
  });

  it('Given the update is accepted but the schedule ends Failed, Then the definition is put back from the snapshot and the findings say so', async () => {
    const { deployment, findings } = givenFailingSchedule();
    deployment.account.sagemaker.monitoring.failNextUpdate(SCHEDULE, 'Role cannot be assumed');

    const executions = await importedThenClicked(deployment, findings.slice(0, 1), 'approve');

    const planner = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
    expect(planner?.status).toBe('FAILED');
    expect(statesOf(planner as never)).toEqual(
      expect.arrayContaining(['RecordResourceChangeFailed', 'RollBackResourceChange', 'ReportFailure']),
    );
    // Two updates: the fix, then the definition as it was
    expect(deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule')).toHaveLength(2);
    expect(networkConfigOf(deployment)).toEqual({
      EnableInterContainerTrafficEncryption: false,
      EnableNetworkIsolation: false,
    });
    const note = findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
    expect(note).toContain(`The update of monitoring schedule ${SCHEDULE} failed`);
    expect(note).toContain('Its definition was put back from the snapshot');
    expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given a schedule that runs a named job definition, Then the finding says to fix that definition and nothing is planned', async () => {
    const deployment = givenDeployment();
    deployment.account.sagemaker.monitoring.seedJobDefinition('DataQuality', {
      name: 'churn-quality',
      networkConfig: { EnableNetworkIsolation: false },
    });
    deployment.account.sagemaker.monitoring.seedMonitoringSchedule({
      name: SCHEDULE,
      config: {
        ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
        MonitoringJobDefinitionName: 'churn-quality',
        MonitoringType: 'DataQuality',
      },
    });
    const finding = resourceControlFinding({ controlId: 'SageMaker.14', resourceName: SCHEDULE });

    await importedThenClicked(deployment, [finding]);

    expect(findingNow(deployment, finding).Note?.Text).toContain(
      'The schedule runs the job definition churn-quality rather than one of its own',
    );
    expect(alertOutcomes(deployment)).toEqual(['NOTIFIED']);
  });

  it('Given the snapshot cannot be written, When approved, Then nothing is changed and the findings say so', async () => {
    const { deployment, findings } = givenFailingSchedule();
    deployment.account.faults.failNext({
      service: 'S3',
      operation: 'PutObject',
      code: 'InternalError',
      times: 500,
    });

    const executions = await importedThenClicked(deployment, findings.slice(0, 1), 'approve');

    const planner = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
    expect(planner?.status).toBe('FAILED');
    expect(statesOf(planner as never)).not.toContain('RollBackResourceChange');
    expect(deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule')).toEqual([]);
    expect(findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      `Nothing was changed on monitoring schedule ${SCHEDULE}.`,
    );
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given UpdateMonitoringSchedule is refused, When approved, Then the definition is put back as the snapshot has it and the findings say so', async () => {
    const { deployment, findings } = givenFailingSchedule();
    // The change's call and its retries by the Lambda's SDK and the task are all refused; the roll-back is not.
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'UpdateMonitoringSchedule',
      code: 'ValidationException',
      message: 'Monitoring schedule in status Pending',
      times: 30,
    });

    const executions = await importedThenClicked(deployment, findings.slice(0, 1), 'approve');

    const planner = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
    expect(planner?.status).toBe('FAILED');
    expect(networkConfigOf(deployment)).toEqual({
      EnableInterContainerTrafficEncryption: false,
      EnableNetworkIsolation: false,
    });
    const note = findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
    expect(note).toContain(`The update of monitoring schedule ${SCHEDULE} failed`);
    expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
    expect(lockItems(deployment)).toEqual([]);
  });
});
