/**
 * The notebook settings the control modules require (their `notebookSetting`), gathered from the
 * registry: what the in-place engine observes, updates and verifies, what a recreation writes, and
 * the IAM guardrails on both. A notebook control with a setting needs no other production file.
 *
 * Plain data and pure functions: it bundles into a Lambda at no cost.
 */
import type { ControlModule, Description, NotebookSetting } from './controls/control-module.js';
import { CONTROL_MODULES } from './controls/registry.js';

/** A notebook control and the setting that makes a notebook pass it. */
export interface NotebookSettingControl {
  readonly id: string;
  readonly setting: NotebookSetting;
}

function settingControls(modules: readonly ControlModule[]): NotebookSettingControl[] {
  return modules.flatMap((module) => {
    const setting = module.fix.strategy === 'guidance' ? undefined : module.fix.notebookSetting;
    return module.kind === 'notebook-instance' && setting ? [{ id: module.id, setting }] : [];
  });
}

/** Every notebook control's required setting (a recreation writes them all). */
export const NOTEBOOK_SETTING_CONTROLS: readonly NotebookSettingControl[] = settingControls(CONTROL_MODULES);

/** The notebook controls fixed in place (engine `update-notebook`), in registry order. */
export const IN_PLACE_NOTEBOOK_CONTROLS: readonly NotebookSettingControl[] = settingControls(
  CONTROL_MODULES.filter(
    (module) => module.fix.strategy !== 'guidance' && module.fix.engine === 'update-notebook',
  ),
);

/** The in-place settings as observed: each field's value, or what its absence means. */
export type ObservedSettings = Readonly<Record<string, string>>;

/** The in-place fields of a Describe output, the absent ones as SageMaker's default. */
export function observedSettings(description: object): ObservedSettings {
  const fields = description as Description;
  return Object.fromEntries(
    IN_PLACE_NOTEBOOK_CONTROLS.map(({ setting }) => {
      const value = fields[setting.field];
      return [setting.field, typeof value === 'string' ? value : setting.absent];
    }),
  );
}

/** Every in-place field as 'Unknown': the notebook could not be read. */
export function unknownSettings(): ObservedSettings {
  return Object.fromEntries(IN_PLACE_NOTEBOOK_CONTROLS.map(({ setting }) => [setting.field, 'Unknown']));
}

export function inPlaceControl(controlId: string): NotebookSettingControl | undefined {
  return IN_PLACE_NOTEBOOK_CONTROLS.find((control) => control.id === controlId);
}

/** `RootAccess=Disabled, ...`: the settings an update writes, for notes and alerts. */
export function settingsText(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ');
}

/** The request fields an update writes to fix the given controls. */
export function updateFor(controls: readonly NotebookSettingControl[]): Readonly<Record<string, string>> {
  return Object.fromEntries(controls.map(({ setting }) => [setting.field, setting.value]));
}

/**
 * The in-place controls a plan fixes: the finding's own, and every other one in automatic mode the
 * notebook fails, so that one stop fixes them all (and a sibling finding's "in progress" note is true).
 */
export function inPlaceFixes(
  controlId: string,
  observed: ObservedSettings,
  modes: Readonly<Record<string, string>>,
): NotebookSettingControl[] {
  return IN_PLACE_NOTEBOOK_CONTROLS.filter(
    ({ id, setting }) =>
      id === controlId || (modes[id] === 'auto' && observed[setting.field] !== setting.value),
  );
}
