import {
  arnOf,
  checkKeyExists,
  copy,
  couldNotFind,
  type InferenceContext,
  invalid,
  listPage,
  modeled,
  readCreateTags,
  withoutTags,
} from './sagemaker-inference-common.js';
import type { Endpoints } from './sagemaker-inference-endpoints.js';
import {
  describeExperiment,
  type ExperimentRecord,
  type ExperimentStatus,
  type ExperimentTransition,
  experimentSummary,
  experimentWindow,
  type SeedInferenceExperimentOptions,
  seededExperiment,
} from './sagemaker-inference-experiment-records.js';
import type { ModelCatalogue } from './sagemaker-inference-models.js';
import {
  byName,
  CREATE_EXPERIMENT,
  EXPERIMENT_NAME,
  LIST_EXPERIMENTS,
  STOP_EXPERIMENT,
  UPDATE_EXPERIMENT,
} from './sagemaker-inference-shapes.js';
import { type Input, readRequest } from './sagemaker-inference-validation.js';

export class InferenceExperiments {
  private readonly experiments = new Map<string, ExperimentRecord>();

  constructor(
    private readonly context: InferenceContext,
    private readonly catalogue: ModelCatalogue,
    private readonly endpoints: Endpoints,
  ) {}

  arn(name: string): string {
    return arnOf(this.context, 'inference-experiment', name);
  }

  find(name: string): ExperimentRecord | undefined {
    const record = this.experiments.get(name.toLowerCase());
    if (record !== undefined) this.settle(record);
    return record;
  }

  seed(options: SeedInferenceExperimentOptions): string {
    if (this.find(options.name) !== undefined)
      throw new Error(`seedInferenceExperiment: ${options.name} exists`);
    const record = seededExperiment(this.context, this.arn(options.name), options);
    this.experiments.set(options.name.toLowerCase(), record);
    return record.arn;
  }

  createInferenceExperiment(input: unknown): { InferenceExperimentArn: string } {
    const operation = 'CreateInferenceExperiment';
    const request = readRequest(input, CREATE_EXPERIMENT, operation);
    const tags = readCreateTags(this.context, input, operation);
    const name = request.Name as string;
    const existing = this.find(name);
    // Wording not confirmed; ResourceInUse is the error CreateInferenceExperiment declares.
    if (existing !== undefined)
      throw modeled('ResourceInUse', operation, `Inference experiment "${existing.arn}" already exists.`);
    const endpoint = this.endpoints.require(request.EndpointName as string, operation);
    if (endpoint.status !== 'InService') {
      // Stricter than documented: a shadow test deploys its variants on a serving endpoint. Wording invented.
      throw invalid(operation, `Endpoint "${endpoint.arn}" is ${endpoint.status}: it must be InService.`);
    }
    const variants = request.ModelVariants as Input[];
    this.checkVariants(variants, request.ShadowModeConfig as Input, operation);
    this.catalogue.requireModels(
      variants.map((variant) => variant.ModelName as string),
      operation,
    );
    this.checkSchedule(request.Schedule as Input | undefined, operation);
    checkKeyExists(this.context, request.KmsKey as string | undefined, operation);
    checkKeyExists(
      this.context,
      (request.DataStorageConfig as Input | undefined)?.KmsKey as string | undefined,
      operation,
    );
    this.context.onRoleUsed(request.RoleArn as string);
    const nowMs = this.context.clock.nowMs();
    const { Name: _name, ...definition } = withoutTags(request);
    const record: ExperimentRecord = {
      name,
      arn: this.arn(name),
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      status: 'Creating',
      statusReason: undefined,
      completionMs: undefined,
      definition,
      transition: { kind: 'create', dueMs: nowMs + this.context.durations().experimentCreateSeconds * 1000 },
      tags,
    };
    this.experiments.set(name.toLowerCase(), record);
    return { InferenceExperimentArn: record.arn };
  }

  describeInferenceExperiment(input: unknown): Record<string, unknown> {
    const operation = 'DescribeInferenceExperiment';
    const request = readRequest(input, byName('Name', EXPERIMENT_NAME), operation);
    const record = this.require(request.Name as string, operation);
    return describeExperiment(record, this.endpoints.find(record.definition.EndpointName as string));
  }

  startInferenceExperiment(input: unknown): { InferenceExperimentArn: string } {
    const operation = 'StartInferenceExperiment';
    const request = readRequest(input, byName('Name', EXPERIMENT_NAME), operation);
    const record = this.require(request.Name as string, operation);
    this.requireStatus(record, ['Created'], 'started', operation);
    this.begin(record, { kind: 'start', dueMs: this.dueIn('experimentStartSeconds') }, 'Starting');
    return { InferenceExperimentArn: record.arn };
  }

  stopInferenceExperiment(input: unknown): { InferenceExperimentArn: string } {
    const operation = 'StopInferenceExperiment';
    const request = readRequest(input, STOP_EXPERIMENT, operation);
    const record = this.require(request.Name as string, operation);
    const names = (record.definition.ModelVariants as Input[]).map((variant) => variant.VariantName);
    const unknown = Object.keys(request.ModelVariantActions as Input).find((name) => !names.includes(name));
    // Wording not confirmed.
    if (unknown !== undefined)
      throw invalid(
        operation,
        `ModelVariantActions names ${unknown}, which is not a variant of the experiment.`,
      );
    this.requireStatus(record, ['Created', 'Running'], 'stopped', operation);
    const desiredState = (request.DesiredState as ExperimentStatus | undefined) ?? 'Completed';
    this.begin(
      record,
      { kind: 'stop', dueMs: this.dueIn('experimentStopSeconds'), desiredState },
      'Stopping',
    );
    record.statusReason = request.Reason as string | undefined;
    return { InferenceExperimentArn: record.arn };
  }

  updateInferenceExperiment(input: unknown): { InferenceExperimentArn: string } {
    const operation = 'UpdateInferenceExperiment';
    const request = readRequest(input, UPDATE_EXPERIMENT, operation);
    const record = this.require(request.Name as string, operation);
    this.requireStatus(record, ['Created', 'Running'], 'updated', operation);
    const { Name: _name, ...changes } = request;
    const current = record.definition.ModelVariants as Input[];
    const variants = (changes.ModelVariants as Input[] | undefined) ?? current;
    const unknown = variants.find(
      (variant) => !current.some((old) => old.VariantName === variant.VariantName),
    );
    // Wording not confirmed: Update changes the infrastructure of the experiment's own variants.
    if (unknown !== undefined)
      throw invalid(operation, `Model variant ${String(unknown.VariantName)} is not part of the experiment.`);
    this.checkVariants(
      current,
      (changes.ShadowModeConfig as Input | undefined) ?? (record.definition.ShadowModeConfig as Input),
      operation,
    );
    const given = (changes.ModelVariants as Input[] | undefined) ?? [];
    this.catalogue.requireModels(
      given.map((variant) => variant.ModelName as string),
      operation,
    );
    const schedule = changes.Schedule as Input | undefined;
    const started = experimentWindow(record).startMs;
    if (
      record.status === 'Running' &&
      schedule?.StartTime !== undefined &&
      (schedule.StartTime as Date).getTime() !== started
    ) {
      // The API reference: a Running experiment's end date only. Wording not confirmed.
      throw invalid(operation, 'The start time of a Running inference experiment cannot be changed.');
    }
    this.checkSchedule({ StartTime: new Date(started), ...schedule }, operation);
    checkKeyExists(
      this.context,
      (changes.DataStorageConfig as Input | undefined)?.KmsKey as string | undefined,
      operation,
    );
    // Variants and schedule given are merged into the experiment's: the rest is kept.
    const merged: Record<string, unknown> = { ...changes };
    if (changes.ModelVariants !== undefined)
      merged.ModelVariants = current.map(
        (old) => variants.find((variant) => variant.VariantName === old.VariantName) ?? old,
      );
    if (schedule !== undefined)
      merged.Schedule = { ...(record.definition.Schedule as Input | undefined), ...schedule };
    const after = record.status;
    this.begin(
      record,
      { kind: 'update', dueMs: this.dueIn('experimentUpdateSeconds'), after, changes: merged },
      'Updating',
    );
    return { InferenceExperimentArn: record.arn };
  }

  deleteInferenceExperiment(input: unknown): { InferenceExperimentArn: string } {
    const operation = 'DeleteInferenceExperiment';
    const request = readRequest(input, byName('Name', EXPERIMENT_NAME), operation);
    const record = this.require(request.Name as string, operation);
    // Not documented which statuses allow it: a running shadow test must be stopped first (the stricter).
    this.requireStatus(record, ['Created', 'Completed', 'Cancelled'], 'deleted', operation);
    this.experiments.delete(record.name.toLowerCase());
    return { InferenceExperimentArn: record.arn };
  }

  listInferenceExperiments(input: unknown): {
    InferenceExperiments: Record<string, unknown>[];
    NextToken?: string;
  } {
    const operation = 'ListInferenceExperiments';
    const request = readRequest(input, LIST_EXPERIMENTS, operation);
    const records = [...this.experiments.values()].filter((record) => {
      this.settle(record);
      return request.Type === undefined || record.definition.Type === request.Type;
    });
    const { page, nextToken } = listPage(records, request, operation);
    const InferenceExperiments = page.map(experimentSummary);
    return nextToken === undefined
      ? { InferenceExperiments }
      : { InferenceExperiments, NextToken: nextToken };
  }

  private require(name: string, operation: string): ExperimentRecord {
    const record = this.find(name);
    // Wording not confirmed.
    if (record === undefined)
      throw modeled(
        'ResourceNotFound',
        operation,
        couldNotFind('inference experiment', this.arn(name), operation).message,
      );
    return record;
  }

  private requireStatus(
    record: ExperimentRecord,
    allowed: readonly ExperimentStatus[],
    verb: string,
    operation: string,
  ): void {
    if (!allowed.includes(record.status)) {
      throw modeled(
        'ConflictException',
        operation,
        `Inference experiment "${record.arn}" is ${record.status} and cannot be ${verb}: it must be ${allowed.join(' or ')}.`,
      );
    }
  }

  /** Variant names are unique and the shadow configuration names two different ones of them. */
  private checkVariants(variants: readonly Input[], shadowMode: Input, operation: string): void {
    const names = variants.map((variant) => variant.VariantName);
    if (new Set(names).size !== names.length) throw invalid(operation, 'Model variant names must be unique.');
    const shadow = (shadowMode.ShadowModelVariants as Input[])[0]?.ShadowModelVariantName;
    const source = shadowMode.SourceModelVariantName;
    // Wordings not confirmed.
    if (!names.includes(source) || !names.includes(shadow))
      throw invalid(operation, 'ShadowModeConfig must name variants of ModelVariants.');
    if (source === shadow)
      throw invalid(operation, 'The shadow variant must differ from the source variant.');
  }

  private checkSchedule(schedule: Input | undefined, operation: string): void {
    const start = schedule?.StartTime as Date | undefined;
    const end = schedule?.EndTime as Date | undefined;
    // Wording not confirmed.
    if (start !== undefined && end !== undefined && end.getTime() <= start.getTime())
      throw invalid(operation, 'The schedule EndTime must be after its StartTime.');
  }

  private dueIn(
    duration: 'experimentStartSeconds' | 'experimentStopSeconds' | 'experimentUpdateSeconds',
  ): number {
    return this.context.clock.nowMs() + this.context.durations()[duration] * 1000;
  }

  private begin(record: ExperimentRecord, transition: ExperimentTransition, status: ExperimentStatus): void {
    record.status = status;
    record.lastModifiedMs = this.context.clock.nowMs();
    record.transition = transition;
  }

  /** Applies the transitions and scheduled starts and ends due by now, each at its own time. */
  private settle(record: ExperimentRecord): void {
    const nowMs = this.context.clock.nowMs();
    const durations = this.context.durations();
    for (;;) {
      const { transition } = record;
      const { startMs, endMs } = experimentWindow(record);
      if (transition !== undefined) {
        if (transition.dueMs > nowMs) return;
        record.transition = undefined;
        record.lastModifiedMs = transition.dueMs;
        if (transition.kind === 'create') record.status = 'Created';
        if (transition.kind === 'start') record.status = 'Running';
        if (transition.kind === 'update') {
          record.definition = { ...record.definition, ...copy(transition.changes) };
          record.status = transition.after ?? 'Created';
        }
        if (transition.kind === 'stop') {
          record.status = transition.desiredState ?? 'Completed';
          record.completionMs = transition.dueMs;
        }
        continue;
      }
      if (record.status === 'Created' && startMs <= nowMs) {
        const at = Math.max(startMs, record.lastModifiedMs);
        record.status = 'Starting';
        record.lastModifiedMs = at;
        record.transition = { kind: 'start', dueMs: at + durations.experimentStartSeconds * 1000 };
        continue;
      }
      if (record.status === 'Running' && endMs <= nowMs) {
        const at = Math.max(endMs, record.lastModifiedMs);
        record.status = 'Stopping';
        record.lastModifiedMs = at;
        record.transition = {
          kind: 'stop',
          dueMs: at + durations.experimentStopSeconds * 1000,
          desiredState: 'Completed',
        };
        continue;
      }
      return;
    }
  }
}
