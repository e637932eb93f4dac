/**
 * What an approval-gated resource engine gives the state machine: its entry state (where an approved
 * plan goes once SnapshotResource has taken the lock and the verified snapshot) and its own states,
 * which end in VerifyChangedResource when the change is done, or in RollBackResourceChange (with
 * `$.failure` set) when it fails. The shared states are in ../resource-approval-states.ts.
 *
 * A change is made by the ChangeResource Lambda, `step` naming which one (handlers/shared/changes/),
 * from the snapshot in `$.snapshot.Payload`; a wait polls SageMaker through an SDK integration.
 */
import type { State } from '../amazon-states-language.js';

export interface ApprovalEngineStates {
  readonly entry: string;
  states(): Record<string, State>;
}
