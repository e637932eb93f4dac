/**
 * What the simulated SageMaker shares with each family of resources beside notebook instances: the
 * clock, the account and region, fault injection, the Tags rules (one rule set and one tag store API for
 * every resource, as AddTags, ListTags and DeleteTags take any SageMaker ARN) and the referenced services.
 */

import type { SimulatedClock } from './clock.js';
import type { FaultInjector } from './faults.js';
import type { InputReader } from './input-reader.js';
import type { NotebookReferences, Tag } from './sagemaker.js';

/** A resource AddTags, ListTags and DeleteTags can reach by ARN. `tags` is the live, mutable list. */
export interface TaggedResource {
  readonly arn: string;
  tags: Tag[];
}

export interface ResourceFamilyContext {
  readonly clock: SimulatedClock;
  readonly accountId: string;
  readonly region: string;
  readonly faults: FaultInjector;
  /** Reads and validates a `Tags` member with the same rules as every SageMaker Create call. */
  readonly readTags: (reader: InputReader, operation: string) => Tag[] | undefined;
  /** Throws the user-tag limit error when `added` would take a resource past it. */
  readonly checkTagLimit: (existing: readonly Tag[], added: readonly Tag[], operation: string) => void;
  /** Told of every role a resource is given (the account makes sure IAM knows it). */
  readonly onRoleUsed: (roleArn: string) => void;
  /** EC2, KMS and Secrets Manager, when the account checks references strictly. */
  readonly references?: NotebookReferences;
}

/** A family of simulated SageMaker resources: its operations and its taggable resources by ARN. */
export interface ResourceFamily {
  /** Dispatch table by API operation name (PascalCase), merged into the simulated SageMaker's. */
  operations(): Readonly<Record<string, (input: unknown) => unknown>>;
  /** The resource a lowercased ARN names, if this family holds it (settled against the clock). */
  taggedResource(lowercaseArn: string): TaggedResource | undefined;
}
