/**
 * Finding notes (Security Hub: at most 512 characters) and alert subjects (SNS: at most 100) that the
 * definition composes itself, with States.Format, must fit whatever the names: a note one character
 * too long makes BatchUpdateFindings refuse the update, and the finding would not say what happened.
 * So every such template is measured with the longest value each of its arguments can take, and the
 * stack refuses a definition where one could be too long.
 *
 * Notes and subjects the Lambdas compose are truncated there (plan-decisions.ts, failure-report.ts).
 */

import { RESOURCE_KINDS } from '../handlers/shared/controls/resource-kinds.js';
import { CONTROLS } from '../handlers/shared/controls-catalogue.js';
import { IN_PLACE_NOTEBOOK_CONTROLS, settingsText, updateFor } from '../handlers/shared/notebook-settings.js';
import {
  LOCK_TAKEOVER_MAX_LENGTH,
  PLAN_NOUN_LIMIT,
  PLAN_WHAT_LIMIT,
} from '../handlers/shared/remediation-plan.js';
import { SUMMARY_LIMIT } from '../handlers/shared/resource-decisions.js';
import type { JsonValue, State, StateMachineDefinition } from './amazon-states-language.js';

export const MAX_NOTE_LENGTH = 512;
export const MAX_SUBJECT_LENGTH = 100;

/**
 * The longest value of each argument a template may use. Names: execution names are at most 80
 * characters, notebook names 63, control ids `SageMaker.NN`; fixes are at most the four notebook
 * controls a recreation fixes; a rejection's cause is written by the custom-action Lambda.
 */
export const ARGUMENT_MAX_LENGTHS: Readonly<Record<string, number>> = {
  '$$.Execution.Name': 80,
  '$.plan.notebook.name': 63,
  '$.plan.controlId': 12,
  'States.JsonToString($.plan.recreate.fixes)':
    '["SageMaker.1","SageMaker.2","SageMaker.3","SageMaker.8","SageMaker.21"]'.length,
  '$.verification.fileCount': 15,
  '$.runState.wasRunning': 5,
  '$.notebook.status': 18,
  '$.rejection.Cause': 200,
  // Error names of the preparation's own errors and the pre-flight (recreate-plan-states.ts).
  '$.nothingChanged.Error': 40,
  // '' or the sentence of a lock taken over from an ended execution (plan-remediation.ts).
  '$.plan.lockTakeover': LOCK_TAKEOVER_MAX_LENGTH,
  // The same sentence, when the snapshot of an approved resource change took the lock over.
  '$.snapshot.Payload.lockTakeover': LOCK_TAKEOVER_MAX_LENGTH,
  // What an approval plan does, in words ("recreation of notebook instance <name>"): the planner
  // keeps it within this (remediation-plan.ts), and its noun ("recreation", "update").
  '$.plan.recreate.what': PLAN_WHAT_LIMIT,
  '$.plan.recreate.noun': PLAN_NOUN_LIMIT,
  // A fixed resource: SageMaker names are at most 63 characters (an inference experiment 120); the kind is a resource-kinds.ts name.
  '$.plan.resource.name': 120,
  '$.plan.resource.kind': Math.max(...[...RESOURCE_KINDS.keys()].map((kind) => kind.length)),
  '$.plan.resource.summary': SUMMARY_LIMIT,
  // The in-place notebook engine's settings as text: at most all of them (notebook-settings.ts).
  '$.plan.resource.settingsText': settingsText(updateFor(IN_PLACE_NOTEBOOK_CONTROLS)).length,
  // At most every control of one kind (a fix never spans kinds).
  'States.JsonToString($.plan.resource.fixes)': Math.max(
    ...[...RESOURCE_KINDS.keys()].map(
      (kind) =>
        JSON.stringify(CONTROLS.filter((control) => control.kind === kind).map((control) => control.id))
          .length,
    ),
  ),
};

/** A template's literal text and its arguments, from `States.Format('...', a, b)`. */
export function parseFormat(expression: string): { template: string; args: string[] } | undefined {
  const match = /^States\.Format\('((?:[^'\\]|\\.)*)'\s*(?:,(.*))?\)$/s.exec(expression.trim());
  if (!match) return undefined;
  const template = (match[1] ?? '').replace(/\\(.)/g, '$1');
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of match[2] ?? '') {
    if (character === '(') depth += 1;
    if (character === ')') depth -= 1;
    if (character === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else {
      current += character;
    }
  }
  if (current.trim() !== '') args.push(current.trim());
  return { template, args };
}

/** The longest text a template can produce, or the arguments nobody bounded. */
function worstCase(expression: string): { length: number; unbounded: string[] } {
  const parsed = parseFormat(expression);
  if (!parsed) return { length: 0, unbounded: [expression] };
  const placeholders = parsed.template.match(/\{\}/g)?.length ?? 0;
  const literal = parsed.template.length - 2 * placeholders;
  const unbounded = parsed.args.filter((arg) => ARGUMENT_MAX_LENGTHS[arg] === undefined);
  const length = literal + parsed.args.reduce((total, arg) => total + (ARGUMENT_MAX_LENGTHS[arg] ?? 0), 0);
  return { length, unbounded };
}

export interface Measured {
  readonly state: string;
  readonly field: string;
  readonly expression: string;
  readonly limit: number;
}

/** Every note and subject the definition formats itself (the Lambdas' are bounded where they are made). */
export function formattedMessages(definition: StateMachineDefinition): Measured[] {
  const found: Measured[] = [];
  const visit = (state: string, value: JsonValue | undefined, path: string[]): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) visit(state, item, [...path, String(index)]);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      const field = [...path, key].join('.');
      if (typeof inner === 'string' && inner.startsWith('States.Format(')) {
        if (/(^|\.)(note\.\$|Text\.\$)$/.test(field)) {
          found.push({ state, field, expression: inner, limit: MAX_NOTE_LENGTH });
        } else if (/(^|\.)(subject\.\$|Subject\.\$)$/.test(field)) {
          found.push({ state, field, expression: inner, limit: MAX_SUBJECT_LENGTH });
        }
      }
      visit(state, inner, [...path, key]);
    }
  };
  const walk = (states: Readonly<Record<string, State>>): void => {
    for (const [name, state] of Object.entries(states)) {
      if ('Parameters' in state) visit(name, state.Parameters as JsonValue | undefined, []);
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return found;
}

/** One line per note or subject that could be too long, or whose arguments have no known bound. */
export function messageLimitProblems(definition: StateMachineDefinition): string[] {
  return formattedMessages(definition).flatMap(({ state, field, expression, limit }) => {
    const { length, unbounded } = worstCase(expression);
    if (unbounded.length > 0) {
      return [`${state}.${field}: no known bound for ${unbounded.join(', ')}`];
    }
    return length > limit
      ? [`${state}.${field}: up to ${length} characters, over the limit of ${limit}`]
      : [];
  });
}
