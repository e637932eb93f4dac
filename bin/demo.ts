/**
 * `npm run demo`: the stack "deployed" into the local simulated account (no AWS account, no network),
 * sample Security Hub findings imported, a security engineer's approval clicked, and what happened
 * printed as a timeline in simulated time. Everything that runs is the real thing: the EventBridge
 * patterns, the state machine definition (in aws-local-stepfunctions), the handler code, the
 * lifecycle scripts (run with bash), the configuration loader.
 */
import '../simulation/runner/node20-compatibility.js';
import { readFileSync } from 'node:fs';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { SimulatedAccount } from '../simulation/account/account.js';
import { customActionEvent, notebookControlFinding } from '../simulation/account/sample-findings.js';
import { LocalDeployment } from '../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../simulation/runner/local-state-machine.js';
import { seedTargetNetwork } from '../simulation/scenarios/target-network.js';
import { CONFIGURATION_CONTEXT_KEY } from '../stacks/configuration.js';
import { DEMO_LINKED_REGION, seedDemoOrganizationCases } from './demo-organization-cases.js';
import { seedDemoResourceCases } from './demo-resource-cases.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

// The account before the stack: where recreated notebooks go (a private subnet, its security group), and
// the team VPC research-notebook already lives in. Every reference a notebook makes is checked.
const account = new SimulatedAccount({ accountId: ACCOUNT, region: REGION, strictReferences: true });
const network = seedTargetNetwork(account);
const PRIVATE_SUBNET = network.subnetId;
const NOTEBOOK_SECURITY_GROUP = network.securityGroupId;
const teamVpc = account.ec2.seedVpc();
const teamSubnet = account.ec2.seedSubnet({ vpcId: teamVpc });
const teamGroup = account.ec2.seedSecurityGroup({ vpcId: teamVpc, groupName: 'team' });

// The same configuration `npx cdk deploy` would use, plus where recreated notebooks go in this account.
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, Record<string, unknown>>;
};
// And, for this account, the tags images must carry (SageMaker.6/.7), the key of inference
// experiments' data capture (SageMaker.24) and the linked Region: cdk.json names none, as an
// organisation's own values.
const captureKey = account.kms.seedKey({ keyId: '5d0c6f2e-8b1a-4c3d-9e7f-1a2b3c4d5e6f' });
const configuration = {
  ...cdkJson.context[CONFIGURATION_CONTEXT_KEY],
  recreate: {
    ...(cdkJson.context[CONFIGURATION_CONTEXT_KEY]?.recreate as object),
    targets: [network.target],
  },
  requiredTags: { owner: 'ml-platform' },
  dataCaptureKmsKeyId: captureKey.arn,
  // The aggregation's linked Region where the demo's member account has a notebook.
  members: {
    ...(cdkJson.context[CONFIGURATION_CONTEXT_KEY]?.members as object),
    linkedRegions: [DEMO_LINKED_REGION],
  },
};
const deployment = new LocalDeployment({ configuration, account });
const start = account.clock.nowMs();

const offset = (at: Date): string => {
  const seconds = Math.round((at.getTime() - start) / 1000);
  return `T+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
};
const heading = (text: string) => console.log(`\n${text}\n${'-'.repeat(text.length)}`);

// The account before. research-notebook is in a VPC without internet access: only root access is wrong.
account.sagemaker.seedNotebook({
  name: 'research-notebook',
  status: 'InService',
  rootAccess: 'Enabled',
  directInternetAccess: 'Disabled',
  subnetId: teamSubnet,
  securityGroupIds: [teamGroup],
});
account.sagemaker.seedNotebook({
  name: 'shared-gpu-notebook',
  status: 'InService',
  rootAccess: 'Enabled',
  tags: [{ Key: 'securityhub-remediation', Value: 'skip' }],
});
// exposed-notebook: internet access, no VPC, root access; its own lifecycle config, tags and data.
account.sagemaker.seedLifecycleConfig({
  name: 'install-packages',
  onStart: '#!/bin/bash\necho "installing packages"\n',
});
const exposedFiles = {
  'churn-model.ipynb': '{"cells": [], "nbformat": 4}\n',
  'data/customers.csv': 'id,tenure,churned\n1,12,0\n2,3,1\n',
  'results/metrics.json': '{"auc": 0.91}\n',
};
account.sagemaker.seedNotebook({
  name: 'exposed-notebook',
  status: 'InService',
  rootAccess: 'Enabled',
  directInternetAccess: 'Enabled',
  lifecycleConfigName: 'install-packages',
  tags: [
    { Key: 'team', Value: 'data-science' },
    { Key: 'cost-centre', Value: 'cc-1234' },
  ],
  files: exposedFiles,
});

// Resources beside notebooks (from the control modules): the lessons' cases.
const resourceCases = seedDemoResourceCases(account, { account: ACCOUNT, region: REGION });
// A member account's notebook, and an OCSF finding of the new Security Hub.
const organizationCases = seedDemoOrganizationCases(deployment);

const finding = (
  controlId: string,
  notebookName: string,
  style: 'consolidated' | 'legacy' = 'consolidated',
) => notebookControlFinding({ controlId, notebookName, style, account: ACCOUNT, region: REGION });
const findings: Array<{ why: string; finding: AwsSecurityFinding }> = [
  { why: 'root access on a running notebook', finding: finding('SageMaker.3', 'research-notebook') },
  {
    why: 'the same problem, reported again by the legacy per-standard finding',
    finding: finding('SageMaker.3', 'research-notebook', 'legacy'),
  },
  {
    why: 'root access on a notebook tagged securityhub-remediation=skip',
    finding: finding('SageMaker.3', 'shared-gpu-notebook'),
  },
  {
    why: 'direct internet access (only a recreate fixes it)',
    finding: finding('SageMaker.1', 'exposed-notebook'),
  },
  { why: 'not in a VPC (only a recreate fixes it)', finding: finding('SageMaker.2', 'exposed-notebook') },
  { why: 'root access on the same notebook', finding: finding('SageMaker.3', 'exposed-notebook') },
];

console.log('SageMaker Security Hub remediation: demo in the local simulated AWS account');
console.log(`Account ${ACCOUNT}, region ${REGION}; configuration: the "remediation" context of cdk.json,`);
console.log(
  `with recreated notebooks going to ${PRIVATE_SUBNET} / ${NOTEBOOK_SECURITY_GROUP} in this account.`,
);
heading('Findings imported by Security Hub (T+00:00)');
for (const { why, finding: each } of [...findings, ...resourceCases.flatMap((each) => each.findings)]) {
  deployment.importFinding(each);
  console.log(`${each.Compliance?.SecurityControlId} ${each.Resources?.[0]?.Id?.split('/').pop()}: ${why}`);
}
for (const each of organizationCases) {
  each.importFinding();
  console.log(each.why);
}
for (const each of resourceCases) {
  const first = each.findings[0]?.finding;
  if (each.approveAfterMinutes === undefined || !first) continue;
  void account.clock.sleep(each.approveAfterMinutes * 60_000).then(() => {
    const current = account.securityHub.getFinding(first.Id ?? '') ?? first;
    console.log(
      `\n${offset(account.clock.now())}  A security engineer picks "Approve remediation" on a finding of ${each.name}`,
    );
    account.bus.putEvent(
      customActionEvent([current], {
        actionId: deployment.customActionIds.approve,
        id: `demo-approval-${each.name}`,
      }),
    );
  });
}

// A security engineer approves the recreation plan in the Security Hub console 20 minutes later.
const approvedFinding = findings[3]?.finding as AwsSecurityFinding;
void account.clock.sleep(20 * 60_000).then(() => {
  const current = account.securityHub.getFinding(approvedFinding.Id ?? '') ?? approvedFinding;
  console.log(
    `\n${offset(account.clock.now())}  A security engineer picks "Approve remediation" on a finding of exposed-notebook`,
  );
  account.bus.putEvent(
    customActionEvent([current], { actionId: deployment.customActionIds.approve, id: 'demo-approval' }),
  );
});

const executions = await deployment.settle();

/** `<control> on <resource name>` of the execution's first finding, ASFF or OCSF (Findings Imported V2). */
function subjectOf(execution: ExecutionRecord): string {
  const [first] = (execution.input as { detail: { findings: Array<Record<string, unknown>> } }).detail
    .findings;
  const ocsf = first as { compliance?: { control?: string }; resources?: Array<{ name?: string }> };
  if (ocsf?.compliance) return `${ocsf.compliance.control} on ${ocsf.resources?.[0]?.name}`;
  const current = account.securityHub.getFinding(String(first?.Id ?? ''));
  return `${current?.Compliance?.SecurityControlId} on ${current?.Resources?.[0]?.Id?.split('/').pop()}`;
}

heading('Executions of the state machine');
for (const execution of executions) {
  console.log(
    `\n${execution.name}  ${subjectOf(execution)}: ${execution.status}` +
      `  (${execution.transitions.length + execution.retries} state transitions, ${execution.lambdaInvocations} Lambda invocations)`,
  );
  // Tasks and waits tell the story; choices, passes and the polling plumbing do not.
  const shown = execution.transitions.filter(
    (transition) =>
      (transition.type === 'Task' || transition.type === 'Wait') &&
      !/(Check|Read|Count|Backoff)$/.test(transition.state) &&
      !transition.state.startsWith('Await'),
  );
  for (const transition of shown) console.log(`  ${offset(transition.at)}  ${transition.state}`);
  console.log(`  ${offset(execution.stoppedAt ?? execution.startedAt)}  (end)`);
}

heading('Notebooks now');
for (const name of ['research-notebook', 'shared-gpu-notebook', 'exposed-notebook']) {
  const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
  console.log(
    `${name.padEnd(20)} ${notebook.NotebookInstanceStatus.padEnd(10)} RootAccess ${notebook.RootAccess.padEnd(9)} ` +
      `DirectInternetAccess ${notebook.DirectInternetAccess.padEnd(9)} Subnet ${notebook.SubnetId ?? '(none)'}  ` +
      `Lifecycle ${notebook.NotebookInstanceLifecycleConfigName ?? '(none)'}`,
  );
}
const restored = account.sagemaker.volumeFiles('exposed-notebook');
const keptTags = account.sagemaker
  .listTags({ ResourceArn: account.sagemaker.notebookArn('exposed-notebook') })
  .Tags.map((tag) => `${tag.Key}=${tag.Value}`);
console.log(`exposed-notebook data: ${Object.keys(restored).sort().join(', ')}`);
console.log(`exposed-notebook tags: ${keptTags.join(', ')}`);

heading('Other resources now');
for (const each of resourceCases) console.log(each.describeNow(account));
for (const each of organizationCases) console.log(each.describeNow());

heading('Findings now (workflow status and note)');
for (const { finding: each } of [...findings, ...resourceCases.flatMap((one) => one.findings)]) {
  const current = account.securityHub.getFinding(each.Id ?? '');
  const style = each.GeneratorId?.startsWith('security-control/') ? 'consolidated' : 'legacy';
  console.log(
    `${current?.Compliance?.SecurityControlId} ${current?.Resources?.[0]?.Id?.split('/').pop()} (${style}): ${current?.Workflow?.Status}`,
  );
  console.log(`  ${current?.Note?.Text}`);
}

heading('Alerts published to SNS');
for (const message of account.sns.messages(deployment.alertTopicArn)) {
  console.log(
    `${offset(message.at)}  [${message.MessageAttributes?.outcome?.StringValue}] ${message.Subject}`,
  );
}

const research = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: 'research-notebook' });
const exposed = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: 'exposed-notebook' });
const statusOf = (index: number) =>
  account.securityHub.getFinding(findings[index]?.finding.Id ?? '')?.Workflow?.Status;
const inPlaceOk =
  research.NotebookInstanceStatus === 'InService' &&
  research.RootAccess === 'Disabled' &&
  statusOf(0) === 'RESOLVED' &&
  account
    .callsTo('SageMaker', 'StopNotebookInstance')
    .filter((call) => JSON.stringify(call.input).includes('research')).length === 1;
const recreatedOk =
  exposed.NotebookInstanceStatus === 'InService' &&
  exposed.DirectInternetAccess === 'Disabled' &&
  exposed.SubnetId === PRIVATE_SUBNET &&
  exposed.RootAccess === 'Disabled' &&
  exposed.NotebookInstanceLifecycleConfigName === 'install-packages' &&
  JSON.stringify(restored) === JSON.stringify(exposedFiles) &&
  [3, 4, 5].every((index) => statusOf(index) === 'RESOLVED');
heading('Checked on the way');
// Every account of the estate: the member account's calls are the member role's.
const authorizations = deployment.directory.all().flatMap((each) => each.authorizations);
const denied = authorizations.filter((entry) => entry.decision !== 'Allowed');
console.log(
  `IAM: ${authorizations.length} calls authorized against the deployed policies (${new Set(deployment.directory.all().map((each) => each.accountId)).size} accounts, ${deployment.directory.all().length} account Regions), ${denied.length} denied${
    denied.length ? `: ${denied.map((entry) => `${entry.action} ${entry.resource}`).join(', ')}` : ''
  }.`,
);
console.log(
  `Step Functions: largest state ${Math.max(...deployment.stateMachine.executions.map((execution) => execution.maxPayloadBytes))} bytes (limit 262,144).`,
);
heading('Result');
console.log(
  inPlaceOk
    ? 'research-notebook: InService again with RootAccess Disabled, its finding RESOLVED; the duplicate finding caused no second stop/start cycle.'
    : 'UNEXPECTED: the SageMaker.3 remediation did not end as it should; see the timeline above.',
);
console.log(
  recreatedOk
    ? 'exposed-notebook: root access fixed in place at once; one plan for SageMaker.1 and .2, approved, snapshotted, recreated in the private subnet with its data, tags and lifecycle configuration, InService again; all three findings RESOLVED.'
    : 'UNEXPECTED: the recreation of exposed-notebook did not end as it should; see the timeline above.',
);
const resourceResults = [
  ...resourceCases.map((each) => each.check(account)),
  ...organizationCases.map((each) => each.check()),
];
for (const result of resourceResults) console.log(result.line);
for (const each of deployment.directory.all()) each.dispose();
process.exitCode =
  inPlaceOk && recreatedOk && resourceResults.every((result) => result.ok) && denied.length === 0 ? 0 : 1;
