/**
 * Root access is an ordinary in-place control: a second in-place notebook control, made up here and
 * added to the registry in memory only (as its sagemaker-N.ts and its line in registry.ts would), is
 * observed, updated, verified and resolved by the deployed stack under its enforced IAM with no other
 * production file changed; and one stop fixes both controls of a notebook that fails both.
 */
import { describe, expect, it, vi } from 'vitest';
import { notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { buildRemediationDefinition } from '../../statemachines/remediation-definition.js';
import {
  alertOutcomes,
  changesMade,
  deniedCalls,
  findingNow,
  givenNotebook,
  NOTEBOOK,
  notebookNow,
  onlyExecution,
  sageMaker3Finding,
  statesOf,
  whenImported,
} from './workflow-fixtures.js';

const INSTANCE_TYPE_ID = 'SageMaker.92';

vi.mock('../../handlers/shared/controls/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../handlers/shared/controls/registry.js')>();
  const { defineControl } = await import('../../handlers/shared/controls/control-module.js');
  const { AUTO_MODES, UPDATE_NOTEBOOK_CALLS } = await import(
    '../../handlers/shared/controls/engine-calls.js'
  );
  const instanceType = defineControl({
    id: 'SageMaker.92',
    title: 'Notebook instance runs on a previous-generation instance type',
    kind: 'notebook-instance',
    severity: 'LOW',
    checks: 'InstanceType',
    fails: ({ description }) => String(description.InstanceType ?? '').startsWith('ml.t2.'),
    fix: {
      strategy: 'in-place',
      engine: 'update-notebook',
      modes: AUTO_MODES,
      change:
        'Stop the notebook, UpdateNotebookInstance InstanceType=ml.t3.medium, start it again if it was running.',
      calls: UPDATE_NOTEBOOK_CALLS,
      notebookSetting: {
        field: 'InstanceType',
        value: 'ml.t3.medium',
        absent: '',
        updateState: 'ChangeInstanceType',
      },
    },
    guidance: (name) => `Move notebook instance ${name} to ml.t3.medium.`,
  });
  return { CONTROL_MODULES: [...original.CONTROL_MODULES, instanceType] };
});

function instanceTypeFinding() {
  return notebookControlFinding({ controlId: INSTANCE_TYPE_ID, notebookName: NOTEBOOK });
}

describe('Given a second in-place notebook control in the registry, and no other production change', () => {
  it('When the definition is built, Then it has its own update state, which writes its setting only', () => {
    const definition = buildRemediationDefinition();

    expect(definition.States.ChangeInstanceType).toMatchObject({
      Type: 'Task',
      Parameters: { 'NotebookInstanceName.$': '$.plan.notebook.name', InstanceType: 'ml.t3.medium' },
      Next: 'WaitForUpdateToFinish',
    });
    expect(definition.States.DisableRootAccess).toMatchObject({
      Parameters: { 'NotebookInstanceName.$': '$.plan.notebook.name', RootAccess: 'Disabled' },
    });
  });

  it('When its finding is imported for a running notebook, Then it is stopped, updated, started and the finding RESOLVED, with no call refused', async () => {
    const deployment = givenNotebook({
      status: 'InService',
      rootAccess: 'Disabled',
      instanceType: 'ml.t2.medium',
    });

    const execution = onlyExecution(await whenImported(deployment, instanceTypeFinding()));

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesOf(execution)).toContain('ChangeInstanceType');
    expect(statesOf(execution)).not.toContain('DisableRootAccess');
    expect(changesMade(deployment)).toEqual([
      'StopNotebookInstance',
      'UpdateNotebookInstance',
      'StartNotebookInstance',
    ]);
    expect(deployment.account.callsTo('SageMaker', 'UpdateNotebookInstance')[0]?.input).toEqual({
      NotebookInstanceName: NOTEBOOK,
      InstanceType: 'ml.t3.medium',
    });
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      InstanceType: 'ml.t3.medium',
    });
    const finding = findingNow(deployment, instanceTypeFinding());
    expect(finding?.Workflow?.Status).toBe('RESOLVED');
    expect(finding?.Note?.Text).toMatch(
      /^Remediated by .+: InstanceType=ml\.t3\.medium verified on notebook instance Research-Notebook \(was running before: true; status now: InService\)\.$/,
    );
    expect(alertOutcomes(deployment)).toEqual(['RESOLVED']);
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('When a notebook fails both and the root access finding comes first, Then one stop fixes both settings, and the second finding is told it is in progress', async () => {
    const deployment = givenNotebook({
      status: 'InService',
      rootAccess: 'Enabled',
      instanceType: 'ml.t2.medium',
    });
    deployment.importFinding(sageMaker3Finding());
    deployment.importFinding(instanceTypeFinding());

    await deployment.settle();

    expect(deployment.account.callsTo('SageMaker', 'StopNotebookInstance')).toHaveLength(1);
    expect(
      deployment.account.callsTo('SageMaker', 'UpdateNotebookInstance').map((call) => call.input),
    ).toEqual([
      { NotebookInstanceName: NOTEBOOK, RootAccess: 'Disabled' },
      { NotebookInstanceName: NOTEBOOK, InstanceType: 'ml.t3.medium' },
    ]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
      InstanceType: 'ml.t3.medium',
    });
    const rootAccess = findingNow(deployment, sageMaker3Finding());
    expect(rootAccess?.Workflow?.Status).toBe('RESOLVED');
    expect(rootAccess?.Note?.Text).toContain(
      ': RootAccess=Disabled, InstanceType=ml.t3.medium verified on notebook instance Research-Notebook',
    );
    const instanceType = findingNow(deployment, instanceTypeFinding());
    expect(instanceType?.Workflow?.Status).toBe('NOTIFIED');
    expect(instanceType?.Note?.Text).toMatch(
      /^Notebook instance Research-Notebook is already being remediated by execution /,
    );
    expect(deniedCalls(deployment)).toEqual([]);
  });

  it('When it is in notify mode, Then a root access fix leaves its setting alone', async () => {
    const deployment = givenNotebook(
      { status: 'Stopped', rootAccess: 'Enabled', instanceType: 'ml.t2.medium' },
      { configuration: { modes: { [INSTANCE_TYPE_ID]: 'notify' } } },
    );

    await whenImported(deployment, sageMaker3Finding());

    expect(
      deployment.account.callsTo('SageMaker', 'UpdateNotebookInstance').map((call) => call.input),
    ).toEqual([{ NotebookInstanceName: NOTEBOOK, RootAccess: 'Disabled' }]);
    expect(notebookNow(deployment)).toMatchObject({
      NotebookInstanceStatus: 'Stopped',
      InstanceType: 'ml.t2.medium',
    });
    expect(findingNow(deployment, sageMaker3Finding())?.Workflow?.Status).toBe('RESOLVED');
  });
});
