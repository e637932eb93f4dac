import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_IDS, resolveModes } from '../../handlers/shared/controls-catalogue.js';
import { matchesEventPattern } from '../../simulation/account/event-pattern.js';
import { ocsfControlFinding } from '../../simulation/account/sample-ocsf-findings.js';
import { buildOcsfFindingEventPattern } from '../../stacks/finding-event-pattern.js';
import { appWithoutBundling, buildStack } from './synthesis.js';

function v2Event(finding: object) {
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
  };
}

describe('the OCSF finding rule (the new Security Hub)', () => {
  const pattern = buildOcsfFindingEventPattern(resolveModes({ 'SageMaker.1': 'off' }));

  it('Given the modes, When the pattern is built, Then it matches failed, active, New Compliance Findings of the controls that are not off', () => {
    expect(pattern).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Findings Imported V2'],
      detail: {
        findings: {
          class_uid: [2003],
          compliance: { control: CONTROL_IDS.filter((id) => id !== 'SageMaker.1'), status_id: [3] },
          activity_name: [{ 'anything-but': ['Close'] }],
          status_id: [1],
        },
      },
    });
    expect(
      matchesEventPattern(
        pattern,
        v2Event(ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'nb' })),
      ),
    ).toBe(true);
  });

  it('Given the events the workflow own BatchUpdateFindingsV2 calls cause (In Progress, Resolved), When matched, Then none starts the workflow again', () => {
    for (const statusId of [2, 4]) {
      const echo = ocsfControlFinding({ controlId: 'SageMaker.3', resourceName: 'nb', statusId });
      expect(matchesEventPattern(pattern, v2Event(echo)), `status_id ${statusId}`).toBe(false);
    }
  });

  it('Given a passed, closed or switched-off finding, When matched, Then it starts nothing', () => {
    const passed = ocsfControlFinding({
      controlId: 'SageMaker.3',
      resourceName: 'nb',
      complianceStatusId: 1,
    });
    const closed = ocsfControlFinding({
      controlId: 'SageMaker.3',
      resourceName: 'nb',
      activityName: 'Close',
    });
    const off = ocsfControlFinding({ controlId: 'SageMaker.1', resourceName: 'nb' });
    for (const finding of [passed, closed, off])
      expect(matchesEventPattern(pattern, v2Event(finding))).toBe(false);
  });
});

describe('the state machine role and BatchUpdateFindingsV2', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(buildStack({}, appWithoutBundling()));
  });

  it('Given the stack, When synthesized, Then a second rule sends OCSF findings to the state machine, and the role may write V2 notes only on the hubv2 resource with the statuses it writes', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': ['Findings Imported V2'] } },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    const statements: Array<{ Sid?: string }> = [];
    JSON.stringify(template.toJSON(), (key, value) => {
      if (key === 'Statement' && Array.isArray(value)) statements.push(...value);
      return value;
    });
    const statement = statements.find((candidate) => candidate.Sid === 'SecurityhubTasksOcsf');
    expect(statement).toMatchObject({
      Action: 'securityhub:BatchUpdateFindings',
      Condition: { StringEquals: { 'securityhub:OCSFSyntaxPath/StatusId': ['2', '4'] } },
    });
    expect(JSON.stringify(statement)).toContain(':hubv2/*');
    // BatchUpdateFindingsV2 is authorized as securityhub:BatchUpdateFindings: no such IAM action exists.
    expect(JSON.stringify(template.toJSON())).not.toContain('securityhub:BatchUpdateFindingsV2');
  });
});
