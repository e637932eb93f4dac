/**
 * "Add a control in one file" (docs/architecture.md), checked rather than claimed: two controls that do
 * not exist are added to the registry in memory only (a guidance control on feature groups and a
 * job-definition control on the recreate engine), with no other production file changed. The event
 * pattern, the IAM, docs/controls.md and the test matrix pick them up, and the new job-definition
 * control is remediated end to end by the deployed stack under its enforced IAM.
 */
import { describe, expect, it, vi } from 'vitest';
import { measureControl } from '../../bin/benchmark-controls.js';
import { renderControlsDocument } from '../../bin/documentation.js';
import { resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import {
  CONTROL_IDS,
  type ControlModes,
  findControl,
  resolveModes,
} from '../../handlers/shared/controls-catalogue.js';
import { observeResource } from '../../handlers/shared/resource-observation.js';
import { SimulatedAccount } from '../../simulation/account/account.js';
import { resourceControlFinding } from '../../simulation/account/sample-findings.js';
import { LocalDeployment } from '../../simulation/runner/local-deployment.js';
import { seedFailingResource } from '../../simulation/scenarios/failing-resources.js';
import { engineLambdaGrants, planningGrants } from '../../stacks/control-permissions.js';
import { buildFindingEventPattern } from '../../stacks/finding-event-pattern.js';

const GUIDANCE_ID = 'SageMaker.90';
const RECREATE_ID = 'SageMaker.91';

// The registry plus the two made-up modules, as a new sagemaker-N.ts and its line in registry.ts would make it.
vi.mock('../../handlers/shared/controls/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../handlers/shared/controls/registry.js')>();
  const { defineControl, memberAt, withMember } = await import(
    '../../handlers/shared/controls/control-module.js'
  );
  const { APPROVAL_MODES, recreateJobDefinitionCalls } = await import(
    '../../handlers/shared/controls/engine-calls.js'
  );
  const guidance = defineControl({
    id: 'SageMaker.90',
    title: 'Feature group has no description',
    kind: 'feature-group',
    severity: 'LOW',
    checks: 'Description',
    fails: ({ description }) => typeof description.Description !== 'string',
    fix: { strategy: 'guidance' },
    guidance: (name) => `Describe feature group ${name} when you next create it (Description).`,
  });
  const recreate = defineControl({
    id: 'SageMaker.91',
    title: 'Model quality job definition may run longer than 30 minutes',
    kind: 'model-quality-job-definition',
    severity: 'LOW',
    checks: 'StoppingCondition.MaxRuntimeInSeconds',
    fails: ({ description }) =>
      Number(memberAt(description, 'StoppingCondition.MaxRuntimeInSeconds') ?? 3600) > 1800,
    fix: {
      strategy: 'recreate',
      engine: 'recreate-job-definition',
      modes: APPROVAL_MODES,
      change: 'A copy of the definition with StoppingCondition.MaxRuntimeInSeconds=1800 replaces it.',
      calls: recreateJobDefinitionCalls('model-quality-job-definition'),
      apply: (description) => withMember(description, 'StoppingCondition.MaxRuntimeInSeconds', 1800),
    },
    guidance: (name) => `Recreate model quality job definition ${name} with a 30-minute stopping condition.`,
  });
  return { CONTROL_MODULES: [...original.CONTROL_MODULES, guidance, recreate] };
});

const CONTEXT = { partition: 'aws', region: 'eu-west-1', account: '111122223333' };

/** Every control in its default mode, with `overrides`. */
function modes(overrides: Record<string, string>): ControlModes {
  return { ...resolveModes(), ...overrides } as ControlModes;
}

/** The resources an action is granted on, in `grants`. */
function resourcesOf(grants: ReturnType<typeof planningGrants>, action: string): readonly string[] {
  return grants.find((grant) => grant.actions.includes(action))?.resources ?? [];
}

describe('Given two new control modules in the registry, and no other production change', () => {
  it('When the catalogue and the event pattern are derived, Then both controls are in them with their default modes', () => {
    expect(CONTROL_IDS).toEqual(expect.arrayContaining([GUIDANCE_ID, RECREATE_ID]));
    expect(findControl(GUIDANCE_ID)?.remediation).toBeUndefined();
    expect(findControl(RECREATE_ID)?.remediation).toEqual({
      name: 'recreate-job-definition',
      modes: ['approval', 'notify', 'off'],
    });
    const pattern = buildFindingEventPattern(resolveModes()) as {
      detail: { findings: { Compliance: { SecurityControlId: string[] } } };
    };
    expect(pattern.detail.findings.Compliance.SecurityControlId).toEqual(
      expect.arrayContaining([GUIDANCE_ID, RECREATE_ID]),
    );
    // Switched off, it leaves the rule
    const off = buildFindingEventPattern(modes({ [RECREATE_ID]: 'off' })) as typeof pattern;
    expect(off.detail.findings.Compliance.SecurityControlId).not.toContain(RECREATE_ID);
  });

  it('When the IAM is derived with every other control of their kinds off, Then only the new modules grant the reads and the recreate calls', () => {
    const othersOff = {
      'SageMaker.13': 'off',
      'SageMaker.17': 'off',
      'SageMaker.18': 'off',
      'SageMaker.25': 'off',
    };
    const featureGroups = kindArnOf('feature-group');
    const qualityDefinitions = kindArnOf('model-quality-job-definition');

    const withNew = modes(othersOff);
    const withoutNew = modes({ ...othersOff, [GUIDANCE_ID]: 'off', [RECREATE_ID]: 'off' });

    expect(resourcesOf(planningGrants(withNew, CONTEXT), 'sagemaker:DescribeFeatureGroup')).toEqual([
      featureGroups,
    ]);
    expect(resourcesOf(planningGrants(withoutNew, CONTEXT), 'sagemaker:DescribeFeatureGroup')).toEqual([]);
    const engines = ['recreate-job-definition'];
    for (const action of [
      'sagemaker:CreateModelQualityJobDefinition',
      'sagemaker:DeleteModelQualityJobDefinition',
    ]) {
      expect(resourcesOf(engineLambdaGrants('change-resource', withNew, engines, CONTEXT), action)).toEqual([
        qualityDefinitions,
      ]);
      expect(
        resourcesOf(engineLambdaGrants('change-resource', withoutNew, engines, CONTEXT), action),
      ).toEqual([]);
    }
  });

  it('When docs/controls.md is generated, Then each has its table row and its section with fix, IAM and guidance', () => {
    const document = renderControlsDocument();

    expect(document).toContain(
      `| ${GUIDANCE_ID} | Feature group has no description | feature group | LOW | \`Description\` | guidance only | none (the finding gets the steps) | **notify**, off |`,
    );
    expect(document).toContain(
      `| ${RECREATE_ID} | Model quality job definition may run longer than 30 minutes | model quality job definition | LOW | \`StoppingCondition.MaxRuntimeInSeconds\` | recreate | \`recreate-job-definition\` | **approval**, notify, off |`,
    );
    const section = document.slice(document.indexOf(`### ${RECREATE_ID}`));
    expect(section).toContain(
      '- Fix: A copy of the definition with StoppingCondition.MaxRuntimeInSeconds=1800',
    );
    expect(section).toContain('`sagemaker:CreateModelQualityJobDefinition` on model-quality-job-definition');
  });

  it.each([GUIDANCE_ID, RECREATE_ID])(
    'When the control matrix seeds a %s-failing resource, Then the module predicate fails it on the Describe output',
    async (controlId) => {
      const control = findControl(controlId);
      if (!control) throw new Error(`${controlId} is not in the catalogue`);
      const account = new SimulatedAccount({ strictReferences: true });
      const arn = seedFailingResource(account, controlId, 'Churn-Resource');
      const observed = await observeResource(
        account.sdkClients(account.administrator).sagemaker,
        { kind: control.kind, name: 'Churn-Resource', arn },
        true,
      );
      account.dispose();

      expect(control.module.fails(observed ?? { description: {} }, { requiredTagKeys: [] })).toBe(true);
    },
  );

  it('When a finding of the guidance control is imported into the deployed stack, Then it is NOTIFIED with the guidance naming the resource', async () => {
    const deployment = new LocalDeployment();
    try {
      seedFailingResource(deployment.account, GUIDANCE_ID, 'Churn-Features');
      const finding = resourceControlFinding({ controlId: GUIDANCE_ID, resourceName: 'Churn-Features' });
      deployment.importFinding(finding);
      await deployment.settle();

      const annotated = deployment.account.securityHub.getFinding(finding.Id ?? '');
      expect(annotated?.Workflow?.Status).toBe('NOTIFIED');
      expect(annotated?.Note?.Text).toContain(
        'Describe feature group Churn-Features when you next create it (Description).',
      );
    } finally {
      for (const account of deployment.directory.all()) account.dispose();
    }
  });

  it('When its finding is imported into the deployed stack and approved (the bench row), Then the definition is recreated and the finding RESOLVED with no call refused', async () => {
    const figures = await measureControl(RECREATE_ID);

    expect(figures.outcome).toBe('RESOLVED');
    expect(figures.deniedCalls).toEqual([]);
    expect(figures.stateTransitions).toBeGreaterThan(10);
  });
});

function kindArnOf(kind: Parameters<typeof resourceKind>[0]): string {
  return `arn:aws:sagemaker:eu-west-1:111122223333:${resourceKind(kind).arnType}/*`;
}
