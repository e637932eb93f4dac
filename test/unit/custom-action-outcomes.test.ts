import { describe, expect, it } from 'vitest';
import { findControl } from '../../handlers/shared/controls-catalogue.js';
import {
  approvalNotes,
  groupByResource,
  MAX_FINDINGS_PER_UPDATE,
  noteUpdates,
} from '../../handlers/shared/custom-action-outcomes.js';
import type { ValidatedFinding } from '../../handlers/shared/finding-event.js';

const PRODUCT = 'arn:aws:securityhub:eu-west-1::product/aws/securityhub';

function finding(id: string, notebook: string, controlId = 'SageMaker.1'): ValidatedFinding {
  const control = findControl(controlId);
  if (!control) throw new Error(`no control ${controlId}`);
  return {
    id,
    productArn: PRODUCT,
    accountId: '111122223333',
    region: 'eu-west-1',
    control,
    complianceStatus: 'FAILED',
    recordState: 'ACTIVE',
    workflowStatus: 'NOTIFIED',
    resourceType: control.resourceType,
    resourceArn: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${notebook.toLowerCase()}`,
    notebookName: notebook,
  };
}

describe('groupByResource: one decision per notebook, whatever was selected', () => {
  it('Given findings of two notebooks interleaved, When they are grouped, Then each notebook is one group, in the order it first appears', () => {
    // Given
    const selected = [finding('a1', 'Alpha'), finding('b1', 'Beta'), finding('a2', 'Alpha', 'SageMaker.2')];

    // When
    const groups = groupByResource(selected);

    // Then
    expect(
      groups.map((group) => [group.name, group.findings.map((one) => one.id), group.approvable]),
    ).toEqual([
      ['Alpha', ['a1', 'a2'], true],
      ['Beta', ['b1'], true],
    ]);
    expect(groups[0]?.key).toBe('arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/alpha');
  });
});

describe('noteUpdates: the notes of one click, in as few BatchUpdateFindings calls as Security Hub allows', () => {
  it('Given one note for 150 findings and another for 1, When the updates are built, Then the first is split at 100 and each keeps its product ARNs', () => {
    // Given
    const many = Array.from({ length: 150 }, (_, index) => finding(`f${index}`, `Notebook-${index}`));
    const decisions = [
      {
        notebook: 'many',
        findingIds: many.map((one) => one.id),
        outcome: 'annotated' as const,
        note: 'same',
      },
      { notebook: 'x', findingIds: ['f0'], outcome: 'approved' as const },
      { notebook: 'y', findingIds: ['other'], outcome: 'annotated' as const, note: 'different' },
    ];

    // When
    const updates = noteUpdates(decisions, [...many, finding('other', 'Other')]);

    // Then
    expect(updates.map((update) => [update.text, update.identifiers.length])).toEqual([
      ['same', MAX_FINDINGS_PER_UPDATE],
      ['same', 50],
      ['different', 1],
    ]);
    expect(updates[1]?.identifiers[0]).toEqual({ Id: 'f100', ProductArn: PRODUCT });
  });
});

describe('approvalNotes: what a click that changes nothing says', () => {
  it('Given the longest notebook names and execution ARNs, When the notes are written, Then none exceeds Security Hub’s 512 characters', () => {
    // Given
    const name = `n${'x'.repeat(62)}`;
    const execution = `arn:aws:states:eu-west-1:111122223333:execution:${'s'.repeat(80)}:${'e'.repeat(80)}`;

    // When
    const notes = [
      approvalNotes.notApprovable(
        'approve',
        `arn:aws:sagemaker:eu-west-1:111122223333:endpoint-config/${'c'.repeat(63)}`,
      ),
      approvalNotes.unreadable('reject', name),
      approvalNotes.planChanged('approve', name, execution),
      approvalNotes.executionGone('reject', name, execution, '2026-11-23T09:00:05.000Z', 'TaskDoesNotExist'),
    ];

    // Then
    for (const note of notes) expect(note.length).toBeLessThanOrEqual(512);
    expect(notes[3]).toMatch(/^Rejected at 2026-11-23T09:00:05.000Z, but the remediation/);
  });
});
