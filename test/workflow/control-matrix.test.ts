/**
 * The control test matrix, derived from the registry: for every control beside the notebook ones, a
 * resource that fails it in the simulated account fails the module's own predicate, and its finding
 * gets the outcome the deployment's mode and engine call for. Adding a control adds its rows here.
 */
import { describe, expect, it } from 'vitest';
import { resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { CONTROLS, defaultMode } from '../../handlers/shared/controls-catalogue.js';
import { observeResource } from '../../handlers/shared/resource-observation.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import { seedFailingResource } from '../../simulation/scenarios/failing-resources.js';
import {
  alerts,
  deniedCalls,
  findingNow,
  givenDeployment,
  onlyExecution,
  whenImported,
} from './workflow-fixtures.js';

const RESOURCE_CONTROLS = CONTROLS.filter((control) => control.kind !== 'notebook-instance');
const NAME = 'Churn-Resource';

describe('every control beside the notebook ones, from its module', () => {
  it.each(RESOURCE_CONTROLS.map((control) => [control.id, control] as const))(
    'Given a %s-failing resource in the account, Then the module predicate fails it on the Describe output',
    async (_id, control) => {
      // The account alone (no stack to deploy): the predicate against what the simulated API returns.
      const account = new SimulatedAccount({ strictReferences: true });
      const arn = seedFailingResource(account, control.id, NAME);
      const observed = await observeResource(
        account.sdkClients(account.administrator).sagemaker,
        { kind: control.kind, name: NAME, arn },
        true,
      );
      account.dispose();
      expect(observed?.description[resourceKind(control.kind).describe.nameMember]).toBe(NAME);
      expect(control.module.fails(observed ?? { description: {} }, { requiredTagKeys: [] })).toBe(true);
    },
  );

  it.each(
    RESOURCE_CONTROLS.filter((control) => !control.remediation).map(
      (control) => [control.id, control] as const,
    ),
  )(
    'Given a %s finding with no engine built for it, When imported, Then the finding is NOTIFIED with its guidance naming the resource',
    async (_id, control) => {
      const deployment = givenDeployment();
      const arn = seedFailingResource(deployment.account, control.id, NAME);
      const finding = resourceControlFinding({ controlId: control.id, resourceName: NAME });
      // The steps as the module writes them from what Describe reports (.23 names the endpoint and variants)
      const observed = await observeResource(
        deployment.account.sdkClients(deployment.account.administrator).sagemaker,
        { kind: control.kind, name: NAME, arn },
        true,
      );
      const steps = control.guidance(NAME, observed?.description);

      const execution = onlyExecution(await whenImported(deployment, finding));

      expect(execution.status).toBe('SUCCEEDED');
      const annotated = findingNow(deployment, finding);
      expect(annotated.Workflow?.Status).toBe('NOTIFIED');
      expect(annotated.Note?.Text).toContain(`${control.title} (${NAME}).`);
      expect(annotated.Note?.Text).toContain(`What to do: ${steps}`);
      const [alert, ...more] = alerts(deployment);
      expect(more).toEqual([]);
      expect(alert?.Message).toContain(`What to do: ${steps}`);
      expect(deniedCalls(deployment)).toEqual([]);
      expect(defaultMode(control)).toBe('notify');
    },
  );
});
