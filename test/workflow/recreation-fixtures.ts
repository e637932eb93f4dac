/**
 * Given/When helpers of the recreation tests: a deployment that recreates notebooks into a real
 * (simulated) private subnet, a notebook exposed to the internet, findings, and clicks on custom actions.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { CustomAction } from '../../handlers/shared/custom-action-event.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import type { SeedNotebookOptions } from '../../simulation/account/sagemaker.js';
import { customActionEvent, notebookControlFinding } from '../../simulation/account/sample-findings.js';
import { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import type { ExecutionRecord } from '../../simulation/runner/local-state-machine.js';
import { seedTargetNetwork, type TargetNetwork } from '../../simulation/scenarios/target-network.js';
import { deniedCalls, NOTEBOOK, tracked } from './workflow-fixtures.js';

export type { TargetNetwork };
export { deniedCalls };

export const APPROVAL_MODES = { 'SageMaker.1': 'approval', 'SageMaker.2': 'approval' } as const;

/** A small volume with the things people keep: a notebook, data in a folder, a name with spaces. */
export const FILES = {
  'analysis.ipynb': '{"cells": []}\n',
  'data/train.csv': 'a,b\n1,2\n',
  'notes with spaces.md': '# notes\n',
};

export interface RecreationScenario {
  readonly deployment: LocalDeployment;
  readonly network: TargetNetwork;
}

export interface RecreationScenarioOptions {
  /** Overrides of the `recreate` configuration (targets default to the seeded network). */
  readonly recreate?: (network: TargetNetwork) => Record<string, unknown>;
  readonly modes?: Record<string, string>;
  /** The notebook (default: running, internet access on, tags, FILES); `null` for none. */
  readonly notebook?:
    | Partial<SeedNotebookOptions>
    | ((network: TargetNetwork) => Partial<SeedNotebookOptions>)
    | null;
  /** Other `remediation` configuration keys. */
  readonly configuration?: Record<string, unknown>;
}

/**
 * Given a deployment that recreates notebooks into a private subnet of this account, and a running
 * notebook failing SageMaker.1, .2 and .3 with tags and data.
 */
export function givenExposedNotebook(options: RecreationScenarioOptions = {}): RecreationScenario {
  const account = new SimulatedAccount({ strictReferences: true });
  const network = seedTargetNetwork(account);
  const deployment = tracked(
    new LocalDeployment({
      account,
      configuration: {
        modes: options.modes ?? APPROVAL_MODES,
        recreate: options.recreate?.(network) ?? { targets: [network.target] },
        ...options.configuration,
      },
    }),
  );
  if (options.notebook !== null) {
    account.sagemaker.seedNotebook({
      name: NOTEBOOK,
      status: 'InService',
      rootAccess: 'Enabled',
      directInternetAccess: 'Enabled',
      tags: [{ Key: 'team', Value: 'research' }],
      files: FILES,
      ...(typeof options.notebook === 'function' ? options.notebook(network) : options.notebook),
    });
  }
  return { deployment, network };
}

export const findingsFor = (controls: readonly string[]): AwsSecurityFinding[] =>
  controls.map((controlId) => notebookControlFinding({ controlId, notebookName: NOTEBOOK }));

/** A person clicks a custom action on a finding, `afterMinutes` of simulated time from now. */
export function clickLater(
  deployment: LocalDeployment,
  action: CustomAction | 'SomeoneElsesAction',
  finding: AwsSecurityFinding,
  afterMinutes: number,
): void {
  const actionId = action === 'SomeoneElsesAction' ? action : deployment.customActionIds[action];
  void deployment.account.clock.sleep(afterMinutes * 60_000).then(() => {
    const current = deployment.account.securityHub.getFinding(finding.Id ?? '') ?? finding;
    // Each click is its own event (EventBridge redeliveries reuse the id; separate clicks do not).
    deployment.account.bus.putEvent(
      customActionEvent([current], { actionId, id: `click-${action}-${afterMinutes}` }),
    );
  });
}

/** When the findings arrive together and the clicks follow: run until every execution has ended. */
export async function whenImportedAndClicked(
  deployment: LocalDeployment,
  findings: readonly AwsSecurityFinding[],
  clicks: ReadonlyArray<{ action: CustomAction | 'SomeoneElsesAction'; afterMinutes: number }>,
): Promise<ExecutionRecord[]> {
  for (const finding of findings) deployment.importFinding(finding);
  for (const click of clicks)
    clickLater(deployment, click.action, findings[0] as AwsSecurityFinding, click.afterMinutes);
  return deployment.settle();
}
