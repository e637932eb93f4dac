import { describe, expect, it } from 'vitest';
import {
  allowedModes,
  CONTROL_IDS,
  CONTROLS,
  type ControlDefinition,
  controlsInScope,
  defaultMode,
  findControl,
  NOTEBOOK_CONTROL_IDS,
  RECREATE_CONTROL_IDS,
  resolveModes,
} from '../../handlers/shared/controls-catalogue.js';

describe('controls catalogue', () => {
  it('lists SageMaker.1 to SageMaker.25 once each, in order', () => {
    expect(CONTROL_IDS).toEqual(Array.from({ length: 25 }, (_, index) => `SageMaker.${index + 1}`));
  });

  it('SageMaker.3 is fixed in place and automatically by default', () => {
    const rootAccess = findControl('SageMaker.3');
    expect(rootAccess?.fix).toBe('in-place');
    expect(rootAccess?.remediation?.name).toBe('update-notebook');
    expect(rootAccess && defaultMode(rootAccess)).toBe('auto');
  });

  it('the immutable notebook controls are fixed by an approval-gated recreation, never automatically', () => {
    const recreated = (CONTROLS as readonly ControlDefinition[]).filter(
      (control) => control.remediation?.name === 'recreate-notebook',
    );
    expect(recreated.map((control) => control.id)).toEqual([
      'SageMaker.1',
      'SageMaker.2',
      'SageMaker.8',
      'SageMaker.21',
    ]);
    for (const control of recreated) {
      expect(allowedModes(control)).not.toContain('auto');
      expect(allowedModes(control)).toContain('approval');
    }
  });

  it('a control without a remediation can only notify or be off, and notifies by default', () => {
    const publicRegistry = findControl('SageMaker.16');
    expect(publicRegistry && allowedModes(publicRegistry)).toEqual(['notify', 'off']);
    expect(publicRegistry && defaultMode(publicRegistry)).toBe('notify');
  });

  it('every control carries guidance, so a notify annotation always says what to do', () => {
    for (const control of CONTROLS) expect(control.guidance('example').length).toBeGreaterThan(30);
  });

  it('notebook-instance controls are exactly .1, .2, .3, .8 and .21', () => {
    const notebookControls = CONTROLS.filter(
      (control) => control.resourceType === 'AwsSageMakerNotebookInstance',
    );
    expect(notebookControls.map((control) => control.id)).toEqual([
      'SageMaker.1',
      'SageMaker.2',
      'SageMaker.3',
      'SageMaker.8',
      'SageMaker.21',
    ]);
  });

  it('resolveModes applies overrides on top of defaults; off controls leave the scope', () => {
    const modes = resolveModes({ 'SageMaker.3': 'notify', 'SageMaker.16': 'off' });
    expect(modes['SageMaker.3']).toBe('notify');
    expect(modes['SageMaker.1']).toBe('approval');
    expect(controlsInScope(modes)).not.toContain('SageMaker.16');
    expect(controlsInScope(modes)).toHaveLength(24);
  });
});

describe('controls derived from the catalogue', () => {
  it('the remediated notebook controls are .1, .2, .3, .8 and .21; all but .3 need a recreation', () => {
    // Given the catalogue, When the remediated and the recreate-only controls are read off it
    // Then they are exactly these, in catalogue order
    expect(NOTEBOOK_CONTROL_IDS).toEqual([
      'SageMaker.1',
      'SageMaker.2',
      'SageMaker.3',
      'SageMaker.8',
      'SageMaker.21',
    ]);
    expect(RECREATE_CONTROL_IDS).toEqual(['SageMaker.1', 'SageMaker.2', 'SageMaker.8', 'SageMaker.21']);
  });
});
