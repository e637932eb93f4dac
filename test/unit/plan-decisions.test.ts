import { describe, expect, it } from 'vitest';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';
import { decideFromNotebook, dryRunAnnotation } from '../../handlers/shared/notebook-decisions.js';
import {
  buildPlanResult,
  decideByMode,
  decideWhenLocked,
  exemptAnnotation,
  isExempt,
  lockKeyFor,
  toSubject,
} from '../../handlers/shared/plan-decisions.js';
import { isRunningStatus } from '../../handlers/shared/remediation-plan.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';
import { validatedFinding } from './validated-finding-fixture.js';

const execution = EXECUTION;

const finding = (controlId: string, overrides: Partial<ValidatedFinding> = {}): ValidatedFinding =>
  validatedFinding(
    controlId,
    'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
    {
      notebookName: 'Research-Notebook',
      ...overrides,
    },
  );

const settings = runtimeSettings;
const timing = runtimeSettings().timing;

describe('decideByMode', () => {
  it('SageMaker.3 in its default auto mode: look further (tags, lock, notebook)', () => {
    expect(decideByMode(finding('SageMaker.3'), settings(), execution)).toEqual({ kind: 'continue' });
  });

  it('SageMaker.3 switched to notify: annotate NOTIFIED with the guidance, change nothing', () => {
    const decision = decideByMode(
      finding('SageMaker.3'),
      settings({ modes: resolveModes({ 'SageMaker.3': 'notify' }) }),
      execution,
    );
    expect(decision.kind).toBe('annotate');
    if (decision.kind !== 'annotate') return;
    expect(decision.annotation.workflowStatus).toBe('NOTIFIED');
    expect(decision.annotation.outcome).toBe('NOTIFIED');
    expect(decision.annotation.note).toBe(
      'Notebook instance has root access enabled (Research-Notebook). Not remediated automatically: SageMaker.3 is in notify mode. What to do: Stop notebook instance Research-Notebook, call UpdateNotebookInstance with RootAccess=Disabled, and start it again if it was running.',
    );
  });

  it('a control without remediation (SageMaker.16): annotate with its guidance', () => {
    const decision = decideByMode(
      finding('SageMaker.16', {
        resourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:model/churn',
        notebookName: undefined,
      }),
      settings(),
      execution,
    );
    expect(decision.kind === 'annotate' && decision.annotation.note).toContain(
      'has no automatic remediation',
    );
    expect(decision.kind === 'annotate' && decision.annotation.subject).toBe(
      'SageMaker.16 needs attention: churn',
    );
  });

  it('a control switched off: ignore, so nothing is written anywhere', () => {
    const decision = decideByMode(
      finding('SageMaker.3'),
      settings({ modes: resolveModes({ 'SageMaker.3': 'off' }) }),
      execution,
    );
    expect(decision).toEqual({ kind: 'ignore', reason: 'SageMaker.3 is switched off' });
  });
});

describe('exemption', () => {
  it('only the exact tag key and value exempt a resource', () => {
    const exemption = { key: 'securityhub-remediation', value: 'skip' };
    expect(isExempt([{ Key: 'securityhub-remediation', Value: 'skip' }], exemption)).toBe(true);
    expect(isExempt([{ Key: 'securityhub-remediation', Value: 'SKIP' }], exemption)).toBe(false);
    expect(isExempt([{ Key: 'owner', Value: 'skip' }], exemption)).toBe(false);
    expect(isExempt([], exemption)).toBe(false);
  });

  it('the exempt note says which tag and how to undo it', () => {
    const annotation = exemptAnnotation(finding('SageMaker.3'), settings(), execution);
    expect(annotation.outcome).toBe('SKIPPED_EXEMPT');
    expect(annotation.workflowStatus).toBe('NOTIFIED');
    expect(annotation.note).toBe(
      'Skipped: notebook instance Research-Notebook has the exemption tag securityhub-remediation=skip, so SageMaker.3 was not remediated and nothing was changed. To remediate, remove the tag and set this finding back to NEW.',
    );
  });
});

describe('decideFromNotebook', () => {
  it('InService with root access: remediate, and it counts as running', () => {
    expect(
      decideFromNotebook(
        finding('SageMaker.3'),
        { exists: true, status: 'InService', description: { RootAccess: 'Enabled' } },
        execution,
      ),
    ).toEqual({
      kind: 'remediate',
      notebook: { status: 'InService', settings: { RootAccess: 'Enabled' } },
      wasRunning: true,
      resource: {
        kind: 'notebook-instance',
        name: 'Research-Notebook',
        arn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
        fixes: ['SageMaker.3'],
        tags: [],
        settings: { RootAccess: 'Disabled' },
        settingsText: 'RootAccess=Disabled',
        summary: 'RootAccess=Disabled set on notebook instance Research-Notebook',
      },
    });
  });

  it.each([
    ['Pending', true],
    ['InMaintenance', true],
    ['Stopped', false],
    ['Stopping', false],
    ['Updating', false],
  ])('%s: remediate; counts as running: %s', (status, running) => {
    const decision = decideFromNotebook(
      finding('SageMaker.3'),
      { exists: true, status, description: { RootAccess: 'Enabled' } },
      execution,
    );
    expect(decision.kind === 'remediate' && decision.wasRunning).toBe(running);
  });

  it('Failed: nothing changes, the note gives the failure reason and the way forward', () => {
    const decision = decideFromNotebook(
      finding('SageMaker.3'),
      {
        exists: true,
        status: 'Failed',
        description: { RootAccess: 'Enabled' },
        failureReason: 'Lifecycle script failed',
      },
      execution,
    );
    expect(decision.kind === 'annotate' && decision.annotation.outcome).toBe('NEEDS_ATTENTION');
    expect(decision.kind === 'annotate' && decision.annotation.note).toContain(
      'is Failed (Lifecycle script failed)',
    );
  });

  it('already disabled and settled: resolve without change', () => {
    const decision = decideFromNotebook(
      finding('SageMaker.3'),
      { exists: true, status: 'Stopped', description: { RootAccess: 'Disabled' } },
      execution,
    );
    expect(decision.kind === 'annotate' && decision.annotation.workflowStatus).toBe('RESOLVED');
    expect(decision.kind === 'annotate' && decision.annotation.outcome).toBe('ALREADY_COMPLIANT');
  });

  it('gone or being deleted: annotate, nothing to remediate', () => {
    for (const observed of [
      { exists: false } as const,
      { exists: true, status: 'Deleting', description: { RootAccess: 'Enabled' } },
    ]) {
      const decision = decideFromNotebook(finding('SageMaker.3'), observed, execution);
      expect(decision.kind === 'annotate' && decision.annotation.outcome).toBe('RESOURCE_GONE');
    }
  });
});

describe('dry run', () => {
  it('a running notebook: the note lists the steps it would take and that nothing changed', () => {
    const annotation = dryRunAnnotation(
      finding('SageMaker.3'),
      { exists: true, status: 'InService', description: { RootAccess: 'Enabled' } },
      execution,
    );
    expect(annotation.outcome).toBe('DRY_RUN');
    expect(annotation.note).toBe(
      'Dry run: would remediate SageMaker.3 on notebook instance Research-Notebook (status InService): stop it, set RootAccess=Disabled, wait for the update, start it again, verify, then resolve this finding. Nothing was changed. Turn dry-run off to remediate.',
    );
  });
});

describe('decideWhenLocked', () => {
  it('the same finding re-imported while it is being remediated: ignore', () => {
    const subject = finding('SageMaker.3');
    expect(
      decideWhenLocked(
        subject,
        {
          executionArn: 'arn:other',
          findingId: subject.id,
          remediation: 'update-notebook',
        },
        execution,
      ).kind,
    ).toBe('ignore');
  });

  it('another finding for the same notebook: annotate which execution holds it', () => {
    const decision = decideWhenLocked(
      finding('SageMaker.3'),
      {
        executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:remediation:first',
        findingId: 'legacy-1',
        remediation: 'update-notebook',
      },
      execution,
    );
    expect(decision.kind === 'annotate' && decision.annotation.outcome).toBe('ALREADY_IN_PROGRESS');
    expect(decision.kind === 'annotate' && decision.annotation.note).toContain(
      'already being remediated by execution arn:aws:states:eu-west-1:111122223333:execution:remediation:first (finding legacy-1)',
    );
  });
});

describe('limits', () => {
  it('notes never exceed Security Hub’s 512 characters, subjects never SNS’s 100 printable ASCII', () => {
    const longName = `n${'x'.repeat(62)}`;
    const long = finding('SageMaker.1', {
      notebookName: longName,
      resourceArn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${longName}`,
    });
    const decision = decideByMode(
      long,
      settings({ modes: resolveModes({ 'SageMaker.1': 'notify' }) }),
      execution,
    );
    expect(decision.kind === 'annotate' && decision.annotation.note.length).toBeLessThanOrEqual(512);
    expect(toSubject(`x\n${'é'.repeat(200)}`)).toMatch(/^[\x20-\x7e…]{1,100}$/);
    expect(toSubject('a'.repeat(300))).toHaveLength(100);
  });

  it('the lock key is the lowercased resource ARN: one lock per notebook whatever the finding', () => {
    expect(
      lockKeyFor(
        finding('SageMaker.3', {
          resourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/ABC',
        }),
      ),
    ).toBe('arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/abc');
  });
});

describe('buildPlanResult', () => {
  it('remediate: names the remediation from the catalogue and carries the timing and run state', () => {
    const result = buildPlanResult(
      finding('SageMaker.3'),
      timing,
      {
        kind: 'remediate',
        notebook: { status: 'InService', settings: { RootAccess: 'Enabled' } },
        wasRunning: true,
      },
      { roleName: 'SageMakerRemediationMember' },
    );
    expect(result.plan.action).toBe('remediate');
    expect(result.plan.target).toEqual({
      accountId: '111122223333',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::111122223333:role/sagemaker-remediation/SageMakerRemediationMember-eu-west-1',
    });
    expect(result.plan.remediation).toBe('update-notebook');
    expect(result.plan.notebook).toEqual({
      name: 'Research-Notebook',
      arn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
    });
    expect(result.plan.resolvedSubject).toBe('SageMaker.3 remediated: Research-Notebook');
    expect(result.runState).toEqual({ wasRunning: true });
  });

  it('annotate: no remediation is named, so the state machine cannot take a remediation route', () => {
    const annotation = exemptAnnotation(finding('SageMaker.3'), settings(), execution);
    const result = buildPlanResult(
      finding('SageMaker.3'),
      timing,
      { kind: 'annotate', annotation },
      { roleName: 'SageMakerRemediationMember' },
    );
    expect(result.plan.annotation).toEqual(annotation);
    expect(result.runState).toEqual({ wasRunning: false });
    expect(result.plan.remediation).toBe('none');
    expect(result.notebook).toEqual({ status: 'Unknown', settings: { RootAccess: 'Unknown' } });
  });
});

describe('isRunningStatus: what counts as running, for the workflow and the restore tool alike', () => {
  it('InService, Pending, PendingMaintenance and InMaintenance are running; the rest and no status are not', () => {
    // Given every notebook status SageMaker reports, and no status at all
    const statuses = [
      'InService',
      'Pending',
      'PendingMaintenance',
      'InMaintenance',
      'Stopping',
      'Stopped',
      'Updating',
      'Deleting',
      'Failed',
      undefined,
    ];

    // When each is classified
    const running = statuses.filter((status) => isRunningStatus(status));

    // Then exactly the four running statuses count
    expect(running).toEqual(['InService', 'Pending', 'PendingMaintenance', 'InMaintenance']);
  });
});
