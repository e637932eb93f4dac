/**
 * Names and ARNs the stacks derive for the approval-gated recreation of notebooks: the lifecycle
 * configuration names (the member stack's) and the KMS keys recreated notebooks' volumes are
 * encrypted with (which the member role must be allowed to grant SageMaker).
 *
 * Pure (no CDK imports), so the rules can be tested without synthesising.
 */

// The lifecycle configuration names come from handlers/shared/notebook-data-placement.ts, where the
// Lambdas compute them for any target too.
export {
  LIFECYCLE_CONFIG_NAME_PATTERN,
  LIFECYCLE_CONFIG_PURPOSES,
  lifecycleConfigName,
  MAX_LIFECYCLE_CONFIG_NAME_LENGTH,
} from '../handlers/shared/notebook-data-placement.js';

/** A KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<key id>`. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
/** A KMS key id: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
export const KMS_KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Why a configured kmsKeyId cannot be used, or undefined if it can. */
export function kmsKeyIdProblem(kmsKeyId: string): string | undefined {
  if (KMS_KEY_ARN.test(kmsKeyId) || KMS_KEY_ID.test(kmsKeyId)) return undefined;
  if (/(^|:)alias\//.test(kmsKeyId)) {
    return 'must be a key ARN or key id, not an alias: IAM authorizes kms:CreateGrant on the key, so the stack must know which key it is';
  }
  return 'must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>) or a key id';
}

export interface KeyTarget {
  readonly account: string;
  readonly region: string;
  readonly kmsKeyId?: string | undefined;
}

/**
 * The ARNs of the KMS keys recreated notebooks may be encrypted with: each target's kmsKeyId, a key
 * id completed with the target's own account and region. Only the targets of `deployment` when its
 * account and region are known; every target's when either is a deploy-time token (an
 * environment-agnostic stack cannot tell which target is its own).
 */
export function volumeKeyArns(
  targets: readonly KeyTarget[],
  deployment: { readonly partition: string; readonly account?: string; readonly region?: string },
): string[] {
  const own = targets.filter(
    (target) =>
      deployment.account === undefined ||
      deployment.region === undefined ||
      (target.account === deployment.account && target.region === deployment.region),
  );
  const arns = own.flatMap((target) => {
    if (!target.kmsKeyId) return [];
    const problem = kmsKeyIdProblem(target.kmsKeyId);
    if (problem) throw new Error(`recreate target ${target.account}/${target.region}: kmsKeyId ${problem}`);
    return [
      KMS_KEY_ARN.test(target.kmsKeyId)
        ? target.kmsKeyId
        : `arn:${deployment.partition}:kms:${target.region}:${target.account}:key/${target.kmsKeyId}`,
    ];
  });
  return [...new Set(arns)];
}
