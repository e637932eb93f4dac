/**
 * A finding joining the recreation plan of its notebook, its "joined" note written first.
 *
 * The plan's closing writes its outcome on every finding it lists. A note written after the join (by
 * the state machine, once the planner returns) could land after that outcome, a throttled write all the
 * more, and leave the finding NOTIFIED "joined" for good. Written before the join, the note is always
 * older than the outcome. When the join then fails, the decision taken instead is written over it; when
 * it throws, a note saying it could not join. An OCSF finding's notes are written the same way, with
 * BatchUpdateFindingsV2 (finding-notes.ts).
 */
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { ValidatedFinding } from './finding-event.js';
import { writeFindingNotes } from './finding-notes.js';
import type { Logger } from './logger.js';
import {
  type DocumentClient,
  joinPlan,
  type OcsfFindingIdentifier,
  type PlanFinding,
} from './notebook-locks.js';
import { type Decision, type ExecutionIdentity, NOTE_LIMIT, truncate } from './plan-decisions.js';
import { joinedPlanAnnotation } from './recreation-decisions.js';
import type { Annotation } from './remediation-plan.js';

export interface PlanJoinDependencies {
  readonly dynamodb: DocumentClient;
  /** Without it, the note is left to the state machine, after the join (the old order). */
  readonly securityhub?: Pick<SecurityHubClient, 'send'> | undefined;
  readonly logger: Logger;
}

/** The finding as its plan lists it: identified for the API of its format. */
export function planFindingOf(finding: ValidatedFinding): PlanFinding {
  return ocsfIdentifierOf(finding) ?? { Id: finding.id, ProductArn: finding.productArn };
}

/** An OCSF finding's BatchUpdateFindingsV2 identifier; undefined for an ASFF finding. */
export function ocsfIdentifierOf(finding: ValidatedFinding): OcsfFindingIdentifier | undefined {
  return finding.format === 'ocsf'
    ? {
        CloudAccountUid: finding.accountId,
        FindingInfoUid: finding.id,
        MetadataProductUid: finding.productArn,
      }
    : undefined;
}

/** The decision when the finding joined the plan `request.holder` owns; undefined when it could not. */
export async function joinWithNote(
  dependencies: PlanJoinDependencies,
  finding: ValidatedFinding,
  request: Omit<Parameters<typeof joinPlan>[1], 'finding'>,
  execution: ExecutionIdentity,
): Promise<Decision | undefined> {
  const identifier = planFindingOf(finding);
  const annotation = joinedPlanAnnotation(finding, request.holder, execution);
  const noted = await writeNote(dependencies, identifier, annotation);
  let joined: boolean;
  try {
    joined = await joinPlan(dependencies.dynamodb, { ...request, finding: identifier });
  } catch (error) {
    // The "joined" note must not outlive a join that failed: say so (NOTIFIED, not NEW: a NEW update
    // would start the workflow again at once), then fail, so the Lambda task retries a transient error.
    if (noted) {
      const name = error instanceof Error ? error.name : 'Error';
      await writeNote(dependencies, identifier, {
        workflowStatus: 'NOTIFIED',
        note: truncate(
          `This finding could not join the recreation plan of execution ${request.holder.split(':').at(-1)} (${name}), so nothing was changed for it. Use Remediate now, or set it back to NEW, to try again.`,
          NOTE_LIMIT,
        ),
      }).catch(() => false);
    }
    throw error;
  }
  if (!joined) return undefined;
  return noted
    ? { kind: 'ignore', reason: `joined the plan of ${request.holder}, its note written` }
    : { kind: 'annotate', annotation };
}

/**
 * Writes the note on the finding (an OCSF one with BatchUpdateFindingsV2); false when there is no
 * client or Security Hub did not take it. A call that failed is thrown: the Lambda task retries it.
 */
async function writeNote(
  { securityhub, logger }: PlanJoinDependencies,
  identifier: PlanFinding,
  annotation: Pick<Annotation, 'workflowStatus' | 'note'>,
): Promise<boolean> {
  if (!securityhub) return false;
  const written = await writeFindingNotes(securityhub, [identifier], {
    text: annotation.note,
    status: annotation.workflowStatus,
  });
  const [failure] = written.failed;
  if (failure) throw failure.error;
  const [refused] = written.refused;
  if (refused) logger.warn('joined note not written', { findingId: refused.id, error: refused.code });
  return refused === undefined;
}
