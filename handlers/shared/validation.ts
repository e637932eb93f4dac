/**
 * zod for the Lambda handlers: the tree-shakable `zod/mini` (classic zod cannot be tree-shaken and
 * would be about 460 KB of every bundle), with only the English error messages loaded, so that a
 * rejected input still says exactly what is wrong. Each module imports `zod/mini` itself: passing the
 * namespace object around would defeat tree-shaking.
 */

import { config, type core } from 'zod/mini';
import english from 'zod/v4/locales/en.js';

config(english());

/** "path: message" for every issue, so a rejection lists all its problems at once. */
export function describeIssues(error: core.$ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => `${prefix}${issue.path.join('.') || 'input'}: ${issue.message}`);
}
