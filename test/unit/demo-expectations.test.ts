import { describe, expect, it } from 'vitest';
import { demoConfiguration } from '../../bin/demo-configuration.js';
import {
  actualOutcome,
  awaitsApproval,
  type ExpectationSettings,
  expectedOutcome,
  expectedWords,
  matchesExpectation,
  modesChanged,
  outcomeWords,
} from '../../bin/demo-expectations.js';
import { AWAITING_APPROVAL_NOTE_PREFIX } from '../../handlers/shared/remediation-plan.js';

const defaults: ExpectationSettings = { modes: {}, dryRun: false };
const dryRun: ExpectationSettings = { modes: {}, dryRun: true };
const notify3: ExpectationSettings = { modes: { 'SageMaker.3': 'notify' }, dryRun: false };

const rootAccess = { controlId: 'SageMaker.3', exempt: false, approved: false };
const recreation = { controlId: 'SageMaker.1', exempt: false, approved: true };
const endpoint = { controlId: 'SageMaker.4', exempt: false, approved: true };

describe('what the demo expects of a finding under the configuration deployed', () => {
  it('the catalogue defaults: root access and an approved plan are RESOLVED, a duplicate is already in progress', () => {
    expect(expectedOutcome(rootAccess, defaults)).toEqual({ status: 'RESOLVED', reasons: [] });
    expect(expectedOutcome({ ...rootAccess, duplicate: true }, defaults)).toEqual({
      status: 'NOTIFIED',
      reasons: ['already in progress'],
    });
    expect(expectedOutcome(recreation, defaults)).toEqual({ status: 'RESOLVED', reasons: [] });
    expect(expectedOutcome({ ...endpoint, approved: false }, defaults)).toEqual({
      status: 'NOTIFIED',
      reasons: ['awaiting approval', 'joined plan'],
    });
  });

  it('dry run: every control that would act is NOTIFIED as a dry run, and nothing waits for an approval', () => {
    expect(expectedOutcome(rootAccess, dryRun)).toEqual({ status: 'NOTIFIED', reasons: ['dry run'] });
    expect(expectedOutcome(recreation, dryRun)).toEqual({ status: 'NOTIFIED', reasons: ['dry run'] });
    expect(awaitsApproval(recreation, dryRun)).toBe(false);
    expect(awaitsApproval(recreation, defaults)).toBe(true);
  });

  it('notify mode: the finding is NOTIFIED with its guidance; off: the workflow never receives it', () => {
    expect(expectedOutcome(rootAccess, notify3)).toEqual({ status: 'NOTIFIED', reasons: ['notify mode'] });
    expect(expectedWords(expectedOutcome(rootAccess, notify3))).toBe('NOTIFIED: notify mode');
    expect(expectedOutcome(endpoint, { modes: { 'SageMaker.4': 'off' }, dryRun: false })).toEqual({
      status: 'NEW',
      reasons: [],
    });
    // SageMaker.16 has no fix: notify is its catalogue default
    expect(
      expectedOutcome({ controlId: 'SageMaker.16', exempt: false, approved: false }, defaults).reasons,
    ).toEqual(['notify mode']);
  });

  it('the exemption tag: NOTIFIED as exempt, even in dry run; with notify mode too either reason is right', () => {
    expect(expectedOutcome({ ...rootAccess, exempt: true }, defaults)).toEqual({
      status: 'NOTIFIED',
      reasons: ['exempt'],
    });
    expect(expectedOutcome({ ...recreation, exempt: true }, dryRun)).toEqual({
      status: 'NOTIFIED',
      reasons: ['exempt'],
    });
    expect(expectedOutcome({ ...rootAccess, exempt: true }, notify3)).toEqual({
      status: 'NOTIFIED',
      reasons: ['exempt', 'notify mode'],
    });
    expect(awaitsApproval({ ...recreation, exempt: true }, defaults)).toBe(false);
  });

  it('a configuration the demo is not written for still gives the outcome it should, not UNEXPECTED', () => {
    // Given SageMaker.3 switched to notify and the finding NOTIFIED with the notify mode alert
    const actual = actualOutcome({ status: 'NOTIFIED', note: 'x', alertOutcomes: ['NOTIFIED'] });
    // Then it matches what the configuration gives, and would not under the defaults
    expect(outcomeWords(actual)).toBe('NOTIFIED: notify mode');
    expect(matchesExpectation(expectedOutcome(rootAccess, notify3), actual)).toBe(true);
    expect(matchesExpectation(expectedOutcome(rootAccess, defaults), actual)).toBe(false);
  });

  it('the outcome words come from the finding and its last alert, else its note, not from the execution status', () => {
    expect(
      outcomeWords(actualOutcome({ status: 'NOTIFIED', note: '', alertOutcomes: ['SKIPPED_EXEMPT'] })),
    ).toBe('NOTIFIED: exempt');
    expect(outcomeWords(actualOutcome({ status: 'NOTIFIED', note: '', alertOutcomes: ['DRY_RUN'] }))).toBe(
      'NOTIFIED: dry run',
    );
    expect(
      outcomeWords(
        actualOutcome({
          status: 'NOTIFIED',
          note: '',
          alertOutcomes: ['AWAITING_APPROVAL', 'APPROVAL_EXPIRED'],
        }),
      ),
    ).toBe('NOTIFIED: approval expired');
    // A finding that joined a plan has no alert of its own: its note says
    expect(
      outcomeWords(
        actualOutcome({
          status: 'NOTIFIED',
          note: `${AWAITING_APPROVAL_NOTE_PREFIX}2026-11-30`,
          alertOutcomes: [],
        }),
      ),
    ).toBe('NOTIFIED: awaiting approval');
    expect(
      outcomeWords(actualOutcome({ status: 'RESOLVED', note: 'Remediated', alertOutcomes: ['RESOLVED'] })),
    ).toBe('RESOLVED');
    expect(
      outcomeWords(actualOutcome({ status: 'RESOLVED', note: '', alertOutcomes: ['ALREADY_COMPLIANT'] })),
    ).toBe('RESOLVED: already compliant');
    expect(outcomeWords(actualOutcome({ status: undefined, note: undefined, alertOutcomes: [] }))).toBe(
      'UNKNOWN',
    );
  });

  it('the header names only the modes changed from the catalogue', () => {
    expect(modesChanged(defaults)).toEqual([]);
    expect(
      modesChanged({ modes: { 'SageMaker.3': 'auto', 'SageMaker.4': 'notify' }, dryRun: false }),
    ).toEqual(['SageMaker.4 notify']);
  });
});

describe('the demo configuration', () => {
  const env = {
    target: {
      account: '111122223333',
      region: 'eu-west-1',
      subnetId: 'subnet-1',
      securityGroupIds: ['sg-1'],
    },
    captureKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
  };

  it('adds what the simulated account needs to cdk.json and says each addition', () => {
    const { configuration, additions } = demoConfiguration({ dryRun: true, recreate: { targets: [] } }, env);
    expect(configuration).toEqual({
      dryRun: true,
      recreate: { targets: [env.target] },
      requiredTags: { owner: 'ml-platform' },
      dataCaptureKmsKeyId: env.captureKeyArn,
      members: { linkedRegions: ['us-east-1'] },
    });
    expect(additions).toEqual([
      'recreated notebooks go to subnet-1 / sg-1',
      'images must carry owner=ml-platform',
      `data capture is encrypted with ${env.captureKeyArn}`,
      'us-east-1 is a linked Region',
    ]);
  });

  it('keeps what cdk.json sets', () => {
    const { configuration, additions } = demoConfiguration(
      {
        requiredTags: { team: 'ml' },
        dataCaptureKmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/mine',
        recreate: { targets: [{ ...env.target, subnetId: 'subnet-mine' }] },
        members: { roleName: 'R', linkedRegions: ['us-east-1'] },
      },
      env,
    );
    expect(configuration).toEqual({
      requiredTags: { team: 'ml' },
      dataCaptureKmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/mine',
      recreate: { targets: [{ ...env.target, subnetId: 'subnet-mine' }] },
      members: { roleName: 'R', linkedRegions: ['us-east-1'] },
    });
    expect(additions).toEqual([]);
  });
});
