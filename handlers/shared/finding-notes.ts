/**
 * A note written by a Lambda on findings of either Security Hub: the ASFF findings with
 * BatchUpdateFindings (Workflow.Status and Note), the OCSF findings of the new Security Hub with
 * BatchUpdateFindingsV2 (StatusId and Comment), as the state machine's V2 twins do
 * (statemachines/ocsf-notes.ts). `noteCalls` is the pure split into calls; `writeFindingNotes` sends
 * them and reports, per finding, what Security Hub did not take.
 *
 * Every call is tried even when one before it failed, so a failed V1 call does not keep the OCSF
 * findings from their note, nor the reverse; the caller decides what a refusal or a failure means.
 */
import {
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsCommandInput,
  BatchUpdateFindingsV2Command,
  type BatchUpdateFindingsV2CommandInput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { NOTE_AUTHOR } from '../../statemachines/state-builders.js';
import {
  type FindingIdentifier,
  isOcsfIdentifier,
  type OcsfFindingIdentifier,
  type PlanFinding,
  planFindingId,
} from './notebook-locks.js';
import { OCSF_STATUS_IDS } from './ocsf-finding.js';

/**
 * Finding identifiers per call: BatchUpdateFindings documents "up to 100 findings at a time"; the V2
 * reference states no bound, so V2 calls keep to the same 100 (a plan lists at most 100 of each).
 */
export const MAX_FINDINGS_PER_CALL = 100;

/** What a Lambda writes: the text, and the status it sets (none: the note only, status untouched). */
export interface FindingNote {
  readonly text: string;
  readonly status?: 'NOTIFIED' | 'RESOLVED' | undefined;
}

export type NoteCall =
  | {
      readonly api: 'BatchUpdateFindings';
      readonly findings: readonly FindingIdentifier[];
      readonly input: BatchUpdateFindingsCommandInput;
    }
  | {
      readonly api: 'BatchUpdateFindingsV2';
      readonly findings: readonly OcsfFindingIdentifier[];
      readonly input: BatchUpdateFindingsV2CommandInput;
    };

/** The key that tells two identifiers of one finding apart from those of another. */
function findingKey(finding: PlanFinding): string {
  return isOcsfIdentifier(finding)
    ? `${finding.CloudAccountUid}\n${finding.MetadataProductUid}\n${finding.FindingInfoUid}`
    : `${finding.ProductArn}\n${finding.Id}`;
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += MAX_FINDINGS_PER_CALL) {
    result.push(items.slice(start, start + MAX_FINDINGS_PER_CALL));
  }
  return result;
}

/**
 * The calls that write `note` on `findings`: the OCSF ones first (as the state machine's plan-wide
 * notes), then the ASFF ones, each at most MAX_FINDINGS_PER_CALL, without duplicates or empty ids
 * (Security Hub refuses a duplicated identifier).
 */
export function noteCalls(findings: readonly PlanFinding[], note: FindingNote): NoteCall[] {
  const seen = new Set<string>();
  const unique = findings.filter((finding) => {
    const key = findingKey(finding);
    if (planFindingId(finding) === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const ocsf = unique.filter(isOcsfIdentifier);
  const asff = unique.filter((finding): finding is FindingIdentifier => !isOcsfIdentifier(finding));
  return [
    ...chunks(ocsf).map(
      (batch): NoteCall => ({
        api: 'BatchUpdateFindingsV2',
        findings: batch,
        input: {
          FindingIdentifiers: batch.map((finding) => ({ ...finding })),
          ...(note.status ? { StatusId: OCSF_STATUS_IDS[note.status] } : {}),
          Comment: note.text,
        },
      }),
    ),
    ...chunks(asff).map(
      (batch): NoteCall => ({
        api: 'BatchUpdateFindings',
        findings: batch,
        input: {
          FindingIdentifiers: batch.map((finding) => ({ ...finding })),
          ...(note.status ? { Workflow: { Status: note.status } } : {}),
          Note: { Text: note.text, UpdatedBy: NOTE_AUTHOR },
        },
      }),
    ),
  ];
}

/**
 * Per-finding refusals (UnprocessedFindings) that a later attempt can clear: a concurrent update or an
 * internal failure (BatchUpdateFindingsUnprocessedFinding: ConcurrentUpdateError, InternalFailure;
 * BatchUpdateFindingsV2UnprocessedFinding: ConflictException, InternalServerException).
 */
export const TRANSIENT_REFUSALS: ReadonlySet<string> = new Set([
  'ConcurrentUpdateError',
  'InternalFailure',
  'ConflictException',
  'InternalServerException',
]);

/** Refusals saying the finding does not exist (any more): nobody is left to tell. */
export const GONE_REFUSALS: ReadonlySet<string> = new Set(['FindingNotFound', 'ResourceNotFoundException']);

/** A finding Security Hub did not take, with its code. */
export interface NoteRefusal {
  /** Its id (ASFF Id or OCSF finding_info.uid), 'unknown' when the response did not name it. */
  readonly id: string;
  /** The identifier as returned, to try it again. */
  readonly finding?: PlanFinding;
  readonly code: string;
  readonly message: string;
}

/** A call that failed as a whole (after the SDK's retries): none of its findings has the note. */
export interface NoteFailure {
  readonly api: NoteCall['api'];
  readonly findings: readonly PlanFinding[];
  readonly error: unknown;
}

export interface NotesWritten {
  /** Findings that have the note now. */
  readonly noted: number;
  readonly refused: readonly NoteRefusal[];
  readonly failed: readonly NoteFailure[];
}

type UnprocessedEntry = {
  FindingIdentifier?: Partial<FindingIdentifier & OcsfFindingIdentifier> | undefined;
  ErrorCode?: string | undefined;
  ErrorMessage?: string | undefined;
};

function refusalOf(entry: UnprocessedEntry): NoteRefusal {
  const identifier = entry.FindingIdentifier;
  let finding: PlanFinding | undefined;
  if (identifier?.FindingInfoUid && identifier.CloudAccountUid && identifier.MetadataProductUid) {
    finding = {
      CloudAccountUid: identifier.CloudAccountUid,
      FindingInfoUid: identifier.FindingInfoUid,
      MetadataProductUid: identifier.MetadataProductUid,
    };
  } else if (identifier?.Id && identifier.ProductArn) {
    finding = { Id: identifier.Id, ProductArn: identifier.ProductArn };
  }
  return {
    id: identifier?.FindingInfoUid ?? identifier?.Id ?? 'unknown',
    ...(finding ? { finding } : {}),
    code: entry.ErrorCode ?? 'unknown',
    message: entry.ErrorMessage ?? '',
  };
}

/** Writes `note` on `findings`, each through the API of its format; never throws for a call. */
export async function writeFindingNotes(
  securityhub: Pick<SecurityHubClient, 'send'>,
  findings: readonly PlanFinding[],
  note: FindingNote,
): Promise<NotesWritten> {
  let noted = 0;
  const refused: NoteRefusal[] = [];
  const failed: NoteFailure[] = [];
  for (const call of noteCalls(findings, note)) {
    let unprocessed: readonly UnprocessedEntry[];
    try {
      const response =
        call.api === 'BatchUpdateFindingsV2'
          ? await securityhub.send(new BatchUpdateFindingsV2Command(call.input))
          : await securityhub.send(new BatchUpdateFindingsCommand(call.input));
      unprocessed = response.UnprocessedFindings ?? [];
    } catch (error) {
      failed.push({ api: call.api, findings: call.findings, error });
      continue;
    }
    noted += call.findings.length - unprocessed.length;
    refused.push(...unprocessed.map(refusalOf));
  }
  return { noted, refused, failed };
}
