/**
 * The in-place notebook engine (`update-notebook`), built from the control modules' notebook
 * settings: the reconcile loop's rules, one Update state per setting, and what every notebook
 * observation keeps of DescribeNotebookInstance. A control with a `notebookSetting` and this engine
 * gets its states here, with no change to this file.
 */

import {
  IN_PLACE_NOTEBOOK_CONTROLS,
  type NotebookSettingControl,
} from '../handlers/shared/notebook-settings.js';
import { TRANSITIONAL_STATUSES } from '../handlers/shared/remediation-plan.js';
import {
  type Catcher,
  type ChoiceCondition,
  type ChoiceRule,
  type State,
  sdkIntegration,
} from './amazon-states-language.js';
import {
  checksExhausted,
  notebookName,
  remediationIs,
  retryTransient,
  statusIs,
  statusIsOneOf,
  wasRunning,
} from './state-builders.js';

/** The plan sets this field (it fixes the control) and the notebook does not have it yet. */
function settingPending({ setting }: NotebookSettingControl): ChoiceCondition {
  return {
    And: [
      { Variable: `$.plan.resource.settings.${setting.field}`, IsPresent: true },
      { Not: { Variable: `$.notebook.settings.${setting.field}`, StringEquals: setting.value } },
    ],
  };
}

function updateStateOf({ id, setting }: NotebookSettingControl): string {
  if (!setting.updateState) throw new Error(`${id}: an in-place notebook setting names its updateState`);
  return setting.updateState;
}

/** DecideNextStep's rules for `update-notebook`, in priority order. */
export function updateNotebookRules(
  controls: readonly NotebookSettingControl[] = IN_PLACE_NOTEBOOK_CONTROLS,
): ChoiceRule[] {
  if (controls.length === 0) return [];
  const remediating = remediationIs('update-notebook');
  const when = (conditions: ChoiceCondition[], next: string): ChoiceRule => ({
    And: [remediating, ...conditions],
    Next: next,
  });
  const pending = controls.map(settingPending);
  const allSet: ChoiceCondition = {
    Not: pending.length === 1 ? (pending[0] as ChoiceCondition) : { Or: pending },
  };
  return [
    when([allSet, statusIs('InService')], 'ResolveFinding'),
    when([allSet, statusIs('Stopped'), wasRunning], 'StartNotebook'),
    when([allSet, statusIs('Stopped')], 'ResolveFinding'),
    when([statusIs('InService')], 'StopNotebook'),
    // One setting at a time while it is Stopped, each followed by the wait for the update.
    ...controls.map((control, index) =>
      when([statusIs('Stopped'), pending[index] as ChoiceCondition], updateStateOf(control)),
    ),
    when([statusIsOneOf(TRANSITIONAL_STATUSES), checksExhausted('$.poll')], 'RecordNotebookNotSettling'),
    when([statusIsOneOf(TRANSITIONAL_STATUSES)], 'CountStatusCheck'),
  ];
}

/** One UpdateNotebookInstance state per setting: the required value only, never another. */
export function updateNotebookStates(
  onError: Catcher[],
  controls: readonly NotebookSettingControl[] = IN_PLACE_NOTEBOOK_CONTROLS,
): Record<string, State> {
  return Object.fromEntries(
    controls.map((control) => [
      updateStateOf(control),
      {
        Type: 'Task',
        Comment: `${control.id}: ${control.setting.field}=${control.setting.value}.`,
        Resource: sdkIntegration('sagemaker', 'updateNotebookInstance'),
        Parameters: { ...notebookName, [control.setting.field]: control.setting.value },
        // A new phase: reset the status-check counter (a Choice on a missing path fails in AWS).
        ResultSelector: { attempt: 0, delaySeconds: 0 },
        ResultPath: '$.poll',
        TimeoutSeconds: 60,
        Retry: retryTransient('sagemaker'),
        Catch: onError,
        Next: 'WaitForUpdateToFinish',
      } satisfies State,
    ]),
  );
}
