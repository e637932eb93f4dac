/**
 * The modules' declared calls (docs/controls.md shows them as each control's IAM) are the calls the
 * state machine makes: the member role's SageMaker permissions are derived from the definition's
 * Tasks, so a call the modules do not declare, or one they declare that no Task makes, would make the
 * documented IAM untrue.
 */
import { describe, expect, it } from 'vitest';
import { CONTROL_MODULES } from '../../handlers/shared/controls/registry.js';
import { tasksRunBy } from '../../statemachines/member-credentials.js';
import { buildRemediationDefinition } from '../../statemachines/remediation-definition.js';

/** `sagemaker:StopNotebookInstance` for each SageMaker Task the member role runs. */
function sageMakerActionsOf(definition: ReturnType<typeof buildRemediationDefinition>): string[] {
  const actions = new Set<string>();
  for (const state of Object.values(tasksRunBy(definition, 'member').States)) {
    const operation =
      state.Type === 'Task' ? /:aws-sdk:sagemaker:(\w+)$/.exec(state.Resource)?.[1] : undefined;
    if (operation) actions.add(`sagemaker:${operation.charAt(0).toUpperCase()}${operation.slice(1)}`);
  }
  return [...actions].sort();
}

function declaredByStateMachine(kinds?: readonly string[]): string[] {
  const actions = new Set<string>();
  for (const module of CONTROL_MODULES) {
    if (module.fix.strategy === 'guidance' || (kinds && !kinds.includes(module.kind))) continue;
    for (const call of module.fix.calls) if (call.by === 'state-machine') actions.add(call.action);
  }
  return [...actions].sort();
}

describe('Given every engine deployed', () => {
  it('When the member role Tasks are read from the definition, Then their SageMaker calls are exactly those the modules declare for the state machine', () => {
    const definition = buildRemediationDefinition({ recreate: { approvalTimeoutSeconds: 7 * 86400 } });

    expect(sageMakerActionsOf(definition)).toEqual(declaredByStateMachine());
  });
});

describe('Given only the notebook engines deployed', () => {
  it('When the member role Tasks are read from the definition, Then their SageMaker calls are exactly those the notebook modules declare', () => {
    const definition = buildRemediationDefinition({
      recreate: { approvalTimeoutSeconds: 7 * 86400 },
      resourceEngines: [],
    });

    expect(sageMakerActionsOf(definition)).toEqual(declaredByStateMachine(['notebook-instance']));
    expect(sageMakerActionsOf(definition)).toContain('sagemaker:UpdateNotebookInstance');
  });
});
