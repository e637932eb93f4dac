/**
 * The IAM coverage suite: scenarios (iam-coverage-scenarios.ts) that together use every grant the
 * stack makes, each in a fresh deployment with IAM enforced. The in-place fix in its variants, notify,
 * exempt, the recreation approved (with data, into a customer managed key, with data loss accepted
 * into the stack's own private network), rejected, expired, remediate now, a click that fails into the
 * on-failure queue, the pre-flight and other failures before the delete, and a failure after the
 * delete followed by the restore tool, run as the operator role from its snapshot; an OCSF finding,
 * plans decided with the approval CLI as its operator role, and the alerts given to the outcome recorder.
 *
 * Volumes are tiny: the suite measures IAM, not copies. simulation/iam/grant-usage.ts turns the
 * recorded decisions into used and unused grants.
 */
import { SimulatedAccount } from '../account/account.js';
import type { ObservedDeployment } from '../iam/grant-usage.js';
import { LocalDeployment } from '../runner/local-deployment.js';
import { IAM_COVERAGE_SCENARIOS } from './iam-coverage-scenarios.js';
import { seedTargetNetwork } from './target-network.js';

export { IAM_COVERAGE_SCENARIOS };

/**
 * A deployment as the analysis sees it: the stack's template, its ARNs and every decision of its
 * account, then each member stack's, with the decisions of the account it is deployed in.
 */
export function observeDeployment(deployment: LocalDeployment): ObservedDeployment[] {
  return [
    observed(deployment.template, deployment.stack, deployment.account),
    ...deployment.memberStacks.map(({ template, stack, account }) => observed(template, stack, account)),
  ];
}

function observed(
  template: ObservedDeployment['template'],
  stack: LocalDeployment['stack'],
  account: SimulatedAccount,
): ObservedDeployment {
  const arns: Record<string, string> = {};
  for (const [logicalId, resource] of stack.resources) {
    if (resource.type === 'AWS::IAM::Role') arns[logicalId] = String(resource.attributes.Arn);
    if (resource.type === 'AWS::IAM::ManagedPolicy') arns[logicalId] = resource.ref;
  }
  return { template, arns, decisions: [...account.authorizations] };
}

/** Every refused authorization of an account, as `<role or service> <action> <resource>`. */
export function refusedCalls(account: SimulatedAccount): string[] {
  return account.authorizations
    .filter((record) => record.decision !== 'Allowed')
    .map((record) => `${record.caller.roleArn.split('/').at(-1)} ${record.action} ${record.resource}`);
}

export interface IamCoverageRun {
  readonly scenarios: ReadonlyArray<{ readonly name: string; readonly realSeconds: number }>;
  /** Each scenario's deployment, for simulation/iam/grant-usage.ts. */
  readonly deployments: readonly ObservedDeployment[];
  /** Every refused call, as `<scenario>: <role> <action> <resource>`. */
  readonly deniedCalls: readonly string[];
  readonly realSeconds: number;
}

/** Runs every scenario (or those whose name contains one of `only`), one fresh account each. */
export async function runIamCoverageSuite(
  options: { readonly only?: readonly string[] } = {},
): Promise<IamCoverageRun> {
  const started = Date.now();
  const scenarios: Array<{ name: string; realSeconds: number }> = [];
  const deployments: ObservedDeployment[] = [];
  const deniedCalls: string[] = [];
  const selected = IAM_COVERAGE_SCENARIOS.filter(
    (scenario) => !options.only || options.only.some((part) => scenario.name.includes(part)),
  );
  for (const scenario of selected) {
    const scenarioStarted = Date.now();
    const account = new SimulatedAccount({ strictReferences: true });
    try {
      const network = seedTargetNetwork(account);
      const deployment = new LocalDeployment({
        account,
        configuration: scenario.configuration?.(network) ?? {},
      });
      try {
        await scenario.run({ account, network, deployment });
      } catch (error) {
        const refused = refusedCalls(account);
        throw new Error(
          `IAM coverage scenario "${scenario.name}": ${(error as Error).message}${refused.length > 0 ? `\nrefused: ${refused.join('\n')}` : ''}`,
          { cause: error },
        );
      }
      deployments.push(...observeDeployment(deployment));
      deniedCalls.push(...refusedCalls(account).map((call) => `${scenario.name}: ${call}`));
    } finally {
      account.dispose();
    }
    scenarios.push({ name: scenario.name, realSeconds: (Date.now() - scenarioStarted) / 1000 });
  }
  return { scenarios, deployments, deniedCalls, realSeconds: (Date.now() - started) / 1000 };
}
