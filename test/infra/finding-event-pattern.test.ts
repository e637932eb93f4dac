import { describe, expect, it } from 'vitest';
import { CONTROL_IDS, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { buildFindingEventPattern } from '../../stacks/finding-event-pattern.js';

describe('finding event pattern', () => {
  it('with the default modes, matches failed, active, NEW findings of all 25 SageMaker controls', () => {
    // Given the catalogue defaults (no control is off by default)
    const modes = resolveModes();

    // When the pattern is built
    const pattern = buildFindingEventPattern(modes);

    // Then it is exactly this pattern, with no ProductName filter
    expect(pattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: {
        findings: {
          Compliance: { Status: ['FAILED'], SecurityControlId: [...CONTROL_IDS] },
          RecordState: ['ACTIVE'],
          Workflow: { Status: ['NEW'] },
        },
      },
    });
    expect(JSON.stringify(pattern)).not.toContain('ProductName');
  });

  it('drops a control that is switched off, and keeps the ones in notify or auto mode', () => {
    // Given SageMaker.1 off and SageMaker.3 in notify mode
    const modes = resolveModes({ 'SageMaker.1': 'off', 'SageMaker.3': 'notify' });

    // When the pattern is built
    const pattern = buildFindingEventPattern(modes) as {
      detail: { findings: { Compliance: { SecurityControlId: string[] } } };
    };

    // Then SageMaker.1 is gone and every other control remains, in catalogue order
    const ids = pattern.detail.findings.Compliance.SecurityControlId;
    expect(ids).not.toContain('SageMaker.1');
    expect(ids).toEqual(CONTROL_IDS.filter((id) => id !== 'SageMaker.1'));
  });

  it('refuses to build a pattern when every control is off (EventBridge rejects an empty list)', () => {
    // Given every control off
    const modes = resolveModes(Object.fromEntries(CONTROL_IDS.map((id) => [id, 'off'])));

    // When / Then
    expect(() => buildFindingEventPattern(modes)).toThrow(/Every control is off/);
  });
});
