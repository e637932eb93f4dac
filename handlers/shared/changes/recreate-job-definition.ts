/**
 * recreate-job-definition (SageMaker.9, .10, .11, .12, .13, .15, .20, .25): a monitoring job
 * definition has only Create, Describe and Delete, so the fix is a copy under a new name with the
 * fixed NetworkConfig, and every schedule that names the old definition moved to it
 * (UpdateMonitoringSchedule with its configuration unchanged but the name) before the old one is
 * deleted. A new name rather than delete-and-recreate-the-same-name: a definition cannot be deleted
 * while a schedule names it, so the same name would mean deleting the schedules (their history and
 * tags) or stopping them, and there would be a window with no definition at all.
 *
 * The new name is the old one (without an earlier `-fx` suffix, cut to fit) plus `-fx` and 8 hex
 * characters of a digest of the old definition's ARN and creation time: stable for one definition
 * (planning names it in the approval request before the snapshot exists), different for its
 * re-creations. At most 63 characters, SageMaker's name pattern.
 *
 * Steps (the state machine waits for the moved schedules between `move` and `retire`, and verifies
 * the new definition before deleting the old one):
 * - `create`: the fixed definition, with the old one's members and tags.
 * - `move`: each schedule of the snapshot that still names the old definition (read first) is
 *   pointed at the new one, so a step run again moves nothing twice.
 * - `retire`: the old definition deleted (already gone: done).
 * - `restore`: from any point, in this order: the old definition created again from the snapshot
 *   (still there: done); each schedule that names the new definition pointed back with its snapshot
 *   configuration; the new definition deleted (never created, or gone: done). SageMaker keeps a
 *   definition locked while a schedule is Pending on a move off it, so right after moving schedules
 *   back the last call is refused: the roll-back's retry (or running the restore tool again) then
 *   finds the schedules moved back already and only deletes the new definition. Nothing live is
 *   inspected beyond the schedules' own Describe.
 */
import { createHash } from 'node:crypto';
import {
  DescribeMonitoringScheduleCommand,
  ListMonitoringSchedulesCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import * as z from 'zod/mini';
import type { Description } from '../controls/control-module.js';
import type { ResourceKind } from '../controls/resource-kinds.js';
import type { ResourceSnapshot } from '../resource-snapshot.js';
import type { ChangeEngine } from './change-engine.js';
import { fixedDescription } from './fixed-description.js';
import type { SageMakerOperation, SageMakerRequest } from './sagemaker-requests.js';

type JobDefinitionType = 'DataQuality' | 'ModelBias' | 'ModelExplainability' | 'ModelQuality';

const TYPES: Partial<Record<ResourceKind, JobDefinitionType>> = {
  'data-quality-job-definition': 'DataQuality',
  'model-bias-job-definition': 'ModelBias',
  'model-explainability-job-definition': 'ModelExplainability',
  'model-quality-job-definition': 'ModelQuality',
};

/** Where a schedule names its definition (the member the moves read and write). */
const DEFINITION_MEMBER = 'MonitoringScheduleConfig.MonitoringJobDefinitionName';

/** The suffix this engine adds; an earlier one is replaced rather than stacked. */
const SUFFIX = /-fx[0-9a-f]{8}$/;
const SUFFIX_LENGTH = '-fx'.length + 8;
const MAX_NAME_LENGTH = 63;

/** At most this many schedule names in the approval request (the count is always given). */
const NAMED_SCHEDULES = 10;

/** A schedule that names the definition, as Describe reported it when planning or snapshotting. */
const scheduleSchema = z.object({
  MonitoringScheduleName: z.string(),
  MonitoringScheduleStatus: z.optional(z.string()),
  MonitoringScheduleConfig: z.record(z.string(), z.unknown()),
});
type RelatedSchedule = z.infer<typeof scheduleSchema>;

const relatedSchema = z.object({
  recreatedName: z.optional(z.string()),
  schedules: z.array(scheduleSchema),
});

function typeOf(kind: ResourceKind): JobDefinitionType {
  const type = TYPES[kind];
  if (!type) throw new Error(`recreate-job-definition does not recreate a ${kind}`);
  return type;
}

function nameOf(description: Description): string {
  const name = description.JobDefinitionName;
  if (typeof name !== 'string' || name === '') throw new Error('the definition has no JobDefinitionName');
  return name;
}

/** The new definition's name: the old one cut to fit, `-fx`, and a digest of the old one's identity. */
export function recreatedName(description: Description): string {
  const created = description.CreationTime;
  const createdAt =
    created instanceof Date || typeof created === 'string' ? new Date(created).toISOString() : '';
  const identity = `${String(description.JobDefinitionArn ?? nameOf(description))}\n${createdAt}`;
  const digest = createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, 8);
  const base = nameOf(description)
    .replace(SUFFIX, '')
    .slice(0, MAX_NAME_LENGTH - SUFFIX_LENGTH)
    .replace(/-+$/, '');
  return `${base}-fx${digest}`;
}

/** The members CreateXJobDefinition takes, from a definition as Describe reported it. */
function createInput(
  type: JobDefinitionType,
  name: string,
  definition: Description,
  tags: ResourceSnapshot['tags'],
): Record<string, unknown> {
  const members = [
    `${type}BaselineConfig`,
    `${type}AppSpecification`,
    `${type}JobInput`,
    `${type}JobOutputConfig`,
    'JobResources',
    'NetworkConfig',
    'RoleArn',
    'StoppingCondition',
  ].filter((member) => definition[member] !== undefined);
  // `aws:` tags are the system's: they cannot be written.
  const userTags = tags.filter((tag) => !tag.Key.toLowerCase().startsWith('aws:'));
  return {
    JobDefinitionName: name,
    ...Object.fromEntries(members.map((member) => [member, definition[member]])),
    ...(userTags.length > 0 ? { Tags: userTags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) } : {}),
  };
}

function schedulesOf(related: Readonly<Record<string, unknown>>): readonly RelatedSchedule[] {
  const parsed = relatedSchema.safeParse(related);
  if (!parsed.success) throw new Error('the snapshot does not list the schedules that run the definition');
  return parsed.data.schedules;
}

/** The schedule with its configuration naming `definition`, sent only while it still names `current`. */
function pointScheduleAt(schedule: RelatedSchedule, definition: string, current: string): SageMakerRequest {
  const name = schedule.MonitoringScheduleName;
  return {
    operation: 'UpdateMonitoringSchedule',
    input: {
      MonitoringScheduleName: name,
      MonitoringScheduleConfig: {
        ...schedule.MonitoringScheduleConfig,
        MonitoringJobDefinitionName: definition,
      },
    },
    onlyIf: {
      read: { operation: 'DescribeMonitoringSchedule', input: { MonitoringScheduleName: name } },
      member: DEFINITION_MEMBER,
      equals: current,
    },
  };
}

/** The name a schedule wrote for the definition (SageMaker matches names without regard to case). */
function namedIn(schedule: RelatedSchedule, fallback: string): string {
  const named = schedule.MonitoringScheduleConfig.MonitoringJobDefinitionName;
  return typeof named === 'string' ? named : fallback;
}

function requestsOf(snapshot: ResourceSnapshot, step: string): SageMakerRequest[] {
  const type = typeOf(snapshot.kind);
  const oldName = nameOf(snapshot.description);
  const newName = recreatedName(snapshot.description);
  const schedules = schedulesOf(snapshot.related);
  const create = `Create${type}JobDefinition` as SageMakerOperation;
  const remove = (name: string): SageMakerRequest => ({
    operation: `Delete${type}JobDefinition` as SageMakerOperation,
    input: { JobDefinitionName: name },
    alreadyDone: 'not-found',
  });
  switch (step) {
    case 'create':
      return [
        {
          operation: create,
          input: createInput(
            type,
            newName,
            fixedDescription(snapshot.description, snapshot.fixes),
            snapshot.tags,
          ),
        },
      ];
    case 'move':
      return schedules.map((schedule) => pointScheduleAt(schedule, newName, namedIn(schedule, oldName)));
    case 'retire':
      return [remove(oldName)];
    case 'restore':
      return [
        {
          operation: create,
          input: createInput(type, oldName, snapshot.description, snapshot.tags),
          alreadyDone: 'exists',
        },
        ...schedules.map((schedule) => ({
          ...pointScheduleAt(schedule, namedIn(schedule, oldName), newName),
          // Back exactly as the snapshot has it.
          input: {
            MonitoringScheduleName: schedule.MonitoringScheduleName,
            MonitoringScheduleConfig: schedule.MonitoringScheduleConfig,
          },
        })),
        remove(newName),
      ];
    default:
      throw new Error(`recreate-job-definition has no step ${step}`);
  }
}

/** The type a definition is of, from its type-named members (`DataQualityAppSpecification`...). */
function typeOfDescription(description: Description): JobDefinitionType {
  const type = Object.values(TYPES).find(
    (candidate) => description[`${candidate}AppSpecification`] !== undefined,
  );
  if (!type) throw new Error('the definition has no <Type>AppSpecification: not a monitoring job definition');
  return type;
}

/** Every schedule that names the definition, each read whole (its configuration is written back as it is). */
async function schedulesNaming(
  sagemaker: Pick<SageMakerClient, 'send'>,
  description: Description,
): Promise<RelatedSchedule[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListMonitoringSchedulesCommand({
        MonitoringJobDefinitionName: nameOf(description),
        // Another type's definition may have the same name.
        MonitoringTypeEquals: typeOfDescription(description),
        MaxResults: 100,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    for (const summary of page.MonitoringScheduleSummaries ?? []) {
      if (summary.MonitoringScheduleName) names.push(summary.MonitoringScheduleName);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const schedules: RelatedSchedule[] = [];
  for (const name of names) {
    const schedule = await sagemaker.send(
      new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: name }),
    );
    schedules.push({
      MonitoringScheduleName: schedule.MonitoringScheduleName ?? name,
      ...(schedule.MonitoringScheduleStatus
        ? { MonitoringScheduleStatus: schedule.MonitoringScheduleStatus }
        : {}),
      MonitoringScheduleConfig: (schedule.MonitoringScheduleConfig ?? {}) as Record<string, unknown>,
    });
  }
  return schedules;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, NAMED_SCHEDULES);
  const more = names.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

export const recreateJobDefinition: ChangeEngine = {
  steps: ['create', 'move', 'retire', 'restore'],
  related: async (sagemaker, description) => ({
    recreatedName: recreatedName(description),
    schedules: await schedulesNaming(sagemaker, description),
  }),
  requests: requestsOf,
  target: (snapshot) => {
    const name = recreatedName(snapshot.description);
    // SageMaker ARNs lowercase the name.
    return { name, arn: `${snapshot.arn.slice(0, snapshot.arn.lastIndexOf('/') + 1)}${name.toLowerCase()}` };
  },
  affected: (related, list) => {
    const parsed = relatedSchema.safeParse(related);
    if (!parsed.success) return '';
    const names = parsed.data.schedules.map((schedule) => schedule.MonitoringScheduleName);
    if (names.length === 0) return 'No monitoring schedule runs it.';
    return `Monitoring schedules moved to the copy (${names.length}): ${list(names)}.`;
  },
  describeRelated: (related) => {
    const parsed = relatedSchema.safeParse(related);
    if (!parsed.success) return '';
    const { recreatedName: name, schedules } = parsed.data;
    const created = `Job definitions cannot be changed, so the fixed copy is created under a new name, ${name ?? 'the old one with a -fx suffix'}, and the old one is deleted once nothing uses it.`;
    if (schedules.length === 0) return `${created} No monitoring schedule runs this definition.`;
    const names = schedules.map((schedule) => schedule.MonitoringScheduleName);
    return `${created} ${schedules.length === 1 ? 'The monitoring schedule' : `The ${schedules.length} monitoring schedules`} that run it (${listed(names)}) move to the copy with UpdateMonitoringSchedule, keeping the rest of their configuration; their next jobs run with the fixed settings.`;
  },
};
