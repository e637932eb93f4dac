import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalDeployment } from '../local-workflow/local-deployment.js';
import { customActionEvent, notebookControlFinding } from '../simulated-account/sample-findings.js';
import {
  alerts,
  changesMade,
  findingNow,
  givenNotebook,
  NOTEBOOK,
  notebookNow,
  statesOf,
} from './workflow-fixtures.js';

const SUBNET = 'subnet-0123456789abcdef0';
const SECURITY_GROUP = 'sg-0123456789abcdef0';

const recreation = {
  modes: { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' },
  recreate: {
    targets: [
      { account: '111122223333', region: 'eu-west-1', subnetId: SUBNET, securityGroupIds: [SECURITY_GROUP] },
    ],
  },
};

const FILES = {
  'analysis.ipynb': '{"cells": []}\n',
  'data/train.csv': 'a,b\n1,2\n',
  'notes with spaces.md': '# notes\n',
};

let deployment: LocalDeployment | undefined;
afterEach(() => deployment?.account.dispose());

/** An exposed notebook: internet access, no VPC, root access, its own lifecycle config, tags and data. */
function givenExposedNotebook(configuration: unknown = recreation): LocalDeployment {
  const created = givenNotebook({}, { configuration });
  deployment = created;
  return created;
}

function findingsFor(controls: readonly string[]): AwsSecurityFinding[] {
  return controls.map((controlId) => notebookControlFinding({ controlId, notebookName: NOTEBOOK }));
}

/** A person clicks a custom action on a finding, `afterMinutes` of simulated time from now. */
function clickLater(
  target: LocalDeployment,
  actionId: string,
  finding: AwsSecurityFinding,
  afterMinutes: number,
) {
  void target.account.clock.sleep(afterMinutes * 60_000).then(() => {
    const current = target.account.securityHub.getFinding(finding.Id ?? '') ?? finding;
    target.account.bus.putEvent(customActionEvent([current], { actionId }));
  });
}

describe('approval-gated recreation', () => {
  it('SageMaker.1, .2 and .3 at once: one plan, approved, snapshotted, recreated with its data, all RESOLVED', async () => {
    // Given a running notebook failing .1, .2 and .3, with a lifecycle config, tags and files
    deployment = givenNotebook(
      {
        directInternetAccess: 'Enabled',
        lifecycleConfigName: undefined,
        tags: [{ Key: 'team', Value: 'research' }],
        files: FILES,
      },
      { configuration: recreation },
    );
    const findings = findingsFor(['SageMaker.1', 'SageMaker.2', 'SageMaker.3']);

    // When the three findings arrive together and security ops approve 30 minutes later
    for (const finding of findings) deployment.importFinding(finding);
    clickLater(deployment, 'ApprovePlan', findings[1] as AwsSecurityFinding, 30);
    const executions = await deployment.settle();

    // Then one execution did the work; the two others joined its plan
    const [plan, ...joined] = executions;
    expect(plan?.status).toBe('SUCCEEDED');
    expect(joined.map((execution) => statesOf(execution).at(-1))).toEqual([
      'PublishOutcomeAlert',
      'PublishOutcomeAlert',
    ]);
    // And the notebook was snapshotted, deleted and recreated once, with the fixes
    expect(changesMade(deployment).filter((call) => /Create|Delete/.test(call))).toEqual([
      'DeleteNotebookInstance',
      'CreateNotebookInstance',
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      DirectInternetAccess: 'Disabled',
      SubnetId: SUBNET,
      SecurityGroups: [SECURITY_GROUP],
      RootAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2023-v1',
    });
    // And the data came back, byte for byte
    expect(deployment.account.sagemaker.volumeFiles(NOTEBOOK)).toEqual(FILES);
    // And all three findings are RESOLVED
    for (const finding of findings) expect(findingNow(deployment, finding).Workflow?.Status).toBe('RESOLVED');
    expect(alerts(deployment).map((alert) => alert.MessageAttributes?.outcome?.StringValue)).toContain(
      'RESOLVED',
    );
  });
});
