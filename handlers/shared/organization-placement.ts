/**
 * Where an account sits in AWS Organizations, for the organizational unit lists of the scope
 * (finding-scope.ts): the parent chain from ListParents, one call per level up to the root, each
 * answer kept in the Lambda's memory for PLACEMENT_CACHE_SECONDS. Only called when the scope has
 * organizational unit lists. A failure is never an answer: the finding is then not remediated.
 */

import { ListParentsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  type AccountPlacement,
  evaluateScope,
  type FindingScope,
  type ScopeSubject,
  type ScopeVerdict,
} from './finding-scope.js';

/**
 * How long a parent stays cached: an account moved to another organizational unit is seen in its new
 * place after at most this long (documented in docs/configuration.md).
 */
export const PLACEMENT_CACHE_SECONDS = 15 * 60;

/** Organizations nests organizational units at most five deep under the root: a longer chain is wrong. */
const MAX_CHAIN = 6;

export type PlacementResult = AccountPlacement | { readonly kind: 'unknown'; readonly cause: string };

export interface PlacementReader {
  placementOf(accountId: string): Promise<PlacementResult>;
}

interface Parent {
  readonly id: string;
  readonly root: boolean;
}

type CachedParent = { readonly parent: Parent | 'outside'; readonly expiresAt: number };

/** Why Organizations' error means the scope cannot be decided, in words for the finding's note. */
function causeOf(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  const message = String((error as { message?: unknown })?.message ?? '').slice(0, 160);
  switch (name) {
    case 'AccessDeniedException':
      return 'AWS Organizations denied ListParents (AccessDeniedException): organizational unit lists need this deployment in the management account or a delegated administrator of Organizations, and organizations:ListParents on the planning role';
    case 'AWSOrganizationsNotInUseException':
      return "this deployment's account is not in an organization (AWSOrganizationsNotInUseException), so organizational unit lists cannot be resolved";
    case 'TooManyRequestsException':
      return 'AWS Organizations throttled ListParents past the retries (TooManyRequestsException)';
    default:
      return `AWS Organizations did not answer ListParents (${typeof name === 'string' ? name : 'error'}: ${message})`;
  }
}

/** A reader whose answers live as long as the Lambda's container, each for `ttlSeconds`. */
export function createPlacementReader(
  organizations: Pick<OrganizationsClient, 'send'>,
  now: () => Date,
  ttlSeconds = PLACEMENT_CACHE_SECONDS,
): PlacementReader {
  const cache = new Map<string, CachedParent>();

  /** The one parent of `childId`; 'outside' when Organizations does not know the child. */
  async function parentOf(childId: string): Promise<Parent | 'outside'> {
    const cached = cache.get(childId);
    if (cached && cached.expiresAt > now().getTime()) return cached.parent;
    let parent: Parent | 'outside' | undefined;
    let nextToken: string | undefined;
    try {
      // A List call may answer an empty page with a NextToken: follow it until a parent comes.
      do {
        const page = await organizations.send(
          new ListParentsCommand({ ChildId: childId, ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
        const first = page.Parents?.find((candidate) => candidate.Id);
        if (first?.Id) parent = { id: first.Id, root: first.Type === 'ROOT' };
        nextToken = page.NextToken;
      } while (!parent && nextToken);
    } catch (error) {
      if ((error as { name?: unknown })?.name !== 'ChildNotFoundException') throw error;
      parent = 'outside';
    }
    if (!parent) throw new Error(`AWS Organizations listed no parent for ${childId}`);
    cache.set(childId, { parent, expiresAt: now().getTime() + ttlSeconds * 1000 });
    return parent;
  }

  return {
    async placementOf(accountId) {
      const ancestors: string[] = [];
      try {
        let child = accountId;
        while (ancestors.length < MAX_CHAIN) {
          const parent = await parentOf(child);
          if (parent === 'outside') {
            // Only the account itself may be unknown; an organizational unit vanishing mid-walk is a change.
            if (child === accountId) return { kind: 'outside-organization' };
            return {
              kind: 'unknown',
              cause: `organizational unit ${child} was not found while its accounts' parents were read (ChildNotFoundException): the organization changed during the lookup`,
            };
          }
          ancestors.push(parent.id);
          if (parent.root) return { kind: 'placed', ancestors };
          child = parent.id;
        }
      } catch (error) {
        return { kind: 'unknown', cause: causeOf(error) };
      }
      return {
        kind: 'unknown',
        cause: `the parents of account ${accountId} go deeper than Organizations allows (${ancestors.join(', ')})`,
      };
    },
  };
}

/** The verdict, or why none could be reached (never "in scope" on an error). */
export type ScopeOutcome = ScopeVerdict | { readonly kind: 'not-evaluated'; readonly cause: string };

/** Decides the scope of one finding, looking the account up in Organizations only when a list needs it. */
export async function decideScope(
  scope: FindingScope,
  subject: ScopeSubject,
  reader: PlacementReader | undefined,
): Promise<Exclude<ScopeOutcome, { kind: 'needs-placement' }>> {
  const first = evaluateScope(scope, subject);
  if (first.kind !== 'needs-placement') return first;
  if (!reader) {
    return { kind: 'not-evaluated', cause: 'the planning function has no AWS Organizations client' };
  }
  const placement = await reader.placementOf(subject.accountId);
  if (placement.kind === 'unknown') return { kind: 'not-evaluated', cause: placement.cause };
  const verdict = evaluateScope(scope, subject, placement);
  return verdict.kind === 'needs-placement'
    ? { kind: 'not-evaluated', cause: 'the organizational unit lists could not be decided' }
    : verdict;
}
