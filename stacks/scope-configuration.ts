/**
 * The `scope` key of the configuration (configuration.ts): allow and deny lists of accounts,
 * organizational units and Regions, validated at synth with every problem listed. The planning Lambda
 * applies them (handlers/shared/finding-scope.ts); docs/configuration.md documents them.
 *
 * No CDK imports, like configuration.ts.
 */
import { z } from 'zod';
import type { FindingScope } from '../handlers/shared/finding-scope.js';

const ACCOUNT_ID = /^\d{12}$/;
/** Organizations' own patterns (API reference, Parent and OrganizationalUnit). */
const UNIT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The longest the scope may be as JSON: it travels in the planning function's REMEDIATION_SETTINGS,
 * and Lambda allows 4 KB of environment variables in all, most of which the other settings take.
 */
export const MAX_SCOPE_JSON_LENGTH = 1000;

function idList(pattern: RegExp, what: string) {
  return z
    .array(z.string().regex(pattern, `must be ${what}`))
    .superRefine((ids, context) => {
      ids.forEach((id, index) => {
        if (ids.indexOf(id) !== index) {
          context.addIssue({ code: 'custom', path: [index], message: `${id} is listed twice` });
        }
      });
    })
    .default([]);
}

function allowDeny(pattern: RegExp, what: string) {
  return z
    .strictObject({ allow: idList(pattern, what), deny: idList(pattern, what) })
    .superRefine((lists, context) => {
      lists.deny.forEach((id, index) => {
        if (lists.allow.includes(id)) {
          context.addIssue({
            code: 'custom',
            path: ['deny', index],
            message: `${id} is both allowed and denied (a deny always wins): keep it on one list`,
          });
        }
      });
    })
    .prefault({});
}

export const scopeSchema = z
  .strictObject({
    /** 12-digit account ids. */
    accounts: allowDeny(ACCOUNT_ID, 'a 12-digit account id'),
    /** Organizational unit ids, or the organization's root id (every account). */
    organizationalUnits: allowDeny(
      UNIT_ID,
      'an organizational unit id (ou-<root part>-<unit part>) or a root id (r-<4 to 32 characters>)',
    ),
    /** Region names. */
    regions: allowDeny(REGION, 'an AWS Region name, for example eu-west-1'),
  })
  .superRefine((scope, context) => {
    const length = JSON.stringify(scope).length;
    if (length > MAX_SCOPE_JSON_LENGTH) {
      context.addIssue({
        code: 'custom',
        message: `the lists take ${length} characters as JSON, more than the ${MAX_SCOPE_JSON_LENGTH} that fit in the planning function's environment (Lambda allows 4 KB in all): list organizational units instead of their accounts`,
      });
    }
  })
  .prefault({});

/** The scope as the planning function receives it (REMEDIATION_SETTINGS.scope): plain copies. */
export function scopeSettings(
  scope: FindingScope,
): Record<keyof FindingScope, { allow: string[]; deny: string[] }> {
  const copy = (lists: FindingScope['accounts']) => ({ allow: [...lists.allow], deny: [...lists.deny] });
  return {
    accounts: copy(scope.accounts),
    organizationalUnits: copy(scope.organizationalUnits),
    regions: copy(scope.regions),
  };
}
