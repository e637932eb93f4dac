/**
 * One end-to-end row per remediated control beside the notebook ones, derived from the registry: its
 * failing resource (simulation/scenarios/failing-resources.ts) in a fresh deployment under the enforced
 * IAM, its finding imported and, where the engine waits for one, approved: the finding ends RESOLVED
 * (the engine's own verification passed the control's predicate) and no call was refused. The same run
 * as the bench's `controls.<id>` row (bin/benchmark-controls.ts), so the published figures are these.
 */
import { describe, expect, it } from 'vitest';
import { measureControl } from '../../bin/benchmark-controls.js';
import { CONTROLS } from '../../handlers/shared/controls-catalogue.js';

const REMEDIATED = CONTROLS.filter((control) => control.kind !== 'notebook-instance' && control.remediation);

describe('every remediated control beside the notebook ones, end to end', () => {
  it('covers the controls whose engines this version builds, SageMaker.6, .10, .12, .13, .15, .20 and .25 among them', () => {
    expect(REMEDIATED.map((control) => control.id)).toEqual(
      expect.arrayContaining([
        'SageMaker.6',
        'SageMaker.10',
        'SageMaker.12',
        'SageMaker.13',
        'SageMaker.15',
        'SageMaker.20',
        'SageMaker.25',
      ]),
    );
  });

  it.each(REMEDIATED.map((control) => [control.id, control.remediation?.name] as const))(
    'Given a %s-failing resource, When its finding is imported and the %s engine runs (approved where it waits), Then it is RESOLVED with no call refused',
    async (controlId) => {
      const figures = await measureControl(controlId);

      expect(figures.outcome).toBe('RESOLVED');
      expect(figures.deniedCalls).toEqual([]);
      expect(figures.stateTransitions).toBeGreaterThan(0);
    },
  );
});
