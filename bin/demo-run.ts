/**
 * One run of the demo: the stack "deployed" into the simulated account with cdk.json's configuration
 * (plus what the simulated account itself needs: a recreate target, required tags, a data-capture key,
 * a linked Region), the chosen cases seeded and their findings imported, a security engineer's
 * approvals clicked, and what happened printed: a timeline in simulated time, each finding's outcome
 * against what this configuration should give, and the resources afterwards. Returns the exit status.
 */
import { readFileSync } from 'node:fs';
import { SimulatedAccount } from '../simulation/account/account.js';
import { customActionEvent } from '../simulation/account/sample-findings.js';
import { LocalDeployment } from '../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../simulation/runner/local-state-machine.js';
import { seedTargetNetwork } from '../simulation/scenarios/target-network.js';
import { CONFIGURATION_CONTEXT_KEY } from '../stacks/configuration.js';
import type { DemoCase, DemoContext, DemoFinding, DemoSeeder } from './demo-case.js';
import { demoConfiguration } from './demo-configuration.js';
import {
  actualOutcome,
  awaitsApproval,
  expectedOutcome,
  expectedWords,
  matchesExpectation,
  modesChanged,
  outcomeWords,
} from './demo-expectations.js';
import { NOTEBOOK_SEEDERS } from './demo-notebook-cases.js';
import { EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE } from './demo-options.js';
import { ORGANIZATION_SEEDERS } from './demo-organization-cases.js';
import { RESOURCE_SEEDERS } from './demo-resource-cases.js';
import type { ScenarioName } from './demo-scenarios.js';
import {
  formatTimeline,
  mergeTimeline,
  offset,
  progressLine,
  type TimelineEvent,
  taskCallOf,
} from './demo-timeline.js';
import { type PreparedUserCase, prepareUserCase, type UserCase, userCaseSeeder } from './demo-user-case.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
/** Real time between two progress lines on stderr. */
const PROGRESS_EVERY_MS = 2_000;

const SEEDERS: Readonly<Record<ScenarioName, DemoSeeder>> = {
  ...NOTEBOOK_SEEDERS,
  ...RESOURCE_SEEDERS,
  ...ORGANIZATION_SEEDERS,
};

export interface DemoRun {
  /** The built-in scenarios to run, or the user's own case. */
  readonly scenarios: readonly ScenarioName[];
  readonly userCase?: UserCase;
}

export interface DemoOutput {
  readonly line: (text: string) => void;
  readonly progress: (text: string) => void;
  /** Why nothing ran (stderr). */
  readonly problem: (text: string) => void;
}

type Raw = Record<string, unknown>;

/** The ASFF Id or OCSF uid of the finding an execution started on (none for a clean-up run). */
function findingIdOf(execution: ExecutionRecord): string | undefined {
  const input = execution.input as { detail?: { findings?: Array<Raw> } };
  const first = input.detail?.findings?.[0] as { Id?: string; finding_info?: { uid?: string } } | undefined;
  return first?.Id ?? first?.finding_info?.uid;
}

export async function runDemo(run: DemoRun, out: DemoOutput): Promise<number> {
  const heading = (text: string) => out.line(`\n${text}\n${'-'.repeat(text.length)}`);
  const account = new SimulatedAccount({ accountId: ACCOUNT, region: REGION, strictReferences: true });
  const network = seedTargetNetwork(account);
  const captureKey = account.kms.seedKey({ keyId: '5d0c6f2e-8b1a-4c3d-9e7f-1a2b3c4d5e6f' });
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, Raw | undefined>;
  };
  const { configuration: raw, additions } = demoConfiguration(cdkJson.context[CONFIGURATION_CONTEXT_KEY], {
    target: { ...network.target },
    captureKeyArn: captureKey.arn,
  });
  out.progress('demo: deploying the stack into the simulated account');
  let deployment: LocalDeployment;
  try {
    deployment = new LocalDeployment({ configuration: raw, account });
  } catch (error) {
    // cdk.json's own problems, listed as `cdk synth` lists them.
    out.problem(`cdk.json: ${(error as Error).message}`);
    return EXIT_USAGE;
  }
  const { configuration } = deployment;
  const context: DemoContext = {
    deployment,
    account,
    exemptionTag: configuration.exemptionTag,
    requiredTags: configuration.requiredTags,
    privateSubnetId: network.subnetId,
  };
  const prepared: PreparedUserCase | undefined = run.userCase
    ? prepareUserCase(run.userCase, { account: ACCOUNT, region: REGION })
    : undefined;
  let cases: DemoCase[];
  try {
    cases = prepared
      ? userCaseSeeder(prepared)(context)
      : run.scenarios.flatMap((name) => SEEDERS[name](context));
  } catch (error) {
    if (!prepared) throw error;
    // A notebook the simulated SageMaker refuses (a setting out of its range...): the file's problem.
    out.problem(`--notebook: the simulated account cannot hold this notebook: ${(error as Error).message}`);
    return EXIT_USAGE;
  }

  // What each finding should end with under this configuration; a plan that waits is approved.
  const settings = { modes: configuration.modes, dryRun: configuration.dryRun };
  const plans = cases.map((each) => {
    const approveOn =
      each.approveAfterMinutes === undefined
        ? undefined
        : each.findings.find((finding) => awaitsApproval(finding.facts, settings));
    const expected = each.findings.map((finding) => ({
      finding,
      expected: expectedOutcome({ ...finding.facts, approved: approveOn !== undefined }, settings),
    }));
    return { each, approveOn, expected, before: each.describeNow() };
  });

  out.line('SageMaker Security Hub remediation: demo in the local simulated AWS account');
  out.line(
    `Account ${ACCOUNT}, Region ${REGION}. Configuration: the "${CONFIGURATION_CONTEXT_KEY}" context of cdk.json`,
  );
  const changed = modesChanged(settings);
  out.line(
    `(dry run ${configuration.dryRun ? 'on' : 'off'}, exemption tag ${configuration.exemptionTag.key}=${configuration.exemptionTag.value}, ` +
      `${changed.length === 0 ? 'every control in its catalogue mode' : `modes changed from the catalogue's: ${changed.join(', ')}`}),`,
  );
  out.line(
    `and for the simulated account: ${additions.length > 0 ? additions.join('; ') : 'nothing added'}.`,
  );
  for (const note of prepared?.notes ?? []) out.line(note);

  const findings = plans.flatMap(({ each }) => each.findings);
  heading('Findings imported by Security Hub (T+00:00), and the outcome this configuration should give');
  for (const { expected } of plans) {
    for (const { finding, expected: outcome } of expected) {
      finding.importFinding();
      out.line(`${finding.label}: ${finding.why}; expected ${expectedWords(outcome)}`);
    }
  }
  out.progress(
    `demo: ${findings.length} finding${findings.length === 1 ? '' : 's'} imported, running in simulated time`,
  );
  const start = account.clock.nowMs();
  const events: TimelineEvent[] = [];
  for (const { each, approveOn } of plans) {
    if (!approveOn || each.approveAfterMinutes === undefined) continue;
    void account.clock.sleep(each.approveAfterMinutes * 60_000).then(() => {
      const current = approveOn.current();
      if (!current) return;
      events.push({
        at: account.clock.now(),
        label: approveOn.label,
        text: 'A security engineer picks "Approve remediation"',
      });
      account.bus.putEvent(
        customActionEvent([current], {
          actionId: deployment.customActionIds.approve,
          id: `demo-approval-${approveOn.id}`,
        }),
      );
    });
  }

  // A long run is never silent: where simulated time is, and how many executions are running.
  const executionsNow = () => deployment.stateMachine.executions;
  const ticker = setInterval(() => {
    const running = executionsNow().filter((execution) => execution.status === 'RUNNING').length;
    out.progress(progressLine(account.clock.nowMs(), start, running, executionsNow().length - running));
  }, PROGRESS_EVERY_MS);
  let executions: ExecutionRecord[];
  try {
    executions = await deployment.settle();
  } finally {
    clearInterval(ticker);
  }

  const byId = new Map(findings.map((finding) => [finding.id, finding]));
  const alerts = account.sns.messages(deployment.alertTopicArn);
  const outcomeOf = (finding: DemoFinding) => {
    const arns = executions
      .filter((execution) => findingIdOf(execution) === finding.id)
      .map((each) => each.executionArn);
    const alertOutcomes = alerts
      .filter((alert) => arns.some((arn) => alert.Message.includes(arn)))
      .map((alert) => alert.MessageAttributes.outcome?.StringValue ?? '');
    return actualOutcome({ ...finding.now(), alertOutcomes });
  };
  const labelOf = (execution: ExecutionRecord) =>
    byId.get(findingIdOf(execution) ?? '')?.label ?? execution.name;
  const endingOf = (execution: ExecutionRecord) => {
    const finding = byId.get(findingIdOf(execution) ?? '');
    const words = finding ? outcomeWords(outcomeOf(finding)) : execution.status;
    return execution.status === 'SUCCEEDED'
      ? words
      : `${words}; execution ${execution.status} ${execution.error ?? ''}`.trim();
  };

  heading('Timeline (simulated time; each step with its result)');
  const definition = deployment.stateMachine.substitutedDefinition;
  const timeline = mergeTimeline(
    executions.map((execution) => ({ ...execution, label: labelOf(execution), ending: endingOf(execution) })),
    events,
    (state) => taskCallOf(definition.States[state]),
  );
  for (const line of formatTimeline(timeline, start)) out.line(line);

  heading('Executions of the state machine');
  for (const execution of executions) {
    out.line(
      `${execution.name}  ${labelOf(execution)}: ${endingOf(execution)}` +
        `  (${execution.transitions.length + execution.retries} state transitions, ${execution.lambdaInvocations} Lambda invocations)`,
    );
  }
  heading('Resources now');
  for (const { each } of plans) out.line(each.describeNow());
  heading('Findings now (outcome and note)');
  for (const finding of findings) {
    out.line(`${finding.label}: ${outcomeWords(outcomeOf(finding))}`);
    out.line(`  ${finding.now().note ?? '(no note)'}`);
  }
  heading('Alerts published to SNS');
  for (const message of alerts) {
    out.line(
      `${offset(message.at, start)}  [${message.MessageAttributes.outcome?.StringValue}] ${message.Subject}`,
    );
  }

  heading('Checked on the way');
  // Every account of the estate: a member account's calls are its member role's.
  const directory = deployment.directory.all();
  const authorizations = directory.flatMap((each) => each.authorizations);
  const denied = authorizations.filter((entry) => entry.decision !== 'Allowed');
  out.line(
    `IAM: ${authorizations.length} calls authorized against the deployed policies (${new Set(directory.map((each) => each.accountId)).size} accounts, ${directory.length} account Regions), ${denied.length} denied${
      denied.length ? `: ${denied.map((entry) => `${entry.action} ${entry.resource}`).join(', ')}` : ''
    }.`,
  );
  const largest = Math.max(0, ...executions.map((execution) => execution.maxPayloadBytes));
  out.line(`Step Functions: largest state ${largest} bytes (limit 262,144).`);

  heading('Result');
  let ok = denied.length === 0;
  for (const { each, expected, before } of plans) {
    const results = expected.map((result) => ({ ...result, actual: outcomeOf(result.finding) }));
    const wrong = results.filter((result) => !matchesExpectation(result.expected, result.actual));
    const words = results
      .map((result) => `${result.finding.label} ${outcomeWords(result.actual)}`)
      .join(', ');
    if (wrong.length > 0) {
      ok = false;
      for (const { finding, actual, expected: wanted } of wrong) {
        out.line(
          `UNEXPECTED: ${finding.label}: expected ${expectedWords(wanted)}, got ${outcomeWords(actual)}; see the timeline above.`,
        );
      }
      continue;
    }
    const fixes = results
      .filter((result) => !result.finding.facts.duplicate)
      .map((result) => result.expected.status === 'RESOLVED');
    if (fixes.every(Boolean)) {
      const check = each.checkFixed();
      ok &&= check.ok;
      out.line(check.ok ? `${check.line} ${words}.` : check.line);
    } else if (!fixes.some(Boolean)) {
      const unchanged = each.describeNow() === before;
      ok &&= unchanged;
      out.line(
        unchanged
          ? `${words}, as this configuration gives; nothing changed.`
          : `UNEXPECTED: changed although nothing should have: ${each.describeNow()}`,
      );
    } else {
      out.line(`${words}, as this configuration gives.`);
    }
  }
  for (const each of directory) each.dispose();
  return ok ? EXIT_OK : EXIT_UNEXPECTED;
}
