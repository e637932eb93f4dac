/**
 * SageMaker.9 and .11 (and the other job definition controls, by the same engine): a data quality job
 * definition without traffic encryption or network isolation, recreated after an approval as a fixed
 * copy under a new name, every schedule that ran it moved to the copy, the old one deleted. One plan
 * for both controls; a verified snapshot first; from a failure at any step, everything put back.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { recreatedName } from '../../handlers/shared/changes/recreate-job-definition.js';
import type { SimulatedService } from '../../simulation/account/errors.js';
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

const DEFINITION = 'Churn-Quality';
const HOURLY = 'churn-hourly';
const NIGHTLY = 'churn-nightly';
const CONTROLS = ['SageMaker.9', 'SageMaker.11'];

type Members = Record<string, unknown>;

function scheduleConfig(definition: string) {
  return {
    ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' },
    MonitoringJobDefinitionName: definition,
    MonitoringType: 'DataQuality',
  };
}

/** A definition failing both controls on two instances, run by a scheduled and a stopped schedule. */
function givenFailingDefinition() {
  const deployment = givenDeployment();
  const { monitoring } = deployment.account.sagemaker;
  monitoring.seedJobDefinition('DataQuality', {
    name: DEFINITION,
    roleArn: RESOURCE_ROLE(deployment.account),
    endpointName: 'churn-endpoint',
    instanceCount: 2,
    networkConfig: { EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false },
    tags: [{ Key: 'team', Value: 'churn' }],
  });
  monitoring.seedMonitoringSchedule({ name: HOURLY, config: scheduleConfig(DEFINITION) });
  monitoring.seedMonitoringSchedule({ name: NIGHTLY, config: scheduleConfig(DEFINITION), status: 'Stopped' });
  const findings = CONTROLS.map((controlId) =>
    resourceControlFinding({ controlId, resourceName: DEFINITION }),
  );
  const before = definitionNow(deployment, DEFINITION);
  return { deployment, findings, before, copy: recreatedName(before) };
}

function definitionNow(deployment: LocalDeployment, name: string): Members {
  return deployment.account.sagemaker.operations().DescribeDataQualityJobDefinition?.({
    JobDefinitionName: name,
  }) as Members;
}

/** A definition's members beside its identity (what a copy or a restore must keep). */
function membersOf(description: Members): Members {
  const {
    JobDefinitionArn: _arn,
    JobDefinitionName: _name,
    CreationTime: _created,
    ...members
  } = description;
  return members;
}

function scheduleNow(deployment: LocalDeployment, name: string) {
  return deployment.account.sagemaker.operations().DescribeMonitoringSchedule?.({
    MonitoringScheduleName: name,
  }) as { MonitoringScheduleStatus: string; MonitoringScheduleConfig: Members };
}

function tagsOf(deployment: LocalDeployment, name: string) {
  const arn = String(definitionNow(deployment, name).JobDefinitionArn);
  return deployment.account.sagemaker.monitoring.tagsOf(arn);
}

async function importedThenClicked(
  deployment: LocalDeployment,
  findings: readonly AwsSecurityFinding[],
  click?: 'approve' | 'reject',
) {
  for (const finding of findings) deployment.importFinding(finding);
  if (click) clickLater(deployment, click, findings[0] as AwsSecurityFinding, 5);
  return deployment.settle();
}

function plannerOf(executions: Awaited<ReturnType<LocalDeployment['settle']>>) {
  const planner = executions.find((execution) => statesOf(execution).includes('SnapshotResource'));
  if (!planner) throw new Error('no execution took a snapshot');
  return planner;
}

/** Fails the first SageMaker call `when` picks (`times` over): a fault at one step of the engine. */
function failWhen(
  deployment: LocalDeployment,
  when: (operation: string, input: Members) => boolean,
  /** More than the state machine's retries of what looks transient (an SDK integration's errors). */
  times = 1,
): void {
  const { faults } = deployment.account;
  const check = faults.check.bind(faults);
  let fired = false;
  faults.check = (service: SimulatedService, operation: string, input: unknown) => {
    if (!fired && service === 'SageMaker' && when(operation, (input ?? {}) as Members)) {
      fired = true;
      faults.failNext({
        service,
        operation,
        code: 'ValidationException',
        message: 'Injected failure',
        times,
      });
    }
    return check(service, operation, input);
  };
}

describe(`SageMaker.9 and .11 on data quality job definition ${DEFINITION}`, () => {
  it('Given a definition failing both controls and two schedules running it, When one finding is approved, Then a fixed copy runs both schedules, the old one is deleted, and both findings are RESOLVED', async () => {
    const { deployment, findings, before, copy } = givenFailingDefinition();

    const planner = plannerOf(await importedThenClicked(deployment, findings, 'approve'));

    expect(planner.status).toBe('SUCCEEDED');
    expect(statesOf(planner)).toEqual(
      expect.arrayContaining([
        'SnapshotResource',
        'CreateFixedJobDefinition',
        'MoveSchedulesToFixedJobDefinition',
        'CountPendingMovedSchedules',
        'CountFailedMovedSchedules',
        'VerifyFixedJobDefinition',
        'DeleteOldJobDefinition',
        'VerifyChangedResource',
        'PrepareResourceResolvedClosing',
      ]),
    );
    // The copy: every member kept, both flags fixed, the user tags
    expect(membersOf(definitionNow(deployment, copy))).toEqual({
      ...membersOf(before),
      NetworkConfig: { EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true },
    });
    expect(tagsOf(deployment, copy)).toEqual([{ Key: 'team', Value: 'churn' }]);
    expect(deployment.account.sagemaker.monitoring.hasJobDefinition('DataQuality', DEFINITION)).toBe(false);
    // Each schedule runs the copy, the rest of its configuration and its state as before
    expect(scheduleNow(deployment, HOURLY)).toMatchObject({
      MonitoringScheduleStatus: 'Scheduled',
      MonitoringScheduleConfig: scheduleConfig(copy),
    });
    expect(scheduleNow(deployment, NIGHTLY)).toMatchObject({
      MonitoringScheduleStatus: 'Stopped',
      MonitoringScheduleConfig: scheduleConfig(copy),
    });
    expect(deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule')).toHaveLength(2);
    for (const finding of findings) expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    // The snapshot from before the change, with the schedules it moved
    const [snapshotKey, ...others] = deployment.account.s3.keys(
      deployment.resourceSnapshotBucket,
      `resources/${deployment.account.accountId}/${deployment.account.region}/data-quality-job-definition/${DEFINITION}/`,
    );
    expect(others).toEqual([]);
    const body = deployment.account.s3.getObject({
      Bucket: deployment.resourceSnapshotBucket,
      Key: snapshotKey ?? '',
    }).Body;
    const snapshot = JSON.parse((await body?.transformToString('utf-8')) ?? '{}') as {
      related: { schedules: { MonitoringScheduleName: string }[] };
    };
    expect(snapshot.related.schedules.map((schedule) => schedule.MonitoringScheduleName).sort()).toEqual([
      HOURLY,
      NIGHTLY,
    ]);
    expect(alertOutcomes(deployment)).toEqual(['AWAITING_APPROVAL', 'RESOLVED']);
    expect(lockItems(deployment)).toEqual([]);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('Given the approval request, Then it names the copy and every schedule moved, before anything changes', async () => {
    const { deployment, findings, copy } = givenFailingDefinition();

    await importedThenClicked(deployment, findings.slice(0, 1), 'reject');

    const request = alerts(deployment)[0];
    expect(request?.Subject).toBe(`SageMaker approval needed: recreation ${DEFINITION}`);
    expect(request?.Message).toContain(`created under a new name, ${copy}`);
    expect(request?.Message).toMatch(
      /The 2 monitoring schedules that run it \((churn-hourly, churn-nightly|churn-nightly, churn-hourly)\)/,
    );
    // The finding's note while it waited, within Security Hub's 512 characters
    const note = deployment.account
      .callsTo('SecurityHub', 'BatchUpdateFindings')
      .map((call) => String((call.input as { Note?: { Text?: string } }).Note?.Text ?? ''))
      .find((text) => text.startsWith('Awaiting approval until'));
    expect(note).toMatch(
      /Monitoring schedules moved to the copy \(2\): (churn-hourly, churn-nightly|churn-nightly, churn-hourly)\./,
    );
  });

  it('Given the plan is rejected, Then nothing is created, moved or deleted', async () => {
    const { deployment, findings, before } = givenFailingDefinition();

    await importedThenClicked(deployment, findings, 'reject');

    for (const operation of [
      'CreateDataQualityJobDefinition',
      'UpdateMonitoringSchedule',
      'DeleteDataQualityJobDefinition',
    ]) {
      expect(deployment.account.callsTo('SageMaker', operation)).toEqual([]);
    }
    expect(definitionNow(deployment, DEFINITION)).toEqual(before);
    for (const finding of findings) {
      expect(findingNow(deployment, finding).Note?.Text).toContain(
        `The recreation of data quality job definition ${DEFINITION} was rejected`,
      );
    }
    expect(lockItems(deployment)).toEqual([]);
  });

  it('Given nobody answers, When the approval window closes, Then nothing changes and the finding says the plan expired', async () => {
    const { deployment, findings, before } = givenFailingDefinition();

    await importedThenClicked(deployment, findings.slice(0, 1));

    expect(deployment.account.callsTo('SageMaker', 'CreateDataQualityJobDefinition')).toEqual([]);
    expect(definitionNow(deployment, DEFINITION)).toEqual(before);
    expect(findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text).toContain(
      `Nobody approved the recreation of data quality job definition ${DEFINITION} in time`,
    );
  });

  type Injection = (deployment: LocalDeployment, copy: string) => void;
  const moved = (deployment: LocalDeployment) =>
    deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule').some((call) => call.outcome === 'ok');
  const STEPS: ReadonlyArray<readonly [string, string, Injection, string]> = [
    [
      'the copy cannot be created',
      'CreateFixedJobDefinition',
      (deployment) => failWhen(deployment, (operation) => operation === 'CreateDataQualityJobDefinition'),
      'Injected failure',
    ],
    [
      'the second schedule cannot be moved (the first has been)',
      'MoveSchedulesToFixedJobDefinition',
      (deployment) =>
        failWhen(deployment, (operation) => operation === 'UpdateMonitoringSchedule' && moved(deployment)),
      'Injected failure',
    ],
    [
      'a moved schedule ends Failed',
      'RecordMovedScheduleFailed',
      (deployment) =>
        deployment.account.sagemaker.monitoring.failNextUpdate(HOURLY, 'Role cannot be assumed'),
      'Failed after the move',
    ],
    [
      'the moved schedules cannot be listed',
      'CountPendingMovedSchedules',
      (deployment, copy) =>
        failWhen(
          deployment,
          (operation, input) =>
            operation === 'ListMonitoringSchedules' && input.MonitoringJobDefinitionName === copy,
          10,
        ),
      'Injected failure',
    ],
    [
      'the copy cannot be read to verify it',
      'VerifyFixedJobDefinition',
      (deployment, copy) =>
        failWhen(
          deployment,
          (operation, input) =>
            operation === 'DescribeDataQualityJobDefinition' && input.JobDefinitionName === copy,
        ),
      'Injected failure',
    ],
    [
      'the old definition cannot be deleted',
      'DeleteOldJobDefinition',
      (deployment) => failWhen(deployment, (operation) => operation === 'DeleteDataQualityJobDefinition'),
      'Injected failure',
    ],
    [
      'the final verification cannot read the copy (the old definition already deleted)',
      'VerifyChangedResource',
      (deployment, copy) => {
        let reads = 0;
        failWhen(deployment, (operation, input) => {
          if (operation !== 'DescribeDataQualityJobDefinition' || input.JobDefinitionName !== copy)
            return false;
          reads += 1;
          return reads === 2;
        });
      },
      'Injected failure',
    ],
  ];

  it.each(STEPS)(
    'Given an approved recreation, When %s, Then the old definition, its tags and both schedules are put back, the copy is gone, and the findings say so',
    async (_what, failedState, inject, cause) => {
      const { deployment, findings, before, copy } = givenFailingDefinition();
      inject(deployment, copy);

      const planner = plannerOf(await importedThenClicked(deployment, findings.slice(0, 1), 'approve'));
      // The last moves back settle
      deployment.account.clock.advance(120_000);

      expect(planner.status).toBe('FAILED');
      expect(statesOf(planner)).toEqual(
        expect.arrayContaining([failedState, 'RollBackResourceChange', 'ReportFailure']),
      );
      expect(statesOf(planner)).not.toContain('RecordRollBackFailed');
      // Recreated from the snapshot only where the old definition had been deleted
      const okCalls = (operation: string, name: string) =>
        deployment.account
          .callsTo('SageMaker', operation)
          .filter((call) => call.outcome === 'ok' && (call.input as Members).JobDefinitionName === name);
      const deleted = okCalls('DeleteDataQualityJobDefinition', DEFINITION).length > 0;
      expect(deleted).toBe(failedState === 'VerifyChangedResource');
      expect(okCalls('CreateDataQualityJobDefinition', DEFINITION)).toHaveLength(deleted ? 1 : 0);
      expect(membersOf(definitionNow(deployment, DEFINITION))).toEqual(membersOf(before));
      expect(tagsOf(deployment, DEFINITION)).toEqual([{ Key: 'team', Value: 'churn' }]);
      expect(deployment.account.sagemaker.monitoring.hasJobDefinition('DataQuality', copy)).toBe(false);
      expect(scheduleNow(deployment, HOURLY).MonitoringScheduleConfig).toEqual(scheduleConfig(DEFINITION));
      expect(scheduleNow(deployment, NIGHTLY)).toMatchObject({
        MonitoringScheduleStatus: 'Stopped',
        MonitoringScheduleConfig: scheduleConfig(DEFINITION),
      });
      const note = findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
      expect(note).toContain(`The recreation of data quality job definition ${DEFINITION} failed`);
      expect(note).toContain('Its definition was put back from the snapshot');
      expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
      expect(alerts(deployment).at(-1)?.Message).toContain(cause);
      expect(lockItems(deployment)).toEqual([]);
    },
  );

  it('Given an approved recreation whose copy cannot be created, When putting the definition back fails too, Then the finding and the alert say it may be left changed and give the restore-resource command with the snapshot', async () => {
    const { deployment, findings, copy } = givenFailingDefinition();
    const created = (name: string) => (operation: string, input: Members) =>
      operation === 'CreateDataQualityJobDefinition' && input.JobDefinitionName === name;
    failWhen(deployment, created(copy));
    // The roll-back's own first call (the old definition created again, or found there) fails on every retry
    failWhen(deployment, created(DEFINITION), 20);

    const planner = plannerOf(await importedThenClicked(deployment, findings.slice(0, 1), 'approve'));

    expect(planner.status).toBe('FAILED');
    expect(statesOf(planner)).toEqual(
      expect.arrayContaining(['RollBackResourceChange', 'RecordRollBackFailed', 'ReportFailure']),
    );
    const [snapshotKey] = deployment.account.s3.keys(
      deployment.resourceSnapshotBucket,
      `resources/${deployment.account.accountId}/${deployment.account.region}/data-quality-job-definition/${DEFINITION}/`,
    );
    const command = `npx tsx bin/restore-resource.ts --snapshot s3://${deployment.resourceSnapshotBucket}/${snapshotKey}`;
    const note = findingNow(deployment, findings[0] as AwsSecurityFinding).Note?.Text ?? '';
    expect(note).toContain(
      `failed and may have left it changed. Put it back with: ${command} (why: putting its definition back failed too;`,
    );
    expect(note).not.toContain('Its definition was put back');
    expect(alertOutcomes(deployment).at(-1)).toBe('FAILED');
    const alert = alerts(deployment).at(-1)?.Message ?? '';
    expect(alert).toContain(`Snapshot: ${snapshotKey}`);
    expect(alert).toContain(`Restore command: ${command}`);
    // The restore tool can still put it back: the old definition is untouched here, the copy never made
    expect(deployment.account.sagemaker.monitoring.hasJobDefinition('DataQuality', DEFINITION)).toBe(true);
    expect(deployment.account.sagemaker.monitoring.hasJobDefinition('DataQuality', copy)).toBe(false);
  });

  it('Given a definition no schedule runs, When approved, Then the copy replaces it without any schedule update', async () => {
    const deployment = givenDeployment();
    deployment.account.sagemaker.monitoring.seedJobDefinition('DataQuality', {
      name: DEFINITION,
      roleArn: RESOURCE_ROLE(deployment.account),
      networkConfig: { EnableNetworkIsolation: false },
    });
    const finding = resourceControlFinding({ controlId: 'SageMaker.11', resourceName: DEFINITION });
    const copy = recreatedName(definitionNow(deployment, DEFINITION));

    const planner = plannerOf(await importedThenClicked(deployment, [finding], 'approve'));

    expect(planner.status).toBe('SUCCEEDED');
    expect(alerts(deployment)[0]?.Message).toContain('No monitoring schedule runs this definition.');
    expect(deployment.account.callsTo('SageMaker', 'UpdateMonitoringSchedule')).toEqual([]);
    // The sibling (SageMaker.9, approval by default) is fixed with it
    expect(definitionNow(deployment, copy).NetworkConfig).toEqual({
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: true,
    });
    expect(deployment.account.sagemaker.monitoring.hasJobDefinition('DataQuality', DEFINITION)).toBe(false);
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
  });
});
