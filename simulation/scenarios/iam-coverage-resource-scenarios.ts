/**
 * The IAM coverage scenarios of the controls beside notebook instances: the planner's reads of every
 * kind, and each resource engine's calls. Resources come from failing-resources.ts, as in the control
 * test matrix.
 */
import { CONTROLS } from '../../handlers/shared/controls-catalogue.js';
import { resourceControlFinding } from '../account/sample-findings.js';
import { seedFailingResource } from './failing-resources.js';
import { type CoverageScenario, check, type Stage, statuses } from './iam-coverage-stage.js';

/** One control of every kind beside notebooks (the first in the catalogue). */
const ONE_PER_KIND = CONTROLS.filter(
  (control, index) =>
    control.kind !== 'notebook-instance' &&
    CONTROLS.findIndex((other) => other.kind === control.kind) === index,
);

async function importFor(stage: Stage, controlIds: readonly string[]) {
  const findings = controlIds.map((controlId) => {
    seedFailingResource(stage.account, controlId, `Iam-${controlId.replace('.', '-')}`);
    return resourceControlFinding({ controlId, resourceName: `Iam-${controlId.replace('.', '-')}` });
  });
  for (const finding of findings) stage.deployment.importFinding(finding);
  const executions = await stage.deployment.settle();
  return { findings, executions };
}

const workflowStatusOf = (stage: Stage, id: string | undefined) =>
  stage.account.securityHub.getFinding(id ?? '')?.Workflow?.Status;

export const RESOURCE_COVERAGE_SCENARIOS: readonly CoverageScenario[] = [
  {
    name: 'every kind beside notebooks is read before planning, and its finding told what to do',
    async run(stage) {
      const { findings, executions } = await importFor(
        stage,
        ONE_PER_KIND.map((control) => control.id),
      );
      check(
        executions.every((execution) => execution.status === 'SUCCEEDED'),
        `expected every planning to succeed, got ${statuses(executions)}`,
      );
      for (const finding of findings) {
        check(workflowStatusOf(stage, finding.Id) === 'NOTIFIED', `${finding.Id} was not told`);
      }
    },
  },
  {
    name: 'required tags added in place to an image and an app image configuration',
    configuration: () => ({ requiredTags: { owner: 'ml-platform' } }),
    async run(stage) {
      const { findings, executions } = await importFor(stage, ['SageMaker.6', 'SageMaker.7']);
      check(
        executions.every((execution) => execution.status === 'SUCCEEDED'),
        `expected two successes, got ${statuses(executions)}`,
      );
      for (const finding of findings) {
        check(workflowStatusOf(stage, finding.Id) === 'RESOLVED', `${finding.Id} was not resolved`);
      }
    },
  },
];
