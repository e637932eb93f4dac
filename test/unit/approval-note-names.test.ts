/**
 * The approval note of a change that moves what serves or runs something names it: the monitoring
 * schedules a job definition's recreation moves, the endpoints an endpoint configuration's or a
 * model's replacement updates. Security Hub keeps 512 characters of a note, and the change sentences
 * are long, so the names come before them.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedResource } from '../../handlers/shared/controls/control-module.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';
import { NOTE_LIMIT } from '../../handlers/shared/plan-decisions.js';
import { decideForResource, namesWithin } from '../../handlers/shared/resource-decisions.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';
import { validatedFinding } from './validated-finding-fixture.js';

const DEADLINE = new Date('2026-11-30T09:00:00.000Z');
const ACCOUNT = 'arn:aws:sagemaker:eu-west-1:111122223333';

const finding = (controlId: string, arn: string): ValidatedFinding => validatedFinding(controlId, arn);

/** The approval note planning writes on the finding, or a failure naming what it decided instead. */
function approvalNote(
  controlId: string,
  arn: string,
  observed: ObservedResource,
  related: Record<string, unknown>,
): string {
  const decision = decideForResource(
    finding(controlId, arn),
    observed,
    runtimeSettings(),
    EXECUTION,
    DEADLINE,
    related,
  );
  if (decision.kind !== 'remediate' || !decision.recreate) {
    throw new Error(`expected an approval plan, got ${JSON.stringify(decision)}`);
  }
  return decision.recreate.approvalNote;
}

// Long names, as teams write them: three of them push the change sentences' own list past 512.
const SCHEDULES = [
  'churn-prediction-data-quality-hourly-eu-west-1-prod',
  'churn-prediction-data-quality-nightly-eu-west-1-prod',
  'churn-prediction-data-quality-weekly-eu-west-1-prod',
];
const ENDPOINTS = [
  'churn-prediction-realtime-canary-eu-west-1-prod',
  'churn-prediction-realtime-live-eu-west-1-production',
];

describe('the approval note names what the change moves, within 512 characters', () => {
  it('Given a job definition run by three schedules with long names, When its recreation is planned, Then the note names all three', () => {
    const name = 'churn-prediction-data-quality-definition-eu-west-1-prod';
    const note = approvalNote(
      'SageMaker.11',
      `${ACCOUNT}:data-quality-job-definition/${name}`,
      {
        description: {
          JobDefinitionName: name,
          NetworkConfig: { EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: false },
          JobResources: { ClusterConfig: { InstanceCount: 2 } },
        },
      },
      {
        recreatedName: `${name.slice(0, 52)}-fx0123abcd`,
        schedules: SCHEDULES.map((schedule) => ({
          MonitoringScheduleName: schedule,
          MonitoringScheduleConfig: { MonitoringJobDefinitionName: name },
        })),
      },
    );

    expect(note.length).toBeLessThanOrEqual(NOTE_LIMIT);
    expect(note).toContain(`Monitoring schedules moved to the copy (3): ${SCHEDULES.join(', ')}.`);
    // Before the change sentences, which the note may cut
    expect(note.indexOf(SCHEDULES[2] ?? '')).toBeLessThan(note.indexOf('It changes how'));
  });

  it('Given an endpoint configuration used by two endpoints, When its replacement is planned, Then the note names both endpoints', () => {
    const name = 'churn-prediction-endpoint-configuration-eu-west-1-prod';
    const note = approvalNote(
      'SageMaker.4',
      `${ACCOUNT}:endpoint-config/${name}`,
      {
        description: {
          EndpointConfigName: name,
          ProductionVariants: [
            { VariantName: 'AllTraffic', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
          ],
        },
      },
      {
        replacementName: `${name}-x2`,
        endpoints: ENDPOINTS.map((endpoint) => ({ EndpointName: endpoint, EndpointConfigName: name })),
        raised: [{ VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', before: 1, after: 2 }],
      },
    );

    expect(note.length).toBeLessThanOrEqual(NOTE_LIMIT);
    expect(note).toContain(`Endpoints updated to the copy (2): ${ENDPOINTS.join(', ')}.`);
  });

  it('Given a model served by two endpoints, When its replacement is planned, Then the note names both endpoints', () => {
    const name = 'churn-prediction-model-eu-west-1-prod';
    const note = approvalNote(
      'SageMaker.5',
      `${ACCOUNT}:model/${name}`,
      { description: { ModelName: name, EnableNetworkIsolation: false } },
      {
        replacementName: `${name}-isolated`,
        configs: [
          {
            name: 'churn-config',
            replacementName: 'churn-config-isolated',
            definition: { EndpointConfigName: 'churn-config' },
            tags: [],
          },
        ],
        endpoints: ENDPOINTS.map((endpoint) => ({
          EndpointName: endpoint,
          EndpointConfigName: 'churn-config',
        })),
      },
    );

    expect(note.length).toBeLessThanOrEqual(NOTE_LIMIT);
    expect(note).toContain(`Endpoints updated to the isolated copy (2): ${ENDPOINTS.join(', ')}.`);
  });

  it('Given more names than the note has room for, When they are listed, Then as many as fit are named and the rest counted', () => {
    const names = Array.from({ length: 12 }, (_, index) => `schedule-number-${index}-of-the-churn-team`);

    const listed = namesWithin(names);

    expect(listed.length).toBeLessThanOrEqual(200 + ' and 12 more'.length);
    expect(listed).toMatch(/^schedule-number-0-of-the-churn-team, .* and \d+ more$/);
    const shown = listed.replace(/ and \d+ more$/, '').split(', ');
    expect(listed.endsWith(`and ${names.length - shown.length} more`)).toBe(true);
  });
});
