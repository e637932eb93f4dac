/**
 * Notes written on every finding of a plan (its closing, a failure, a resource fix) when some are OCSF
 * findings of the new Security Hub. The plan's item lists ASFF and OCSF findings apart, and so does the
 * state ($.planFindingIdentifiers for BatchUpdateFindings, $.planOcsfFindingIdentifiers for
 * BatchUpdateFindingsV2), so that each list is written with one call of the API of its format.
 *
 * The V2 twin of a plan-wide note runs first, and only when there are OCSF findings; the V1 note follows
 * it when there are ASFF findings too. An ASFF-only execution thus takes the states it always took.
 */
import { OCSF_STATUS_IDS, type WrittenWorkflowStatus } from '../handlers/shared/ocsf-finding.js';
import {
  APPROVAL_FINDINGS_ATTRIBUTE,
  APPROVAL_OCSF_FINDINGS_ATTRIBUTE,
} from '../stacks/approval-table-schema.js';
import type { ChoiceRule, ChoiceState, MapState, TaskState } from './amazon-states-language.js';
import { OCSF_TWIN_SUFFIX, twinOf } from './ocsf-notes.js';

/** The plan's OCSF findings, as BatchUpdateFindingsV2 identifies them (PlanRemediation sets the own one). */
export const PLAN_OCSF_FINDINGS = '$.planOcsfFindingIdentifiers';

/** A closing's status, with the OCSF status_id that says the same. */
export function closingStatus(status: WrittenWorkflowStatus): { status: string; statusId: number } {
  return { status, statusId: OCSF_STATUS_IDS[status] };
}

/** The plan's item as read lists ASFF findings. */
const readHasAsff = (prefix: string): ChoiceRule => ({
  Variable: `$.planRead.Item.${APPROVAL_FINDINGS_ATTRIBUTE}.L[0]`,
  IsPresent: true,
  Next: `Collect${prefix}`,
});

/** The name of the V2 twin of a plan-wide note. */
export const ocsfTwinName = (name: string): string => `${name}${OCSF_TWIN_SUFFIX}`;

/**
 * The V2 twin of the plan-wide note `name` (writing $.planOcsfFindingIdentifiers), going on to the
 * Choice `after`. With `caughtToo`, a failure it catches goes there as well: a note that may fail (the
 * failure's) must not keep the ASFF findings from theirs.
 */
export function planWideTwin(name: string, v1: TaskState, after: string, caughtToo = false): TaskState {
  const twin = twinOf(name, v1, PLAN_OCSF_FINDINGS);
  return {
    ...twin,
    Next: after,
    ...(caughtToo && v1.Catch ? { Catch: v1.Catch.map((catcher) => ({ ...catcher, Next: after })) } : {}),
  };
}

/**
 * After the V2 twin: the ASFF findings of the plan (collected from its item under `prefix`, when it was
 * read) get the V1 note, or `otherwise`. With `unprocessed`, a finding V2 did not take goes there first.
 */
export function asffAfterOcsf(options: {
  readonly v1: string;
  readonly otherwise: string;
  readonly prefix?: string | undefined;
  readonly unprocessed?: string | undefined;
}): ChoiceState {
  return {
    Type: 'Choice',
    Comment: 'The OCSF findings have their note; the ASFF findings of the plan, if any, get theirs.',
    Choices: [
      ...(options.unprocessed
        ? [{ Variable: '$.findingUpdate.unprocessed[0]', IsPresent: true, Next: options.unprocessed }]
        : []),
      ...(options.prefix ? [readHasAsff(options.prefix)] : []),
      { Variable: '$.planFindingIdentifiers[0]', IsPresent: true, Next: options.v1 },
    ],
    Default: options.otherwise,
  };
}

/** Collects the OCSF findings of the plan's item (read into $.planRead) into $.planOcsfFindingIdentifiers. */
export function collectOcsfFindings(prefix: string, next: string): MapState {
  const value = '$$.Map.Item.Value.M';
  return {
    Type: 'Map',
    ItemsPath: `$.planRead.Item.${APPROVAL_OCSF_FINDINGS_ATTRIBUTE}.L`,
    ItemSelector: {
      'CloudAccountUid.$': `${value}.CloudAccountUid.S`,
      'FindingInfoUid.$': `${value}.FindingInfoUid.S`,
      'MetadataProductUid.$': `${value}.MetadataProductUid.S`,
    },
    ItemProcessor: {
      StartAt: `${prefix}OcsfIdentifier`,
      States: { [`${prefix}OcsfIdentifier`]: { Type: 'Pass', End: true } },
    },
    ResultPath: PLAN_OCSF_FINDINGS,
    Next: next,
  };
}
