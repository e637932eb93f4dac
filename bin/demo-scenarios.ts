/**
 * The demo's scenarios by name, for --scenario and --help. Plain data: --help lists them without
 * loading the simulation.
 */
export const SCENARIOS = [
  {
    name: 'root-access',
    summary:
      'SageMaker.3 on a running notebook: stopped, fixed, started; the legacy duplicate finding starts no second cycle',
  },
  { name: 'exempt', summary: 'SageMaker.3 on a notebook carrying the exemption tag: skipped with a note' },
  {
    name: 'recreation',
    summary:
      'SageMaker.1, .2 and .3 on one notebook: root access fixed at once, one recreation plan, approved',
  },
  {
    name: 'monitoring-schedule',
    summary: 'SageMaker.14 and .22 on a monitoring schedule: one plan, approved, updated in place',
  },
  {
    name: 'job-definition',
    summary: 'SageMaker.11 and .9 on a data quality job definition: recreated, its schedule moved to it',
  },
  { name: 'endpoint-config', summary: 'SageMaker.4 on a one-instance endpoint configuration: replaced' },
  { name: 'image-tags', summary: 'SageMaker.7 on an untagged image: the required tags added at once' },
  { name: 'model', summary: 'SageMaker.5 on a model without network isolation behind an endpoint: replaced' },
  {
    name: 'inference-experiment',
    summary: 'SageMaker.24 on an inference experiment capturing data without a key: updated',
  },
  { name: 'member-account', summary: 'SageMaker.3 in a member account: fixed through its member role' },
  {
    name: 'linked-region',
    summary: 'SageMaker.3 in a member account in a linked Region: fixed through the member-api-call function',
  },
  {
    name: 'ocsf',
    summary:
      'SageMaker.3 as an OCSF finding of the new Security Hub: fixed, written back with BatchUpdateFindingsV2',
  },
] as const;

export type ScenarioName = (typeof SCENARIOS)[number]['name'];

export const SCENARIO_NAMES: readonly ScenarioName[] = SCENARIOS.map((scenario) => scenario.name);

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}
