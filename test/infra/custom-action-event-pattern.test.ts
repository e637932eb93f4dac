import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildCustomActionEventPattern,
  CUSTOM_ACTION_DEFINITIONS,
  customActionIdPrefixProblems,
  customActionIdProblems,
  customActionNameProblems,
  LONGEST_CUSTOM_ACTION_ID,
  MAX_CUSTOM_ACTION_ID_PREFIX_LENGTH,
} from '../../stacks/custom-action-event-pattern.js';

const ARNS = [
  'arn:aws:securityhub:eu-west-1:123456789012:action/custom/ApprovePlan',
  'arn:aws:securityhub:eu-west-1:123456789012:action/custom/RejectPlan',
  'arn:aws:securityhub:eu-west-1:123456789012:action/custom/RemediateNow',
];

describe('custom action event pattern', () => {
  it('matches Security Hub custom-action events for exactly the given action ARNs', () => {
    expect(buildCustomActionEventPattern(ARNS)).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Custom Action'],
      resources: ARNS,
    });
  });

  it('copies the ARNs (a later change to the caller array does not change the pattern)', () => {
    const arns = [...ARNS];
    const pattern = buildCustomActionEventPattern(arns) as { resources: string[] };
    arns.push('arn:aws:securityhub:eu-west-1:123456789012:action/custom/Other');
    expect(pattern.resources).toEqual(ARNS);
  });

  it('refuses an empty list of ARNs (EventBridge rejects an empty array; the rule would match nothing)', () => {
    expect(() => buildCustomActionEventPattern([])).toThrow(/No custom action ARNs/);
  });

  it('is CDK-free, so the local harness can match events against the same object', () => {
    expect(readFileSync('stacks/custom-action-event-pattern.ts', 'utf8')).not.toMatch(
      /from '(aws-cdk-lib|constructs)/,
    );
  });
});

describe('custom action id and name rules', () => {
  it('accepts up to 20 alphanumerics and names under 20 characters', () => {
    expect(customActionIdProblems('A'.repeat(20))).toEqual([]);
    expect(customActionNameProblems('N'.repeat(19))).toEqual([]);
  });

  it('lists every rule an id or a name breaks', () => {
    expect(customActionIdProblems('')).toEqual(['custom action id must not be empty']);
    expect(customActionIdProblems(`Approve-${'x'.repeat(13)}`)).toEqual([
      `custom action id 'Approve-${'x'.repeat(13)}' must be alphanumeric (A-Z, a-z, 0-9)`,
      `custom action id 'Approve-${'x'.repeat(13)}' has 21 characters; at most 20 are allowed`,
    ]);
    expect(customActionNameProblems('N'.repeat(20))).toEqual([
      `custom action name '${'N'.repeat(20)}' has 20 characters; Security Hub requires fewer than 20`,
    ]);
    expect(customActionNameProblems('  ')).toEqual(['custom action name must not be blank']);
  });
});

describe('custom action id prefix rules', () => {
  it('Given the built-in ids, When the room left for a prefix is computed, Then it is 20 minus the longest id (RemediateNow): 8', () => {
    expect(LONGEST_CUSTOM_ACTION_ID).toBe('RemediateNow');
    expect(MAX_CUSTOM_ACTION_ID_PREFIX_LENGTH).toBe(8);
    for (const { id } of Object.values(CUSTOM_ACTION_DEFINITIONS)) {
      expect(customActionIdProblems(`${'P'.repeat(MAX_CUSTOM_ACTION_ID_PREFIX_LENGTH)}${id}`)).toEqual([]);
    }
  });

  it('Given no prefix or 8 alphanumerics, When checked, Then there is no problem', () => {
    expect(customActionIdPrefixProblems('')).toEqual([]);
    expect(customActionIdPrefixProblems('Prod2026')).toEqual([]);
  });

  it('Given a prefix with a dash that is 9 characters long, When checked, Then both problems are named, with the numbers', () => {
    expect(customActionIdPrefixProblems('Team-Blue')).toEqual([
      "'Team-Blue' must be alphanumeric (A-Z, a-z, 0-9): custom action ids allow nothing else",
      "'Team-Blue' has 9 characters: with the longest action id, RemediateNow (12), the id would have 21, more than the 20 CreateActionTarget allows; use at most 8",
    ]);
  });
});
