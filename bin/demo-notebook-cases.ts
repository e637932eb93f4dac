/**
 * The demo's notebook cases of the administrator account: root access on a running notebook (with
 * its legacy duplicate finding), a notebook carrying the exemption tag, and a notebook failing
 * SageMaker.1, .2 and .3 at once, whose recreation is approved.
 */
import type { SimulatedAccount } from '../simulation/account/account.js';
import { notebookControlFinding } from '../simulation/account/sample-findings.js';
import { asffDemoFinding, type DemoCase, type DemoContext, type DemoSeeder } from './demo-case.js';
import { APPROVAL_AFTER_MINUTES } from './demo-options.js';

function notebookLine(account: SimulatedAccount, name: string): string {
  const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
  return (
    `${name.padEnd(20)} ${notebook.NotebookInstanceStatus.padEnd(10)} RootAccess ${notebook.RootAccess.padEnd(9)} ` +
    `DirectInternetAccess ${notebook.DirectInternetAccess.padEnd(9)} Subnet ${notebook.SubnetId ?? '(none)'}  ` +
    `Lifecycle ${notebook.NotebookInstanceLifecycleConfigName ?? '(none)'}`
  );
}

const finding = (context: DemoContext, controlId: string, notebookName: string, legacy = false) =>
  notebookControlFinding({
    controlId,
    notebookName,
    style: legacy ? 'legacy' : 'consolidated',
    account: context.account.accountId,
    region: context.account.region,
  });

/** research-notebook is in a team VPC without internet access: only root access is wrong. */
const rootAccess: DemoSeeder = (context) => {
  const { account } = context;
  const name = 'research-notebook';
  const teamVpc = account.ec2.seedVpc();
  account.sagemaker.seedNotebook({
    name,
    status: 'InService',
    rootAccess: 'Enabled',
    directInternetAccess: 'Disabled',
    subnetId: account.ec2.seedSubnet({ vpcId: teamVpc }),
    securityGroupIds: [account.ec2.seedSecurityGroup({ vpcId: teamVpc, groupName: 'team' })],
  });
  const stops = () =>
    account
      .callsTo('SageMaker', 'StopNotebookInstance')
      .filter((call) => JSON.stringify(call.input).includes(name)).length;
  return [
    {
      scenario: 'root-access',
      findings: [
        asffDemoFinding(context, finding(context, 'SageMaker.3', name), {
          why: 'root access on a running notebook',
        }),
        asffDemoFinding(context, finding(context, 'SageMaker.3', name, true), {
          why: 'the same problem, reported again by the legacy per-standard finding',
          duplicate: true,
        }),
      ],
      describeNow: () => notebookLine(account, name),
      checkFixed: () => {
        const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
        const ok =
          notebook.NotebookInstanceStatus === 'InService' &&
          notebook.RootAccess === 'Disabled' &&
          stops() === 1;
        return {
          ok,
          line: ok
            ? `${name}: InService again with RootAccess Disabled; the duplicate finding caused no second stop/start cycle.`
            : `UNEXPECTED: ${name} is not InService with RootAccess Disabled after one stop (${stops()} stops); see the timeline above.`,
        };
      },
    },
  ];
};

const exempt: DemoSeeder = (context) => {
  const { account, exemptionTag } = context;
  const name = 'shared-gpu-notebook';
  account.sagemaker.seedNotebook({
    name,
    status: 'InService',
    rootAccess: 'Enabled',
    tags: [{ Key: exemptionTag.key, Value: exemptionTag.value }],
  });
  return [
    {
      scenario: 'exempt',
      findings: [
        asffDemoFinding(context, finding(context, 'SageMaker.3', name), {
          why: `root access on a notebook tagged ${exemptionTag.key}=${exemptionTag.value}`,
        }),
      ],
      describeNow: () => notebookLine(account, name),
      // Never fixed: its finding is always NOTIFIED, so "unchanged" is what is checked.
      checkFixed: () => ({ ok: false, line: `UNEXPECTED: ${name} was expected to stay as it was.` }),
    },
  ];
};

/** exposed-notebook: internet access, no VPC, root access; its own lifecycle config, tags and data. */
const recreation: DemoSeeder = (context) => {
  const { account } = context;
  const name = 'exposed-notebook';
  account.sagemaker.seedLifecycleConfig({
    name: 'install-packages',
    onStart: '#!/bin/bash\necho "installing packages"\n',
  });
  const files = {
    'churn-model.ipynb': '{"cells": [], "nbformat": 4}\n',
    'data/customers.csv': 'id,tenure,churned\n1,12,0\n2,3,1\n',
    'results/metrics.json': '{"auc": 0.91}\n',
  };
  account.sagemaker.seedNotebook({
    name,
    status: 'InService',
    rootAccess: 'Enabled',
    directInternetAccess: 'Enabled',
    lifecycleConfigName: 'install-packages',
    tags: [
      { Key: 'team', Value: 'data-science' },
      { Key: 'cost-centre', Value: 'cc-1234' },
    ],
    files,
  });
  const tags = () =>
    account.sagemaker
      .listTags({ ResourceArn: account.sagemaker.notebookArn(name) })
      .Tags.map((tag) => `${tag.Key}=${tag.Value}`);
  const dataNow = () => Object.keys(account.sagemaker.volumeFiles(name)).sort().join(', ');
  const recreationCase: DemoCase = {
    scenario: 'recreation',
    findings: [
      asffDemoFinding(context, finding(context, 'SageMaker.1', name), {
        why: 'direct internet access (only a recreate fixes it)',
      }),
      asffDemoFinding(context, finding(context, 'SageMaker.2', name), {
        why: 'not in a VPC (only a recreate fixes it)',
      }),
      asffDemoFinding(context, finding(context, 'SageMaker.3', name), {
        why: 'root access on the same notebook',
      }),
    ],
    approveAfterMinutes: APPROVAL_AFTER_MINUTES,
    describeNow: () =>
      [notebookLine(account, name), `${name} data: ${dataNow()}`, `${name} tags: ${tags().join(', ')}`].join(
        '\n',
      ),
    checkFixed: () => {
      const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
      const ok =
        notebook.NotebookInstanceStatus === 'InService' &&
        notebook.DirectInternetAccess === 'Disabled' &&
        notebook.SubnetId === context.privateSubnetId &&
        notebook.RootAccess === 'Disabled' &&
        notebook.NotebookInstanceLifecycleConfigName === 'install-packages' &&
        JSON.stringify(account.sagemaker.volumeFiles(name)) === JSON.stringify(files) &&
        ['team=data-science', 'cost-centre=cc-1234'].every((tag) => tags().includes(tag));
      return {
        ok,
        line: ok
          ? `${name}: root access fixed in place at once; one plan for SageMaker.1 and .2, approved, snapshotted, recreated in the private subnet with its data, tags and lifecycle configuration, InService again.`
          : `UNEXPECTED: the recreation of ${name} did not end as it should; see the timeline above.`,
      };
    },
  };
  return [recreationCase];
};

export const NOTEBOOK_SEEDERS = {
  'root-access': rootAccess,
  exempt,
  recreation,
} as const satisfies Record<string, DemoSeeder>;
