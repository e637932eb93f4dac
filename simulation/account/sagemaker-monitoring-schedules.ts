/**
 * Monitoring schedules: Pending, then Scheduled (or Stopped, or Failed), with the transitions settled
 * lazily against the clock on every read, as the notebook instances are.
 *
 * What AWS documents or public reports show: a new schedule is Pending, then Scheduled; Stop and Start
 * move between Scheduled and Stopped (the SageMaker Python SDK waits for each to leave Pending); a
 * schedule cannot be changed or deleted while Pending ("Monitoring schedule in status Pending",
 * ValidationException, from DeleteMonitoringSchedule); a deleted schedule stays visible until it is gone
 * (Terraform waits for ResourceNotFound) and locks its job definition until then.
 */

import type { Tag } from './sagemaker.js';
import {
  copy,
  invalid,
  type MonitoringContext,
  pageOf,
  resourceArn,
  resourceInUse,
  resourceNotFound,
  sortBy,
  withinTimes,
} from './sagemaker-monitoring-common.js';
import type { JobDefinitions } from './sagemaker-monitoring-job-definitions.js';
import { checkScheduleConfig, scheduleFacts } from './sagemaker-monitoring-schedule-config.js';
import {
  ENDPOINT_NAME,
  LIST_PAGING,
  MONITORING_TYPES,
  type MonitoringType,
  NAME,
  SCHEDULE_CONFIG,
} from './sagemaker-monitoring-shapes.js';
import { oneOf, structure, timestamp, validateRequest } from './sagemaker-monitoring-validation.js';
import { sageMakerInputReader } from './sagemaker-notebook-resources.js';
import type { TaggedResource } from './sagemaker-resource-family.js';

export type ScheduleStatus = 'Pending' | 'Failed' | 'Scheduled' | 'Stopped';

interface ScheduleTransition {
  readonly dueMs: number;
  /** What the schedule becomes, or `deleted`. */
  readonly becomes: 'Scheduled' | 'Stopped' | 'deleted';
  /** Set by a failure hook: the schedule ends Failed with this reason instead. */
  readonly failureReason?: string;
  /** An update keeps the definition it replaces locked until it completes. */
  readonly previousDefinition?: { readonly type: MonitoringType; readonly name: string };
}

export interface ScheduleRecord extends TaggedResource {
  readonly name: string;
  readonly arn: string;
  /** MonitoringScheduleConfig as given. */
  config: Record<string, unknown>;
  monitoringType: MonitoringType;
  endpointName: string | undefined;
  status: ScheduleStatus;
  failureReason: string | undefined;
  transition: ScheduleTransition | undefined;
  readonly creationMs: number;
  lastModifiedMs: number;
  tags: Tag[];
}

export interface SeedMonitoringScheduleOptions {
  readonly name: string;
  /** MonitoringScheduleConfig as Describe returns it (either form); not validated. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Default Scheduled; Pending ends Scheduled after the schedule duration. */
  readonly status?: ScheduleStatus;
  readonly failureReason?: string;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

const CREATE_SHAPE = structure({ MonitoringScheduleName: NAME, MonitoringScheduleConfig: SCHEDULE_CONFIG }, [
  'MonitoringScheduleName',
  'MonitoringScheduleConfig',
]);
const NAME_ONLY = structure({ MonitoringScheduleName: NAME }, ['MonitoringScheduleName']);
const LIST_SHAPE = structure({
  EndpointName: ENDPOINT_NAME,
  SortBy: oneOf('Name', 'CreationTime', 'Status'),
  ...LIST_PAGING,
  LastModifiedTimeBefore: timestamp,
  LastModifiedTimeAfter: timestamp,
  StatusEquals: oneOf('Pending', 'Failed', 'Scheduled', 'Stopped'),
  MonitoringJobDefinitionName: NAME,
  MonitoringTypeEquals: oneOf(...MONITORING_TYPES),
});

export class MonitoringSchedules {
  private readonly records = new Map<string, ScheduleRecord>();
  private readonly failures = new Map<
    string,
    { readonly on: 'create' | 'update'; readonly reason: string }
  >();

  constructor(
    private readonly context: MonitoringContext,
    private readonly definitions: () => JobDefinitions,
  ) {}

  /** The schedule, settled against the clock; undefined once it is gone. */
  find(name: string): ScheduleRecord | undefined {
    const record = this.records.get(name.toLowerCase());
    return record === undefined ? undefined : this.settle(record);
  }

  /** The schedule that names a job definition (also while being deleted or moved off it), if any. */
  lockingSchedule(type: MonitoringType, name: string): string | undefined {
    const same = (definition: { type: MonitoringType; name: string } | undefined) =>
      definition !== undefined &&
      definition.type === type &&
      definition.name.toLowerCase() === name.toLowerCase();
    return this.all().find(
      (record) => same(this.namedDefinition(record)) || same(record.transition?.previousDefinition),
    )?.name;
  }

  /** The next create or update of this schedule ends Failed with `reason`, after its Pending. */
  failNext(name: string, on: 'create' | 'update', reason: string): void {
    this.failures.set(name.toLowerCase(), { on, reason });
  }

  seed(options: SeedMonitoringScheduleOptions): string {
    if (this.find(options.name) !== undefined) {
      throw new Error(`seedMonitoringSchedule: schedule ${options.name} already exists`);
    }
    const nowMs = this.context.clock.nowMs();
    const config = copy(options.config) as Record<string, unknown>;
    const status = options.status ?? 'Scheduled';
    const record: ScheduleRecord = {
      name: options.name,
      arn: resourceArn(this.context, 'monitoring-schedule', options.name),
      config,
      ...scheduleFacts(this.definitions(), config),
      status,
      failureReason: status === 'Failed' ? (options.failureReason ?? 'Seeded failure') : undefined,
      transition:
        status === 'Pending'
          ? { dueMs: nowMs + this.context.durations().scheduleSeconds * 1000, becomes: 'Scheduled' }
          : undefined,
      creationMs: options.createdAt?.getTime() ?? nowMs,
      lastModifiedMs: nowMs,
      tags: [...(options.tags ?? [])],
    };
    this.records.set(options.name.toLowerCase(), record);
    return record.arn;
  }

  taggedResource(lowercaseArn: string): TaggedResource | undefined {
    return this.all().find((record) => record.arn === lowercaseArn);
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      CreateMonitoringSchedule: (input) => this.create(input),
      DescribeMonitoringSchedule: (input) => this.describe(input),
      UpdateMonitoringSchedule: (input) => this.update(input),
      StartMonitoringSchedule: (input) => this.startOrStop(input, 'StartMonitoringSchedule'),
      StopMonitoringSchedule: (input) => this.startOrStop(input, 'StopMonitoringSchedule'),
      DeleteMonitoringSchedule: (input) => this.delete(input),
      ListMonitoringSchedules: (input) => this.list(input),
    };
  }

  private create(input: unknown): { MonitoringScheduleArn: string } {
    const operation = 'CreateMonitoringSchedule';
    const request = validateRequest(input, CREATE_SHAPE, operation, ['Tags']);
    const tags = this.context.readTags(sageMakerInputReader(request, operation), operation) ?? [];
    const name = String(request.MonitoringScheduleName);
    const config = copy(request.MonitoringScheduleConfig) as Record<string, unknown>;
    const existing = this.find(name);
    if (existing !== undefined) {
      // Wording not confirmed.
      throw resourceInUse(
        operation,
        `Resource Already Exists: MonitoringSchedule with name ${existing.name} already exists. ` +
          'Choose a different name.',
      );
    }
    this.context.checkTagLimit([], tags, operation);
    const derived = checkScheduleConfig(this.context, this.definitions(), config, operation);
    const nowMs = this.context.clock.nowMs();
    const record: ScheduleRecord = {
      name,
      arn: resourceArn(this.context, 'monitoring-schedule', name),
      config,
      ...derived,
      status: 'Pending',
      failureReason: undefined,
      transition: this.pending(nowMs, 'Scheduled', this.takeFailure(name, 'create')),
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      tags,
    };
    this.records.set(name.toLowerCase(), record);
    return { MonitoringScheduleArn: record.arn };
  }

  private describe(input: unknown): Record<string, unknown> {
    const operation = 'DescribeMonitoringSchedule';
    const record = this.require(validateRequest(input, NAME_ONLY, operation), operation);
    return {
      MonitoringScheduleArn: record.arn,
      MonitoringScheduleName: record.name,
      MonitoringScheduleStatus: record.status,
      MonitoringType: record.monitoringType,
      ...(record.failureReason === undefined ? {} : { FailureReason: record.failureReason }),
      CreationTime: new Date(record.creationMs),
      LastModifiedTime: new Date(record.lastModifiedMs),
      MonitoringScheduleConfig: copy(record.config),
      ...(record.endpointName === undefined ? {} : { EndpointName: record.endpointName }),
    };
  }

  /**
   * Replaces the whole MonitoringScheduleConfig (the request carries all of it). Allowed in any status
   * but Pending (the ACK controller's rule); the schedule is Pending, then back to Scheduled, or to
   * Stopped if it was stopped (not confirmed), or Failed through `failNextUpdate`, keeping the new
   * configuration (not confirmed). The monitoring type cannot change (not documented: the stricter choice).
   */
  private update(input: unknown): { MonitoringScheduleArn: string } {
    const operation = 'UpdateMonitoringSchedule';
    const request = validateRequest(input, CREATE_SHAPE, operation);
    const record = this.require(request, operation);
    this.requireStatus(record, ['Scheduled', 'Stopped', 'Failed'], operation);
    const config = copy(request.MonitoringScheduleConfig) as Record<string, unknown>;
    const derived = checkScheduleConfig(this.context, this.definitions(), config, operation);
    if (derived.monitoringType !== record.monitoringType) {
      // Wording not confirmed.
      throw invalid(
        operation,
        `The monitoring type of a schedule cannot change (${record.monitoringType} to ${derived.monitoringType}).`,
      );
    }
    const previousDefinition = this.namedDefinition(record);
    const nowMs = this.context.clock.nowMs();
    const transition = this.pending(
      nowMs,
      record.status === 'Stopped' ? 'Stopped' : 'Scheduled',
      this.takeFailure(record.name, 'update'),
    );
    record.config = config;
    record.endpointName = derived.endpointName;
    record.status = 'Pending';
    record.failureReason = undefined;
    record.lastModifiedMs = nowMs;
    record.transition = previousDefinition === undefined ? transition : { ...transition, previousDefinition };
    return { MonitoringScheduleArn: record.arn };
  }

  /** Start: Stopped to Scheduled; Stop: Scheduled to Stopped; both through Pending. */
  private startOrStop(
    input: unknown,
    operation: 'StartMonitoringSchedule' | 'StopMonitoringSchedule',
  ): Record<string, never> {
    const record = this.require(validateRequest(input, NAME_ONLY, operation), operation);
    const starting = operation === 'StartMonitoringSchedule';
    // Only a stopped schedule starts and only a scheduled one stops (the API reference: "Starts a
    // previously stopped monitoring schedule"); refusing the others is the stricter choice.
    this.requireStatus(record, [starting ? 'Stopped' : 'Scheduled'], operation);
    const nowMs = this.context.clock.nowMs();
    record.status = 'Pending';
    record.lastModifiedMs = nowMs;
    record.transition = this.pending(nowMs, starting ? 'Scheduled' : 'Stopped', undefined);
    return {};
  }

  private delete(input: unknown): Record<string, never> {
    const operation = 'DeleteMonitoringSchedule';
    const record = this.require(validateRequest(input, NAME_ONLY, operation), operation);
    this.requireStatus(record, ['Scheduled', 'Stopped', 'Failed'], operation);
    const nowMs = this.context.clock.nowMs();
    record.status = 'Pending';
    record.lastModifiedMs = nowMs;
    record.transition = {
      dueMs: nowMs + this.context.durations().scheduleDeleteSeconds * 1000,
      becomes: 'deleted',
    };
    return {};
  }

  private list(input: unknown): Record<string, unknown> {
    const operation = 'ListMonitoringSchedules';
    const request = validateRequest(input, LIST_SHAPE, operation);
    const nameContains =
      typeof request.NameContains === 'string' ? request.NameContains.toLowerCase() : undefined;
    const matching = this.all().filter(
      (record) =>
        (request.EndpointName === undefined || record.endpointName === request.EndpointName) &&
        (nameContains === undefined || record.name.toLowerCase().includes(nameContains)) &&
        withinTimes(record.creationMs, request.CreationTimeBefore, request.CreationTimeAfter) &&
        withinTimes(record.lastModifiedMs, request.LastModifiedTimeBefore, request.LastModifiedTimeAfter) &&
        (request.StatusEquals === undefined || record.status === request.StatusEquals) &&
        (request.MonitoringJobDefinitionName === undefined ||
          record.config.MonitoringJobDefinitionName === request.MonitoringJobDefinitionName) &&
        (request.MonitoringTypeEquals === undefined ||
          record.monitoringType === request.MonitoringTypeEquals),
    );
    const key = (record: ScheduleRecord) =>
      request.SortBy === 'Name'
        ? record.name
        : request.SortBy === 'Status'
          ? record.status
          : record.creationMs;
    const { page, nextToken } = pageOf(sortBy(matching, key, request.SortOrder), request, operation);
    return {
      MonitoringScheduleSummaries: page.map((record) => {
        const definitionName = record.config.MonitoringJobDefinitionName;
        return {
          MonitoringScheduleName: record.name,
          MonitoringScheduleArn: record.arn,
          CreationTime: new Date(record.creationMs),
          LastModifiedTime: new Date(record.lastModifiedMs),
          MonitoringScheduleStatus: record.status,
          ...(record.endpointName === undefined ? {} : { EndpointName: record.endpointName }),
          ...(typeof definitionName === 'string' ? { MonitoringJobDefinitionName: definitionName } : {}),
          MonitoringType: record.monitoringType,
        };
      }),
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    };
  }

  private namedDefinition(record: ScheduleRecord): { type: MonitoringType; name: string } | undefined {
    const name = record.config.MonitoringJobDefinitionName;
    return typeof name === 'string' ? { type: record.monitoringType, name } : undefined;
  }

  private pending(
    nowMs: number,
    becomes: 'Scheduled' | 'Stopped',
    failureReason: string | undefined,
  ): ScheduleTransition {
    const dueMs = nowMs + this.context.durations().scheduleSeconds * 1000;
    return failureReason === undefined ? { dueMs, becomes } : { dueMs, becomes, failureReason };
  }

  private takeFailure(name: string, on: 'create' | 'update'): string | undefined {
    const failure = this.failures.get(name.toLowerCase());
    if (failure === undefined || failure.on !== on) return undefined;
    this.failures.delete(name.toLowerCase());
    return failure.reason;
  }

  private requireStatus(record: ScheduleRecord, allowed: readonly ScheduleStatus[], operation: string): void {
    if (!allowed.includes(record.status)) {
      // AWS's wording for DeleteMonitoringSchedule while Pending; the same form for the other calls.
      throw invalid(operation, `Monitoring schedule in status ${record.status}`);
    }
  }

  private require(request: Readonly<Record<string, unknown>>, operation: string): ScheduleRecord {
    const name = String(request.MonitoringScheduleName);
    const record = this.find(name);
    if (record === undefined) {
      // Wording not confirmed.
      throw resourceNotFound(
        operation,
        `Monitoring Schedule ${resourceArn(this.context, 'monitoring-schedule', name)} does not exist.`,
      );
    }
    return record;
  }

  private all(): ScheduleRecord[] {
    return [...this.records.values()].flatMap((record) => this.settle(record) ?? []);
  }

  private settle(record: ScheduleRecord): ScheduleRecord | undefined {
    const transition = record.transition;
    if (transition === undefined || transition.dueMs > this.context.clock.nowMs()) return record;
    if (transition.becomes === 'deleted') {
      this.records.delete(record.name.toLowerCase());
      return undefined;
    }
    record.transition = undefined;
    record.lastModifiedMs = transition.dueMs;
    if (transition.failureReason !== undefined) {
      record.status = 'Failed';
      record.failureReason = transition.failureReason;
    } else {
      record.status = transition.becomes;
    }
    return record;
  }
}
