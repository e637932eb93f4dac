/**
 * The guidance-only controls (SageMaker.16, .17, .18, .19, .23): their steps, with the resource's own
 * names, fit the finding's note (Security Hub keeps 512 characters), and the alert carries the whole
 * text whatever the note had to cut.
 */
import { describe, expect, it } from 'vitest';
import type { Description } from '../../handlers/shared/controls/control-module.js';
import { CONTROLS, findControl } from '../../handlers/shared/controls-catalogue.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';
import { annotation, NOTE_LIMIT } from '../../handlers/shared/plan-decisions.js';
import { decideForResource } from '../../handlers/shared/resource-decisions.js';
import { EXECUTION, runtimeSettings } from './runtime-settings-fixture.js';
import { validatedFinding } from './validated-finding-fixture.js';

const DEADLINE = new Date('2026-11-30T09:00:00.000Z');
/** SageMaker's longest name for models, feature groups and endpoints (63, a feature group 64). */
const LONG_NAME = 'churn-prediction-platform-team-eu-west-1-production-resource-01';

const finding = (controlId: string, kind: string, name: string): ValidatedFinding =>
  validatedFinding(controlId, `arn:aws:sagemaker:eu-west-1:111122223333:${kind}/${name.toLowerCase()}`);

const PUBLIC_CONTAINER = {
  Image: 'public.ecr.aws/example/churn:1',
  ImageConfig: { RepositoryAccessMode: 'Platform' },
};

/** A resource failing each guidance control, as its Describe reports it, named `name`. */
const FAILING: Readonly<Record<string, { kind: string; description: (name: string) => Description }>> = {
  'SageMaker.16': {
    kind: 'model',
    description: (name) => ({ ModelName: name, PrimaryContainer: PUBLIC_CONTAINER }),
  },
  'SageMaker.19': {
    kind: 'model',
    description: (name) => ({ ModelName: name, Containers: [PUBLIC_CONTAINER, PUBLIC_CONTAINER] }),
  },
  'SageMaker.17': {
    kind: 'feature-group',
    description: (name) => ({
      FeatureGroupName: name,
      OfflineStoreConfig: { S3StorageConfig: { S3Uri: 's3://feature-store/churn' } },
    }),
  },
  'SageMaker.18': {
    kind: 'feature-group',
    description: (name) => ({ FeatureGroupName: name, OnlineStoreConfig: { EnableOnlineStore: true } }),
  },
  'SageMaker.23': {
    kind: 'inference-experiment',
    description: (name) => ({
      Name: name,
      Status: 'Running',
      EndpointMetadata: { EndpointName: LONG_NAME, EndpointConfigName: 'churn-config' },
      ModelVariants: [
        { VariantName: 'production', ModelName: 'churn-model-2026-10' },
        { VariantName: 'shadow', ModelName: 'churn-model-2026-11' },
      ],
    }),
  },
};

const GUIDANCE_CONTROLS = CONTROLS.filter((control) => control.fix === 'guidance');

function notified(controlId: string, name: string) {
  const failing = FAILING[controlId];
  if (!failing) throw new Error(`no failing resource for ${controlId}`);
  const description = failing.description(name);
  const decision = decideForResource(
    finding(controlId, failing.kind, name),
    { description },
    runtimeSettings(),
    EXECUTION,
    DEADLINE,
  );
  if (decision.kind !== 'annotate') throw new Error(`expected a note, got ${decision.kind}`);
  return { annotation: decision.annotation, description };
}

describe('guidance notes', () => {
  it('covers every guidance-only control', () => {
    expect(GUIDANCE_CONTROLS.map((control) => control.id).sort()).toEqual(Object.keys(FAILING).sort());
  });

  it.each(GUIDANCE_CONTROLS.map((control) => [control.id, control] as const))(
    'Given a %s-failing resource with a 63-character name, When it is noted, Then the whole guidance, with its names, fits the 512 characters of the note',
    (controlId, control) => {
      const { annotation: noted, description } = notified(controlId, LONG_NAME);
      const steps = control.guidance(LONG_NAME, description);

      expect(noted.workflowStatus).toBe('NOTIFIED');
      expect(noted.note.length).toBeLessThanOrEqual(NOTE_LIMIT);
      expect(noted.note).toContain(`What to do: ${steps}`);
      expect(noted.note).toContain(`(${LONG_NAME}).`);
      expect(noted.message).toContain(steps);
    },
  );

  it('Given an inference experiment whose Describe names its endpoint and variants, When SageMaker.23 is noted, Then the steps name them', () => {
    const { annotation: noted } = notified('SageMaker.23', 'churn-shadow-test');

    expect(noted.note).toContain(
      `create a new one on endpoint ${LONG_NAME} with the variants production (churn-model-2026-10), shadow (churn-model-2026-11), the same schedule`,
    );
  });

  it('Given no Describe output (the docs), When SageMaker.23 guidance is written, Then it says the same endpoint and variants', () => {
    expect(findControl('SageMaker.23')?.guidance('<name>')).toContain(
      'on the same endpoint with the same model variants',
    );
  });

  it('Given a note longer than Security Hub keeps, When it is annotated, Then the note is cut at 512 but the alert carries the whole text', () => {
    const text = `${'Step. '.repeat(150)}Last step.`;

    const noted = annotation(finding('SageMaker.16', 'model', 'churn'), EXECUTION, {
      workflowStatus: 'NOTIFIED',
      outcome: 'NOTIFIED',
      headline: 'needs attention',
      note: text,
    });

    expect(noted.note).toHaveLength(NOTE_LIMIT);
    expect(noted.note).not.toContain('Last step.');
    expect(noted.message).toContain(text);
  });
});
