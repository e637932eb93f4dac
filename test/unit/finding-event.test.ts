import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  InvalidFindingEvent,
  isActionable,
  parseImportedEvent,
  partitionOf,
  securityHubProductArn,
} from '../../handlers/shared/finding-event.js';
import { importedEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';

const expected = {
  accountId: '111122223333',
  region: 'eu-west-1',
  asEvent: { account: '111122223333', region: 'eu-west-1' },
};

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

  it('Given a member account finding of a linked Region delivered to the home Region, Then it is accepted with its own account and Region', () => {
    const finding = notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: 'nb',
      region: 'us-east-1',
      account: '444455556666',
    });
    const parsed = parseImportedEvent(importedEvent(finding, { deliveredTo: expected.asEvent }), expected);
    expect({ accountId: parsed.accountId, region: parsed.region, arn: parsed.resourceArn }).toEqual({
      accountId: '444455556666',
      region: 'us-east-1',
      arn: 'arn:aws:sagemaker:us-east-1:444455556666:notebook-instance/nb',
    });
  });

  it('Given an event delivered to another Region than the deployment’s, Then it is rejected as foreign', () => {
    const finding = notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: 'nb',
      region: 'us-east-1',
    });
    expect(problemsOf(importedEvent(finding))).toContain(
      "event region us-east-1 is not this deployment's region eu-west-1",
    );
  });

  it('Given a finding whose resource is in another account than the finding, Then it is rejected: the member role of one account never acts on another', () => {
    const finding = notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: 'nb',
      account: '444455556666',
    });
    const [resource] = finding.Resources ?? [];
    const elsewhere = 'arn:aws:sagemaker:eu-west-1:777788889999:notebook-instance/nb';
    expect(
      problemsOf(
        importedEvent(
          {
            ...finding,
            Resources: [{ ...resource, Type: 'AwsSageMakerNotebookInstance', Id: elsewhere, Details: {} }],
          },
          { deliveredTo: expected.asEvent },
        ),
      ),
    ).toEqual([`notebook ${elsewhere} is not in the finding's account 444455556666 and Region eu-west-1`]);
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

describe('only Security Hub’s own control findings are acted on (ProductArn pinned)', () => {
  const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });

  it.each([
    ['another AWS product', 'arn:aws:securityhub:eu-west-1::product/aws/guardduty'],
    ['Security Hub in another region', 'arn:aws:securityhub:us-east-1::product/aws/securityhub'],
    ['Security Hub in another partition', 'arn:aws-cn:securityhub:eu-west-1::product/aws/securityhub'],
  ])('Given a finding from %s, Then it is rejected and the problem names both ARNs', (_, productArn) => {
    expect(problemsOf(importedEvent({ ...finding, ProductArn: productArn }))).toEqual([
      `ProductArn ${productArn} is not Security Hub's own product arn:aws:securityhub:eu-west-1::product/aws/securityhub: only Security Hub's control findings are acted on`,
    ]);
  });

  it('Given a finding imported under an account’s own product (BatchImportFindings), Then it is rejected by the ARN’s shape already', () => {
    const productArn = 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default';
    expect(problemsOf(importedEvent({ ...finding, ProductArn: productArn }))).toEqual([
      'detail.findings.0.ProductArn: must be a Security Hub product ARN',
    ]);
  });

  it('Given the regions of each partition, Then Security Hub’s product ARN is in the region’s partition', () => {
    expect(securityHubProductArn('eu-west-1')).toBe('arn:aws:securityhub:eu-west-1::product/aws/securityhub');
    expect(securityHubProductArn('cn-north-1')).toBe(
      'arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub',
    );
    expect(
      [
        'us-gov-west-1',
        'us-iso-east-1',
        'us-isob-east-1',
        'us-isof-south-1',
        'eu-isoe-west-1',
        'eusc-de-east-1',
        'il-central-1',
      ].map(partitionOf),
    ).toEqual(['aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-f', 'aws-iso-e', 'aws-eusc', 'aws']);
  });

  it('Given a notebook ARN in another partition than the deployment’s, Then it is rejected as not in this account and region', () => {
    const arn = 'arn:aws-cn:sagemaker:eu-west-1:111122223333:notebook-instance/nb';
    const [resource] = finding.Resources ?? [];
    expect(
      problemsOf(
        importedEvent({
          ...finding,
          Resources: [{ ...resource, Type: 'AwsSageMakerNotebookInstance', Id: arn }],
        }),
      ),
    ).toEqual([`notebook ${arn} is not in the finding's account 111122223333 and Region eu-west-1`]);
  });
});

describe('a finding names exactly one resource of its control’s type', () => {
  const finding = notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'nb' });
  const notebook = (name: string) => ({
    Type: 'AwsSageMakerNotebookInstance',
    Id: `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/${name}`,
  });

  it('Given two notebook resources, Then it is rejected, naming both, and nothing is picked', () => {
    expect(
      problemsOf(importedEvent({ ...finding, Resources: [notebook('nb'), notebook('victim')] })),
    ).toEqual([
      '2 resources of type AwsSageMakerNotebookInstance in the finding (arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb, arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/victim): exactly one is required',
    ]);
  });

  it('Given five notebook resources, Then the problem lists three and counts the rest', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const [problem] = problemsOf(importedEvent({ ...finding, Resources: names.map(notebook) }));
    expect(problem).toMatch(
      /^5 resources of type AwsSageMakerNotebookInstance in the finding \(.*notebook-instance\/c and 2 more\): exactly one is required$/,
    );
  });

  it('Given one notebook and resources of other types, Then the notebook is the one acted on', () => {
    const resources = [
      { Type: 'AwsIamRole', Id: 'arn:aws:iam::111122223333:role/r' },
      ...(finding.Resources ?? []),
    ];
    const parsed = parseImportedEvent(importedEvent({ ...finding, Resources: resources }), expected);
    expect(parsed.resourceArn).toBe('arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb');
    expect(parsed.notebookName).toBe('nb');
  });

  it('Given no notebook resource, Then it is rejected', () => {
    expect(
      problemsOf(
        importedEvent({
          ...finding,
          Resources: [{ Type: 'AwsIamRole', Id: 'arn:aws:iam::111122223333:role/r' }],
        }),
      ),
    ).toEqual(['no resource of type AwsSageMakerNotebookInstance in the finding']);
  });
});
