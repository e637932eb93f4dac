/**
 * The bench's `controls.<id>` rows (bin/benchmark-controls.ts): which controls get one, what a row
 * holds, and that the figures are deterministic, as docs/performance.md publishes them.
 */
import { describe, expect, it } from 'vitest';
import { measureControl, measureControls, renderControlTable } from '../../bin/benchmark-controls.js';
import { findControl } from '../../handlers/shared/controls-catalogue.js';

function control(id: string) {
  const found = findControl(id);
  if (!found) throw new Error(`no control ${id}`);
  return found;
}

describe('measureControls', () => {
  it('Given a notebook control, a guidance control and two remediated ones, When measured, Then only the remediated ones get a row, each RESOLVED with no call refused', async () => {
    const results = await measureControls(
      ['SageMaker.3', 'SageMaker.16', 'SageMaker.6', 'SageMaker.14'].map(control),
    );

    expect(Object.keys(results)).toEqual(['SageMaker.6', 'SageMaker.14']);
    for (const figures of Object.values(results)) {
      expect(figures.outcome).toBe('RESOLVED');
      expect(figures.deniedCalls).toEqual([]);
      expect(figures.stateTransitions).toBeGreaterThan(5);
      expect(figures.apiCalls).toBeGreaterThan(5);
      expect(figures.lambdaInvocations).toBeGreaterThan(0);
    }
    // The approval-gated schedule update costs more than adding tags
    expect(results['SageMaker.14']?.stateTransitions).toBeGreaterThan(
      results['SageMaker.6']?.stateTransitions ?? Number.POSITIVE_INFINITY,
    );
  });

  it('Given the same control measured twice, Then the figures are the same (simulated time and counts)', async () => {
    expect(await measureControl('SageMaker.22')).toEqual(await measureControl('SageMaker.22'));
  });

  it('Given rows, When rendered for docs/performance.md, Then one line per control with its engine and refused calls', () => {
    const table = renderControlTable({
      'SageMaker.6': {
        stateTransitions: 10,
        lambdaInvocations: 2,
        apiCalls: 9,
        outcome: 'RESOLVED',
        deniedCalls: [],
      },
      'SageMaker.4': {
        stateTransitions: 28,
        lambdaInvocations: 6,
        apiCalls: 28,
        outcome: 'NOTIFIED',
        deniedCalls: ['ChangeResourceRole sagemaker:UpdateEndpoint arn'],
      },
    });

    expect(table.split('\n')).toEqual([
      '| Control | Engine | State transitions | Lambda invocations | API calls | Calls refused | Finding |',
      '|---|---|---|---|---|---|---|',
      '| SageMaker.6 | `add-required-tags` | 10 | 2 | 9 | 0 | RESOLVED |',
      '| SageMaker.4 | `replace-endpoint-config` | 28 | 6 | 28 | 1 | NOTIFIED |',
    ]);
  });
});
