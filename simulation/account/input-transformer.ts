/**
 * What EventBridge does with a target's InputTransformer: each name of InputPathsMap takes the value at
 * its JSON path in the event, and InputTemplate gets it in place of `<name>`. A placeholder inside a
 * quoted string takes the value's text; one outside takes the value as JSON (a string with its quotes),
 * as the EventBridge user guide's input transformation examples show. Not simulated: an object or array
 * placed inside a string (EventBridge strips its inner quotes; here they stay, escaped), array indices
 * and wildcards in paths (refused), and the predefined `aws.events.*` variables.
 */
export interface InputTransformer {
  readonly InputPathsMap?: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

function valueAt(event: unknown, path: string): unknown {
  if (!path.startsWith('$.')) throw new Error(`InputPathsMap path ${path} does not start with $.`);
  // EventBridge also takes array indices and wildcards; a path using them must not quietly become null here.
  if (!/^\$(?:\.[A-Za-z0-9_-]+)+$/.test(path)) {
    throw new Error(`InputPathsMap path ${path}: only dot notation is simulated`);
  }
  let value: unknown = event;
  for (const key of path.slice(2).split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The target's input for `event`, parsed (the templates here are JSON). */
export function applyInputTransformer(event: unknown, transformer: InputTransformer): unknown {
  const values = Object.fromEntries(
    Object.entries(transformer.InputPathsMap ?? {}).map(([name, path]) => [name, valueAt(event, path)]),
  );
  const template = transformer.InputTemplate;
  let output = '';
  let inString = false;
  for (let index = 0; index < template.length; index++) {
    const char = template[index] as string;
    if (char === '\\' && inString) {
      output += template.slice(index, index + 2);
      index++;
      continue;
    }
    if (char === '"') inString = !inString;
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(index)) : null;
    if (placeholder?.[1] !== undefined && placeholder[1] in values) {
      const value = values[placeholder[1]];
      output += inString
        ? JSON.stringify(typeof value === 'string' ? value : JSON.stringify(value ?? null)).slice(1, -1)
        : JSON.stringify(value ?? null);
      index += placeholder[0].length - 1;
      continue;
    }
    output += char;
  }
  return JSON.parse(output);
}
