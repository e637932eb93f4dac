/**
 * The outcome of an OCSF finding (the new Security Hub) is written with BatchUpdateFindingsV2, an
 * ASFF one with BatchUpdateFindings. Rather than a Choice before every note, each note Task about the
 * execution's own finding gets a V2 twin, and every Choice that leads to the note leads OCSF findings
 * to the twin instead: an ASFF execution takes exactly the states it took before.
 */
import { OCSF_STATUS_IDS } from '../handlers/shared/ocsf-finding.js';
import {
  type ChoiceCondition,
  type ChoiceRule,
  type ChoiceState,
  type JsonObject,
  type JsonValue,
  type Retrier,
  type State,
  sdkIntegration,
  type TaskState,
} from './amazon-states-language.js';

/** The V1 identifier of the execution's own finding, as `updateFindings` writes it. */
const OWN_FINDING = JSON.stringify([
  { 'Id.$': '$.plan.finding.id', 'ProductArn.$': '$.plan.finding.productArn' },
]);

/** Status paths of V1 notes and the plan field holding the same status as an OCSF status_id. */
const STATUS_ID_PATHS: Readonly<Record<string, string>> = {
  '$.plan.annotation.workflowStatus': '$.plan.annotation.statusId',
  '$.closing.status': '$.closing.statusId',
};

/** Suffix of the V2 twin of a note Task. */
export const OCSF_TWIN_SUFFIX = 'Ocsf';

/** The planning Lambda marks an OCSF finding with `format: 'ocsf'`; an ASFF one has no format. */
export const isOcsfFinding: ChoiceCondition = {
  And: [
    { Variable: '$.plan.finding.format', IsPresent: true },
    { Variable: '$.plan.finding.format', StringEquals: 'ocsf' },
  ],
};

/**
 * Errors BatchUpdateFindingsV2 declares that a later attempt can clear (throttling, a 5xx, a
 * concurrent update), and the generic one undeclared errors arrive as.
 */
const V2_TRANSIENT_ERRORS = [
  'SecurityHub.SecurityHubException',
  'SecurityHub.InternalServerException',
  'SecurityHub.ThrottlingException',
  'SecurityHub.ConflictException',
];

const V1_NOTE = sdkIntegration('securityhub', 'batchUpdateFindings');

/** The V1 note's retriers for BatchUpdateFindingsV2: its own transient errors instead of V1's. */
export function v2Retriers(retriers: readonly Retrier[]): Retrier[] {
  return retriers.map((retrier) => ({
    ...retrier,
    ErrorEquals: retrier.ErrorEquals.some((error) => error.startsWith('SecurityHub.'))
      ? V2_TRANSIENT_ERRORS
      : retrier.ErrorEquals,
  }));
}

function isOwnFindingNote(state: State): state is TaskState {
  return (
    state.Type === 'Task' &&
    state.Resource === V1_NOTE &&
    JSON.stringify(state.Parameters?.FindingIdentifiers) === OWN_FINDING
  );
}

/**
 * BatchUpdateFindingsV2 parameters saying what the V1 parameters say (for the findings `identifiers`
 * names: the execution's own by default), or the reason they cannot.
 */
export function v2Parameters(name: string, v1: JsonObject, identifiers?: string): JsonObject {
  const workflow = v1.Workflow as { Status?: string; 'Status.$'?: string } | undefined;
  const note = v1.Note as { Text?: string; 'Text.$'?: string } | undefined;
  let status: JsonObject;
  if (workflow?.Status !== undefined) {
    const id = OCSF_STATUS_IDS[workflow.Status as keyof typeof OCSF_STATUS_IDS];
    if (id === undefined)
      throw new Error(`${name}: no OCSF status_id for workflow status ${workflow.Status}`);
    status = { StatusId: id };
  } else {
    const path = STATUS_ID_PATHS[workflow?.['Status.$'] ?? ''];
    if (path === undefined)
      throw new Error(`${name}: no OCSF status_id path for ${JSON.stringify(workflow)}`);
    status = { 'StatusId.$': path };
  }
  const comment: JsonObject =
    note?.['Text.$'] !== undefined ? { 'Comment.$': note['Text.$'] } : { Comment: note?.Text ?? '' };
  return {
    ...(identifiers
      ? { 'FindingIdentifiers.$': identifiers }
      : {
          FindingIdentifiers: [
            {
              'CloudAccountUid.$': '$.plan.finding.accountId',
              'FindingInfoUid.$': '$.plan.finding.id',
              'MetadataProductUid.$': '$.plan.finding.productArn',
            },
          ],
        }),
    ...status,
    ...comment,
  };
}

/** The V2 twin of a V1 note Task, for the findings `identifiers` names (the own finding by default). */
export function twinOf(name: string, task: TaskState, identifiers?: string): TaskState {
  return {
    ...task,
    Comment: `${task.Comment ? `${task.Comment} ` : ''}(OCSF finding: BatchUpdateFindingsV2.)`,
    Resource: sdkIntegration('securityhub', 'batchUpdateFindingsV2'),
    Parameters: v2Parameters(name, task.Parameters ?? {}, identifiers),
    ...(task.Retry ? { Retry: v2Retriers(task.Retry) } : {}),
  };
}

function withoutNext(rule: ChoiceRule): ChoiceCondition {
  const { Next: _next, ...condition } = rule as ChoiceRule & Record<string, JsonValue>;
  return condition as ChoiceCondition;
}

/** A Choice whose rules (and default) leading to a note lead OCSF findings to the note's twin first. */
function routeOcsf(choice: ChoiceState, twins: ReadonlyMap<string, string>): ChoiceState {
  const choices = choice.Choices.flatMap((rule): ChoiceRule[] => {
    const twin = twins.get(rule.Next);
    return twin ? [{ And: [isOcsfFinding, withoutNext(rule)], Next: twin }, rule] : [rule];
  });
  const defaultTwin = choice.Default ? twins.get(choice.Default) : undefined;
  return {
    ...choice,
    Choices: defaultTwin ? [...choices, { ...isOcsfFinding, Next: defaultTwin }] : choices,
  };
}

/**
 * Adds the V2 twin of every note Task about the execution's own finding and routes OCSF findings to
 * it. A note reached other than through a Choice could not be routed: that fails the build.
 */
export function withOcsfNotes(states: Readonly<Record<string, State>>): Record<string, State> {
  const twins = new Map<string, string>();
  for (const [name, state] of Object.entries(states)) {
    if (isOwnFindingNote(state)) twins.set(name, `${name}${OCSF_TWIN_SUFFIX}`);
  }
  const problems: string[] = [];
  const result: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Choice') {
      result[name] = routeOcsf(state, twins);
      continue;
    }
    const targets = [
      'Next' in state ? state.Next : undefined,
      ...('Catch' in state && state.Catch ? state.Catch.map((catcher) => catcher.Next) : []),
    ];
    for (const target of targets) {
      if (target && twins.has(target)) problems.push(`${name} goes to ${target} without a Choice`);
    }
    result[name] = state;
  }
  if (problems.length > 0) {
    throw new Error(`OCSF findings cannot be routed to their V2 notes:\n- ${problems.join('\n- ')}`);
  }
  for (const [name, twin] of twins) result[twin] = twinOf(name, states[name] as TaskState);
  return result;
}
