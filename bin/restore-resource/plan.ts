/**
 * What the resource restore tool will do, worked out from the snapshot before it changes anything: the
 * calls of the change engine's own `restore` step (handlers/shared/resource-changes.ts), which the
 * workflow's RollBackResourceChange makes too, and where they must go (the account and region of the
 * snapshot's ARN). Pure: no AWS call.
 */
import type { SageMakerRequest } from '../../handlers/shared/changes/sagemaker-requests.js';
import { parseSageMakerArn, resourceKind } from '../../handlers/shared/controls/resource-kinds.js';
import { changeEngineFor, changeRequests } from '../../handlers/shared/resource-changes.js';
import type { ResourceSnapshot } from '../../handlers/shared/resource-snapshot.js';
import { checkPlacement, type Placement } from '../restore-notebook/placement.js';
import { Refusal } from '../restore-notebook/refusal.js';
import type { ResourceSnapshotLocation } from './arguments.js';

/** The engines' step that puts the resource back as the snapshot has it. */
export const RESTORE_STEP = 'restore';

export interface ResourceRestorePlan {
  /** In words: "monitoring schedule". */
  readonly label: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  /** The change engine the snapshot was taken for (its controls' remediation). */
  readonly engine: string;
  /** The restore step's calls, in order. */
  readonly requests: readonly SageMakerRequest[];
}

export function buildResourceRestorePlan(
  snapshot: ResourceSnapshot,
  location: ResourceSnapshotLocation,
  uri: string,
): ResourceRestorePlan {
  const { label, arnType } = resourceKind(snapshot.kind);
  if (snapshot.kind !== location.kind || snapshot.name !== location.name) {
    throw new Refusal(
      `refused: ${uri} is of ${label} ${snapshot.name}, but its key is ${resourceKind(location.kind).label} ${location.name}'s: it is not this snapshot's`,
    );
  }
  const parsed = parseSageMakerArn(snapshot.arn);
  if (!parsed || parsed.arnType !== arnType) {
    throw new Refusal(`refused: ${uri} names ${snapshot.arn}, which is not the ARN of a ${label}`);
  }
  const keyPlace = location.accountId === undefined ? undefined : `${location.accountId}/${location.region}`;
  if (keyPlace !== undefined && keyPlace !== `${parsed.accountId}/${parsed.region}`) {
    throw new Refusal(
      `refused: ${uri} is of ${snapshot.arn}, but its key is of account ${location.accountId} in ${location.region}: it is not this snapshot's`,
    );
  }
  let engine: string;
  let requests: readonly SageMakerRequest[];
  try {
    engine = changeEngineFor(snapshot.fixes).name;
    requests = changeRequests(snapshot, RESTORE_STEP);
  } catch (error) {
    throw new Refusal(
      `refused: ${(error as Error).message}: this version cannot put back a snapshot taken for ${snapshot.fixes.join(', ') || 'no control'}`,
    );
  }
  if (requests.length === 0) {
    throw new Refusal(`refused: the ${engine} engine's ${RESTORE_STEP} step makes no call for ${uri}`);
  }
  return {
    label,
    name: snapshot.name,
    arn: snapshot.arn,
    account: parsed.accountId,
    region: parsed.region,
    engine,
    requests,
  };
}

/**
 * The calls go to the account of --role-arn, or of the operator's credentials, and to --region, or the
 * region of the clients: a snapshot of another account or region would change a resource of the same
 * name there, or fail. Refused (usage: nothing changed) naming the option to pass. Undefined values
 * (unknown) are not compared.
 */
export function checkPlace(
  plan: ResourceRestorePlan,
  where: {
    readonly options?: Placement;
    readonly callerAccount?: string | undefined;
    readonly clientRegion?: string | undefined;
  },
): void {
  checkPlacement({
    what: `a ${plan.label}`,
    snapshot: { accountId: plan.account, region: plan.region },
    options: where.options ?? {},
    callerAccount: where.callerAccount,
    clientRegion: where.clientRegion,
  });
}
