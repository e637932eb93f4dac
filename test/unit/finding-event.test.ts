import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  InvalidFindingEvent,
  isActionable,
  parseImportedEvent,
} from '../../handlers/shared/finding-event.js';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';

const expected = { accountId: '111122223333', region: 'eu-west-1' };

function problemsOf(event: unknown): readonly string[] {
  try {
    parseImportedEvent(event, expected);
  } catch (error) {
    if (error instanceof InvalidFindingEvent) return error.problems;
    throw error;
  }
  return [];
}

describe('parseImportedEvent', () => {
  it.each(['consolidated', 'legacy'] as const)(
    'a %s SageMaker.3 finding: the control, ids and real notebook name',
    (style) => {
      const finding = notebookControlFinding({
        controlId: 'SageMaker.3',
        notebookName: 'Research-Notebook',
        style,
      });
      const parsed = parseImportedEvent(importedEvent(finding), expected);
      expect(parsed.control.id).toBe('SageMaker.3');
      expect(parsed.id).toBe(finding.Id);
      expect(parsed.productArn).toBe('arn:aws:securityhub:eu-west-1::product/aws/securityhub');
      expect(parsed.resourceArn).toBe(
        'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
      );
      // The ARN lowercases the name; the details keep the real one, which the API calls need.
      expect(parsed.notebookName).toBe('Research-Notebook');
      expect(isActionable(parsed)).toBe(true);
    },
  );

  it('a NOTIFIED finding (the workflow’s own update) parses but is not actionable', () => {
    const finding = notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: 'nb',
      workflowStatus: 'NOTIFIED',
    });
    expect(isActionable(parseImportedEvent(importedEvent(finding), expected))).toBe(false);
  });

  it('another region: rejected as foreign', () => {
    const finding = notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: 'nb',
      region: 'us-east-1',
    });
    expect(problemsOf(importedEvent(finding))).toContain(
      "finding region us-east-1 is not this deployment's region eu-west-1",
    );
  });

  it('details that name another notebook than the resource id: rejected, nothing is trusted', () => {
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    const resource = finding.Resources?.[0];
    const tampered: AwsSecurityFinding = {
      ...finding,
      Resources: [
        {
          Type: 'AwsSageMakerNotebookInstance',
          Id: resource?.Id,
          Details: { AwsSageMakerNotebookInstance: { NotebookInstanceName: 'victim' } },
        },
      ],
    };
    expect(problemsOf(importedEvent(tampered))).toEqual([
      'notebook name victim does not match resource id arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb',
    ]);
  });

  it('two findings in one Imported event: rejected (Security Hub sends one per event)', () => {
    const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
    const event = importedEvent(finding);
    expect(problemsOf({ ...event, detail: { findings: [finding, finding] } })).toEqual([
      'detail.findings: must hold exactly one finding',
    ]);
  });

  it('every problem is listed at once', () => {
    const problems = problemsOf({
      source: 'aws.ec2',
      'detail-type': 'x',
      account: '1',
      region: 'nowhere',
      detail: {},
    });
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });
});
