/**
 * What the planning handler adds to a decision when it plans in unusual conditions: a lock or plan
 * taken over from an execution that has ended, or a member role it cannot act as. Pure.
 */

import type { ValidatedFinding } from './finding-event.js';
import type { MemberRoleUnavailable } from './member-access.js';
import { annotation, type Decision, type ExecutionIdentity, NOTE_LIMIT, truncate } from './plan-decisions.js';
import type { Annotation } from './remediation-plan.js';

/**
 * The decision of a run that took a lock or plan over, saying so: first in the note of an annotation
 * or an approval request (the rest may be truncated, not that), and in the alert.
 */
export function sayingTakenOver(decision: Decision, sentence: string): Decision {
  if (decision.kind === 'annotate') {
    const { annotation } = decision;
    return {
      kind: 'annotate',
      annotation: {
        ...annotation,
        note: truncate(`${sentence} ${annotation.note}`, NOTE_LIMIT),
        message: `${sentence}\n\n${annotation.message}`,
      },
    };
  }
  if (decision.kind === 'remediate' && decision.recreate) {
    const { recreate } = decision;
    return {
      ...decision,
      recreate: {
        ...recreate,
        approvalNote: truncate(`${sentence} ${recreate.approvalNote}`, NOTE_LIMIT),
        approvalMessage: `${sentence}\n\n${recreate.approvalMessage}`,
      },
    };
  }
  return decision;
}

/** The member role of the finding's account and Region cannot be assumed: deploy the member stack there. */
export function memberRoleUnavailableAnnotation(
  finding: ValidatedFinding,
  error: MemberRoleUnavailable,
  execution: ExecutionIdentity,
): Annotation {
  return annotation(finding, execution, {
    workflowStatus: 'NOTIFIED',
    outcome: 'NEEDS_CONFIGURATION',
    headline: 'needs the member role',
    note: `Not remediated: nothing was changed. ${error.message}`,
  });
}
