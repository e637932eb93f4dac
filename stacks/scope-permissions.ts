/**
 * What the planning function needs for the scope's organizational unit lists: organizations:ListParents,
 * granted only when such a list is configured (a deployment without one never calls Organizations).
 */
import { Stack } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RuntimeSettingsInput } from '../handlers/shared/runtime-settings.js';
import { acknowledge, wildcardResourceFinding } from './nag-acknowledgements.js';

type ScopeInput = RuntimeSettingsInput['scope'];

/** Whether the scope names organizational units (to allow or to deny). */
export function scopeNeedsOrganizations(scope: ScopeInput): boolean {
  const units = scope?.organizationalUnits;
  return (units?.allow?.length ?? 0) > 0 || (units?.deny?.length ?? 0) > 0;
}

/**
 * The ARNs ListParents is authorized on (Service Authorization Reference: account and
 * organizationalunit, both in the management account's organization). Which organization and
 * management account is only known where the stack is deployed, hence the wildcards.
 */
function childArns(stack: Stack): string[] {
  return [
    `arn:${stack.partition}:organizations::*:account/o-*/*`,
    `arn:${stack.partition}:organizations::*:ou/o-*/ou-*`,
  ];
}

/** The statement, when the scope needs it (none otherwise). */
export function organizationPlacementStatements(stack: Stack, scope: ScopeInput): PolicyStatement[] {
  if (!scopeNeedsOrganizations(scope)) return [];
  return [
    new PolicyStatement({
      sid: 'ReadOrganizationParents',
      actions: ['organizations:ListParents'],
      resources: childArns(stack),
    }),
  ];
}

/** The cdk-nag acknowledgement of the statement's wildcards, when it is there. */
export function acknowledgeOrganizationPlacement(role: IRole, scope: ScopeInput): void {
  if (!scopeNeedsOrganizations(scope)) return;
  const stack = Stack.of(role);
  for (const arn of childArns(stack)) {
    acknowledge(
      role,
      wildcardResourceFinding(role, arn),
      "The organization and its management account are those of the account the stack is deployed in, unknown at synth; read-only ListParents, only with organizational unit lists in the scope, to read a finding's account's parent chain.",
    );
  }
}
