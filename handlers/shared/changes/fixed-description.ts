/**
 * A resource's definition with the fixed controls' own changes applied (each module's `apply`). Its own
 * module, apart from resource-changes.ts, so that the engines' change modules, which resource-changes.ts
 * registers, can use it without importing their registry back (a cycle that leaves one of them
 * undefined, depending on which is loaded first).
 */
import type { Description } from '../controls/control-module.js';
import { findControl } from '../controls-catalogue.js';

/** The definition with every control of `fixes` applied in turn. */
export function fixedDescription(description: Description, fixes: readonly string[]): Description {
  return fixes.reduce((current, id) => {
    const fix = findControl(id)?.module.fix;
    if (!fix || !('apply' in fix) || !fix.apply) throw new Error(`${id} has no fix to apply to a definition`);
    return fix.apply(current);
  }, description);
}
