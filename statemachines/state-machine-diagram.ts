/**
 * Renders a state machine definition as a Mermaid state diagram, for docs/architecture.md.
 * Generated from the real definition (and checked for drift by a test), so the picture cannot lie.
 */
import type { ChoiceCondition, State, StateMachineDefinition } from './amazon-states-language.js';

function lastSegment(path: string): string {
  return (
    path
      .split('.')
      .pop()
      ?.replace(/\[\d+\]$/, '') ?? path
  );
}

/** A short, Mermaid-safe label for a Choice rule. */
function describeCondition(condition: ChoiceCondition): string {
  if ('And' in condition) return condition.And.map(describeCondition).join(' and ');
  if ('Or' in condition) return condition.Or.map(describeCondition).join(' or ');
  if ('Not' in condition) {
    const inner = describeCondition(condition.Not);
    return 'And' in condition.Not || 'Or' in condition.Not ? `not (${inner})` : `not ${inner}`;
  }
  const field = lastSegment(condition.Variable);
  if ('StringEquals' in condition) return `${field} = ${condition.StringEquals}`;
  if ('StringEqualsPath' in condition) return `${field} = ${lastSegment(condition.StringEqualsPath)}`;
  if ('NumericEquals' in condition) return `${field} = ${condition.NumericEquals}`;
  if ('NumericEqualsPath' in condition) return `${field} = ${lastSegment(condition.NumericEqualsPath)}`;
  if ('NumericGreaterThanEquals' in condition) return `${field} >= ${condition.NumericGreaterThanEquals}`;
  if ('StringMatches' in condition) return `${field} matches ${condition.StringMatches}`;
  if ('BooleanEquals' in condition) return condition.BooleanEquals ? field : `not ${field}`;
  if ('IsPresent' in condition) return condition.IsPresent ? `${field} present` : `no ${field}`;
  return `${field} >= ${lastSegment(condition.NumericGreaterThanEqualsPath)}`;
}

/** Collapses "status = A or status = B" into "status in A, B" to keep edge labels readable. */
function compact(label: string): string {
  return label.replace(
    /(\w+) = (\w+)((?: or \1 = \w+)+)/g,
    (_match, field: string, first: string, rest: string) => {
      const values = [
        first,
        ...rest
          .split(' or ')
          .filter(Boolean)
          .map((part) => part.split(' = ')[1]),
      ];
      return `${field} in ${values.join(', ')}`;
    },
  );
}

function edges(name: string, state: State): string[] {
  const lines: string[] = [];
  if (state.Type === 'Choice') {
    for (const rule of state.Choices) {
      const { Next, ...condition } = rule;
      lines.push(`    ${name} --> ${Next}: ${compact(describeCondition(condition as ChoiceCondition))}`);
    }
    if (state.Default) lines.push(`    ${name} --> ${state.Default}: otherwise`);
    return lines;
  }
  if ('Next' in state && state.Next) lines.push(`    ${name} --> ${state.Next}`);
  if ('End' in state && state.End) lines.push(`    ${name} --> [*]`);
  if (state.Type === 'Succeed' || state.Type === 'Fail') lines.push(`    ${name} --> [*]`);
  if (state.Type === 'Task' || state.Type === 'Map') {
    for (const catcher of state.Catch ?? []) {
      const errors = catcher.ErrorEquals.join(', ').replace('States.ALL', 'any error');
      lines.push(`    ${name} --> ${catcher.Next}: ${errors}`);
    }
  }
  return lines;
}

export function renderStateDiagram(definition: StateMachineDefinition): string {
  const lines = ['stateDiagram-v2', `    [*] --> ${definition.StartAt}`];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Choice') lines.push(`    state ${name} <<choice>>`);
  }
  for (const [name, state] of Object.entries(definition.States)) lines.push(...edges(name, state));
  return lines.join('\n');
}
