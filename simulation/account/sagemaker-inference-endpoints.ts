/**
 * Endpoints: Creating -> InService, Updating -> InService on the new configuration, Deleting -> gone.
 * A failed update goes Updating -> InService, still on the old configuration, with a FailureReason:
 * UpdateEndpoint is a blue/green deployment that keeps the old fleet serving until the new one works
 * (UpdateEndpoint reference: "there is no availability loss"), and DescribeEndpoint's FailureReason is
 * set when "the status is InService but update operation fails". RollingBack is not used for it: the
 * reference documents that status only for UpdateEndpointWeightsAndCapacities on an autoscaled
 * endpoint (a seeded RollingBack endpoint still goes back to InService).
 *
 * Transitions are lazy, as for notebooks: every read settles the record against the clock.
 */

import type { Tag } from './sagemaker.js';
import {
  alreadyExists,
  arnOf,
  couldNotFind,
  type InferenceContext,
  type InferenceRecord,
  invalid,
  listPage,
  readCreateTags,
  relay,
} from './sagemaker-inference-common.js';
import {
  type Deployment,
  deploymentOf,
  describeEndpointRecord,
  retained,
} from './sagemaker-inference-deployments.js';
import type { EndpointConfigRecord, ModelCatalogue } from './sagemaker-inference-models.js';
import {
  byName,
  CREATE_ENDPOINT,
  ENDPOINT_NAME,
  ENDPOINT_STATUSES,
  listShape,
  UPDATE_ENDPOINT,
} from './sagemaker-inference-shapes.js';
import { type Input, readRequest, s } from './sagemaker-inference-validation.js';

export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

interface Transition {
  readonly kind: 'create' | 'update' | 'rollback' | 'delete';
  readonly dueMs: number;
  /** The failure a fault hook attached to this create or update. */
  readonly failureReason?: string;
}

export interface EndpointRecord extends InferenceRecord {
  status: EndpointStatus;
  failureReason: string | undefined;
  lastModifiedMs: number;
  deployment: Deployment;
  pending: { readonly deployment: Deployment; readonly startMs: number } | undefined;
  transition: Transition | undefined;
  lastDeploymentConfig: Input | undefined;
  /** Once InService: DescribeEndpoint shows the deployed variants (not while first Creating, nor after a failed creation). */
  live: boolean;
  keyGrant: { readonly keyId: string; readonly grantId: string } | undefined;
}

export interface SeedEndpointOptions {
  readonly name: string;
  /** Must name an endpoint configuration of the account (seeded or created). */
  readonly endpointConfigName: string;
  /** Default InService. Creating, Updating, RollingBack and Deleting are under way from now on. */
  readonly status?: EndpointStatus;
  readonly failureReason?: string;
  /** Updating or RollingBack: the configuration being deployed (default: the same one). */
  readonly pendingEndpointConfigName?: string;
  readonly tags?: readonly Tag[];
  readonly createdAt?: Date;
}

/** Statuses in which an endpoint cannot be updated or deleted ("in-progress"). */
const IN_PROGRESS: readonly EndpointStatus[] = [
  'Creating',
  'Updating',
  'SystemUpdating',
  'RollingBack',
  'Deleting',
];

export class Endpoints {
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly failures = { create: new Map<string, string>(), update: new Map<string, string>() };

  constructor(
    private readonly context: InferenceContext,
    private readonly catalogue: ModelCatalogue,
  ) {}

  arn(name: string): string {
    return arnOf(this.context, 'endpoint', name);
  }

  /** The endpoint, settled against the clock; undefined once deleted. */
  find(name: string): EndpointRecord | undefined {
    const record = this.endpoints.get(name.toLowerCase());
    return record !== undefined && this.settle(record) ? record : undefined;
  }

  /** The next CreateEndpoint of this endpoint ends Failed with this reason. */
  failNextCreate(name: string, reason: string): void {
    this.failures.create.set(name.toLowerCase(), reason);
  }

  /** The next UpdateEndpoint of this endpoint fails: InService on its old configuration, with this reason. */
  failNextUpdate(name: string, reason: string): void {
    this.failures.update.set(name.toLowerCase(), reason);
  }

  seed(options: SeedEndpointOptions): string {
    if (this.find(options.name) !== undefined)
      throw new Error(`seedEndpoint: endpoint ${options.name} already exists`);
    const nowMs = this.context.clock.nowMs();
    const status = options.status ?? 'InService';
    const config = this.seedConfig(options.endpointConfigName);
    const deployment = deploymentOf(config, this.catalogue, nowMs);
    const pendingConfig = options.pendingEndpointConfigName;
    const record: EndpointRecord = {
      name: options.name,
      arn: this.arn(options.name),
      creationMs: options.createdAt?.getTime() ?? nowMs,
      lastModifiedMs: nowMs,
      status,
      failureReason:
        status === 'Failed' ? (options.failureReason ?? 'Seeded failure') : options.failureReason,
      deployment,
      pending:
        status === 'Updating' || status === 'RollingBack'
          ? {
              deployment: deploymentOf(
                this.seedConfig(pendingConfig ?? options.endpointConfigName),
                this.catalogue,
                nowMs,
              ),
              startMs: nowMs,
            }
          : undefined,
      transition: this.impliedTransition(status, nowMs),
      lastDeploymentConfig: undefined,
      live: status !== 'Creating' && status !== 'Failed',
      keyGrant: undefined,
      tags: [...(options.tags ?? [])],
    };
    this.endpoints.set(options.name.toLowerCase(), record);
    return record.arn;
  }

  createEndpoint(input: unknown): { EndpointArn: string } {
    const operation = 'CreateEndpoint';
    const request = readRequest(input, CREATE_ENDPOINT, operation);
    const tags = readCreateTags(this.context, input, operation);
    const name = request.EndpointName as string;
    const existing = this.find(name);
    // Also while the old endpoint of that name is still Deleting.
    if (existing !== undefined) throw alreadyExists('endpoint', existing.arn, operation);
    const config = this.catalogue.requireEndpointConfig(request.EndpointConfigName as string, operation);
    const deployment = this.deployable(config, operation);
    const nowMs = this.context.clock.nowMs();
    const arn = this.arn(name);
    const failureReason = this.takeFailure('create', name);
    const record: EndpointRecord = {
      name,
      arn,
      creationMs: nowMs,
      lastModifiedMs: nowMs,
      status: 'Creating',
      failureReason: undefined,
      deployment,
      pending: undefined,
      transition: {
        kind: 'create',
        dueMs: nowMs + this.context.durations().endpointCreateSeconds * 1000,
        ...(failureReason === undefined ? {} : { failureReason }),
      },
      lastDeploymentConfig: request.DeploymentConfig as Input | undefined,
      live: false,
      keyGrant: this.grantFor(deployment, arn),
      tags,
    };
    this.endpoints.set(name.toLowerCase(), record);
    return { EndpointArn: arn };
  }

  describeEndpoint(input: unknown): Record<string, unknown> {
    const operation = 'DescribeEndpoint';
    const request = readRequest(input, byName('EndpointName', ENDPOINT_NAME), operation);
    return describeEndpointRecord(this.require(request.EndpointName as string, operation));
  }

  updateEndpoint(input: unknown): { EndpointArn: string } {
    const operation = 'UpdateEndpoint';
    const request = readRequest(input, UPDATE_ENDPOINT, operation);
    const record = this.require(request.EndpointName as string, operation);
    if (IN_PROGRESS.includes(record.status)) throw this.inProgress(record, operation);
    if (record.status !== 'InService') {
      // Only DeleteEndpoint works on a Failed endpoint (DescribeEndpoint reference); wording not confirmed.
      throw invalid(operation, `Cannot update endpoint "${record.arn}" in status ${record.status}.`);
    }
    const config = this.catalogue.requireEndpointConfig(request.EndpointConfigName as string, operation);
    if (
      record.deployment.config.AsyncInferenceConfig !== undefined &&
      config.definition.AsyncInferenceConfig === undefined
    ) {
      throw invalid(
        operation,
        `The AsyncInferenceConfig parameter cannot be removed from this endpoint ${record.name}.`,
      );
    }
    const nowMs = this.context.clock.nowMs();
    const deployment = retained(this.deployable(config, operation), record.deployment, request);
    const failureReason = this.takeFailure('update', record.name);
    record.status = 'Updating';
    record.failureReason = undefined;
    record.lastModifiedMs = nowMs;
    record.pending = { deployment, startMs: nowMs };
    record.transition = {
      kind: 'update',
      dueMs: nowMs + this.context.durations().endpointUpdateSeconds * 1000,
      ...(failureReason === undefined ? {} : { failureReason }),
    };
    if (request.RetainDeploymentConfig !== true)
      record.lastDeploymentConfig = request.DeploymentConfig as Input | undefined;
    return { EndpointArn: record.arn };
  }

  deleteEndpoint(input: unknown): Record<string, never> {
    const operation = 'DeleteEndpoint';
    const request = readRequest(input, byName('EndpointName', ENDPOINT_NAME), operation);
    const record = this.require(request.EndpointName as string, operation);
    if (IN_PROGRESS.includes(record.status)) throw this.inProgress(record, operation);
    const nowMs = this.context.clock.nowMs();
    record.status = 'Deleting';
    record.lastModifiedMs = nowMs;
    record.transition = {
      kind: 'delete',
      dueMs: nowMs + this.context.durations().endpointDeleteSeconds * 1000,
    };
    return {};
  }

  listEndpoints(input: unknown): { Endpoints: Record<string, unknown>[]; NextToken?: string } {
    const operation = 'ListEndpoints';
    const shape = listShape(['Name', 'CreationTime', 'Status'], {
      LastModifiedTimeBefore: s.timestamp,
      LastModifiedTimeAfter: s.timestamp,
      StatusEquals: s.enum(ENDPOINT_STATUSES),
    });
    const request = readRequest(input, shape, operation);
    const live = [...this.endpoints.values()].filter((record) => this.settle(record));
    const { page, nextToken } = listPage(live, request, operation);
    const Endpoints = page.map((record) => ({
      EndpointName: record.name,
      EndpointArn: record.arn,
      CreationTime: new Date(record.creationMs),
      LastModifiedTime: new Date(record.lastModifiedMs),
      EndpointStatus: record.status,
    }));
    return nextToken === undefined ? { Endpoints } : { Endpoints, NextToken: nextToken };
  }

  /** The endpoint, or SageMaker's not-found error. */
  require(name: string, operation: string): EndpointRecord {
    const record = this.find(name);
    if (record === undefined) throw couldNotFind('endpoint', this.arn(name), operation);
    return record;
  }

  /** Applies every transition due by now. Returns false once the endpoint is gone. */
  private settle(record: EndpointRecord): boolean {
    for (;;) {
      const transition = record.transition;
      if (transition === undefined || transition.dueMs > this.context.clock.nowMs()) return true;
      record.transition = undefined;
      record.lastModifiedMs = transition.dueMs;
      switch (transition.kind) {
        case 'create':
          record.status = transition.failureReason === undefined ? 'InService' : 'Failed';
          record.failureReason = transition.failureReason;
          record.live = transition.failureReason === undefined;
          break;
        case 'update':
          if (transition.failureReason !== undefined) {
            // The new fleet never took over: InService on the old configuration, with the reason.
            record.status = 'InService';
            record.failureReason = transition.failureReason;
            record.pending = undefined;
            break;
          }
          this.switchTo(record, record.pending?.deployment ?? record.deployment);
          record.status = 'InService';
          record.pending = undefined;
          break;
        case 'rollback':
          // The old fleet never stopped serving: back InService on the old configuration, reason kept.
          record.status = 'InService';
          record.pending = undefined;
          break;
        case 'delete':
          this.endpoints.delete(record.name.toLowerCase());
          this.releaseGrant(record);
          return false;
      }
    }
  }

  private switchTo(record: EndpointRecord, deployment: Deployment): void {
    const keyId = deployment.config.KmsKeyId as string | undefined;
    if (record.keyGrant?.keyId !== keyId) {
      this.releaseGrant(record);
      record.keyGrant = this.grantFor(deployment, record.arn);
    }
    record.deployment = deployment;
  }

  private impliedTransition(status: EndpointStatus, nowMs: number): Transition | undefined {
    const durations = this.context.durations();
    const seconds: Partial<Record<EndpointStatus, [Transition['kind'], number]>> = {
      Creating: ['create', durations.endpointCreateSeconds],
      Updating: ['update', durations.endpointUpdateSeconds],
      RollingBack: ['rollback', durations.endpointRollbackSeconds],
      Deleting: ['delete', durations.endpointDeleteSeconds],
    };
    const implied = seconds[status];
    return implied === undefined ? undefined : { kind: implied[0], dueMs: nowMs + implied[1] * 1000 };
  }

  private inProgress(record: EndpointRecord, operation: string) {
    return invalid(operation, `Cannot update in-progress endpoint "${record.arn}".`);
  }

  private takeFailure(kind: 'create' | 'update', name: string): string | undefined {
    const reason = this.failures[kind].get(name.toLowerCase());
    this.failures[kind].delete(name.toLowerCase());
    return reason;
  }

  /**
   * The configuration's models must still exist (not confirmed: AWS may instead fail the endpoint
   * asynchronously), and its KMS key must be usable for the grant SageMaker makes.
   */
  private deployable(config: EndpointConfigRecord, operation: string): Deployment {
    const variants = [
      ...(config.definition.ProductionVariants as Input[]),
      ...((config.definition.ShadowProductionVariants as Input[] | undefined) ?? []),
    ];
    this.catalogue.requireModels(
      variants.map((variant) => variant.ModelName as string | undefined),
      operation,
    );
    const keyId = config.definition.KmsKeyId as string | undefined;
    const kms = this.context.references?.kms;
    if (keyId !== undefined && kms?.modelled === true)
      relay(() => kms.useKey(keyId, 'CreateGrant'), operation);
    return deploymentOf(config, this.catalogue, this.context.clock.nowMs());
  }

  /** SageMaker's grant on the configuration's key for the endpoint (retired when the endpoint goes). */
  private grantFor(deployment: Deployment, endpointArn: string): EndpointRecord['keyGrant'] {
    const keyId = deployment.config.KmsKeyId as string | undefined;
    const kms = this.context.references?.kms;
    if (keyId === undefined || kms === undefined || kms.keyArn(keyId) === undefined) return undefined;
    const grantee = (deployment.config.ExecutionRoleArn as string | undefined) ?? 'sagemaker.amazonaws.com';
    try {
      return { keyId, grantId: kms.grantForService(keyId, grantee, endpointArn) };
    } catch {
      // A key that is no longer usable (seeded endpoints): no grant.
      return undefined;
    }
  }

  private releaseGrant(record: EndpointRecord): void {
    if (record.keyGrant !== undefined)
      this.context.references?.kms.retireGrant(record.keyGrant.keyId, record.keyGrant.grantId);
    record.keyGrant = undefined;
  }

  private seedConfig(name: string): EndpointConfigRecord {
    const config = this.catalogue.endpointConfig(name);
    if (config === undefined) throw new Error(`seedEndpoint: no endpoint configuration ${name}`);
    return config;
  }
}
