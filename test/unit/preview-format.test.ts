import { describe, expect, it } from 'vitest';
import { formatDuration, formatJson, formatReport } from '../../bin/preview/format.js';
import type { PreviewReport, PreviewRow } from '../../bin/preview/plan.js';

const ROW: PreviewRow = {
  kind: 'notebook-instance',
  resource: 'Root-Notebook',
  arn: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/root-notebook',
  status: 'InService',
  control: 'SageMaker.3',
  title: 'Notebook instance has root access enabled',
  severity: 'HIGH',
  strategy: 'in-place',
  mode: 'auto',
  outcome: 'automatic',
  approvalRequired: false,
  exempt: false,
  dryRun: false,
  change: 'Stop the notebook, UpdateNotebookInstance RootAccess=Disabled, start it again if it was running.',
  steps: ['StopNotebookInstance, wait until Stopped', 'UpdateNotebookInstance RootAccess=Disabled'],
  snapshot: 'none: an in-place update; the data stays on the volume',
  downtime: { seconds: 300, basis: 'stop 60 s + update 60 s + start 180 s (typical SageMaker times)' },
};

const REPORT: PreviewReport = {
  accountId: '111122223333',
  region: 'eu-west-1',
  configuration: {
    path: './cdk.json',
    dryRun: false,
    exemptionTag: 'securityhub-remediation=skip',
    scope: 'in scope',
  },
  counts: { 'notebook-instance': 2, 'endpoint-config': 1 },
  failingResources: 2,
  rows: [
    ROW,
    {
      ...ROW,
      kind: 'endpoint-config',
      resource: 'churn-config',
      status: undefined,
      control: 'SageMaker.4',
      title: 'Endpoint production variant has an initial instance count of 1 or less',
      severity: 'MEDIUM',
      strategy: 'recreate',
      mode: 'approval',
      outcome: 'after-approval',
      approvalRequired: true,
      change: 'A new endpoint configuration.',
      steps: [],
      snapshot: "the full definition (its Describe output) and its tags, to the deployment's backup bucket",
      downtime: { seconds: 0, basis: 'no endpoint uses it: nothing serving is touched' },
    },
  ],
};

describe('the preview report', () => {
  it('Given durations, When formatted, Then none, minutes and hours read as such', () => {
    expect([0, 59, 300, 1330, 3725].map(formatDuration)).toEqual([
      'none',
      '0:59',
      '5:00',
      '22:10',
      '1:02:05',
    ]);
  });

  it('Given two failing resources, When formatted for a terminal, Then the header, the table and each row details read in order', () => {
    // When
    const text = formatReport(REPORT);

    // Then
    expect(text.split('\n')).toEqual([
      'SageMaker remediation preview: account 111122223333, Region eu-west-1. Nothing was changed.',
      'Configuration: the "remediation" context of ./cdk.json; dry run off; exemption tag securityhub-remediation=skip; scope: in scope.',
      'Read 2 notebook instances, 1 endpoint configuration.',
      '2 resources fail 2 controls:',
      '',
      'RESOURCE                                     CONTROL      STRATEGY  MODE      OUTCOME               APPROVAL  EXEMPT  DOWNTIME',
      'notebook-instance/Root-Notebook (InService)  SageMaker.3  in place  auto      fixed at once         no        no      5:00',
      'endpoint-config/churn-config                 SageMaker.4  recreate  approval  fixed after approval  yes       no      none',
      '',
      'Details:',
      '',
      'notebook-instance/Root-Notebook (InService): SageMaker.3 Notebook instance has root access enabled (HIGH)',
      '  outcome:  fixed at once',
      '  fix:      Stop the notebook, UpdateNotebookInstance RootAccess=Disabled, start it again if it was running.',
      '  steps:',
      '    1. StopNotebookInstance, wait until Stopped',
      '    2. UpdateNotebookInstance RootAccess=Disabled',
      '  snapshot: none: an in-place update; the data stays on the volume',
      '  downtime: 5:00 (stop 60 s + update 60 s + start 180 s (typical SageMaker times))',
      '',
      'endpoint-config/churn-config: SageMaker.4 Endpoint production variant has an initial instance count of 1 or less (MEDIUM)',
      '  outcome:  fixed after approval',
      '  fix:      A new endpoint configuration.',
      "  snapshot: the full definition (its Describe output) and its tags, to the deployment's backup bucket",
      '  downtime: none (no endpoint uses it: nothing serving is touched)',
    ]);
  });

  it('Given no failing resource, When formatted, Then it says there is nothing to do', () => {
    // When
    const text = formatReport({ ...REPORT, failingResources: 0, rows: [] });

    // Then
    expect(text.split('\n').slice(3)).toEqual([
      '',
      'No resource fails a control: the deployment would have nothing to do here.',
    ]);
  });

  it('Given a report, When formatted as JSON, Then it parses back to the same report', () => {
    // When
    const parsed = JSON.parse(formatJson(REPORT)) as PreviewReport;

    // Then
    expect(parsed).toEqual(JSON.parse(JSON.stringify(REPORT)));
    expect(parsed.rows[0]?.downtime.seconds).toBe(300);
  });
});
