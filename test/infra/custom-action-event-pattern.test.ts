import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildCustomActionEventPattern,
  customActionIdProblems,
  customActionNameProblems,
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
