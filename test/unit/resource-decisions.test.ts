/**
 * Planning for resources beside notebooks (handlers/shared/resource-decisions.ts), as pure functions:
 * the resource as Describe reported it decides, before the mode.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedResource } from '../../handlers/shared/controls/control-module.js';
import { resolveModes } from '../../handlers/shared/controls-catalogue.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';
import { decideForResource, missingRequiredTags } from '../../handlers/shared/resource-decisions.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';
import { validatedFinding } from './validated-finding-fixture.js';

const DEADLINE = new Date('2026-11-30T09:00:00.000Z');

const finding = (controlId: string, arn: string): ValidatedFinding => validatedFinding(controlId, arn);

const IMAGE_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:image/team-image';
const SCHEDULE_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:monitoring-schedule/churn-quality';
const image = (tags: ObservedResource['tags']): ObservedResource => ({
  description: { ImageName: 'Team-Image', ImageStatus: 'CREATED' },
  tags,
});
const schedule = (
  network: Record<string, boolean>,
  tags: ObservedResource['tags'] = [],
): ObservedResource => ({
  description: {
    MonitoringScheduleName: 'Churn-Quality',
    MonitoringScheduleStatus: 'Scheduled',
    MonitoringScheduleConfig: { MonitoringJobDefinition: { NetworkConfig: network } },
  },
  tags,
});

describe('decideForResource', () => {
  it('Given the resource is gone, Then RESOURCE_GONE, nothing changed', () => {
    const decision = decideForResource(
      finding('SageMaker.7', IMAGE_ARN),
      undefined,
      runtimeSettings(),
      EXECUTION,
      DEADLINE,
    );
    expect(decision).toMatchObject({
      kind: 'annotate',
      annotation: { outcome: 'RESOURCE_GONE', workflowStatus: 'NOTIFIED' },
    });
  });

  it('Given the exemption tag, Then SKIPPED_EXEMPT whatever the mode', () => {
    const decision = decideForResource(
      finding('SageMaker.7', IMAGE_ARN),
      image([{ Key: 'securityhub-remediation', Value: 'skip' }]),
      runtimeSettings({ requiredTags: { owner: 'ml' } }),
      EXECUTION,
      DEADLINE,
    );
    expect(decision).toMatchObject({ kind: 'annotate', annotation: { outcome: 'SKIPPED_EXEMPT' } });
  });

  it('Given an image that has every required tag by now, Then ALREADY_COMPLIANT and RESOLVED', () => {
    const decision = decideForResource(
      finding('SageMaker.7', IMAGE_ARN),
      image([{ Key: 'owner', Value: 'someone-else' }]),
      runtimeSettings({ requiredTags: { owner: 'ml' } }),
      EXECUTION,
      DEADLINE,
    );
    expect(decision).toMatchObject({
      kind: 'annotate',
      annotation: { outcome: 'ALREADY_COMPLIANT', workflowStatus: 'RESOLVED' },
    });
  });

  it('Given an untagged image and required tags, Then the tags it lacks are planned, with a bounded summary', () => {
    const decision = decideForResource(
      finding('SageMaker.7', IMAGE_ARN),
      image([]),
      runtimeSettings({ requiredTags: { owner: 'ml', 'cost-center': '4711' } }),
      EXECUTION,
      DEADLINE,
    );
    expect(decision).toMatchObject({
      kind: 'remediate',
      resource: {
        kind: 'image',
        name: 'Team-Image',
        fixes: ['SageMaker.7'],
        tags: [
          { Key: 'owner', Value: 'ml' },
          { Key: 'cost-center', Value: '4711' },
        ],
        summary: 'added the tags owner=ml, cost-center=4711',
      },
    });
  });

  it('Given a failing schedule in notify mode, Then NOTIFIED with the guidance naming it', () => {
    const modes = { ...resolveModes(), 'SageMaker.14': 'notify' as const };
    const decision = decideForResource(
      finding('SageMaker.14', SCHEDULE_ARN),
      schedule({ EnableNetworkIsolation: false }),
      runtimeSettings({ modes }),
      EXECUTION,
      DEADLINE,
    );
    expect(decision.kind === 'annotate' && decision.annotation.note).toContain(
      'Not remediated automatically: SageMaker.14 is in notify mode. What to do: Call UpdateMonitoringSchedule on Churn-Quality',
    );
  });

  it('Given a schedule failing .14 and .22, Then one approval plan fixes both and says how the schedule will behave', () => {
    const decision = decideForResource(
      finding('SageMaker.14', SCHEDULE_ARN),
      schedule({ EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: false }),
      runtimeSettings(),
      EXECUTION,
      DEADLINE,
    );
    expect(decision.kind).toBe('remediate');
    if (decision.kind !== 'remediate') return;
    expect(decision.resource?.fixes).toEqual(['SageMaker.14', 'SageMaker.22']);
    expect(decision.recreate).toMatchObject({
      approvalKey: SCHEDULE_ARN,
      approvalExpiresAt: DEADLINE.getTime() / 1000,
      fixes: ['SageMaker.14', 'SageMaker.22'],
      what: 'update of monitoring schedule Churn-Quality',
      noun: 'update',
      approvalSubject: 'SageMaker approval needed: update Churn-Quality',
    });
    expect(decision.recreate?.approvalMessage).toContain(
      'the next monitoring job runs with no network access',
    );
    expect(decision.recreate?.approvalNote.length).toBeLessThanOrEqual(512);
  });

  it('Given dry run, Then DRY_RUN saying what would be asked, nothing planned', () => {
    const decision = decideForResource(
      finding('SageMaker.14', SCHEDULE_ARN),
      schedule({ EnableNetworkIsolation: false }),
      runtimeSettings({ dryRun: true }),
      EXECUTION,
      DEADLINE,
    );
    expect(decision).toMatchObject({ kind: 'annotate', annotation: { outcome: 'DRY_RUN' } });
  });
});

describe('missingRequiredTags', () => {
  it('Given a tag with another value, Then it is set to the required one; aws: tags are left alone', () => {
    expect(
      missingRequiredTags(
        [
          { Key: 'owner', Value: 'old' },
          { Key: 'aws:cloudformation:stack-name', Value: 's' },
        ],
        { owner: 'ml', team: 'vision' },
      ),
    ).toEqual([
      { Key: 'owner', Value: 'ml' },
      { Key: 'team', Value: 'vision' },
    ]);
  });
});
