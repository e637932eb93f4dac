/**
 * `controls.<id>` of `npm run bench -- --json`: for every control whose engine this version builds,
 * beside the notebook ones (measured by the workflow scenarios), one remediation in a fresh simulated
 * account: the failing resource from simulation/scenarios/failing-resources.ts, its finding imported,
 * approved five minutes later when the engine waits for an approval. Derived from the registry: a new
 * control's row appears by itself.
 */
import { CONTROLS, type ControlDefinition } from '../handlers/shared/controls-catalogue.js';
import { customActionEvent, resourceControlFinding } from '../simulation/account/sample-findings.js';
import { LocalDeployment } from '../simulation/runner/local-deployment.js';
import { seedFailingResource } from '../simulation/scenarios/failing-resources.js';

export interface ControlFigures {
  /** The remediating execution's transitions, retries included (the approval wait costs none). */
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  /** Every AWS API call of the run: planning, the state machine's, the Lambdas'. */
  readonly apiCalls: number;
  /** The finding's workflow status at the end (RESOLVED when the fix went through). */
  readonly outcome: string;
  /** Calls the deployed policies refused, as `<role> <action> <resource>`: none in a correct deployment. */
  readonly deniedCalls: readonly string[];
}

/** The data-capture key SageMaker.24 sets (seeded into the account before the run). */
const CAPTURE_KEY_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/**
 * Required tags for SageMaker.6/.7 and the data-capture key for .24: without them those controls have
 * nothing to apply and their findings only say what to configure.
 */
const CONFIGURATION = {
  requiredTags: { owner: 'ml-platform', 'cost-center': '4711' },
  dataCaptureKmsKeyId: `arn:aws:kms:eu-west-1:111122223333:key/${CAPTURE_KEY_ID}`,
};
const APPROVE_AFTER_MS = 5 * 60_000;

export async function measureControl(controlId: string): Promise<ControlFigures> {
  const deployment = new LocalDeployment({ configuration: CONFIGURATION });
  const { account } = deployment;
  try {
    account.kms.seedKey({ keyId: CAPTURE_KEY_ID });
    const name = 'Bench-Resource';
    seedFailingResource(account, controlId, name);
    const finding = resourceControlFinding({ controlId, resourceName: name });
    deployment.importFinding(finding);
    if (CONTROLS.find((control) => control.id === controlId)?.remediation?.modes[0] === 'approval') {
      void account.clock.sleep(APPROVE_AFTER_MS).then(() => {
        const current = account.securityHub.getFinding(finding.Id ?? '') ?? finding;
        account.bus.putEvent(customActionEvent([current], { actionId: deployment.customActionIds.approve }));
      });
    }
    const executions = await deployment.settle();
    // The remediation: the execution that planned the finding (clean-ups of nothing are left out).
    const [execution] = executions.filter((each) =>
      each.transitions.some((step) => step.state === 'PlanRemediation'),
    );
    if (!execution) throw new Error(`${controlId}: no remediation ran`);
    const deniedCalls = deployment.directory
      .all()
      .flatMap((each) => each.authorizations)
      .filter((entry) => entry.decision !== 'Allowed')
      .map((entry) => `${entry.caller.roleArn.split('/').at(-1)} ${entry.action} ${entry.resource}`);
    return {
      stateTransitions: execution.transitions.length + execution.retries,
      lambdaInvocations: execution.lambdaInvocations,
      apiCalls: account.calls.length,
      outcome: account.securityHub.getFinding(finding.Id ?? '')?.Workflow?.Status ?? 'unknown',
      deniedCalls,
    };
  } finally {
    for (const each of deployment.directory.all()) each.dispose();
  }
}

/** Every remediated control beside the notebook ones (of `controls`, the catalogue by default), by id. */
export async function measureControls(
  controls: readonly ControlDefinition[] = CONTROLS,
): Promise<Record<string, ControlFigures>> {
  const results: Record<string, ControlFigures> = {};
  for (const control of controls) {
    if (control.kind === 'notebook-instance' || !control.remediation) continue;
    results[control.id] = await measureControl(control.id);
  }
  return results;
}

/** The `controls.<id>` rows as docs/performance.md and `npm run bench` show them. */
export function renderControlTable(results: Readonly<Record<string, ControlFigures>>): string {
  const rows = Object.entries(results).map(([id, figures]) => {
    const control = CONTROLS.find((candidate) => candidate.id === id);
    const engine = control?.remediation ? `\`${control.remediation.name}\`` : 'none';
    return `| ${id} | ${engine} | ${figures.stateTransitions} | ${figures.lambdaInvocations} | ${figures.apiCalls} | ${figures.deniedCalls.length} | ${figures.outcome} |`;
  });
  return [
    '| Control | Engine | State transitions | Lambda invocations | API calls | Calls refused | Finding |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
