/**
 * `npm run demo`: the stack "deployed" into the local simulated account (no AWS account, no network),
 * then sample Security Hub findings imported, and what happened printed as a timeline in simulated
 * time. Everything that runs is the real thing: the EventBridge pattern, the state machine
 * definition (in aws-local-stepfunctions), the handler code, the configuration loader.
 */
import '../test/local-workflow/node20-compatibility.js';
import { readFileSync } from 'node:fs';
import { CONFIGURATION_CONTEXT_KEY } from '../stacks/configuration.js';
import { LocalDeployment } from '../test/local-workflow/local-deployment.js';
import type { ExecutionRecord } from '../test/local-workflow/local-state-machine.js';
import { notebookControlFinding } from '../test/simulated-account/sample-findings.js';

// The same configuration `npx cdk deploy` would use.
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context?: Record<string, unknown>;
};
const deployment = new LocalDeployment({ configuration: cdkJson.context?.[CONFIGURATION_CONTEXT_KEY] });
const { account } = deployment;
const start = account.clock.nowMs();

const offset = (at: Date): string => {
  const seconds = Math.round((at.getTime() - start) / 1000);
  return `T+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
};
const heading = (text: string) => console.log(`\n${text}\n${'-'.repeat(text.length)}`);

// The account before: three notebooks, one of them exempt.
account.sagemaker.seedNotebook({ name: 'research-notebook', status: 'InService', rootAccess: 'Enabled' });
account.sagemaker.seedNotebook({
  name: 'shared-gpu-notebook',
  status: 'InService',
  rootAccess: 'Enabled',
  tags: [{ Key: 'securityhub-remediation', Value: 'skip' }],
});
account.sagemaker.seedNotebook({
  name: 'legacy-notebook',
  status: 'Stopped',
  directInternetAccess: 'Enabled',
});

const findings = [
  {
    why: 'root access on a running notebook',
    finding: notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'research-notebook' }),
  },
  {
    why: 'the same problem, reported again by the legacy per-standard finding',
    finding: notebookControlFinding({
      controlId: 'SageMaker.3',
      notebookName: 'research-notebook',
      style: 'legacy',
    }),
  },
  {
    why: 'root access on a notebook tagged securityhub-remediation=skip',
    finding: notebookControlFinding({ controlId: 'SageMaker.3', notebookName: 'shared-gpu-notebook' }),
  },
  {
    why: 'direct internet access (no automatic fix: needs a recreate)',
    finding: notebookControlFinding({ controlId: 'SageMaker.1', notebookName: 'legacy-notebook' }),
  },
];

console.log('SageMaker Security Hub remediation: demo in the local simulated AWS account');
console.log(
  `Account ${account.accountId}, region ${account.region}; configuration: the "remediation" context of cdk.json.`,
);
heading('Findings imported by Security Hub');
for (const { why, finding } of findings) {
  deployment.importFinding(finding);
  console.log(
    `${finding.Compliance?.SecurityControlId} ${finding.Resources?.[0]?.Id?.split('/').pop()}: ${why}`,
  );
}

const executions = await deployment.settle();

function findingFor(execution: ExecutionRecord) {
  const detail = (execution.input as { detail: { findings: Array<{ Id: string }> } }).detail;
  const id = detail.findings[0]?.Id ?? '';
  return account.securityHub.getFinding(id);
}

heading('Executions of the state machine');
for (const execution of executions) {
  const finding = findingFor(execution);
  const control = finding?.Compliance?.SecurityControlId;
  const resource = finding?.Resources?.[0]?.Id?.split('/').pop();
  console.log(
    `\n${execution.name}  ${control} on ${resource}: ${execution.status}` +
      `  (${execution.transitions.length + execution.retries} state transitions, ${execution.lambdaInvocations} Lambda invocation)`,
  );
  for (const transition of execution.transitions) {
    if (transition.type === 'Choice' || transition.type === 'Pass') continue;
    console.log(`  ${offset(transition.at)}  ${transition.state}`);
  }
  console.log(`  ${offset(execution.stoppedAt ?? execution.startedAt)}  (end)`);
}

heading('Notebooks now');
for (const name of ['research-notebook', 'shared-gpu-notebook', 'legacy-notebook']) {
  const notebook = account.sagemaker.describeNotebookInstance({ NotebookInstanceName: name });
  console.log(
    `${name.padEnd(20)} ${notebook.NotebookInstanceStatus.padEnd(10)} RootAccess ${notebook.RootAccess.padEnd(9)} DirectInternetAccess ${notebook.DirectInternetAccess}`,
  );
}

heading('Findings now (workflow status and note)');
for (const { finding } of findings) {
  const current = account.securityHub.getFinding(finding.Id ?? '');
  const style = finding.GeneratorId?.startsWith('security-control/') ? 'consolidated' : 'legacy';
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
const resolved = account.securityHub.getFinding(findings[0]?.finding.Id ?? '');
const ok =
  research.NotebookInstanceStatus === 'InService' &&
  research.RootAccess === 'Disabled' &&
  resolved?.Workflow?.Status === 'RESOLVED' &&
  account.callsTo('SageMaker', 'StopNotebookInstance').length === 1;
heading('Result');
console.log(
  ok
    ? 'research-notebook is InService again with RootAccess Disabled, its finding is RESOLVED, and the duplicate finding caused no second stop/start cycle.'
    : 'UNEXPECTED: the SageMaker.3 remediation did not end as it should; see the timeline above.',
);
process.exitCode = ok ? 0 : 1;
