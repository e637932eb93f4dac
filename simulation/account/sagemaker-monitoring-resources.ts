/**
 * The four monitoring job definition types, monitoring schedules, images, app image configurations and
 * feature groups, as the SageMaker API reference describes them (one file per kind:
 * sagemaker-monitoring-*.ts). Reached as `account.sagemaker.monitoring`: the seeding API for tests, the
 * failure hooks and the durations live here.
 */

import {
  DEFAULT_MONITORING_DURATIONS,
  type MonitoringContext,
  type MonitoringDurations,
} from './sagemaker-monitoring-common.js';
import { FeatureGroups, type SeedFeatureGroupOptions } from './sagemaker-monitoring-feature-groups.js';
import {
  Images,
  type SeedAppImageConfigOptions,
  type SeedImageOptions,
} from './sagemaker-monitoring-images.js';
import { JobDefinitions, type SeedJobDefinitionOptions } from './sagemaker-monitoring-job-definitions.js';
import { MonitoringSchedules, type SeedMonitoringScheduleOptions } from './sagemaker-monitoring-schedules.js';
import type { MonitoringType } from './sagemaker-monitoring-shapes.js';
import type { ResourceFamily, ResourceFamilyContext, TaggedResource } from './sagemaker-resource-family.js';

export type { MonitoringDurations } from './sagemaker-monitoring-common.js';
export { DEFAULT_MONITORING_DURATIONS } from './sagemaker-monitoring-common.js';
export type { SeedFeatureGroupOptions } from './sagemaker-monitoring-feature-groups.js';
export type { SeedAppImageConfigOptions, SeedImageOptions } from './sagemaker-monitoring-images.js';
export type { SeedJobDefinitionOptions } from './sagemaker-monitoring-job-definitions.js';
export type { ScheduleStatus, SeedMonitoringScheduleOptions } from './sagemaker-monitoring-schedules.js';
export type { MonitoringType } from './sagemaker-monitoring-shapes.js';

export class MonitoringResources implements ResourceFamily {
  private durationsNow: MonitoringDurations = DEFAULT_MONITORING_DURATIONS;
  private readonly jobDefinitions: JobDefinitions;
  private readonly schedules: MonitoringSchedules;
  private readonly images: Images;
  private readonly featureGroups: FeatureGroups;

  constructor(context: ResourceFamilyContext) {
    const monitoring: MonitoringContext = { ...context, durations: () => this.durationsNow };
    this.schedules = new MonitoringSchedules(monitoring, () => this.jobDefinitions);
    this.jobDefinitions = new JobDefinitions(monitoring, (type, name) =>
      this.schedules.lockingSchedule(type, name),
    );
    this.images = new Images(monitoring);
    this.featureGroups = new FeatureGroups(monitoring);
  }

  /** Changes the durations of the transitions that start from now on (defaults: DEFAULT_MONITORING_DURATIONS). */
  setDurations(durations: Partial<MonitoringDurations>): void {
    this.durationsNow = { ...this.durationsNow, ...durations };
  }

  /** Puts a job definition of a type in place, bypassing validation. Returns its ARN. */
  seedJobDefinition(type: MonitoringType, options: SeedJobDefinitionOptions): string {
    return this.jobDefinitions.seed(type, options);
  }

  seedMonitoringSchedule(options: SeedMonitoringScheduleOptions): string {
    return this.schedules.seed(options);
  }

  seedImage(options: SeedImageOptions): string {
    return this.images.seedImage(options);
  }

  seedAppImageConfig(options: SeedAppImageConfigOptions): string {
    return this.images.seedAppImageConfig(options);
  }

  seedFeatureGroup(options: SeedFeatureGroupOptions): string {
    return this.featureGroups.seed(options);
  }

  /**
   * The schedule's next UpdateMonitoringSchedule is accepted, then ends Failed with this FailureReason
   * after its Pending (as a schedule whose job cannot be set up does), keeping the new configuration.
   */
  failNextUpdate(scheduleName: string, failureReason: string): void {
    this.schedules.failNext(scheduleName, 'update', failureReason);
  }

  /** The next CreateMonitoringSchedule of this name ends Failed with this FailureReason after its Pending. */
  failNextCreate(scheduleName: string, failureReason: string): void {
    this.schedules.failNext(scheduleName, 'create', failureReason);
  }

  /** Whether a resource exists now (for assertions; not an API call). */
  hasJobDefinition(type: MonitoringType, name: string): boolean {
    return this.jobDefinitions.find(type, name) !== undefined;
  }

  hasMonitoringSchedule(name: string): boolean {
    return this.schedules.find(name) !== undefined;
  }

  hasImage(name: string): boolean {
    return this.images.image(name) !== undefined;
  }

  hasAppImageConfig(name: string): boolean {
    return this.images.appImageConfig(name) !== undefined;
  }

  hasFeatureGroup(name: string): boolean {
    return this.featureGroups.find(name) !== undefined;
  }

  /** A schedule's status now, or undefined once it is gone (for assertions; not an API call). */
  scheduleStatusOf(name: string): string | undefined {
    return this.schedules.find(name)?.status;
  }

  /** The tags of any resource of the family, by ARN (for assertions; not an API call). */
  tagsOf(arn: string): { Key: string; Value: string }[] | undefined {
    return this.taggedResource(arn.toLowerCase())?.tags.map((tag) => ({ ...tag }));
  }

  operations(): Readonly<Record<string, (input: unknown) => unknown>> {
    return {
      ...this.jobDefinitions.operations(),
      ...this.schedules.operations(),
      ...this.images.operations(),
      ...this.featureGroups.operations(),
    };
  }

  taggedResource(lowercaseArn: string): TaggedResource | undefined {
    return (
      this.jobDefinitions.taggedResource(lowercaseArn) ??
      this.schedules.taggedResource(lowercaseArn) ??
      this.images.taggedResource(lowercaseArn) ??
      this.featureGroups.taggedResource(lowercaseArn)
    );
  }
}
