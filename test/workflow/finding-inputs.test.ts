/**
 * Findings that must not be acted on as they are, end to end: imported by Security Hub, matched by the
 * rule, refused by the planning Lambda before any AWS call; and the alert of a planning failure, whose
 * size must not depend on the finding's.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { parseStartSettings, START_SETTINGS_VARIABLE } from '../../handlers/shared/execution-spacing.js';
import { buildPlanningFailureAlert } from '../../handlers/shared/planning-failure-alert.js';
import type { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';
import { largeFinding } from '../unit/large-finding.js';
import {
  alerts,
  findingNow,
  givenNotebook,
  lockItems,
  NOTEBOOK,
  notebookNow,
  sageMaker3Finding,
  statesOf,
  whenImported,
} from './workflow-fixtures.js';

const NOTEBOOK_ARN = `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${NOTEBOOK.toLowerCase()}`;

/** The AWS calls made after the import, but for the finding buffer's own bookkeeping (its slot table). */
function callsPastTheBuffer(deployment: LocalDeployment) {
  const { slotTableName } = parseStartSettings(
    deployment.deployedFunction('StartRemediation').environment[START_SETTINGS_VARIABLE],
  );
  return deployment.account.calls.filter(
    (call) => (call.input as { TableName?: unknown }).TableName !== slotTableName,
  );
}

/**
 * The finding's execution. Its FAILED status starts a clean-up execution of the same state machine,
 * which must find nothing to clean up: the refusal changed nothing.
 */
function failedRun(executions: readonly ExecutionRecord[]): ExecutionRecord {
  const [run, ...cleanups] = executions;
  if (run === undefined) throw new Error('no execution');
  expect(run.status).toBe('FAILED');
  expect(cleanups.map((cleanup) => statesOf(cleanup).at(-1))).toEqual(['CleanUpNotNeeded']);
  return run;
}

describe('findings that are refused as they are', () => {
  it('Given a finding naming two notebooks, When Security Hub imports it, Then it is rejected with the problem listed, no AWS call is made and neither notebook changes', async () => {
    // Given a SageMaker.3 finding whose resources are this notebook and another one
    const deployment = givenNotebook();
    deployment.account.sagemaker.seedNotebook({ name: 'other', status: 'InService', rootAccess: 'Enabled' });
    const base = sageMaker3Finding();
    const [own] = base.Resources ?? [];
    if (own === undefined) throw new Error('the sample finding names no resource');
    const other = { ...own, Id: NOTEBOOK_ARN.replace(/[^/]+$/, 'other') };
    const finding: AwsSecurityFinding = { ...base, Resources: [own, other] };

    // When
    const execution = failedRun(await whenImported(deployment, finding));

    // Then
    expect(statesOf(execution)).toEqual(['PlanRemediation', 'RejectEvent']);
    expect(execution.error).toBe('InvalidFindingEvent');
    expect(execution.cause).toContain(
      `2 resources of type AwsSageMakerNotebookInstance in the finding (${NOTEBOOK_ARN}, ${other.Id}): exactly one is required`,
    );
    expect(callsPastTheBuffer(deployment)).toEqual([]);
    for (const name of [NOTEBOOK, 'other']) {
      expect(notebookNow(deployment, name)).toMatchObject({
        NotebookInstanceStatus: 'InService',
        RootAccess: 'Enabled',
      });
    }
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('NEW');
  });

  it('Given a finding shaped like a control’s but from another product, When imported, Then it is rejected naming the product, and nothing changes', async () => {
    // Given a finding another integration sent, with Security Hub's control id and this notebook
    const deployment = givenNotebook();
    const productArn = 'arn:aws:securityhub:eu-west-1::product/aws/inspector';
    const finding: AwsSecurityFinding = { ...sageMaker3Finding(), ProductArn: productArn };

    // When
    const execution = failedRun(await whenImported(deployment, finding));

    // Then
    expect(execution.error).toBe('InvalidFindingEvent');
    expect(execution.cause).toContain(
      `ProductArn ${productArn} is not Security Hub's own product arn:aws:securityhub:eu-west-1::product/aws/securityhub`,
    );
    expect(callsPastTheBuffer(deployment)).toEqual([]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Enabled',
    });
    expect(lockItems(deployment)).toEqual([]);
  });
});

describe('the planning-failure alert of a large finding', () => {
  it('Given a 240 KB finding whose planning fails, When imported, Then the alert is published with the finding cut to 16 KiB, and nothing changed', async () => {
    // Failed before the fix: AlertPlanningFailed put States.JsonToString($) in the message, over 256 KiB
    // for this finding, and the execution ended in States.DataLimitExceeded with no alert.
    // Given a finding as large as Security Hub allows, and ListTags refusing the planning Lambda
    const deployment = givenNotebook();
    const finding = largeFinding(sageMaker3Finding());
    deployment.account.faults.failNext({
      service: 'SageMaker',
      operation: 'ListTags',
      code: 'ValidationException',
      message: 'Refused for the test',
    });

    // When
    const execution = failedRun(await whenImported(deployment, finding));

    // Then planning failed, and the alert is the bounded one, not the whole state
    expect(execution.error).toBe('ValidationException');
    expect(statesOf(execution)).toEqual([
      'PlanRemediation',
      'AlertPlanningFailed',
      'PublishPlanningFailure',
      'PlanningFailed',
    ]);
    const [alert, ...more] = alerts(deployment);
    expect(more).toEqual([]);
    const expected = buildPlanningFailureAlert(
      execution.input,
      { Error: execution.error ?? '', Cause: execution.cause },
      execution.executionArn,
    );
    expect(alert?.Subject).toBe(expected.subject);
    expect(alert?.Message).toBe(expected.message);
    expect(alert?.Message).toContain('[cut: the finding is');
    expect(execution.maxPayloadBytes).toBeLessThan(256 * 1024);
    // And nothing was changed: the finding stays NEW for the next import
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Enabled',
    });
    expect(findingNow(deployment, finding).Workflow?.Status).toBe('NEW');
    expect(lockItems(deployment)).toEqual([]);
  });
});
