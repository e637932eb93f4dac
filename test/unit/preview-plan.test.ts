/**
 * What the preview says the deployment would do, from what it read and the configuration: outcomes
 * by mode, exemption, dry run, scope and missing configuration; steps with the resources' own names;
 * snapshots; downtime estimates from the configuration's timing.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedAccountResource, Tag } from '../../bin/preview/inventory.js';
import { type PreviewRow, planPreview } from '../../bin/preview/plan.js';
import { loadConfiguration } from '../../stacks/configuration.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const arn = (type: string, name: string) =>
  `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${type}/${name.toLowerCase()}`;

/** A notebook that passes every notebook control, with these settings changed. */
function notebook(
  name: string,
  settings: Record<string, unknown> = {},
  tags: readonly Tag[] = [],
): ObservedAccountResource {
  return {
    kind: 'notebook-instance',
    name,
    arn: arn('notebook-instance', name),
    description: {
      NotebookInstanceName: name,
      NotebookInstanceArn: arn('notebook-instance', name),
      NotebookInstanceStatus: 'InService',
      RootAccess: 'Disabled',
      DirectInternetAccess: 'Disabled',
      SubnetId: 'subnet-0a1b2c3d4e5f60718',
      SecurityGroups: ['sg-0a1b2c3d4e5f60718'],
      KmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      PlatformIdentifier: 'notebook-al2023-v1',
      VolumeSizeInGB: 5,
      ...settings,
    },
    tags,
  };
}

function plan(
  resources: readonly ObservedAccountResource[],
  raw: Record<string, unknown> = {},
  endpoints = [],
) {
  const inventory = { accountId: ACCOUNT, region: REGION, counts: {}, resources, endpoints };
  return planPreview(inventory, loadConfiguration(raw), './cdk.json');
}

/** The row's decision in one line: control, mode, outcome, approval, downtime seconds. */
const decision = (row: PreviewRow) =>
  `${row.resource} ${row.control} ${row.mode} ${row.outcome}${row.approvalRequired ? ' approval' : ''} ${row.downtime.seconds}`;

const TARGET = {
  account: ACCOUNT,
  region: REGION,
  subnetId: 'subnet-0fedcba9876543210',
  securityGroupIds: ['sg-0fedcba9876543210'],
};

describe('the preview plan of notebooks', () => {
  it('Given a running notebook with root access and the default modes, When planned, Then it is fixed at once in place with stop, update and start as downtime', () => {
    // When
    const report = plan([notebook('Root-Notebook', { RootAccess: 'Enabled' })]);

    // Then
    expect(report.rows).toEqual([
      {
        kind: 'notebook-instance',
        resource: 'Root-Notebook',
        arn: arn('notebook-instance', 'Root-Notebook'),
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
        change:
          'Stop the notebook, UpdateNotebookInstance RootAccess=Disabled, start it again if it was running.',
        steps: [
          'StopNotebookInstance, wait until Stopped',
          'UpdateNotebookInstance RootAccess=Disabled',
          'StartNotebookInstance, wait until InService',
          'verify that Root-Notebook passes SageMaker.3',
        ],
        snapshot: 'none: an in-place update; the data stays on the volume',
        downtime: { seconds: 300, basis: 'stop 60 s + update 60 s + start 180 s (typical SageMaker times)' },
      },
    ]);
    expect(report.failingResources).toBe(1);
    expect(report.configuration).toEqual({
      path: './cdk.json',
      dryRun: false,
      exemptionTag: 'securityhub-remediation=skip',
      scope: 'in scope',
    });
  });

  it("Given first waits of 45, 30 and 120 s in the configuration, When a running notebook is planned, Then its downtime is still SageMaker's typical times (first waits are its shortest)", () => {
    // When
    const report = plan([notebook('Root-Notebook', { RootAccess: 'Enabled' })], {
      timing: { stopSeconds: 45, updateSeconds: 30, startSeconds: 120 },
    });

    // Then
    expect(report.rows[0]?.downtime).toEqual({
      seconds: 300,
      basis: 'stop 60 s + update 60 s + start 180 s (typical SageMaker times)',
    });
  });

  it('Given a stopped notebook with root access, When planned, Then it is updated and left stopped, with no downtime', () => {
    // When
    const row = plan([notebook('Idle', { RootAccess: 'Enabled', NotebookInstanceStatus: 'Stopped' })])
      .rows[0];

    // Then
    expect(row?.steps).toEqual([
      'UpdateNotebookInstance RootAccess=Disabled',
      'verify that Idle passes SageMaker.3',
      'leave it Stopped',
    ]);
    expect(row?.downtime).toEqual({
      seconds: 0,
      basis: 'the notebook is stopped: it is updated (about 60 s) and left stopped',
    });
  });

  it('Given a notebook with direct internet access and a recreate target, When planned, Then it is recreated after approval, its configuration and data snapshotted', () => {
    // When
    const row = plan([notebook('Exposed', { DirectInternetAccess: 'Enabled' })], {
      recreate: { targets: [TARGET] },
    }).rows[0];

    // Then
    expect(decision(row as PreviewRow)).toBe('Exposed SageMaker.1 approval after-approval approval 1330');
    expect(row?.steps).toEqual([
      'wait for approval (the Security Hub "Approve" action, or npm run approvals -- approve)',
      'snapshot its configuration and copy the data on /home/ec2-user/SageMaker to S3',
      'StopNotebookInstance, DeleteNotebookInstance',
      'CreateNotebookInstance with every other setting kept and DirectInternetAccess=Disabled',
      'copy the data back to /home/ec2-user/SageMaker',
      'leave it InService',
      'verify that Exposed passes SageMaker.1',
    ]);
    expect(row?.snapshot).toBe(
      'configuration (settings, tags, lifecycle configuration, code repositories) and the data on /home/ec2-user/SageMaker (5 GiB volume), to S3',
    );
    expect(row?.downtime.basis).toBe(
      'backup 515 s (copy of 5 GiB: 215 s) + delete 120 s + create 180 s + restore 515 s (typical SageMaker times; the whole volume counted)',
    );
  });

  it('Given recreate.acceptDataLoss names the control, When planned, Then only the configuration is snapshotted and no copy is counted', () => {
    // When
    const row = plan([notebook('Exposed', { DirectInternetAccess: 'Enabled' })], {
      recreate: { targets: [TARGET], acceptDataLoss: ['SageMaker.1'] },
    }).rows[0];

    // Then
    expect(row?.snapshot).toBe(
      'configuration only: the data on /home/ec2-user/SageMaker is not copied (recreate.acceptDataLoss)',
    );
    expect(row?.downtime).toEqual({
      seconds: 300,
      basis: 'delete 120 s + create 180 s (typical SageMaker times; the whole volume counted)',
    });
  });

  it('Given no recreate target, When a notebook outside a VPC is planned, Then its recreation needs a subnet and security groups, and SageMaker.21 a key too', () => {
    // When
    const rows = plan([
      notebook('Open', { DirectInternetAccess: 'Enabled', SubnetId: undefined, KmsKeyId: undefined }),
    ]).rows;

    // Then
    const network =
      'the deployment lacks a private subnet (recreate target subnetId) for this account and Region; security groups (recreate target securityGroupIds) for this account and Region';
    expect(rows.map((row) => [row.control, row.outcome, row.reason, row.steps.length])).toEqual([
      ['SageMaker.1', 'needs-configuration', network, 0],
      ['SageMaker.2', 'needs-configuration', network, 0],
      [
        'SageMaker.21',
        'needs-configuration',
        `${network}; a customer-managed KMS key (recreate target kmsKeyId) for this account and Region`,
        0,
      ],
    ]);
  });

  it('Given a notebook in a subnet failing only SageMaker.21 and a target without a key, When planned, Then only the key is missing', () => {
    // When
    const row = plan([notebook('Plain-Volume', { KmsKeyId: undefined })], { recreate: { targets: [TARGET] } })
      .rows[0];

    // Then
    expect(row?.reason).toBe(
      'the deployment lacks a customer-managed KMS key (recreate target kmsKeyId) for this account and Region',
    );
  });

  it('Given an exempt notebook, a Failed one and one being deleted, When planned, Then the first is exempt, the second needs attention, the third is gone', () => {
    // When
    const report = plan([
      notebook('Tagged', { RootAccess: 'Enabled' }, [{ Key: 'securityhub-remediation', Value: 'skip' }]),
      notebook('Broken', { RootAccess: 'Enabled', NotebookInstanceStatus: 'Failed' }),
      notebook('Leaving', { RootAccess: 'Enabled', NotebookInstanceStatus: 'Deleting' }),
    ]);

    // Then
    expect(report.rows.map((row) => [decision(row), row.reason, row.exempt, row.snapshot])).toEqual([
      [
        'Broken SageMaker.3 auto needs-attention 0',
        'the notebook is Failed: no fix starts from there',
        false,
        'none',
      ],
      ['Tagged SageMaker.3 auto exempt 0', 'tagged securityhub-remediation=skip', true, 'none'],
    ]);
  });

  it('Given dry run on, When an approval-gated and an automatic fix are planned, Then nothing changes, the approval it would need and the downtime it would cause are said', () => {
    // When
    const rows = plan([notebook('Both', { RootAccess: 'Enabled', PlatformIdentifier: 'notebook-al2-v2' })], {
      dryRun: true,
      recreate: { targets: [TARGET] },
    }).rows;

    // Then
    expect(rows.map(decision)).toEqual([
      'Both SageMaker.3 auto dry-run 0',
      'Both SageMaker.8 approval dry-run approval 0',
    ]);
    expect(rows[0]?.downtime.basis).toBe(
      'dry run: nothing changes (with dryRun off: 300 s; stop 60 s + update 60 s + start 180 s (typical SageMaker times))',
    );
    expect(rows.every((row) => row.dryRun)).toBe(true);
  });

  it('Given SageMaker.3 off and SageMaker.1 in notify mode, When planned, Then the first is ignored and the second annotated with its guidance', () => {
    // When
    const rows = plan([notebook('Quiet', { RootAccess: 'Enabled', DirectInternetAccess: 'Enabled' })], {
      modes: { 'SageMaker.3': 'off', 'SageMaker.1': 'notify' },
    }).rows;

    // Then
    expect(rows.map((row) => [row.control, row.mode, row.outcome, row.steps, row.snapshot])).toEqual([
      ['SageMaker.1', 'notify', 'notify', [], 'none'],
      ['SageMaker.3', 'off', 'ignored', [], 'none'],
    ]);
    expect(rows[0]?.change).toBe(
      'DirectInternetAccess cannot be changed in place: recreate notebook instance Quiet with DirectInternetAccess=Disabled in a VPC subnet (SubnetId and SecurityGroupIds), after copying the data on /home/ec2-user/SageMaker to S3.',
    );
  });

  it('Given the Region on the deny list, When planned, Then every failing control is out of scope', () => {
    // When
    const report = plan([notebook('Root-Notebook', { RootAccess: 'Enabled' })], {
      scope: { regions: { deny: [REGION] } },
    });

    // Then
    expect(report.configuration.scope).toBe(
      `out of scope: Region ${REGION} is on this deployment's Region deny list`,
    );
    expect(report.rows.map(decision)).toEqual(['Root-Notebook SageMaker.3 auto out-of-scope 0']);
  });
});

describe('the preview plan of other resources', () => {
  it('Given a job definition without isolation that two schedules run, When planned, Then its copy takes both schedules over after approval', () => {
    // Given
    const definition: ObservedAccountResource = {
      kind: 'data-quality-job-definition',
      name: 'churn-dq',
      arn: arn('data-quality-job-definition', 'churn-dq'),
      description: {
        JobDefinitionName: 'churn-dq',
        NetworkConfig: { EnableInterContainerTrafficEncryption: true },
      },
      tags: [],
    };
    const schedule = (name: string, type: string): ObservedAccountResource => ({
      kind: 'monitoring-schedule',
      name,
      arn: arn('monitoring-schedule', name),
      description: {
        MonitoringScheduleName: name,
        MonitoringScheduleConfig: { MonitoringJobDefinitionName: 'churn-dq', MonitoringType: type },
      },
    });

    // When
    const rows = plan([
      definition,
      schedule('hourly', 'DataQuality'),
      schedule('daily', 'DataQuality'),
      schedule('bias', 'ModelBias'),
    ]).rows.filter((row) => row.kind === 'data-quality-job-definition');

    // Then
    expect(rows.map((row) => [decision(row), row.steps, row.snapshot, row.downtime.basis])).toEqual([
      [
        'churn-dq SageMaker.11 approval after-approval approval 0',
        [
          'wait for approval (the Security Hub "Approve" action, or npm run approvals -- approve)',
          'snapshot its definition and tags',
          'create a copy of churn-dq with NetworkConfig.EnableNetworkIsolation=true',
          'move the monitoring schedules hourly, daily to the copy (UpdateMonitoringSchedule)',
          'delete churn-dq',
          'verify that churn-dq passes SageMaker.11',
        ],
        "the full definition (its Describe output) and its tags, to the deployment's backup bucket",
        'its schedules keep their times: the next monitoring job runs on the copy',
      ],
    ]);
  });

  it('Given a model without isolation behind an endpoint, When planned, Then its configuration copy and the endpoint move are named, with no downtime', () => {
    // Given
    const model: ObservedAccountResource = {
      kind: 'model',
      name: 'churn-model',
      arn: arn('model', 'churn-model'),
      description: {
        ModelName: 'churn-model',
        EnableNetworkIsolation: false,
        PrimaryContainer: { ImageConfig: { RepositoryAccessMode: 'Vpc' } },
      },
      tags: [],
    };
    const configuration: ObservedAccountResource = {
      kind: 'endpoint-config',
      name: 'churn-config',
      arn: arn('endpoint-config', 'churn-config'),
      description: {
        EndpointConfigName: 'churn-config',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'churn-model', InitialInstanceCount: 2 },
        ],
      },
    };
    const inventory = {
      accountId: ACCOUNT,
      region: REGION,
      counts: {},
      resources: [model, configuration],
      endpoints: [{ name: 'churn-endpoint', configName: 'churn-config' }, { name: 'other' }],
    };

    // When
    const rows = planPreview(inventory, loadConfiguration({}), './cdk.json').rows;

    // Then
    expect(rows.map((row) => [decision(row), row.steps.slice(2, 4), row.downtime.basis])).toEqual([
      [
        'churn-model SageMaker.5 approval after-approval approval 0',
        [
          'create an isolated copy of churn-model, and copies of the endpoint configurations that use it (churn-config)',
          'UpdateEndpoint churn-endpoint to the copy',
        ],
        'UpdateEndpoint on churn-endpoint: each keeps serving while its new fleet starts (about 420 s each)',
      ],
    ]);
  });

  it('Given an untagged image, When planned without and with requiredTags, Then it needs configuration, then gets the tags at once without a snapshot', () => {
    // Given
    const image: ObservedAccountResource = {
      kind: 'image',
      name: 'team-image',
      arn: arn('image', 'team-image'),
      description: { ImageName: 'team-image' },
      tags: [],
    };

    // When
    const without = plan([image]).rows;
    const withTags = plan([image], { requiredTags: { owner: 'ml-platform', 'cost-center': '42' } }).rows;

    // Then
    expect(without.map((row) => [decision(row), row.reason])).toEqual([
      [
        'team-image SageMaker.7 auto needs-configuration 0',
        'requiredTags in the configuration names no tag to add',
      ],
    ]);
    expect(withTags.map((row) => [decision(row), row.steps, row.snapshot])).toEqual([
      [
        'team-image SageMaker.7 auto automatic 0',
        [
          'AddTags owner, cost-center (requiredTags; existing tags kept)',
          'verify that team-image passes SageMaker.7',
        ],
        'none: tags are only added',
      ],
    ]);
  });

  it('Given only passing resources, When planned, Then there are no rows', () => {
    // When
    const report = plan([notebook('Compliant')]);

    // Then
    expect(report.rows).toEqual([]);
    expect(report.failingResources).toBe(0);
  });
});
