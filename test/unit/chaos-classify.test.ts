/**
 * The fault campaign's classifier on hand-made facts: each rule of "safe" (issue 7), and each flag.
 */
import { describe, expect, it } from 'vitest';
import { classifyRun, type NotebookFacts, type RunFacts } from '../../simulation/chaos/classify.js';

const FILES = { 'analysis.ipynb': 'aa', 'data/train.csv': 'bb' };
const SNAPSHOT = 's3://backups/roles/AROAEXAMPLE:SageMaker/Research-Notebook/20261123T090500Z-execution-0001';
const RESTORE = `npx tsx bin/restore-notebook.ts --snapshot ${SNAPSHOT} --wait`;

const running: NotebookFacts = {
  status: 'InService',
  lifecycleConfigName: 'team-setup',
  rootAccess: 'Disabled',
  directInternetAccess: 'Disabled',
  inVpc: true,
  files: FILES,
};

/** A run that went well: a running notebook fixed in place and running again, its finding RESOLVED. */
function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    path: 'in-place',
    prior: { running: true, lifecycleConfigName: 'team-setup', files: FILES },
    final: running,
    faults: [
      { kind: 'throttle', persistent: false, service: 'SageMaker', operation: 'StopNotebookInstance' },
    ],
    deletedBySomeoneElse: false,
    workflowDeletedNotebook: false,
    snapshots: [],
    findings: [{ controlId: 'SageMaker.3', workflowStatus: 'RESOLVED', note: 'Root access disabled.' }],
    alerts: [],
    lockItems: 0,
    openPlans: [],
    executions: [{ name: 'execution-0001', status: 'SUCCEEDED' }],
    ...overrides,
  };
}

const PERSISTENT_UPDATE_REFUSAL = [
  { kind: 'updateRefused', persistent: true },
] as const satisfies RunFacts['faults'];

describe('the fault campaign classifier', () => {
  it('Given a notebook back as it was, fixed, with its data, no lock and a RESOLVED finding, When classified, Then the run is safe', () => {
    expect(classifyRun(facts())).toEqual({
      safe: true,
      dataLost: false,
      leftStopped: false,
      lockLeak: false,
      stuck: false,
      untruthful: false,
      transient: true,
      reasons: [],
    });
  });

  it('Given a running notebook that ends Stopped after transient faults only, When classified, Then it is left stopped and unsafe', () => {
    const outcome = classifyRun(facts({ final: { ...running, status: 'Stopped' } }));
    expect(outcome).toMatchObject({ safe: false, leftStopped: true });
    expect(outcome.reasons).toEqual(['left stopped: it was running and ends Stopped']);
  });

  it('Given a persistent refusal and an ACTION NEEDED alert naming the state the notebook is in, When it ends Stopped, Then the run is safe', () => {
    const outcome = classifyRun(
      facts({
        faults: PERSISTENT_UPDATE_REFUSAL,
        final: { ...running, status: 'Stopped', rootAccess: 'Enabled' },
        findings: [
          {
            controlId: 'SageMaker.3',
            workflowStatus: 'NOTIFIED',
            note: 'Remediation failed. It was running before but is Stopped now: start it again.',
          },
        ],
        alerts: [
          {
            subject: 'SageMaker.3 remediation failed - ACTION NEEDED: Research-Notebook',
            message: 'Notebook now: Stopped, RootAccess Enabled',
          },
        ],
      }),
    );
    expect(outcome).toMatchObject({ safe: true, leftStopped: false, transient: false });
  });

  it('Given a persistent refusal and no ACTION NEEDED alert, When the notebook ends Stopped, Then the run is unsafe', () => {
    const outcome = classifyRun(
      facts({
        faults: PERSISTENT_UPDATE_REFUSAL,
        final: { ...running, status: 'Stopped', rootAccess: 'Enabled' },
        findings: [
          {
            controlId: 'SageMaker.3',
            workflowStatus: 'NOTIFIED',
            note: 'Remediation failed. It is Stopped.',
          },
        ],
        alerts: [
          { subject: 'SageMaker.3 remediation failed: Research-Notebook', message: 'Notebook now: Stopped' },
        ],
      }),
    );
    expect(outcome.safe).toBe(false);
    expect(outcome.reasons).toEqual([
      'not restored: ends Stopped, lifecycle configuration team-setup, was InService with team-setup, and no ACTION NEEDED alert saying what state it is in',
    ]);
  });

  it('Given the notebook runs again without its own lifecycle configuration, When classified, Then it is not restored', () => {
    const outcome = classifyRun(facts({ final: { ...running, lifecycleConfigName: 'remediation-backup' } }));
    expect(outcome.safe).toBe(false);
    expect(outcome.reasons[0]).toMatch(
      /^not restored: ends InService, lifecycle configuration remediation-backup/,
    );
  });

  it('Given a volume that lost a file and no restore command, When classified, Then data is lost', () => {
    const outcome = classifyRun(facts({ final: { ...running, files: { 'analysis.ipynb': 'aa' } } }));
    expect(outcome.dataLost).toBe(true);
    expect(outcome.reasons[0]).toBe(
      'data lost: the volume differs from before (missing data/train.csv) and no finding gives a restore command for a complete snapshot',
    );
  });

  it('Given a notebook the workflow deleted and could not bring back, When every finding gives the restore command of a complete snapshot with every file, Then no data is lost', () => {
    const outcome = classifyRun(
      facts({
        path: 'recreation',
        faults: [{ kind: 'startFails', persistent: true }],
        final: undefined,
        workflowDeletedNotebook: true,
        snapshots: [{ uri: SNAPSHOT, complete: true, files: FILES }],
        findings: [
          {
            controlId: 'SageMaker.1',
            workflowStatus: 'NOTIFIED',
            note: `It was deleted: restore it with: ${RESTORE}`,
          },
        ],
        alerts: [
          { subject: 'SageMaker.1 remediation failed - ACTION NEEDED: Research-Notebook', message: RESTORE },
        ],
      }),
    );
    expect(outcome).toMatchObject({ safe: true, dataLost: false });
  });

  it('Given a deleted notebook whose snapshot misses a file, When the findings give its restore command, Then data is lost', () => {
    const outcome = classifyRun(
      facts({
        path: 'recreation',
        final: undefined,
        workflowDeletedNotebook: true,
        snapshots: [{ uri: SNAPSHOT, complete: true, files: { 'analysis.ipynb': 'aa' } }],
        findings: [
          { controlId: 'SageMaker.1', workflowStatus: 'NOTIFIED', note: `restore it with: ${RESTORE}` },
        ],
      }),
    );
    expect(outcome.dataLost).toBe(true);
  });

  it('Given a complete snapshot, When one of two findings lacks its restore command, Then data is lost', () => {
    const outcome = classifyRun(
      facts({
        path: 'recreation',
        final: undefined,
        workflowDeletedNotebook: true,
        snapshots: [{ uri: SNAPSHOT, complete: true, files: FILES }],
        findings: [
          { controlId: 'SageMaker.1', workflowStatus: 'NOTIFIED', note: `restore it with: ${RESTORE}` },
          { controlId: 'SageMaker.2', workflowStatus: 'NOTIFIED', note: 'Awaiting approval until Friday' },
        ],
      }),
    );
    expect(outcome.dataLost).toBe(true);
  });

  it('Given someone else deleted the notebook before the workflow touched its data, When classified, Then nothing is lost by the workflow and the run is safe', () => {
    const outcome = classifyRun(
      facts({
        faults: [{ kind: 'deletedBySomeoneElse', persistent: true }],
        final: undefined,
        deletedBySomeoneElse: true,
        findings: [
          {
            controlId: 'SageMaker.3',
            workflowStatus: 'NOTIFIED',
            note: 'Remediation failed. It was deleted outside this workflow, so there is nothing to restore.',
          },
        ],
      }),
    );
    expect(outcome).toMatchObject({ safe: true, dataLost: false });
  });

  it('Given a lock item or an open plan left after the run, When classified, Then it is a lock leak', () => {
    expect(classifyRun(facts({ lockItems: 1 })).lockLeak).toBe(true);
    expect(classifyRun(facts({ openPlans: ['PENDING'] })).lockLeak).toBe(true);
    expect(classifyRun(facts({ openPlans: [] })).lockLeak).toBe(false);
  });

  it('Given an execution that timed out, When classified, Then the run is stuck', () => {
    const outcome = classifyRun(facts({ executions: [{ name: 'execution-0001', status: 'TIMED_OUT' }] }));
    expect(outcome).toMatchObject({ safe: false, stuck: true });
  });

  it.each([
    ['a finding left NEW', { controlId: 'SageMaker.3', workflowStatus: 'NEW', note: '' }, 'left NEW'],
    [
      'a finding RESOLVED while root access is still on',
      { controlId: 'SageMaker.3', workflowStatus: 'RESOLVED', note: 'Fixed.' },
      'RESOLVED while the notebook still fails it',
    ],
    [
      'a note claiming the data was kept',
      { controlId: 'SageMaker.3', workflowStatus: 'RESOLVED', note: 'Recreated, with its data kept.' },
      'says the data was kept',
    ],
    [
      'a note still awaiting approval',
      { controlId: 'SageMaker.3', workflowStatus: 'NOTIFIED', note: 'Awaiting approval until Friday.' },
      'awaits approval',
    ],
    [
      'a note claiming a state the notebook is not in',
      {
        controlId: 'SageMaker.3',
        workflowStatus: 'NOTIFIED',
        note: 'Failed. It is Stopped, as it was before.',
      },
      'says the notebook is Stopped, and it is InService',
    ],
  ])('Given %s, When classified, Then the note is untruthful', (_, finding, reason) => {
    const outcome = classifyRun(
      facts({
        final: {
          ...running,
          rootAccess: 'Enabled',
          files: { 'analysis.ipynb': 'aa', 'data/train.csv': 'changed' },
        },
        findings: [finding],
      }),
    );
    expect(outcome.untruthful).toBe(true);
    expect(outcome.reasons.filter((line) => line.startsWith('untruthful')).join('\n')).toContain(reason);
  });

  it('Given a note that claims the state and then says what to do once it changes, When classified, Then only the claim counts', () => {
    const outcome = classifyRun(
      facts({
        faults: PERSISTENT_UPDATE_REFUSAL,
        final: { ...running, status: 'Stopping', lifecycleConfigName: 'remediation-backup' },
        findings: [
          {
            controlId: 'SageMaker.3',
            workflowStatus: 'NOTIFIED',
            note: 'Failed. It is Stopping with the backup lifecycle configuration still attached: once it is Stopped, run aws sagemaker update-notebook-instance.',
          },
        ],
        alerts: [{ subject: 'Failed - ACTION NEEDED: Research-Notebook', message: 'It is Stopping' }],
      }),
    );
    expect(outcome).toMatchObject({ safe: true, untruthful: false });
  });

  it('Given Security Hub refuses every update for the whole run, When the finding stays NEW and an alert says what happened, Then the note is not held against the run', () => {
    const securityHubDown = {
      faults: [
        { kind: 'serverError', persistent: true, service: 'SecurityHub', operation: 'BatchUpdateFindings' },
      ],
      findings: [{ controlId: 'SageMaker.3', workflowStatus: 'NEW', note: '' }],
    } as const satisfies Partial<RunFacts>;
    const alerted = classifyRun(
      facts({ ...securityHubDown, alerts: [{ subject: 'SageMaker.3 remediated', message: 'InService' }] }),
    );
    expect(alerted).toMatchObject({ safe: true, untruthful: false });
    // And without any alert, nobody knows
    expect(classifyRun(facts(securityHubDown)).reasons).toEqual([
      'untruthful: SageMaker.3 finding left NEW, and no alert says what happened',
    ]);
  });

  it('Given planning refused for the whole run, When the finding stays NEW and an alert names it, Then the run is safe; after a transient refusal it is a dropped finding', () => {
    const findingId = 'arn:aws:securityhub:eu-west-1:111122223333:security-control/SageMaker.3/finding/f-1';
    const planningFailed = {
      final: { ...running, rootAccess: 'Enabled' },
      findings: [{ id: findingId, controlId: 'SageMaker.3', workflowStatus: 'NEW', note: '' }],
      alerts: [
        {
          subject: 'SageMaker remediation could not start',
          message: `Nothing was changed. The finding stays NEW.\nFinding: ${findingId}`,
        },
      ],
    } as const satisfies Partial<RunFacts>;
    const persistent = [
      { kind: 'throttle', persistent: true, service: 'SageMaker', operation: 'ListTags' },
    ] as const satisfies RunFacts['faults'];
    expect(classifyRun(facts({ ...planningFailed, faults: persistent }))).toMatchObject({
      safe: true,
      reasons: [],
    });
    expect(classifyRun(facts(planningFailed)).reasons).toEqual(['untruthful: SageMaker.3 finding left NEW']);
  });

  it('Given a validation error that happened only twice, When the notebook ends Stopped with an ACTION NEEDED alert saying so, Then it counts as a refusal and the run is safe', () => {
    const outcome = classifyRun(
      facts({
        faults: [
          {
            kind: 'validationError',
            persistent: false,
            service: 'SageMaker',
            operation: 'StartNotebookInstance',
          },
        ],
        final: { ...running, status: 'Stopped' },
        findings: [
          {
            controlId: 'SageMaker.3',
            workflowStatus: 'NOTIFIED',
            note: 'Failed. It is Stopped now: start it.',
          },
        ],
        alerts: [{ subject: 'Failed - ACTION NEEDED: Research-Notebook', message: 'It is Stopped' }],
      }),
    );
    expect(outcome).toMatchObject({ safe: true, transient: false, leftStopped: false });
  });

  it('Given someone else started the notebook after the last execution ended and the start failed, When classified, Then its run state is not held against the run, unlike a restart during it', () => {
    const failedByThem = {
      final: { ...running, status: 'Failed' },
      executions: [{ name: 'execution-0001', status: 'SUCCEEDED', stoppedAtMs: 1_000 }],
    } as const satisfies Partial<RunFacts>;
    expect(classifyRun(facts({ ...failedByThem, lastInterferenceAtMs: 2_000 }))).toMatchObject({
      safe: true,
      leftStopped: false,
    });
    expect(classifyRun(facts({ ...failedByThem, lastInterferenceAtMs: 500 }))).toMatchObject({
      safe: false,
      leftStopped: true,
    });
  });

  it('Given an execution that ended at the history limit, or ran past the work budget in place, When classified, Then the run is stuck', () => {
    const atLimit = classifyRun(
      facts({
        executions: [
          { name: 'execution-0001', status: 'FAILED', error: 'States.Runtime', historyLimit: true },
        ],
      }),
    );
    expect(atLimit.reasons).toContain('stuck: execution-0001 FAILED at the history limit');
    const tooLong = classifyRun(
      facts({
        executions: [
          { name: 'execution-0001', status: 'SUCCEEDED', startedAtMs: 0, stoppedAtMs: 25 * 3_600_000 },
        ],
      }),
    );
    expect(tooLong).toMatchObject({ safe: false, stuck: true });
  });

  it('Given an operator stopped the execution after the delete, When the notebook is gone and every finding and an ACTION NEEDED alert give the restore command of a complete snapshot, Then the run is safe; without the alert it is not', () => {
    const stopped = {
      path: 'recreation',
      faults: [{ kind: 'stopExecution', persistent: false }],
      final: undefined,
      workflowDeletedNotebook: true,
      snapshots: [{ uri: SNAPSHOT, complete: true, files: FILES }],
      findings: [
        { controlId: 'SageMaker.1', workflowStatus: 'NOTIFIED', note: `Deleted and not back: ${RESTORE}` },
      ],
    } as const satisfies Partial<RunFacts>;
    const alert = {
      subject: 'SageMaker.1 remediation failed - ACTION NEEDED',
      message: `restore: ${RESTORE}`,
    };
    expect(classifyRun(facts({ ...stopped, alerts: [alert] }))).toMatchObject({ safe: true, reasons: [] });
    expect(classifyRun(facts(stopped))).toMatchObject({ safe: false });
  });
});
