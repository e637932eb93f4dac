/**
 * The IAM figures of runs of the simulated account (the bench's `iam` block): calls refused, and
 * grants no run used that have no written reason. Both must be 0.
 */
import {
  applyReasons,
  type Grant,
  type GrantUsage,
  grantKey,
  grantUsage,
  type ObservedDeployment,
  overlappingGrants,
  type ReasonedUsage,
  type UnusedGrantReason,
} from './grant-usage.js';
import { UNUSED_GRANT_REASONS } from './unused-grant-reasons.js';

export interface IamFigures {
  /** Authorizations refused in any run. */
  readonly deniedCalls: number;
  /** Grants no run used and no reason explains. */
  readonly unusedGrants: number;
  /** Every grant of the deployed templates, the used ones, and the unused ones with a reason. */
  readonly grants: number;
  readonly usedGrants: number;
  readonly explainedGrants: number;
}

export interface IamAnalysis {
  readonly figures: IamFigures;
  readonly usage: GrantUsage;
  readonly reasoned: ReasonedUsage;
  /** The refused calls themselves. */
  readonly denied: readonly string[];
  /** The unexplained unused grants, one line each. */
  readonly unexplained: readonly string[];
  /** Used grants whose every use another statement allowed too (for people to judge, not counted). */
  readonly overlapping: ReadonlyArray<{ readonly grant: Grant; readonly alsoAllowedBy: readonly string[] }>;
}

export function analyseIam(
  deployments: readonly ObservedDeployment[],
  deniedCalls: readonly string[],
  reasons: readonly UnusedGrantReason[] = UNUSED_GRANT_REASONS,
): IamAnalysis {
  const usage = grantUsage(deployments);
  const reasoned = applyReasons(usage, reasons);
  return {
    figures: {
      deniedCalls: deniedCalls.length,
      unusedGrants: reasoned.unexplained.length,
      grants: usage.grants.length,
      usedGrants: usage.used.length,
      explainedGrants: reasoned.explained.length,
    },
    usage,
    reasoned,
    denied: [...deniedCalls],
    unexplained: reasoned.unexplained.map(grantKey),
    overlapping: overlappingGrants(deployments, usage),
  };
}
