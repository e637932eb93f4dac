/**
 * The deployment's scope, as pure functions: which accounts, organizational units and Regions it
 * remediates (configuration `scope`, validated at synth by stacks/scope-configuration.ts), and the
 * notes of a finding it skips or cannot place. The Organizations lookup is organization-placement.ts.
 *
 * Rules: a deny always beats an allow; an empty allow list allows everything; an organizational unit
 * (or root) matches every account under it at any depth, through the account's parent chain.
 */

import * as z from 'zod/mini';
import type { ValidatedFinding } from './finding-event.js';
import { annotation, type ExecutionIdentity } from './plan-decisions.js';
import type { Annotation } from './remediation-plan.js';

const ids = z.array(z.string().check(z.minLength(1)));
const lists = z._default(z.object({ allow: z._default(ids, []), deny: z._default(ids, []) }), {
  allow: [],
  deny: [],
});

/** The scope as the planning Lambda receives it (REMEDIATION_SETTINGS.scope). */
export const findingScopeSchema = z.object({
  accounts: lists,
  organizationalUnits: lists,
  regions: lists,
});

export interface ScopeLists {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

export interface FindingScope {
  /** 12-digit account ids. */
  readonly accounts: ScopeLists;
  /** Organizational unit ids (`ou-...`) or root ids (`r-...`). */
  readonly organizationalUnits: ScopeLists;
  /** Region names. */
  readonly regions: ScopeLists;
}

/** No filter at all: every account and Region (what a deployment without `scope` gets). */
export const UNRESTRICTED_SCOPE: FindingScope = {
  accounts: { allow: [], deny: [] },
  organizationalUnits: { allow: [], deny: [] },
  regions: { allow: [], deny: [] },
};

/** Whether any decision may need AWS Organizations (and so organizations:ListParents). */
export function usesOrganizations(scope: FindingScope): boolean {
  return scope.organizationalUnits.allow.length > 0 || scope.organizationalUnits.deny.length > 0;
}

/**
 * Where an account sits in the organization: its parents from the nearest up to the root, or outside
 * the organization (Organizations answered ChildNotFoundException for the account itself).
 */
export type AccountPlacement =
  | { readonly kind: 'placed'; readonly ancestors: readonly string[] }
  | { readonly kind: 'outside-organization' };

export type ScopeVerdict =
  | { readonly kind: 'in-scope' }
  | { readonly kind: 'out-of-scope'; readonly reason: string }
  /** The verdict depends on the account's organizational units: look them up, then ask again. */
  | { readonly kind: 'needs-placement' };

/** What the finding is about, for the scope: its account and Region. */
export interface ScopeSubject {
  readonly accountId: string;
  readonly region: string;
}

function ancestorsOf(placement: AccountPlacement): readonly string[] {
  return placement.kind === 'placed' ? placement.ancestors : [];
}

function describeUnit(id: string): string {
  return id.startsWith('r-') ? `the organization root ${id}` : `organizational unit ${id}`;
}

/**
 * The verdict on one finding. Region and account lists are decided first (no lookup needed); the
 * organizational units only when a list needs them, and then only with `placement`.
 */
export function evaluateScope(
  scope: FindingScope,
  subject: ScopeSubject,
  placement?: AccountPlacement,
): ScopeVerdict {
  const { accountId, region } = subject;
  const { accounts, organizationalUnits: units, regions } = scope;
  if (regions.deny.includes(region)) {
    return { kind: 'out-of-scope', reason: `Region ${region} is on this deployment's Region deny list` };
  }
  if (regions.allow.length > 0 && !regions.allow.includes(region)) {
    return { kind: 'out-of-scope', reason: `Region ${region} is not on this deployment's Region allow list` };
  }
  if (accounts.deny.includes(accountId)) {
    return { kind: 'out-of-scope', reason: `account ${accountId} is on this deployment's account deny list` };
  }
  if (units.deny.length > 0) {
    if (!placement) return { kind: 'needs-placement' };
    const denied = ancestorsOf(placement).find((unit) => units.deny.includes(unit));
    if (denied) {
      return {
        kind: 'out-of-scope',
        reason: `account ${accountId} is under ${describeUnit(denied)}, on this deployment's organizational unit deny list`,
      };
    }
  }
  const allowing = accounts.allow.length > 0 || units.allow.length > 0;
  if (!allowing || accounts.allow.includes(accountId)) return { kind: 'in-scope' };
  if (units.allow.length > 0) {
    if (!placement) return { kind: 'needs-placement' };
    if (ancestorsOf(placement).some((unit) => units.allow.includes(unit))) return { kind: 'in-scope' };
  }
  const where = placement?.kind === 'outside-organization' ? ' (it is not in the organization)' : '';
  return {
    kind: 'out-of-scope',
    reason: `account ${accountId} is neither on this deployment's account allow list nor under an allowed organizational unit${where}`,
  };
}

/** A finding outside the scope: NOTIFIED (so it does not start the workflow again), nothing changed. */
export function outOfScopeAnnotation(
  finding: ValidatedFinding,
  reason: string,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'SKIPPED_OUT_OF_SCOPE',
    headline: 'skipped (out of scope)',
    note: `Skipped: ${reason}, so ${finding.control.id} was not remediated and nothing was changed. To remediate, change the deployment's scope, then set this finding back to NEW.`,
  });
}

/**
 * The scope could not be decided (Organizations did not answer): never allowed on error. The note says
 * why and how the finding is tried again.
 */
export function scopeNotEvaluatedAnnotation(
  finding: ValidatedFinding,
  cause: string,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'SCOPE_NOT_EVALUATED',
    headline: 'not remediated (scope unknown)',
    note: `Not remediated: the scope could not be evaluated because ${cause}. Nothing was changed. It will be retried when this finding is set back to NEW (or Remediate now is chosen) once that is fixed.`,
  });
}
