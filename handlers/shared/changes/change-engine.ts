/**
 * What an approval-gated resource engine gives the Lambdas: the resources its change also touches
 * (read into the snapshot, so a roll-back and the restore tool know them), and the SageMaker calls of
 * each of its steps, worked out from the snapshot alone. Pure but for `related`, which only reads.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Description } from '../controls/control-module.js';
import type { ResourceSnapshot } from '../resource-snapshot.js';
import type { RuntimeSettings } from '../runtime-settings.js';
import type { SageMakerRequest } from './sagemaker-requests.js';

export interface ChangeEngine {
  /** The steps the state machine may ask for (ChangeResource's `step`); `restore` puts everything back. */
  readonly steps: readonly string[];
  /** What else the change touches, read before it (e.g. the schedules that run a job definition). */
  related?(
    sagemaker: Pick<SageMakerClient, 'send'>,
    description: Description,
    /** The deployment's settings, for what the change takes from them (a configured key). */
    settings: RuntimeSettings,
  ): Promise<Readonly<Record<string, unknown>>>;
  /** The calls of one step, in order. */
  requests(snapshot: ResourceSnapshot, step: string): readonly SageMakerRequest[];
  /**
   * The resource that passes once the change is done, when it is not the one changed (a recreation
   * under a new name): VerifyChangedResource checks it. Default: the resource itself.
   */
  target?(snapshot: ResourceSnapshot): { readonly name: string; readonly arn: string };
  /**
   * What the approval request says about `related` (the schedules a recreation moves, the endpoints
   * an update rolls...), in a sentence or two; planning reads `related` before it asks.
   */
  describeRelated?(related: Readonly<Record<string, unknown>>): string;
  /**
   * What the change moves that serves or runs something (the schedules a recreation moves, the
   * endpoints an update rolls), in one short sentence naming them through `list` (which keeps the names
   * within the approval note's room): the note says it before the change sentences, so the 512
   * characters of a Security Hub note always name them.
   */
  affected?(related: Readonly<Record<string, unknown>>, list: (names: readonly string[]) => string): string;
  /**
   * Why this change cannot be planned for the resource as it is (a setting missing, a state the API
   * refuses, too much to move at once), in a sentence; undefined when it can.
   */
  refusal?(
    description: Description,
    related: Readonly<Record<string, unknown>>,
    settings: RuntimeSettings,
  ): { readonly outcome: 'NOTIFIED' | 'NEEDS_CONFIGURATION'; readonly reason: string } | undefined;
  /**
   * What the state machine watches once a step has run (the endpoints an update rolls, and what
   * each must run then): ChangeResource returns it, small and bounded.
   */
  watched?(snapshot: ResourceSnapshot): readonly Readonly<Record<string, string>>[];
}
