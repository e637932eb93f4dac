import { describe, expect, it } from 'vitest';
import {
  InvalidFindingEvent,
  isActionable,
  parseWorkflowInput,
} from '../../handlers/shared/finding-event.js';
import { parseImportedV2Event } from '../../handlers/shared/ocsf-finding.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';

const expected = { accountId: '111122223333', region: 'eu-west-1' };

function v2Event(finding: object, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'event-1',
    'detail-type': 'Findings Imported V2',
    source: 'aws.securityhub',
    account: '111122223333',
    region: 'eu-west-1',
    time: '2026-11-23T08:55:00Z',
    resources: [],
    detail: { findings: [finding] },
    ...overrides,
  };
}

function problemsOf(event: unknown): readonly string[] {
  try {
    parseImportedV2Event(event, expected);
  } catch (error) {
    if (error instanceof InvalidFindingEvent) return error.problems;
    throw error;
  }
  return [];
}

describe('OCSF findings (Findings Imported V2)', () => {
  it('Given a New, failed OCSF SageMaker.3 finding, When the workflow input is parsed, Then it is the same finding an ASFF one gives, marked ocsf, with the notebook real name', () => {
    // Given
    const finding = ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'Research-Notebook' });

    // When
    const { finding: parsed, trigger } = parseWorkflowInput(v2Event(finding), expected);

    // Then
    expect(trigger).toBe('imported');
    expect(parsed).toMatchObject({
      format: 'ocsf',
      id: finding.finding_info.uid,
      productArn: 'arn:aws:securityhub:eu-west-1::productv2/aws/securityhub',
      accountId: '111122223333',
      region: 'eu-west-1',
      complianceStatus: 'FAILED',
      recordState: 'ACTIVE',
      workflowStatus: 'NEW',
      resourceArn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-notebook',
      notebookName: 'Research-Notebook',
    });
    expect(parsed.control.id).toBe('SageMaker.3');
  });

  it('Given the workflow own update (status_id 4, Resolved), When parsed, Then it reads RESOLVED and the planner sees no action to take', () => {
    // Given
    const finding = ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'nb', statusId: 4 });

    // When
    const parsed = parseImportedV2Event(v2Event(finding), expected);

    // Then
    expect(parsed.workflowStatus).toBe('RESOLVED');
    expect(isActionable(parsed)).toBe(false);
  });

  it('Given an OCSF finding from another product, When parsed, Then it is rejected as not Security Hub own control finding', () => {
    // Given
    const finding = ocsfControlFinding({
      controlId: 'SageMaker.3',
      resourceName: 'nb',
      productUid: 'arn:aws:securityhub:eu-west-1::productv2/acme/scanner',
    });

    // When / Then
    expect(problemsOf(v2Event(finding))).toEqual([
      expect.stringContaining(
        "is not Security Hub's own product arn:aws:securityhub:eu-west-1::productv2/aws/securityhub",
      ),
    ]);
  });

  it('Given a finding of another class, another account, a control outside SageMaker and no resource ARN, When parsed, Then every problem is listed at once', () => {
    // Given a Detection Finding: rejected by the schema before any other check
    const detection = {
      ...ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'nb' }),
      class_uid: 2004,
    };
    expect(problemsOf(v2Event(detection))).toEqual([expect.stringContaining('class_uid')]);

    // And a Compliance Finding foreign in every other way
    const foreign = ocsfControlFinding({
      controlId: 'SageMaker.3',
      resourceName: 'nb',
      account: '444455556666',
    });
    const wrongControl = {
      ...foreign,
      compliance: { ...(foreign.compliance as object), control: 'S3.1' },
      resources: [{ type: 'AWS::S3::Bucket', uid: 'my-bucket' }],
    };

    // When
    const problems = problemsOf(v2Event(wrongControl, { account: '444455556666' }));

    // Then
    // (a member account's finding is fine: it is the event that must reach this deployment's account)
    expect(problems).toEqual([
      "event account 444455556666 is not this deployment's account 111122223333",
      'Compliance.SecurityControlId S3.1 is not a SageMaker control',
    ]);
  });

  it('Given a notebook finding whose resource names two notebooks, When parsed, Then it is rejected: which one to change would be a guess', () => {
    // Given
    const finding = ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'nb' });
    const resources = finding.resources as object[];
    const twice = {
      ...finding,
      resources: [...resources, { uid: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/other' }],
    };

    // When / Then
    expect(problemsOf(v2Event(twice))).toEqual([
      expect.stringContaining('2 resources of type AwsSageMakerNotebookInstance'),
    ]);
  });
});
